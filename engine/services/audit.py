"""Audit: prove afterwards which rules produced a decision, and replay it.

Every result carries an `audit` block: the rexcheck version, the digest of the rule set (stable
across file order and formatting), the as-of date and a digest of the input case.
`--audit-log FILE` appends one line per decision to a hash chain (`auditchain`: never
rewritten, each line holding the hash of the one before, and with an operator's key a MAC)
holding that block, the case itself, the outcome and the findings. `decide` is the one place
a logged decision comes from, when it is logged and when it is replayed. `rexcheck audit
verify FILE --rules DIR` checks the chain and re-evaluates each logged case with the given
rules, reporting every decision they would now take differently (outcome or findings).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from rexcheck.engine.core.version import __version__
from rexcheck.engine.services import auditchain
from rexcheck.facts.base.errors import Diagnostic, InvalidInput
from rexcheck.facts.base.yamlsource import Positions
from rexcheck.facts.canonical import canonical_json, digest_of
from rexcheck.facts.loader import parse_case
from rexcheck.facts.models import Case


@dataclass  # read-only by convention (frozen costs more to build; slots slow orjson down)
class Audit:
    version: str
    rules_digest: str
    as_of: dt.date
    case_digest: str

    def as_json(self) -> dict[str, str]:
        return {"version": self.version, "rules_digest": self.rules_digest,
                "as_of": self.as_of.isoformat(), "case_digest": self.case_digest}


def case_digest(case: Case) -> str:
    """Digest of the validated case: its canonical JSON (`case.model_dump_json()`, fields in
    the models' fixed order; facts/canonical.py), hashed with SHA-256."""
    return digest_of(canonical_json(case))


def finding_keys(findings: list[Any]) -> list[str]:
    return sorted(f"{f.rule_id} {f.subject.type} {f.subject.ref}" for f in findings)


class Decision(NamedTuple):
    """What rexcheck decided on a case: the outcome (screening's: register, refuse, valid,
    ..., error), the findings as `finding_keys`, and the audit block (None when the case
    could not be evaluated)."""

    outcome: str
    findings: list[str]
    audit: Audit | None
    error: str | None = None


def decision_of(result: Any) -> Decision:
    """A case's result as the audit log records it: its outcome (decided by the outcome rules
    of the packs), its findings and its audit block. `check` and `screen` log it, `audit
    verify` replays it, so the three cannot disagree."""
    return Decision(result.outcome, finding_keys(result.findings), result.audit, result.error)


def decide(checker: Any, case: Case, as_of: dt.date | None) -> Decision:
    """The decision the checker takes on a case now (`audit verify` replays with it)."""
    return decision_of(checker.check(case, as_of))


def log_entry(case: Case, audit: Audit, outcome: str, findings: list[Any],
              decision_id: str | None = None) -> str:
    """One decision as the payload of an audit-log line, in canonical form (see
    `auditchain.canonical`): enough to replay it (`verify`). Screening's workers make it;
    `AuditLog.append_decision` chains it. The service gives each decision an id, logged with
    it, so an answer can be found in the log."""
    return _payload(case, audit, outcome, finding_keys(findings), decision_id).decode()


def _payload(case: Case, audit: Audit, outcome: str, keys: list[str],
             decision_id: str | None = None) -> bytes:
    entry = {
        "audit": audit.as_json(),
        "case": case.model_dump(mode="json", exclude_none=True),
        "outcome": outcome,
        "findings": keys,
    }
    if decision_id is not None:
        entry["decision_id"] = decision_id
    return auditchain.canonical(entry)


class AuditLog(auditchain.ChainedLog):
    """The audit log of `check` and `screen`: decisions appended to the chain, each line
    locked, hashed and (with a key) MAC'd; see `auditchain`."""

    def __init__(self, path: Path | str, key: auditchain.AuditKey | None = None,
                 sync_each: bool = False):

        super().__init__(path, key, __version__, sync_each)

    def write(self, case: Case, decision: Decision) -> None:
        """Log a decision taken by `decide` (nothing when the case could not be evaluated:
        there is no audit block to prove)."""
        if decision.audit is not None:
            self.append("decision", _payload(case, decision.audit, decision.outcome,
                                             decision.findings))

    def append_decision(self, payload: str) -> None:
        """Log a decision made into a payload already (`log_entry`, in screening's workers)."""
        self.append("decision", payload.encode())


@dataclass
class Difference:
    line: int
    case: str
    as_of: str
    logged: list[str]
    now: list[str]
    logged_outcome: str = ""
    now_outcome: str = ""


@dataclass
class Verification:
    chain: auditchain.Chain
    rules_digest: str = ""
    entries: int = 0
    same: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def problems(self) -> list[Diagnostic]:
        return self.chain.problems


def verify(path: Path | str, checker: Any, key: auditchain.AuditKey | None = None,
           anchors: list[auditchain.Head] | tuple[auditchain.Head, ...] = ()) -> Verification:
    """Check the chain of a log (every link and hash, the header, the MACs when given the
    key, the anchors) and replay every decision with `checker`'s rules on its logged as-of
    date, comparing the outcome and the findings."""
    chain, decisions = auditchain.walk(path, key, anchors)
    report = Verification(chain, checker.ruleset.digest)
    in_use = {"rules": ("rules_digest", checker.ruleset.digest),
              "rexcheck": ("version", _version())}
    others: dict[tuple[str, str], list[int]] = {}  # (rules|rexcheck, value) -> lines
    for number, decision in decisions:
        report.entries += 1
        logged = _logged(chain, number, decision)
        if logged is None:
            continue
        case, as_of, outcome, findings, audit = logged
        for what, (name, used) in in_use.items():
            if audit.get(name) != used:
                others.setdefault((what, str(audit.get(name))), []).append(number)
        now = decide(checker, case, as_of)
        now_keys = now.findings if not now.error else [f"error: {now.error}"]
        if now_keys != findings or now.outcome != outcome:
            report.differences.append(Difference(number, case.case, as_of.isoformat(),
                                                 findings, now_keys, outcome, now.outcome))
        else:
            report.same += 1
    for (what, value), lines in sorted(others.items()):
        chain.notes.append(f"{len(lines)} decision(s) were taken with {what} {value}, not "
                           f"the {in_use[what][1]} in use now (line(s) {_spans(lines)})")
    return report


def _logged(chain: auditchain.Chain, number: int, decision: dict[str, Any]
            ) -> tuple[Case, dt.date, str, list[str], dict[str, Any]] | None:
    """A logged decision, read back; None (and a problem) when it cannot be."""
    try:
        audit = decision["audit"]
        as_of = dt.date.fromisoformat(audit["as_of"])
        outcome, findings = decision["outcome"], decision["findings"]
        if not isinstance(outcome, str) or not isinstance(findings, list):
            raise TypeError("outcome or findings of the wrong type")
        case = parse_case(decision["case"], Positions(f"{chain.path}:{number}"))
    except InvalidInput as exc:
        chain.problem(number, f"the logged case is not a valid case ({exc})", "audit-decision")
        return None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        chain.problem(number, f"not a decision record ({type(exc).__name__}: {exc})",
                      "audit-decision")
        return None
    if case_digest(case) != audit.get("case_digest"):
        chain.problem(number, "the logged case does not match its digest", "audit-decision")
    return case, as_of, outcome, sorted(map(str, findings)), audit


def _version() -> str:

    return __version__


def _spans(numbers: list[int]) -> str:
    """1, 2, 3, 5 -> '1-3, 5' (the first ten spans)."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    text = ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in spans[:10])
    return text + (f", ... ({len(spans) - 10} more)" if len(spans) > 10 else "")

"""Audit: prove afterwards which rules produced a decision, and replay it.

Every result carries an `audit` block: the rexcheck version, the digest of the rule set (stable
across file order and formatting), the as-of date and a digest of the input case.
`--audit-log FILE` appends one JSON line per decision (never rewriting earlier lines) holding
that block, the case itself and the findings; `rexcheck audit verify FILE --rules DIR`
re-evaluates each logged case with the given rules and reports every decision they would now
take differently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel
from rexcheck.facts.models import Case

VERSION_KEY = "rexcheck"


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
    """Digest of the validated case: its JSON as pydantic writes it (`case.model_dump_json()`,
    fields in the models' fixed order, so it is canonical), hashed with SHA-256."""
    return "sha256:" + hashlib.sha256(canonical_json(case)).hexdigest()


def canonical_json(case: Case) -> bytes:
    """`case.model_dump_json()`, byte for byte, written by orjson in half the time: a model
    is its `__dict__` (the models are strict: no extra fields, no computed ones, no custom
    serialisers), an amount its `str`, and dates, text and lists orjson writes as pydantic
    does. tests/test_audit.py holds the two to each other on every example and generated
    case and on edge values; a value orjson refuses (an integer beyond 64 bits) goes through
    pydantic."""
    try:
        return orjson.dumps(case.__dict__, default=_model_or_amount)
    except orjson.JSONEncodeError:
        return case.model_dump_json().encode()


def _model_or_amount(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.__dict__
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not part of a case")


def finding_keys(findings: list[Any]) -> list[str]:
    return sorted(f"{f.rule_id} {f.subject.type} {f.subject.ref}" for f in findings)


def log_entry(case: Case, audit: Audit, outcome: str, findings: list[Any]) -> str:
    """One decision as an audit-log line: enough to replay it (`verify`)."""
    return json.dumps({
        "logged_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "audit": audit.as_json(),
        "case": case.model_dump(mode="json", exclude_none=True),
        "outcome": outcome,
        "findings": finding_keys(findings),
    }, ensure_ascii=False, sort_keys=True)


class AuditLog:
    """Appends decisions, one JSON line each; opened in append mode, flushed per line."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._file = open(self.path, "a", encoding="utf-8")

    def write(self, case: Case, audit: Audit, outcome: str, findings: list[Any]) -> None:
        self._file.write(log_entry(case, audit, outcome, findings) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


@dataclass
class Difference:
    line: int
    case: str
    as_of: str
    logged: list[str]
    now: list[str]
    note: str = ""


@dataclass
class Verification:
    entries: int = 0
    same: int = 0
    differences: list[Difference] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def read_log(path: Path | str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"line {number}: not valid JSON ({exc.msg})"


def verify(path: Path | str, checker: Any) -> Verification:
    """Re-evaluate every logged decision with `checker`'s rules; report what would change."""
    from rexcheck.engine.errors import InvalidInput
    from rexcheck.engine.yamlsource import Positions
    from rexcheck.facts.loader import parse_case

    report = Verification()
    for number, entry in read_log(path):
        report.entries += 1
        if isinstance(entry, str):
            report.unreadable.append(entry)
            continue
        try:
            case = parse_case(entry["case"], Positions(f"{path}:{number}"))
            as_of = dt.date.fromisoformat(entry["audit"]["as_of"])
            logged = sorted(entry["findings"])
        except (KeyError, TypeError, ValueError, InvalidInput) as exc:
            report.unreadable.append(f"line {number}: not a decision record ({exc})")
            continue
        note = ""
        if case_digest(case) != entry["audit"].get("case_digest"):
            note = "the logged case does not match its digest"
        result = checker.check(case, as_of)
        now = finding_keys(result.findings) if not result.error else [f"error: {result.error}"]
        if now != logged or note:
            report.differences.append(Difference(number, case.case, as_of.isoformat(), logged,
                                                 now, note))
        else:
            report.same += 1
    return report

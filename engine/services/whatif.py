"""What-if: run the rules in force and a proposal over the same population, report the change.

The report says first what the proposal changes in the law (each parameter's values, as
"statement_threshold_chf: 10300 -> 12000 CHF from 2021-04-11", and the rules added, removed,
disabled or rewritten), then what that does to the cases:

- each case is *changed* when the outcome of one of its documents, or of the case, or its
  findings (errors, warnings, steps pending) differ; a case whose notices alone differ (a
  reading no longer applied, say) keeps its decisions and is counted apart, *notices only*;
- the outcome changes per document type (consignment: invalid -> valid, counted per
  document), never mixing the outcomes of different documents;
- the totals of each outcome before and after, per document type and for the cases;
- per rule, the cases in which it newly fires or stops firing;
- the changed cases (and, apart, those changed in notices only), unless only the summary is
  asked for.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rexcheck.engine.core.loader import RuleSet, structure_pattern
from rexcheck.engine.core.version import __version__
from rexcheck.engine.services.checker import Checker
from rexcheck.engine.services.screening import screen_all
from rexcheck.facts.records import Record

BATCH = 8  # records judged together, as screening does (the same results, faster)
UNIT_WORDS = {"working_days": "working days", "calendar_days": "calendar days"}


@dataclass
class ParameterChange:
    name: str
    unit: str
    start: dt.date
    before: Any
    after: Any

    def text(self) -> str:
        unit = UNIT_WORDS.get(self.unit, self.unit)
        unit = "" if unit in ("text", "list", "structure") else f" {unit}"
        return (f"{self.name}: {_value(self.before, self.unit)} -> "
                f"{_value(self.after, self.unit)}{unit} from {self.start.isoformat()}")


def _value(value: Any, unit: str) -> str:
    if value is None:
        return "(no value)"
    if unit == "structure":
        return structure_pattern(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def parameter_changes(baseline: RuleSet, proposed: RuleSet) -> list[ParameterChange]:
    """Each day from which a parameter's value differs between the two rule sets (and the
    day it agrees again), with the values before and after."""
    out = []
    for name in sorted(set(baseline.parameters) | set(proposed.parameters)):
        old, new = baseline.parameters.get(name), proposed.parameters.get(name)
        unit = (new or old).parameter.unit  # type: ignore[union-attr]
        days = sorted({start for p in (old, new) if p is not None
                       for start, _, _ in p.periods()}
                      | {end + dt.timedelta(days=1) for p in (old, new) if p is not None
                         for _, end, _ in p.periods() if end is not None})
        last: tuple | None = None
        for day in days:
            pair = (old.written_on(day) if old else None, new.written_on(day) if new else None)
            if pair != last and (pair[0] != pair[1] or (last is not None and last[0] != last[1])):
                out.append(ParameterChange(name, unit, day, *pair))
            last = pair
    return out


def rule_changes(baseline: RuleSet, proposed: RuleSet) -> dict[str, list[str]]:
    """The ids of the rules the proposal adds, removes, disables, enables or rewrites."""
    old = {lr.rule.id: lr.rule for lr in baseline.rules}
    new = {lr.rule.id: lr.rule for lr in proposed.rules}
    both = sorted(set(old) & set(new))
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "disabled": [r for r in both if old[r].enabled and not new[r].enabled],
        "enabled": [r for r in both if not old[r].enabled and new[r].enabled],
        "changed": [r for r in both if old[r].enabled == new[r].enabled
                    and old[r].model_dump() != new[r].model_dump()],
    }


@dataclass
class CaseChange:
    record: int
    case: str | None
    before: str
    after: str
    documents: list[dict[str, str]]  # {document, type, before, after} whose outcome changed
    fired: list[str]  # "rule subject" newly found
    stopped: list[str]  # "rule subject" no longer found
    as_of: str | None = None
    case_digest: str | None = None


@dataclass
class NoticeChange:
    record: int
    case: str | None
    fired: list[str]
    stopped: list[str]


@dataclass
class WhatIf:
    title: str
    baseline_digest: str
    proposed_digest: str
    parameters: list[ParameterChange] = field(default_factory=list)
    rules: dict[str, list[str]] = field(default_factory=dict)
    cases: int = 0
    errors: int = 0
    changed: list[CaseChange] = field(default_factory=list)
    notices_only: list[NoticeChange] = field(default_factory=list)
    unchanged: int = 0
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    outcome_changes: Counter = field(default_factory=Counter)  # (type, before, after) -> n
    totals: dict[str, dict[str, Counter]] = field(default_factory=dict)  # type -> side -> n

    def count(self, kind: str, outcome: str, side: str) -> None:
        self.totals.setdefault(kind, {"before": Counter(), "after": Counter()})[side][
            outcome] += 1

    def as_dict(self, summary: bool = False) -> dict[str, Any]:

        out: dict[str, Any] = {
            "rexcheck": __version__,
            "title": self.title,
            "baseline": {"digest": self.baseline_digest},
            "proposed": {"digest": self.proposed_digest},
            "law_changes": {
                "parameters": [{"name": p.name, "unit": p.unit, "from": p.start.isoformat(),
                                "before": p.before, "after": p.after, "text": p.text()}
                               for p in self.parameters],
                "rules": self.rules},
            "cases": self.cases,
            "errors": self.errors,
            "changed": len(self.changed),
            "notices_only": len(self.notices_only),
            "unchanged": self.unchanged,
            "outcome_changes": [
                {"document_type": kind, "before": b, "after": a, "documents": n}
                for (kind, b, a), n in sorted(self.outcome_changes.items())],
            "totals": {kind: {o: {"before": sides["before"][o], "after": sides["after"][o]}
                              for o in sorted(set(sides["before"]) | set(sides["after"]))}
                       for kind, sides in sorted(self.totals.items())},
            "by_rule": dict(sorted(self.by_rule.items())),
        }
        if not summary:
            out["changed_cases"] = [c.__dict__ for c in self.changed]
            out["notices_only_cases"] = [c.__dict__ for c in self.notices_only]
        return out


CASE = "case"  # the totals of the cases' own outcomes, beside those of each document type


def _keys(found: Iterable[Any]) -> set[str]:
    return {f"{f.rule_id} {f.subject.type} {f.subject.ref}" for f in found}


def _compare_one(report: WhatIf, record: Record, before: Any, after: Any) -> None:
    report.cases += 1
    if before.outcome == "error" or after.outcome == "error":
        report.errors += 1
    for side, result in (("before", before), ("after", after)):
        report.count(CASE, result.outcome, side)
        for o in result.outcomes:
            report.count(o.type, o.outcome, side)
    old = {o.document: o for o in before.outcomes}
    new = {o.document: o for o in after.outcomes}
    documents = []
    for name in [*old, *(n for n in new if n not in old)]:
        b, a = old.get(name), new.get(name)
        was, now = (b.outcome if b else "(none)"), (a.outcome if a else "(none)")
        if was != now:
            kind = (a or b).type  # type: ignore[union-attr]
            report.outcome_changes[(kind, was, now)] += 1
            documents.append({"document": name, "type": kind, "before": was, "after": now})
    counted = (_keys([*before.findings, *before.pending]),
               _keys([*after.findings, *after.pending]))
    fired, stopped = sorted(counted[1] - counted[0]), sorted(counted[0] - counted[1])
    for key, how in [(k, "newly_fires") for k in fired] + [(k, "stops_firing") for k in stopped]:
        entry = report.by_rule.setdefault(key.split(" ")[0],
                                          {"newly_fires": 0, "stops_firing": 0})
        entry[how] += 1
    if documents or fired or stopped or before.outcome != after.outcome:
        audit = after.audit or before.audit
        report.changed.append(CaseChange(
            record.number, before.case, before.outcome, after.outcome, documents, fired,
            stopped, audit.as_of.isoformat() if audit else None,
            audit.case_digest if audit else None))
        return
    notices = _keys(before.notices), _keys(after.notices)
    if notices[0] != notices[1]:
        report.notices_only.append(NoticeChange(record.number, before.case,
                                                sorted(notices[1] - notices[0]),
                                                sorted(notices[0] - notices[1])))
    else:
        report.unchanged += 1


def compare(baseline: Checker, proposed: Checker, records: Iterable[Record],
            as_of: dt.date | None, title: str = "") -> WhatIf:
    report = WhatIf(title or "What-if", baseline.ruleset.digest, proposed.ruleset.digest,
                    parameter_changes(baseline.ruleset, proposed.ruleset),
                    rule_changes(baseline.ruleset, proposed.ruleset))
    batch: list[Record] = []
    for record in itertools.chain(records, [None]):  # streamed: never all in memory
        if record is not None:
            batch.append(record)
            if len(batch) < BATCH:
                continue
        if not batch:
            break
        befores = screen_all(baseline, batch, as_of, "en")
        afters = screen_all(proposed, batch, as_of, "en")
        for rec, (before, _), (after, _) in zip(batch, befores, afters, strict=True):
            _compare_one(report, rec, before, after)
        batch = []
    return report


def to_text(report: WhatIf, markdown: bool = False, summary: bool = False) -> str:
    """The report for people (or as Markdown, for a memo)."""
    return text_of(report.as_dict(summary), markdown, summary)


def text_of(d: dict[str, Any], markdown: bool = False, summary: bool = False) -> str:
    """`to_text` of a report already made JSON data (`WhatIf.as_dict`): what the service and
    the workbench hold, the report having come back from the what-if's own process."""
    h2 = "## " if markdown else ""
    lines = [f"{'# ' if markdown else ''}What-if: {d['title']}", ""]
    lines += [f"{h2}The change of the law", ""]
    law = [p["text"] for p in d["law_changes"]["parameters"]]
    law += [f"rules {how}: {', '.join(ids)}" for how, ids in d["law_changes"]["rules"].items()
            if ids]
    lines += [("- " if markdown else "  ") + text for text in law] or [
        ("- " if markdown else "  ") + "no parameter or rule differs"]
    lines += ["", f"rules in force {d['baseline']['digest']}",
              f"proposed       {d['proposed']['digest']}", ""]
    lines += [f"{d['cases']} case(s): {d['changed']} changed, {d['notices_only']} in notices "
              f"only, {d['unchanged']} unchanged, {d['errors']} could not be judged", ""]
    lines += _outcome_changes(d, h2, markdown)
    lines += _totals(d, h2, markdown)
    lines += _per_rule(d, h2, markdown)
    if not summary:
        lines += _changed_cases(d, h2, markdown)
    return "\n".join(lines).rstrip("\n") + "\n"


def _outcome_changes(d: dict, h2: str, markdown: bool) -> list[str]:
    lines = [f"{h2}Outcome changes per document type", ""]
    if markdown and d["outcome_changes"]:
        lines += ["| document type | before | after | documents |", "|---|---|---|---:|"]
    for c in d["outcome_changes"]:
        lines.append(f"| {c['document_type']} | {c['before']} | {c['after']} | "
                     f"{c['documents']} |" if markdown else
                     f"  {c['document_type']:22} {c['before']:>14} -> {c['after']:14} "
                     f"{c['documents']}")
    if not d["outcome_changes"]:
        lines.append("  no outcome changes" if not markdown else "No outcome changes.")
    return lines + [""]


def _totals(d: dict, h2: str, markdown: bool) -> list[str]:
    lines = [f"{h2}Totals per outcome, before -> after", ""]
    if markdown:
        lines += ["| document type | outcome | before | after |", "|---|---|---:|---:|"]
    for kind, outcomes in d["totals"].items():
        for i, (outcome, n) in enumerate(outcomes.items()):
            name = kind if i == 0 else ""
            lines.append(f"| {kind} | {outcome} | {n['before']} | {n['after']} |" if markdown
                         else f"  {name:22} {outcome:>16} {n['before']:6} -> {n['after']}")
    return lines + [""]


def _per_rule(d: dict, h2: str, markdown: bool) -> list[str]:
    lines = [f"{h2}Per rule: cases in which it newly fires or stops firing", ""]
    if markdown and d["by_rule"]:
        lines += ["| rule | newly fires | stops firing |", "|---|---:|---:|"]
    for rule, n in d["by_rule"].items():
        lines.append(f"| {rule} | {n['newly_fires']} | {n['stops_firing']} |" if markdown else
                     f"  {rule:44} newly fires in {n['newly_fires']}, stops in "
                     f"{n['stops_firing']}")
    if not d["by_rule"]:
        lines.append("  no rule fires differently" if not markdown else
                     "No rule fires differently.")
    return lines + [""]


def _changed_cases(d: dict, h2: str, markdown: bool) -> list[str]:
    lines = [f"{h2}Changed cases (an outcome or a finding)", ""]
    if markdown and d["changed_cases"]:
        lines += ["| record | case | before | after | documents | newly fires | stops firing |",
                  "|---:|---|---|---|---|---|---|"]
    for c in d["changed_cases"]:
        docs = "; ".join(f"{x['document']}: {x['before']} -> {x['after']}"
                         for x in c["documents"])
        if markdown:
            lines.append(f"| {c['record']} | {c['case']} | {c['before']} | {c['after']} | "
                         f"{docs} | {'; '.join(c['fired'])} | {'; '.join(c['stopped'])} |")
            continue
        lines.append(f"  #{c['record']} {c['case']}: {c['before']} -> {c['after']}")
        lines += [f"      {x['document']}: {x['before']} -> {x['after']}"
                  for x in c["documents"]]
        lines += [f"      + {k}" for k in c["fired"]] + [f"      - {k}" for k in c["stopped"]]
    if not d["changed_cases"]:
        lines.append("  none" if not markdown else "None.")
    lines += ["", f"{h2}Changed in notices only (decisions unchanged)", ""]
    for c in d["notices_only_cases"]:
        lines.append(f"{'- ' if markdown else '  '}#{c['record']} {c['case']}: "
                     + "; ".join([f"+ {k}" for k in c["fired"]]
                                 + [f"- {k}" for k in c["stopped"]]))
    if not d["notices_only_cases"]:
        lines.append("  none" if not markdown else "None.")
    return lines + [""]

"""What-if: run a baseline and a proposed rule set over the same population, report the change.

For every case: its overall outcome and its findings (rule id and subject) under each rule set.
The report counts, per rule, the cases where it newly fires or stops firing; per outcome, the
transitions (refuse -> register, ...); and lists each changed case with before and after.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rexcheck.engine.checker import Checker
from rexcheck.engine.screening import screen_one
from rexcheck.facts.records import Record


@dataclass
class CaseChange:
    record: int
    case: str | None
    before: str
    after: str
    fired: list[str]  # "rule subject" newly found
    stopped: list[str]  # "rule subject" no longer found
    as_of: str | None = None
    case_digest: str | None = None


@dataclass
class WhatIf:
    baseline_digest: str
    proposed_digest: str
    cases: int = 0
    errors: int = 0
    changed: list[CaseChange] = field(default_factory=list)
    unchanged: int = 0
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    transitions: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        from rexcheck.engine.version import __version__

        return {
            "rexcheck": __version__,
            "baseline": {"digest": self.baseline_digest},
            "proposed": {"digest": self.proposed_digest},
            "cases": self.cases,
            "errors": self.errors,
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "by_rule": dict(sorted(self.by_rule.items())),
            "outcome_transitions": [
                {"before": b, "after": a, "cases": n}
                for (b, a), n in sorted(self.transitions.items())],
            "changed_cases": [c.__dict__ for c in self.changed],
        }


def _keys(result: Any) -> set[str]:
    return {f"{f.rule_id} {f.subject.type} {f.subject.ref}" for f in result.findings}


def compare(baseline: Checker, proposed: Checker, records: Iterable[Record],
            as_of: dt.date | None) -> WhatIf:
    report = WhatIf(baseline.ruleset.digest, proposed.ruleset.digest)
    for record in records:
        report.cases += 1
        before = screen_one(baseline, record, as_of, "en")
        after = screen_one(proposed, record, as_of, "en")
        if before.outcome == "error" or after.outcome == "error":
            report.errors += 1
        old, new = _keys(before), _keys(after)
        fired, stopped = sorted(new - old), sorted(old - new)
        for key in fired:
            rule = key.split(" ")[0]
            report.by_rule.setdefault(rule, {"newly_fires": 0, "stops_firing": 0})
            report.by_rule[rule]["newly_fires"] += 1
        for key in stopped:
            rule = key.split(" ")[0]
            report.by_rule.setdefault(rule, {"newly_fires": 0, "stops_firing": 0})
            report.by_rule[rule]["stops_firing"] += 1
        if fired or stopped or before.outcome != after.outcome:
            report.transitions[(before.outcome, after.outcome)] += 1
            audit = after.audit or before.audit
            report.changed.append(CaseChange(
                record.number, before.case, before.outcome, after.outcome, fired, stopped,
                audit.as_of.isoformat() if audit else None,
                audit.case_digest if audit else None))
        else:
            report.unchanged += 1
    return report


def to_text(report: WhatIf, markdown: bool = False) -> str:
    d = report.as_dict()
    h = "## " if markdown else ""
    lines = [f"{'# ' if markdown else ''}What-if report", "",
             f"baseline {d['baseline']['digest']}", f"proposed {d['proposed']['digest']}", "",
             f"{d['cases']} case(s): {d['changed']} changed, {d['unchanged']} unchanged, "
             f"{d['errors']} with errors", ""]
    lines.append(f"{h}Per rule")
    if markdown:
        lines += ["", "| rule | newly fires | stops firing |", "|---|---:|---:|"]
    for rule, n in d["by_rule"].items():
        lines.append(f"| {rule} | {n['newly_fires']} | {n['stops_firing']} |" if markdown else
                     f"  {rule:44} newly fires in {n['newly_fires']}, stops in "
                     f"{n['stops_firing']}")
    lines += ["", f"{h}Outcomes"]
    if markdown:
        lines += ["", "| before | after | cases |", "|---|---|---:|"]
    for t in d["outcome_transitions"]:
        lines.append(f"| {t['before']} | {t['after']} | {t['cases']} |" if markdown else
                     f"  {t['before']:>13} -> {t['after']:13} {t['cases']}")
    lines += ["", f"{h}Changed cases"]
    if markdown:
        lines += ["", "| record | case | before | after | newly fires | stops firing |",
                  "|---:|---|---|---|---|---|"]
    for c in d["changed_cases"]:
        if markdown:
            lines.append(f"| {c['record']} | {c['case']} | {c['before']} | {c['after']} | "
                         f"{'; '.join(c['fired'])} | {'; '.join(c['stopped'])} |")
        else:
            lines.append(f"  #{c['record']} {c['case']}: {c['before']} -> {c['after']}")
            lines += [f"      + {k}" for k in c["fired"]] + [f"      - {k}" for k in c["stopped"]]
    return "\n".join(lines) + "\n"

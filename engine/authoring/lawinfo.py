"""The law as the service shows it: each rule with its law text, reading, the parameters it
uses with their dated values, the days it is in force and the rule tests that show it firing
and staying silent; each parameter with its dated values and citation.

Plain JSON data built once from a loaded rule set (`GET /v1/rules`, `GET /v1/rules/{id}`,
`GET /v1/parameters` of `rexcheck serve`); nothing here reads a file named by a request.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rexcheck.engine.authoring.ruletests import LoadedTest
from rexcheck.engine.core.loader import LoadedParameter, LoadedRule, RuleSet, params_used


def _day(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _relative(file: str, ruleset: RuleSet) -> str:
    try:
        return Path(file).relative_to(ruleset.root).as_posix()
    except ValueError:
        return Path(file).name


def rule_row(lr: LoadedRule, ruleset: RuleSet) -> dict[str, Any]:
    """A rule in the list: what `rexcheck rules list --format json` gives."""
    r = lr.rule
    return {"id": r.id, "citation": r.citation.ref, "also": r.citation.also,
            "applies_to": r.applies_to, "title": r.title,
            "kind": r.then.finding.kind if r.then.finding else "derive",
            "derives": r.then.derive.fact if r.then.derive else None,
            "outcome": r.then.outcome,
            "reading": r.reading.id if r.reading else None,
            "enabled": r.enabled, "file": _relative(lr.file, ruleset)}


def parameter(p: LoadedParameter, ruleset: RuleSet) -> dict[str, Any]:
    """A parameter with every dated value: from, to (inclusive; null: still in force)."""
    c = p.parameter.citation
    return {"name": p.name, "description": " ".join(p.parameter.description.split()),
            "unit": p.parameter.unit,
            "citation": {"ref": c.ref, "text": c.text, "lang": c.lang,
                         "translation": c.translation, "also": c.also},
            "values": [{"from": _day(start), "to": _day(end), "value": value}
                       for start, end, value in p.periods()],
            "file": _relative(p.file, ruleset)}


def parameters(ruleset: RuleSet) -> list[dict[str, Any]]:
    return [parameter(p, ruleset) for _, p in sorted(ruleset.parameters.items())]


def _tests_of(tests: list[LoadedTest]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per rule id, the tests expecting it to fire and those expecting it silent."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for t in tests:
        ref = {"name": t.test.name, "file": Path(t.file).name, "line": t.line,
               "as_of": t.test.as_of.isoformat()}
        fired = {e.rule for e in t.test.expect}
        for rule in sorted(fired):
            out.setdefault(rule, {"fires": [], "does_not_fire": []})["fires"].append(ref)
        for rule in sorted(set(t.test.expect_not)):
            out.setdefault(rule, {"fires": [], "does_not_fire": []})["does_not_fire"].append(
                ref)
    return out


class LawIndex:
    """Every rule's and parameter's description, made once when the service starts."""

    def __init__(self, ruleset: RuleSet, tests: list[LoadedTest]):
        self.digest = ruleset.digest
        by_test = _tests_of(tests)
        ordered = sorted(ruleset.rules, key=lambda lr: (lr.file, lr.rule.id))
        self.rows = [rule_row(lr, ruleset) for lr in ordered]
        self.parameters = parameters(ruleset)
        by_name = {p["name"]: p for p in self.parameters}
        self.rules: dict[str, dict[str, Any]] = {}
        for lr, row in zip(ordered, self.rows, strict=True):
            self.rules[lr.rule.id] = self._detail(lr, row, by_name, by_test)

    @staticmethod
    def _detail(lr: LoadedRule, row: dict[str, Any], by_name: dict[str, dict[str, Any]],
                by_test: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
        r = lr.rule
        finding = r.then.finding
        return {
            **row,
            "law": {"ref": r.citation.ref, "text": r.citation.text, "lang": r.citation.lang,
                    "translation": r.citation.translation, "also": r.citation.also},
            "description": " ".join(r.description.split()),
            "reading": ({"id": r.reading.id, "text": " ".join(r.reading.text.split())}
                        if r.reading else None),
            "finding": ({"kind": finding.kind, "severity": finding.severity,
                         "message": finding.message, "message_ru": finding.message_ru}
                        if finding else None),
            "act": lr.act, "versions": lr.versions,
            "in_force": [{"from": _day(start), "to": _day(end)} for start, end in lr.spans],
            "parameters": [by_name[name] for name in sorted(params_used(r)) if name in by_name],
            "tests": by_test.get(r.id, {"fires": [], "does_not_fire": []}),
        }

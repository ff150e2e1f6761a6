"""`rexcheck rules lint`: everything wrong with a rules tree, beyond what stops it loading.

Errors (the tree cannot be used) come from the loader: schema, unknown fields with "did you
mean", bad conditions, duplicate ids. On a tree that loads, lint adds warnings:
- a derived fact type used but never produced, or produced but never used;
- a rule no YAML rule test fires, or none shows silent;
- a `reading` id that docs/readings.md does not document;
- a finding message without its Russian translation.
"""

from __future__ import annotations

import re
from pathlib import Path

from rexcheck.engine.errors import Diagnostic, InvalidInput
from rexcheck.engine.loader import LoadedRule, RuleSet, load_rules
from rexcheck.engine.ruletests import coverage, load_tests

READING_HEADING = re.compile(r"^#+\s.*?`?([a-z0-9]+(?:-[a-z0-9]+)+)`?", re.MULTILINE)


def _warn(lr: LoadedRule, where: tuple, message: str, code: str, hint: str | None = None
          ) -> Diagnostic:
    line, col = lr.positions.of(where)
    return Diagnostic(lr.file, line, col, message, code, rule_id=lr.rule.id, hint=hint,
                      severity="warning")


def documented_readings(readings_file: Path | None) -> set[str] | None:
    if readings_file is None or not readings_file.is_file():
        return None
    return set(READING_HEADING.findall(readings_file.read_text(encoding="utf-8")))


def lint(root: Path, readings_file: Path | None = None) -> list[Diagnostic]:
    """All diagnostics of a rules tree: errors if it does not load, else warnings."""
    try:
        ruleset = load_rules(root)
    except InvalidInput as exc:
        return sorted(exc.diagnostics)
    out: list[Diagnostic] = []
    out.extend(_derived_usage(ruleset))
    try:
        tests = load_tests(root)
    except InvalidInput as exc:
        return sorted(out + exc.diagnostics)
    fires, silent = coverage(tests)
    readings = documented_readings(readings_file)
    for lr in ruleset.rules:
        rule = lr.rule
        if rule.id not in fires:
            out.append(_warn(lr, ("id",), "no rule test fires this rule", "untested-fires",
                             "add a test with this rule under 'expect' in rules/tests/"))
        if rule.id not in silent:
            out.append(_warn(lr, ("id",), "no rule test shows this rule silent",
                             "untested-silent",
                             "add a test with this rule under 'expect_not' in rules/tests/"))
        if rule.reading and readings is not None and rule.reading.id not in readings:
            out.append(_warn(lr, ("reading", "id"), f"reading '{rule.reading.id}' is not "
                             "documented in docs/readings.md", "undocumented-reading"))
        if rule.then.finding and not rule.then.finding.message_ru:
            out.append(_warn(lr, ("then", "finding", "message"), "the message has no Russian "
                             "translation", "missing-translation", "add 'message_ru'"))
    return sorted(out)


def _derived_usage(ruleset: RuleSet) -> list[Diagnostic]:
    produced: dict[str, LoadedRule] = {}
    used: dict[str, LoadedRule] = {}
    for lr in ruleset.rules:
        if lr.rule.then.derive:
            produced.setdefault(lr.rule.then.derive.fact, lr)
        for fact in [lr.rule.applies_to] + [m.fact for m in [*lr.rule.with_, *lr.rule.without]]:
            if fact in ruleset.derived:
                used.setdefault(fact, lr)
    out = []
    for name in sorted(set(ruleset.derived) - set(produced)):
        if name in used:
            out.append(_warn(used[name], ("applies_to",), f"derived fact '{name}' is used but "
                             "no rule produces it", "never-produced"))
    for name in sorted(set(produced) - set(used)):
        out.append(_warn(produced[name], ("then", "derive", "fact"), f"derived fact '{name}' "
                         "is produced but no rule uses it", "never-used"))
    return out

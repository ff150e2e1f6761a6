"""`rexcheck rules lint`: everything wrong with a rules tree, beyond what stops it loading.

Errors (the tree cannot be used) come from the loader: schema, unknown fields with "did you
mean", bad conditions, duplicate ids, versions and parameters. On a tree that loads, lint adds
the errors of rules that can never fire (`cannot_fire`): a condition on a field of a derived
fact that no rule sets, a derived fact matched or negated that no rule derives, a due date
counted from a date no fact has, conditions on one field that contradict each other; and the
errors of rule tests that name rules or fields that do not exist; and the errors of citations
that do not match the law (engine/core/lawtexts.py: a paragraph the act does not have, a quotation
not found in the paragraph it cites, in its language). Then warnings:
- a derived fact type used but never produced, or produced but never used;
- a rule no YAML rule test fires, or none shows silent;
- a `reading` id that docs/readings.md does not document;
- a finding message without its Russian translation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rexcheck.engine.authoring.ruletests import coverage, load_tests, needs_silent_test
from rexcheck.engine.core import conditions as cond
from rexcheck.engine.core import contract
from rexcheck.engine.core.compiler import compile_program
from rexcheck.engine.core.lawtexts import check_tree
from rexcheck.engine.core.loader import (
    LAW_FILE,
    LoadedRule,
    RuleSet,
    _leaves,
    any_params,
    compile_conditions,
    load_rules,
    rule_files,
    rule_scope,
)
from rexcheck.facts.base.errors import Diagnostic, InvalidInput

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
    """All diagnostics of a rules tree: errors if it does not load, else warnings; and, either
    way, the citations that do not match the texts of their acts."""
    cited = check_tree(root, [root / LAW_FILE] + rule_files(root)) if root.is_dir() else []
    try:
        ruleset = load_rules(root)
    except InvalidInput as exc:
        return sorted(set(exc.diagnostics + cited))
    out: list[Diagnostic] = cannot_fire(ruleset) + cited + compile_errors(ruleset)
    out.extend(_derived_usage(ruleset))
    try:
        tests = load_tests(root, ruleset)
    except InvalidInput as exc:
        return sorted(out + exc.diagnostics)
    fires, silent = coverage(tests)
    readings = documented_readings(readings_file)
    for lr in ruleset.rules:
        rule = lr.rule
        if rule.id not in fires:
            out.append(_warn(lr, ("id",), "no rule test fires this rule", "untested-fires",
                             "add a test with this rule under 'expect' in rules/tests/"))
        if rule.id not in silent and needs_silent_test(rule):
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


def compile_errors(ruleset: RuleSet) -> list[Diagnostic]:
    """What stops a tree that loads from compiling: a cycle through 'without', or a pack
    past a fixed limit of the engine that no cutting into chunks fits (engine/core/partition.py);
    `check`, `screen`, `serve` and the API refuse the tree with the same errors."""
    try:
        compile_program(ruleset)
    except InvalidInput as exc:
        return list(exc.diagnostics)
    return []


def _error(lr: LoadedRule, where: tuple, message: str, code: str, hint: str | None = None
           ) -> Diagnostic:
    line, col = lr.positions.of(where)
    return Diagnostic(lr.file, line, col, message, code, rule_id=lr.rule.id, hint=hint)


def cannot_fire(ruleset: RuleSet) -> list[Diagnostic]:
    """Errors for the rules that can never fire (see the module docstring)."""
    produced: dict[str, set[str]] = {}
    for lr in ruleset.rules:
        spec = lr.rule.then.derive
        if spec is not None and lr.rule.enabled:
            produced.setdefault(spec.fact, set()).update(spec.set)
    always = {contract.REF_KEY, contract.JUDGED_ON_KEY, contract.AS_OF_KEY}
    out: list[Diagnostic] = []
    for lr in ruleset.rules:
        rule = lr.rule
        if not rule.enabled:
            continue
        scope = rule_scope(lr, ruleset, any_params(ruleset))
        matched = [(("applies_to",), rule.applies_to, "matches")] + [
            ((kind, i, "fact"), m.fact, "negates" if kind == "without" else "matches")
            for kind in ("with", "without")
            for i, m in enumerate(rule.with_ if kind == "with" else rule.without)]
        for where, fact, how in matched:
            if fact in ruleset.derived and fact not in produced:
                message = (f"'{fact}' is derived by no rule, so this rule never fires"
                           if how == "matches" else
                           f"'{fact}' is derived by no rule: the 'without' is always true")
                out.append(_error(lr, where, message, "never-derived",
                                  "add a rule that derives it, or remove the match"))
        by_alias = compile_conditions(lr, scope)
        for alias, items in by_alias.items():
            fact = scope.aliases[alias]
            for leaf in (leaf for item in items for leaf in _leaves(item)):
                refs = [leaf.ref] + ([leaf.value] if isinstance(leaf.value, cond.FieldRef)
                                     else [])
                for ref in refs:
                    owner = scope.aliases[ref.alias]
                    if (owner in ruleset.derived and owner in produced
                            and ref.path not in produced[owner] | always
                            and not ref.path.startswith("_")
                            and not (leaf.op == "exists" and leaf.value.value is False)):
                        out.append(_error(lr, leaf.where, f"no rule sets {owner}.{ref.path}, "
                                          "so this condition is never true", "never-set",
                                          f"set '{ref.path}' where a rule derives {owner}"))
            out.extend(_contradictions(lr, alias, fact, items))
        for due in scope.dues:
            owner = scope.aliases[due.alias]
            if owner in produced and due.path not in produced[owner]:
                out.append(_error(lr, ("deadline",), f"the due date counts from "
                                  f"{owner}.{due.path}, which no rule sets", "never-set"))
    return out


def _contradictions(lr: LoadedRule, alias: str, fact: str, items: list) -> list[Diagnostic]:
    """Tests of one field joined by 'all' that no value can pass together."""
    by_field: dict[str, list] = {}
    for item in items:
        if isinstance(item, cond.Leaf) and not isinstance(item.value, cond.FieldRef):
            by_field.setdefault(item.ref.path, []).append(item)
    out = []
    for path, leaves in by_field.items():
        allowed: set | None = None
        exists: set[bool] = set()
        for leaf in leaves:
            value: Any = leaf.value.value if isinstance(leaf.value, cond.Literal) else None
            if leaf.op == "exists":
                exists.add(bool(value))
                continue
            if leaf.op in ("eq", "in") and not leaf.ref.kind.is_list:
                values = set(value) if leaf.op == "in" else {value}
                allowed = values if allowed is None else allowed & values
            if leaf.op in ("ne", "not_in") and allowed is not None:
                allowed -= set(value) if leaf.op == "not_in" else {value}
        compared = any(leaf.op != "exists" and not leaf.op.startswith("not_")
                       and leaf.op not in ("ne", "lacks_any") for leaf in leaves)
        if exists == {True, False} or (False in exists and compared) or allowed == set():
            out.append(_error(lr, leaves[-1].where, f"the tests of {alias}.{path} contradict "
                              "each other: no value passes them all", "contradiction"))
    return out


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

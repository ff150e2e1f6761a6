"""Load a rules tree: every rule file, validated completely, or nothing at all.

`load_rules(DIR)` reads `DIR/**/*.yaml` and `*.yml` (a folder per act, a file per chapter; the
`calendar/` data and `tests/` folders are not rule files; any other file is an error),
validates each file against `engine/schema.py`, then checks what needs the whole set: unique
rule ids, known fact types and parameters, derived facts declared once, conditions that
type-check. All problems of all files are reported
together; a rule set with any error raises `InvalidInput` and is never used half-way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rexcheck.engine import conditions as cond
from rexcheck.engine.diagnose import from_validation_error
from rexcheck.engine.errors import Diagnostic, InvalidInput, did_you_mean
from rexcheck.engine.schema import DerivedType, Parameter, Rule, RuleFile
from rexcheck.engine.yamlsource import Positions, load_yaml
from rexcheck.facts.catalog import FieldKind, base_fields
from rexcheck.facts.normalise import day_number

NOT_RULE_DIRS = {"calendar", "tests"}
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z0-9_.]+)?)\}")
DEADLINE_PLACEHOLDERS = {"due", "done", "days_late", "days_counted"}


def default_rules_dir() -> Path:
    """The rule packs shipped with rexcheck."""
    return Path(str(resources.files("rexcheck.rules")))


@dataclass
class LoadedRule:
    rule: Rule
    file: str
    positions: Positions  # rooted at the rule
    act: str
    effective_from: dt.date | None
    effective_to: dt.date | None

    def in_force(self, on: dt.date) -> bool:
        return ((self.effective_from is None or self.effective_from <= on)
                and (self.effective_to is None or on <= self.effective_to))


@dataclass
class LoadedParameter:
    name: str
    parameter: Parameter
    file: str
    kind: str  # engine kind: amount, int, str, list

    def value_on(self, on: dt.date) -> Any:
        for v in self.parameter.values:
            if v.from_ <= on and (v.to is None or on <= v.to):
                return engine_value(v.value, self.parameter.unit)
        return None


@dataclass
class RuleSet:
    root: str
    rules: list[LoadedRule]
    parameters: dict[str, LoadedParameter]
    derived: dict[str, DerivedType]
    fields: dict[str, dict[str, FieldKind]]
    digest: str
    files: list[str] = field(default_factory=list)

    def rule(self, rule_id: str) -> LoadedRule:
        return next(r for r in self.rules if r.rule.id == rule_id)

    def params_on(self, on: dt.date) -> dict[str, tuple[Any, str]]:
        return {name: (p.value_on(on), p.kind) for name, p in self.parameters.items()
                if p.value_on(on) is not None}

    def change_points(self) -> list[dt.date]:
        """The days on which a rule or a parameter value comes into or goes out of force,
        sorted: the law in force is the same on every day from one of them to the next."""
        points: set[dt.date] = set()

        def add(start: dt.date | None, end: dt.date | None) -> None:
            if start is not None:
                points.add(start)
            if end is not None and end < dt.date.max:
                points.add(end + dt.timedelta(days=1))

        for lr in self.rules:
            add(lr.effective_from, lr.effective_to)
        for p in self.parameters.values():
            for v in p.parameter.values:
                add(v.from_, v.to)
        return sorted(points)


UNIT_KIND = {"CHF": "amount", "NOK": "amount", "working_days": "int", "calendar_days": "int",
             "days": "int", "count": "int", "text": "str", "list": "list"}


def engine_value(value: Any, unit: str) -> Any:
    if UNIT_KIND[unit] == "amount":
        return round(value * 100)
    if isinstance(value, dt.date):
        return day_number(value)
    return value


def _value_ok(value: Any, unit: str) -> bool:
    kind = UNIT_KIND[unit]
    if kind == "amount":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "str":
        return isinstance(value, str)
    return isinstance(value, list) and all(isinstance(v, str) for v in value) and bool(value)


def rule_files(root: Path, others: list[Path] | None = None) -> list[Path]:
    """The rule files of a tree: *.yaml and *.yml, in any case, outside `calendar/` and
    `tests/`. Every other file is added to `others` (to be named in an error), but notes
    (*.md, README), hidden files and folders (`.name`) and Python's packaging (`__init__.py`,
    `__pycache__/`): a rule file with an unexpected name is never passed over in silence."""
    found = []
    for top, folders, names in os.walk(root):
        folders[:] = [f for f in folders
                      if not (f.startswith(".") or f == "__pycache__" or f in NOT_RULE_DIRS)]
        for name in names:
            path = Path(top) / name
            if path.suffix.lower() in (".yaml", ".yml"):
                found.append(path)
            elif others is not None and not (
                    name.startswith(".") or name == "__init__.py" or name.upper().startswith(
                        "README") or path.suffix.lower() == ".md"):
                others.append(path)
    return sorted(found)


def load_rules(root: Path | str | None = None) -> RuleSet:
    root = Path(root) if root is not None else default_rules_dir()
    if not root.is_dir():
        raise InvalidInput([Diagnostic(str(root), 1, 1, "rules directory not found", "io")])
    problems: list[Diagnostic] = []
    parsed: list[tuple[str, RuleFile, Positions]] = []
    others: list[Path] = []
    paths = rule_files(root, others)
    if not paths:
        problems.append(Diagnostic(str(root), 1, 1, "no rule files (*.yaml, *.yml) found",
                                   "no-rules"))
    problems.extend(Diagnostic(str(p), 1, 1, "not a rule file: a rules tree holds *.yaml and "
                               "*.yml rule files (and notes, *.md)", "not-a-rule-file",
                               hint="rename it, or move it out of the rules tree")
                    for p in sorted(others))
    for path in paths:
        try:
            data, positions = load_yaml(path)
        except InvalidInput as exc:
            problems.extend(exc.diagnostics)
            continue
        if not isinstance(data, dict):
            problems.append(Diagnostic(str(path), 1, 1, "a rule file is a mapping with 'act', "
                                       "'title' and 'rules'", "file-shape"))
            continue
        try:
            parsed.append((str(path), RuleFile.model_validate(data), positions))
        except ValidationError as exc:
            problems.extend(_rule_file_errors(exc, positions, data))
    ruleset = _assemble(root, parsed, problems)
    if problems:
        raise InvalidInput(sorted(set(problems)))
    return ruleset


def _rule_file_errors(exc: ValidationError, positions: Positions, data: dict) -> list[Diagnostic]:
    diagnostics = from_validation_error(exc, positions, RuleFile)
    out = []
    for d in diagnostics:
        rule_id = None
        parts = (d.field or "").split(".")
        if len(parts) >= 2 and parts[0] == "rules" and parts[1].isdigit():
            rules = data.get("rules") if isinstance(data.get("rules"), list) else []
            index = int(parts[1])
            if index < len(rules) and isinstance(rules[index], dict):
                rule_id = str(rules[index].get("id")) if rules[index].get("id") else None
            d = Diagnostic(d.file, d.line, d.column, d.message, d.code, rule_id,
                           ".".join(parts[2:]) or None, d.hint)
        out.append(d)
    return out


def _assemble(root: Path, parsed: list, problems: list[Diagnostic]) -> RuleSet:
    fields = base_fields()
    parameters: dict[str, LoadedParameter] = {}
    derived: dict[str, DerivedType] = {}
    derived_at: dict[str, str] = {}
    rules: list[LoadedRule] = []
    for file, rf, positions in parsed:
        for name, p in rf.parameters.items():
            line, col = positions.of(("parameters", name))
            if name in parameters:
                problems.append(Diagnostic(file, line, col, f"parameter '{name}' is defined "
                                           f"twice (also in {parameters[name].file})",
                                           "duplicate-param"))
                continue
            for i, v in enumerate(p.values):
                if not _value_ok(v.value, p.unit):
                    vl, vc = positions.of(("parameters", name, "values", i, "value"))
                    problems.append(Diagnostic(file, vl, vc, f"value {v.value!r} does not fit "
                                               f"unit '{p.unit}'", "bad-param",
                                               field=f"parameters.{name}"))
            parameters[name] = LoadedParameter(name, p, file, UNIT_KIND[p.unit])
        for name, d in rf.derived.items():
            if name in fields or name in derived:
                line, col = positions.of(("derived", name))
                problems.append(Diagnostic(file, line, col, f"fact type '{name}' is defined "
                                           f"twice (also in {derived_at.get(name, 'the fact models')})",
                                           "duplicate-fact"))
                continue
            derived[name], derived_at[name] = d, file
        for i, rule in enumerate(rf.rules):
            rules.append(LoadedRule(rule, file, positions.child(("rules", i)), rf.act,
                                    rf.effective_from, rf.effective_to))
    for name, d in derived.items():
        fields[name] = {f: FieldKind(k, optional=True) for f, k in d.fields.items()}
        fields[name]["ref"] = FieldKind("str")
    seen: dict[str, str] = {}
    for lr in rules:
        rid = lr.rule.id
        if rid in seen:
            line, col = lr.positions.of(("id",))
            problems.append(Diagnostic(lr.file, line, col, f"rule id '{rid}' is used twice "
                                       f"(also in {seen[rid]})", "duplicate-id", rule_id=rid))
        seen[rid] = lr.file
    ruleset = RuleSet(str(root), rules, parameters, derived, fields, "", [p[0] for p in parsed])
    any_date = reference_date(parameters)
    for lr in rules:
        problems.extend(check_rule(lr, ruleset, any_date))
    ruleset.digest = _digest(parsed)
    return ruleset


def reference_date(parameters: dict[str, LoadedParameter]) -> dt.date:
    dates = [v.from_ for p in parameters.values() for v in p.parameter.values]
    return max(dates) if dates else dt.date(2021, 4, 11)


def rule_scope(lr: LoadedRule, ruleset: RuleSet, params: dict) -> cond.Scope:
    rule = lr.rule
    aliases = {rule.applies_to: rule.applies_to}
    for m in [*rule.with_, *rule.without]:
        aliases[m.alias] = m.fact
    return cond.Scope(lr.positions, rule.id, aliases, ruleset.fields, params)


def check_rule(lr: LoadedRule, ruleset: RuleSet, on: dt.date) -> list[Diagnostic]:
    """Every problem of one rule that needs the whole rule set to see."""
    rule = lr.rule
    params = {n: (p.value_on(on) if p.value_on(on) is not None
                  else engine_value(p.parameter.values[0].value, p.parameter.unit), p.kind)
              for n, p in ruleset.parameters.items()}
    scope = rule_scope(lr, ruleset, params)
    for where, fact in [(("applies_to",), rule.applies_to)] + [
        ((kind, i, "fact"), m.fact) for kind in ("with", "without")
        for i, m in enumerate(getattr(rule, "with_" if kind == "with" else kind))
    ]:
        if fact not in ruleset.fields:
            scope.error(where, f"unknown fact type '{fact}'", "unknown-fact",
                        hint=did_you_mean(fact, ruleset.fields))
    if len(scope.aliases) != 1 + len(rule.with_) + len(rule.without):
        scope.error(("with",), "two matched facts share an alias", "duplicate-alias",
                    hint="give one of them another name with 'as'")
    if scope.diagnostics:
        return scope.diagnostics
    compile_conditions(lr, scope)
    if rule.deadline is not None:
        _check_deadline(rule, scope)
    if rule.then.derive is not None:
        _check_derive(rule, scope, ruleset)
    if rule.then.finding is not None:
        _check_message(rule.then.finding.message, rule, scope, ("then", "finding", "message"))
        if rule.then.finding.message_ru:
            _check_message(rule.then.finding.message_ru, rule, scope,
                           ("then", "finding", "message_ru"))
    return scope.diagnostics


def compile_conditions(lr: LoadedRule, scope: cond.Scope) -> dict[str, list]:
    """Parse `when` and each `where`; conditions grouped by the alias they test."""
    rule = lr.rule
    by_alias: dict[str, list] = {}
    node = cond.parse(rule.when, scope, ("when",))
    if node is not None:
        for alias, items in cond.split_by_alias(node, scope).items():
            if alias in {m.alias for m in rule.without}:
                scope.error(("when",), f"'{alias}' is matched under 'without'; put its test "
                            "in that 'where'", "bad-condition")
            by_alias.setdefault(alias, []).extend(items)
    for kind, matches in (("with", rule.with_), ("without", rule.without)):
        for i, m in enumerate(matches):
            node = cond.parse(m.where, scope, (kind, i, "where"))
            if node is None:
                continue
            for alias, items in cond.split_by_alias(node, scope).items():
                if alias != m.alias:
                    scope.error((kind, i, "where"), f"a 'where' tests its own fact "
                                f"('{m.alias}'), not '{alias}'", "bad-condition",
                                hint=f"compare with {{field: {alias}.<field>}} as a value")
                by_alias.setdefault(alias, []).extend(items)
    _check_negated_joins(rule, by_alias, scope)
    for items in by_alias.values():
        for item in items:
            joined = cond.join_inside_any(item)
            if joined is not None:
                scope.error(joined.where, "a comparison with another fact cannot stand inside "
                            "'any' (the engine cannot join inside an or)", "join-in-any",
                            hint="split the rule, use several 'without' entries, or derive a "
                            "fact that says what you need")
    return by_alias


def _leaves(node: Any) -> list:
    if isinstance(node, cond.Leaf):
        return [node]
    return [leaf for item in node.items for leaf in _leaves(item)]


def _check_negated_joins(rule: Rule, by_alias: dict[str, list], scope: cond.Scope) -> None:
    """A `without` joined to an optional field must only be tested when the field is there.

    With the field missing, the engine compares with nothing and the negation is decided
    wrongly (measured), so the rule must say `exists: true` for that field, and a rule of its
    own must say what happens when it is missing.
    """
    negated = {m.alias for m in rule.without}
    for alias in negated:
        for leaf in (leaf for item in by_alias.get(alias, []) for leaf in _leaves(item)):
            other = leaf.value
            if not (isinstance(other, cond.FieldRef) and other.alias not in negated
                    and other.kind.optional and not other.path.startswith("_")):
                continue
            guarded = any(isinstance(i, cond.Leaf) and i.op == "exists" and i.value.value is True
                          and i.ref.alias == other.alias and i.ref.path == other.path
                          for i in by_alias.get(other.alias, []))
            if not guarded:
                name = f"{other.alias}.{other.path}"
                scope.error(leaf.where, f"'without' compares with {name}, which may be missing; "
                            "then the engine cannot decide the absence", "negation-on-optional",
                            fld=name, hint=f"add {{field: {name}, exists: true}} to 'when' and "
                            "cover the missing case with a rule of its own")


def _check_deadline(rule: Rule, scope: cond.Scope) -> None:
    dl = rule.deadline
    assert dl is not None
    unit = "working_days" if dl.working_days is not None else "calendar_days"
    cond.parse_due({"from": dl.from_, unit: getattr(dl, unit)}, scope, ("deadline",))
    done = scope.resolve_field(dl.done, ("deadline", "done"))
    if done is not None and done.kind.kind != "date":
        scope.error(("deadline", "done"), f"'{dl.done}' is not a date", "type-mismatch")


def _check_derive(rule: Rule, scope: cond.Scope, ruleset: RuleSet) -> None:
    spec = rule.then.derive
    assert spec is not None
    if spec.fact not in ruleset.derived:
        scope.error(("then", "derive", "fact"), f"'{spec.fact}' is not a declared derived fact",
                    "unknown-fact", hint=did_you_mean(spec.fact, ruleset.derived)
                    or "declare it under 'derived:' in a rule file")
        return
    declared = ruleset.derived[spec.fact].fields
    for name, value in spec.set.items():
        where = ("then", "derive", "set", name)
        if name not in declared:
            scope.error(where, f"'{spec.fact}' has no field '{name}'", "unknown-field",
                        hint=did_you_mean(name, declared))
        elif isinstance(value, dict):
            if set(value) != {"field"}:
                scope.error(where, "a derived value is a literal or {field: alias.path}",
                            "bad-value")
                continue
            ref = scope.resolve_field(value["field"], where + ("field",))
            if ref is not None and ref.kind.kind != declared[name]:
                scope.error(where, f"'{value['field']}' is {ref.kind.describe()}, "
                            f"'{name}' is {declared[name]}", "type-mismatch")


def _check_message(message: str, rule: Rule, scope: cond.Scope, where: tuple) -> None:
    for name in PLACEHOLDER.findall(message):
        if name in DEADLINE_PLACEHOLDERS:
            if rule.deadline is None:
                scope.error(where, f"'{{{name}}}' is only known in a rule with a deadline",
                            "bad-message")
        elif name == "as_of":
            continue
        elif name.startswith("param."):
            if name[6:] not in scope.params:
                scope.error(where, f"unknown parameter '{name[6:]}' in the message",
                            "unknown-param", hint=did_you_mean(name[6:], scope.params))
        else:
            scope.resolve_field(name, where)


def _digest(parsed: list) -> str:
    """A digest of the rule set's content: stable across file order and formatting."""
    canonical = sorted(
        json.dumps(rf.model_dump(mode="json", by_alias=True), sort_keys=True,
                   ensure_ascii=False)
        for _, rf, _ in parsed)
    return "sha256:" + hashlib.sha256("\n".join(canonical).encode()).hexdigest()

"""Load a rules tree: every rule file, validated completely, or nothing at all.

`load_rules(DIR)` reads `DIR/law.yaml` (the acts and their versions in force, the documents
rexcheck judges and their outcomes) and `DIR/**/*.yaml` and `*.yml` (a folder per act, a file
per chapter; the `calendar/` data and `tests/` folders are not rule files; any other file is an
error), validates each file against `engine/core/schema.py`, then checks what needs the whole set:
unique rule ids, known fact types and parameters, derived facts declared once, computed values,
versions, outcomes, and conditions that type-check. All problems of all files are reported
together; a rule set with any error raises `InvalidInput` and is never used half-way.

The law in force is judged per rule and per fact, never by the day a case is looked at: each
rule applies in the versions of its act it names, on the date it is judged on (its document's
date, by default: law.yaml's `documents`), and each parameter takes the value in force on that
date (`LoadedParameter.periods`).
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

from pydantic import BaseModel, ValidationError
from rexcheck.engine.core import conditions as cond
from rexcheck.engine.core import contract
from rexcheck.engine.core.normalise import day_number
from rexcheck.engine.core.schema import (
    Act,
    Computed,
    DerivedType,
    Document,
    LawFile,
    Parameter,
    Rule,
    RuleFile,
    Version,
)
from rexcheck.facts.base.errors import Diagnostic, InvalidInput, did_you_mean
from rexcheck.facts.base.yamlsource import Positions, load_yaml
from rexcheck.facts.catalog import BASE_TYPES, CHILD_TYPES, FieldKind, base_fields
from rexcheck.facts.diagnose import from_validation_error, inner_model

LAW_FILE = "law.yaml"
NOT_RULE_DIRS = {"calendar", "tests", "texts"}
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z0-9_.]+)?)\}")
DEADLINE_PLACEHOLDERS = {"due", "done", "days_late", "days_counted"}
from rexcheck.engine.core.contract import JUDGED_ON_KEY  # noqa: E402  (the date judged on)

AS_OF = "as_of"
ONE_DAY = dt.timedelta(days=1)


RULES_ENV = "REXCHECK_RULES"


def default_rules_dir() -> Path:
    """The rules tree used when none is named: the folder `REXCHECK_RULES` names, else the
    packs shipped with rexcheck (so a copy of the repository can test its own rules)."""
    named = os.environ.get(RULES_ENV)
    if named:
        return Path(named)
    return Path(str(resources.files("rexcheck.rules")))


Span = tuple[dt.date, dt.date | None]  # first and last day in force (None: no end)


@dataclass
class VersionSpan:
    """A version of an act and the days it is in force (until the next version's first)."""

    id: str
    act: str
    version: Version
    start: dt.date
    end: dt.date | None

    @property
    def uncertain(self) -> tuple[dt.date, dt.date] | None:
        """The days on which it is unknown whether this version was already in force."""
        v = self.version
        if v.confirmed:
            return None
        return (v.from_, v.latest_from or v.from_)


@dataclass
class LoadedRule:
    rule: Rule
    file: str
    positions: Positions  # rooted at the rule
    act: str
    versions: list[str]
    spans: list[Span] = field(default_factory=list)  # the days the rule is in force

    @property
    def effective_from(self) -> dt.date | None:
        return self.spans[0][0] if self.spans else None

    def in_force(self, on: dt.date) -> bool:
        return any(start <= on and (end is None or on <= end) for start, end in self.spans)


@dataclass
class LoadedParameter:
    name: str
    parameter: Parameter
    file: str
    kind: str  # engine kind: amount, int, str, list, pattern

    def periods(self) -> list[tuple[dt.date, dt.date | None, Any]]:
        """(first day, last day or None, written value), in order: a value is in force from
        its `from` until the day before the next value's `from` (or its own `to`)."""
        values = self.parameter.values
        out = []
        for i, v in enumerate(values):
            end = v.to
            if end is None and i + 1 < len(values):
                end = values[i + 1].from_ - ONE_DAY
            out.append((v.from_, end, v.value))
        return out

    def written_on(self, on: dt.date) -> Any:
        for start, end, value in self.periods():
            if start <= on and (end is None or on <= end):
                return value
        return None

    def value_on(self, on: dt.date) -> Any:
        written = self.written_on(on)
        return None if written is None else engine_value(written, self.parameter.unit)


@dataclass
class LoadedComputed:
    fact_type: str
    name: str
    spec: Computed
    kind: str  # amount, str, date, int
    file: str
    positions: Positions  # rooted at the computed value


@dataclass
class RuleSet:
    root: str
    rules: list[LoadedRule]
    parameters: dict[str, LoadedParameter]
    derived: dict[str, DerivedType]
    fields: dict[str, dict[str, FieldKind]]
    digest: str
    files: list[str] = field(default_factory=list)
    law: LawFile | None = None
    versions: dict[str, VersionSpan] = field(default_factory=dict)
    computed: dict[str, list[LoadedComputed]] = field(default_factory=dict)
    _params_on: dict[dt.date, dict[str, tuple[Any, str]]] = field(
        default_factory=dict, repr=False, compare=False)

    def rule(self, rule_id: str) -> LoadedRule:
        return next(r for r in self.rules if r.rule.id == rule_id)

    def params_on(self, on: dt.date) -> dict[str, tuple[Any, str]]:
        """Every parameter's value on `on`, with its kind (worked out once per day)."""
        known = self._params_on.get(on)
        if known is None:
            known = self._params_on[on] = {
                name: (value, p.kind) for name, p in self.parameters.items()
                if (value := p.value_on(on)) is not None}
        return dict(known)

    @property
    def documents(self) -> dict:
        return self.law.documents if self.law else {}

    def first_day_in_force(self, fact_type: str) -> dt.date | None:
        """The first day on which some rule judging this fact type is in force."""
        days = [lr.spans[0][0] for lr in self.rules
                if lr.spans and lr.rule.enabled and lr.rule.applies_to == fact_type]
        return min(days) if days else None


UNIT_KIND = {"CHF": "amount", "NOK": "amount", "working_days": "int", "calendar_days": "int",
             "years": "int", "days": "int", "count": "int", "text": "str", "list": "list",
             "structure": "pattern"}


def engine_value(value: Any, unit: str) -> Any:
    """A parameter's written value as the engine compares it."""
    kind = UNIT_KIND[unit]
    if kind == "amount":
        return round(value * 100)
    if kind == "pattern":
        return structure_pattern(value)
    if isinstance(value, dt.date):
        return day_number(value)
    return value


def structure_pattern(parts: list[dict]) -> str:
    """The pattern a value of a `structure` parameter matches as a whole."""
    return "".join(p["text"] if "text" in p else f"[0-9]{{{p['digits']}}}" for p in parts)


def structure_regex(parts: list[dict]) -> re.Pattern:
    """The same, with a named group per part (for the `part` function)."""
    groups = []
    for p in parts:
        body = re.escape(p["text"]) if "text" in p else f"[0-9]{{{p['digits']:d}}}"
        groups.append(f"(?P<{p['name']}>{body})")
    return re.compile("".join(groups))


def _structure_ok(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    names = set()
    for part in value:
        if not isinstance(part, dict) or not isinstance(part.get("name"), str):
            return False
        if part["name"] in names or not re.fullmatch(r"[a-z][a-z0-9_]*", part["name"]):
            return False
        names.add(part["name"])
        rest = set(part) - {"name"}
        if rest == {"text"}:
            if not isinstance(part["text"], str) or not re.fullmatch(r"[A-Za-z0-9]+",
                                                                      part["text"]):
                return False
        elif rest == {"digits"}:
            digits = part["digits"]
            if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 64:
                return False
        else:
            return False
    return True


def _value_ok(value: Any, unit: str) -> bool:
    kind = UNIT_KIND[unit]
    if kind == "amount":
        return (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
                and value == value and value != float("inf"))
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "str":
        return isinstance(value, str)
    if kind == "pattern":
        return _structure_ok(value)
    return isinstance(value, list) and all(isinstance(v, str) for v in value) and bool(value)


def rule_files(root: Path, others: list[Path] | None = None) -> list[Path]:
    """The rule files of a tree: *.yaml and *.yml, in any case, outside `calendar/` and
    `tests/`, but law.yaml. Every other file is added to `others` (to be named in an error), but
    notes (*.md, README), hidden files and folders (`.name`) and Python's packaging (`__init__.py`,
    `__pycache__/`): a rule file with an unexpected name is never passed over in silence."""
    found = []
    for top, folders, names in os.walk(root):
        folders[:] = [f for f in folders
                      if not (f.startswith(".") or f == "__pycache__" or f in NOT_RULE_DIRS)]
        for name in names:
            path = Path(top) / name
            if path.suffix.lower() in (".yaml", ".yml"):
                if path.relative_to(root) != Path(LAW_FILE):
                    found.append(path)
            elif others is not None and not (
                    name.startswith(".") or name == "__init__.py" or name.upper().startswith(
                        "README") or path.suffix.lower() == ".md"):
                others.append(path)
    return sorted(found)


def load_law(root: Path, problems: list[Diagnostic], broken: set[str] | None = None
             ) -> tuple[LawFile | None, str]:
    """The tree's law.yaml, validated; None (with diagnostics) when it is missing or wrong.
    An act or document that is wrong is reported, and the rest kept (its name added to
    `broken`), so that rule files of the other acts are checked as usual and those of a
    broken act are not blamed for its error."""
    path = root / LAW_FILE
    if not path.is_file():
        problems.append(Diagnostic(str(path), 1, 1, "a rules tree needs law.yaml: the acts "
                                   "and their versions, the documents judged and their "
                                   "outcomes", "no-law",
                                   hint="copy the shipped law.yaml (rules/law.yaml of "
                                   "rexcheck's repository) and edit it"))
        return None, ""
    try:
        data, positions = load_yaml(path)
    except InvalidInput as exc:
        problems.extend(exc.diagnostics)
        return None, ""
    try:
        law = LawFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(from_validation_error(exc, positions, LawFile))
        return _salvage_law(data, broken if broken is not None else set()), ""
    _check_law(law, positions, str(path), problems)
    return law, json.dumps(law.model_dump(mode="json", by_alias=True), sort_keys=True,
                           ensure_ascii=False)


def _salvage_law(data: Any, broken: set[str]) -> LawFile | None:
    """The valid acts and documents of a law.yaml that failed validation (never used to
    judge: the tree is refused), the names of the wrong ones added to `broken`."""
    if not isinstance(data, dict):
        return None
    kept = dict(data)
    for section, model in (("acts", Act), ("documents", Document)):
        entries = data.get(section)
        if isinstance(entries, dict):
            kept[section] = {k: v for k, v in entries.items() if _valid(model, v)}
            broken.update(str(k) for k in entries if k not in kept[section])
    try:
        return LawFile.model_validate(kept)
    except ValidationError:
        broken.add(LAW_FILE)
        return None


def _check_law(law: LawFile, positions: Positions, file: str,
               problems: list[Diagnostic]) -> None:
    def error(where: tuple, message: str, code: str, hint: str | None = None) -> None:
        line, col = positions.of(where)
        problems.append(Diagnostic(file, line, col, message, code, hint=hint))

    seen: dict[str, str] = {}
    for act, spec in law.acts.items():
        for i, v in enumerate(spec.versions):
            if v.id in seen:
                error(("acts", act, "versions", i, "id"), f"version '{v.id}' is also defined "
                      f"for {seen[v.id]}", "duplicate-version")
            seen[v.id] = act
            if i and v.from_ <= spec.versions[i - 1].from_:
                error(("acts", act, "versions", i, "from"), "versions must be in order of "
                      "their 'from' dates", "version-order")
    fields = base_fields()
    outcomes: set[str] = set()
    for name, doc in law.documents.items():
        if name not in BASE_TYPES:
            error(("documents", name), f"'{name}' is not a kind of document of the fact "
                  "models", "unknown-fact", did_you_mean(name, BASE_TYPES))
            continue
        for i, path in enumerate(doc.judged_on):
            fact, _, rest = path.partition(".")
            kind = fields[name].get(rest)
            if fact != name or kind is None or kind.kind != "date":
                error(("documents", name, "judged_on", i), f"'{path}' is not a date field of "
                      f"{name}", "bad-field", did_you_mean(rest, [p for p, k in
                      fields[name].items() if k.kind == "date"], prefix=f"{name}."))
        if len(set(doc.outcomes)) != len(doc.outcomes):
            error(("documents", name, "outcomes"), "an outcome is listed twice", "bad-outcome")
        outcomes.update(doc.outcomes)
    missing = sorted(outcomes - set(law.case_outcome))
    if missing:
        error(("case_outcome",), f"the case's order does not place {', '.join(missing)}",
              "bad-outcome", "list every outcome of every document in case_outcome")
    unknown = sorted(set(law.case_outcome) - outcomes)
    if unknown:
        error(("case_outcome",), f"{', '.join(unknown)} is the outcome of no document",
              "bad-outcome")


def version_spans(law: LawFile | None) -> dict[str, VersionSpan]:
    out: dict[str, VersionSpan] = {}
    for act, spec in (law.acts.items() if law else ()):
        for i, v in enumerate(spec.versions):
            end = spec.versions[i + 1].from_ - ONE_DAY if i + 1 < len(spec.versions) else None
            out[v.id] = VersionSpan(v.id, act, v, v.from_, end)
    return out


def load_rules(root: Path | str | None = None) -> RuleSet:
    root = Path(root) if root is not None else default_rules_dir()
    if not root.is_dir():
        raise InvalidInput([Diagnostic(str(root), 1, 1, "rules directory not found", "io")])
    problems: list[Diagnostic] = []
    broken: set[str] = set()  # names defined in parts of files that failed validation
    law, law_text = load_law(root, problems, broken)
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
            broken |= names_in_unreadable(path)
            continue
        if not isinstance(data, dict):
            problems.append(Diagnostic(str(path), 1, 1, "a rule file is a mapping with 'act', "
                                       "'title' and 'rules'", "file-shape"))
            continue
        try:
            parsed.append((str(path), RuleFile.model_validate(data), positions))
        except ValidationError as exc:
            problems.extend(_rule_file_errors(exc, positions, data))
            good, broken_here = salvage(data, positions)
            broken |= broken_here
            if good is not None:
                parsed.append((str(path), *good))
    roots = [d.at_root() for d in problems]  # what stops a file loading comes first
    found: list[Diagnostic] = []
    ruleset = _assemble(root, parsed, law, found, broken)
    ruleset.digest = _digest(parsed, law_text)
    problems = roots + found
    if problems:
        raise InvalidInput(sorted(set(problems)))
    return ruleset


def salvage(data: dict, positions: Positions) -> tuple[tuple[RuleFile, Positions] | None,
                                                       set[str]]:
    """The parts of a rule file that failed validation which are valid on their own, and the
    names the file defines in its invalid parts.

    A rule file is refused as a whole; but the parameters, derived facts, computed values and
    rules it defines correctly still take part in checking the rest of the tree, and the names
    of those it defines wrongly are known as broken: a rule elsewhere that uses one is not
    reported as using an unknown name (a knock-on error of the one already reported).
    """
    broken: set[str] = set()
    kept: dict[str, Any] = {}
    moved: dict[int, int] = {}
    for section, model in (("parameters", Parameter), ("derived", DerivedType)):
        entries = data.get(section)
        if isinstance(entries, dict):
            kept[section] = {}
            for name, spec in entries.items():
                if _valid(model, spec):
                    kept[section][name] = spec
                else:
                    broken.add(str(name))
    computed = data.get("computed")
    if isinstance(computed, dict):
        kept["computed"] = {}
        for fact_type, values in computed.items():
            if not isinstance(values, dict):
                continue
            for name, spec in values.items():
                if _valid(Computed, spec):
                    kept["computed"].setdefault(fact_type, {})[name] = spec
                else:
                    broken.add(str(name))
    rules = data.get("rules")
    if isinstance(rules, list):
        kept["rules"] = []
        for i, rule in enumerate(rules):
            if _valid(Rule, rule):
                moved[len(kept["rules"])] = i
                kept["rules"].append(rule)
            elif isinstance(rule, dict) and isinstance(rule.get("id"), str):
                broken.add(rule["id"])
    head = {k: v for k, v in data.items() if k not in ("parameters", "derived", "computed",
                                                      "rules")}
    try:
        good = RuleFile.model_validate({**head, **kept})
    except ValidationError:
        for section in ("parameters", "derived"):
            broken.update(str(n) for n in (data.get(section) or {}) if isinstance(
                data.get(section), dict))
        return None, broken
    return (good, _renumbered(positions, moved)), broken


_SECTION = re.compile(r"^([a-z_]+):")
_KEY = re.compile(r"^( +)([a-z][a-z0-9_]*):")
_ID = re.compile(r"^[ -]*id: *['\"]?([A-Za-z0-9-]+)")
_LEVELS = {"parameters": 1, "derived": 1, "computed": 2}


def names_in_unreadable(path: Path) -> set[str]:
    """The names a rule file that is not valid YAML seems to define (read line by line): its
    parameters, derived facts, computed values and rule ids, so that the rules that use them
    are not blamed for the file's syntax error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    names: set[str] = set()
    section = ""
    indents: list[int] = []  # the indentation of each level of the section, as met
    for line in lines:
        if m := _SECTION.match(line):
            section, indents = m.group(1), []
            continue
        if m := _ID.match(line):
            names.add(m.group(1))
        m = _KEY.match(line)
        if section not in _LEVELS or not m:
            continue
        width = len(m.group(1))
        while indents and indents[-1] > width:
            indents.pop()
        if not indents or indents[-1] < width:
            indents.append(width)
        if len(indents) == _LEVELS[section]:
            names.add(m.group(2))
    return names


def _valid(model: type[BaseModel], data: Any) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def _renumbered(positions: Positions, moved: dict[int, int]) -> Positions:
    """Positions with the kept rules numbered as they are kept (rule k was rule moved[k])."""
    back = {old: new for new, old in moved.items()}
    at = {}
    for key, value in positions.at.items():
        if len(key) >= 2 and key[0] == "rules" and isinstance(key[1], int):
            if key[1] not in back:
                continue
            key = ("rules", back[key[1]]) + key[2:]
        at[key] = value
    return Positions(positions.file, at)


def _rule_file_errors(exc: ValidationError, positions: Positions, data: dict) -> list[Diagnostic]:
    diagnostics = from_validation_error(exc, positions, RuleFile)
    out = []
    for d in diagnostics:
        rule_id = None
        parts = (d.field or "").split(".")
        if len(parts) >= 2 and parts[0] == "rules" and parts[1].isdigit():
            listed = data.get("rules")
            rules = listed if isinstance(listed, list) else []
            index = int(parts[1])
            if index < len(rules) and isinstance(rules[index], dict):
                rule_id = str(rules[index].get("id")) if rules[index].get("id") else None
            d = Diagnostic(d.file, d.line, d.column, d.message, d.code, rule_id,
                           ".".join(parts[2:]) or None, d.hint)
        out.append(d)
    return out


def _assemble(root: Path, parsed: list, law: LawFile | None,
              problems: list[Diagnostic], broken: set[str] | None = None) -> RuleSet:
    """The rule set of the parsed files, with every problem that needs the whole set to see;
    a rule or computed value that uses a `broken` name is not checked (its errors would be
    knock-on errors of the one that broke the name)."""
    broken = set(broken or ())
    fields = base_fields()
    parameters: dict[str, LoadedParameter] = {}
    derived: dict[str, DerivedType] = {}
    derived_at: dict[str, str] = {}
    computed: dict[str, list[LoadedComputed]] = {}
    rules: list[LoadedRule] = []
    spans = version_spans(law)
    for file, rf, positions in parsed:
        if rf.act in broken or LAW_FILE in broken:
            spans_of_file: dict[str, VersionSpan] = {}  # its act is wrong: reported already
        else:
            spans_of_file = spans
        if law is not None and rf.act not in law.acts and spans_of_file:
            line, col = positions.of(("act",))
            problems.append(Diagnostic(file, line, col, f"'{rf.act}' is not an act of law.yaml",
                                       "unknown-act", hint=did_you_mean(rf.act, law.acts)))
        for name, p in rf.parameters.items():
            line, col = positions.of(("parameters", name))
            if name in parameters:
                problems.append(Diagnostic(file, line, col, f"parameter '{name}' is defined "
                                           f"twice (also in {parameters[name].file})",
                                           "duplicate-param"))
                continue
            if not _check_parameter(name, p, file, positions, problems):
                broken.add(name)  # reported here; the rules naming it are not blamed
            parameters[name] = LoadedParameter(name, p, file, UNIT_KIND[p.unit])
        for name, d in rf.derived.items():
            if name in fields or name in derived:
                line, col = positions.of(("derived", name))
                also = derived_at.get(name, "the fact models")
                problems.append(Diagnostic(file, line, col, f"fact type '{name}' is defined "
                                           f"twice (also in {also})",
                                           "duplicate-fact"))
                continue
            derived[name], derived_at[name] = d, file
        for fact_type, values in rf.computed.items():
            for name, spec in values.items():
                computed.setdefault(fact_type, []).append(LoadedComputed(
                    fact_type, name, spec, "", file, positions.child(("computed", fact_type,
                                                                      name))))
        under = positions.children(("rules",))
        for i, rule in enumerate(rf.rules):
            lr = LoadedRule(rule, file, under.get(i) or Positions(file), rf.act,
                            list(rule.versions if rule.versions is not None else rf.versions))
            lr.spans = _spans(lr, spans_of_file, problems,
                              rf.versions == [] and rule.versions is None)
            rules.append(lr)
    for name, d in derived.items():
        fields[name] = {f: FieldKind(k, optional=True) for f, k in d.fields.items()}
        fields[name]["ref"] = FieldKind("str")
    _check_computed(computed, fields, parameters, problems, broken)
    seen: dict[str, str] = {}
    for lr in rules:
        rid = lr.rule.id
        if rid in seen:
            line, col = lr.positions.of(("id",))
            problems.append(Diagnostic(lr.file, line, col, f"rule id '{rid}' is used twice "
                                       f"(also in {seen[rid]})", "duplicate-id", rule_id=rid))
        seen[rid] = lr.file
    ruleset = RuleSet(str(root), rules, parameters, derived, fields, "", [p[0] for p in parsed],
                      law, spans, computed)
    for lr in rules:
        if not (broken and uses_any(lr.rule, broken)):
            problems.extend(check_rule(lr, ruleset))
    return ruleset


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def uses_any(spec: BaseModel, names: set[str]) -> bool:
    """Whether a rule (or computed value) names any of `names` anywhere but in its prose."""
    data = spec.model_dump(mode="json", by_alias=True,
                           exclude={"citation", "reading", "description"} & set(
                               type(spec).model_fields))
    found = False

    def walk(node: Any) -> None:
        nonlocal found
        if found:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found = any(w in names for w in _WORD.findall(node.replace(".", " ")))

    walk(data)
    return found


def _spans(lr: LoadedRule, spans: dict[str, VersionSpan], problems: list[Diagnostic],
           none_given: bool) -> list[Span]:
    """The days a rule is in force: the union of its versions' days, merged."""
    if not spans:  # law.yaml is missing or wrong: reported already
        return []
    if none_given:
        line, col = lr.positions.of(("id",))
        problems.append(Diagnostic(lr.file, line, col, "the rule is in no version of its act",
                                   "no-version", rule_id=lr.rule.id,
                                   hint="give the file (or the rule) 'versions:', ids from "
                                   "law.yaml"))
        return []
    out: list[Span] = []
    for i, vid in enumerate(lr.versions):
        span = spans.get(vid)
        if span is None or span.act != lr.act:
            where = ("versions", i) if lr.rule.versions is not None else ("id",)
            line, col = lr.positions.of(where)
            known = [v for v, s in spans.items() if s.act == lr.act]
            problems.append(Diagnostic(lr.file, line, col, f"'{vid}' is not a version of "
                                       f"{lr.act} in law.yaml", "unknown-version",
                                       rule_id=lr.rule.id, hint=did_you_mean(vid, known)
                                       or f"versions of {lr.act}: {', '.join(known)}"))
            continue
        out.append((span.start, span.end))
    out.sort(key=lambda s: s[0])
    merged: list[Span] = []
    for start, end in out:
        if merged and (merged[-1][1] is None or start <= merged[-1][1] + ONE_DAY):
            last_end = merged[-1][1]
            merged[-1] = (merged[-1][0], None if last_end is None or end is None
                          else max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _check_parameter(name: str, p: Parameter, file: str, positions: Positions,
                     problems: list[Diagnostic]) -> bool:
    """Report what is wrong with a parameter's dated values; False when a value does not
    fit the unit: the parameter then has no usable value, and a rule that names it is not
    checked (it would be reported as naming an unknown parameter, a knock-on error)."""
    fits = True

    def error(where: tuple, message: str, code: str, hint: str | None = None) -> None:
        line, col = positions.of(("parameters", name, "values") + where)
        problems.append(Diagnostic(file, line, col, message, code, field=f"parameters.{name}",
                                   hint=hint))

    values = p.values
    for i, v in enumerate(values):
        if not _value_ok(v.value, p.unit):
            fits = False
            error((i, "value"), f"value {v.value!r} does not fit unit '{p.unit}'", "bad-param",
                  "a structure is a list of parts {name, text} or {name, digits}"
                  if p.unit == "structure" else None)
        if v.to is not None and v.to < v.from_:
            error((i, "to"), "'to' is before 'from'", "bad-period")
        if i + 1 < len(values):
            nxt = values[i + 1]
            if nxt.from_ <= v.from_:
                error((i + 1, "from"), "dated values must be in order of their 'from' dates",
                      "bad-period")
            elif v.to is not None and v.to >= nxt.from_:
                error((i, "to"), f"overlaps the next value, in force from {nxt.from_}",
                      "overlapping-values", "a later 'from' ends the earlier value: drop "
                      "this 'to'")
            elif v.to is not None and v.to + ONE_DAY < nxt.from_:
                error((i, "to"), f"leaves {v.to + ONE_DAY} to {nxt.from_ - ONE_DAY} without "
                      "a value", "gap-in-values", "drop this 'to', or add a value for the gap")
    return fits


COMPUTED_KIND = {"convert": "amount", "part": "str", "date": "date", "count": "int",
                 "add_years": "date"}


def _model_attr(fact_type: str, path: str) -> Any:
    """The annotation of `path` (below the fact type) in the fact models, or None."""
    model: Any = BASE_TYPES[fact_type][0] if fact_type in BASE_TYPES else None
    annotation: Any = None
    for part in path.split("."):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        info = model.model_fields.get(part)
        if info is None:
            return None
        annotation = info.annotation
        model = inner_model(annotation)
    return annotation


def _check_computed(computed: dict[str, list[LoadedComputed]],
                    fields: dict[str, dict[str, FieldKind]],
                    parameters: dict[str, LoadedParameter], problems: list[Diagnostic],
                    broken: set[str] | None = None) -> None:
    for fact_type, values in computed.items():
        for c in values:
            if broken and uses_any(c.spec, broken) and fact_type in fields:
                fields[fact_type][c.name] = FieldKind(COMPUTED_KIND[c.spec.function],
                                                      optional=True)
                continue  # its errors would be knock-on errors of the broken name
            def error(where: tuple, message: str, code: str, hint: str | None = None,
                      c: LoadedComputed = c) -> None:
                line, col = c.positions.of(where)
                problems.append(Diagnostic(c.file, line, col, message, code,
                                           field=f"{c.fact_type}.{c.name}", hint=hint))

            c.kind = COMPUTED_KIND[c.spec.function]
            if fact_type not in BASE_TYPES:
                error((), f"values are computed for documents of the fact models, not "
                      f"'{fact_type}'", "unknown-fact", did_you_mean(fact_type, BASE_TYPES))
                continue
            own = fields[fact_type]
            if c.name in own:
                error((), f"{fact_type} already has a field '{c.name}'", "duplicate-field")
                continue
            _check_arguments(c, own, parameters, error)
            own[c.name] = FieldKind(c.kind, optional=True)


def _check_arguments(c: LoadedComputed, own: dict[str, FieldKind],
                     parameters: dict[str, LoadedParameter], error: Any) -> None:
    spec, fact_type = c.spec, c.fact_type

    def own_path(where: tuple, path: str) -> str | None:
        fact, _, rest = path.partition(".")
        if fact != fact_type or not rest:
            error(where, f"'{path}' is not a field of {fact_type}", "bad-field",
                  f"write {fact_type}.<field>")
            return None
        return rest

    if spec.convert is not None:
        amount = own_path(("convert", "amount"), spec.convert.amount)
        rates = own_path(("convert", "rates"), spec.convert.rates)
        if amount and f"{amount}.amount" not in own:
            error(("convert", "amount"), f"'{spec.convert.amount}' is not an amount with its "
                  "currency", "type-mismatch")
        if rates and "ExchangeRate" not in str(_model_attr(fact_type, rates)):
            error(("convert", "rates"), f"'{spec.convert.rates}' is not a list of exchange "
                  "rates", "type-mismatch")
    elif spec.count is not None:
        path = own_path(("count",), spec.count)
        if path and "list" not in str(_model_attr(fact_type, path)):
            error(("count",), f"'{spec.count}' is not a list", "type-mismatch")
    elif spec.add_years is not None:
        path = own_path(("add_years", "of"), spec.add_years.of)
        if path and (path not in own or own[path].kind != "date" or own[path].is_list):
            error(("add_years", "of"), f"'{spec.add_years.of}' is not a date field of "
                  f"{fact_type} (computed values count when declared before this one)",
                  "type-mismatch")
        param = parameters.get(spec.add_years.years)
        if param is None or param.parameter.unit != "years":
            error(("add_years", "years"), f"'{spec.add_years.years}' is not a parameter of "
                  "unit 'years'", "unknown-param",
                  did_you_mean(spec.add_years.years, parameters))
    else:
        arg = spec.part or spec.date
        assert arg is not None, "Computed._one_function: exactly one function is given"
        key = "part" if spec.part is not None else "date"
        path = own_path((key, "of"), arg.of)
        if path and (path not in own or own[path].kind != "str" or own[path].is_list):
            error((key, "of"), f"'{arg.of}' is not a text field of {fact_type} (computed "
                  "values count when declared before this one)", "type-mismatch")
        if spec.part is not None:
            param = parameters.get(spec.part.structure)
            if param is None or param.parameter.unit != "structure":
                error(("part", "structure"), f"'{spec.part.structure}' is not a parameter of "
                      "unit 'structure'", "unknown-param",
                      did_you_mean(spec.part.structure, parameters))
            elif any(spec.part.name not in {p["name"] for p in value}
                     for _, _, value in param.periods() if isinstance(value, list)):
                error(("part", "name"), f"the structure '{spec.part.structure}' has no part "
                      f"'{spec.part.name}' in every dated value", "bad-part")


def rule_scope(lr: LoadedRule, ruleset: RuleSet, params: dict) -> cond.Scope:
    rule = lr.rule
    aliases = {rule.applies_to: rule.applies_to}
    for m in [*rule.with_, *rule.without]:
        aliases[m.alias] = m.fact
    return cond.Scope(lr.positions, rule.id, aliases, ruleset.fields, params)


def any_params(ruleset: RuleSet) -> dict[str, tuple[Any, str]]:
    """Each parameter with one of its values: enough to type-check a rule."""
    return {n: (engine_value(p.parameter.values[-1].value, p.parameter.unit), p.kind)
            for n, p in ruleset.parameters.items()
            if _value_ok(p.parameter.values[-1].value, p.parameter.unit)}


def check_rule(lr: LoadedRule, ruleset: RuleSet) -> list[Diagnostic]:
    """Every problem of one rule that needs the whole rule set to see."""
    rule = lr.rule
    scope = rule_scope(lr, ruleset, any_params(ruleset))
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
    judged_on(lr, scope)
    if rule.deadline is not None:
        _check_deadline(rule, scope)
    if rule.then.derive is not None:
        _check_derive(rule, scope, ruleset)
    if rule.then.outcome is not None:
        _check_outcome(lr, scope, ruleset)
    if rule.then.finding is not None:
        _check_message(rule.then.finding.message, rule, scope, ("then", "finding", "message"))
        if rule.then.finding.message_ru:
            _check_message(rule.then.finding.message_ru, rule, scope,
                           ("then", "finding", "message_ru"))
    for name in PLACEHOLDER.findall(rule.title):
        if not name.startswith("param.") or name[6:] not in scope.params:
            scope.error(("title",), f"a title may name parameters only ('{{param.NAME}}'), not "
                        f"'{{{name}}}'", "bad-message",
                        hint=did_you_mean(name[6:], scope.params) if name.startswith("param.")
                        else None)
    _check_params_in_force(lr, scope, ruleset)
    return scope.diagnostics


def judged_on(lr: LoadedRule, scope: cond.Scope) -> cond.FieldRef | None:
    """The date the rule is judged on: a date field of a matched fact, the as-of date, or
    (by default) the date of its document (law.yaml) carried by every fact as `_on`."""
    rule = lr.rule
    primary = rule.applies_to
    if rule.judged_on is None:
        return cond.FieldRef(primary, JUDGED_ON_KEY, FieldKind("date"))
    if rule.judged_on == AS_OF:
        return cond.FieldRef(primary, contract.AS_OF_KEY, FieldKind("date"))
    ref = scope.resolve_field(rule.judged_on, ("judged_on",))
    if ref is None:
        return None
    if ref.kind.kind != "date" or ref.kind.is_list:
        scope.error(("judged_on",), f"'{rule.judged_on}' is not a date", "type-mismatch")
        return None
    if ref.alias in {m.alias for m in rule.without}:
        scope.error(("judged_on",), "a rule is judged on a date of a fact it matches, not of "
                    "one under 'without'", "bad-field")
        return None
    return ref


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


def _check_outcome(lr: LoadedRule, scope: cond.Scope, ruleset: RuleSet) -> None:
    rule = lr.rule
    where = ("then", "outcome")
    if ruleset.law is None:
        return  # law.yaml is missing or wrong: reported already
    if rule.applies_to not in ruleset.documents:
        scope.error(("applies_to",), f"an outcome rule applies to a document that has outcomes "
                    f"(law.yaml: {', '.join(ruleset.documents)}), not '{rule.applies_to}'",
                    "bad-outcome")
        return
    allowed = ruleset.documents[rule.applies_to].outcomes
    if rule.then.outcome not in allowed:
        scope.error(where, f"'{rule.then.outcome}' is not an outcome of {rule.applies_to} "
                    f"({', '.join(allowed)})", "bad-outcome",
                    hint=did_you_mean(str(rule.then.outcome), allowed))


def document_type(fact_type: str, ruleset: RuleSet) -> str | None:
    """The document a fact type's facts are about: itself, or a child record's parent."""
    if fact_type in BASE_TYPES:
        return fact_type
    if fact_type in CHILD_TYPES:
        return CHILD_TYPES[fact_type][0]
    return None


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


def params_used(rule: Rule) -> set[str]:
    """The names of the parameters a rule refers to, anywhere in it."""
    used: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if set(node) == {"param"} and isinstance(node["param"], str):
                used.add(node["param"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(rule.model_dump(mode="python", by_alias=True, exclude={"citation", "reading"}))
    finding = rule.then.finding
    texts = [finding.message, finding.message_ru or ""] if finding else []
    for text in texts:
        used.update(n[6:] for n in PLACEHOLDER.findall(text) if n.startswith("param."))
    return used


def _check_params_in_force(lr: LoadedRule, scope: cond.Scope, ruleset: RuleSet) -> None:
    """Every parameter a rule uses has a value on every day the rule is in force."""
    for name in sorted(params_used(lr.rule)):
        param = ruleset.parameters.get(name)
        if param is None:
            continue  # reported where it is used
        for start, end in lr.spans:
            gap = _first_day_without(param, start, end)
            if gap is not None:
                scope.error(("id",), f"parameter '{name}' has no value on {gap}, when the "
                            "rule is in force", "param-not-in-force",
                            hint="add a dated value that covers it, or narrow the rule's "
                            "versions")
                break


def _first_day_without(param: LoadedParameter, start: dt.date, end: dt.date | None
                       ) -> dt.date | None:
    day = start
    for p_start, p_end, _ in param.periods():
        if p_end is not None and p_end < day:
            continue
        if p_start > day:
            return day
        if p_end is None:
            return None
        day = p_end + ONE_DAY
        if end is not None and day > end:
            return None
    return day


def _digest(parsed: list, law_text: str) -> str:
    """A digest of the rule set's content: stable across file order and formatting."""
    canonical = sorted(
        json.dumps(rf.model_dump(mode="json", by_alias=True), sort_keys=True,
                   ensure_ascii=False)
        for _, rf, _ in parsed)
    return "sha256:" + hashlib.sha256("\n".join([law_text] + canonical).encode()).hexdigest()

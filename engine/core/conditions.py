"""The condition language: parse, type-check and compile conditions to durable_rules patterns.

A condition is data, never code (see docs/rule-language.md):

    {all: [c, ...]}   {any: [c, ...]}   {not: c}   [c, ...]  (a list means all)
    {field: application.channel, in: [post, in_person, electronic]}

Operators: eq ne lt lte gt gte in not_in contains not_contains contains_all exists matches.
Values: a literal; {param: name}; {field: alias.path}; {as_of: true};
{due: {from: alias.path, working_days: N}} or calendar_days (N a number or {param: name}).

Semantics the engine does not give by itself, made explicit here:
- a comparison with a missing value is false; `not` is logical negation (so `not {eq}` is true
  for a missing value); list operators treat a missing list as empty;
- a comparison with another field adds a guard that the other field exists (durable_rules
  otherwise compares with a missing field as if it held something);
- `not` is pushed down to the comparisons (negation normal form) because durable_rules has
  no `not` inside a pattern;
- `matches` is tested when the facts are made, not by the engine's regex: durable_rules has no
  "does not match" (an unknown `$nmt` is accepted and never fires), so each pattern a rule uses
  becomes a computed field `_mt__<field>__<digest>`, present and true when the whole value
  matches (Python's `re.fullmatch`, `.` matching any character). `matches` tests that it is
  there, `not matches` that it is not (so a missing value does not match), and both may stand
  anywhere in a condition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from typing import Literal as OneOf  # `Literal` is this module's literal value

from rexcheck.engine.core import contract
from rexcheck.engine.core.normalise import day_number, engine_key
from rexcheck.facts.base.errors import Diagnostic, did_you_mean
from rexcheck.facts.base.yamlsource import Positions
from rexcheck.facts.catalog import FieldKind
from rexcheck.facts.diagnose import date_hint

YAML_BOOL_HINT = ("YAML reads NO, yes, on, off (unquoted) as true/false; quote it, e.g. \"NO\" "
                  "for Norway")
COMPARE = {"eq", "ne", "lt", "lte", "gt", "gte"}
OPERATORS = COMPARE | {"in", "not_in", "contains", "not_contains", "contains_all", "exists",
                       "matches"}
SYNONYMS = {"equals": "eq", "==": "eq", "=": "eq", "is": "eq", "!=": "ne", "not_eq": "ne",
            "<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "one_of": "in", "has": "contains",
            "includes": "contains", "regex": "matches", "pattern": "matches"}
NEGATE = {"eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt",
          "in": "not_in", "not_in": "in", "contains": "not_contains",
          "not_contains": "contains", "contains_all": "lacks_any", "lacks_any": "contains_all"}
DURABLE_OP = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
ORDERED = {"int", "date", "amount"}
# Patterns are matched against the whole value; ASCII, no anchors or escapes, so that what a
# pattern means is plain to policy staff (and the same in any regex dialect they know).
PATTERN_OK = re.compile(r"^[A-Za-z0-9 _\-./:\[\]{},*+?|()]+$")


@dataclass(frozen=True)
class FieldRef:
    alias: str
    path: str  # field path, or an internal computed key such as `_as_of`
    kind: FieldKind
    key: str = field(init=False, compare=False)  # the engine's key (read on every firing)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", engine_key(self.path))


# A pattern's tokens: a class, anything in braces, a repeat, a group mark, or one character.
_TOKEN = re.compile(r"\[[^\]]*\]|\{[^{}]*\}|[*+?()|]|.")
_COUNTED = re.compile(r"\{([0-9]+)(,([0-9]+)?)?\}")
MAX_WAYS = 1000
MAX_COUNT = 1000  # the largest count of a counted repeat


def slow_pattern(pattern: str) -> str | None:
    """Why matching `pattern` could backtrack without bound, or None.

    Python's `re` backtracks, and the values it is run on come from screened records, so the
    shapes that make backtracking explode are refused when the rules load:
    - more than one open-ended repeat (`*`, `+`, `{n,}`) anywhere (`.*x.*` is quadratic);
    - an open-ended repeat of a group (`(a|ab)+`, `(AB)*`), or any repeat of a group that holds
      an open-ended repeat (`(a+)?`), or a repeat of a repeat (`a**`, lazy `a*?`);
    - braces that are not a counted repeat `{n}`, `{n,m}` or `{n,}` (Python reads `{,m}` as
      one, and a stray brace is a literal that policy staff would not mean);
    - more than MAX_WAYS ways for the counted repeats and alternatives to split a value
      (`[0-9]{0,9}[0-9]{0,9}[0-9]{0,9}[0-9]{0,9}`, `(a|aa){0,20}`), counting a bounded repeat
      of a group as the group's ways to the power of its largest count.
    What is left matches a value in time proportional to its length. (durable_rules' own
    regular expressions, compiled to automata, needed no such limit, but the engine cannot
    test that a value does not match: see the module docstring.) Common shapes pass:
    `AB[0-9]{4}`, `(AB)?[0-9]{4}`, `(NO|CH)[0-9]{2,4}`, `.*LLP.*` is refused but `.*LLP` not.
    """
    unbounded = 0
    # per open group: ways so far (int), alternatives (int), open-ended inside (bool)
    frames: list[list[Any]] = [[1, 1, False]]
    closed: tuple[int, bool] | None = None  # the group just closed: its ways, open-ended inside
    previous = None  # what a repeat would apply to: "atom", "group", "repeat" or None
    for token in _TOKEN.finditer(pattern):
        text = token.group(0)
        if text.startswith("{") or text in ("*", "+", "?"):
            high: int | None  # None: no upper bound
            low, high = 0, 1  # "?"
            if text in ("*", "+"):
                high = None
            elif text.startswith("{"):
                counted = _COUNTED.fullmatch(text)
                if counted is None:
                    return f"'{text}' is not a counted repeat ({{n}}, {{n,m}} or {{n,}})"
                low = int(counted.group(1))
                high = (low if counted.group(2) is None
                        else int(counted.group(3)) if counted.group(3) else None)
                if high is not None and (high < low or high > MAX_COUNT):
                    return f"'{text}' counts more than {MAX_COUNT} or backwards"
            if previous == "group":
                assert closed is not None
                ways, inner_unbounded = closed
                if high is None or inner_unbounded:
                    return "a repeated group holding or making an open-ended repeat"
                frames[-1][0] *= ways ** high * (high - low + 1) if ways > 1 else high - low + 1
            elif previous == "atom":
                if high is None:
                    unbounded += 1
                    frames[-1][2] = True
                else:
                    frames[-1][0] *= high - low + 1
            else:
                return f"'{text}' repeats nothing, or repeats a repeat"
            previous = "repeat"
            if frames[-1][0] > MAX_WAYS:
                return f"its repeats and alternatives split a value in more than {MAX_WAYS} ways"
            continue
        if previous == "group":  # the group closed before was not repeated
            assert closed is not None
            frames[-1][0] *= closed[0]
            frames[-1][2] |= closed[1]
        if text == "(":
            frames.append([1, 1, False])
            previous = None
        elif text == "|":
            frames[-1][1] += 1
            previous = None
        elif text == ")" and len(frames) > 1:
            ways, alternatives, inner_unbounded = frames.pop()
            closed = (ways * alternatives, inner_unbounded)
            previous = "group"
        else:
            previous = "atom"
    if previous == "group":
        assert closed is not None
        frames[-1][0] *= closed[0]
    ways = frames[0][0] * frames[0][1]
    if unbounded > 1:
        return "more than one open-ended repeat (*, + or {n,})"
    if ways > MAX_WAYS:
        return f"its repeats and alternatives split a value in more than {MAX_WAYS} ways"
    return None


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Leaf:
    ref: FieldRef
    op: str
    value: Any  # Literal | FieldRef | bool (for exists)
    where: tuple


@dataclass(frozen=True)
class Group:
    op: str  # "all" | "any"
    items: tuple


@dataclass(frozen=True)
class DueSpec:
    """A computed due date: `path` of a fact shifted by `days` working or calendar days."""

    alias: str
    path: str
    unit: OneOf["working", "calendar"]
    days: int

    @cached_property
    def key(self) -> str:
        """The engine key of the computed due date."""
        return contract.due_key(engine_key(self.path), self.unit, self.days)

    @cached_property
    def start_key(self) -> str:
        """The engine key of the date the time limit counts from."""
        return engine_key(self.path)


@dataclass(frozen=True)
class PatternSpec:
    """A computed pattern test: does the whole value of `path` match `pattern`?"""

    alias: str
    path: str
    pattern: str

    @cached_property
    def key(self) -> str:
        """The engine key of the test, present (true) when the value matches."""
        return pattern_key(engine_key(self.path), self.pattern)

    @cached_property
    def field_key(self) -> str:
        return engine_key(self.path)

    @cached_property
    def regex(self) -> re.Pattern:
        return re.compile(self.pattern, re.DOTALL)


def pattern_key(field_key: str, pattern: str) -> str:
    return contract.pattern_key(field_key, hashlib.sha256(pattern.encode()).hexdigest()[:12])


@dataclass
class Scope:
    """What a condition may refer to, and where to report problems."""

    positions: Positions
    rule_id: str | None
    aliases: dict[str, str]  # alias -> fact type, in match order
    fields: dict[str, dict[str, FieldKind]]  # fact type -> field path -> kind
    params: dict[str, tuple[Any, str]]  # name -> (engine value, kind)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dues: set[DueSpec] = field(default_factory=set)
    patterns: set[PatternSpec] = field(default_factory=set)

    def error(self, where: tuple, message: str, code: str, fld: str | None = None,
              hint: str | None = None) -> None:
        line, col = self.positions.of(where)
        self.diagnostics.append(Diagnostic(self.positions.file, line, col, message, code,
                                           rule_id=self.rule_id, field=fld, hint=hint))

    def resolve_field(self, name: Any, where: tuple) -> FieldRef | None:
        if not isinstance(name, str) or "." not in name:
            self.error(where, f"'{name}' is not a field path like 'application.received'",
                       "bad-field", hint="write the fact's alias, a dot, then the field")
            return None
        alias, path = name.split(".", 1)
        if alias not in self.aliases:
            self.error(where, f"'{alias}' is not a fact this rule matches", "unknown-alias",
                       fld=name, hint=did_you_mean(alias, self.aliases)
                       or f"this rule matches: {', '.join(self.aliases)}")
            return None
        fields = self.fields[self.aliases[alias]]
        if path not in fields:
            self.error(where, f"unknown field '{name}' ({self.aliases[alias]} has no '{path}')",
                       "unknown-field", fld=name,
                       hint=did_you_mean(path, fields, prefix=f"{alias}."))
            return None
        return FieldRef(alias, path, fields[path])


def parse(raw: Any, scope: Scope, where: tuple) -> Leaf | Group | None:
    """Parse and type-check a condition; None (with diagnostics in `scope`) if it is wrong."""
    if raw is None:
        return Group("all", ())
    if isinstance(raw, list):
        raw = {"all": raw}
    if not isinstance(raw, dict):
        scope.error(where, "a condition must be a mapping (all/any/not or a field test)",
                    "bad-condition")
        return None
    keys = set(raw)
    for group in ("all", "any"):
        if group in keys:
            if keys != {group} or not isinstance(raw[group], list) or not raw[group]:
                scope.error(where, f"'{group}' takes a non-empty list and nothing beside it",
                            "bad-condition")
                return None
            items = [parse(item, scope, where + (group, i)) for i, item in enumerate(raw[group])]
            return None if any(i is None for i in items) else Group(group, tuple(items))
    if "not" in keys:
        if keys != {"not"}:
            scope.error(where, "'not' takes one condition and nothing beside it", "bad-condition")
            return None
        inner = parse(raw["not"], scope, where + ("not",))
        return None if inner is None else negate(inner, scope)
    return _parse_leaf(raw, scope, where)


def _parse_leaf(raw: dict, scope: Scope, where: tuple) -> Leaf | None:
    if "field" not in raw:
        unknown = sorted(set(raw) - {"all", "any", "not"})
        scope.error(where, f"unknown condition key '{unknown[0] if unknown else raw}'",
                    "bad-condition", hint=did_you_mean(str(unknown[0]), ["all", "any", "not",
                                                                        "field"])
                    if unknown else None)
        return None
    ops = [k for k in raw if k != "field"]
    if len(ops) != 1 or ops[0] not in OPERATORS:
        bad = [k for k in ops if k not in OPERATORS]
        hint = None
        if bad:
            hint = (f"did you mean '{SYNONYMS[bad[0]]}'?" if bad[0] in SYNONYMS
                    else did_you_mean(str(bad[0]), OPERATORS))
        scope.error(where + ((bad[0],) if bad else ()),
                    f"a field test needs exactly one operator ({', '.join(sorted(OPERATORS))})"
                    + (f"; '{bad[0]}' is not one" if bad else ""), "bad-operator",
                    fld=str(raw.get("field")), hint=hint)
        return None
    op = ops[0]
    ref = scope.resolve_field(raw["field"], where + ("field",))
    if ref is None:
        return None
    value = _parse_value(raw[op], op, ref, scope, where + (op,))
    if value is None:
        return None
    return Leaf(ref, op, value, where)


def _parse_value(raw: Any, op: str, ref: FieldRef, scope: Scope, where: tuple) -> Any:
    kind = ref.kind
    name = f"{ref.alias}.{ref.path}"
    if op == "exists":
        if not isinstance(raw, bool):
            scope.error(where, "'exists' takes true or false", "bad-value", fld=name)
            return None
        return Literal(raw)
    if op in ("contains", "not_contains", "contains_all") and not kind.is_list:
        scope.error(where, f"'{op}' needs a list field; {name} is {kind.describe()}",
                    "type-mismatch", fld=name, hint="use eq or in")
        return None
    if op in COMPARE | {"in", "not_in", "matches"} and kind.is_list:
        scope.error(where, f"'{op}' does not apply to a list field ({name})", "type-mismatch",
                    fld=name, hint="use contains, not_contains or contains_all")
        return None
    if op in ("lt", "lte", "gt", "gte") and kind.kind not in ORDERED:
        scope.error(where, f"'{op}' needs a number, amount or date; {name} is {kind.describe()}",
                    "type-mismatch", fld=name)
        return None
    if op == "matches":
        if (isinstance(raw, dict) and set(raw) == {"param"} and raw["param"] in scope.params
                and scope.params[raw["param"]][1] == "pattern"):
            raw = scope.params[raw["param"]][0]  # a structure parameter, as its pattern
        if kind.kind != "str" or not isinstance(raw, str) or not PATTERN_OK.match(raw):
            scope.error(where, "'matches' takes an ASCII pattern, or a parameter of unit "
                        "'structure', on a text field, matched against the whole value",
                        "bad-pattern", fld=name,
                        hint="use [0-9] for a digit and no ^, $ or backslash")
            return None
        try:
            re.compile(raw)
        except re.error as exc:
            scope.error(where, f"pattern does not compile: {exc}", "bad-pattern", fld=name)
            return None
        slow = slow_pattern(raw)
        if slow:
            scope.error(where, f"pattern could take very long to match: {slow}", "bad-pattern",
                        fld=name, hint="repeat single characters or classes ([0-9]{4}), with "
                        "at most one open-ended repeat (*, + or {n,})")
            return None
        scope.patterns.add(PatternSpec(ref.alias, ref.path, raw))
        return Literal(raw)
    if isinstance(raw, dict):
        return _parse_special(raw, op, ref, scope, where)
    if op in ("in", "not_in", "contains_all"):
        if not isinstance(raw, list) or not raw:
            scope.error(where, f"'{op}' takes a non-empty list", "bad-value", fld=name)
            return None
        values = [_literal(v, kind, scope, where + (i,), name) for i, v in enumerate(raw)]
        return None if any(v is None for v in values) else Literal(tuple(v.value for v in values))
    return _literal(raw, kind, scope, where, name)


def _parse_special(raw: dict, op: str, ref: FieldRef, scope: Scope, where: tuple) -> Any:
    name = f"{ref.alias}.{ref.path}"
    if len(raw) != 1:
        scope.error(where, "a value is a literal or one of {param}, {field}, {due}, {as_of}",
                    "bad-value", fld=name)
        return None
    (tag, arg), = raw.items()
    if tag == "param":
        if arg not in scope.params:
            scope.error(where, f"unknown parameter '{arg}'", "unknown-param", fld=name,
                        hint=did_you_mean(str(arg), scope.params))
            return None
        value, pkind = scope.params[arg]
        want = "list" if op in ("in", "not_in", "contains_all") else (
            "str" if ref.kind.is_list else ref.kind.kind)
        if pkind != want:
            scope.error(where, f"parameter '{arg}' is {pkind}, {name} needs {want}",
                        "type-mismatch", fld=name)
            return None
        return Literal(tuple(value) if isinstance(value, list) else value)
    if op not in COMPARE:
        scope.error(where, f"'{op}' takes literal values or a parameter", "bad-value", fld=name)
        return None
    if tag == "field":
        other = scope.resolve_field(arg, where + ("field",))
        if other is None:
            return None
        if (other.kind.kind, other.kind.is_list) != (ref.kind.kind, ref.kind.is_list):
            scope.error(where, f"cannot compare {name} ({ref.kind.describe()}) with {arg} "
                        f"({other.kind.describe()})", "type-mismatch", fld=name)
            return None
        return other
    if tag == "as_of":
        if ref.kind.kind != "date" or arg is not True:
            scope.error(where, "{as_of: true} is a date; compare it with a date field",
                        "type-mismatch", fld=name)
            return None
        return FieldRef(ref.alias, contract.AS_OF_KEY, FieldKind("date"))
    if tag == "due":
        return _parse_due(arg, ref, scope, where + ("due",))
    scope.error(where, f"unknown value form '{tag}'", "bad-value", fld=name,
                hint=did_you_mean(str(tag), ["param", "field", "due", "as_of"]))
    return None


def parse_due(raw: Any, scope: Scope, where: tuple) -> DueSpec | None:
    """`{from: alias.path, working_days|calendar_days: N or {param: name}}` -> DueSpec."""
    if not isinstance(raw, dict) or "from" not in raw or len(raw) != 2:
        scope.error(where, "a due date is {from: alias.field, working_days: N} "
                    "(or calendar_days)", "bad-due")
        return None
    unit_key = next((k for k in raw if k != "from"), None)
    if unit_key not in ("working_days", "calendar_days"):
        scope.error(where, f"unknown time unit '{unit_key}'", "bad-due",
                    hint=did_you_mean(str(unit_key), ["working_days", "calendar_days"]))
        return None
    start = scope.resolve_field(raw["from"], where + ("from",))
    if start is None:
        return None
    if start.kind.kind != "date":
        scope.error(where + ("from",), f"'{raw['from']}' is not a date", "type-mismatch")
        return None
    days = raw[unit_key]
    if isinstance(days, dict) and set(days) == {"param"}:
        pname = days["param"]
        if pname not in scope.params or scope.params[pname][1] != "int":
            scope.error(where + (unit_key,), f"'{pname}' is not a parameter counting days",
                        "unknown-param", hint=did_you_mean(str(pname), scope.params))
            return None
        days = scope.params[pname][0]
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3660:
        scope.error(where + (unit_key,), "a number of days must be a whole number 0-3660",
                    "bad-due")
        return None
    spec = DueSpec(start.alias, start.path,
                   "working" if unit_key == "working_days" else "calendar", days)
    scope.dues.add(spec)
    return spec


def _parse_due(raw: Any, ref: FieldRef, scope: Scope, where: tuple) -> FieldRef | None:
    if ref.kind.kind != "date":
        scope.error(where, "a due date compares with a date field", "type-mismatch")
        return None
    spec = parse_due(raw, scope, where)
    return None if spec is None else FieldRef(spec.alias, spec.key, FieldKind("date"))


def _literal(raw: Any, kind: FieldKind, scope: Scope, where: tuple, name: str) -> Any:
    k = kind.kind
    ok = {
        "str": isinstance(raw, str),
        "bool": isinstance(raw, bool),
        "int": isinstance(raw, int) and not isinstance(raw, bool),
        "date": isinstance(raw, dt.date),
        "amount": isinstance(raw, (int, float)) and not isinstance(raw, bool),
    }[k]
    if not ok:
        hint = date_hint(raw) if k == "date" else None
        if isinstance(raw, bool) and k == "str":
            hint = YAML_BOOL_HINT
        scope.error(where, f"{name} is {kind.describe()}; {raw!r} is not", "type-mismatch",
                    fld=name, hint=hint)
        return None
    if kind.choices and raw not in kind.choices:
        scope.error(where, f"'{raw}' is not a value of {name} ({', '.join(kind.choices)})",
                    "bad-value", fld=name, hint=did_you_mean(raw, kind.choices))
        return None
    if k == "date":
        return Literal(day_number(raw))
    if k == "amount":
        return Literal(round(raw * 100))
    return Literal(raw)


def negate(node: Leaf | Group, scope: Scope) -> Leaf | Group:
    """Logical negation pushed down to the comparisons."""
    if isinstance(node, Group):
        return Group("any" if node.op == "all" else "all",
                     tuple(negate(item, scope) for item in node.items))
    if node.op == "exists":
        return Leaf(node.ref, "exists", Literal(not node.value.value), node.where)
    if node.op == "matches":
        return Leaf(node.ref, "not_matches", node.value, node.where)
    if node.op == "not_matches":
        return Leaf(node.ref, "matches", node.value, node.where)
    if isinstance(node.value, FieldRef) and node.value.alias != node.ref.alias:
        scope.error(node.where, "'not' cannot be applied to a comparison between two facts",
                    "bad-condition", hint="use the opposite operator, or 'without'")
        return node
    flipped = Leaf(node.ref, NEGATE[node.op], node.value, node.where)
    if node.op in ("contains", "not_contains", "contains_all", "lacks_any"):
        return flipped  # list operators already treat a missing list as empty
    if node.ref.kind.optional or (isinstance(node.value, FieldRef) and node.value.kind.optional):
        missing = [Leaf(node.ref, "exists", Literal(False), node.where)]
        if isinstance(node.value, FieldRef) and node.value.kind.optional:
            missing.append(Leaf(node.value, "exists", Literal(False), node.where))
        return Group("any", (flipped, *missing))
    return flipped


def join_inside_any(node: Leaf | Group, inside: bool = False) -> Leaf | None:
    """A comparison with another fact inside `any`: durable_rules cannot join inside `$or`
    (measured: it fails with error 311 when facts arrive), so such a rule is refused."""
    if isinstance(node, Leaf):
        joined = isinstance(node.value, FieldRef) and node.value.alias != node.ref.alias
        return node if inside and joined else None
    for item in node.items:
        found = join_inside_any(item, inside or node.op == "any")
        if found:
            return found
    return None


def aliases_in(node: Leaf | Group) -> set[str]:
    if isinstance(node, Leaf):
        return {node.ref.alias}
    return set().union(*(aliases_in(i) for i in node.items)) if node.items else set()


def split_by_alias(node: Leaf | Group, scope: Scope) -> dict[str, list[Leaf | Group]]:
    """Top-level conjuncts grouped by the fact they test (each pattern tests one fact)."""
    items = node.items if isinstance(node, Group) and node.op == "all" else (node,)
    out: dict[str, list] = {}
    for item in items:
        owners = aliases_in(item)
        if len(owners) > 1:
            scope.error(item.where if isinstance(item, Leaf) else _first_where(item),
                        f"one 'any' may test only one fact, this one tests {sorted(owners)}",
                        "mixed-any", hint="split it, or derive a fact that says what you need")
            continue
        if owners:
            out.setdefault(owners.pop(), []).append(item)
    return out


def _first_where(node: Leaf | Group) -> tuple:
    return node.where if isinstance(node, Leaf) else _first_where(node.items[0])


def compile_pattern(items: list[Leaf | Group], alias: str, guards: dict[str, list]) -> list[dict]:
    return [_compile(item, alias, guards) for item in items]


def _compile(node: Leaf | Group, alias: str, guards: dict[str, list]) -> dict:
    if isinstance(node, Group):
        parts = [_compile(i, alias, guards) for i in node.items]
        if len(parts) == 1:
            return parts[0]
        return {"$and" if node.op == "all" else "$or": parts}
    return _compile_leaf(node, guards)


def _compile_leaf(leaf: Leaf, guards: dict[str, list]) -> dict:
    k, op, value = leaf.ref.key, leaf.op, leaf.value
    if op == "exists":
        return {"$ex" if value.value else "$nex": {k: 1}}
    if isinstance(value, FieldRef):
        if value.alias == leaf.ref.alias:
            target: Any = {"$m": value.key}
            cmp = {k: target} if op == "eq" else {DURABLE_OP[op]: {k: target}}
            return {"$and": [{"$ex": {value.key: 1}}, cmp]}
        if value.kind.optional or value.path.startswith("_"):
            guards.setdefault(value.alias, []).append({"$ex": {value.key: 1}})
        target = {value.alias: value.key}
        return {k: target} if op == "eq" else {DURABLE_OP[op]: {k: target}}
    v = value.value
    if op == "eq":
        return {k: v}
    if op in DURABLE_OP:
        return {DURABLE_OP[op]: {k: v}}
    if op == "in":
        return _any([{k: x} for x in v])
    if op == "not_in":
        return {"$and": [{"$ex": {k: 1}}] + [{"$neq": {k: x}} for x in v]}
    if op == "matches":
        return {pattern_key(k, v): True}
    if op == "not_matches":
        return {"$nex": {pattern_key(k, v): 1}}
    values = v if isinstance(v, tuple) else (v,)
    has = [{"$iany": {k: {"$i": x}}} for x in values]
    lacks = [{"$or": [{"$nex": {k: 1}}, {"$iall": {k: {"$neq": {"$i": x}}}}]} for x in values]
    if op in ("contains", "contains_all"):
        return has[0] if len(has) == 1 else {"$and": has}
    return lacks[0] if len(lacks) == 1 else {"$or": lacks}  # not_contains, lacks_any


def _any(parts: list[dict]) -> dict:
    return parts[0] if len(parts) == 1 else {"$or": parts}

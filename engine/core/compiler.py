"""Compile a validated rule set into one durable_rules ruleset, for every date at once.

Each YAML rule becomes one durable_rules rule per period of the law it depends on (a rule with
a deadline, three per period: the step was late, is overdue, or is still pending). A period is
a stretch of days on which the rule is in force (its act's versions, law.yaml) and every
parameter it uses has one value; the rule of each period tests that the date the rule is
judged on (its document's date, or the date it names in `judged_on`) falls in the period. So
each fact is judged by the law in force on its own date, whatever day the case is looked at,
and one program serves every case (docs/rule-language.md, "The law in force").

Negation is stratified. durable_rules decides a `$not` when facts arrive and never revisits it
(docs/engine.md), so a rule that tests for the absence of a fact must not be able to see the
engine before every such fact exists. Each rule gets a stratum: 0 when it negates nothing,
otherwise one more than the stratum of the fact types it negates (base facts are stratum 0). A
rule of stratum k>0 also matches a marker fact `{fact: "$stratum", n: k}`, which the runtime
asserts only after strata below k have run to quiescence; we measured that a pattern ordered
[marker, positives..., negations...] then decides correctly whatever order the facts came in.
Cycles through negation are rejected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

import orjson
from rexcheck.engine.core import conditions as cond
from rexcheck.engine.core import contract
from rexcheck.engine.core.contract import MARKER, MARKER_ALIAS, WARMUP
from rexcheck.engine.core.loader import (
    PLACEHOLDER,
    LoadedRule,
    RuleSet,
    Span,
    compile_conditions,
    judged_on,
    params_used,
    rule_scope,
)
from rexcheck.engine.core.normalise import TYPE_KEY, day_number
from rexcheck.engine.core.partition import fit
from rexcheck.engine.core.schema import Rule
from rexcheck.facts.base.errors import Diagnostic, InvalidInput
from rexcheck.facts.catalog import BASE_TYPES, CHILD_TYPES, FieldKind

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Placeholder:
    alias: str
    key: str
    kind: str


@dataclass
class CompiledRule:
    name: str  # the durable_rules rule name
    loaded: LoadedRule
    variant: Literal["match", "late", "overdue", "pending"]
    stratum: int
    aliases: dict[str, str]
    placeholders: dict[str, Placeholder]
    derive_fields: dict[str, object]
    period: Span  # the days (of the date it is judged on) this compiled rule stands for
    judged: cond.FieldRef  # the date it is judged on
    params: dict[str, tuple[Any, str]] = field(default_factory=dict)  # the values it applies
    due: cond.DueSpec | None = None
    done: cond.FieldRef | None = None
    positives: list[str] = field(default_factory=list)  # fact types matched
    negatives: list[str] = field(default_factory=list)  # fact types whose absence is tested
    produces: str | None = None  # fact type derived
    output_parts: tuple | None = None  # citation and reading as output, built on first use
    # message text -> its parts: literal text (str) and fillers (callables)
    templates: dict[str, list[Any]] = field(default_factory=dict)
    law_text: str | None = None  # the period and values applied, as the trace shows them
    title_text: str | None = None  # the title with its parameters' values, built on first use
    derive_plan: tuple | None = None  # what the runtime's `derive` needs, built on first use
    report: Any = None  # what its findings share (findings.Report), built on first use

    # read on every firing: plain attributes, set once (see __post_init__)
    rule: Rule = field(init=False, repr=False)
    rule_id: str = field(init=False, repr=False)
    finding: Any = field(init=False, repr=False)  # the FindingSpec, or None
    outcome: str | None = field(init=False, repr=False)
    severity: str = field(init=False, repr=False)  # of its findings ("info" when pending)
    derives: Any = field(init=False, repr=False)  # the DeriveSpec, or None
    matches: int = field(init=False, repr=False)  # facts a firing names (its positive patterns)

    def __post_init__(self) -> None:
        self.rule = self.loaded.rule
        self.rule_id = self.rule.id
        self.finding = self.rule.then.finding
        self.outcome = self.rule.then.outcome
        self.derives = self.rule.then.derive
        self.matches = len(self.positives)
        self.severity = ("info" if self.variant == "pending" or self.finding is None
                         else self.finding.severity)


@dataclass
class Program:
    """What the runtime needs: the ruleset definition, the actions, the computed fields."""

    definition: dict
    actions: dict[str, CompiledRule]
    strata: int
    dues: dict[str, set[cond.DueSpec]]  # fact type -> computed due dates
    patterns: dict[str, set[cond.PatternSpec]]  # fact type -> computed pattern tests
    key: str
    rule_ids: list[str] = field(default_factory=list)
    # per stratum, the sets of fact types some rule of it needs: a stratum none of whose rules
    # could match the facts present is skipped (its marker would wake nothing)
    needs: dict[int, list[frozenset[str]]] = field(default_factory=dict)
    # the order the case's own facts are sent in, by type (`base_order`)
    type_order: dict[str, int] = field(default_factory=dict)
    # the runs the rules were cut into to fit the engine's tables (1: as compiled;
    # engine/core/partition.py)
    chunks: int = 1

    def dues_by_type(self) -> dict[str, list[cond.DueSpec]]:
        """The due dates to compute per fact type, in a fixed order (by key)."""
        if self._dues_sorted is None:
            self._dues_sorted = {t: sorted(specs, key=lambda s: s.key)
                                 for t, specs in self.dues.items()}
        return self._dues_sorted

    def patterns_by_type(self) -> dict[str, list[cond.PatternSpec]]:
        """The pattern tests to compute per fact type, in a fixed order (by key)."""
        if self._patterns_sorted is None:
            self._patterns_sorted = {t: sorted(specs, key=lambda s: s.key)
                                     for t, specs in self.patterns.items()}
        return self._patterns_sorted

    _dues_sorted: dict[str, list[cond.DueSpec]] | None = field(default=None, repr=False)
    _patterns_sorted: dict[str, list[cond.PatternSpec]] | None = field(default=None, repr=False)


def compile_program(ruleset: RuleSet) -> Program:
    """The whole rule set, every period of it, compiled; raises InvalidInput if it cannot be."""
    problems: list[Diagnostic] = []
    compiled: list[tuple[CompiledRule, list[dict]]] = []
    dues: dict[str, set[cond.DueSpec]] = {}
    tests: dict[str, set[cond.PatternSpec]] = {}
    for lr in ruleset.rules:
        if not lr.rule.enabled:
            continue
        periods = rule_periods(lr, ruleset)
        for k, (start, end) in enumerate(periods):
            scope = rule_scope(lr, ruleset, ruleset.params_on(start))
            suffix = f"@{k + 1}" if len(periods) > 1 else ""
            variants = _compile_rule(lr, scope, (start, end), suffix)
            if scope.diagnostics:
                problems.extend(scope.diagnostics)
                break
            for spec in scope.dues:
                dues.setdefault(scope.aliases[spec.alias], set()).add(spec)
            for test in scope.patterns:
                tests.setdefault(scope.aliases[test.alias], set()).add(test)
            compiled.extend(variants)
    if problems:
        raise InvalidInput(sorted(set(problems)))
    order, relying = base_order([c for c, _ in compiled])
    strata = _strata([c for c, _ in compiled], problems, relying)
    if problems:
        raise InvalidInput(problems)
    definition: dict = {WARMUP: {"all": [{"w": {TYPE_KEY: WARMUP}}]}}
    actions: dict[str, CompiledRule] = {}
    for c, patterns in compiled:
        c.stratum = strata[c.name]
        if c.stratum > 0:
            patterns = [{MARKER_ALIAS: {"$and": [{TYPE_KEY: MARKER}, {"n": c.stratum}]}}] + patterns
        definition[c.name] = {"all": patterns}
        actions[c.name] = c
    definition, chunks = fit(definition, (WARMUP,), {n: c.rule_id for n, c in actions.items()},
                             lambda name: _located(actions[name]))
    text = orjson.dumps(definition, option=orjson.OPT_SORT_KEYS)
    needs: dict[int, list[frozenset[str]]] = {}
    for c in actions.values():
        needs.setdefault(c.stratum, []).append(frozenset(c.positives))
    return Program(definition, actions, max(strata.values(), default=0), dues, tests,
                   hashlib.sha256(text).hexdigest()[:16],
                   sorted({c.rule.id for c, _ in compiled}), needs,
                   {t: i for i, t in enumerate(order)}, chunks)


def _located(c: CompiledRule) -> tuple[str, int, int, str]:
    line, col = c.loaded.positions.of(("id",))
    return c.loaded.file, line, col, c.rule.id


def rule_periods(lr: LoadedRule, ruleset: RuleSet) -> list[Span]:
    """The rule's days in force, cut where a parameter it uses changes value."""
    cuts: set[dt.date] = set()
    for name in params_used(lr.rule):
        param = ruleset.parameters.get(name)
        if param is not None:
            for start, end, _ in param.periods():
                cuts.add(start)
                if end is not None:
                    cuts.add(end + ONE_DAY)
    out: list[Span] = []
    for start, end in lr.spans:
        inside = sorted(c for c in cuts if start < c and (end is None or c <= end))
        first = start
        for cut in inside:
            out.append((first, cut - ONE_DAY))
            first = cut
        out.append((first, end))
    return out


def _in_period(judged: cond.FieldRef, period: Span) -> list[cond.Leaf]:
    where = ("judged_on",)
    start, end = period
    leaves = [cond.Leaf(judged, "gte", cond.Literal(day_number(start)), where)]
    if end is not None:
        leaves.append(cond.Leaf(judged, "lte", cond.Literal(day_number(end)), where))
    return leaves


class _Common(TypedDict):
    """The fields every compiled rule of one YAML rule and period shares (its deadline
    variants too)."""

    aliases: dict[str, str]
    placeholders: dict[str, Placeholder]
    derive_fields: dict[str, object]
    period: Span
    judged: cond.FieldRef
    params: dict[str, tuple[Any, str]]
    positives: list[str]
    negatives: list[str]
    produces: str | None


def _compile_rule(lr: LoadedRule, scope: cond.Scope, period: Span, suffix: str
                  ) -> list[tuple[CompiledRule, list[dict]]]:
    rule = lr.rule
    by_alias = compile_conditions(lr, scope)
    judged = judged_on(lr, scope)
    if judged is None:
        return []
    # the period's tests come first, right after the fact type: every rule of the same
    # period then shares the engine's node for them, and a fact outside the period is
    # dropped before any other test
    by_alias[judged.alias] = _in_period(judged, period) + by_alias.get(judged.alias, [])
    placeholders = _placeholders(rule, scope)
    derive = dict(rule.then.derive.set) if rule.then.derive else {}
    base = _Common(aliases=dict(scope.aliases), placeholders=placeholders, derive_fields=derive,
                   period=period, judged=judged, params=dict(scope.params),
                   positives=[scope.aliases[rule.applies_to]] + [m.fact for m in rule.with_],
                   negatives=[m.fact for m in rule.without],
                   produces=rule.then.derive.fact if rule.then.derive else None)
    if rule.deadline is None:
        compiled = CompiledRule(rule.id + suffix, lr, "match", 0, **base)
        return [(compiled, _patterns(rule, scope, by_alias))]
    dl = rule.deadline
    unit = "working_days" if dl.working_days is not None else "calendar_days"
    due = cond.parse_due({"from": dl.from_, unit: getattr(dl, unit)}, scope, ("deadline",))
    done = scope.resolve_field(dl.done, ("deadline", "done"))
    if due is None or done is None:
        return []
    due_ref = cond.FieldRef(due.alias, due.key, FieldKind("date"))
    as_of = cond.FieldRef(done.alias, contract.AS_OF_KEY, FieldKind("date"))
    w = ("deadline",)
    variants: dict[Literal["late", "overdue", "pending"], list[cond.Leaf]] = {
        "late": [cond.Leaf(done, "exists", cond.Literal(True), w),
                 cond.Leaf(done, "gt", due_ref, w)],
        "overdue": [cond.Leaf(done, "exists", cond.Literal(False), w),
                    cond.Leaf(as_of, "gt", due_ref, w)],
        "pending": [cond.Leaf(done, "exists", cond.Literal(False), w),
                    cond.Leaf(as_of, "lte", due_ref, w)],
    }
    out = []
    for variant, extra in variants.items():
        conds = {a: list(items) for a, items in by_alias.items()}
        conds.setdefault(done.alias, []).extend(extra)
        compiled = CompiledRule(f"{rule.id}#{variant}{suffix}", lr, variant, 0, due=due,
                                done=done, **base)
        out.append((compiled, _patterns(rule, scope, conds)))
    return out


def _patterns(rule: Rule, scope: cond.Scope, by_alias: dict[str, list]) -> list[dict]:
    """[primary, with..., without...] patterns; each tests its fact type and its conditions."""
    guards: dict[str, list] = {}
    order = [rule.applies_to] + [m.alias for m in rule.with_]
    compiled = {}
    for alias, items in by_alias.items():
        compiled[alias] = cond.compile_pattern(items, alias, guards)
    patterns = []
    for alias in order + [m.alias for m in rule.without]:
        parts = _unique([{TYPE_KEY: scope.aliases[alias]}] + compiled.get(alias, [])
                        + guards.get(alias, []))
        body = parts[0] if len(parts) == 1 else {"$and": parts}
        patterns.append({f"{alias}$not" if alias not in order else alias: body})
    return patterns


def _unique(tests: list[dict]) -> list[dict]:
    """Each test of a pattern once, in order: a rule's own `exists` and the existence guards
    of its comparisons often say the same, and every copy is one more node the engine tests
    each fact against."""
    out: list[dict] = []
    for test in tests:
        if test not in out:
            out.append(test)
    return out


def _placeholders(rule: Rule, scope: cond.Scope) -> dict[str, Placeholder]:
    out: dict[str, Placeholder] = {}
    finding = rule.then.finding
    texts = [finding.message, finding.message_ru or ""] if finding else []
    texts.append(rule.title)
    for text in texts:
        for name in PLACEHOLDER.findall(text):
            if name.startswith("param.") and name[6:] in scope.params:
                value, kind = scope.params[name[6:]]
                out[name] = Placeholder("param", repr(value), kind)
            elif "." in name and name not in out and not name.startswith("param."):
                ref = scope.resolve_field(name, ("then",))
                if ref is not None:
                    out[name] = Placeholder(ref.alias, ref.key, ref.kind.kind)
    return out


def base_order(rules: list[CompiledRule]) -> tuple[list[str], set[str]]:
    """An order for the case's own facts in which every fact type a rule negates comes before
    the types it matches, and the names of the rules that may rely on it.

    durable_rules decides a negation when the matched fact arrives: [licence, shipment] in one
    batch decides "no licence" rightly, [shipment, licence] wrongly (docs/engine.md). A rule
    that negates only base fact types, none of which it also matches, therefore needs no
    stratum marker if the case's facts are sent negated types first: every such fact is there
    when the rule's facts arrive, and derived facts come later still. When the rules' demands
    on the order form a cycle, no rule relies on it (they all use markers)."""
    base = set(BASE_TYPES) | set(CHILD_TYPES)
    before: dict[str, set[str]] = {t: set() for t in base}  # type -> types that must precede
    relying: set[str] = set()
    for c in rules:
        negated = set(c.negatives)
        if negated and negated <= base and not negated & set(c.positives):
            for matched in c.positives:
                if matched in base:
                    before[matched].update(negated)
            relying.add(c.name)
    order: list[str] = []
    while len(order) < len(base):
        ready = sorted(t for t in base if t not in order and before[t] <= set(order))
        if not ready:  # a cycle
            return sorted(base), set()
        order.append(ready[0])
    return order, relying


def _strata(rules: list[CompiledRule], problems: list[Diagnostic],
            relying: set[str] = frozenset()) -> dict[str, int]:  # type: ignore[assignment]
    """Stratum of each compiled rule; a cycle through negation is a diagnostic. A rule in
    `relying` negates base facts that arrive before its own (`base_order`): stratum 0."""
    type_stratum: dict[str, int] = {}
    stratum = {c.name: 0 for c in rules}
    limit = len(rules) + 1
    changed = True
    while changed:
        changed = False
        for c in rules:
            lift = 0 if c.name in relying else 1
            s = max([type_stratum.get(t, 0) for t in c.positives]
                    + [type_stratum.get(t, 0) + lift for t in c.negatives], default=0)
            if s > limit:
                lr = c.loaded
                line, col = lr.positions.of(("without",))
                problems.append(Diagnostic(lr.file, line, col, "rules depend on the absence "
                                           "of facts they themselves derive (a cycle through "
                                           "'without')", "negation-cycle", rule_id=c.rule.id))
                return stratum
            if s != stratum[c.name]:
                stratum[c.name], changed = s, True
            if c.produces and type_stratum.get(c.produces, 0) < s:
                type_stratum[c.produces] = s
                changed = True
    return stratum

"""What the engine facts of a case get beyond their own values, worked out once per rule set.

Before a case's facts go to the engine, each gets:
- `_as_of`, the day the case is judged at (overdue and pending steps count to it);
- `_on`, the day whose law judges it: the first of its document's dates law.yaml names
  (`documents: ... judged_on`) that is given, else the as-of date; a child record (a goods
  item) takes its document's;
- the values the rule packs compute (`computed:`), by the generic functions of
  engine/core/functions.py, with the parameters in force on the fact's `_on`;
- the due dates and pattern tests the compiled rules compare (engine/core/compiler.py).
A case whose own dates come after its as-of date cannot be judged on that date: it is refused
as inconsistent (`Inconsistent`), never judged as if its later steps had not happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rexcheck.engine.core import contract, functions
from rexcheck.engine.core.compiler import Program
from rexcheck.engine.core.conditions import DueSpec, PatternSpec
from rexcheck.engine.core.loader import (
    JUDGED_ON_KEY,
    LoadedComputed,
    LoadedParameter,
    RuleSet,
    structure_regex,
)
from rexcheck.engine.core.normalise import (
    TYPE_KEY,
    day_number,
    display,
    engine_key,
    from_day_number,
)
from rexcheck.facts.catalog import BASE_TYPES, CHILD_TYPES

# A computed value's function carries `describe` and `inputs` as attributes, for the trace and
# the docs; mypy does not let a function grow attributes, hence the `ignore[attr-defined]` on
# each (mypy's limit, not a fault of the code).
Compute = Callable[[Any, dict[str, Any]], Any]


class Inconsistent(Exception):
    """A case that cannot be judged as given (its steps come after the day it is judged at)."""


class FactPlan:
    def __init__(self, ruleset: RuleSet, program: Program):
        documents = ruleset.documents
        self.judged: dict[str, tuple[str, ...]] = {
            t: tuple(engine_key(p.partition(".")[2]) for p in doc.judged_on)
            for t, doc in documents.items()}
        self.children = {child: parent for child, (parent, _, _) in CHILD_TYPES.items()}
        self.computed: dict[str, list[tuple[str, Compute]]] = {
            t: [(c.name, _function(c, ruleset.parameters)) for c in values]
            for t, values in ruleset.computed.items()}
        computed_names = {(t, c.name) for t, values in ruleset.computed.items() for c in values}
        self.kinds = {(t, c.name): c.kind for t, values in ruleset.computed.items()
                      for c in values}
        self.dates: dict[str, tuple[str, ...]] = {
            t: tuple(engine_key(p) for p, k in ruleset.fields[t].items()
                     if k.kind == "date" and not k.is_list and (t, p) not in computed_names)
            for t in (*BASE_TYPES, *CHILD_TYPES)}
        self.dues = program.dues_by_type()
        self.patterns = program.patterns_by_type()
        # a time limit that starts before any rule is in force judges nothing: its due date is
        # not computed (the calendar need not know those years)
        starts = [lr.spans[0][0] for lr in ruleset.rules if lr.spans]
        self.first_day = day_number(min(starts)) if starts else 0
        # per fact type, all of the above at once: (date keys, judged-on keys, computed
        # values, due dates, pattern tests, parent type of a child record or None)
        self.plans: dict[str, tuple] = {
            t: (self.dates.get(t, ()), self.judged.get(t, ()), tuple(self.computed.get(t, ())),
                tuple(self.dues.get(t, ())), tuple(self.patterns.get(t, ())),
                self.children.get(t))
            for t in (*BASE_TYPES, *CHILD_TYPES)}

    def complete(self, facts: list[dict[str, Any]], records: list[Any], as_of: int,
                 due_day: Callable[[int, str, int], int]) -> None:
        """Add to each fact what the rules need (see the module docstring), in place."""
        judged_on: dict[tuple[str, str], int] = {}
        children: list[tuple[dict[str, Any], Any, str]] = []
        plans = self.plans
        for fact, record in zip(facts, records, strict=True):
            fact_type = fact[TYPE_KEY]
            dates, judged, computed, dues, tests, parent = plans[fact_type]
            for key in dates:
                value = fact.get(key)
                if value is not None and value > as_of:
                    self._inconsistent(fact, key, value, as_of)
            fact[contract.AS_OF_KEY] = as_of
            if parent is not None:
                children.append((fact, record, parent))
                continue
            on = as_of
            for key in judged:
                value = fact.get(key)
                if value is not None:
                    on = value
                    break
            fact[JUDGED_ON_KEY] = on
            judged_on[(fact_type, fact["ref"])] = on
            self._compute(fact, record, computed, dues, tests, due_day)
        for fact, record, parent in children:
            fact[JUDGED_ON_KEY] = judged_on.get((parent, fact[parent]), as_of)
            _, _, computed, dues, tests, _ = plans[fact[TYPE_KEY]]
            self._compute(fact, record, computed, dues, tests, due_day)

    def _compute(self, fact: dict[str, Any], record: Any, computed: tuple, dues: tuple,
                 tests: tuple, due_day: Callable[[int, str, int], int]) -> None:
        for name, compute in computed:
            value = compute(record, fact)
            if value is not None:
                fact[name] = value
        if dues:
            add_due_dates(fact, dues, due_day, self.first_day)
        if tests:
            add_pattern_tests(fact, tests)

    @staticmethod
    def _inconsistent(fact: dict[str, Any], key: str, value: int, as_of: int) -> None:
        raise Inconsistent(
            f"{fact[TYPE_KEY].replace('_', ' ')} {fact['ref']}: "
            f"{key.replace('__', '.')} {from_day_number(value)} is after the as-of date "
            f"{from_day_number(as_of)}; a case is judged on or after the day of its "
            "last step (give a later as_of)")

    def explain(self, facts: list[dict[str, Any]]) -> list[ComputedValue]:
        """The values computed for a case's facts, each with its function and its inputs as
        the fact held them (for --explain)."""
        out = []
        for fact in facts:
            fact_type = fact[TYPE_KEY]
            for name, compute in self.computed.get(fact_type, ()):
                kind = self.kinds[(fact_type, name)]
                inputs = {f"{fact_type}.{path}": display(fact.get(engine_key(path)), input_kind)
                          for path, input_kind in getattr(compute, "inputs", ())}
                out.append(ComputedValue(f"{fact_type} {fact['ref']}", name,
                                         display(fact.get(name), kind),
                                         getattr(compute, "describe", name), inputs))
        return out


@dataclass
class ComputedValue:
    """A value the packs compute (`computed:`), as --explain shows it."""

    document: str  # "registration R1"
    field: str
    value: str  # "(none)" when there was nothing to compute
    function: str  # e.g. "date(registration.number_date_text written DDMMYYYY)"
    inputs: dict[str, str]


def _function(c: LoadedComputed, parameters: dict[str, LoadedParameter]) -> Compute:
    """The Python callable for one computed value: (record, fact) -> engine value or None."""
    spec = c.spec
    if spec.convert is not None:
        amount = spec.convert.amount.partition(".")[2]
        rates = spec.convert.rates.partition(".")[2]
        to = spec.convert.to

        def compute(record: Any, fact: dict[str, Any]) -> Any:
            return functions.convert(_attr(record, amount), _attr(record, rates) or (), to)
        compute.describe = f"convert({spec.convert.amount}, to {to}, rates {spec.convert.rates})"  # type: ignore[attr-defined]
        compute.inputs = ((f"{amount}.amount", "amount"), (f"{amount}.currency", "str"))  # type: ignore[attr-defined]
        return compute
    if spec.count is not None:
        path = spec.count.partition(".")[2]

        def compute(record: Any, fact: dict[str, Any]) -> Any:
            return functions.count(_attr(record, path))
        compute.describe = f"count({spec.count})"  # type: ignore[attr-defined]
        return compute
    if spec.part is not None:
        key = engine_key(spec.part.of.partition(".")[2])
        name = spec.part.name
        periods = [(day_number(start), None if end is None else day_number(end),
                    structure_regex(value))
                   for start, end, value in parameters[spec.part.structure].periods()]

        def compute(record: Any, fact: dict[str, Any]) -> Any:
            on = fact[JUDGED_ON_KEY]
            for start, end, regex in periods:
                if start <= on and (end is None or on <= end):
                    return functions.part(fact.get(key), regex, name)
            return None
        compute.describe = (f"part {name} of {spec.part.of} "  # type: ignore[attr-defined]
                            f"(structure {spec.part.structure})")
        compute.inputs = ((spec.part.of.partition(".")[2], "str"),)  # type: ignore[attr-defined]
        return compute
    if spec.add_years is not None:
        return _add_years(spec.add_years, parameters)
    assert spec.date is not None
    key = engine_key(spec.date.of.partition(".")[2])
    written = spec.date.format

    def compute_date(record: Any, fact: dict[str, Any]) -> Any:
        return functions.date_from_text(fact.get(key), written)
    compute_date.describe = f"date({spec.date.of} written {written})"  # type: ignore[attr-defined]
    compute_date.inputs = ((spec.date.of.partition(".")[2], "str"),)  # type: ignore[attr-defined]
    return compute_date


def _add_years(spec: Any, parameters: dict[str, LoadedParameter]) -> Compute:
    """`add_years`: the years are the parameter's value in force on the date counted from
    (the law of the day the period starts), not the fact's `_on`."""
    key = engine_key(spec.of.partition(".")[2])
    days = spec.days
    periods = [(day_number(start), None if end is None else day_number(end), value)
               for start, end, value in parameters[spec.years].periods()]

    def compute(record: Any, fact: dict[str, Any]) -> Any:
        start = fact.get(key)
        if start is None:
            return None
        for first, last, years in periods:
            if first <= start and (last is None or start <= last):
                return functions.add_years(start, years, days)
        return None  # no period in force on that date
    compute.describe = (f"add_years({spec.of} + {spec.years} years"  # type: ignore[attr-defined]
                        + (f" + {days} days" if days else "") + ")")
    compute.inputs = ((spec.of.partition(".")[2], "date"),)  # type: ignore[attr-defined]
    return compute


def _attr(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = getattr(record, part, None)
        if record is None:
            return None
    return record



def add_due_dates(fact: dict[str, Any], dues: Sequence[DueSpec],
                  due_day: Callable[[int, str, int], int], first_day: int = 0) -> None:
    """The due dates rules compare on this fact, each counted from its start date (none for
    a start before `first_day`, the first day any rule is in force)."""
    for spec in dues:
        start = fact.get(spec.start_key)
        if start is not None and start >= first_day:
            fact[spec.key] = due_day(start, spec.unit, spec.days)


def add_pattern_tests(fact: dict[str, Any], tests: Sequence[PatternSpec]) -> None:
    """The computed fields of the patterns rules test on this fact: each present, and true,
    when the whole value matches (conditions.py says why the engine's regex is not used)."""
    for test in tests:
        value = fact.get(test.field_key)
        if type(value) is str and test.regex.fullmatch(value):
            fact[test.key] = True

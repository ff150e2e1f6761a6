"""Titles written out for people: each `{param.NAME}` replaced by the value of the law.

A finding's title shows the values of the period it was judged in (engine/core/findings.py). Out of
any case (`rexcheck rules list`, the catalogue) a title shows the value in force while the
rule is in force, and, when the law changes the value meanwhile, each later value with the day
it applies from: "above 500.00 (600.00 from 2027-01-01) CHF" is never stale.
"""

from __future__ import annotations

from typing import Any

from rexcheck.engine.core.loader import PLACEHOLDER, LoadedRule, RuleSet, engine_value
from rexcheck.engine.core.normalise import display


def _values_while_in_force(lr: LoadedRule, ruleset: RuleSet, name: str) -> list[tuple[Any, Any]]:
    """(first day, written value) of each value of a parameter on some day the rule is in
    force, in order (the first with no day when it covers the rule's first day)."""
    param = ruleset.parameters[name]
    out: list[tuple[Any, Any]] = []
    for start, end, value in param.periods():
        overlaps = not lr.spans or any(
            (e is None or start <= e) and (end is None or s <= end) for s, e in lr.spans)
        if overlaps and (not out or out[-1][1] != value):
            out.append((start, value))
    return out


def rule_title(lr: LoadedRule, ruleset: RuleSet) -> str:
    """The rule's title with its parameters written out (see the module docstring)."""
    title = lr.rule.title

    def fill(match: Any) -> str:
        name = match.group(1)
        if not name.startswith("param.") or name[6:] not in ruleset.parameters:
            return match.group(0)
        param = ruleset.parameters[name[6:]]
        values = _values_while_in_force(lr, ruleset, name[6:])
        if not values:
            return match.group(0)
        unit, kind = param.parameter.unit, param.kind
        first = display(engine_value(values[0][1], unit), kind)
        later = [f"{display(engine_value(v, unit), kind)} from {day.isoformat()}"
                 for day, v in values[1:]]
        return first + (f" ({'; '.join(later)})" if later else "")

    return PLACEHOLDER.sub(fill, title)

"""The law in force on a date: the runtime looks it up by period, never by guessing.

The runtime caches one engine session per period between two change points (a day on which a
rule or a parameter value comes into or goes out of force). These tests check, day by day
around every change point, that the cached program is the one compiled for that very day.
"""

from __future__ import annotations

import datetime as dt
import shutil

from rexcheck.engine.compiler import compile_program
from rexcheck.engine.loader import load_rules
from rexcheck.engine.runtime import Runtime

from conftest import ROOT

ONE_DAY = dt.timedelta(days=1)


def days_around(points: list[dt.date]) -> list[dt.date]:
    return sorted({p + k * ONE_DAY for p in points for k in (-1, 0, 1)})


def assert_every_day_gets_its_own_law(ruleset) -> None:
    runtime = Runtime(ruleset)
    days = days_around(ruleset.change_points())
    for day in days:  # in date order, then again backwards: the cache must not depend on order
        assert runtime.session(day).program.key == compile_program(ruleset, day).key, day
    for day in reversed(days):
        assert runtime.session(day).program.key == compile_program(ruleset, day).key, day


def test_the_shipped_rules_change_on_the_2026_amendment_of_order_358():
    ruleset = load_rules()
    points = ruleset.change_points()
    assert dt.date(2026, 4, 17) in points  # Order 358 as amended in 2026
    runtime = Runtime(ruleset)
    before = runtime.session(dt.date(2026, 4, 16)).program
    after = runtime.session(dt.date(2026, 4, 17)).program
    assert set(after.rule_ids) - set(before.rule_ids)  # the amendment's rules come in
    assert_every_day_gets_its_own_law(ruleset)


def test_a_parameter_value_that_ends_and_a_rule_that_ends_are_change_points(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    old = "      - {from: 2021-04-11, value: 10300}\n"
    assert old in text
    params.write_text(text.replace(old, "      - {from: 2021-04-11, to: 2024-12-31, value: 10300}\n"
                                         "      - {from: 2025-01-01, value: 12000}\n"),
                      encoding="utf-8")
    ruleset = load_rules(rules)
    points = ruleset.change_points()
    assert dt.date(2025, 1, 1) in points
    runtime = Runtime(ruleset)
    old_law = runtime.session(dt.date(2024, 12, 31)).program
    new_law = runtime.session(dt.date(2025, 1, 1)).program
    assert old_law.key != new_law.key  # same rules, another threshold
    assert old_law.rule_ids == new_law.rule_ids
    assert_every_day_gets_its_own_law(ruleset)

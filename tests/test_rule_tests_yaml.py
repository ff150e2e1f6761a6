"""Runs every YAML rule test under rules/tests/ as a pytest test (see engine/authoring/ruletests.py)."""

from __future__ import annotations

import pytest
from rexcheck.engine.authoring.ruletests import coverage, load_tests, needs_silent_test, run_test
from rexcheck.engine.core.loader import default_rules_dir

TESTS = load_tests(default_rules_dir())  # rule ids are checked by test_rule_test_harness.py


@pytest.mark.parametrize("loaded", TESTS, ids=[t.id for t in TESTS])
def test_rule_test(checker, loaded):
    outcome = run_test(checker, loaded)
    assert outcome.passed, (
        f"{loaded.file}:{loaded.line}: {loaded.test.name}\n"
        f"error: {outcome.error}\nmissing: {outcome.missing}\nunexpected: {outcome.unexpected}\n"
        f"actual: {outcome.actual}")


def test_every_rule_has_a_test_that_fires_it_and_one_that_does_not(checker):
    fires, silent = coverage(TESTS)
    rule_ids = {r.rule.id for r in checker.ruleset.rules}
    conditional = {r.rule.id for r in checker.ruleset.rules if needs_silent_test(r.rule)}
    assert sorted(rule_ids - fires) == [], "rules no YAML test fires"
    assert sorted(conditional - silent) == [], "rules no YAML test shows silent"

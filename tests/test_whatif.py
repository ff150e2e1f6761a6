"""`rexcheck whatif` on the shipped proposal, checked against answers worked out by hand."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import MINIMAL_RULE, ROOT
from rexcheck.cli.main import main

PROPOSAL = str(ROOT / "examples/whatif/raise-chf-threshold.yaml")
POPULATION = str(ROOT / "examples/whatif/population.jsonl")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_raising_the_chf_threshold_changes_exactly_the_cases_worked_out_by_hand():
    # Raising 10,300 -> 12,000 CHF frees statements without a number worth more than 10,300
    # and at most 12,000 CHF: W-03 (10,300.01), W-04 (11,999.99), W-05 (12,000.00, now exactly
    # at the threshold) and W-07 (12,500 EUR x 0.93 = 11,625 CHF). W-06 (12,000.01) stays
    # invalid, Norway (W-08) is untouched, W-09 carries its number. W-02 (exactly 10,300) only
    # loses its "exactly at the threshold" notice: no finding and no outcome changes.
    result = run("whatif", "--proposed", PROPOSAL, POPULATION, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    changed = {c["case"]: (c["before"], c["after"]) for c in report["changed_cases"]}
    assert changed == {"W-03": ("invalid", "valid"), "W-04": ("invalid", "valid"),
                       "W-05": ("invalid", "valid"), "W-07": ("invalid", "valid")}
    assert report["unchanged"] == 5 and report["cases"] == 9
    assert report["by_rule"]["R244-11-rex-number-required-ch"] == {"newly_fires": 0,
                                                                   "stops_firing": 4}
    assert {"before": "invalid", "after": "valid", "cases": 4} in report["outcome_transitions"]


def test_the_same_rules_change_nothing():
    result = run("whatif", "--proposed", str(ROOT / "rules"), POPULATION)
    assert result.exit_code == 0
    assert "0 changed, 9 unchanged" in result.output


def test_markdown_report():
    result = run("whatif", "--proposed", PROPOSAL, POPULATION, "--format", "md")
    assert "| R244-11-rex-number-required-ch | 0 | 4 |" in result.output
    assert "| 3 | W-03 | invalid | valid |" in result.output


def test_a_scenario_can_disable_and_add_rules(tmp_path):
    scenario = tmp_path / "s.yaml"
    rule = MINIMAL_RULE.split("rules:\n", 1)[1].replace(
        "    applies_to: application\n", "    versions: [order-244]\n    applies_to: application\n")
    scenario.write_text("scenario: test\ndisable_rules: [R244-11-rex-number-required-ch]\n"
                        "rules:\n" + rule, encoding="utf-8")
    report = json.loads(run("whatif", "--proposed", str(scenario), POPULATION,
                            "--format", "json").output)
    assert report["by_rule"]["R244-11-rex-number-required-ch"]["stops_firing"] == 5


def test_a_broken_scenario_names_the_line(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("scenario: test\nset_parameters:\n  statement_threshold_chff:\n"
                        "    - {from: 2021-04-11, value: 12000}\n", encoding="utf-8")
    result = run("whatif", "--proposed", str(scenario), POPULATION)
    assert result.exit_code == 2
    assert "s.yaml:3:3: error: no parameter 'statement_threshold_chff' in the baseline; " \
           "did you mean 'statement_threshold_chf'?" in result.output

"""`rexcheck whatif` on the shipped proposal: the change of the law first, then what it does.

The expected answer is worked out from the population and the two thresholds (the one the
packs state, the one the proposal sets), so it holds whatever value the packs give: a
statement to Switzerland without a REX number is invalid when its value in CHF exceeds the
threshold; a value exactly at the threshold gets a notice (the reading applied) and stays
valid.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner
from conftest import MINIMAL_RULE, ROOT, law_value
from rexcheck.cli.main import main

PROPOSAL = ROOT / "examples/whatif/raise-chf-threshold.yaml"
POPULATION = ROOT / "examples/whatif/population.jsonl"
CHF = "statement_threshold_chf"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def value_in_chf(consignment: dict) -> Decimal:
    value = consignment["value"]
    if value["currency"] == "CHF":
        return Decimal(value["amount"])
    rate = next(r["rate"] for r in consignment["exchange_rates"] if r["to"] == "CHF")
    return Decimal(value["amount"]) * Decimal(rate)


@pytest.fixture(scope="module")
def expected(checker):
    """Per case of the population: (invalid before, invalid after, notice before, after)."""
    proposed = Decimal(str(yaml.safe_load(PROPOSAL.read_text(encoding="utf-8"))
                           ["set_parameters"][CHF][-1]["value"]))
    out = {}
    for line in POPULATION.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        (c,) = case["consignments"]
        if c["destination"] != "CH" or c["statement"].get("rex_number"):
            continue
        day = dt.date.fromisoformat(c["statement"]["date"])
        now = Decimal(str(law_value(checker.ruleset, CHF, day)))
        v = value_in_chf(c)
        out[case["case"]] = (v > now, v > proposed, v == now, v == proposed)
    return out


def changed_cases(expected) -> set[str]:
    return {case for case, (before, after, _, _) in expected.items() if before != after}


def notice_only_cases(expected) -> set[str]:
    return {case for case, (before, after, at_now, at_new) in expected.items()
            if before == after and at_now != at_new}


def test_the_report_opens_with_its_title_and_the_change_of_the_law(checker):
    result = run("whatif", "--proposed", PROPOSAL, POPULATION)
    lines = result.output.splitlines()
    assert lines[0] == "What-if: Raise the CHF threshold of Order 244 p.11 to 12,000 francs"
    now = law_value(checker.ruleset, CHF)
    start = checker.ruleset.parameters[CHF].periods()[0][0]
    if now != 12000:
        assert lines[4] == f"  statement_threshold_chf: {now} -> 12000 CHF from {start}"


def test_the_cases_that_change_are_exactly_those_worked_out(expected):
    result = run("whatif", "--proposed", PROPOSAL, POPULATION, "--format", "json")
    report = json.loads(result.output)
    changed = {c["case"] for c in report["changed_cases"]}
    assert changed == changed_cases(expected)
    assert result.exit_code == (1 if changed else 0)
    for c in report["changed_cases"]:
        before, after, _, _ = expected[c["case"]]
        assert c["documents"] == [{"document": "consignment C1", "type": "consignment",
                                   "before": "invalid" if before else "valid",
                                   "after": "invalid" if after else "valid"}]
    assert report["cases"] == 9
    assert report["unchanged"] == 9 - len(changed) - report["notices_only"]


def test_a_case_whose_only_change_is_a_notice_is_counted_apart(expected):
    report = json.loads(run("whatif", "--proposed", PROPOSAL, POPULATION, "--format",
                            "json").output)
    assert {c["case"] for c in report["notices_only_cases"]} == notice_only_cases(expected)
    assert report["notices_only"] == len(notice_only_cases(expected))
    assert not {c["case"] for c in report["notices_only_cases"]} & {
        c["case"] for c in report["changed_cases"]}


def test_outcome_changes_are_counted_per_document_type_with_totals_before_and_after(expected):
    report = json.loads(run("whatif", "--proposed", PROPOSAL, POPULATION, "--format",
                            "json").output)
    freed = sum(before and not after for before, after, _, _ in expected.values())
    if freed:
        assert {"document_type": "consignment", "before": "invalid", "after": "valid",
                "documents": freed} in report["outcome_changes"]
    assert {c["document_type"] for c in report["outcome_changes"]} <= {"consignment"}
    totals = report["totals"]["consignment"]
    assert totals["invalid"]["before"] - totals["invalid"]["after"] == freed - sum(
        after and not before for before, after, _, _ in expected.values())
    assert sum(n["before"] for n in totals.values()) == sum(n["after"] for n in totals.values())
    assert report["totals"]["registration"]["valid"] == {"before": 9, "after": 9}


def test_the_summary_leaves_out_the_list_of_cases():
    full = run("whatif", "--proposed", PROPOSAL, POPULATION).output
    summary = run("whatif", "--proposed", PROPOSAL, POPULATION, "--summary").output
    assert "Changed cases" in full and "Changed cases" not in summary
    assert summary.startswith("What-if: ") and "Totals per outcome, before -> after" in summary
    report = json.loads(run("whatif", "--proposed", PROPOSAL, POPULATION, "--summary",
                            "--format", "json").output)
    assert "changed_cases" not in report and "outcome_changes" in report


def test_the_same_rules_change_nothing_and_exit_0():
    result = run("whatif", "--proposed", ROOT / "rules", POPULATION)
    assert result.exit_code == 0
    assert "9 case(s): 0 changed, 0 in notices only, 9 unchanged" in result.output
    assert "no parameter or rule differs" in result.output


def test_markdown_report_has_tables_per_document_type(expected):
    result = run("whatif", "--proposed", PROPOSAL, POPULATION, "--format", "md")
    assert result.output.startswith("# What-if: Raise the CHF threshold")
    header = "| document type | before | after | documents |"
    assert (header in result.output) == bool(changed_cases(expected))
    for case in changed_cases(expected):
        assert f"| {case} | invalid | valid |" in result.output or \
            f"| {case} | valid | invalid |" in result.output


def test_a_scenario_that_disables_and_adds_rules_says_so_first(tmp_path, checker):
    scenario = tmp_path / "s.yaml"
    rule = MINIMAL_RULE.split("rules:\n", 1)[1].replace(
        "    applies_to: application\n", "    versions: [order-244]\n    applies_to: application\n")
    scenario.write_text("scenario: test\ndisable_rules: [R244-11-rex-number-required-ch]\n"
                        "rules:\n" + rule, encoding="utf-8")
    result = run("whatif", "--proposed", scenario, POPULATION, "--format", "json")
    report = json.loads(result.output)
    assert report["law_changes"]["rules"]["disabled"] == ["R244-11-rex-number-required-ch"]
    assert report["law_changes"]["rules"]["added"] == ["T-1-channel"]
    fired = sum(before for before, _, _, _ in expected_all(checker).values())
    assert report["by_rule"]["R244-11-rex-number-required-ch"]["stops_firing"] == fired > 0
    text = run("whatif", "--proposed", scenario, POPULATION).output
    assert "  rules added: T-1-channel\n  rules disabled: R244-11-rex-number-required-ch" in text


def expected_all(checker) -> dict:
    """The cases in which the CHF rule fires under the packs' own threshold."""
    out = {}
    for line in POPULATION.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        (c,) = case["consignments"]
        if c["destination"] == "CH" and not c["statement"].get("rex_number"):
            day = dt.date.fromisoformat(c["statement"]["date"])
            now = Decimal(str(law_value(checker.ruleset, CHF, day)))
            out[case["case"]] = (value_in_chf(c) > now, None, None, None)
    return out


def test_a_dated_change_of_a_value_is_shown_from_its_day(tmp_path, checker):
    scenario = tmp_path / "s.yaml"
    now = law_value(checker.ruleset, CHF)
    start = checker.ruleset.parameters[CHF].periods()[0][0]
    scenario.write_text(f"scenario: a later value\nset_parameters:\n  {CHF}:\n"
                        f"    - {{from: {start}, value: {now}}}\n"
                        f"    - {{from: 2030-01-01, value: {now + 1}}}\n", encoding="utf-8")
    result = run("whatif", "--proposed", scenario, POPULATION, "--summary")
    assert f"  {CHF}: {now} -> {now + 1} CHF from 2030-01-01\n" in result.output
    assert result.exit_code == 0  # no statement of the population is dated 2030


def test_the_old_name_of_the_rules_option_still_works():
    result = run("whatif", "--baseline", ROOT / "rules", "--proposed", ROOT / "rules",
                 POPULATION, "--summary")
    assert result.exit_code == 0


def test_a_broken_scenario_names_the_line(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("scenario: test\nset_parameters:\n  statement_threshold_chff:\n"
                        "    - {from: 2021-04-11, value: 12000}\n", encoding="utf-8")
    result = run("whatif", "--proposed", scenario, POPULATION)
    assert result.exit_code == 2
    assert "s.yaml:3:3: error: no parameter 'statement_threshold_chff' in the baseline; " \
           "did you mean 'statement_threshold_chf'?" in result.output


RETENTION = ROOT / "examples/whatif/retention-ten-years.yaml"
# the date a kept item counts from -> the parameter of its period
PERIOD_OF = {"received": "documents_retention_years", "sent": "notification_copies_retention_years"}


def _first_day_to_destroy(start: dt.date, years: int) -> dt.date:
    try:
        end = start.replace(year=start.year + years)
    except ValueError:
        end = dt.date(start.year + years, 2, 28)
    return end + dt.timedelta(days=1)


def test_a_longer_retention_period_changes_exactly_the_cases_worked_out(checker, tmp_path):
    """The organisation's file of the generated population under the proposed periods: a case
    changes when one of its items was destroyed or found missing after the period in force
    but before the proposed one ends (or the other way round)."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    proposed = yaml.safe_load(RETENTION.read_text(encoding="utf-8"))["set_parameters"]
    lines = [line for line in generate.lines(3000, seed=1) if '"kept_items"' in line]
    population = tmp_path / "population.jsonl"
    population.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = set()
    for line in lines:
        case = json.loads(line)
        for item in case["kept_items"]:
            gone = item.get("destroyed") or item.get("found_missing")
            if gone is None:
                continue
            key = "received" if "received" in item else "sent"
            (value,) = proposed[PERIOD_OF[key]]
            start, gone = dt.date.fromisoformat(item[key]), dt.date.fromisoformat(gone)
            now = _first_day_to_destroy(start, law_value(checker.ruleset, PERIOD_OF[key], start))
            then = _first_day_to_destroy(start, value["value"])
            if (gone < now) != (gone < then):
                expected.add(case["case"])
    assert expected, "the population gives the proposal nothing to change"
    result = run("whatif", "--proposed", RETENTION, population, "--format", "json")
    report = json.loads(result.output)
    assert {c["case"] for c in report["changed_cases"]} == expected
    assert result.exit_code == 1

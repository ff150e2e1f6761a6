"""The rule-test harness checks what it says: a wrong expectation of each kind fails.

Each test below writes one YAML rule test whose expectation is wrong in exactly one way, runs
it as `rexcheck rules test` does, and asserts that it fails (or is refused when the tests load),
naming what was wrong. The right expectation passes, so the failure comes from the wrong part.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT
from rexcheck.engine.authoring.ruletests import load_tests, run_test
from rexcheck.engine.services.checker import Checker
from rexcheck.facts.base.errors import InvalidInput

FIXTURE = """\
fixtures:
  clean:
    case: H-1
    exporter: {tin: KZ010140000123, name: Altyn Dala LLP}
    applications:
      - ref: A1
        received: 2026-03-02
        channel: electronic
        languages: [ru, en]
        tin: KZ010140000123
        exporter_name: Altyn Dala LLP
        address: 12 Abay Avenue, Kostanay
        contact: "+7 7142 55 01 01"
        activity: [production]
        goods:
          - {description: Durum wheat, hs_code: "1001", meets_origin_rules: true}
        documents: [state_registration_certificate]
        consent_to_publication: true
        declarations: {information_correct: true, statements_only_for_originating_goods: true,
                       keeps_commercial_accounting: true, reports_changes: true, cooperates: true,
                       accepts_verification: true, requests_removal_when_ineligible: true,
                       requests_removal_when_no_exports: true, signed: true}
tests:
"""

# received Mon 2026-03-02, refused, notice due Thu 2026-03-05 (3 working days), sent 10th
LATE = """\
  - name: NAME
    as_of: 2026-04-15
    use: clean
    set:
      applications.0.languages: [ru]
      applications.0.decision: {outcome: refused, date: 2026-03-03, notified: 2026-03-10}
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    root = tmp_path_factory.mktemp("harness") / "rules"
    shutil.copytree(ROOT / "rules", root, ignore=shutil.ignore_patterns("tests"))
    return root


@pytest.fixture(scope="module")
def harness_checker(rules):
    return Checker(rules)


def outcome_of(rules, checker, test: str):
    folder = rules / "tests"
    folder.mkdir(exist_ok=True)
    (folder / "t.yaml").write_text(FIXTURE + test, encoding="utf-8")
    (loaded,) = load_tests(rules, checker.ruleset)
    return run_test(checker, loaded)


RIGHT = LATE + """\
    expect:
      - {rule: R244-8-refusal-notice-late, subject: application A1, status: late, due: 2026-03-05}
      - {rule: R244-8-1-no-english, subject: application A1}
      - {rule: R244-8-outcome-refuse, subject: application A1}
    outcomes: {application A1: refuse}
    outcome: refuse
    expect_not: [R244-8-1-channel, R244-5-outcome-register]
"""


def test_the_right_expectations_pass(rules, harness_checker):
    result = outcome_of(rules, harness_checker, RIGHT)
    assert result.passed, (result.missing, result.unexpected, result.error)


@pytest.mark.parametrize("wrong, reported", [
    ("subject: application A1, status: late", "subject: application A9, status: late"),
    ("status: late, due", "status: overdue, due"),
    ("due: 2026-03-05", "due: 2026-03-06"),
    ("{rule: R244-8-1-no-english, subject: application A1}",
     "{rule: R244-8-1-no-english, subject: application A2}"),
    ("{rule: R244-8-outcome-refuse, subject: application A1}",
     "{rule: R244-5-outcome-register, subject: application A1}"),
    ("outcomes: {application A1: refuse}", "outcomes: {application A1: register}"),
    ("    outcome: refuse\n", "    outcome: register\n"),
])
def test_a_wrong_expectation_fails(rules, harness_checker, wrong, reported):
    assert wrong in RIGHT
    result = outcome_of(rules, harness_checker, RIGHT.replace(wrong, reported, 1))
    assert not result.passed
    assert result.missing or result.unexpected


def test_a_rule_that_must_not_fire_but_does_fails(rules, harness_checker):
    result = outcome_of(rules, harness_checker,
                        RIGHT.replace("[R244-8-1-channel,", "[R244-8-1-no-english,"))
    assert not result.passed and "R244-8-1-no-english application A1" in result.unexpected


def test_a_derivation_is_checked_on_its_subject_too(rules, harness_checker):
    test = LATE + ("    expect: [{rule: R244-16-registration-revoked, "
                   "subject: revocation_request RV1}]\n")
    assert not outcome_of(rules, harness_checker, test).passed


@pytest.mark.parametrize("field, misspelt, hint", [
    ("expect", "[{rule: R244-8-1-no-englsh}]", "did you mean 'R244-8-1-no-english'?"),
    ("expect_not", "[R244-8-1-chanel]", "did you mean 'R244-8-1-channel'?"),
])
def test_a_misspelt_rule_id_is_refused_when_the_tests_load(rules, harness_checker, field,
                                                           misspelt, hint):
    folder = rules / "tests"
    folder.mkdir(exist_ok=True)
    (folder / "t.yaml").write_text(FIXTURE + LATE + f"    {field}: {misspelt}\n",
                                   encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_tests(rules, harness_checker.ruleset)
    (d,) = exc.value.diagnostics
    assert d.code == "unknown-rule" and d.hint == hint
    assert d.line == FIXTURE.count("\n") + LATE.count("\n") + 1


def test_a_status_for_a_rule_without_a_deadline_is_refused(rules, harness_checker):
    folder = rules / "tests"
    folder.mkdir(exist_ok=True)
    (folder / "t.yaml").write_text(
        FIXTURE + LATE + "    expect: [{rule: R244-8-1-no-english, status: late}]\n",
        encoding="utf-8")
    with pytest.raises(InvalidInput, match="has no deadline"):
        load_tests(rules, harness_checker.ruleset)


def test_a_mistyped_set_path_is_refused_at_its_line_with_a_suggestion(rules, harness_checker):
    folder = rules / "tests"
    folder.mkdir(exist_ok=True)
    test = LATE.replace("      applications.0.languages: [ru]\n",
                        "      applications.0.langauges: [ru]\n") + "    outcome: refuse\n"
    (folder / "t.yaml").write_text(FIXTURE + test, encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_tests(rules, harness_checker.ruleset)
    (d,) = exc.value.diagnostics
    assert d.line == FIXTURE.count("\n") + 5
    assert "Application has no field 'langauges'" in d.message
    assert d.hint == "did you mean 'applications.0.languages'?"

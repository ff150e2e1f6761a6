"""Order 244 p.8 refusal grounds, with the p.4 requirements they rest on: each fires and not."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import AS_OF, case_with, counted, rule_ids


def findings_of(checker, case, rule_id):
    result = checker.check(case, AS_OF)
    assert result.error is None
    return [f for f in result.findings if f.rule_id == rule_id]


def grounds(result) -> list[str]:
    """The refusal grounds found (an undecided application with one is also overdue for its
    refusal notice: R244-8-refusal-notice-due, which these tests do not look at)."""
    return [f.rule_id for f in result.findings if f.kind == "refusal_ground"]


def outcome_of(result, document: str = "application A1") -> str:
    return {o.document: o.outcome for o in result.outcomes}[document]


def test_clean_application_has_no_findings_and_is_registered(checker):
    result = checker.check(case_with(), AS_OF)
    assert counted(result) == []
    assert result.error is None
    assert outcome_of(result) == "register"
    assert result.outcomes[0].rule_id == "R244-5-outcome-register"


@pytest.mark.parametrize("channel", ["email", "fax", "other"])
def test_refusal_when_application_sent_by_a_channel_p4_does_not_allow(checker, channel):
    (finding,) = findings_of(checker, case_with(channel=channel), "R244-8-1-channel")
    assert finding.kind == "refusal_ground"
    assert finding.citation.ref == "Order 244 p.8(1)"
    assert finding.citation.also == ["Order 244 p.4"]
    assert (finding.subject.type, finding.subject.ref) == ("application", "A1")
    assert channel in finding.message


@pytest.mark.parametrize("channel", ["post", "in_person", "electronic"])
def test_no_refusal_for_the_channels_of_p4(checker, channel):
    assert findings_of(checker, case_with(channel=channel), "R244-8-1-channel") == []


def test_refusal_when_application_has_no_english(checker):
    (finding,) = findings_of(checker, case_with(languages=["ru"]), "R244-8-1-no-english")
    assert finding.citation.ref == "Order 244 p.8(1)"
    assert finding.subject.ref == "A1"


def test_refusal_when_application_has_no_kazakh_or_russian(checker):
    result = checker.check(case_with(languages=["en"]), AS_OF)
    assert grounds(result) == ["R244-8-1-no-kazakh-or-russian"]
    assert outcome_of(result) == "refuse"


@pytest.mark.parametrize("languages", [["kk", "en"], ["ru", "en"], ["kk", "ru", "en"]])
def test_no_language_refusal_for_kazakh_or_russian_and_english(checker, languages):
    assert counted(checker.check(case_with(languages=languages), AS_OF)) == []


def test_refusal_when_representative_has_no_power_of_attorney(checker):
    case = case_with(representative={"name": "Export Consult LLP", "power_of_attorney": False})
    (finding,) = findings_of(checker, case, "R244-8-1-no-power-of-attorney")
    assert "Export Consult LLP" in finding.message


def test_no_refusal_when_representative_attached_power_of_attorney(checker):
    case = case_with(representative={"name": "Export Consult LLP", "power_of_attorney": True})
    assert counted(checker.check(case, AS_OF)) == []


@pytest.mark.parametrize("missing", ["tin", "exporter_name", "address", "contact", "activity"])
def test_refusal_when_a_box_of_appendix1_is_empty(checker, missing):
    result = checker.check(case_with(**{missing: None}), AS_OF)
    assert "R244-8-1-incomplete" in rule_ids(result)


def test_refusal_when_declarations_are_not_signed(checker):
    declarations = dict(case_with()["applications"][0]["declarations"], signed=False)
    result = checker.check(case_with(declarations=declarations), AS_OF)
    assert grounds(result) == ["R244-8-1-incomplete"]


def test_an_application_without_box_5_has_declared_nothing(checker):
    result = checker.check(case_with(declarations=None), AS_OF)
    assert grounds(result) == ["R244-8-1-incomplete", "R244-8-1-obligations-not-certified"]
    assert outcome_of(result) == "refuse"


@pytest.mark.parametrize("obligation", ["statements_only_for_originating_goods",
                                        "keeps_commercial_accounting", "reports_changes",
                                        "cooperates", "accepts_verification",
                                        "requests_removal_when_ineligible",
                                        "requests_removal_when_no_exports"])
def test_each_obligation_of_box_5_must_be_certified(checker, obligation):
    declarations = dict(case_with()["applications"][0]["declarations"])
    del declarations[obligation]
    result = checker.check(case_with(declarations=declarations), AS_OF)
    assert grounds(result) == ["R244-8-1-obligations-not-certified"]


def test_refusal_when_application_lists_no_goods(checker):
    result = checker.check(case_with(goods=[]), AS_OF)
    assert grounds(result) == ["R244-8-1-no-goods"]


def test_refusal_when_information_found_inaccurate(checker):
    result = checker.check(case_with(information_accurate=False), AS_OF)
    assert grounds(result) == ["R244-8-1-inaccurate"]


@pytest.mark.parametrize("tin", ["KZ01014000012", "KZ0101400001234", "RU010140000123",
                                 "KZ01014000012X", "010140000123", "KZ-010140000123"])
def test_refusal_when_tin_is_not_kz_and_12_digits(checker, tin):
    (finding,) = findings_of(checker, case_with(tin=tin), "R244-8-1-tin-format")
    assert tin in finding.message


def test_no_tin_refusal_for_kz_and_12_digits(checker):
    assert findings_of(checker, case_with(tin="KZ990240009876"), "R244-8-1-tin-format") == []


def test_a_package_is_never_refused_against_a_list_rexcheck_does_not_hold(checker):
    result = checker.check(case_with(documents=["state_registration_certificate"]), AS_OF)
    assert grounds(result) == []
    (notice,) = [f for f in result.notices if f.rule_id == "R244-8-2-list-not-checked"]
    assert "state_registration_certificate" in notice.message
    assert notice.reading.id == "order-257-list-not-held"
    assert outcome_of(result) == "register"


def test_refusal_when_no_documents_at_all(checker):
    result = checker.check(case_with(documents=None), AS_OF)
    assert grounds(result) == ["R244-8-2-no-documents"]
    (finding,) = findings_of(checker, case_with(documents=None), "R244-8-2-no-documents")
    assert finding.citation.ref == "Order 244 p.8(2)"


def test_refusal_per_good_that_fails_the_origin_rules(checker):
    goods = [
        {"description": "Unwrought aluminium", "hs_code": "7601", "meets_origin_rules": False},
        {"description": "Aluminium wire", "hs_code": "7605", "meets_origin_rules": True},
    ]
    (finding,) = findings_of(checker, case_with(goods=goods), "R244-8-3-origin")
    assert finding.citation.ref == "Order 244 p.8(3)"
    assert (finding.subject.type, finding.subject.ref) == ("goods_item", "A1/goods-1")


def test_all_grounds_that_apply_are_reported_together(checker):
    case = case_with(channel="email", languages=["ru"], documents=None)
    assert grounds(checker.check(case, AS_OF)) == [
        "R244-8-1-channel", "R244-8-1-no-english", "R244-8-2-no-documents"]


def test_registration_despite_a_ground_is_flagged_through_the_derived_ground(checker):
    decision = {"outcome": "registered", "date": dt.date(2026, 3, 18)}
    result = checker.check(case_with(languages=["ru"], decision=decision), AS_OF)
    (flag,) = [f for f in result.findings if f.rule_id == "R244-8-registered-despite-ground"]
    assert "Order 244 p.8(1)" in flag.message
    derived = [f for f in flag.facts if f.derived_by]
    assert [(f.type, f.derived_by) for f in derived] == [("refusal_ground", "R244-8-1-no-english")]


def test_registration_without_a_ground_is_not_flagged(checker):
    decision = {"outcome": "registered", "date": dt.date(2026, 3, 18)}
    assert counted(checker.check(case_with(decision=decision), AS_OF)) == []


def test_refusal_without_any_ground_is_flagged(checker):
    decision = {"outcome": "refused", "date": dt.date(2026, 3, 17),
                "notified": dt.date(2026, 3, 18)}
    result = checker.check(case_with(decision=decision), AS_OF)
    assert rule_ids(result) == ["R244-8-refused-without-ground"]


def test_refusal_with_a_ground_is_not_flagged_as_groundless(checker):
    decision = {"outcome": "refused", "date": dt.date(2026, 3, 17),
                "notified": dt.date(2026, 3, 18)}
    result = checker.check(case_with(languages=["ru"], decision=decision), AS_OF)
    assert rule_ids(result) == ["R244-8-1-no-english"]
    assert outcome_of(result) == "refuse"


def test_late_refusal_notice_shows_due_date_and_days_late(checker):
    # received Mon 2026-03-02; 3 working days: 03, 04, 05 -> due Thu 2026-03-05.
    # Notified Tue 2026-03-10: working days after the due date are 06 and 09 (7-8 weekend;
    # 2026-03-09 is the Monday off for International Women's Day, Sunday 8 March) -> 06, 10.
    decision = {"outcome": "refused", "date": dt.date(2026, 3, 3),
                "notified": dt.date(2026, 3, 10)}
    case = case_with(languages=["ru"], received=dt.date(2026, 3, 2), decision=decision)
    (late,) = findings_of(checker, case, "R244-8-refusal-notice-late")
    assert late.kind == "late_step"
    assert late.deadline.status == "late"
    assert late.deadline.due == dt.date(2026, 3, 5)
    assert late.deadline.done == dt.date(2026, 3, 10)
    assert late.deadline.days_late == 2
    assert late.reading.id == "application-registration-date"


def test_refusal_notice_on_the_due_date_is_not_late(checker):
    decision = {"outcome": "refused", "date": dt.date(2026, 3, 3),
                "notified": dt.date(2026, 3, 5)}
    case = case_with(languages=["ru"], received=dt.date(2026, 3, 2), decision=decision)
    assert findings_of(checker, case, "R244-8-refusal-notice-late") == []


def test_refusal_notice_not_sent_is_overdue_after_the_due_date(checker):
    decision = {"outcome": "refused", "date": dt.date(2026, 3, 3)}
    case = case_with(languages=["ru"], received=dt.date(2026, 3, 2), decision=decision)
    (overdue,) = findings_of(checker, case, "R244-8-refusal-notice-late")
    assert overdue.deadline.status == "overdue"
    assert overdue.deadline.done is None


def test_refusal_notice_not_yet_due_is_pending_not_a_finding(checker):
    # received Thu 2026-03-19: 20, then 21-25 Nauryz and a weekend, 26, 27 -> due Fri 03-27
    decision = {"outcome": "refused", "date": dt.date(2026, 3, 19)}
    case = case_with(languages=["ru"], received=dt.date(2026, 3, 19), decision=decision)
    result = checker.check(case, AS_OF)
    assert "R244-8-refusal-notice-late" not in rule_ids(result)
    (pending,) = result.pending
    assert pending.rule_id == "R244-8-refusal-notice-late"
    assert pending.deadline.status == "pending"
    assert pending.deadline.due == dt.date(2026, 3, 27)


def test_an_undecided_application_with_a_ground_is_held_to_the_refusal_notice(checker):
    # received Mon 2026-03-16: 17, 18, 19 -> the refusal notice due Thu 2026-03-19 (p.8), not
    # the 5 working days of p.5; judged on 2026-03-20 it is overdue
    result = checker.check(case_with(languages=["ru"]), AS_OF)
    (due,) = [f for f in result.findings if f.rule_id == "R244-8-refusal-notice-due"]
    assert (due.deadline.status, due.deadline.due) == ("overdue", dt.date(2026, 3, 19))
    assert not [p for p in result.pending if p.rule_id == "R244-5-decision-due"]


def test_an_undecided_application_without_a_ground_is_held_to_the_registration_limit(checker):
    # received Mon 2026-03-16: 17, 18, 19, 20, then Nauryz (21-25 with the weekend), 26 ->
    # due Thu 2026-03-26, five working days (p.5)
    result = checker.check(case_with(), AS_OF)
    (pending,) = result.pending
    assert pending.rule_id == "R244-5-decision-due"
    assert pending.deadline.due == dt.date(2026, 3, 26)

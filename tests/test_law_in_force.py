"""The law in force on the date of each act, never on the day a case is looked at.

Acts do not apply backwards: each rule is judged by the version of its act in force on its
document's date (law.yaml), and each parameter takes the value in force on that date. So the
same facts give the same answer whatever the as-of date, the amended p.7 of Order 358 applies
to requests made from its entry into force only, a dated value of a parameter governs the
events on and after its date, and a document dated before the law is `undetermined` with an
error naming the date, never a clean decision.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil

import pytest
from conftest import (
    AS_OF,
    EXAMPLES,
    ROOT,
    case_with,
    law_value,
    parameter_line,
    registration_number,
)
from rexcheck.engine.core.loader import load_rules
from rexcheck.engine.services.checker import Checker

SHIPPED = load_rules()  # the values of the law the tests below vary, as the packs state them
CHF = "statement_threshold_chf"
JUNE = dt.date(2026, 6, 1)  # the day a new threshold comes into force in the tests below
THRESHOLD = law_value(SHIPPED, CHF, JUNE - dt.timedelta(days=1))  # the one in force before
RAISED = THRESHOLD + 1700  # the new one, in force from JUNE
BETWEEN = f"{THRESHOLD + 700:.2f}"  # a value above the old threshold and below the new

REPLY = {
    "case": "L-358",
    "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
    "registrations": [{"ref": "R1", "number": registration_number(SHIPPED, dt.date(2025, 3, 18)),
                       "holder_tin": "KZ010140000123", "registered": "2025-03-18",
                       "valid_from": "2025-03-16"}],
    "verification_requests": [{
        "ref": "V1", "registration": "R1", "from_country": "CH", "official": True,
        "received": "2025-09-01", "documents_requested": "2025-09-02",
        "request_received": "2025-09-02", "documents_sent": "2025-09-05",
        "documents_received": "2025-09-05", "reply_includes_application": True,
        "reply_includes_documents": False}],
}


@pytest.mark.parametrize("as_of", [dt.date(2026, 4, 10), dt.date(2026, 9, 1)])
def test_a_2025_reply_without_the_documents_is_judged_by_the_2025_law_whenever_it_is_looked_at(
        checker, as_of):
    result = checker.check(REPLY, as_of)
    assert "R358-7-reply-without-documents" not in {f.rule_id for f in result.findings}
    assert "R358-7-earlier-wording-not-held" in {f.rule_id for f in result.notices}


def test_the_same_reply_after_the_amendment_is_a_finding():
    case = copy.deepcopy(REPLY)
    v = case["verification_requests"][0]
    v.update(received="2026-06-01", documents_requested="2026-06-02",
             request_received="2026-06-02", documents_sent="2026-06-05",
             documents_received="2026-06-05")
    result = Checker().check(case, dt.date(2026, 9, 1))
    (finding,) = [f for f in result.findings if f.rule_id == "R358-7-reply-without-documents"]
    assert finding.judged_on == dt.date(2026, 6, 2)  # the request the reply answers


def test_a_finding_judged_where_the_amendment_date_is_not_confirmed_says_so(checker):
    case = copy.deepcopy(REPLY)
    v = case["verification_requests"][0]
    v.update(received="2026-04-20", documents_requested="2026-04-21",
             request_received="2026-04-21", documents_sent="2026-04-24",
             documents_received="2026-04-24")
    result = checker.check(case, dt.date(2026, 9, 1))
    (finding,) = [f for f in result.findings if f.rule_id == "R358-7-reply-without-documents"]
    assert finding.assumption and "not confirmed" in finding.assumption
    assert "act-entry-into-force" in finding.assumption


def test_the_shipped_versions_are_cited_and_their_dates_marked_unconfirmed():
    versions = SHIPPED.versions
    assert versions["order-358"].end == versions["order-358-2026"].start - dt.timedelta(days=1)
    for span in versions.values():
        assert span.version.citation.ref.startswith("Order ")
        assert span.uncertain is not None and span.version.reading == "act-entry-into-force"


def _rules_with_new_threshold(tmp_path) -> str:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    old = parameter_line(SHIPPED, CHF)
    assert old in text
    params.write_text(text.replace(old, old + f"      - {{from: {JUNE}, value: {RAISED}}}\n"),
                      encoding="utf-8")
    return str(rules)


def _statement(date: str, amount: str) -> dict:
    return {
        "case": "L-11", "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
        "consignments": [{"ref": "C1", "destination": "CH",
                          "value": {"amount": amount, "currency": "CHF"},
                          "statement": {"date": date, "document": "invoice",
                                        "exporter_name": "Altyn Dala LLP",
                                        "exporter_address": "12 Abay Avenue, Kostanay",
                                        "country_of_origin": "KZ",
                                        "country_of_importation": "CH",
                                        "goods_description": "Durum wheat",
                                        "origin_criterion": "P", "hs_code": "1001",
                                        "language": "en"}}]}


def test_a_later_from_closes_the_earlier_value_and_each_statement_is_judged_by_its_own_date(
        tmp_path):
    checker = Checker(_rules_with_new_threshold(tmp_path))
    before = checker.check(_statement("2026-05-15", BETWEEN), dt.date(2026, 9, 1))
    after = checker.check(_statement("2026-06-15", BETWEEN), dt.date(2026, 9, 1))
    assert [f.rule_id for f in before.findings] == ["R244-11-rex-number-required-ch"]
    assert before.findings[0].judged_on == dt.date(2026, 5, 15)
    assert f"{THRESHOLD:.2f} CHF" in before.findings[0].message
    assert after.findings == [] and after.outcome == "valid"


def test_the_trace_shows_the_period_and_the_value_applied(tmp_path):
    checker = Checker(_rules_with_new_threshold(tmp_path))
    result = checker.check(_statement("2026-05-15", BETWEEN), dt.date(2026, 9, 1),
                           explain=True)
    (step,) = [s for s in result.trace if s.rule_id == "R244-11-rex-number-required-ch"]
    assert step.judged_on == dt.date(2026, 5, 15)
    first_day = SHIPPED.parameters[CHF].periods()[-1][0]
    assert step.law == (f"in force {first_day} to 2026-05-31; "
                        f"statement_threshold_chf = {THRESHOLD:.2f}")


def test_overlapping_and_gapped_dated_values_are_refused_at_load(tmp_path):
    from rexcheck.facts.base.errors import InvalidInput

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    old = parameter_line(SHIPPED, CHF)
    start = SHIPPED.parameters[CHF].periods()[-1][0]
    params.write_text(text.replace(old, f"      - {{from: {start}, to: 2026-07-01, value: "
                                        f"{THRESHOLD}}}\n      - {{from: {JUNE}, value: "
                                        f"{RAISED}}}\n"), encoding="utf-8")
    with pytest.raises(InvalidInput) as overlap:
        load_rules(rules)
    assert "overlaps the next value" in str(overlap.value)
    params.write_text(text.replace(old, f"      - {{from: {start}, to: 2026-04-30, value: "
                                        f"{THRESHOLD}}}\n      - {{from: {JUNE}, value: "
                                        f"{RAISED}}}\n"), encoding="utf-8")
    with pytest.raises(InvalidInput) as gap:
        load_rules(rules)
    assert "leaves 2026-05-01 to 2026-05-31 without a value" in str(gap.value)


def test_an_application_received_before_the_law_is_undetermined_never_registered(checker):
    case = case_with(received=dt.date(2020, 1, 1), channel="fax", languages=["other"])
    result = checker.check(case, dt.date(2020, 1, 1))
    assert result.outcome == "undetermined"
    assert [o.outcome for o in result.outcomes] == ["undetermined"]
    (problem,) = result.errors
    assert problem.code == "undetermined"
    first_day = SHIPPED.versions["order-244"].start  # the first day of Order 244 (law.yaml)
    assert "2020-01-01" in problem.message and str(first_day) in problem.message


def test_an_as_of_date_before_the_events_of_the_case_is_refused_as_inconsistent(checker):
    result = checker.check(EXAMPLES / "registered-clean.yaml", dt.date(2016, 4, 15))
    assert result.outcome == "error"
    (problem,) = result.errors
    assert problem.code == "inconsistent-dates"
    assert "after the as-of date 2016-04-15" in problem.message


def test_the_same_application_gets_the_same_answer_on_any_later_day(checker):
    answers = {checker.check(case_with(languages=["ru"], decision={
        "outcome": "refused", "date": dt.date(2026, 3, 17),
        "notified": dt.date(2026, 3, 18)}), day).outcome
        for day in (AS_OF, dt.date(2026, 9, 1), dt.date(2027, 6, 1))}
    assert answers == {"refuse"}

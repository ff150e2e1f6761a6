"""The shipped example cases: a worked case per chapter, each giving the findings it is about."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, counted
from rexcheck.facts.loader import load_case_file

EXPECTED = {
    "registered-clean.yaml": [],
    "pending-decision.yaml": [],
    "refused-no-english.yaml": [
        ("R244-8-1-channel", "application A1"), ("R244-8-1-no-english", "application A1"),
        ("R244-8-1-no-power-of-attorney", "application A1"),
        ("R244-8-refusal-notice-late", "application A1")],
    "refused-documents-origin.yaml": [
        ("R244-8-1-tin-format", "application A1"), ("R244-8-2-documents", "application A1"),
        ("R244-8-registered-despite-ground", "application A1"),
        ("R244-8-registered-despite-ground", "application A1"),
        ("R244-8-registered-despite-ground", "application A1"),
        ("R244-8-3-origin", "goods_item A1/goods-1")],
    "statements-to-switzerland.yaml": [
        ("R244-11-rex-number-required-ch", "consignment C2"),
        ("R244-11-transport-document", "consignment C3"),
        ("R244-11-destination-not-covered", "consignment C4")],
    "change-of-data.yaml": [
        ("R244-13-no-documents", "change_report CH1"), ("R244-13-report-late", "change_report CH1"),
        ("R244-14-decision-late", "change_report CH1"),
        ("R244-15-applied-despite-ground", "change_report CH1")],
    "verification-to-revocation.yaml": [
        ("R244-16-statement-with-revoked-number", "consignment C1"),
        ("R358-8-reply-late", "verification_request V1"),
        ("R244-16-2-request-grounded", "revocation_request RV1"),
        ("R244-16-2-from-verification", "verification_request V1")],
    "revocation-unfounded.yaml": [
        ("R244-16-revoked-without-ground", "revocation_request RV1"),
        ("R244-16-verification-not-named", "revocation_request RV1")],
}


def test_every_example_is_listed():
    assert sorted(EXPECTED) == sorted(p.name for p in EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_gives_its_findings(checker, name):
    (case,), problems = load_case_file(EXAMPLES / name)
    assert problems == []
    result = checker.check(case)
    assert result.error is None
    got = [(f.rule_id, f"{f.subject.type} {f.subject.ref}") for f in counted(result)]
    assert got == EXPECTED[name]


def test_the_chain_from_verification_to_statement_is_derived_in_the_engine(checker):
    (case,), _ = load_case_file(EXAMPLES / "verification-to-revocation.yaml")
    result = checker.check(case)
    steps = {s.rule_id: s for s in result.trace}
    assert steps["R358-10-negative-conclusion"].derived["fact"] == "verification_negative"
    assert steps["R244-16-2-from-verification"].derived["fact"] == "revocation_ground"
    revoked = steps["R244-16-registration-revoked"].derived
    assert revoked["fact"] == "registration_revoked"
    statement = steps["R244-16-statement-with-revoked-number"]
    assert revoked["ref"] in [f.ref for f in statement.facts]

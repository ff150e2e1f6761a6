"""Shared fixtures: a checker on the shipped rules, and a clean case to vary in each test."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from rexcheck.engine.services.checker import Checker

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "facts" / "examples"
AS_OF = dt.date(2026, 3, 20)  # within the 5 working days of p.5 for CLEAN_APPLICATION

CLEAN_APPLICATION = {
    "ref": "A1",
    "received": dt.date(2026, 3, 16),
    "channel": "electronic",
    "languages": ["ru", "en"],
    "tin": "KZ010140000123",
    "exporter_name": "Altyn Dala LLP",
    "address": "12 Abay Avenue, Kostanay 110000, Kazakhstan",
    "contact": "+7 7142 55 01 01",
    "activity": ["production"],
    "goods": [{"description": "Durum wheat", "hs_code": "1001", "origin_criterion": "P",
               "meets_origin_rules": True}],
    "documents": ["state_registration_certificate", "origin_documents"],
    "consent_to_publication": True,
    "declarations": {
        "information_correct": True, "previous_registration_revoked": False,
        "statements_only_for_originating_goods": True, "keeps_commercial_accounting": True,
        "reports_changes": True, "cooperates": True, "accepts_verification": True,
        "requests_removal_when_ineligible": True, "requests_removal_when_no_exports": True,
        "signed": True},
}

CLEAN_CASE = {
    "case": "T-1",
    "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
    "applications": [CLEAN_APPLICATION],
}


def case_with(**application_changes) -> dict:
    """The clean case with the application's fields changed (None removes a field)."""
    case = copy.deepcopy(CLEAN_CASE)
    app = case["applications"][0]
    for key, value in application_changes.items():
        if value is None:
            app.pop(key, None)
        else:
            app[key] = value
    return case


@pytest.fixture(scope="session")
def checker() -> Checker:
    return Checker()


def law_value(ruleset, name: str, on: dt.date = AS_OF):
    """A value of the law as the packs state it on a date (never a copy in a test)."""
    return ruleset.parameters[name].written_on(on)


def parameter_line(ruleset, name: str, index: int = -1) -> str:
    """The line of a parameter's dated value (the last by default) as parameters files write
    it, e.g. `      - {from: 2021-04-11, value: 10300}` (with its newline)."""
    start, _, value = ruleset.parameters[name].periods()[index]
    return f"      - {{from: {start.isoformat()}, value: {value}}}\n"


def registration_number(ruleset, registered: dt.date, serial: int = 1, region: int = 390
                        ) -> str:
    """A registration number with the structure of Order 244 p.6 as the packs state it on the
    day of registration (the date part written as the packs' computed value reads it)."""
    parts = law_value(ruleset, "registration_number", registered)
    form = next(c.spec.date.format for c in ruleset.computed["registration"]
                if c.spec.date is not None)
    date = (form.replace("DD", f"{registered.day:02}").replace("MM", f"{registered.month:02}")
            .replace("YYYY", f"{registered.year:04}"))
    values = {"date": date, "serial": str(serial), "region": str(region)}
    return "".join(p["text"] if "text" in p else values.get(p["name"], "0").zfill(p["digits"])
                   for p in parts)


def counted(result) -> list:
    """The findings that count: information notices (e.g. the publication data set) left out."""
    return [f for f in result.findings if f.severity != "info"]


def rule_ids(result) -> list[str]:
    return [f.rule_id for f in counted(result)]


MINIMAL_RULE = """\
act: Order 244
title: test pack
versions: [order-244]
rules:
  - id: T-1-channel
    title: test rule
    citation: {ref: Order 244 p.4, text: "Application No. 1 shall be filled in Kazakh or Russian and in English."}
    description: test
    applies_to: application
    when: {field: application.channel, eq: email}
    then:
      finding: {kind: flag, message: "sent by {application.channel}"}
"""


SHIPPED_LAW = (ROOT / "rules" / "law.yaml").read_text(encoding="utf-8")
# The shipped acts and versions, and no document with outcomes: a test pack of a few rules
# decides no outcome (its cases' outcome is `none`), where with the shipped documents every
# document would be `undetermined` for want of outcome rules.
TEST_LAW = SHIPPED_LAW[:SHIPPED_LAW.index("\n# The documents of a case")] + "\n"


def write_pack(root: Path, text: str, name: str = "pack.yaml") -> Path:
    """Write one rule file under `root/test/` (with a law.yaml beside it, which every rules
    tree needs: the shipped acts, no documents) and return the rules root."""
    folder = root / "test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    if not (root / "law.yaml").exists():
        (root / "law.yaml").write_text(TEST_LAW, encoding="utf-8")
    return root

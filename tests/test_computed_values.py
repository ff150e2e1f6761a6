"""Values the rule packs compute (`computed:`), by generic functions that hold no law.

The registration number's structure and date format, the currencies of the thresholds, all
come from the packs; changing the structure in the packs changes what is computed, with no
Python edited (the issue behind this: a number with an impossible date got no finding after
the YAML structure changed, because a Python copy of it did not).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal

import pytest
from conftest import EXAMPLES, ROOT, law_value, parameter_line
from rexcheck.engine.core import functions
from rexcheck.engine.core.normalise import day_number
from rexcheck.engine.services.checker import Checker


def test_part_reads_a_named_part_of_a_whole_structure():
    regex = re.compile(r"(?P<country>KZ)(?P<serial>[0-9]{4})")
    assert functions.part("KZ0042", regex, "serial") == "0042"
    assert functions.part("KZ00420", regex, "serial") is None  # not the whole value
    assert functions.part(None, regex, "serial") is None


@pytest.mark.parametrize("text, written, expected", [
    ("29022024", "DDMMYYYY", dt.date(2024, 2, 29)),
    ("29022023", "DDMMYYYY", None),  # no such day
    ("2024-02-29", "YYYY-MM-DD", dt.date(2024, 2, 29)),
    ("2024022", "DDMMYYYY", None),
])
def test_date_reads_a_date_written_in_a_format(text, written, expected):
    got = functions.date_from_text(text, written)
    assert got == (day_number(expected) if expected else None)


def test_convert_uses_the_one_rate_of_the_facts_and_never_guesses():
    class Money:
        amount, currency = Decimal("10.005"), "EUR"

    class Rate:
        currency, to, rate = "EUR", "CHF", Decimal("2")

    assert functions.convert(Money, [Rate], "CHF") == 2001  # cents, half up
    assert functions.convert(Money, [], "CHF") is None
    assert functions.convert(Money, [Rate], "NOK") is None


def test_explain_shows_each_computed_value_with_its_function_and_inputs(checker):
    result = checker.check(EXAMPLES / "statements-to-switzerland.yaml", explain=True)
    values = {(v.document, v.field): v for v in result.computed}
    date = values[("registration R1", "number_date")]
    assert date.value == "2026-03-18"
    assert date.function == "date(registration.number_date_text written DDMMYYYY)"
    assert date.inputs == {"registration.number_date_text": "18032026"}
    chf = values[("consignment C2", "value_chf")]
    assert chf.value == "10810.00" and chf.inputs["consignment.value.currency"] == "EUR"
    assert values[("consignment C2", "value_nok")].value == "(none)"
    assert checker.check(EXAMPLES / "statements-to-switzerland.yaml").computed is None


def test_the_number_structure_lives_in_the_packs_only(tmp_path):
    """A five-digit serial in the packs: a number with an impossible date still gets its
    finding, and a number of the old shape is refused for its structure."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("tests"))
    params = rules / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    assert "{name: serial, digits: 4}" in text
    params.write_text(text.replace("{name: serial, digits: 4}", "{name: serial, digits: 5}"),
                      encoding="utf-8")
    checker = Checker(rules)
    case = {"case": "S-5", "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
            "registrations": [{"ref": "R1", "number": "KZREX3903102202600001",
                               "registered": "2026-02-27", "valid_from": "2026-02-25",
                               "notified": "2026-02-27"}]}
    result = checker.check(case, dt.date(2026, 6, 1))
    assert [f.rule_id for f in result.findings] == ["R244-6-number-date-not-real"]
    case["registrations"][0]["number"] = "KZREX390310220260001"  # four digits: old shape
    result = checker.check(case, dt.date(2026, 6, 1))
    assert "R244-6-number-structure" in [f.rule_id for f in result.findings]


def test_no_legal_constant_is_written_in_the_python_package():
    """The values of the law are in the packs: the thresholds, the number structure, the
    time limits and the document list appear nowhere in the package's Python."""
    forbidden = [r"\b10300\b", r"\b10[ ,_]300\b", r"\b60000\b", r"\b60[ ,_]000\b", r"KZREX",
                 r"\[0-9\]\{12\}", r"DDMMYYYY", r"state_registration_certificate"]
    offenders = []
    for folder in ("api", "engine", "facts", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if '"""' in line or code.strip().startswith(("'", '"')):
                    continue  # docstrings and messages may name them as examples
                if any(re.search(p, code) for p in forbidden):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize(("start", "years", "days", "expected"), [
    ("2021-06-14", 5, 0, "2026-06-14"),   # the same day and month
    ("2021-06-14", 5, 1, "2026-06-15"),   # then the days
    ("2024-02-29", 5, 0, "2029-02-28"),   # no 29 February that year: the month's last day
    ("2024-02-29", 4, 0, "2028-02-29"),   # a leap year again: the same day
    ("2023-12-31", 3, 1, "2027-01-01"),
])
def test_add_years_counts_calendar_years_then_days(start, years, days, expected):
    got = functions.add_years(day_number(dt.date.fromisoformat(start)), years, days)
    assert got == day_number(dt.date.fromisoformat(expected))
    assert functions.add_years(None, years, days) is None


def test_add_years_takes_the_years_in_force_on_the_date_it_counts_from(tmp_path):
    """A period lengthened from a day applies to the items kept from that day: an item
    received before keeps the old period (and its rule is judged by the old law)."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("tests"))
    params = rules / "order-244" / "parameters.yaml"
    name = "documents_retention_years"
    old = parameter_line(Checker(ROOT / "rules").ruleset, name)
    head, block = params.read_text(encoding="utf-8").split(f"  {name}:\n")
    assert old in block
    block = block.replace(old, old + "      - {from: 2023-01-01, value: 40}\n", 1)
    params.write_text(f"{head}  {name}:\n{block}", encoding="utf-8")
    checker = Checker(rules)
    case = {"case": "K-1", "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
            "kept_items": [{"ref": "K1", "kind": "application", "received": "2022-12-30"},
                           {"ref": "K2", "kind": "application", "received": "2023-01-02"}]}
    values = {(v.document, v.field): v.value
              for v in checker.check(case, dt.date(2026, 6, 1), explain=True).computed}
    before = law_value(checker.ruleset, name, dt.date(2022, 12, 30))
    assert values[("kept_item K1", "may_destroy_from")] == f"{2022 + before}-12-31"
    assert values[("kept_item K2", "may_destroy_from")] == "2063-01-03"

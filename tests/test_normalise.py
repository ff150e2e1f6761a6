"""Engine facts are the validated case, flattened: checked against pydantic's own dump.

`normalise.case_facts` reads validated attributes directly for speed. The reference here takes
the slow, obvious road (pydantic's `model_dump`, then a recursive walk), so any value the fast
path converts differently, drops or invents shows up as a difference.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal

import pytest
from conftest import EXAMPLES, ROOT
from rexcheck.engine.core.normalise import SHORT, TYPE_KEY, case_facts, cents, day_number
from rexcheck.facts.base.yamlsource import Positions
from rexcheck.facts.catalog import BASE_TYPES, CHILD_TYPES, NOT_ASSERTED
from rexcheck.facts.loader import load_case_file, parse_case

sys.path.insert(0, str(ROOT / "bench"))

import generate


def _walk(data: dict, prefix: str, out: dict) -> None:
    for name, value in data.items():
        key = prefix + name
        if isinstance(value, dict):
            _walk(value, key + "__", out)
        elif isinstance(value, bool):
            out[key] = value
        elif isinstance(value, dt.date):
            out[key] = day_number(value)
        elif isinstance(value, Decimal):
            out[key] = cents(value)
        elif isinstance(value, list):
            if value and not isinstance(value[0], dict):
                out[key] = sorted({str(v) for v in value})
        else:
            out[key] = value


def reference_facts(case) -> list[dict]:
    facts = []
    for fact_type, (_, list_name) in BASE_TYPES.items():
        records = getattr(case, list_name)
        records = records if isinstance(records, list) else [records]
        children = [(c, lst) for c, (parent, lst, _) in CHILD_TYPES.items() if parent == fact_type]
        skip = {n for t, n in NOT_ASSERTED if t == fact_type} | {lst for _, lst in children}
        for i, record in enumerate(records, start=1):
            fact: dict = {}
            _walk(record.model_dump(exclude=skip or None, exclude_none=True), "", fact)
            ref = record.ref if fact_type != "exporter" else None
            ref = ref or (SHORT[fact_type] if fact_type == "exporter"
                          else f"{SHORT[fact_type]}#{i}")
            fact.update({"ref": ref, TYPE_KEY: fact_type})
            facts.append(fact)
            for child_type, lst in children:
                for j, child in enumerate(getattr(record, lst), start=1):
                    child_fact: dict = {}
                    _walk(child.model_dump(exclude_none=True), "", child_fact)
                    child_fact.update({"ref": f"{ref}/{lst}-{j}", fact_type: ref,
                                       TYPE_KEY: child_type})
                    facts.append(child_fact)
    numbers = {f["ref"]: f["number"] for f in facts if f[TYPE_KEY] == "registration"}
    refs = {}
    for f in facts:
        if f[TYPE_KEY] == "registration":
            refs.setdefault(f["number"], f["ref"])
    for f in facts:  # a document names its registration by ref or number: it gets both
        if f[TYPE_KEY] in ("change_report", "revocation_request", "verification_request"):
            if "registration" in f and "registration_number" not in f and f["registration"] in numbers:
                f["registration_number"] = numbers[f["registration"]]
            elif "registration_number" in f and "registration" not in f and f["registration_number"] in refs:
                f["registration"] = refs[f["registration_number"]]
    return sorted(facts, key=lambda f: (f[TYPE_KEY], f["ref"]))


def _cases():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        yield from load_case_file(path)[0]
    for line in generate.lines(1500, seed=5):
        data = json.loads(line)
        yield parse_case(data, Positions("<generated>"))


def test_engine_facts_equal_the_flattened_dump_key_for_key_and_in_order():
    compared = 0
    for case in _cases():
        fast, slow = case_facts(case), reference_facts(case)
        assert fast == slow, case.case
        # the same key order too: the JSON the engine gets is the same text
        assert [list(f) for f in fast] == [list(f) for f in slow], case.case
        compared += len(fast)
    assert compared > 5000


def test_dates_amounts_and_lists_are_converted_for_the_engine():
    case = parse_case({
        "case": "N-1",
        "exporter": {"tin": "KZ010140000123", "name": " Altyn Dala ", "hs_codes": ["1001", "1001"]},
        "consignments": [{"ref": "C1", "destination": "CH",
                          "value": {"amount": "10300.005", "currency": "CHF"},
                          "statement": {"date": "2026-03-16", "document": "invoice"}}],
    }, Positions("<test>"))
    facts = {f["ref"]: f for f in case_facts(case)}
    assert facts["exporter"]["name"] == "Altyn Dala"
    assert facts["exporter"]["hs_codes"] == ["1001"]
    consignment = facts["C1"]
    assert consignment["value__amount"] == 1030001  # cents, half up
    assert consignment["statement__date"] == day_number(dt.date(2026, 3, 16))
    assert "rex_number" not in str(consignment)  # a missing value is left out, not null
    with pytest.raises(KeyError):
        consignment["exchange_rates"]


def _edge_case(**changes) -> dict:
    case = {
        "case": "E-1",
        "exporter": {"tin": "KZ010140000123", "name": "Edge", "hs_codes": ["1001"],
                     "activity": []},
        "applications": [{"ref": "A1", "received": "2024-02-29", "channel": "post",
                          "languages": ["en"], "goods": [], "documents": ["b", "a", "b"],
                          "representative": {"name": "R", "power_of_attorney": False},
                          "declarations": {"revocation_cause_corrected": False},
                          "decision": {"outcome": "registered", "date": "2024-03-01"}}],
        "registrations": [
            {"ref": "R1", "number": "KZREX001290220240001", "registered": "0999-12-31",
             "valid_from": "2024-02-29"},
            {"ref": "R2", "number": "KZREX001290220230001", "registered": "2023-03-01",
             "valid_from": "2023-03-01"},
            {"number": "NOT-A-P6-NUMBER", "registered": "2023-03-01",
             "valid_from": "2023-03-01"}],
        "consignments": [
            {"ref": "C1", "destination": "CH", "value": {"amount": "0.005", "currency": "CHF"}},
            {"ref": "C2", "destination": "NO", "value": {"amount": "10.125", "currency": "EUR"},
             "exchange_rates": [{"currency": "EUR", "to": "NOK", "rate": "11.4"},
                                {"currency": "USD", "to": "CHF", "rate": "0.9"}],
             "statement": {"date": "2024-02-29", "document": "cmr", "pages": 3}},
            {"destination": "CH", "value": {"amount": "0.004", "currency": "NOK"}}],
    }
    case.update(changes)
    return case


def test_edge_values_come_out_as_the_reference_makes_them():
    case = parse_case(_edge_case(), Positions("<test>"))
    fast, slow = case_facts(case), reference_facts(case)
    assert fast == slow
    assert [list(f) for f in fast] == [list(f) for f in slow]
    by_ref = {f["ref"]: f for f in fast}
    assert "activity" not in by_ref["exporter"]  # an empty list is left out
    assert by_ref["exporter"]["hs_codes"] == ["1001"]
    assert by_ref["A1"]["documents"] == ["a", "b"]
    assert by_ref["A1"]["received"] == day_number(dt.date(2024, 2, 29))
    assert by_ref["A1"]["representative__power_of_attorney"] is False
    assert "decision__notified" not in by_ref["A1"]
    assert by_ref["C1"]["value__amount"] == 1  # half a cent up
    assert by_ref["C2"]["statement__pages"] == 3
    assert by_ref["consignment#3"]["value__amount"] == 0


def test_cents_round_half_up_exactly():
    assert [cents(Decimal(a)) for a in ("0.005", "0.0049999", "-0.005", "1E+2", "12.345")] == \
        [1, 0, -1, 10000, 1235]


def test_a_value_of_a_type_the_engine_does_not_know_is_still_refused():
    class Day(dt.date):
        pass

    data = _edge_case()
    data["applications"][0]["received"] = Day(2024, 2, 29)  # pydantic keeps a date subclass
    case = parse_case(data, Positions("<test>"))
    from rexcheck.facts.base.errors import EngineFailure
    with pytest.raises(EngineFailure, match="field 'received' holds a Day"):
        case_facts(case)

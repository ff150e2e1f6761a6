"""Screening reads a valid JSON line in one pass (pydantic's JSON reader); the long way is kept
for every line that pass refuses, and names the field. Both ways must read a case alike.

`parse_case_json` is a fast path only: it may say "not valid" (None) and leave the reasons to
`parse_json_line` + `parse_case`, but it must never accept a line the long way refuses, nor
read one differently (values, amounts, the case digest that the audit block carries).
"""

from __future__ import annotations

import json
import sys

import pytest
from conftest import ROOT
from rexcheck.engine.services.audit import case_digest
from rexcheck.facts.base.errors import InvalidInput
from rexcheck.facts.loader import parse_case, parse_case_json
from rexcheck.facts.records import Record

sys.path.insert(0, str(ROOT / "bench"))

import generate

BASE = {"case": "F-1", "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
        "consignments": [{"ref": "C1", "destination": "CH",
                          "value": {"amount": 1, "currency": "EUR"},
                          "exchange_rates": [{"currency": "EUR", "to": "CHF", "rate": 0.94}]}]}

# numbers written every way JSON allows, and lines the two readers could take apart
AMOUNTS = ["1", "1.0", "-0.0", "0.005", "1E-7", "1.0000000000000000000001", "12500.00",
           '"12500.00"', "1e15", "1e16", "123456789012345678901234", "10300.0049", "1.03E+4",
           "NaN", "Infinity", "-1", '"abc"', "true", "null", "[]"]
ODD_LINES = [
    '{"case": "F-2", "case": "F-3", "exporter": {"tin": "KZ1", "name": "x"}}',  # key twice
    '{"case": "F-4", "exporter": {"tin": "KZ1", "name": "\\ud800"}}',  # lone surrogate
    '{"case": " F-5 ", "exporter": {"tin": " KZ1 ", "name": " x "}}',  # white space
    '{"case": "F-6", "exporter": {"tin": "KZ1", "name": "x"}, "applications": ['
    '{"ref": "A1", "received": "2026-03-16", "channel": "post", "languages": ["ru"]},'
    '{"ref": "A1", "received": "2026-03-16", "channel": "post", "languages": ["ru"]}]}',
    '{"case": "F-7", "exporter": {"tin": "KZ1", "name": "x"}, "applications": ['
    '{"received": "2026-02-30", "channel": "post", "languages": ["ru"]}]}',
    '{"case": "F-8", "exporter": {"tin": "KZ1", "name": "x"}, "applications": ['
    '{"received": 20260316, "channel": "post", "languages": ["ru"], "headings_covered": "3"}]}',
    '{"case": "F-9", "exporter": {"tin": "KZ1", "name": "x", "colour": "red"}}',
    "[1, 2]", "{not json", "",
]


def _lines():
    for amount in AMOUNTS:
        yield json.dumps(BASE).replace('"amount": 1', f'"amount": {amount}')
        yield json.dumps(BASE).replace('"rate": 0.94', f'"rate": {amount}')
    yield from ODD_LINES
    yield from generate.lines(1500, seed=21, fraction=0.05)


def _long_way(line: str):
    record = Record(1, "<line>", 1, text=line).parsed()
    if record.problem is not None:
        return None
    try:
        return parse_case(record.data, record.positions)
    except InvalidInput:
        return None


@pytest.mark.parametrize("line", list(_lines())[:60])
def test_an_odd_line_is_read_alike_both_ways(line):
    fast, slow = parse_case_json(line), _long_way(line)
    assert (fast is None) == (slow is None), line
    if fast is not None:
        assert fast == slow
        assert case_digest(fast) == case_digest(slow)


def test_a_population_is_read_alike_both_ways():
    accepted = refused = 0
    for line in _lines():
        fast, slow = parse_case_json(line), _long_way(line)
        assert (fast is None) == (slow is None), line
        if fast is None:
            refused += 1
            continue
        accepted += 1
        assert fast == slow, line
        assert fast.model_dump_json() == slow.model_dump_json(), line
    assert accepted > 1400 and refused > 50  # both ways were exercised

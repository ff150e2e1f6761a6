"""Result JSON: what screening writes with orjson is what pydantic writes for the same types.

The parts of a result are dataclasses (cheap to build) and `rexcheck screen` writes each
`CaseResult` with orjson for speed. These tests hold the fast writer to pydantic's
serialisation of the declared types, byte for byte, on the example cases and a generated
population with every kind of finding, so the JSON that screening systems read cannot drift
from the published schema (rexcheck.result/1).
"""

from __future__ import annotations

import dataclasses
import json
import sys

import pytest
from conftest import EXAMPLES, ROOT
from rexcheck.engine.services.result import _ADAPTER, Source
from rexcheck.engine.services.screening import _Worker, screen_all
from rexcheck.facts.records import read_records

sys.path.insert(0, str(ROOT / "bench"))

import generate


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    population = tmp_path_factory.mktemp("pop") / "population.jsonl"
    population.write_text("".join(line + "\n" for line in generate.lines(400, seed=11)),
                          encoding="utf-8")
    _Worker.start(None, None)
    inputs = [str(population)] + sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    return [result for record in read_records(inputs)
            for result, _ in screen_all(_Worker.checker, [record], None, "en")]


def test_screening_json_is_pydantics_json_of_the_result_byte_for_byte(screened):
    kinds = set()
    for result in screened:
        assert result.to_json_bytes() == _ADAPTER.dump_json(result)
        kinds.update((f.kind, f.deadline is not None, f.reading is not None)
                     for f in result.findings + result.notices + result.pending)
    # the comparison covered findings of every shape: with and without deadlines and readings
    assert {kind for kind, _, _ in kinds} >= {"refusal_ground", "late_step", "invalid_statement",
                                              "revocation_ground", "flag"}
    assert {(d, r) for _, d, r in kinds} >= {(True, False), (False, True), (False, False)}


def test_screening_json_keeps_non_ascii_text_as_is(screened):
    line = next(r.to_json_bytes().decode() for r in screened
                if any(ord(ch) > 127 for ch in r.to_json_bytes().decode()))
    assert "\\u04" not in line  # Cyrillic written as itself, as pydantic writes it
    json.loads(line)


def test_a_value_orjson_cannot_write_goes_through_pydantic(screened):
    huge = dataclasses.replace(screened[0], source=Source("x", 1, 2**70))
    assert json.loads(huge.to_json_bytes())["source"]["record"] == 2**70

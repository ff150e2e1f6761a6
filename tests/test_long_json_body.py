"""Issue 13 item 5 over HTTP: a request body of compact JSON on a line longer than the YAML
reader takes is read as JSON, and then refuses what the YAML reader refuses (a key given twice
above all: JSON readers keep the last value without a word), never decides on it.

The clean case of conftest is padded past the line limit with white space (still one line)."""

from __future__ import annotations

import json

import pytest
from conftest import AS_OF, CLEAN_CASE, ROOT
from rexcheck.engine.web.service import case_item
from rexcheck.facts.base.yamlsource import MAX_LINE_CHARS
from serving import Server

PAD = " " * (MAX_LINE_CHARS + 1)
CLEAN = json.dumps(CLEAN_CASE | {"as_of": AS_OF}, default=str)
KEPT = '"channel": "electronic"'
assert KEPT in CLEAN
# the application given by fax (a ground of refusal), then, far along the line, the same key
# again with a channel p.4 allows: a reader that keeps the last would register it
TWICE = CLEAN.replace(KEPT, '"channel": "fax",' + PAD + KEPT)
SCENARIO = (ROOT / "examples/whatif/raise-chf-threshold.yaml").read_text(encoding="utf-8")


def test_the_padded_line_is_longer_than_the_yaml_reader_takes():
    assert max(len(line) for line in TWICE.splitlines()) > MAX_LINE_CHARS


def test_a_long_line_without_a_key_given_twice_is_still_read():
    padded = CLEAN.replace(KEPT, PAD + KEPT)
    item = case_item(padded.encode())
    assert item.problems is None and item.case is not None
    assert item.case.applications[0].channel == "electronic"


def test_a_key_given_twice_on_a_long_line_is_refused_with_its_field():
    item = case_item(TWICE.encode())
    assert item.case is None
    [problem] = item.problems
    assert problem.code == "duplicate-key"
    assert problem.field == "applications.0.channel"
    assert problem.column == TWICE.index(KEPT) + 1  # where the key is given the second time


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_on_a_long_line_are_refused(constant):
    anchor = '"consent_to_publication": true'  # a field of the application, as is theirs
    assert anchor in CLEAN
    text = CLEAN.replace(anchor, anchor + "," + PAD + f'"headings_covered": {constant}')
    item = case_item(text.encode())
    assert item.case is None and item.problems
    assert item.problems[0].code == "json", item.problems


def test_too_many_entries_on_a_long_line_are_refused_at_the_limit():
    case = dict(CLEAN_CASE)
    text = json.dumps(case | {"applications": [{}] * 10_001}, default=str)
    text = text.replace('"case"', PAD + '"case"')
    item = case_item(text.encode())
    assert item.case is None
    assert [p.code for p in item.problems] == ["too-many-values"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("serve-long"))
    yield running
    running.stop()


def test_over_http_check_refuses_a_key_given_twice_on_a_long_line(server):
    with server.client() as http:
        response = http.post("/v1/check", content=TWICE.encode(),
                             headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text[:500]
        data = response.json()
        assert data["outcome"] == "error"
        assert [(p["code"], p["field"]) for p in data["errors"]] == [
            ("duplicate-key", "applications.0.channel")]
        # the same case without the key given twice is refused for the fax, not registered
        fax = CLEAN.replace(KEPT, '"channel": "fax"')
        response = http.post("/v1/check", content=fax.encode(),
                             headers={"Content-Type": "application/json"})
        assert response.status_code == 200 and response.json()["outcome"] != "register"


def test_over_http_whatif_refuses_a_population_with_a_key_given_twice(server):
    body = ('{"scenario": ' + json.dumps(SCENARIO) + ', "population": [' + TWICE + "]}")
    with server.client() as http:
        response = http.post("/v1/whatif", content=body.encode(),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text[:500]
    assert "duplicate-key" in response.text

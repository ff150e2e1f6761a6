"""Properties of screening odd but parseable JSON lines: random bytes inside lines, a BOM, CRs,
CRLF line ends, keys given twice, NULs. Whatever the bytes: one result per record (in == out),
no traceback; a record with a key given twice or a NUL is refused (an error, never a decision);
a record made odd only in how it is written (a BOM, a CR between tokens, CRLF) gets the
decision of the same record written plainly.
"""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rexcheck.cli.main import main
from rexcheck.facts.jsontext import duplicate_key, keys_unique

sys.path.insert(0, str(ROOT / "bench"))

import generate

BASE = list(generate.lines(30, seed=8))
AS_OF = "2026-05-01"
ODD_WRITING = ("plain", "cr", "crlf")  # written oddly, read as the plain line
REFUSED = ("duplicate", "nested-duplicate", "nul")



def errors_of(result: dict) -> str:
    """A result's errors as the located lines a user reads (`file:line:col: error: ...`)."""
    return "\n".join(
        f"{e.get('file')}:{e.get('line')}:{e.get('column')}: {e['severity']}: "
        + (f"field '{e['field']}': " if e.get("field") else "") + e["message"]
        + (f"; {e['hint']}" if e.get("hint") else "") + f" [{e['code']}]"
        for e in result["errors"])

def screen(data: bytes):
    result = CliRunner().invoke(main, ["screen", "-", "--input-format", "jsonl", "--as-of",
                                       AS_OF], input=data)
    return result


def decision(result: dict) -> dict:
    """A result without what says where the record was (its number, line and source)."""
    return {k: v for k, v in result.items() if k not in ("record", "line", "source")}


@pytest.fixture(scope="module")
def plain_decisions() -> dict[str, dict]:
    result = screen("".join(line + "\n" for line in BASE).encode())
    results = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(results) == len(BASE)
    return {line: decision(r) for line, r in zip(BASE, results, strict=True)}


@st.composite
def odd_record(draw) -> tuple[str, str, bytes]:
    base = draw(st.sampled_from(BASE))
    line = base.encode()
    kind = draw(st.sampled_from(ODD_WRITING + REFUSED + ("bytes",)))
    if kind == "bytes":
        at = draw(st.integers(0, len(line)))
        junk = draw(st.binary(min_size=1, max_size=4).filter(lambda b: b"\n" not in b))
        line = line[:at] + junk + line[at:]
    elif kind == "duplicate":
        line = b'{"case": "X-DUP", ' + line[1:]
    elif kind == "nested-duplicate":
        line = line.replace(b'"tin": "', b'"tin": "KZ000000000000", "tin": "', 1)
    elif kind == "nul":
        line = line.replace(b'"name": "', b'"name": "\\u0000', 1)
    elif kind == "cr":  # a CR between two tokens: white space to JSON, no line end here
        line = line.replace(b'", "', b'",\r "', 1)
    ending = b"\r\n" if kind == "crlf" else b"\n"
    return kind, base, line + ending


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(odd_record(), min_size=1, max_size=6), bom=st.booleans(),
       blank=st.sampled_from([b"", b"\n", b"  \r\n"]))
def test_odd_json_lines_give_one_result_each_and_no_decision_they_do_not_earn(
        plain_decisions, records, bom, blank):
    data = (b"\xef\xbb\xbf" if bom else b"") + blank.join(line for _, _, line in records)
    result = screen(data)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert result.exit_code in (0, 1, 2)
    results = [json.loads(x) for x in result.stdout.splitlines()]
    summary = json.loads(result.stderr.strip().splitlines()[-1])["summary"]
    assert len(results) == summary["records_in"] == summary["results_out"] == len(records)
    assert [r["source"]["record"] for r in results] == list(range(1, len(records) + 1))
    for (kind, base, _), got in zip(records, results, strict=True):
        if kind in REFUSED:
            assert got["outcome"] == "error", (kind, got)
            assert "[duplicate-key]" in errors_of(got) or "NUL" in errors_of(got)
        elif kind in ODD_WRITING:
            assert decision(got) == plain_decisions[base], kind


# --- the duplicate-key test itself -----------------------------------------------------------

texts = st.text(alphabet=st.sampled_from('ab:"\\\u00e9\u0430 \n/'), max_size=6)
values = st.recursive(st.none() | st.booleans() | st.integers() | texts,
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(texts, inner, max_size=3), max_leaves=12)
objects = st.dictionaries(texts, values, min_size=1, max_size=5)
writers = st.sampled_from([{}, {"ensure_ascii": False}, {"separators": (",", ":")},
                           {"indent": 1}])


@given(obj=objects, writer=writers)
def test_a_json_text_without_a_key_given_twice_is_certified_or_walked_clean(obj, writer):
    text = json.dumps({"outer": obj, "list": [obj]}, **writer)
    assert keys_unique(text) or duplicate_key(text) is None


@given(obj=objects, writer=writers, value=values, nested=st.booleans())
def test_a_key_given_twice_is_never_certified_and_always_found(obj, writer, value, nested):
    key = next(iter(obj))
    body = json.dumps(obj, **writer)
    twice = "{" + json.dumps(key) + ": " + json.dumps(value) + ", " + body[1:].lstrip()
    text = '{"outer": ' + twice + "}" if nested else twice
    assert not keys_unique(text)
    found = duplicate_key(text)
    assert found is not None and found.key == key
    assert found.path == (("outer",) if nested else ())


# --- the fast path's certificate: a case's canonical JSON tells that no key was given twice ---

def _objects(value, path=()):
    """(path, key) of every key of every object in a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield path, key
            yield from _objects(inner, path + (key,))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _objects(inner, path + (i,))


def _written(value, path, target, extra, sep):
    """`value` as JSON text, with `extra` (key, value) written once more in the object at
    `target`, before its other keys."""
    if isinstance(value, dict):
        items = [(json.dumps(k, ensure_ascii=False), _written(v, path + (k,), target, extra, sep))
                 for k, v in value.items()]
        if path == target:
            items.insert(0, (json.dumps(extra[0]), json.dumps(extra[1], ensure_ascii=False)))
        return "{" + ", ".join(f"{k}{sep}{v}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_written(v, path + (i,), target, extra, sep)
                               for i, v in enumerate(value)) + "]"
    return json.dumps(value, ensure_ascii=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), sep=st.sampled_from([":", ": ", " : ", ":\t"]))
def test_a_case_with_a_key_given_twice_never_takes_the_fast_path(data, sep):
    """Whatever key of a valid case is given twice (its own value first, or a text with
    colons in it), written compactly or not, the fast path (pydantic's reader, which keeps the
    last value) is refused, and the long way names the key."""
    from rexcheck.facts.loader import read_case_json

    case = json.loads(data.draw(st.sampled_from(BASE)))
    path, key = data.draw(st.sampled_from(list(_objects(case))))
    inner = case
    for part in path:
        inner = inner[part]
    first = data.draw(st.sampled_from([inner[key], "a:b:c", "", 0, None, True]))
    text = _written(case, (), path, (key, first), sep)
    assert read_case_json(text) is None
    assert duplicate_key(text) is not None


@settings(max_examples=60, deadline=None)
@given(line=st.sampled_from(BASE), sep=st.sampled_from([":", ": ", " : "]))
def test_a_valid_case_written_any_way_takes_the_fast_path_with_its_digest(line, sep):
    from rexcheck.engine.services.audit import case_digest
    from rexcheck.facts.loader import read_case_json

    case = json.loads(line)
    text = _written(case, (), None, None, sep)
    read = read_case_json(text)
    assert read is not None
    assert read[1].digest == case_digest(read[0])

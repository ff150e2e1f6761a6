"""Issue 13, "Done when": odd but parseable records (blank or invisible text, look-alike and
lower-case identifiers, links by ref instead of by number) never get an outcome more
favourable to the applicant than the same record with the odd field removed (or written
plainly), and in == out with no traceback when they are screened.

tests/test_input_properties.py holds the odd *writing* (bytes, BOM, CR, keys given twice, NUL);
this file holds odd *values*. Each record is judged through the Python API and screened
through the command line, and both must agree.
"""

from __future__ import annotations

import copy
import json
import sys

from click.testing import CliRunner
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rexcheck.cli.main import main

sys.path.insert(0, str(ROOT / "bench"))

import generate

BASE = [json.loads(line) for line in generate.lines(60, seed=13)]
# outcomes that go against the applicant, and those in its favour (rules/law.yaml documents)
AGAINST = {"refuse", "invalid", "revoked", "refuse_change", "revoke", "apply_to_revoke",
           "not_covered", "cannot_check"}
FOR = {"register", "valid", "apply_change", "do_not_revoke", "confirm", "no_verification"}
BLANKS = ["", " ", "  \t ", "\u00a0", "\u3000"]
INVISIBLE = ["\u200b", "\u200d", "\ufeff", "\u202e", "\u2060", " \u200b "]
LOOKALIKE = {"K": "\u041a", "Z": "\u0396", "A": "\u0410", "E": "\u0415", "X": "\u0425"}
OPTIONAL_TEXTS = [("applications", "contact"), ("applications", "address"),
                  ("applications", "exporter_name")]


def _judge(checker, case: dict):
    return checker.check(case)


def _outcomes(result) -> dict[str, str]:
    return {o.document: o.outcome for o in result.outcomes}


def _not_more_favourable(odd, plain) -> None:
    """Each document's outcome on the odd record is no better for the applicant than on the
    plain one; an odd record refused as a whole (error) has no outcome at all."""
    if odd.outcome == "error":
        return
    plain_outcomes = _outcomes(plain)
    for document, outcome in _outcomes(odd).items():
        if plain_outcomes.get(document) in AGAINST:
            assert outcome not in FOR, (document, outcome, plain_outcomes[document])
    if plain.outcome in AGAINST:
        assert odd.outcome not in FOR, (odd.outcome, plain.outcome)


@st.composite
def odd_case(draw) -> tuple[str, dict, dict]:
    """(kind, odd record, the record it is compared with)."""
    base = copy.deepcopy(draw(st.sampled_from(BASE)))
    kind = draw(st.sampled_from(["blank", "invisible", "lookalike", "lower", "by-ref"]))
    odd, plain = copy.deepcopy(base), copy.deepcopy(base)
    if kind in ("blank", "invisible"):
        where, name = draw(st.sampled_from(OPTIONAL_TEXTS))
        i = draw(st.integers(0, len(odd[where]) - 1))
        value = draw(st.sampled_from(BLANKS if kind == "blank" else INVISIBLE))
        if kind == "invisible" and draw(st.booleans()) and odd[where][i].get(name):
            value = odd[where][i][name][:3] + value + odd[where][i][name][3:]  # hidden inside
        odd[where][i][name] = value
        plain[where][i].pop(name, None)
    elif kind in ("lookalike", "lower"):
        ids = [("exporter", None, "tin")] + [
            (where, i, name) for where in ("applications", "registrations")
            for i, record in enumerate(odd.get(where, []))
            for name in ("tin", "holder_tin", "number") if record.get(name)]
        where, i, name = draw(st.sampled_from(ids))
        record = odd[where] if i is None else odd[where][i]
        if kind == "lower":
            record[name] = record[name].lower()
        else:
            letters = [c for c in LOOKALIKE if c in record[name]]
            if letters:
                letter = draw(st.sampled_from(letters))
                record[name] = record[name].replace(letter, LOOKALIKE[letter], 1)
            else:
                record[name] += "\u200b"
    else:  # a link by the registration's ref instead of its number
        links = [(where, i) for where in ("revocation_requests", "verification_requests",
                                          "change_reports")
                 for i, record in enumerate(odd.get(where, []))
                 if record.get("registration_number") and record.get("registration")]
        if links:
            where, i = draw(st.sampled_from(links))
            odd[where][i].pop("registration_number")
    return kind, odd, plain


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=odd_case())
def test_an_odd_value_never_earns_a_better_outcome_than_leaving_it_out(checker, record):
    kind, odd, plain = record
    got, reference = _judge(checker, odd), _judge(checker, plain)
    assert reference.outcome != "error" or kind == "blank", reference.errors
    if kind in ("invisible", "lookalike"):
        assert got.outcome == "error", (kind, got.outcome)
        assert got.errors[0].code in ("invisible", "identifier"), got.errors
    elif kind in ("lower", "by-ref") or (kind == "blank" and reference.outcome != "error"):
        # written oddly, read as the plain record: the same decision
        assert (got.outcome, _outcomes(got)) == (reference.outcome, _outcomes(reference)), kind
    _not_more_favourable(got, reference)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(odd_case(), min_size=1, max_size=8))
def test_screening_odd_values_gives_one_result_each_as_the_api_does(checker, records):
    data = "".join(json.dumps(odd, ensure_ascii=False) + "\n" for _, odd, _ in records)
    run = CliRunner().invoke(main, ["screen", "-", "--input-format", "jsonl"],
                             input=data.encode())
    assert run.exception is None or isinstance(run.exception, SystemExit), run.exception
    assert run.exit_code in (0, 1, 2)
    assert "Traceback" not in run.stdout + run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines()]
    summary = json.loads(run.stderr.strip().splitlines()[-1])["summary"]
    assert len(results) == summary["records_in"] == summary["results_out"] == len(records)
    for (_, odd, _), screened in zip(records, results, strict=True):
        assert screened["outcome"] == _judge(checker, odd).outcome

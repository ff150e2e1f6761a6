"""The generated population: reproducible, screened with in == out, and rexcheck agrees with the
independent plain-Python checker (bench/baseline.py) on the subset of rules it implements (a
differential test)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

from click.testing import CliRunner
from conftest import ROOT, law_value, parameter_line

sys.path.insert(0, str(ROOT / "bench"))

import baseline
import generate
from rexcheck.cli.main import main
from rexcheck.engine.services.checker import Checker
from rexcheck.engine.services.screening import screen
from rexcheck.facts.records import read_records


def _generate(*args: str) -> bytes:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), *args],
                          check=True, capture_output=True).stdout


def test_generator_is_reproducible_and_seeded():
    one = _generate("--cases", "200", "--seed", "7", "--malformed", "0.05")
    assert one == _generate("--cases", "200", "--seed", "7", "--malformed", "0.05")
    assert one != _generate("--cases", "200", "--seed", "8", "--malformed", "0.05")
    lines = one.decode("utf-8").splitlines()
    assert len(lines) == 200 and one.endswith(b"\n")
    # the same cases as the library function gives, and case i does not depend on N
    assert lines == list(generate.lines(200, seed=7, fraction=0.05))
    assert list(generate.lines(50, seed=7)) == list(generate.lines(200, seed=7))[:50]
    ids = [json.loads(x)["case"] for x in generate.lines(2000, seed=7)]
    assert len(set(ids)) == 2000


def test_generated_dates_stay_within_the_calendar():
    for line in generate.lines(2000, seed=11):
        for date in _dates(json.loads(line)):
            assert "2021-06-01" <= date <= "2026-10-31", date


def _dates(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _dates(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dates(value)
    elif isinstance(node, str) and len(node) == 10 and node[4] == node[7] == "-":
        yield node


def test_rexcheck_and_the_baseline_agree_on_the_subset(tmp_path):
    path = tmp_path / "population.jsonl"
    lines = list(generate.lines(300, seed=3))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = [json.loads(item.line)
               for item in screen(read_records([str(path)]), None, None, workers=1)]
    assert len(results) == 300
    # every generated case is valid and consistent, and every document in it gets an outcome
    assert [(r["case"], r["errors"]) for r in results if r["errors"]] == []
    assert {r["outcome"] for r in results}.isdisjoint({"error", "undetermined"})
    mismatches = []
    fired = set()
    for result, line in zip(results, lines, strict=True):
        want = baseline.check(json.loads(line))
        fired |= {f[0] for f in want}
        if baseline.from_rexcheck(result) != want:
            mismatches.append((result["source"]["record"], result["case"],
                               baseline.from_rexcheck(result), want))
    assert mismatches == []
    assert len(fired) >= 28  # the population exercises most of the subset


def test_every_generated_case_is_judged_on_or_after_its_last_date():
    for line in generate.lines(2000, seed=13):
        case = json.loads(line)
        assert max(_dates(case)) <= case["as_of"], case["case"]


def test_generated_documents_link_by_number_when_the_case_gives_no_refs():
    cases = [json.loads(x) for x in generate.lines(3000, seed=17)]
    no_refs = [c for c in cases if "registrations" in c and "ref" not in c["registrations"][0]]
    assert no_refs
    for case in no_refs:
        number = case["registrations"][0]["number"]
        assert "application" not in case["registrations"][0]
        for kind in ("change_reports", "verification_requests", "revocation_requests"):
            for document in case.get(kind, []):
                assert "registration" not in document and "verification" not in document
                assert document["registration_number"] == number


def test_the_baseline_reads_default_refs_and_goods_items(checker):
    case = {"case": "X", "as_of": "2026-03-20", "exporter": {"tin": "KZ000000000001", "name": "N"},
            "applications": [{"received": "2026-03-16", "channel": "fax", "languages": ["en"],
                              "goods": [{"description": "d", "hs_code": "1001",
                                         "meets_origin_rules": False}],
                              "decision": {"outcome": "registered", "date": "2026-03-17"}}]}
    want = sorted([
        ("R244-8-1-channel", "application", "application#1"),
        ("R244-8-1-no-kazakh-or-russian", "application", "application#1"),
        ("R244-8-1-incomplete", "application", "application#1"),
        ("R244-8-1-obligations-not-certified", "application", "application#1"),
        ("R244-8-2-no-documents", "application", "application#1"),
        ("R244-8-3-origin", "goods_item", "application#1/goods-1"),
        ("R244-8-registered-despite-ground", "application", "application#1"),
    ])
    assert baseline.check(case) == want
    assert baseline.from_rexcheck(checker.check(case).to_dict()) == want


def test_the_baseline_reads_the_values_of_the_law_from_the_packs(checker):
    law = baseline.SHIPPED.law
    # the thresholds and the structure of the number are the packs' parameters, by date
    assert law.thresholds["CH"][:2] == ("CHF", "statement_threshold_chf")
    assert law.thresholds["NO"][:2] == ("NOK", "statement_threshold_nok")
    for name in ("statement_threshold_chf", "statement_threshold_nok"):  # as rexcheck reads them
        assert law.parameter(name, dt.date(2026, 1, 1)) == law_value(
            checker.ruleset, name, dt.date(2026, 1, 1))
    parts = law.parameter(law.number_structure, dt.date(2026, 1, 1))
    assert [p["name"] for p in parts] == ["country", "system", "region", "date", "serial"]
    assert law.date_format == "DDMMYYYY" and law.few_headings == 20
    assert law.channels == {"post", "in_person", "electronic"}
    # no rule of Order 244 judges a document dated before the Order was in force
    assert not law.refusal.in_force(dt.date(2021, 4, 10))
    assert law.refusal.in_force(dt.date(2021, 4, 11))


ADDED_VALUE = "      - {from: 2024-01-01, value: 10000}\n"  # after the first value in force
CHANGED_STRUCTURE = """
          - {name: serial, digits: 4}
      - from: 2025-01-01
        value:
          - {name: country, text: KZ}
          - {name: system, text: REX}
          - {name: region, digits: 3}
          - {name: date, digits: 8}
          - {name: serial, digits: 5}"""


def _consignment(ref: str, amount: str, date: str) -> dict:
    return {"ref": ref, "destination": "CH", "value": {"amount": amount, "currency": "CHF"},
            "statement": {"date": date, "document": "invoice", "language": "en",
                          "hs_code": "1001", "goods_description": "Durum wheat"}}


def test_a_value_changed_in_the_packs_changes_both_sides(tmp_path, checker):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    params = rules / "order-244" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    first = parameter_line(checker.ruleset, "statement_threshold_chf", 0)
    assert first in text
    text = text.replace(first, first + ADDED_VALUE, 1)
    text = text.replace("\n          - {name: serial, digits: 4}", CHANGED_STRUCTURE, 1)
    params.write_text(text, encoding="utf-8")
    case = {"case": "P-1", "as_of": "2025-12-31",
            "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
            "registrations": [{"ref": "R1", "number": "KZREX7500106202500012",
                               "registered": "2025-06-01", "valid_from": "2025-06-01"}],
            "consignments": [_consignment("C1", "10000.00", "2024-06-01"),
                             _consignment("C2", "10100.00", "2023-06-01"),
                             _consignment("C3", "10100.00", "2024-06-01")]}
    shipped = baseline.check(case)
    changed = baseline.Baseline(rules).check(case)
    assert shipped == [("R244-6-number-structure", "registration", "R1")]
    assert changed == [("R244-11-rex-number-required-ch", "consignment", "C3"),
                       ("R244-11-value-at-threshold", "consignment", "C1")]
    assert baseline.from_rexcheck(Checker().check(case).to_dict()) == shipped
    assert baseline.from_rexcheck(Checker(rules).check(case).to_dict()) == changed


def test_malformed_records_are_reported_by_number_and_in_equals_out(tmp_path):
    path = tmp_path / "population.jsonl"
    marked = list(generate.marked_lines(300, seed=5, fraction=0.08))
    path.write_text("".join(line + "\n" for line, _ in marked), encoding="utf-8")
    broken = [i for i, (_, bad) in enumerate(marked, start=1) if bad]
    assert len(broken) >= 10
    result = CliRunner().invoke(main, ["screen", str(path)])
    assert result.exit_code == 2
    results = [json.loads(x) for x in result.stdout.splitlines()]
    summary = json.loads(result.stderr.strip().splitlines()[-1])["summary"]
    assert summary["records_in"] == summary["results_out"] == len(results) == 300
    assert [r["source"]["record"] for r in results] == list(range(1, 301))
    errors = [r for r in results if r["outcome"] == "error"]
    assert [r["source"]["record"] for r in errors] == broken
    assert summary["errors"] == len(broken)
    for r in errors:  # each error names its record's file and line
        assert r["errors"] and all((e["file"], e["line"]) == (str(path), r["source"]["record"])
                                   for e in r["errors"])


# Values where the two checkers could read a case apart: each edge is a set of changes
# (path in the case -> value; None removes the field) to a generated case with a
# registration and statements on origin.
EDGES = [
    {("applications", 0, "tin"): " KZ123456789012 "}, {("applications", 0, "tin"): ""},
    {("applications", 0, "tin"): "kz123456789012"},  # identifiers are read in upper case
    {("applications", 0, "tin"): "KZ-123456789012"},
    {("applications", 0, "contact"): ""}, {("applications", 0, "contact"): "  "},
    {("applications", 0, "documents"): [" origin_documents", "state_registration_certificate"]},
    {("applications", 0, "documents"): []}, {("applications", 0, "documents"): None},
    {("applications", 0, "languages"): ["other"]},
    {("applications", 0, "representative"): {"name": " X ", "power_of_attorney": True}},
    {("applications", 0, "representative"): {"name": "X", "power_of_attorney": False}},
    {("applications", 0, "declarations"): {}}, {("applications", 0, "declarations"): None},
    {("applications", 0, "declarations", "signed"): None},
    {("applications", 0, "declarations", "cooperates"): False},
    {("applications", 0, "declarations", "previous_registration_revoked"): True},
    {("applications", 0, "activity"): []}, {("applications", 0, "goods"): []},
    {("applications", 0, "channel"): "email"},
    {("applications", 0, "information_accurate"): False},
    {("applications", 0, "goods", 0, "meets_origin_rules"): False},
    {("applications", 0, "decision", "outcome"): "refused"},
    {("applications", 0, "goods", 0, "hs_code"): "41", ("applications", 0, "headings_covered"): 1},
    {("applications", 0, "goods", 0, "hs_code"): "41", ("applications", 0, "headings_covered"): 20},
    {("applications", 0, "goods", 0, "hs_code"): "41", ("applications", 0, "headings_covered"): 21},
    {("applications", 0, "goods", 0, "hs_code"): "41"},
    {("applications", 0, "ref"): " Z1", ("registrations", 0, "application"): "Z1 "},
    # p.9: registered before this application, from another one or from none named
    {("registrations", 0, "application"): None, ("registrations", 0, "valid_from"): "2021-06-01"},
    # registered before the application came, revoked only after it was received (p.9)
    {("registrations", 0, "application"): None, ("registrations", 0, "valid_from"): "2021-06-01",
     ("registrations", 0, "revoked"): "2026-10-30", ("as_of",): "2026-10-31"},
    # ... or revoked before it, and given back by a court before it too (p.9 with p.20)
    {("registrations", 0, "application"): None, ("registrations", 0, "valid_from"): "2021-06-01",
     ("registrations", 0, "revoked"): "2021-06-02",
     ("registrations", 0, "revocation_cancelled_by_court"): "2021-06-03"},
    {("applications", 1): lambda case: dict(case["applications"][0], ref="A2",
                                            received=case["as_of"])},
    # box 5(2): a revocation the application does not declare
    {("registrations", 0, "revoked"): "2021-06-01"},
    {("registrations", 0, "number"): "KZREX750290220240001"},  # 29 February 2024: real
    {("registrations", 0, "number"): "KZREX750290220230001"},  # 29 February 2023: not
    {("registrations", 0, "number"): " kzrex750290220240000 "},
    {("registrations", 0, "number"): "KZREX75029022024001"},
    {("registrations", 0, "number"): "KZREX750010120210001",  # given back by a court (p.20)
     ("registrations", 0, "revocation_cancelled_by_court"): "2021-06-01"},
    {("consignments", 0, "value"): {"amount": "10300.0049", "currency": "CHF"},
     ("consignments", 0, "destination"): "CH"},
    {("consignments", 0, "value"): {"amount": "10300.005", "currency": "CHF"},
     ("consignments", 0, "destination"): "CH"},
    {("consignments", 0, "value"): {"amount": "1.03E+4", "currency": "CHF"},
     ("consignments", 0, "destination"): "CH"},
    {("consignments", 0, "value"): {"amount": 60000, "currency": "NOK"},
     ("consignments", 0, "destination"): "NO"},
    {("consignments", 0, "value"): {"amount": "10000", "currency": "EUR"},
     ("consignments", 0, "destination"): "CH",
     ("consignments", 0, "exchange_rates"): [{"currency": "EUR", "to": "CHF", "rate": "1.03"}]},
    {("consignments", 0, "value"): {"amount": "10000", "currency": "EUR"}},
    {("consignments", 0, "value"): {"amount": "20000", "currency": "CHF"},
     ("consignments", 0, "statement", "rex_number"): " "},
    {("consignments", 0, "value"): {"amount": "60000.01", "currency": "NOK"},
     ("consignments", 0, "destination"): "NO", ("consignments", 0, "statement", "rex_number"): None},
    {("consignments", 0, "value"): {"amount": "10000", "currency": "EUR"},
     ("consignments", 0, "destination"): "NO",
     ("consignments", 0, "exchange_rates"): [{"currency": "EUR", "to": "CHF", "rate": "1.03"}]},
    {("consignments", 0, "destination"): "DE",
     ("consignments", 0, "statement", "document"): "cmr"},
    {("consignments", 0, "ref"): " C9 ", ("consignments", 0, "statement"): None},
    {("consignments", 0, "statement", "rex_number"): ""},
    {("consignments", 0, "statement", "hs_code"): None},
    {("consignments", 0, "statement", "language"): None},
    {("consignments", 0, "statement", "pages"): 2, ("consignments", 0, "statement",
                                                    "pages_numbered"): None},
    {("consignments", 0, "statement"): None},
]

# Values rexcheck refuses, the record named: the baseline, which expects valid cases, is
# not asked about them.
REFUSED = [
    ({("applications", 0, "tin"): "KZ\uff11\uff12\uff13456789012"}, "applications.0.tin"),
    ({("registrations", 0, "number"): "KZREX\uff17\uff15\uff10290220240001"},
     "registrations.0.number"),
    ({("applications", 0, "representative"): {"name": "", "power_of_attorney": False}},
     "applications.0.representative.name"),
    ({("registrations", 0, "application"): "application-1"}, "registrations.0.application"),
    ({("consignments", 0, "exchange_rates"): [{"currency": "EUR", "to": "CHF", "rate": 1},
                                              {"currency": "EUR", "to": "CHF", "rate": 2}]},
     "consignments.0.exchange_rates"),
    ({("as_of",): "2021-06-01"}, "inconsistent-dates"),
]


def _set(case: dict, path: tuple, value) -> dict:
    """The case with the value at path (None: the field removed; a function: its value for
    the case; one past the end of a list: appended)."""
    node = case
    for key in path[:-1]:
        node = node[key]
    if callable(value):
        value = value(case)
    if value is None:
        node.pop(path[-1], None)
    elif isinstance(node, list) and path[-1] == len(node):
        node.append(value)
    else:
        node[path[-1]] = value
    return case


def _edge_cases(edges) -> list[dict]:
    base = next(c for c in map(json.loads, generate.lines(400, seed=1))
                if "registrations" in c and c["applications"][0].get("ref") == "A1"
                and len(c["applications"]) == 1 and c.get("consignments")
                and c["consignments"][0]["destination"] == "CH"
                and "rex_number" in c["consignments"][0].get("statement", {})
                and not {"change_reports", "verification_requests",
                         "revocation_requests"} & set(c))
    cases = []
    for n, changes in enumerate(edges):
        case = json.loads(json.dumps(base))
        for path, value in changes.items():
            _set(case, path, value)
        case["case"] = f"EDGE-{n}"
        cases.append(case)
    return cases


def _screened(tmp_path, cases) -> list[dict]:
    path = tmp_path / "edges.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases),
                    encoding="utf-8")
    return [json.loads(i.line) for i in screen(read_records([str(path)]), None, None)]


def test_edge_values_are_read_alike(tmp_path):
    cases = _edge_cases(EDGES)
    results = _screened(tmp_path, cases)
    assert [(r["case"], r["errors"]) for r in results if r["errors"]] == []
    assert [baseline.from_rexcheck(r) for r in results] == [baseline.check(c) for c in cases]
    # the edges reach most of the subset
    assert {f[0] for c in cases for f in baseline.check(c)} == set(baseline.SUBSET)


def test_edge_values_rexcheck_refuses_are_refused_with_the_field_named(tmp_path):
    results = _screened(tmp_path, _edge_cases([changes for changes, _ in REFUSED]))
    assert [r["outcome"] for r in results] == ["error"] * len(REFUSED)
    for result, (_, where) in zip(results, REFUSED, strict=True):
        assert where in {e["field"] for e in result["errors"]} | {
            e["code"] for e in result["errors"]}, result["errors"]

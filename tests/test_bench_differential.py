"""The generated population: reproducible, screened with in == out, and rexcheck agrees with the
independent plain-Python checker (bench/baseline.py) on the subset of rules it implements (a
differential test)."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import baseline
import generate
from rexcheck.cli.main import main
from rexcheck.engine.screening import screen
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
    assert [r["outcome"] for r in results if r["outcome"] == "error"] == []
    mismatches = []
    fired = set()
    for result, line in zip(results, lines):
        want = baseline.check(json.loads(line))
        fired |= {f[0] for f in want}
        if baseline.from_rexcheck(result) != want:
            mismatches.append((result["record"], result["case"],
                               baseline.from_rexcheck(result), want))
    assert mismatches == []
    assert len(fired) >= 15  # the population exercises most of the subset


def test_the_baseline_reads_default_refs_and_goods_items():
    case = {"case": "X", "exporter": {"tin": "KZ000000000001", "name": "N"},
            "applications": [{"received": "2026-03-16", "channel": "fax", "languages": ["en"],
                              "goods": [{"description": "d", "hs_code": "1001",
                                         "meets_origin_rules": False}],
                              "decision": {"outcome": "registered", "date": "2026-03-17"}}]}
    assert baseline.check(case) == sorted([
        ("R244-8-1-channel", "application", "application-1"),
        ("R244-8-1-no-kazakh-or-russian", "application", "application-1"),
        ("R244-8-1-incomplete", "application", "application-1"),
        ("R244-8-2-documents", "application", "application-1"),
        ("R244-8-3-origin", "goods_item", "application-1/goods-1"),
        ("R244-8-registered-despite-ground", "application", "application-1"),
    ])


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
    assert [r["record"] for r in results] == list(range(1, 301))
    errors = [r for r in results if r["outcome"] == "error"]
    assert [r["record"] for r in errors] == broken
    assert summary["errors"] == len(broken)
    for r in errors:  # each error names its record's line
        assert f"{path}:{r['record']}:" in r["error"]


EDGES = [  # (path in the case, value): values where the two checkers could read a case apart
    (("applications", 0, "tin"), " KZ123456789012 "), (("applications", 0, "tin"), ""),
    (("applications", 0, "tin"), "KZ\uff11\uff12\uff13456789012"),  # full-width digits
    (("applications", 0, "tin"), "kz123456789012"), (("applications", 0, "contact"), ""),
    (("applications", 0, "documents"), [" origin_documents", "state_registration_certificate"]),
    (("applications", 0, "documents"), []), (("applications", 0, "languages"), ["other"]),
    (("applications", 0, "representative"), {"name": "", "power_of_attorney": False}),
    (("applications", 0, "representative"), {"name": " X ", "power_of_attorney": True}),
    (("applications", 0, "declarations"), {}), (("applications", 0, "activity"), []),
    (("applications", 0, "goods"), []), (("applications", 0, "ref"), " Z1"),
    (("registrations", 0, "number"), "KZREX750290220240001"),  # 29 February 2024: real
    (("registrations", 0, "number"), "KZREX750290220230001"),  # 29 February 2023: not
    (("registrations", 0, "number"), "KZREX\uff17\uff15\uff10290220240001"),
    (("consignments", 0, "value"), {"amount": "10300.0049", "currency": "CHF"}),
    (("consignments", 0, "value"), {"amount": "10300.005", "currency": "CHF"}),
    (("consignments", 0, "value"), {"amount": "1.03E+4", "currency": "CHF"}),
    (("consignments", 0, "value"), {"amount": 60000, "currency": "NOK"}),
    (("consignments", 0, "ref"), " C9 "),
    (("consignments", 0, "statement", "rex_number"), ""),
]


def _set(case: dict, path: tuple, value) -> dict:
    node = case
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return case


def test_edge_values_are_read_alike(tmp_path):
    base = next(json.loads(x) for x in generate.lines(200, seed=1)
                if '"registrations"' in x and '"rex_number"' in x)
    cases = []
    for n, (path, value) in enumerate(EDGES):
        case = _set(json.loads(json.dumps(base)), path, value)
        if path[0] == "consignments":
            case["consignments"][0]["destination"] = value.get("currency", "CHF")[:2] \
                if isinstance(value, dict) else "CH"
        case["case"] = f"EDGE-{n}"
        cases.append(case)
    path = tmp_path / "edges.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases),
                    encoding="utf-8")
    results = [json.loads(i.line) for i in screen(read_records([str(path)]), None, None)]
    assert [r["error"] for r in results] == [None] * len(cases)
    assert [baseline.from_rexcheck(r) for r in results] == [baseline.check(c) for c in cases]

"""The generated population: reproducible, screened with in == out, and rexcheck agrees with the
independent plain-Python checker on the subset of rules it implements (a differential test)."""

from __future__ import annotations

import json
import sys

from click.testing import CliRunner
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import baseline
import generate
from rexcheck.cli.main import main


def test_generator_is_reproducible_and_seeded():
    one = list(generate.lines(50, seed=7))
    assert one == list(generate.lines(50, seed=7))
    assert one != list(generate.lines(50, seed=8))
    assert len({json.loads(x)["case"] for x in one}) == 50


def test_rexcheck_and_the_baseline_agree_on_the_subset(tmp_path):
    path = tmp_path / "population.jsonl"
    lines = list(generate.lines(400, seed=3))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["screen", str(path)])
    results = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(results) == 400
    mismatches = [(r["case"], baseline.from_rexcheck(r), baseline.check(json.loads(line)))
                  for r, line in zip(results, lines)
                  if baseline.from_rexcheck(r) != baseline.check(json.loads(line))]
    assert mismatches == []
    fired = {f[0] for line in lines for f in baseline.check(json.loads(line))}
    assert len(fired) >= 10  # the population exercises most of the subset


def test_malformed_records_are_reported_by_number_and_in_equals_out(tmp_path):
    path = tmp_path / "population.jsonl"
    lines = list(generate.lines(300, seed=5, fraction=0.05))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = [i + 1 for i, line in enumerate(lines)
              if _is_broken(line)]
    result = CliRunner().invoke(main, ["screen", str(path)])
    results = [json.loads(x) for x in result.stdout.splitlines()]
    summary = json.loads(result.stderr.strip().splitlines()[-1])["summary"]
    assert summary["records_in"] == summary["results_out"] == len(results) == 300
    errors = [r["record"] for r in results if r["outcome"] == "error"]
    assert errors == broken and len(errors) >= 5
    assert result.exit_code == 2


def _is_broken(line: str) -> bool:
    try:
        case = json.loads(line)
    except json.JSONDecodeError:
        return True
    exporter = case.get("exporter")
    if not isinstance(exporter, dict) or "colour" in exporter or not isinstance(
            exporter.get("tin"), str):
        return True
    if any(a.get("received") == "2026-02-30" for a in case.get("applications", [])):
        return True
    return any(c["value"]["amount"] in ("NaN", "-5") for c in case.get("consignments", []))

"""Screening on Dask (examples/dask_screen.py, docs/scale.md): a LocalCluster here, the same
code on a real cluster. Skipped when dask is not installed (pip install 'rexcheck[dask]')."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, case_with

distributed = pytest.importorskip("distributed")

from rexcheck.examples.dask_screen import screen_on_dask  # noqa: E402 (after the skip)

POPULATION = ROOT / "examples/whatif/population.jsonl"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_a_population_screened_on_dask_gives_the_apis_results_in_order(client, tmp_path,
                                                                      checker):
    lines = POPULATION.read_text(encoding="utf-8").splitlines()
    for i in range(40):
        case = case_with(languages=["ru"] if i % 2 else ["ru", "en"])
        case["case"] = f"D-{i:03d}"
        lines.append(json.dumps(case, default=str))
    lines[20:20] = ["{not json", "[1, 2]"]
    population = tmp_path / "population.jsonl"
    population.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = screen_on_dask(client, str(population), tmp_path / "out", blocksize=2000)
    parts = sorted((tmp_path / "out").glob("part-*.jsonl"))
    assert len(parts) > 2  # the population was cut into partitions, screened apart
    results = [json.loads(line) for part in parts for line in part.read_text().splitlines()]
    assert len(results) == len(lines) == summary["cases"]
    assert [r["outcome"] for r in results[20:22]] == ["error", "error"]
    for line, result in zip(lines, results, strict=True):
        if line.startswith('{"case"'):
            expected = checker.check(json.loads(line)).to_dict()
            assert result == expected
    assert summary["errors"] == 2 and summary["outcomes"]["refuse"] == 20

"""Benchmark rexcheck against the plain-Python baseline, measured in the same run.

    python bench/run.py [--cases N] [--workers N] [--seed S] [--profile]

Generates N cases (bench/generate.py), screens them through the same code path as
`rexcheck screen` (parsing, validation, engine, results as JSON), runs the baseline
(bench/baseline.py) on the same cases, checks that both give the same findings for the
baseline's subset of rules (a differential test: exit 1 on any difference), prints the figures
and ends with one JSON line: cases, workers, cases_per_s, baseline_cases_per_s, ratio,
peak_rss_mib.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
import generate
from rexcheck.engine.screening import screen
from rexcheck.facts.records import read_records


def peak_rss_mib() -> float:
    """Peak resident memory of this process or of any worker (the larger), in MiB. Up to
    200,000 cases this process keeps every result for the differential test, so the figure
    includes them; above that nothing is kept and it measures screening alone."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="where rexcheck's time goes")
    args = parser.parse_args()

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                     encoding="utf-8") as f:
        for line in generate.lines(args.cases, args.seed):
            f.write(line + "\n")
        population = f.name
    print(f"population: {args.cases} cases (seed {args.seed}) in {population}")

    # rexcheck: the screen path, results streamed as they come
    keep = args.cases <= 200_000  # above that, results are not kept (memory stays flat)
    lines: list[str] = []
    start = time.perf_counter()
    for item in screen(read_records([population]), None, None, workers=args.workers):
        if keep:
            lines.append(item.line)
    rexcheck_s = time.perf_counter() - start
    subset = [baseline.from_rexcheck(json.loads(line)) for line in lines]

    # the baseline: the same lines, parsed and checked in plain Python
    start = time.perf_counter()
    expected = []
    with open(population, encoding="utf-8") as f:
        for line in f:
            found = baseline.check(json.loads(line))
            if keep:
                expected.append(found)
    baseline_s = time.perf_counter() - start

    mismatches = [(i + 1, got, want) for i, (got, want) in enumerate(zip(subset, expected))
                  if got != want]
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in screen(read_records([population]), None, None, workers=1):
            pass
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    Path(population).unlink()

    rate, base_rate = args.cases / rexcheck_s, args.cases / baseline_s
    print(f"rexcheck: {rexcheck_s:8.2f} s  {rate:10,.0f} cases/s  ({args.workers} worker(s))")
    print(f"baseline: {baseline_s:8.2f} s  {base_rate:10,.0f} cases/s  (plain Python, subset of "
          f"{len(baseline.SUBSET)} rules)")
    checked = len(subset) if keep else 0
    print(f"differential test on the subset: {len(mismatches)} mismatch(es) in {checked} cases"
          + ("" if keep else " (skipped above 200,000 cases)"))
    for number, got, want in mismatches[:10]:
        print(f"  record {number}: rexcheck {got}\n             baseline {want}")
    print(json.dumps({"cases": args.cases, "workers": args.workers,
                      "cases_per_s": round(rate, 1), "baseline_cases_per_s": round(base_rate, 1),
                      "ratio": round(rate / base_rate, 4), "peak_rss_mib": peak_rss_mib()}))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark rexcheck against the plain-Python baseline, measured in the same run.

    python bench/run.py [--cases N] [--workers N] [--seed S] [--profile]

Generates N cases (bench/generate.py) into a temporary file, screens them through the same
code path as `rexcheck screen` (engine/services/screening.py `screen()`: reading, JSON parsing,
validation, engine, results as JSON lines, written to a temporary file as they come), runs the
baseline (bench/baseline.py: JSON parsing and the plain-Python checks) on the same cases, then
checks that both give the same findings and notices for the baseline's subset of rules (a
differential test, streamed line by line: print the mismatches, exit 1 on any; a case rexcheck
could not judge wholly, `error` or `undetermined`, is a mismatch too, since every generated case
is valid and falls under the law). Nothing is kept in memory,
so the peak RSS is screening's own at any N. Prints the figures and ends with one JSON line:
cases, workers, cases_per_s, baseline_cases_per_s, ratio, peak_rss_mib (the larger of this
process and its largest worker; both are given too). `--profile` then screens the population
again in one process under cProfile and prints the top 25 functions by cumulative time (and
the top 15 by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
import generate
from rexcheck.engine.services.screening import screen
from rexcheck.facts.records import read_records

PROFILE_MAX = 20_000  # --profile screens at most this many cases (cProfile is slow)


def rss_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child (workers), in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(own / 1024, 1), round(children / 1024, 1)


def run_rexcheck(population: str, results: str, workers: int) -> tuple[float, float]:
    """Screen the population as `rexcheck screen` does, results to a file.
    Returns (total seconds, seconds to the first result: start-up and rule compilation)."""
    start = time.perf_counter()
    first = None
    with open(results, "wb") as out:
        for item in screen(read_records([population]), None, None, workers=workers):
            if first is None:
                first = time.perf_counter() - start
            out.write(item.line + b"\n")
    return time.perf_counter() - start, first or 0.0


def run_baseline(population: str) -> tuple[float, int]:
    start = time.perf_counter()
    found = 0
    with open(population, encoding="utf-8") as f:
        for line in f:
            found += len(baseline.check(json.loads(line)))
    return time.perf_counter() - start, found


def differential(population: str, results: str) -> tuple[int, int, list, dict]:
    """Compare the two line by line: (cases compared, findings, first mismatches, per rule).
    A case rexcheck could not judge wholly (outcome `error`, or `undetermined`: a document no
    outcome rule decided) is a mismatch too: the population is valid and every document in it
    falls under the law."""
    compared = findings = 0
    mismatches: list = []
    per_rule: dict[str, int] = {}
    with open(population, encoding="utf-8") as cases, open(results, encoding="utf-8") as got:
        for number, (case_line, result_line) in enumerate(zip(cases, got, strict=True), 1):
            want = baseline.check(json.loads(case_line))
            result = json.loads(result_line)
            have = baseline.from_rexcheck(result) if not result["errors"] else [
                (result["outcome"], problem["code"], problem["message"])
                for problem in result["errors"]]
            compared += 1
            findings += len(want)
            for rule_id, _, _ in want:
                per_rule[rule_id] = per_rule.get(rule_id, 0) + 1
            if have != want:
                mismatches.append((number, result["case"], have, want))
    return compared, findings, mismatches, per_rule


def profile(population: str, cases: int) -> None:
    if cases > PROFILE_MAX:
        head = population + ".head"
        with open(population, encoding="utf-8") as src, open(head, "w", encoding="utf-8") as dst:
            dst.writelines(line for _, line in zip(range(PROFILE_MAX), src, strict=False))
        population, cases = head, PROFILE_MAX
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    for _ in screen(read_records([population]), None, None, workers=1):
        pass
    prof.disable()
    elapsed = time.perf_counter() - start
    print(f"\nprofile: {cases} cases in one process under cProfile, {elapsed:.2f} s "
          f"({elapsed / cases * 1e6:,.0f} us per case with the profiler's overhead)")
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="where rexcheck's time goes")
    args = parser.parse_args()
    if args.cases < 1 or args.workers < 1:
        parser.error("--cases and --workers must be 1 or more")

    tmp = tempfile.mkdtemp(prefix="rexcheck-bench-")
    population, results = os.path.join(tmp, "population.jsonl"), os.path.join(tmp, "results.jsonl")
    try:
        start = time.perf_counter()
        with open(population, "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in generate.lines(args.cases, args.seed))
        print(f"population: {args.cases:,} cases (seed {args.seed}), generated in "
              f"{time.perf_counter() - start:.1f} s")

        rexcheck_s, first_s = run_rexcheck(population, results, args.workers)
        baseline_s, _ = run_baseline(population)
        own, children = rss_mib()
        compared, findings, mismatches, per_rule = differential(population, results)

        rate, base_rate = args.cases / rexcheck_s, args.cases / baseline_s
        steady = (args.cases - 1) / max(rexcheck_s - first_s, 1e-9)
        print(f"rexcheck: {rexcheck_s:8.2f} s  {rate:10,.0f} cases/s  ({args.workers} "
              f"worker(s); first result after {first_s:.2f} s, {steady:,.0f} cases/s after it)")
        print(f"baseline: {baseline_s:8.2f} s  {base_rate:10,.0f} cases/s  (plain Python, "
              f"{len(baseline.SUBSET)} rules)")
        print(f"ratio rexcheck/baseline: {rate / base_rate:.4f}")
        print(f"peak RSS: this process {own} MiB, largest worker {children} MiB")
        print(f"differential test on the subset: {len(mismatches)} mismatch(es) in {compared:,} "
              f"cases ({findings:,} subset findings; per rule: "
              + ", ".join(f"{k} {v}" for k, v in sorted(per_rule.items())) + ")")
        unfired = sorted(set(baseline.SUBSET) - set(per_rule))
        if unfired:
            print(f"  rules of the subset the population never fired: {', '.join(unfired)}")
        for number, case, have, want in mismatches[:20]:
            print(f"  record {number} ({case}):\n    rexcheck {have}\n    baseline {want}")
        if args.profile:
            profile(population, args.cases)
    finally:
        for name in (population, results, population + ".head"):
            Path(name).unlink(missing_ok=True)
        os.rmdir(tmp)
    print(json.dumps({"cases": args.cases, "workers": args.workers,
                      "cases_per_s": round(rate, 1), "baseline_cases_per_s": round(base_rate, 1),
                      "ratio": round(rate / base_rate, 4), "peak_rss_mib": max(own, children),
                      "peak_rss_self_mib": own, "peak_rss_children_mib": children,
                      "mismatches": len(mismatches)}))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())

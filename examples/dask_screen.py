"""Screening a population on a Dask cluster, through the Python API (docs/scale.md).

    pip install 'rexcheck[dask]'
    python -m rexcheck.examples.dask_screen population.jsonl results/ [--scheduler tcp://host:8786]

The population (JSONL files, one case per line) is cut into partitions of about `blocksize`
bytes (`dask.bag.read_text`); each partition is screened on a worker with
`rexcheck.Checker.check_all`, and its results are written by that worker to
`results/part-NNNNN.jsonl`, one `rexcheck.result/1` object per line in the partition's input
order, so the part files read in order are the population's results in order. A line that is
not a JSON object gets an error result, as `rexcheck screen` gives it; nothing is dropped. The
summary (the keys of every rexcheck summary) comes back to the client.

Without --scheduler a `LocalCluster` is started on this machine, one single-threaded worker
process per core; with it, the same code runs on a real cluster, whose workers must have
rexcheck installed and read the population's path (a shared file system, or any URL fsspec
reads, such as s3://...). Each worker process holds one Checker (the engine is not
thread-safe, so give workers one thread each: `dask worker --nthreads 1 --nworkers N`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_checkers: dict[str | None, Any] = {}  # per worker process: one Checker per rules folder


def checker_for(rules: str | None) -> Any:
    """The worker process's Checker, made on its first partition (loading the rules takes
    about half a second; every later partition reuses it)."""
    if rules not in _checkers:
        import rexcheck

        _checkers[rules] = rexcheck.Checker(rules)
    return _checkers[rules]


def screen_lines(lines: Iterable[str], as_of: dt.date | None = None,
                 rules: str | None = None) -> list[Any]:
    """The results of a partition's lines, in order (blank lines are no record)."""
    from rexcheck.engine.services.result import Problem, failed

    checker = checker_for(rules)
    cases: list[Any] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            cases.append(Problem("json", f"not valid JSON: {exc}"))
            continue
        cases.append(data if isinstance(data, dict) else Problem(
            "case-shape", "a case must be a JSON object with 'case' and 'exporter'"))
    valid = [c for c in cases if isinstance(c, dict)]
    judged = iter(checker.check_all(valid, as_of))
    return [next(judged) if isinstance(c, dict) else failed(None, as_of, [c]) for c in cases]


def screen_partition(lines: list[str], out: str, as_of: dt.date | None,
                     rules: str | None) -> dict[str, Any]:
    """On a worker: screen one partition, write its results, give back its summary."""
    from rexcheck.engine.services.result import summarise

    results = screen_lines(lines, as_of, rules)
    with open(out, "wb") as f:
        f.writelines(result.to_json_bytes() + b"\n" for result in results)
    return summarise(results)


def merge(summaries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for part in summaries:
        for key, value in part.items():
            if key == "outcomes":
                outcomes = total.setdefault("outcomes", {})
                for name, n in value.items():
                    outcomes[name] = outcomes.get(name, 0) + n
            else:
                total[key] = total.get(key, 0) + value
    total["outcomes"] = dict(sorted(total.get("outcomes", {}).items()))
    return total


def screen_on_dask(client: Any, paths: str | list[str], out_dir: str | Path,
                   as_of: dt.date | None = None, rules: str | None = None,
                   blocksize: str | int = "16MiB") -> dict[str, Any]:
    """Screen the population at `paths` on the cluster of `client`; results in `out_dir`
    (one file per partition, in order), the summary returned."""
    import dask
    import dask.bag

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts = dask.bag.read_text(paths, blocksize=blocksize).to_delayed()
    tasks = [dask.delayed(screen_partition)(part, str(out / f"part-{i:05d}.jsonl"), as_of,
                                            rules) for i, part in enumerate(parts)]
    return merge(client.compute(tasks, sync=True))


def main() -> None:
    ap = argparse.ArgumentParser(description="Screen a JSONL population on a Dask cluster.")
    ap.add_argument("population", nargs="+", help="JSONL files (or URLs fsspec reads)")
    ap.add_argument("out_dir", help="folder for the results, one file per partition")
    ap.add_argument("--scheduler", help="tcp://host:8786; default: a LocalCluster here")
    ap.add_argument("--workers", type=int, default=None, help="LocalCluster workers")
    ap.add_argument("--as-of", type=dt.date.fromisoformat)
    ap.add_argument("--rules", help="rules folder (every worker must read it)")
    ap.add_argument("--blocksize", default="16MiB")
    args = ap.parse_args()
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        client = Client(args.scheduler)
    else:
        client = Client(LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                     processes=True, dashboard_address=None))
    with client:
        start = time.perf_counter()
        summary = screen_on_dask(client, args.population, args.out_dir, args.as_of,
                                 args.rules, args.blocksize)
        seconds = time.perf_counter() - start
    summary["seconds"] = round(seconds, 2)
    summary["cases_per_s"] = round(summary["cases"] / seconds)
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()

"""Grow the catalogue synthetically and screen one population at every size, in the same run.

    python bench/grow.py [--factors 1,2,4,8,12] [--cases N] [--seed S]

The rules tree of size k is the shipped packs plus k-1 copies of every rule file: in copy j
each rule id gets the suffix `-xj` and each derived fact type the suffix `_xj` (declared,
derived, matched and negated under the new name), so that every copy is a self-consistent
pack of its own: its rules chain on the facts its own rules derive, never on another copy's,
and decide the same outcomes as the original. Parameters, computed values and the law are
shared (the copies drop their `parameters` and `computed` sections). So 137 rules become 274,
548, 1,096 and 1,644.

Two modes. `fire`: every copy is in force when its original is, so every copy fires where its
original fires, k times the firings and findings per case: the worst case for the engine's
tables, since every test, join and negation is there k times. `later`: copy j is in force only
under a later version of each act (from 2030 + j), as a catalogue that keeps every version of
the law carries them; today's cases are judged by the original rules, and the runtime runs
them in a ruleset of the rules in force on their dates (engine/core/epochs.py), while the
whole catalogue is loaded, checked and measured against the engine's tables all the same.

Each size is screened in a process of its own (`--one`), through the same code path as
`rexcheck screen` (engine/services/screening.py `screen()`), so its peak memory is its own. Prints a
table and ends with one JSON line per size: rules, engine rules, rulesets' chunks, cases/s,
cases/s after start-up, records with errors, peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SECTION = re.compile(r"^([a-z_]+):", re.MULTILINE)
RULE_ID = re.compile(r"^(  - id: )([A-Z][A-Za-z0-9-]*)$", re.MULTILINE)
DERIVED = re.compile(r"^derived:\n((?:  .*\n|\n)*)", re.MULTILINE)
DERIVED_NAME = re.compile(r"^  ([a-z][a-z0-9_]*):", re.MULTILINE)
KIND = re.compile(r"^(\s+kind: [a-z_]+)_x[0-9]+$", re.MULTILINE)
DROPPED = ("parameters", "computed")  # shared with the original, defined once


def rule_files(root: Path) -> list[Path]:
    """The rule files of a tree that hold rules (not law.yaml, calendars, tests or texts)."""
    return sorted(p for p in root.glob("order-*/*.yaml") if RULE_ID.search(p.read_text("utf-8")))


def derived_types(root: Path) -> list[str]:
    names: set[str] = set()
    for path in rule_files(root):
        for block in DERIVED.findall(path.read_text("utf-8")):
            names |= set(DERIVED_NAME.findall(block))
    return sorted(names, key=lambda n: (-len(n), n))


def copy_text(text: str, j: int, derived: list[str]) -> str:
    """Copy j of a rule file: ids and derived types renamed, shared sections left out."""
    text = _without_sections(text, DROPPED)
    text = RULE_ID.sub(lambda m: f"{m.group(1)}{m.group(2)}-x{j}", text)
    if derived:
        word = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, derived))
                          + r")(?![A-Za-z0-9_])")
        text = word.sub(lambda m: f"{m.group(1)}_x{j}", text)
        text = KIND.sub(r"\1", text)  # a finding's kind may share a derived type's name
    return text


def _without_sections(text: str, names: tuple[str, ...]) -> str:
    starts = [(m.start(), m.group(1)) for m in SECTION.finditer(text)] + [(len(text), "")]
    out, at = [], 0
    for (start, name), (end, _) in itertools.pairwise(starts):
        if name in names:
            out.append(text[at:start])
            at = end
    out.append(text[at:])
    return "".join(out)


def grow(target: Path, factor: int, source: Path = RULES, mode: str = "fire",
         later_from: int = 2030) -> Path:
    """A rules tree at `target`: the shipped packs and factor-1 renamed copies of them. Mode
    `fire`: the copies are in force when the originals are. Mode `later`: copy j is in force
    only under a later version of each act (law.yaml gets one per copy, from `later_from` + j
    on),
    as a catalogue that keeps every version of the law carries rules that judge no document
    of today's cases."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    derived = derived_types(source)
    acts = law_versions(source / "law.yaml")
    for path in rule_files(source):
        text = path.read_text("utf-8")
        for j in range(2, factor + 1):
            dest = target / path.relative_to(source).with_name(f"{path.stem}.x{j}.yaml")
            copied = copy_text(text, j, derived)
            if mode == "later":
                copied = later_versions(copied, acts, j)
            dest.write_text(copied, "utf-8")
    if mode == "later":
        law = target / "law.yaml"
        law.write_text(later_law(law.read_text("utf-8"), acts, factor, later_from), "utf-8")
    return target


VERSION_ID = re.compile(r"^      - id: ([a-z0-9-]+)$", re.MULTILINE)
ACT = re.compile(r"^  (Order [0-9]+):$", re.MULTILINE)
VERSIONS_LINE = re.compile(r"^(\s*versions: \[)([^]]*)\]", re.MULTILINE)


def law_versions(law: Path) -> dict[str, list[str]]:
    """Act -> the ids of its versions, as law.yaml lists them."""
    text = law.read_text("utf-8")
    acts = [(m.start(), m.group(1)) for m in ACT.finditer(text)]
    end = text.find("\ndocuments:")
    out = {}
    for (start, act), (stop, _) in zip(acts, acts[1:] + [(end, "")], strict=True):
        out[act] = VERSION_ID.findall(text[start:stop])
    return out


def later_versions(text: str, acts: dict[str, list[str]], j: int) -> str:
    """Every version a copy names becomes its act's version of copy j."""
    mapping = {v: f"{ids[0]}-x{j}" for ids in acts.values() for v in ids}

    def swap(m: re.Match) -> str:
        named = [v.strip() for v in m.group(2).split(",")]
        return m.group(1) + ", ".join(dict.fromkeys(mapping.get(v, v) for v in named)) + "]"
    return VERSIONS_LINE.sub(swap, text)


def later_law(text: str, acts: dict[str, list[str]], factor: int, first: int = 2030) -> str:
    """law.yaml with one later version of each act per copy (from 1 January of `first` + j)."""
    for act, ids in acts.items():
        entries = "".join(
            f"      - id: {ids[0]}-x{j}\n        title: {act}, copy {j} (bench/grow.py)\n"
            f"        from: {first + j}-01-01\n        confirmed: true\n        citation:\n"
            f"          ref: {act} item 4\n          text: a synthetic version\n"
            for j in range(2, factor + 1))
        last = text.index(f"      - id: {ids[-1]}\n")
        nxt = re.compile(r"^(?!      |        |\s*$)", re.MULTILINE).search(text, last + 1)
        at = nxt.start() if nxt else len(text)
        while text[at - 2:at] == "\n\n":  # before the blank lines that end the act
            at -= 1
        text = text[:at] + entries + text[at:]
    return text


def screen_one(rules: str, population: str) -> dict:
    """Screen the population against one tree, in this process; the figures as a dict."""
    from rexcheck.engine.services.checker import Checker
    from rexcheck.engine.services.screening import screen
    from rexcheck.facts.records import read_records

    start = time.perf_counter()
    checker = Checker(rules)  # what `screen` builds too: the size of the program
    program = checker.runtime.program
    info = {"rules": len(checker.ruleset.rules), "engine_rules": len(program.actions),
            "chunks": getattr(program, "chunks", 1), "compile_s":
            round(time.perf_counter() - start, 3)}
    del checker
    cases = errors = 0
    first_error = None
    start = time.perf_counter()
    first = None
    for item in screen(read_records([population]), rules, None, workers=1):
        if first is None:
            first = time.perf_counter() - start
        cases += 1
        if item.outcome == "error":
            errors += 1
            if first_error is None:
                first_error = json.loads(item.line)["errors"][0]["message"]
    elapsed = time.perf_counter() - start
    info.update(cases=cases, seconds=round(elapsed, 2), cases_per_s=round(cases / elapsed, 1),
                steady_cases_per_s=round((cases - 1) / max(elapsed - (first or 0), 1e-9), 1),
                errors=errors, first_error=first_error,
                peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="1,2,4,8,12")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default="fire,later",
                        help="fire: copies fire where the originals do; later: copies are "
                             "in force under later versions of the acts only")
    parser.add_argument("--one", nargs=2, metavar=("RULES", "POPULATION"),
                        help=argparse.SUPPRESS)  # one size, in a process of its own
    args = parser.parse_args()
    if args.one:
        print(json.dumps(screen_one(*args.one)))
        return 0
    factors = [int(f) for f in args.factors.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="rexcheck-grow-"))
    population = tmp / "population.jsonl"
    rows = []
    try:
        with open(population, "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in generate.lines(args.cases, args.seed))
        print(f"population: {args.cases:,} cases (seed {args.seed})")
        print(f"{'mode':>5} {'x':>3} {'rules':>6} {'engine':>7} {'chunks':>6} {'compile s':>9} "
              f"{'cases/s':>8} {'steady':>8} {'errors':>7} {'RSS MiB':>8}")
        for mode, factor in [(m, f) for m in args.modes.split(",") for f in factors]:
            rules = grow(tmp / f"rules-{mode}-x{factor}", factor, mode=mode)
            run = subprocess.run([sys.executable, __file__, "--one", str(rules), str(population)],
                                 capture_output=True, text=True, env=dict(os.environ))
            if run.returncode != 0:
                print(f"{mode:>5} {factor:>3} failed: {run.stderr.strip().splitlines()[-1:]}")
                rows.append({"mode": mode, "factor": factor,
                             "failed": run.stderr.strip()[-2000:]})
                continue
            last = run.stdout.strip().splitlines()[-1]
            row = {"mode": mode, "factor": factor, **json.loads(last)}
            rows.append(row)
            print(f"{mode:>5} {factor:>3} {row['rules']:>6} {row['engine_rules']:>7} "
                  f"{row['chunks']:>6} "
                  f"{row['compile_s']:>9.2f} {row['cases_per_s']:>8,.0f} "
                  f"{row['steady_cases_per_s']:>8,.0f} {row['errors']:>7} "
                  f"{row['peak_rss_mib']:>8}" + (f"  first error: {row['first_error']}"
                                                 if row["first_error"] else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for mode in dict.fromkeys(r["mode"] for r in rows if "rules" in r):
        near = min((r for r in rows if r["mode"] == mode and "rules" in r),
                   key=lambda r: abs(r["rules"] - TARGET_RULES))
        met = near["cases_per_s"] >= TARGET_RATE and not near["errors"]
        print(f"{mode}: {near['rules']:,} rules (the size nearest {TARGET_RULES:,}) "
              f"{near['cases_per_s']:,.0f} cases/s with start-up, {near['errors']} errors: "
              f"{'meets' if met else 'does not meet'} {TARGET_RATE:,} cases/s with 0 errors")
    for row in rows:
        print(json.dumps(row))
    return 1 if any(r.get("failed") or r.get("errors") for r in rows) else 0


TARGET_RULES, TARGET_RATE = 1_000, 3_000  # issue 22: 1,000 rules at 3,000 cases/s, one core


if __name__ == "__main__":
    sys.exit(main())

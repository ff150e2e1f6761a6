"""A what-if of the service, run in a process of its own.

A what-if compiles the proposal into a second rule set in durable_rules, whose tables are
global to the process and never given back. So each request's what-if runs in a process
started for it (spawned: no thread of the worker is copied half-way), handed the rule set and
calendar the worker loaded at start (pickled: never read again from disk), and ended when the
report is back or the request's time is up. At most `AT_ONCE` run at a time per worker.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from rexcheck.engine.authoring.ruletests import load_tests, run_test
from rexcheck.engine.services.checker import Checker
from rexcheck.engine.services.ndjson import Lines
from rexcheck.engine.services.proposal import apply_scenario
from rexcheck.engine.services.result import Problem
from rexcheck.engine.services.whatif import compare
from rexcheck.facts.base.errors import InvalidInput

AT_ONCE = 2
_slots: asyncio.Semaphore | None = None


def example_population() -> str:
    path = resources.files("rexcheck.examples") / "whatif" / "population.jsonl"
    return path.read_text(encoding="utf-8")


def report(ruleset: Any, calendar: Any, job: dict[str, Any]) -> dict[str, Any]:
    """The what-if report as `rexcheck whatif --format json` gives it, or `{"errors":
    [...]}` with the scenario's or the population's located problems."""
    try:
        proposed = apply_scenario("<scenario>", ruleset, job["scenario"])
    except InvalidInput as exc:
        return {"errors": [asdict(Problem.of(d)) for d in sorted(exc.diagnostics)]}
    baseline = Checker(ruleset, calendar)
    checker = Checker(proposed, calendar)
    text = job["records"] if job["records"] is not None else example_population()
    lines = Lines("<population>")
    records = [*lines.feed(text.encode("utf-8")), *lines.close()]
    as_of = job["as_of"]
    title = _scenario_title(job["scenario"])
    out = compare(baseline, checker, records, as_of, title).as_dict()
    if job.get("rule_tests"):  # the workbench: which rule tests describe the old law
        out["rule_tests"] = rule_tests(proposed, checker)
    return out


def rule_tests(proposed: Any, checker: Any) -> dict[str, Any]:
    """The rule tests of the rules tree run under the proposal (as `rexcheck rules test`
    would after the change): counts, and each failure with what it expected and got."""
    root = Path(proposed.root)
    try:
        tests = load_tests(root, proposed)
    except InvalidInput as exc:
        return {"passed": 0, "failed": 0, "failures": [],
                "problems": [d.format() for d in sorted(exc.diagnostics)]}
    outcomes = [run_test(checker, t) for t in tests]
    failures = []
    for o in outcomes:
        if o.passed:
            continue
        try:
            file = Path(o.loaded.file).relative_to(root.parent).as_posix()
        except ValueError:
            file = Path(o.loaded.file).name
        failures.append({"file": file, "line": o.loaded.line, "name": o.loaded.test.name,
                         "missing": o.missing, "unexpected": o.unexpected,
                         "actual": o.actual, "error": o.error})
    return {"passed": len(outcomes) - len(failures), "failed": len(failures),
            "failures": failures, "problems": []}


def _scenario_title(text: str) -> str:
    """The scenario's own title (`scenario:`), as the command line's report gives it."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return ""
    title = data.get("scenario") if isinstance(data, dict) else None
    return title if isinstance(title, str) else ""


def _child(conn: Any, ruleset: Any, calendar: Any, job: dict[str, Any]) -> None:
    try:
        conn.send(report(ruleset, calendar, job))
    except BaseException as exc:
        conn.send({"errors": [{"code": "internal", "message": f"the what-if failed: "
                               f"{type(exc).__name__}: {exc}", "severity": "error"}]})
    finally:
        conn.close()


async def run_whatif(ruleset: Any, calendar: Any, job: dict[str, Any], until: float
                     ) -> dict[str, Any] | None:
    """The report, or None when it is not done before `until` (the process is then ended)."""
    global _slots
    if _slots is None:
        _slots = asyncio.Semaphore(AT_ONCE)
    context = multiprocessing.get_context("spawn")
    async with _slots:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, name="rexcheck-whatif", daemon=True,
                                  args=(sender, ruleset, calendar, job))
        await asyncio.to_thread(process.start)
        sender.close()
        try:
            left = until - time.monotonic()
            ready = left > 0 and await asyncio.to_thread(receiver.poll, left)
            if not ready:
                return None
            return await asyncio.to_thread(receiver.recv)
        except EOFError:
            return {"errors": [{"code": "internal", "message": "the what-if process ended "
                                "without a report", "severity": "error"}]}
        finally:
            if process.is_alive():
                process.terminate()
            await asyncio.to_thread(process.join, 5)
            receiver.close()


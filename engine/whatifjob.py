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
from typing import Any

AT_ONCE = 2
_slots: asyncio.Semaphore | None = None


def example_population() -> str:
    path = resources.files("rexcheck.examples") / "whatif" / "population.jsonl"
    return path.read_text(encoding="utf-8")


def report(ruleset: Any, calendar: Any, job: dict[str, Any]) -> dict[str, Any]:
    """The what-if report as `rexcheck whatif --format json` gives it, or `{"errors":
    [...]}` with the scenario's or the population's located problems."""
    from rexcheck.engine.checker import Checker
    from rexcheck.engine.errors import InvalidInput
    from rexcheck.engine.ndjson import Lines
    from rexcheck.engine.proposal import apply_scenario
    from rexcheck.engine.result import Problem
    from rexcheck.engine.whatif import compare

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
    return compare(baseline, checker, records, as_of, title).as_dict()


def _scenario_title(text: str) -> str:
    """The scenario's own title (`scenario:`), as the command line's report gives it."""
    import yaml

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


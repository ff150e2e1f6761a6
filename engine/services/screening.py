"""Screening in bulk: one result per record, in input order, in one process or several.

A screening system sends records (cases) before a decision is taken; each gets the same
`CaseResult` as `rexcheck check` gives (engine/services/result.py), with its record number,
source and
line in `source`. A record that cannot be read or validated gets an error result naming the
record and field; the run goes on. `--workers N` spreads records over N processes
(durable_rules sessions live in one process each) in bounded windows, so memory stays flat and
the output keeps input order: byte-identical to a single-process run.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import multiprocessing.pool
import os
import signal
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from rexcheck.engine.core.calendar import WorkingCalendar
from rexcheck.engine.services.audit import log_entry
from rexcheck.engine.services.checker import (  # records screened together, stage by stage
    STAGE_BATCH,
    Checker,
    Item,
    collector_paused,
)
from rexcheck.engine.services.messages import problem_in
from rexcheck.engine.services.result import CaseResult, Source
from rexcheck.facts.base.errors import InvalidInput
from rexcheck.facts.loader import parse_case, read_case_json
from rexcheck.facts.records import Record

FIRST_WINDOW = 400  # records in the workers' first window (see `screen`)


class _Worker:
    """Holds one Checker per process."""

    checker: Any = None

    @classmethod
    def start(cls, rules: str | None, calendar_file: str | None) -> None:
        calendar = WorkingCalendar.load(calendar_file) if calendar_file else None
        with collector_paused():  # frozen as loaded: the collector never scans the rule set
            cls.checker = Checker(rules, calendar)
            tune_collector()


# Python's cyclic garbage collector, tuned for screening: a case allocates thousands of small,
# short-lived containers (facts, findings, results) that reference counting frees as soon as
# the case is done, and the collector's older generations would otherwise be scanned every
# few hundred cases, with the whole loaded rule set in them. The rule set is moved out of the
# collector's sight once loaded (`gc.freeze`), and the older generations are collected rarely.
# Measured on 3,000 generated cases, one process: 335 -> 220 us per case; memory unchanged
# (70 MiB), since the cases make no reference cycles to speak of. bench/RESULTS.md has the
# figures.
GC_THRESHOLDS = (20_000, 100, 100)


def tune_collector() -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class Screened(NamedTuple):
    """One record's result as JSON, its audit-log line if asked, and what the summary needs.
    A named tuple: with several workers the parent process makes one per record, and a tuple
    is made several times faster than a frozen dataclass. The line is UTF-8 bytes, as orjson
    writes it: it is pickled from a worker, and written out, with no decoding and encoding
    of its 3 KB on the way (measured: 4% more records a second with two workers)."""

    line: bytes
    log: str | None
    outcome: str
    findings: int
    notices: int
    pending: int


def screen_records(records: list[Record], as_of: dt.date | None, lang: str,
                   audit_log: bool = False) -> list[Screened]:
    """A few records (`STAGE_BATCH`), done in the worker, so serialising is spread over the
    workers too."""
    out = []
    for result, case in screen_all(_Worker.checker, records, as_of, lang):
        log = (audit_entry(case, result) if audit_log and case is not None and result.audit
               else None)
        out.append(Screened(result.to_json_bytes(), log, result.outcome, len(result.findings),
                            len(result.notices), len(result.pending)))
    return out


def audit_entry(case: Any, result: CaseResult) -> str:
    assert result.audit is not None
    return log_entry(case, result.audit, result.outcome, result.findings)


def screen_one(checker: Any, record: Record, as_of: dt.date | None, lang: str) -> CaseResult:
    return screen_all(checker, [record], as_of, lang)[0][0]


def screen_all(checker: Any, records: list[Record], as_of: dt.date | None, lang: str
               ) -> list[tuple[CaseResult, Any]]:
    """Each record's result and case (None when it has none), in order. The valid cases are
    judged together, stage by stage (`Checker.results`)."""
    items = []
    for record in records:
        read = read_case_json(record.text) if record.text is not None else None
        source = Source(record.source, record.line, record.number)
        if read is None:  # not a JSON line, or not a valid case: the long way, which says why
            items.append(_item(record.parsed(), source))
        else:
            items.append(Item(read[0], source, digest=read[1].digest))
    results = checker.results(items, as_of, lang)
    if lang != "en":  # the problems of records and cases in the language of the findings
        for result in results:
            result.errors = [problem_in(p, lang) for p in result.errors]
    return [(result, item.case) for result, item in zip(results, items, strict=True)]


def _item(record: Record, source: Source) -> Item:
    """The record's case, or why it has none."""
    if record.problem is not None:
        return Item(None, source, [record.problem])
    case_id = record.data.get("case") if isinstance(record.data, dict) else None
    case_id = case_id if isinstance(case_id, str) else None
    try:
        assert record.positions is not None
        return Item(parse_case(record.data, record.positions), source)
    except InvalidInput as exc:
        return Item(None, source, exc.diagnostics, case_id)


def screen(records: Iterable[Record], rules: Path | str | None, as_of: dt.date | None,
           workers: int = 1, lang: str = "en", window: int = 4000,
           calendar_file: str | None = None, audit_log: bool = False,
           stage: int = STAGE_BATCH) -> Generator[Screened, None, None]:
    """One `Screened` per record, in input order. One process screens `stage` records at a
    time (it reads that many ahead: 1 for a person typing records at a terminal). A generator:
    closing it ends the worker pool."""
    rules_arg = str(rules) if rules is not None else None
    if workers <= 1:
        _Worker.start(rules_arg, calendar_file)
        for batch in _windows(records, stage):
            yield from screen_records(batch, as_of, lang, audit_log)
        return
    context = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else "spawn")
    with _QuietPool(workers, initializer=_start_worker, initargs=(rules_arg, calendar_file),
                    context=context) as pool:
        # Two windows in flight: the workers compute one while the results of the previous
        # are written; memory stays bounded by two windows however long the input is. Each
        # window goes out in 8 chunks per worker. Measured with two workers (60,000 cases):
        # windows of 2,000 records 9,600-10,000 cases/s at 63 MiB, 4,000 10,300 at 65 MiB,
        # 8,000 10,200-10,350 at 81 MiB: fewer, larger messages wake the parent, and
        # interrupt the workers, less often. The first window is small, so that the workers
        # start on small chunks as soon as they have loaded the rules, and the first results
        # come without waiting for the first large chunk.
        pending: Iterator[list[tuple]] | None = None
        for batch in _windows(records, window, first=FIRST_WINDOW):
            size = max(1, len(batch) // (workers * 8))
            chunks = [([_payload(r) for r in batch[i:i + size]], as_of, lang, audit_log)
                      for i in range(0, len(batch), size)]
            current = pool.imap(_screen_chunk, chunks)
            if pending is not None:
                yield from _unpacked(pending)
            pending = current
        if pending is not None:
            yield from _unpacked(pending)


def _start_worker(rules: str | None, calendar_file: str | None) -> None:
    """A worker process: quiet when the run is stopped. Ctrl-C reaches every process of the
    terminal's group; the parent alone handles it (it ends the pool and says where to
    resume), so a worker ignores it rather than print a KeyboardInterrupt traceback. A worker
    writing to a pipe nobody reads ends as a Unix filter does, by SIGPIPE, without a
    BrokenPipeError traceback. And a worker whose parent is killed (`kill -9`) ends with it:
    otherwise it would wait for ever, the pool's pipes being held open by the workers
    themselves."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _end_with_parent()
    _Worker.start(rules, calendar_file)


def _end_with_parent() -> None:
    """Have this process receive SIGTERM when its parent ends (Linux's PR_SET_PDEATHSIG), or
    else watch the parent from a thread and exit when it is gone."""
    import ctypes  # only a worker process needs it, and only on start
    import ctypes.util

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) != 0:  # 1: PR_SET_PDEATHSIG
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()
        return
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os._exit(0)


class _QuietPool(multiprocessing.pool.Pool):
    """A process pool whose worker-handler thread does not spin while results are read.

    `Pool`'s worker-handler thread waits on the result pipe as well as on the workers'
    sentinels (CPython's `_get_sentinels`, since bpo-35493), so while a large result is being
    read it wakes, finds nothing to do and waits again, over and over: measured, the parent
    process then spent twice its own work per record, time taken from the workers when they
    have the cores. It is told to wait, as `ThreadPool`'s does, on the pool's change notifier
    only; a worker that exits still wakes it through the worker sentinels it adds itself."""

    def _get_sentinels(self) -> list:
        # Pool's own (private) notifier, which typeshed does not declare
        return [self._change_notifier._reader]  # type: ignore[attr-defined]


def _windows(records: Iterable[Record], size: int, first: int | None = None
             ) -> Iterator[list[Record]]:
    """Lists of `size` records (the first of `first`, when given), the last maybe shorter."""
    batch: list[Record] = []
    limit = first or size
    for record in records:
        batch.append(record)
        if len(batch) >= limit:
            yield batch
            batch, limit = [], size
    if batch:
        yield batch


# Records go to the workers, and results come back, as plain tuples where they can: the parent
# process pickles and unpickles every one of them, and with two workers on two cores its time
# is taken from theirs. A JSON line not yet parsed is (number, source, line, text).
def _payload(record: Record) -> Record | tuple:
    if record.text is not None and record.data is None and record.problem is None:
        return (record.number, record.source, record.line, record.text)
    return record


def _screen_chunk(args: tuple) -> list[tuple]:
    payloads, as_of, lang, audit_log = args
    records = [payload if isinstance(payload, Record) else Record(
        payload[0], payload[1], payload[2], text=payload[3]) for payload in payloads]
    out: list[tuple] = []
    for start in range(0, len(records), STAGE_BATCH):
        # plain tuples: they pickle and unpickle faster than named ones
        out.extend(map(tuple, screen_records(records[start:start + STAGE_BATCH], as_of, lang,
                                             audit_log)))
    return out


def _unpacked(chunks: Iterator[list[tuple]]) -> Iterator[Screened]:
    make = Screened._make
    for chunk in chunks:
        yield from map(make, chunk)


def summarise(results: Iterable[Screened]) -> dict[str, Any]:
    """The summary of `engine.result.summarise`, from the screened lines."""
    counts: dict[str, int] = {}
    total = with_findings = findings = notices = pending = errors = 0
    for item in results:
        total += 1
        with_findings += item.findings > 0
        findings += item.findings
        notices += item.notices
        pending += item.pending
        errors += item.outcome in ("error", "undetermined")
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
    return {"cases": total, "with_findings": with_findings, "findings": findings,
            "notices": notices, "pending": pending, "errors": errors,
            "outcomes": dict(sorted(counts.items()))}

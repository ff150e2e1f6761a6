"""Screening in bulk: one result per record, in input order, in one process or several.

A screening system sends records (cases) before a decision is taken; each gets a
`ScreenResult` with its record number, its outcome per subject and overall, and its findings.
A record that cannot be read or validated gets an error result naming the record and field;
the run goes on. `--workers N` spreads records over N processes (durable_rules sessions live in
one process each) in bounded windows, so memory stays flat and the output keeps input order:
byte-identical to a single-process run.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.pool
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from pydantic import TypeAdapter
from rexcheck.engine.audit import Audit
from rexcheck.engine.checker import STAGE_BATCH  # records screened together, stage by stage
from rexcheck.engine.errors import InvalidInput
from rexcheck.engine.findings import Finding
from rexcheck.facts.loader import parse_case, parse_case_json
from rexcheck.facts.records import Record

FIRST_WINDOW = 400  # records in the workers' first window (see `screen`)

# Outcomes, most significant first: a record's `outcome` is the first of its subjects'.
OUTCOME_ORDER = ["error", "refuse", "revoke", "refuse_change", "invalid", "not_covered",
                 "findings", "register", "apply_change", "do_not_revoke", "valid", "clean"]


@dataclass  # read-only by convention (frozen costs more to build; slots slow orjson down)
class ScreenResult:
    """One record's result: the JSON line of `rexcheck screen` is this, field for field."""

    record: int
    source: str
    line: int
    case: str | None
    as_of: dt.date | None
    outcome: str
    outcomes: dict[str, str]
    findings: list[Finding]
    pending: list[Finding]
    error: str | None = None
    audit: Audit | None = None

    def to_json(self) -> str:
        """Compact JSON, non-ASCII as is: what pydantic writes for this type, written by
        orjson several times faster; a value orjson cannot write (an integer beyond 64 bits)
        goes through pydantic."""
        return self.to_json_bytes().decode()

    def to_json_bytes(self) -> bytes:
        """`to_json()` as UTF-8: what screening sends and writes, never decoded on the way."""
        try:
            return orjson.dumps(self)
        except orjson.JSONEncodeError:
            return _ADAPTER.dump_json(self)


_ADAPTER = TypeAdapter(ScreenResult)


def subject_outcomes(findings: list[Finding], subjects: list[tuple[str, str]]
                     ) -> dict[str, str]:
    """What the findings mean for each document of the case (application A1: refuse, ...).
    `subjects` are (type, ref) as findings name them (the engine facts' refs)."""
    kinds: dict[str, set[str]] = {}
    for f in findings:
        if f.severity == "info":
            continue  # a notice (e.g. a reading applied) does not change an outcome
        ref = f.subject.ref.split("/")[0]  # a goods item counts for its application
        subject_type = "application" if f.subject.type == "goods_item" else f.subject.type
        kinds.setdefault(f"{subject_type} {ref}", set()).add(f.kind)
    out = {}
    for subject_type, ref in subjects:
        key = f"{subject_type} {ref}"
        found = kinds.pop(key, set())
        out[key] = _outcome(subject_type, found)
    for key, found in kinds.items():
        out[key] = _outcome(key.split(" ")[0], found)
    return dict(sorted(out.items()))


def _outcome(subject_type: str, kinds: set[str]) -> str:
    if "not_covered" in kinds:
        return "not_covered"
    if subject_type == "application":
        return "refuse" if "refusal_ground" in kinds else ("findings" if kinds else "register")
    if subject_type == "consignment":
        return "invalid" if "invalid_statement" in kinds else ("findings" if kinds else "valid")
    if subject_type == "change_report":
        return "refuse_change" if "change_refusal_ground" in kinds else (
            "findings" if kinds else "apply_change")
    if subject_type == "revocation_request":
        if "unfounded_revocation" in kinds:
            return "do_not_revoke"
        return "revoke" if "revocation_ground" in kinds else ("findings" if kinds else "clean")
    return "findings" if kinds else "clean"


_RANK = {outcome: rank for rank, outcome in enumerate(OUTCOME_ORDER)}


def overall(outcomes: dict[str, str]) -> str:
    if not outcomes:
        return "clean"
    return min(outcomes.values(), key=_RANK.__getitem__)


class _Worker:
    """Holds one Checker per process."""

    checker: Any = None

    @classmethod
    def start(cls, rules: str | None, calendar_file: str | None) -> None:
        from rexcheck.engine.calendar import WorkingCalendar
        from rexcheck.engine.checker import Checker

        calendar = WorkingCalendar.load(calendar_file) if calendar_file else None
        cls.checker = Checker(rules, calendar)


class Screened(NamedTuple):
    """One record's result as JSON, its audit-log line if asked, and what the summary needs.
    A named tuple: with several workers the parent process makes one per record, and a tuple
    is made several times faster than a frozen dataclass. The line is UTF-8 bytes, as orjson
    writes it: it is pickled from a worker, and written out, with no decoding and encoding
    of its 3 KB on the way (measured: 4% more records a second with two workers)."""

    line: bytes
    log: str | None
    outcome: str
    counted: bool  # has findings that count (not only information notices)


def screen_records(records: list[Record], as_of: dt.date | None, lang: str,
                   audit_log: bool = False) -> list[Screened]:
    """A few records (`STAGE_BATCH`), done in the worker, so serialising is spread over the
    workers too."""
    out = []
    for result, case in _screen_all(_Worker.checker, records, as_of, lang):
        log = (audit_entry(case, result) if audit_log and case is not None and result.audit
               else None)
        out.append(Screened(result.to_json_bytes(), log, result.outcome,
                            any(f.severity != "info" for f in result.findings)))
    return out


def audit_entry(case: Any, result: ScreenResult) -> str:
    from rexcheck.engine.audit import log_entry

    assert result.audit is not None
    return log_entry(case, result.audit, result.outcome, result.findings)


def screen_one(checker: Any, record: Record, as_of: dt.date | None, lang: str) -> ScreenResult:
    return _screen(checker, record, as_of, lang)[0]


def _screen(checker: Any, record: Record, as_of: dt.date | None, lang: str
            ) -> tuple[ScreenResult, Any]:
    return _screen_all(checker, [record], as_of, lang)[0]


def _screen_all(checker: Any, records: list[Record], as_of: dt.date | None, lang: str
                ) -> list[tuple[ScreenResult, Any]]:
    """Each record's result and case (None when it has none), in order. The valid cases are
    judged together, stage by stage (`Checker.judge_all`)."""
    out: list[Any] = [None] * len(records)
    valid: list[tuple[int, Record, Any]] = []
    for i, record in enumerate(records):
        case = parse_case_json(record.text) if record.text is not None else None
        if case is None:  # not a JSON line, or not a valid case: the long way, which says why
            record = record.parsed()
            case = _validated(record, as_of)
            if isinstance(case, ScreenResult):
                out[i] = (case, None)
                continue
        valid.append((i, record, case))
    judgements = checker.judge_all([case for _, _, case in valid], as_of, lang)
    for (i, record, case), judged in zip(valid, judgements, strict=True):
        out[i] = (_result(record, case, judged), case)
    return out


def _result(record: Record, case: Any, judged: Any) -> ScreenResult:
    if judged.error:
        return ScreenResult(record.number, record.source, record.line, case.case, judged.as_of,
                            "error", {}, [], [], f"record {record.number}: {judged.error}",
                            judged.audit)
    outcomes = subject_outcomes(judged.findings, judged.subjects)
    return ScreenResult(record.number, record.source, record.line, case.case, judged.as_of,
                        overall(outcomes), outcomes, judged.findings, judged.pending, None,
                        judged.audit)


def _validated(record: Record, as_of: dt.date | None) -> Any:
    """The record's case, or the error result that says why it has none."""
    base = {"record": record.number, "source": record.source, "line": record.line}
    if record.problem is not None:
        return ScreenResult(**base, case=None, as_of=as_of, outcome="error", outcomes={},
                            findings=[], pending=[], error=record.problem.format())
    case_id = record.data.get("case") if isinstance(record.data, dict) else None
    case_id = case_id if isinstance(case_id, str) else None
    try:
        assert record.positions is not None
        return parse_case(record.data, record.positions)
    except InvalidInput as exc:
        message = "; ".join(f"record {record.number}: {d.format()}"
                            for d in sorted(exc.diagnostics))
        return ScreenResult(**base, case=case_id, as_of=as_of, outcome="error", outcomes={},
                            findings=[], pending=[], error=message)


def screen(records: Iterable[Record], rules: Path | str | None, as_of: dt.date | None,
           workers: int = 1, lang: str = "en", window: int = 4000,
           calendar_file: str | None = None, audit_log: bool = False,
           stage: int = STAGE_BATCH) -> Iterator[Screened]:
    """One `Screened` per record, in input order. One process screens `stage` records at a
    time (it reads that many ahead: 1 for a person typing records at a terminal)."""
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
    import ctypes
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
        return [self._change_notifier._reader]


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
    counts: dict[str, int] = {}
    total = errors = with_findings = 0
    for item in results:
        total += 1
        errors += item.outcome == "error"
        with_findings += item.counted
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
    return {"results": total, "errors": errors, "with_findings": with_findings,
            "outcomes": dict(sorted(counts.items()))}


"""`rexcheck screen`: bulk screening, one result per record, streamed in input order."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import signal
import stat
import sys
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

import click
from rexcheck.cli.common import (
    AUDIT_KEY_OPTION,
    AUDIT_LOG_OPTION,
    DATE,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT_CLOSED,
    RULES_OPTION,
    audit_log_failed,
    check_readable,
    detach_output,
    echo_err,
    fail,
    open_audit_log,
    read_audit_key,
)
from rexcheck.facts.base.errors import InvalidInput

if TYPE_CHECKING:  # screening is imported when records are screened (start-up time)
    from rexcheck.engine.services.screening import Screened


class Progress:
    """Records done, rate and ETA on standard error, only when it is a terminal (whatever
    standard output is: a file, a pipe); `screen` and `whatif` show it."""

    def __init__(self, total: int | None, stream: TextIO):
        self.total = total
        self.stream = stream
        self.enabled = stream.isatty()
        self.start = time.monotonic()
        self.last = 0.0
        self.done = 0

    def tick(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.done == 1:  # the rate runs from the first result, not from loading the rules
            self.start = now
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        rate = (self.done - 1) / max(now - self.start, 1e-9)
        shown = f" {rate:,.0f}/s" if rate else ""
        text = f"\r{self.done} records{shown}"
        if self.total:
            left = f" ETA {max(self.total - self.done, 0) / rate:,.0f}s" if rate else ""
            text = (f"\r[{'#' * int(30 * self.done / self.total):30}] {self.done}/{self.total}"
                    f"{shown}{left}")
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


def _count_lines(inputs: tuple[str, ...], skip: int = 0) -> int | None:
    """The records to come, for the progress bar's ETA: counted only in regular files (a
    pipe or a FIFO is read once, by the screening itself), else None."""
    total = 0
    for name in inputs:
        if Path(name).suffix.lower() not in (".jsonl", ".ndjson", ".csv"):
            return None
        try:
            if not stat.S_ISREG(os.stat(name).st_mode):
                return None
            with open(name, "rb") as f:
                total += sum(1 for line in f if line.strip())
        except OSError:
            return None
        if Path(name).suffix.lower() == ".csv":
            total -= 1
    return max(total - skip, 0)


CSV_COLUMNS = ["record", "source", "line", "case", "outcome", "findings", "notices", "pending",
               "rule_ids", "error"]


def _write(results: Iterable[Screened], fmt: str, out: TextIO, header: bool = True
           ) -> Iterator[Screened]:
    """Write each result as it comes, and pass it on for the summary."""
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer and header:
        writer.writerow(CSV_COLUMNS)
    if fmt == "json":
        out.write("[")
    first = True
    # JSON lines are UTF-8 (as JSON must be) and come as bytes: written as they are
    binary = getattr(out, "buffer", None) if fmt == "jsonl" else None
    each_line = getattr(out, "line_buffering", False)  # a terminal: show each line at once
    if binary is not None:
        out.flush()
    for item in results:
        line = item.line
        data = json.loads(line) if fmt in ("csv", "text") else {}
        if fmt == "jsonl":
            if binary is not None:
                binary.write(line + b"\n")
                if each_line:
                    binary.flush()
            else:
                out.write(line.decode() + "\n")
        elif fmt == "json":
            out.write(("\n" if first else ",\n") + line.decode())
        elif writer:
            source = data["source"] or {}
            writer.writerow([source.get("record"), source.get("file"), source.get("line"),
                             data["case"] or "", data["outcome"], len(data["findings"]),
                             len(data["notices"]), len(data["pending"]),
                             " ".join(f["rule_id"] for f in data["findings"]),
                             "; ".join(p["message"] for p in data["errors"])])
        else:
            out.write(_text(data))
        first = False
        yield item
    if fmt == "json":
        out.write("\n]\n")


def _text(data: dict) -> str:
    source = data["source"] or {}
    head = f"#{source.get('record')} {data['case'] or '?'}: {data['outcome']}"
    lines = [head]
    for o in data["outcomes"]:
        lines.append(f"  {o['document']}: {o['outcome']}")
    for p in data["errors"]:
        where = f"{p['file']}:{p['line']}:{p['column']}: " if p.get("file") else ""
        lines.append(f"  ERROR   {where}{p['message']} [{p['code']}]")
    for f in data["findings"] + data["notices"]:
        label = "NOTICE" if f["severity"] == "info" else f["severity"].upper()
        lines.append(f"  {label:7} {f['rule_id']} [{f['citation']['ref']}] "
                     f"{f['subject']['type']} {f['subject']['ref']}: {f['message']}")
    return "\n".join(lines) + "\n"


@click.command(short_help="Judge case records in bulk: one result per record, in order.")
@click.argument("inputs", nargs=-1, required=True)
@RULES_OPTION
@click.option("--as-of", type=DATE,
              help="Judge every record on this date; default: the record's as_of, else today.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "text", "csv"]),
              default="jsonl", show_default=True, help="Output format (one result per record).")
@click.option("--input-format", type=click.Choice(["jsonl", "json", "yaml", "csv"]),
              help="Format of the inputs; default: from the file name, or guessed for stdin.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes to spread records over; output is identical for any N.")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of finding messages and of the errors of records that cannot be "
              "read or validated.")
@AUDIT_LOG_OPTION
@AUDIT_KEY_OPTION
@click.option("--skip", type=click.IntRange(0), default=0, show_default=True,
              help="Skip the first N records (they are read, not screened) and number the "
              "others from N+1, to resume an interrupted run: its output can be appended to "
              "the results written before (no CSV header is written again).")
@click.pass_context
def screen(ctx: click.Context, inputs: tuple[str, ...], rules_dir: Path | None,
           as_of: dt.date | None, fmt: str, input_format: str | None, workers: int, lang: str,
           audit_log: Path | None, audit_key_file: Path | None, skip: int) -> None:
    """Screen case records in bulk: JSONL, JSON, YAML or CSV files, or - for standard input.

    Streams one result per record, in input order, to standard output: the same result
    object as `rexcheck check --format json` gives (schema rexcheck.result/1, docs/result.md),
    with the record number, file and line in `source`: the outcome of each document and of
    the case (register, refuse, valid, invalid, not_covered, revoke, ..., or error), the
    findings with citations, the notices and pending steps apart. A record that cannot be
    read or validated gets an error result naming the record and field, and the run goes
    on. The summary (records in, results out, errors, outcomes, the last record written) goes
    to standard error, and while it runs, when standard error is a terminal, the records done,
    rate and time left. An interrupted run (Ctrl-C) says there which record it wrote last and
    how to resume; after a `kill -9`, the last whole line of the results names its record.

    \b
    Examples:
      rexcheck screen population.jsonl > results.jsonl
      python bench/generate.py --cases 1000 --seed 1 | rexcheck screen - --workers 2
      rexcheck screen cases.csv --format csv --as-of 2026-05-01
      rexcheck screen population.jsonl --skip 41000 >> results.jsonl   # resume a run
      rexcheck screen cases.jsonl --audit-log decisions.jsonl --audit-key audit.key

    \b
    Exit codes:
      0  no findings (notices do not count)
      1  findings (errors or warnings)
      2  some record could not be read, validated or judged (its result says why), or the
         rules are invalid (nothing is screened)
      130  interrupted (Ctrl-C): the summary says which --skip resumes the run
      141  the output was closed by its reader (e.g. `| head`): a quiet stop
    """
    from rexcheck.engine.core.loader import load_rules
    from rexcheck.engine.services.auditchain import AuditLogError
    from rexcheck.engine.services.screening import STAGE_BATCH, summarise
    from rexcheck.engine.services.screening import screen as run_screen
    from rexcheck.facts.records import read_records

    check_readable(inputs)
    key = read_audit_key(ctx, audit_key_file, needed=audit_log is not None)
    try:
        load_rules(rules_dir)  # fail fast, before any record is read
    except InvalidInput as exc:
        fail(exc.diagnostics)
    log = open_audit_log(audit_log, key) if audit_log else None
    progress = Progress(None, sys.stderr)
    if progress.enabled:  # a person watches: worth reading the files once more to count
        progress.total = _count_lines(inputs, skip)
    records_in = 0
    ctrl_c = _CtrlC()

    def counted(records):
        nonlocal records_in
        records = iter(records)
        while True:
            ctrl_c.waiting = True  # Ctrl-C while the input is awaited stops at once
            try:
                record = next(records)
            except StopIteration:
                return
            finally:
                ctrl_c.waiting = False
            records_in += 1
            yield record

    out = sys.stdout
    typed = "-" in inputs and sys.stdin.isatty()  # a person typing: answer each record at once
    pairs = run_screen(counted(read_records(list(inputs), input_format, skip=skip)), rules_dir,
                       as_of, workers, lang, audit_log=log is not None,
                       stage=1 if typed else STAGE_BATCH)

    def logged(results):
        for item in results:  # logged before it is written out
            if log is not None and item.log is not None:
                log.append_decision(item.log)
            yield item

    lines = logged(pairs)
    written = 0  # results written: the last record written is skip + written

    def ticking(stream):
        nonlocal written
        for data in stream:
            written += 1
            progress.tick()
            ctrl_c.check()  # the result is written and counted: a clean place to stop
            yield data

    ctrl_c.install()
    try:
        summary = summarise(ticking(_write(lines, fmt, out, header=skip == 0)))
        if log is not None:
            log.close()
        out.flush()
    except AuditLogError as exc:
        out.flush()
        progress.close()
        audit_log_failed(exc.diagnostic)
    except KeyboardInterrupt:
        _stopped(pairs, log, progress, "interrupted", skip + written, EXIT_INTERRUPTED, out)
    except BrokenPipeError:
        _stopped(pairs, log, progress, "the output was closed by its reader", skip + written,
                 EXIT_OUTPUT_CLOSED, None)
    ctrl_c.uninstall()
    progress.close()
    summary = {"records_in": records_in, "results_out": summary["cases"], "skipped": skip,
               "last_record": skip + written, **summary}
    click.echo(f"screened {summary['records_in']} record(s): {summary['results_out']} "
               f"result(s), {summary['errors']} error(s); outcomes: "
               + ", ".join(f"{k} {v}" for k, v in summary["outcomes"].items())
               + f"; last record written: {summary['last_record']}", err=True)
    click.echo(json.dumps({"summary": summary}, sort_keys=True), err=True)
    if summary["errors"]:
        sys.exit(2)
    sys.exit(1 if summary["with_findings"] else 0)


class _CtrlC:
    """Ctrl-C stops a run between two results: once the result in hand is written and
    counted, never in the middle of a write or of the worker pool's own bookkeeping (where
    stopping could leave a line half-written, miscount the last record written, or hang the
    pool as it ends). While the input is awaited, or at a second Ctrl-C, it stops at once."""

    def __init__(self) -> None:
        self.asked = False
        self.waiting = False
        # the handler before ours, as signal.signal returns it
        self._previous: Callable[[int, FrameType | None], Any] | int | None = None

    def install(self) -> None:
        with contextlib.suppress(ValueError):  # not the main thread: Ctrl-C as Python has it
            self._previous = signal.signal(signal.SIGINT, self._handler)

    def uninstall(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _handler(self, signum, frame) -> None:
        if self.waiting or self.asked:
            raise KeyboardInterrupt
        self.asked = True

    def check(self) -> None:
        if self.asked:
            raise KeyboardInterrupt


def _stopped(pairs: Generator, log, progress: Progress, why: str, last: int, code: int,
             out: TextIO | None) -> None:
    """End a run that was stopped: the workers ended, the audit log closed (its lines are
    those of the results written, and one more at most), the results written kept whole
    (when the output is still there), and where to resume said on standard error."""
    with contextlib.suppress(Exception, KeyboardInterrupt):
        pairs.close()  # ends the worker pool, if any
    if log is not None:
        with contextlib.suppress(Exception, KeyboardInterrupt):
            log.close()
    if out is not None:
        with contextlib.suppress(OSError, ValueError, KeyboardInterrupt):
            out.flush()  # the lines written stay whole
    else:
        detach_output()
    progress.close()
    echo_err(f"rexcheck: {why} after record {last} was written; to resume, run the same "
              f"command with --skip {last} and append its output")
    sys.exit(code)

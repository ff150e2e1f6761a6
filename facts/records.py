"""Read case records in bulk, one at a time: JSONL, JSON, YAML or CSV, from files or stdin.

Each record comes out as a `Record` with its number (1-based, across all inputs), its source
and either the raw data or the diagnostic that says why it could not be read. A record that
cannot be read never stops the others. JSONL and CSV are streamed line by line, in binary (a
line ends at b"\n" only; a BOM at the start is passed over), so memory stays flat however long
the input is and one bad byte costs one record; JSON and YAML documents are read whole, at
most to their size limit. Every input is read once: a pipe or a FIFO as well as a file.

CSV: one case per row; a column's header is the field path, with list positions as numbers:
`case, exporter.tin, exporter.name, applications.0.channel, applications.0.languages`; a
cell holding a list is written with `|` between items (`ru|en`); empty cells are left out. A
header whose columns would overwrite each other (a column given twice, or a record beside
one of its fields) refuses every row.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from rexcheck.facts.base.errors import Diagnostic, InvalidInput
from rexcheck.facts.base.yamlsource import MAX_FILE_BYTES, Positions, load_yaml, read_text
from rexcheck.facts.jsontext import duplicate_key, keys_unique, parse_json_line

__all__ = ["FORMATS", "MAX_LINE", "Record", "guess_format", "parse_json_line", "read_records"]

FORMATS = ("jsonl", "json", "yaml", "csv")
MAX_LINE = 1_000_000  # bytes of one JSON line or CSV row
# An over-long line is one error record, and the reader skips to its end; a line with no end
# in sight (a device such as /dev/zero, or a file of one huge line) ends the input instead.
MAX_SKIPPED = 64 * MAX_LINE
BOM = b"\xef\xbb\xbf"  # what Excel and some Windows tools put at the start of UTF-8 files


@dataclass
class Record:
    number: int
    source: str
    line: int
    data: Any = None
    positions: Positions | None = None
    problem: Diagnostic | None = None
    text: str | None = None  # a JSON line not parsed yet (parsed where it is screened)

    def parsed(self) -> Record:
        """The record with its JSON text parsed; a worker process does this, not the reader."""
        if self.text is None:
            return self
        try:
            data = parse_json_line(self.text)
        except (json.JSONDecodeError, ValueError) as exc:
            col = getattr(exc, "colno", 1)
            return self._refused(col, f"not valid JSON: {getattr(exc, 'msg', exc)}", "json")
        except RecursionError:
            return self._refused(1, "nesting too deep to read", "too-deep")
        if not keys_unique(self.text):
            twice = duplicate_key(self.text)
            if twice is not None:
                field = ".".join(map(str, twice.path + (twice.key,)))
                return self._refused(twice.column, f"key '{twice.key}' is given twice in one "
                                     f"object (first at column {twice.first}); JSON readers "
                                     "would keep only the last, silently", "duplicate-key",
                                     field, "remove one of the two")
        return Record(self.number, self.source, self.line, data=data,
                      positions=Positions(self.source, {(): (self.line, 1)}))

    def _refused(self, column: int, message: str, code: str, field: str | None = None,
                 hint: str | None = None) -> Record:
        return Record(self.number, self.source, self.line, problem=Diagnostic(
            self.source, self.line, column, message, code, field=field, hint=hint))


def guess_format(name: str, head: bytes | str = b"") -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "jsonl"
    return "yaml"


def read_records(inputs: list[str], fmt: str | None = None,
                 stdin: BinaryIO | None = None, skip: int = 0) -> Iterator[Record]:
    """Every record of every input, numbered in order from 1; the first `skip` are read (to
    number the others as before) but not given (`screen --skip`: resuming a run)."""
    number = 0
    for name in inputs:
        for record in _read_one(name, fmt, stdin):
            number += 1
            if number > skip:
                record.number = number
                yield record


def _read_one(name: str, fmt: str | None, stdin: BinaryIO | None) -> Iterator[Record]:
    """The records of one input, read once, as a stream, in binary: lines end at b"\n" only
    (a lone CR, or a Unicode line separator, inside a line does not split a record), and each
    line is decoded on its own, so one bad byte costs one record, not the rest of the input."""
    source = "<stdin>" if name == "-" else name
    try:
        stream: BinaryIO = (stdin or sys.stdin.buffer) if name == "-" else open(name, "rb")  # noqa: SIM115 (closed by the `with` below, after the error is reported)
    except OSError as exc:
        yield _unreadable(source, exc)
        return
    with contextlib.nullcontext(stream) if name == "-" else stream:
        try:
            first = stream.readline(MAX_LINE + 1)
        except OSError as exc:  # e.g. a directory, on systems that open one
            yield _unreadable(source, exc)
            return
        offset = 0
        if first.startswith(BOM):
            first, offset = first[len(BOM):], len(BOM)
        fmt = fmt or guess_format(name, first)
        if fmt == "jsonl":
            yield from _jsonl(_lines(stream, source, first, offset), source)
        elif fmt == "csv":
            yield from _csv(_lines(stream, source, first, offset), source)
        else:
            yield from _document(stream, source, first, offset)


def _unreadable(source: str, exc: OSError) -> Record:
    return Record(0, source, 1, problem=Diagnostic(source, 1, 1, f"cannot read: "
                                                   f"{exc.strerror or exc}", "io"))


def _lines(stream: BinaryIO, source: str, first: bytes, offset: int
           ) -> Iterator[tuple[int, str | Diagnostic]]:
    """Lines with their numbers; a line that is not UTF-8 or too long becomes a diagnostic
    (with the byte offset of the bad byte in the input), and the next line is read as usual."""
    number = 0
    chunk = first
    while chunk:
        number += 1
        start, offset = offset, offset + len(chunk)
        if len(chunk) > MAX_LINE and not chunk.endswith(b"\n"):
            skipped = len(chunk)
            while chunk and not chunk.endswith(b"\n") and skipped <= MAX_SKIPPED:
                chunk = stream.readline(MAX_LINE + 1)
                skipped += len(chunk)
                offset += len(chunk)
            if skipped > MAX_SKIPPED:  # e.g. /dev/zero: there may be no end to it
                yield number, Diagnostic(source, number, 1, f"line longer than {MAX_LINE} bytes, "
                                         f"with no end in its first {MAX_SKIPPED} bytes; the "
                                         "rest of this input is not read", "too-large")
                return
            yield number, Diagnostic(source, number, 1, f"line longer than {MAX_LINE} bytes",
                                     "too-large")
        else:
            try:
                yield number, chunk.decode("utf-8")
            except UnicodeDecodeError as exc:
                column = len(chunk[:exc.start].decode("utf-8")) + 1
                yield number, Diagnostic(source, number, column, f"byte 0x{chunk[exc.start]:02x} "
                                         f"(byte offset {start + exc.start} of the input) is not "
                                         "valid UTF-8", "encoding", hint="save the file as UTF-8")
        chunk = stream.readline(MAX_LINE + 1)


def _jsonl(lines: Iterator[tuple[int, str | Diagnostic]], source: str) -> Iterator[Record]:
    for line_no, line in lines:
        if isinstance(line, Diagnostic):
            yield Record(0, source, line_no, problem=line)
        elif line.strip():
            yield Record(0, source, line_no, text=line)


def _document(stream: BinaryIO, source: str, first: bytes, offset: int) -> Iterator[Record]:
    """A JSON or YAML document: read whole, but never more than MAX_FILE_BYTES of it."""
    data = first + stream.read(MAX_FILE_BYTES + 1 - len(first))
    try:
        if offset + len(data) > MAX_FILE_BYTES:
            raise InvalidInput([Diagnostic(source, 1, 1, f"input is more than {MAX_FILE_BYTES} "
                                           "bytes, too large to read whole; use JSONL to stream "
                                           "it", "too-large")])
        data, positions = load_yaml(source, read_text(source, data))
    except InvalidInput as exc:
        yield Record(0, source, exc.diagnostics[0].line, problem=exc.diagnostics[0])
        return
    prefix: tuple = ()
    if isinstance(data, dict) and "cases" in data and "case" not in data:
        data, prefix = data["cases"], ("cases",)
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        where = prefix + (i,) if isinstance(data, list) else ()
        line = positions.of(where)[0]
        yield Record(0, source, line, data=item, positions=positions.child(where))


def _csv(lines: Iterator[tuple[int, str | Diagnostic]], source: str) -> Iterator[Record]:
    """One record per row. A line that cannot be read is an error record of its own: the CSV
    reader is given a blank line in its place (blank rows are no records)."""
    unreadable: list[tuple[int, Diagnostic]] = []

    def readable() -> Iterator[str]:
        for number, line in lines:
            if isinstance(line, Diagnostic):
                unreadable.append((number, line))
                yield "\n"
            else:
                yield line

    reader = csv.reader(readable())
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except csv.Error as exc:
        yield Record(0, source, 1, problem=Diagnostic(source, 1, 1, f"bad CSV header: {exc}",
                                                       "csv"))
        return
    header_problem = _header_problem(header, source) if not unreadable else unreadable[0][1]
    unreadable.clear()
    paths = [_column_path(name) for name in header]
    while True:
        row: list[str] | csv.Error | None
        try:
            row = next(reader)
        except StopIteration:
            row = None
        except csv.Error as exc:
            row = exc
        for number, problem in unreadable:
            yield Record(0, source, number, problem=problem)
        unreadable.clear()
        if row is None:
            return
        line = reader.line_num
        if isinstance(row, csv.Error):
            yield Record(0, source, line, problem=Diagnostic(source, line, 1,
                                                             f"bad CSV row: {row}", "csv"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        yield _row(row, line, header, paths, header_problem, source)


def _row(row: list[str], line: int, header: list[str], paths: list[tuple], header_problem:
         Diagnostic | None, source: str) -> Record:
    def refused(column: int, message: str, code: str = "csv", field: str | None = None) -> Record:
        return Record(0, source, line, problem=Diagnostic(source, line, column, message, code,
                                                          field=field))

    if header_problem is not None:
        return refused(header_problem.column, f"the header (line 1) cannot be used: "
                       f"{header_problem.message}", header_problem.code, header_problem.field)
    if len(row) != len(header):
        return refused(1, f"row has {len(row)} cells, the header {len(header)}")
    for column, cell in enumerate(row, start=1):
        if "\x00" in cell:
            return refused(column, "cell holds a NUL character", "nul",
                           ".".join(map(str, paths[column - 1])))
    try:
        data = _unflatten(paths, row)
    except ValueError as exc:
        return refused(1, str(exc))
    positions = Positions(source, {(): (line, 1)})
    for column, path in enumerate(paths, start=1):
        positions.at[path] = (line, column)
    return Record(0, source, line, data=data, positions=positions)


def _column_path(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in name.strip().split("."))


def _header_problem(header: list[str], source: str) -> Diagnostic | None:
    """A header that would let one cell silently overwrite another: a column given twice
    (`case,case`, or `goods.0.x` and `goods.00.x`), or a column that is the record another
    column is a field of (`exporter` beside `exporter.tin`)."""
    seen: dict[tuple, int] = {}
    for column, name in enumerate(header, start=1):
        path = _column_path(name)
        if "\x00" in name:
            return Diagnostic(source, 1, column, "column name holds a NUL character", "nul")
        if path in seen:
            return Diagnostic(source, 1, column, f"column '{name.strip()}' is given twice "
                              f"(columns {seen[path]} and {column}); one value would be lost",
                              "duplicate-key", field=name.strip())
        seen[path] = column
    for path, column in seen.items():
        for n in range(1, len(path)):
            if path[:n] in seen:
                return Diagnostic(source, 1, column, f"column '{header[column - 1].strip()}' "
                                  f"is a field of column {seen[path[:n]]} "
                                  f"'{header[seen[path[:n]] - 1].strip()}', which holds a value",
                                  "duplicate-key", field=header[column - 1].strip())
    return None


LIST_FIELDS = {"languages", "activity", "hs_codes", "documents", "kinds", "supporting_documents"}


def _unflatten(paths: list[tuple], row: list[str]) -> dict:
    out: dict = {}
    for path, cell in zip(paths, row, strict=True):  # _row refused a row of another width
        cell = cell.strip()
        if cell == "":
            continue
        value: Any = cell.split("|") if path[-1] in LIST_FIELDS else _scalar(cell)
        node: Any = out
        for key, nxt in zip(path, path[1:] + (None,), strict=True):
            if nxt is None:
                _set(node, key, value)
            else:
                child = _get(node, key)
                if child is None:
                    child = [] if isinstance(nxt, int) else {}
                    _set(node, key, child)
                node = child
    return out


def _scalar(cell: str) -> Any:
    lowered = cell.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return cell


def _get(node: Any, key: Any) -> Any:
    if isinstance(node, list):
        return node[key] if isinstance(key, int) and key < len(node) else None
    return node.get(key)


def _set(node: Any, key: Any, value: Any) -> None:
    if isinstance(node, list):
        if not isinstance(key, int) or key > len(node) or key > 1000:
            raise ValueError(f"list positions must count up from 0 (got {key})")
        if key == len(node):
            node.append(value)
        else:
            node[key] = value
    elif isinstance(node, dict):
        node[key] = value
    else:
        raise ValueError("a column mixes a value and a record at the same path")

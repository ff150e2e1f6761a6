"""Read case records in bulk, one at a time: JSONL, JSON, YAML or CSV, from files or stdin.

Each record comes out as a `Record` with its number (1-based, across all inputs), its source
and either the raw data or the diagnostic that says why it could not be read. A record that
cannot be read never stops the others. JSONL and CSV are streamed line by line, so memory stays
flat however long the input is; JSON and YAML documents are read whole (size-limited).

CSV: one case per row; a column's header is the field path, with list positions as numbers:
`case, exporter.tin, exporter.name, applications.0.channel, applications.0.languages`; a
cell holding a list is written with `|` between items (`ru|en`); empty cells are left out.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import orjson
from rexcheck.engine.errors import Diagnostic, InvalidInput
from rexcheck.engine.yamlsource import MAX_FILE_BYTES, Positions, load_yaml, read_text

FORMATS = ("jsonl", "json", "yaml", "csv")
MAX_LINE = 1_000_000


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
            return Record(self.number, self.source, self.line, problem=Diagnostic(
                self.source, self.line, col, f"not valid JSON: {getattr(exc, 'msg', exc)}",
                "json"))
        return Record(self.number, self.source, self.line, data=data,
                      positions=Positions(self.source, {(): (self.line, 1)}))


def guess_format(name: str, head: str = "") -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "jsonl"
    return "yaml"


def read_records(inputs: list[str], fmt: str | None = None,
                 stdin: TextIO | None = None) -> Iterator[Record]:
    """Every record of every input, numbered in order."""
    number = 0
    for name in inputs:
        for record in _read_one(name, fmt, stdin):
            number += 1
            record.number = number
            yield record


def _read_one(name: str, fmt: str | None, stdin: TextIO | None) -> Iterator[Record]:
    source = "<stdin>" if name == "-" else name
    try:
        if name == "-":
            stream: TextIO = stdin or io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8",
                                                        errors="strict")
        else:
            stream = open(name, encoding="utf-8", errors="strict", newline="")
    except OSError as exc:
        yield Record(0, source, 1, problem=Diagnostic(source, 1, 1,
                     f"cannot read: {exc.strerror}", "io"))
        return
    with stream if name != "-" else contextlib.nullcontext(stream):
        head = ""
        if fmt is None:
            head = stream.read(64) if name == "-" else ""
            fmt = guess_format(name, head)
        if fmt == "jsonl":
            yield from _jsonl(stream, source, head)
        elif fmt == "csv":
            yield from _csv(stream, source, head)
        else:
            yield from _document(stream, source, head, fmt)


def _lines(stream: TextIO, head: str, source: str) -> Iterator[tuple[int, str | Diagnostic]]:
    """Lines with their numbers; a line that is not UTF-8 or too long becomes a diagnostic."""
    pending = head
    number = 0
    while True:
        try:
            chunk = stream.readline(MAX_LINE + 1)
        except UnicodeDecodeError as exc:
            number += 1
            yield number, Diagnostic(source, number, 1, f"not valid UTF-8 ({exc.reason}); "
                                     "the rest of this input cannot be read", "encoding")
            return
        if pending:
            chunk, pending = pending + chunk, ""
        if not chunk:
            return
        number += 1
        if len(chunk) > MAX_LINE and not chunk.endswith("\n"):
            yield number, Diagnostic(source, number, 1, f"line longer than {MAX_LINE} "
                                     "characters", "too-large")
            while chunk and not chunk.endswith("\n"):
                chunk = stream.readline(MAX_LINE + 1)
            continue
        yield number, chunk


def _jsonl(stream: TextIO, source: str, head: str) -> Iterator[Record]:
    for line_no, line in _lines(stream, head, source):
        if isinstance(line, Diagnostic):
            yield Record(0, source, line_no, problem=line)
            continue
        if not line.strip():
            continue
        yield Record(0, source, line_no, text=line)


# orjson reads a line about twice as fast as the standard library and agrees with it on every
# valid record but one: it reads an integer beyond 64 bits as a double, silently. A line with
# 19 or more digits in a row, and any line orjson refuses (so the error names the line and
# column the standard library's way), goes through the standard library. The digit run is
# found by mapping every digit to 0 and searching for 19 zeros: ten times faster than a regex.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def parse_json_line(text: str) -> Any:
    if _LONG_NUMBER not in text.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _document(stream: TextIO, source: str, head: str, fmt: str) -> Iterator[Record]:
    try:
        text = head + stream.read(MAX_FILE_BYTES + 1)
    except UnicodeDecodeError:
        text = None
    try:
        if text is None:
            read_text(source)  # gives the exact position of the bad byte
            raise InvalidInput([Diagnostic(source, 1, 1, "not valid UTF-8", "encoding")])
        if len(text) > MAX_FILE_BYTES:
            raise InvalidInput([Diagnostic(source, 1, 1, "input is too large to read whole; "
                                           "use JSONL to stream it", "too-large")])
        data, positions = load_yaml(source, text)
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


def _csv(stream: TextIO, source: str, head: str) -> Iterator[Record]:
    lines = (line for _, line in _lines(stream, head, source) if isinstance(line, str))
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield Record(0, source, 1, problem=Diagnostic(source, 1, 1, f"bad CSV header: {exc}",
                                                       "csv"))
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(0, source, reader.line_num, problem=Diagnostic(
                source, reader.line_num, 1, f"bad CSV row: {exc}", "csv"))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Record(0, source, line, problem=Diagnostic(
                source, line, 1, f"row has {len(row)} cells, the header {len(header)}", "csv"))
            continue
        try:
            data = _unflatten(header, row)
        except ValueError as exc:
            yield Record(0, source, line, problem=Diagnostic(source, line, 1, str(exc), "csv"))
            continue
        positions = Positions(source, {(): (line, 1)})
        for col, name in enumerate(header, start=1):
            positions.at[tuple(int(p) if p.isdigit() else p for p in name.split("."))] = (line, col)
        yield Record(0, source, line, data=data, positions=positions)


LIST_FIELDS = {"languages", "activity", "hs_codes", "documents", "kinds", "supporting_documents"}


def _unflatten(header: list[str], row: list[str]) -> dict:
    out: dict = {}
    for name, cell in zip(header, row):
        cell = cell.strip()
        if cell == "":
            continue
        parts = name.strip().split(".")
        value: Any = cell.split("|") if parts[-1] in LIST_FIELDS else _scalar(cell)
        node: Any = out
        for part, nxt in zip(parts, parts[1:] + [None]):
            key: Any = int(part) if part.isdigit() else part
            if nxt is None:
                _set(node, key, value)
            else:
                child = _get(node, key)
                if child is None:
                    child = [] if nxt.isdigit() else {}
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

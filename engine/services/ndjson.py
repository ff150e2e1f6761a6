"""NDJSON over HTTP, in bounded memory: records cut from a request body that arrives in chunks,
and results held in order until the client reads them.

`Lines` turns chunks of bytes into records (`facts.records.Record`), numbered as `rexcheck
screen` numbers them: a blank line is no record; a line that is not UTF-8, or longer than
`MAX_LINE`, is a record with its problem (it gets an error result: in == out). It holds at
most one unfinished line, and skips the rest of a line too long without keeping it.

`Spool` keeps the results in order between the engine and the client. Many clients (Python's
requests and httpx among them) send the whole body before they read any of the answer; if the
service stopped reading the body whenever the client is not reading the answer, both would
wait for ever. So results always go into the spool, and past `MEMORY` bytes the spool writes
them to a temporary file: memory stays bounded however long the stream, and the disk holds
only what the client has not read yet (the file is deleted when the stream ends).
"""

from __future__ import annotations

import asyncio
import collections
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import IO

from rexcheck.facts.base.errors import Diagnostic
from rexcheck.facts.records import MAX_LINE, Record

MEMORY = 8 * 1024 * 1024  # results held in memory before the spool writes them to disk
READ_BACK = 256 * 1024  # bytes read back from the spool file at a time


class Lines:
    """Records from a byte stream, one per non-blank line."""

    def __init__(self, source: str, max_line: int = MAX_LINE):
        self.source = source
        self.max_line = max_line
        self.pending = bytearray()
        self.skipping = False  # inside a line already too long: drop bytes until its end
        self.line = 0  # lines seen
        self.number = 0  # records made
        self.refused: Record | None = None  # a line refused while it was still arriving

    def feed(self, chunk: bytes) -> Iterator[Record]:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                self._keep(chunk[start:])
                if self.refused is not None:
                    yield self.refused
                    self.refused = None
                return
            piece = chunk[start:end]
            start = end + 1
            self.line += 1
            if self.skipping:
                self.skipping = False
                self.pending.clear()
                continue
            if self.pending:
                self.pending += piece
                piece, self.pending = bytes(self.pending), bytearray()
            record = self._record(piece)
            if record is not None:
                yield record

    def close(self) -> Iterator[Record]:
        """The last line, when the body does not end with a line break."""
        if self.skipping or self.pending:
            self.line += 1
            piece, self.pending = bytes(self.pending), bytearray()
            if not self.skipping:
                record = self._record(piece)
                if record is not None:
                    yield record

    def _keep(self, rest: bytes) -> None:
        if self.skipping:
            return
        self.pending += rest
        if len(self.pending) > self.max_line:
            # the record is refused now, named by the line it starts on
            self.number += 1
            self.skipping = True
            self.pending.clear()
            self.refused = Record(self.number, self.source, self.line + 1, problem=Diagnostic(
                self.source, self.line + 1, 1, f"line longer than {self.max_line} bytes",
                "too-large"))

    def _record(self, piece: bytes) -> Record | None:
        if piece.endswith(b"\r"):
            piece = piece[:-1]
        if len(piece) > self.max_line:
            self.number += 1
            return Record(self.number, self.source, self.line, problem=Diagnostic(
                self.source, self.line, 1, f"line longer than {self.max_line} bytes",
                "too-large"))
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.number += 1
            return Record(self.number, self.source, self.line, problem=Diagnostic(
                self.source, self.line, exc.start + 1,
                f"byte 0x{piece[exc.start]:02x} is not valid UTF-8", "encoding"))
        if not text.strip():
            return None
        self.number += 1
        return Record(self.number, self.source, self.line, text=text)


class Spool:
    """Bytes in order from one producer to one consumer, in memory up to `memory` bytes and
    in a temporary file past that."""

    def __init__(self, memory: int = MEMORY):
        self.memory = memory
        self.held: collections.deque[bytes] = collections.deque()
        self.held_bytes = 0
        self.file: IO[bytes] | None = None
        self.written = 0
        self.read = 0
        self.closed = False
        self.ready = asyncio.Event()
        self.spilled = 0  # bytes that went through the file (for the tests and the docs)

    def put(self, data: bytes) -> None:
        if not data:
            return
        if self.file is None and self.held_bytes + len(data) <= self.memory:
            self.held.append(data)
            self.held_bytes += len(data)
        else:
            if self.file is None:
                self.file = tempfile.TemporaryFile(prefix="rexcheck-spool-")  # noqa: SIM115 - open until drained
                self.written = self.read = 0
            self.file.seek(self.written)
            self.file.write(data)
            self.written += len(data)
            self.spilled += len(data)
        self.ready.set()

    def close(self) -> None:
        self.closed = True
        self.ready.set()

    def _take(self) -> bytes | None:
        if self.held:
            data = self.held.popleft()
            self.held_bytes -= len(data)
            return data
        if self.file is not None:
            if self.read < self.written:
                self.file.seek(self.read)
                data = self.file.read(min(READ_BACK, self.written - self.read))
                self.read += len(data)
                return data
            self.file.close()  # drained: what comes next is held in memory again
            self.file = None
        return None

    async def drain(self) -> AsyncIterator[bytes]:
        """Every byte put, in order, until the spool is closed."""
        while True:
            data = self._take()
            if data is not None:
                yield data
                continue
            if self.closed:
                return
            self.ready.clear()
            await self.ready.wait()

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self.held.clear()

"""The audit log as a hash chain: every line holds the hash of the line before it.

A log opens with a header line; every later line is one decision. Each line is a JSON object:
its payload under `header` or `decision`, then the chain fields `logged_at` (when the line was
appended), `prev` (the `hash` of the line before; null on the header), `seq` (its position,
the header being 1), `hash` and, in a keyed log, `mac`:

    {"decision":{...},"logged_at":"...","prev":"sha256:...","seq":2,"hash":"sha256:..."}

**Canonical bytes.** `hash` is "sha256:" and the SHA-256 (hex) of the line's canonical bytes,
and `mac` is "hmac-sha256:" and the HMAC-SHA256 under the operator's key of the same bytes:
the line's object without its `hash` and `mac` members, written with the keys of every object
sorted by code point, no whitespace (separators "," and ":"), non-ASCII characters as
themselves and only the escapes Python's `json` writes (`\\"`, `\\\\`, `\\b \\f \\n \\r \\t`,
`\\u00XX` for other control characters), as UTF-8: `json.dumps(line, sort_keys=True,
separators=(",", ":"), ensure_ascii=False).encode()`. Since `prev` is part of those bytes, a
line's hash covers the whole log up to it.

**Appending.** Appenders (a `check` and two `screen`s at once) take an exclusive `flock` on the
file for each line, read the head of the log under it (the last line: its `seq` and `hash`,
checked against its content) and append the next line in one write, so the chain stays whole
whatever the interleaving. An appender never rewrites: a log whose last line is cut off, or
whose head does not match its content, or that shrank, is refused with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Self

import orjson
from rexcheck.facts.base.errors import Diagnostic, InvalidInput

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: appenders are not locked (see SECURITY.md)
    fcntl = None  # type: ignore[assignment]

FORMAT = "rexcheck-audit/2"
KINDS = ("header", "decision")
CHAIN_FIELDS = ("logged_at", "prev", "seq", "hash", "mac")
MIN_KEY_BYTES = 16        # 128 bits: a shorter key could be guessed from any line's MAC
MAX_KEY_BYTES = 4096
MAX_LINE_BYTES = 64 << 20  # a line holds one case (case files are limited to 20 MiB)
_CHUNK = 64 << 10
HASH_PATTERN = re.compile(r"sha256:[0-9a-f]{64}")


class AuditLogError(Exception):
    """The log cannot be appended to (or read); the message says where and why."""

    def __init__(self, path: Path | str, message: str, line: int = 1):
        super().__init__(message)
        self.diagnostic = Diagnostic(str(path), line, 1, message, "audit-log")


# -- the operator's key ---------------------------------------------------------------------

class AuditKey(NamedTuple):
    secret: bytes
    id: str  # names the key in the log's header without revealing it

    @classmethod
    def of(cls, secret: bytes) -> AuditKey:
        return cls(secret, "hmac-sha256:" + hmac.new(secret, b"rexcheck audit key id",
                                                     hashlib.sha256).hexdigest()[:16])


def read_key(path: Path | str) -> AuditKey:
    """The key in a file: its bytes, less one final line ending (an editor's newline does not
    change the key). Refused, with the reason: a file that is missing, not a regular file,
    readable or writable by others than its owner and group, empty, shorter than 16 bytes or
    longer than 4096."""
    def refuse(message: str, hint: str | None = None) -> InvalidInput:
        return InvalidInput([Diagnostic(str(path), 1, 1, message, "audit-key", hint=hint)])

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise refuse(f"cannot read the audit key file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse("the audit key file is not a regular file")
        if os.name == "posix" and info.st_mode & 0o007:
            raise refuse(f"the audit key file can be read or written by anyone (mode "
                         f"{stat.S_IMODE(info.st_mode):04o})", f"chmod 600 {path}")
        secret = os.read(fd, MAX_KEY_BYTES + 3)
    except OSError as exc:
        raise refuse(f"cannot read the audit key file: {exc.strerror}") from None
    finally:
        os.close(fd)
    secret = secret[:-2] if secret.endswith(b"\r\n") else secret.removesuffix(b"\n")
    if not secret:
        raise refuse("the audit key file is empty",
                     f"write a random key to it: head -c 32 /dev/urandom > {path}")
    if len(secret) < MIN_KEY_BYTES:
        raise refuse(f"the audit key is {len(secret)} byte(s), shorter than "
                     f"{MIN_KEY_BYTES}: too easy to guess from a line's MAC",
                     f"head -c 32 /dev/urandom > {path}")
    if len(secret) > MAX_KEY_BYTES:
        raise refuse(f"the audit key file holds more than {MAX_KEY_BYTES} bytes: not a key")
    return AuditKey.of(secret)


# -- canonical bytes, hash and MAC ----------------------------------------------------------

def canonical(value: Any) -> bytes:
    """`value` (a JSON object from a log line, or a payload) in canonical form; a line's
    `hash` and `mac` members are left out. orjson writes the same bytes as the `json` call in
    the module's docstring, several times faster (tests/test_audit_chain.py holds the two to
    each other); what orjson refuses (an integer beyond 64 bits, a lone surrogate) goes
    through `json`."""
    if isinstance(value, dict) and ("hash" in value or "mac" in value):
        value = {k: v for k, v in value.items() if k not in ("hash", "mac")}
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8", "surrogatepass")


def line_hash(canonical_bytes: bytes) -> str:
    return "sha256:" + hashlib.sha256(canonical_bytes).hexdigest()


def line_mac(key: AuditKey, canonical_bytes: bytes) -> str:
    return "hmac-sha256:" + hmac.new(key.secret, canonical_bytes, hashlib.sha256).hexdigest()


def _envelope(kind: str, payload: bytes, logged_at: str, prev: str | None, seq: int) -> bytes:
    """The canonical bytes of a line, put together without parsing the payload (itself
    canonical): the payload's key ("decision", "header") sorts before "logged_at", "prev"
    and "seq", in that order."""
    return b"".join((b'{"', kind.encode(), b'":', payload, b',"logged_at":',
                     orjson.dumps(logged_at), b',"prev":', orjson.dumps(prev), b',"seq":',
                     str(seq).encode(), b"}"))


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


# -- reading lines --------------------------------------------------------------------------

def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key '{key}'")
            seen.add(key)
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_line(raw: bytes) -> dict[str, Any]:
    """One line as a JSON object; ValueError (with the reason) when it is not UTF-8 or not
    JSON or holds a key twice (which the canonical form could not tell apart), TypeError
    when it is not an object."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start + 1} of the line: "
                         f"{raw[exc.start:exc.start + 1]!r})") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise ValueError("not valid JSON (nested too deep)") from None
    if not isinstance(value, dict):
        raise TypeError("not a JSON object")
    return value


def read_lines(path: Path | str) -> Iterator[tuple[int, bytes | str]]:
    """Each line of the log (without its newline), numbered from 1, or the reason it cannot
    be read: longer than MAX_LINE_BYTES, or cut off (no newline at the end of the file)."""
    with open(path, "rb") as f:
        number = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if not raw.endswith(b"\n"):
                if len(raw) > MAX_LINE_BYTES:
                    yield number, f"line longer than {MAX_LINE_BYTES} bytes"
                    while raw and not raw.endswith(b"\n"):
                        raw = f.readline(MAX_LINE_BYTES + 1)
                    continue
                yield number, ("the last line is cut off (no newline at its end): an "
                               "interrupted write, or the log was truncated")
                return
            yield number, raw[:-1]


# -- walking the chain ----------------------------------------------------------------------

@dataclass
class Head:
    count: int
    hash: str

    @property
    def anchor(self) -> str:
        return f"{self.count}:{self.hash}"


def parse_anchor(text: str) -> Head:
    """COUNT:HASH as `audit head` prints it; ValueError with the reason."""
    count, _, digest = text.partition(":")
    if not count.isdigit() or int(count) < 1 or not HASH_PATTERN.fullmatch(digest):
        raise ValueError(f"'{text}' is not COUNT:sha256:HEX as `rexcheck audit head` prints it")
    return Head(int(count), digest)


@dataclass
class Chain:
    """What walking a log found: every problem (tampering, unreadable lines) with its line,
    notes that are not failures, the head, and how far the key could be checked."""

    path: str
    lines: int = 0
    head: Head | None = None
    key_id: str | None = None       # named by the header
    macs: str = "none"              # "checked", "not checked" (no key given) or "none"
    problems: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hashes_at: dict[int, str] = field(default_factory=dict)  # for anchors

    def problem(self, line: int, message: str, code: str = "audit-chain") -> None:
        self.problems.append(Diagnostic(self.path, line, 1, message, code))


def walk(path: Path | str, key: AuditKey | None = None,
         anchors: list[Head] | tuple[Head, ...] = ()) -> tuple[Chain, Iterator[tuple[int, dict]]]:
    """Check the chain of a log while yielding each decision payload (line number, payload)
    for replay; the `Chain` is complete once the iterator is exhausted."""
    chain = Chain(str(path))
    wanted = {a.count for a in anchors}
    return chain, _walk(chain, path, key, anchors, wanted)


def _walk(chain: Chain, path: Path | str, key: AuditKey | None, anchors: Any,
          wanted: set[int]) -> Iterator[tuple[int, dict]]:
    prev: str | None = None   # the hash of the line before, None before the header
    known = True              # False when the line before could not be read
    last_time: dt.datetime | None = None
    keyed: bool | None = None  # None: no header read, so MACs cannot be judged
    for number, raw in _lines_of(chain, path):
        chain.lines = number
        if isinstance(raw, str):
            chain.problem(number, raw, "audit-line")
            known = False
            continue
        try:
            entry = parse_line(raw)
        except (ValueError, TypeError) as exc:
            chain.problem(number, str(exc), "audit-line")
            known = False
            continue
        kind = _kind(chain, number, entry)
        if kind is None:
            known = False
            continue
        digest = line_hash(canonical(entry))
        if entry.get("hash") != digest:
            chain.problem(number, "the line's content does not match its hash: it was changed "
                          "after it was written")
        if entry.get("seq") != number:
            chain.problem(number, f"the line says it is line {entry.get('seq')!r}: a line was "
                          "deleted, inserted, duplicated or moved")
        if number == 1:
            keyed = _header(chain, entry, key) if kind == "header" else None
            if kind != "header":
                chain.problem(1, "the log does not open with a header line: it is not a "
                              "chained rexcheck audit log, or its first lines were removed")
            if entry.get("prev") is not None:
                chain.problem(1, "the first line names a line before it (prev is not null): "
                              "the start of the log was removed")
        else:
            if kind == "header":
                chain.problem(number, "a second header: only line 1 opens the log (two logs "
                              "joined?)")
            if known and entry.get("prev") != prev:
                chain.problem(number, f"the chain is broken: prev is {entry.get('prev')!r}, "
                              f"but the line before has hash {prev}: a line was deleted, "
                              "inserted or moved here")
            elif not known:
                chain.notes.append(f"line {number}: its link to line {number - 1} could not "
                                   "be checked (that line is unreadable)")
        _mac(chain, number, entry, keyed, key)
        last_time = _logged_at(chain, number, entry, last_time)
        stated = entry.get("hash")
        prev, known = stated if isinstance(stated, str) else digest, True
        chain.head = Head(number, prev)
        if number in wanted:
            chain.hashes_at[number] = prev
        if kind == "decision":
            yield number, entry["decision"]
    if chain.lines == 0:
        chain.problem(1, "the log is empty: not even a header line")
    for anchor in anchors:
        _anchor(chain, anchor)


def _lines_of(chain: Chain, path: Path | str) -> Iterator[tuple[int, bytes | str]]:
    try:
        yield from read_lines(path)
    except OSError as exc:
        chain.problem(chain.lines + 1, f"cannot read the log: {exc.strerror}", "audit-line")


def _kind(chain: Chain, number: int, entry: dict) -> str | None:
    kinds = [k for k in KINDS if k in entry]
    if not kinds and {"audit", "case", "findings"} <= set(entry):
        chain.problem(number, "a line of an unchained audit log (written before "
                      f"{FORMAT}): it proves nothing; screen its case again to replay it",
                      "audit-line")
        return None
    unknown = sorted(set(entry) - set(KINDS) - set(CHAIN_FIELDS))
    if len(kinds) != 1 or unknown or not isinstance(entry[kinds[0]], dict):
        chain.problem(number, "not a line of a rexcheck audit log (it must hold one of "
                      f"'header', 'decision' as an object, and the chain fields; found "
                      f"{', '.join(sorted(entry)) or 'nothing'})", "audit-line")
        return None
    return kinds[0]


def _header(chain: Chain, entry: dict, key: AuditKey | None) -> bool:
    """Check the header; say whether the log is keyed."""
    header = entry["header"]
    if header.get("format") != FORMAT:
        chain.problem(1, f"unknown log format {header.get('format')!r} (this rexcheck reads "
                      f"{FORMAT})")
    chain.key_id = header.get("key_id")
    if chain.key_id is None:
        if key is not None:
            chain.problem(1, "the log names no key, but a key was given: its lines carry no "
                          "MAC, so anyone could have rewritten it (was it written with "
                          "--audit-key?)", "audit-key")
        return False
    if key is None:
        chain.macs = "not checked"
        chain.notes.append(f"the log is keyed (key {chain.key_id}) but no key was given: "
                           "the chain was checked, the MACs were not; give --audit-key to "
                           "check them")
    elif key.id != chain.key_id:
        chain.problem(1, f"the key given ({key.id}) is not the log's key ({chain.key_id}): "
                      "the MACs cannot be checked", "audit-key")
        chain.macs = "not checked"
    else:
        chain.macs = "checked"
    return True


def _mac(chain: Chain, number: int, entry: dict, keyed: bool | None, key: AuditKey | None
         ) -> None:
    if keyed is None:
        return
    if not keyed:
        if "mac" in entry:
            chain.problem(number, "a MAC in a log whose header names no key", "audit-key")
        return
    if not isinstance(entry.get("mac"), str):
        chain.problem(number, "no MAC, though the log is keyed: the line was not written "
                      "with the key", "audit-key")
    elif chain.macs == "checked":
        assert key is not None
        if not hmac.compare_digest(entry["mac"], line_mac(key, canonical(entry))):
            chain.problem(number, "the MAC does not match: the line was forged or changed "
                          "without the key", "audit-key")


def _logged_at(chain: Chain, number: int, entry: dict, last: dt.datetime | None
               ) -> dt.datetime | None:
    text = entry.get("logged_at")
    try:
        when = dt.datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        chain.problem(number, f"logged_at {text!r} is not a date and time with its time zone")
        return last
    if last is not None and when < last:
        # appenders stamp lines under the lock: in a whole chain only a clock set back
        # does this
        chain.notes.append(f"line {number}: logged at {text}, before the line before it "
                           "(lines moved, or the clock was set back)")
    return when


def _anchor(chain: Chain, anchor: Head) -> None:
    if chain.lines < anchor.count:
        chain.problem(chain.lines or 1, f"the log holds {chain.lines} line(s), fewer than the "
                      f"anchor {anchor.anchor}: it was truncated", "audit-anchor")
    elif chain.hashes_at.get(anchor.count) != anchor.hash:
        chain.problem(anchor.count, f"line {anchor.count} has hash "
                      f"{chain.hashes_at.get(anchor.count)}, not the anchor's {anchor.hash}: "
                      "the log was rewritten up to there", "audit-anchor")


def chain_of(path: Path | str, key: AuditKey | None = None,
             anchors: list[Head] | tuple[Head, ...] = ()) -> Chain:
    """Walk the whole chain without replaying anything (`rexcheck audit head`)."""
    chain, decisions = walk(path, key, anchors)
    for _ in decisions:
        pass
    return chain


# -- appending ------------------------------------------------------------------------------

class ChainedLog:
    """Appends lines to a chained log, under an exclusive lock per line.

    Opening creates the file (mode 0600) with its header if it is empty, and checks the
    header (format, key) and the last line otherwise, so a bad log or key is refused before
    anything is decided. Lines reach the file with one write each (no buffer in this
    process, so a killed run loses none it wrote); `sync_each` also flushes each line to the
    disk (fsync), otherwise that happens on `close`."""

    def __init__(self, path: Path | str, key: AuditKey | None = None, version: str = "",
                 sync_each: bool = False):
        self.path = Path(path)
        self.key = key
        self.version = version
        self.sync_each = sync_each
        self._end = 0
        self._seq = 0
        self._prev: str | None = None
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND
                               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0),
                               0o600)
        except OSError as exc:
            raise AuditLogError(self.path, f"cannot open the audit log: {exc.strerror}") from None
        try:
            if not stat.S_ISREG(os.fstat(self._fd).st_mode):
                raise AuditLogError(self.path, "the audit log is not a regular file")
            with self._locked():
                if os.fstat(self._fd).st_size == 0:
                    self._write_header()
                else:
                    self._check_header()
                    self._read_head()
        except BaseException:
            os.close(self._fd)
            raise

    def append(self, kind: str, payload: bytes) -> str:
        """Append one line whose payload (canonical JSON, see `canonical`) sits under `kind`;
        return its hash."""
        with self._locked():
            size = os.fstat(self._fd).st_size
            if size < self._end:
                raise AuditLogError(self.path, f"the audit log shrank from {self._end} to "
                                    f"{size} bytes while this run appended to it: truncated "
                                    "or rewritten")
            if size != self._end:  # another appender wrote since: take its head
                self._read_head()
            return self._write(kind, payload)

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise AuditLogError(self.path, f"cannot write the audit log: {exc.strerror}") \
                from None
        finally:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- inside the lock --

    def _locked(self) -> _Lock:
        return _Lock(self._fd)

    def _write_header(self) -> None:
        header: dict[str, Any] = {"format": FORMAT, "rexcheck": self.version}
        if self.key is not None:
            header["key_id"] = self.key.id
        self._write("header", canonical(header))

    def _write(self, kind: str, payload: bytes) -> str:
        seq = self._seq + 1
        body = _envelope(kind, payload, now(), self._prev, seq)
        digest = line_hash(body)
        tail = b',"hash":"' + digest.encode() + b'"'
        if self.key is not None:
            tail += b',"mac":"' + line_mac(self.key, body).encode() + b'"'
        line = memoryview(body[:-1] + tail + b"}\n")
        try:
            while line:
                line = line[os.write(self._fd, line):]
            if self.sync_each:
                os.fsync(self._fd)
        except OSError as exc:
            raise AuditLogError(self.path, f"cannot write the audit log: {exc.strerror}") \
                from None
        self._seq, self._prev = seq, digest
        self._end = os.fstat(self._fd).st_size
        return digest

    def _check_header(self) -> None:
        first = os.pread(self._fd, _CHUNK, 0).partition(b"\n")[0]
        try:
            entry = parse_line(first)
        except (ValueError, TypeError) as exc:
            raise self._not_ours(f"line 1 is {exc}") from None
        header = entry.get("header")
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise self._not_ours("line 1 is not its header")
        key_id = header.get("key_id")
        if key_id is None and self.key is not None:
            raise AuditLogError(self.path, "the audit log was started without a key, so its "
                                "lines carry no MAC: start a new log to write with a key")
        if key_id is not None and self.key is None:
            raise AuditLogError(self.path, f"the audit log is keyed (key {key_id}): give its "
                                "key with --audit-key or REXCHECK_AUDIT_KEY_FILE")
        if self.key is not None and key_id != self.key.id:
            raise AuditLogError(self.path, f"the key given ({self.key.id}) is not the audit "
                                f"log's key ({key_id})")

    def _not_ours(self, why: str) -> AuditLogError:
        return AuditLogError(self.path, f"not a chained rexcheck audit log ({FORMAT}): {why}; "
                             "write to a new file (nothing is ever rewritten)")

    def _read_head(self) -> None:
        """The last line's seq and hash, checked against its content (and MAC)."""
        size = os.fstat(self._fd).st_size
        if os.pread(self._fd, 1, size - 1) != b"\n":
            raise AuditLogError(self.path, f"the audit log ends in a cut-off line (byte {size} "
                                "is not a newline): an interrupted write, or it was truncated; "
                                "check it with `rexcheck audit verify` and start a new log")
        raw = self._last_line(size)
        try:
            entry = parse_line(raw)
        except (ValueError, TypeError) as exc:
            raise AuditLogError(self.path, f"the last line is {exc}") from None
        body = canonical(entry)
        seq, digest = entry.get("seq"), entry.get("hash")
        if (not isinstance(seq, int) or digest != line_hash(body)
                or (self.key is not None and entry.get("mac") != line_mac(self.key, body))):
            raise AuditLogError(self.path, "the last line does not match its hash or MAC: the "
                                "log was changed; check it with `rexcheck audit verify`")
        self._seq, self._prev, self._end = seq, digest, size

    def _last_line(self, size: int) -> bytes:
        chunks: list[bytes] = []
        pos = size - 1  # the final newline
        total = 0
        while pos > 0:
            step = min(_CHUNK, pos)
            pos -= step
            chunk = os.pread(self._fd, step, pos)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                chunks.append(chunk[cut + 1:])
                break
            chunks.append(chunk)
            total += step
            if total > MAX_LINE_BYTES:
                raise AuditLogError(self.path, f"the last line is longer than {MAX_LINE_BYTES} "
                                    "bytes")
        return b"".join(reversed(chunks))


class _Lock:
    """An exclusive flock on the log for the time of one append (none where there is no
    flock)."""

    def __init__(self, fd: int):
        self.fd = fd

    def __enter__(self) -> None:
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

"""Safe YAML (and JSON) loading that remembers where every value came from.

Rule and fact files are data, never code: only the YAML safe schema is accepted, and on top of
it this loader refuses what a hostile or mistaken file could use against us: duplicate keys,
anchors and aliases (the "billion laughs" bomb), tags, very deep nesting, very large files and
bytes that are not UTF-8. Each refusal is a `Diagnostic` with the file, line and column.

`load_yaml` returns the plain data and a `Positions` map from a path inside the data
(`("rules", 3, "when")`) to the (line, column) where that value starts, so later stages can say
exactly where a wrong field is.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rexcheck.facts.base.errors import Diagnostic, InvalidInput

# Limits, enforced while reading (never trusted to `stat`, which says 0 bytes for a pipe or a
# device): a document is refused as soon as it passes one, in well under 2 s and 300 MB
# (SECURITY.md; tests/test_limits.py). Composing costs up to 15 microseconds and 300 bytes a
# value, so MAX_VALUES bounds the time and memory of a refusal; the largest rule file holds
# under 1,000 values, a case at its limit of 2,000 records (facts/loader.py) about 50,000.
# Refusal codes: too-large (bytes, lines), too-many-values (values, entries), too-deep.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_LINE_CHARS = 1_000_000
MAX_DEPTH = 64
MAX_VALUES = 100_000  # keys and values of one document
MAX_ITEMS = 10_000  # entries of one list or mapping
MAX_NUMBER_CHARS = 100  # of a number written in a file (no amount of the law comes near)
MAX_NODES = MAX_VALUES  # the name it had before

PathKey = tuple[Any, ...]
_LOOKS_LIKE_DATE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")


@dataclass
class Positions:
    """Where each value of a loaded document starts (1-based line and column)."""

    file: str
    at: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: PathKey) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.at:
                return self.at[path]
            path = path[:-1]
        return self.at.get((), (1, 1))

    def child(self, prefix: PathKey) -> Positions:
        """Positions re-rooted at `prefix` (for validating one part of a document)."""
        n = len(prefix)
        sub = {k[n:]: v for k, v in self.at.items() if k[:n] == tuple(prefix)}
        return Positions(self.file, sub)

    def children(self, prefix: PathKey) -> dict[Any, Positions]:
        """`child(prefix + (key,))` for every key under `prefix` (the rules of a file), in
        one pass over the positions instead of one per key."""
        n = len(prefix)
        prefix = tuple(prefix)
        out: dict[Any, dict[PathKey, tuple[int, int]]] = {}
        for k, v in self.at.items():
            if len(k) > n and k[:n] == prefix:
                out.setdefault(k[n], {})[k[n + 1:]] = v
        return {key: Positions(self.file, sub) for key, sub in out.items()}


class _Refused(Exception):
    def __init__(self, mark: Any, message: str, code: str, hint: str | None = None):
        super().__init__(message)
        self.mark = mark
        self.message = message
        self.code = code
        self.hint = hint


def _line_col(mark: Any) -> tuple[int, int]:
    if mark is None:
        return (1, 1)
    return (mark.line + 1, mark.column + 1)


class _Reader:
    """Builds plain data straight from the parser's events, in one pass (no node tree),
    recording where each value starts and refusing tricks: anchors and aliases (the "billion
    laughs" bomb), tags and too many values as soon as they are met; merge keys, keys that
    are not plain values, duplicate keys, too deep a nesting, too long a list or a bad scalar
    once the document is read, the first in the document (as PyYAML's composer, then our
    builder, refused them before).

    libyaml (the C parser PyYAML ships) scans and parses, ten times faster than PyYAML's
    pure-Python parser; building from its events directly, instead of composing PyYAML's
    nodes first, halves the rest (loading the rule packs is most of rexcheck's start-up)."""

    def __init__(self, events: Any, positions: Positions):
        self.events = events
        self.at = positions.at
        self.constructor = yaml.SafeLoader("")  # resolves and constructs scalars safely
        self.constructors = self.constructor.yaml_constructors
        self.values = 0  # events taken: each value's index, in document order
        # the tag of each short scalar written without one (a file repeats its keys and
        # values); the document's own: nothing of one document stays for the next
        self.tags: dict[tuple[str, tuple[bool, bool]], str] = {}
        self.refused: tuple[int, _Refused] | None = None  # the first refusal of the document

    def document(self) -> Any:
        """The one document of the stream, or None when it is empty."""
        events = self.events
        events.get_event()  # the stream's start
        if events.check_event(yaml.StreamEndEvent):
            return None
        events.get_event()  # the document's start
        first = events.peek_event()
        value = self.value((), 0)
        events.get_event()  # the document's end
        if not events.check_event(yaml.StreamEndEvent):
            event = events.get_event()
            raise yaml.composer.ComposerError("expected a single document in the stream",
                                              first.start_mark, "but found another document",
                                              event.start_mark)
        if self.refused is not None:
            raise self.refused[1]
        return value

    def _later(self, index: int, mark: Any, message: str, code: str,
               hint: str | None = None) -> None:
        """A refusal raised once the document is read, unless one comes before it."""
        if self.refused is None or index < self.refused[0]:
            self.refused = (index, _Refused(mark, message, code, hint))

    def _take(self) -> Any:
        """The next event, counted, refused if it is an alias, has an anchor or a tag."""
        event = self.events.get_event()
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Refused(event.start_mark, f"document has more than {MAX_VALUES} values "
                           "(keys and values)", "too-many-values", "split it; many cases are "
                           "better written as JSON lines, one case a line, read as a stream")
        if type(event) is yaml.AliasEvent:
            raise _Refused(event.start_mark, "aliases ('*name') are not allowed", "yaml-alias",
                           "write the value out in full")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(event.start_mark, f"anchors ('&{anchor}') are not allowed",
                           "yaml-alias", "write the value out in full")
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            raise _Refused(event.start_mark, f"tag '{tag}' is not allowed", "yaml-tag",
                           "rexcheck files are plain data; remove the tag")
        return event

    def value(self, path: PathKey, depth: int) -> Any:
        event = self._take()
        index, mark = self.values, event.start_mark
        if depth > MAX_DEPTH:
            self._later(index, mark, f"nesting deeper than {MAX_DEPTH} levels", "too-deep")
        self.at[path] = (mark.line + 1, mark.column + 1)
        kind = type(event)
        if kind is yaml.ScalarEvent:
            return self._scalar(event, index)
        if kind is yaml.SequenceStartEvent:
            return self._sequence(event, index, path, depth)
        return self._mapping(event, index, path, depth)

    def _sequence(self, start: Any, index: int, path: PathKey, depth: int) -> list:
        out: list[Any] = []
        events = self.events
        while not events.check_event(yaml.SequenceEndEvent):
            out.append(self.value(path + (len(out),), depth + 1))
        events.get_event()
        if len(out) > MAX_ITEMS:
            self._later(index, start.start_mark, f"list of {len(out)} entries, more than the "
                        f"{MAX_ITEMS} allowed", "too-many-values")
        return out

    def _mapping(self, start: Any, index: int, path: PathKey, depth: int) -> dict:
        result: dict[Any, Any] = {}
        events, at = self.events, self.at
        pairs = 0
        while not events.check_event(yaml.MappingEndEvent):
            pairs += 1
            event = self._take()
            at_key, mark = self.values, event.start_mark
            if type(event) is not yaml.ScalarEvent:
                self._later(at_key, mark, "a key must be a plain value", "yaml-key")
                self._skip(event)
                self.value(path + (None,), depth + 1)
                continue
            tag = self._tag(event)
            if tag == "tag:yaml.org,2002:merge":
                self._later(at_key, mark, "merge keys ('<<') are not supported", "yaml-merge")
            key = self._scalar(event, at_key, tag)
            if not isinstance(key, (str, int)):
                key = str(key)
            where = path + (key,)
            if key in result:
                first = at.get(where, (0, 0))
                self._later(at_key, mark, f"duplicate key '{key}' (first given at line "
                            f"{first[0]})", "duplicate-key",
                            "remove one of the two; YAML would silently keep only the last")
            result[key] = self.value(where, depth + 1)
            at[where] = (mark.line + 1, mark.column + 1)  # a field is where its key is
        events.get_event()
        if pairs > MAX_ITEMS:
            self._later(index, start.start_mark, f"mapping of {pairs} keys, more than the "
                        f"{MAX_ITEMS} allowed", "too-many-values")
        return result

    def _skip(self, start: Any) -> None:
        """The rest of a list or mapping given as a key, read (and counted) and dropped."""
        end = yaml.SequenceEndEvent if type(start) is yaml.SequenceStartEvent \
            else yaml.MappingEndEvent
        while not self.events.check_event(end):
            event = self._take()
            if type(event) in (yaml.SequenceStartEvent, yaml.MappingStartEvent):
                self._skip(event)
        self.events.get_event()

    def _tag(self, event: Any) -> str:
        tag = event.tag
        if tag is None or tag == "!":  # as PyYAML's composer reads it
            value, implicit = event.value, event.implicit
            if len(value) > 64:
                return _RESOLVER.resolve(yaml.ScalarNode, value, implicit)
            key = (value, implicit)
            tag = self.tags.get(key)
            if tag is None:
                tag = self.tags[key] = _RESOLVER.resolve(yaml.ScalarNode, value, implicit)
        return tag

    def _scalar(self, event: Any, index: int, tag: str | None = None) -> Any:
        """A value that is neither a mapping nor a list."""
        if tag is None:
            tag = self._tag(event)
        if tag == _STR:  # most values: text as written (what PyYAML's constructor returns)
            value = event.value
            if "\x00" in value:  # written as an escape: "\0", "\x00"
                self._later(index, event.start_mark, "text holds a NUL character", "nul")
            return value
        mark = event.start_mark
        if tag in _NUMBERS and len(event.value) > MAX_NUMBER_CHARS:
            # (a long 1:0:0:... is a base-60 integer PyYAML makes in quadratic time)
            self._later(index, mark, f"a number of {len(event.value)} characters, more than "
                        f"the {MAX_NUMBER_CHARS} allowed", "yaml-value")
            return None
        if tag.startswith("!") or tag.startswith("tag:yaml.org,2002:python"):
            self._later(index, mark, f"tag '{tag}' is not allowed", "yaml-tag",
                        "rexcheck files are plain data; remove the tag")
            return None
        node = yaml.ScalarNode(tag, event.value, mark, event.end_mark, event.style)
        construct = self.constructors.get(tag) or self.constructors[None]
        try:
            value = construct(self.constructor, node)
        except yaml.constructor.ConstructorError as exc:
            self._later(index, mark, str(exc.problem or exc), "yaml-value")
            return None
        except (ValueError, KeyError, TypeError, OverflowError) as exc:  # 2026-02-30, ...
            date = _LOOKS_LIKE_DATE.match(node.value)
            self._later(index, mark, f"{node.value!r} is not a day of the calendar ({exc})"
                        if date else f"invalid value {node.value!r}: {exc}", "yaml-value",
                        "write dates as YYYY-MM-DD, e.g. 2021-04-11" if date else None)
            return None
        if isinstance(value, str) and "\x00" in value:  # written as an escape: "\0", "\x00"
            self._later(index, mark, "text holds a NUL character", "nul")
        elif isinstance(value, float) and not math.isfinite(value):  # .inf, .nan, 1.0e999
            self._later(index, mark, f"{node.value} is not a finite number", "yaml-value",
                        "no amount, rate or time limit of the law is infinite")
        return value


_STR = "tag:yaml.org,2002:str"
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_RESOLVER = yaml.resolver.Resolver()



if yaml.__with_libyaml__ and not TYPE_CHECKING:
    _Events = yaml.cyaml.CParser
else:  # a PyYAML built without libyaml: its own (slower) scanner and parser. The type checker
    # reads this branch: a class it can subclass, giving the same events as the C parser.
    class _Events(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, text: str):
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


INDENT_HINT = ("indent it like the lines it belongs with: the fields of one block start in one "
               "column, the '-' of the items of one list in one column (spaces, not tabs)")


def _indent(lines: list[str], number: int) -> int:
    """The indentation (in characters) of 1-based line `number`."""
    if not 1 <= number <= len(lines):
        return 0
    line = lines[number - 1]
    return len(line) - len(line.lstrip(" "))


def _above(lines: list[str], number: int) -> int:
    """The number of the last line before `number` that holds something (not a comment)."""
    for n in range(number - 1, 0, -1):
        stripped = lines[n - 1].strip()
        if stripped and not stripped.startswith("#"):
            return n
    return number


def _previous_item(lines: list[str], number: int) -> int | None:
    """When line `number` is a list item, the list item nearest above it."""
    if not 1 <= number <= len(lines) or not lines[number - 1].lstrip().startswith("- "):
        return None
    for n in range(number - 1, 0, -1):
        if lines[n - 1].lstrip().startswith("- "):
            return n
    return None


def explain_syntax_error(exc: yaml.MarkedYAMLError, text: str
                         ) -> tuple[int, int, str, str | None]:
    """(line, column, message, hint) in words for the person who wrote the file: which line
    is wrong and, for the usual mistakes (indentation, a tab, a quote or bracket left open, a
    missing colon), what to do. The parser's own words are kept only for the rare rest."""
    lines = text.splitlines()
    problem = exc.problem or ""
    context = exc.context or ""
    line, col = _line_col(exc.problem_mark or exc.context_mark)
    start = _line_col(exc.context_mark) if exc.context_mark is not None else (line, col)
    here = _indent(lines, line)
    hint: str | None = INDENT_HINT
    if "cannot start any token" in problem and "\t" in (lines[line - 1] if line <= len(lines)
                                                        else ""):
        message = f"line {line} is indented with a tab"
        hint = "indent with spaces only; YAML does not accept tabs"
    elif "expected '-' indicator" in problem:
        message = (f"line {line} is not lined up with the list it follows: its items have "
                   f"their '-' in column {start[1]} (line {start[0]}), this line starts in "
                   f"column {here + 1}; it is probably indented too far or not far enough")
    elif "did not find expected key" in problem or "expected <block end>" in problem:
        item = _previous_item(lines, line)
        if item is not None and _indent(lines, item) != here:
            message = (f"line {line} is not lined up with the list item above it: that one "
                       f"has its '-' in column {_indent(lines, item) + 1} (line {item}), this "
                       f"one in column {here + 1}")
        else:
            message = (f"line {line} is not lined up with the fields of the block it is in: "
                       f"they start in column {start[1]} (line {start[0]}), this line in "
                       f"column {here + 1}; it is probably indented too far or not far enough")
    elif "mapping values are not allowed" in problem:
        above = _above(lines, line)
        if here > _indent(lines, above) and above != line:
            message = (f"line {line} is indented further than line {above} above it, which "
                       f"already has its value: line {line} is probably indented too far")
            hint = ("line it up with the field above, or, if it belongs inside it, remove the "
                    f"value of line {above}")
        else:
            message = f"line {line} holds a second ': ' where a value was expected"
            hint = ("put a value that contains ': ' in quotes, or start the inner field on a "
                    "line of its own, indented")
    elif "could not find expected ':'" in problem:
        line, col = start
        message = f"line {line} has no ':' after its key"
        hint = ("write 'key: value'; a text that goes on from the line above is indented "
                "further than its key")
    elif "quoted scalar" in context:
        line, col = start
        message = f"the quotation mark opened on line {line} is never closed"
        hint = "close it with the same mark (' or \") on the same value"
    elif "flow mapping" in context or "flow sequence" in context:
        bracket, closing = ("{", "}") if "mapping" in context else ("[", "]")
        message = (f"the '{bracket}' opened on line {start[0]} is not closed where line {line} "
                   "goes on (or a ',' is missing between its entries)")
        hint = f"close it with '{closing}' on the same line, or separate entries with ','"
    else:
        message = f"not valid YAML here ({f'{context}: ' if context else ''}" \
                  f"{problem or 'a syntax error'})"
        hint = None
    return line, col, message, hint


def read_text(path: Path | str, data: bytes | None = None) -> str:
    """The file's text, refusing huge files and bytes that are not UTF-8."""
    name = str(path)
    if data is None:
        data = read_bytes(path)
    elif len(data) > MAX_FILE_BYTES:
        raise InvalidInput([Diagnostic(name, 1, 1, f"input is more than {MAX_FILE_BYTES} bytes",
                                       "too-large")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InvalidInput([Diagnostic(name, line, col, f"byte 0x{data[exc.start]:02x} is not "
                                       "valid UTF-8", "encoding", "save the file as UTF-8")
                            ]) from None


def read_bytes(path: Path | str) -> bytes:
    """At most MAX_FILE_BYTES of a file, read once: a pipe, a device (/dev/zero) or a file
    growing while it is read is refused as soon as it passes the limit, whatever `stat` says."""
    name = str(path)
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
                # refused without reading it
                why = f"file is {info.st_size} bytes, more than the {MAX_FILE_BYTES} allowed"
            else:
                data = f.read(MAX_FILE_BYTES + 1)
                if len(data) <= MAX_FILE_BYTES:
                    return data
                why = f"file goes on past the {MAX_FILE_BYTES} bytes allowed"
    except OSError as exc:
        raise InvalidInput([Diagnostic(name, 1, 1, f"cannot read file: {exc.strerror or exc}",
                                       "io")]) from None
    raise InvalidInput([Diagnostic(name, 1, 1, why, "too-large")])


def _long_line(text: str) -> tuple[int, int] | None:
    """The number and length of the first line longer than MAX_LINE_CHARS, or None. Found a
    window of MAX_LINE_CHARS at a time, without splitting the text into lines (20 MB of short
    lines would make millions of strings)."""
    start, end = 0, len(text)
    while end - start > MAX_LINE_CHARS:
        stop = start + MAX_LINE_CHARS + 1
        last = max(text.rfind("\n", start, stop), text.rfind("\r", start, stop))
        if last < 0:
            after = [i for i in (text.find("\n", stop), text.find("\r", stop)) if i >= 0]
            length = (min(after) if after else end) - start
            return text.count("\n", 0, start) + 1, length
        start = last + 1
    return None


def load_yaml(path: Path | str, text: str | None = None) -> tuple[Any, Positions]:
    """Load one YAML or JSON document safely; raise `InvalidInput` naming the position."""
    name = str(path)
    if text is None:
        text = read_text(path)
    positions = Positions(name)
    long_line = _long_line(text)
    if long_line is not None:
        number, length = long_line
        raise InvalidInput([Diagnostic(name, number, 1, f"line of {length} characters, more "
                                       f"than the {MAX_LINE_CHARS} allowed", "too-large")])
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InvalidInput([Diagnostic(name, line, 1, "file contains a NUL character", "encoding")])
    loader = _Events(text)
    try:
        return _Reader(loader, positions).document(), positions
    except _Refused as exc:
        line, col = _line_col(exc.mark)
        raise InvalidInput([Diagnostic(name, line, col, exc.message, exc.code,
                                       hint=exc.hint)]) from None
    except yaml.MarkedYAMLError as exc:
        line, col, message, hint = explain_syntax_error(exc, text)
        raise InvalidInput([Diagnostic(name, line, col, message, "yaml-syntax",
                                       hint=hint)]) from None
    except yaml.YAMLError as exc:
        raise InvalidInput([Diagnostic(name, 1, 1, f"not valid YAML: {exc}",
                                       "yaml-syntax")]) from None
    except RecursionError:
        raise InvalidInput([Diagnostic(name, 1, 1, "nesting too deep to read",
                                       "too-deep")]) from None
    finally:
        loader.dispose()

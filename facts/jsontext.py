"""A JSON line as rexcheck reads it: parsed exactly, and never with a key silently dropped.

Every JSON reader rexcheck uses (orjson, pydantic's, the standard library's) keeps the last
value of a key given twice in one object, without a word; the YAML loader behind `check`
refuses it. So a line is read by a fast reader, then `keys_unique` tells cheaply whether any
object in it repeats a key (screening's fast path, which has validated the line already,
asks `keys_unique_given` instead, from the case's canonical JSON); only when it cannot tell
does `duplicate_key` walk the text to name the key, its column and its path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.decoder import scanstring  # type: ignore[attr-defined]  # public, not in typeshed
from typing import Any, NamedTuple, cast

import orjson
from rexcheck.facts.base.errors import Diagnostic, InvalidInput
from rexcheck.facts.base.yamlsource import MAX_ITEMS, MAX_VALUES

# orjson reads a line about twice as fast as the standard library and agrees with it on every
# valid record but one: it reads an integer beyond 64 bits as a double, silently. A line with
# 19 or more digits in a row, and any line orjson refuses (so the error names the line and
# column the standard library's way), goes through the standard library. The digit run is
# found by mapping every digit to 0 and searching for 19 zeros: ten times faster than a regex.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19
MAX_DEPTH = 64  # as for YAML (facts/base/yamlsource.py); a case is never deeper than 8


def parse_json_line(text: str) -> Any:
    if _LONG_NUMBER not in text.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def keys_unique(text: str) -> bool:
    """True only if no object of the JSON `text` gives a key twice; False when that is not
    certain (then ask `duplicate_key`). About 7 microseconds for a 1.4 KB case, most of it
    orjson reading the line a second time.

    Why a count of colons tells: outside strings, a colon follows each key, and nothing else.
    Written back by orjson, the data holds one colon per key it kept, plus the colons inside
    its strings, never escaped. A key given twice loses one entry (at least its colon), so the
    data written back has fewer colons than the text, unless the text hides colons in escapes
    (a colon written `\\u003a`): such a text is not certified here."""
    if "\\" in text and "\\u003" in text:  # a backslash is rare: test for it first
        return False
    try:
        return orjson.dumps(orjson.loads(text)).count(b":") == text.count(":")
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return False


def keys_unique_given(text: str, canonical: bytes, written: int, given: int) -> bool:
    """`keys_unique` for a line already validated, from its canonical JSON (which screening
    writes anyway for the case's digest) instead of reading the line again: True only if no
    object of `text` gives a key twice. `written` is the number of keys the canonical JSON
    writes (every field of every record), `given` the fields the input gave
    (facts/canonical.py `canonical_counted`).

    Why it tells: the colons of the text are one per key plus those inside its strings (a
    colon is never escaped but as `\\u003a`, and such a text is not certified). The colons of
    the canonical JSON are one per key written plus those inside the case's strings, which are
    the text's strings that were kept. A key given twice adds a key to the text, and perhaps
    the colons of the value dropped, never fewer: the text then has more colons than
    `given` plus the kept strings' colons. A value the models add or drop makes the counts
    differ too, which only sends the line the long way."""
    if written < 0 or ("\\" in text and "\\u003" in text):
        return False
    return text.count(":") == given + canonical.count(b":") - written


def may_hold_nul(text: str) -> bool:
    """False when the JSON `text` surely holds no NUL character (JSON can only write one as
    an escape, `\\u0000`)."""
    return "\\" in text and "\\u0000" in text


class DuplicateKey(NamedTuple):
    key: str
    path: tuple  # of the object that repeats the key
    column: int  # 1-based, of the key given the second time
    first: int  # column of the key given the first time


class _Found(Exception):
    def __init__(self, duplicate: DuplicateKey):
        self.duplicate = duplicate


class _TooDeep(Exception):
    pass


# `*` alone: it matches everywhere (maybe nothing), so its match is never None
_WHITE = cast("Callable[[str, int], re.Match[str]]", re.compile(r"[ \t\n\r]*").match)
# scan_once is set on every JSONDecoder by its __init__; typeshed does not declare it
_SCALAR = json.JSONDecoder(parse_constant=_no_constant).scan_once  # type: ignore[attr-defined]


def duplicate_key(text: str) -> DuplicateKey | None:
    """The first key given twice in one object of the JSON `text`, with where it is; None when
    there is none. Only for a text that parses: reading it is slow (pure Python), and only
    lines that `keys_unique` could not certify get here."""
    try:
        _value(text, _WHITE(text, 0).end(), (), 0)
    except _Found as found:
        return found.duplicate
    except _TooDeep:
        return None  # refused by the readers already (nesting deeper than any case)
    return None


def _value(text: str, i: int, path: tuple, depth: int) -> int:
    """Walk the value starting at `i`; return the index just after it."""
    if depth > MAX_DEPTH:
        raise _TooDeep
    char = text[i:i + 1]
    if char == "{":
        return _object(text, i + 1, path, depth)
    if char == "[":
        i = _WHITE(text, i + 1).end()
        index = 0
        while text[i:i + 1] != "]":
            i = _WHITE(text, _value(text, i, path + (index,), depth + 1)).end()
            index += 1
            if text[i:i + 1] == ",":
                i = _WHITE(text, i + 1).end()
        return i + 1
    return _SCALAR(text, i)[1]


def _object(text: str, i: int, path: tuple, depth: int) -> int:
    seen: dict[str, int] = {}
    i = _WHITE(text, i).end()
    while text[i:i + 1] == '"':
        key, end = scanstring(text, i + 1)
        if key in seen:
            raise _Found(DuplicateKey(key, path, i + 1, seen[key] + 1))
        seen[key] = i
        colon = _WHITE(text, end).end()  # the ':' after the key
        i = _WHITE(text, colon + 1).end()
        i = _WHITE(text, _value(text, i, path + (key,), depth + 1)).end()
        if text[i:i + 1] == ",":
            i = _WHITE(text, i + 1).end()
    return i + 1  # past the '}'


def nul_path(data: Any, path: tuple = ()) -> tuple | None:
    """The path of the first text (key or value) in `data` holding a NUL character: it is
    never part of a document's text, and it hides what follows it from C code (the engine's
    among them) and from many viewers."""
    if len(path) > MAX_DEPTH:
        return None  # deeper than any case: refused for its shape
    if isinstance(data, str):
        return path if "\x00" in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and "\x00" in key:
                return path + (key,)
            found = nul_path(value, path + (key,))
            if found is not None:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = nul_path(value, path + (i,))
            if found is not None:
                return found
    return None


def load_json_document(text: str, source: str) -> Any:
    """A JSON document too long-lined for the YAML reader (compact JSON holds a whole
    population on one line), read with the YAML reader's refusals: a key given twice, NaN and
    Infinity, nesting deeper than MAX_DEPTH, more values or entries than its limits. Raises
    `InvalidInput` naming the line and column, or the limit."""

    def refused(offset: int, message: str, code: str, hint: str | None = None,
                field: str | None = None) -> InvalidInput:
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return InvalidInput([Diagnostic(source, line, column, message, code, field=field,
                                        hint=hint)])

    try:
        data = parse_json_line(text)
    except json.JSONDecodeError as exc:
        raise refused(exc.pos, f"not valid JSON: {exc.msg}", "json") from None
    except ValueError as exc:  # NaN, Infinity
        raise refused(0, f"not valid JSON: {exc}", "json") from None
    except RecursionError:
        raise refused(0, "nesting too deep to read", "too-deep") from None
    if not keys_unique(text):
        twice = duplicate_key(text)
        if twice is not None:
            raise refused(twice.column - 1, f"duplicate key '{twice.key}' (first given at "
                          f"column {twice.first})", "duplicate-key",
                          "remove one of the two; JSON readers would silently keep only the "
                          "last", ".".join(map(str, twice.path + (twice.key,))))
    values, stack = 0, [(data, 0)]
    while stack:
        node, depth = stack.pop()
        values += 1
        if depth > MAX_DEPTH:
            raise refused(0, f"nesting deeper than {MAX_DEPTH} levels", "too-deep")
        if isinstance(node, dict):
            values += len(node)  # the keys
            children = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        if len(children) > MAX_ITEMS:
            raise refused(0, f"{'mapping' if isinstance(node, dict) else 'list'} of "
                          f"{len(children)} entries, more than the {MAX_ITEMS} allowed",
                          "too-many-values")
        if values + len(children) > MAX_VALUES:
            raise refused(0, f"document has more than {MAX_VALUES} values (keys and "
                          "values)", "too-many-values", "split it; many cases are better "
                          "written as JSON lines, one case a line, read as a stream")
        stack.extend((child, depth + 1) for child in children)
    return data

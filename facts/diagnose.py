"""Turn pydantic validation errors into positioned diagnostics with helpful hints.

The words are for the person who wrote the file, not for a programmer: a date that is not
written YYYY-MM-DD says how to write it (with the value rewritten, when it can be read as a
day.month.year date); a required key that is missing while a key of that name sits one level
deeper says that it is indented too far, at that key's line; a key not allowed where it stands
that belongs one level deeper says it is indented too little.
"""

from __future__ import annotations

import datetime as dt
import re
import typing

from pydantic import BaseModel, ValidationError
from rexcheck.facts.base.errors import Diagnostic, closest, did_you_mean
from rexcheck.facts.base.yamlsource import Positions
from rexcheck.facts.models import (
    BLANK_MESSAGE,
    IDENTIFIER_PATTERN,
    OPT_IDENTIFIER_PATTERN,
    PRINTABLE,
    identifier_problem,
    text_problem,
)


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model that owns the last element of `loc` (for listing its valid field names)."""
    model: typing.Any = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = inner_model(info.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def inner_model(annotation: typing.Any) -> typing.Any:
    """The model inside `list[M]`, `M | None`, `Annotated[M, ...]`, or `M` itself."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = inner_model(arg)
        if inner is not None:
            return inner
    return None


def _short(value: object, limit: int = 60) -> str:
    """A value as it is shown in a message: never a whole hostile megabyte."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


DATE_HINT = "write dates as YYYY-MM-DD, e.g. {example}"
DATE_KINDS = ("date_type", "date_parsing", "date_from_datetime_parsing",
              "date_from_datetime_inexact", "datetime_type", "datetime_parsing",
              "datetime_from_date_parsing")
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[./ -](\d{1,2})[./ -](\d{4})\s*$")
_YEAR_FIRST = re.compile(r"^\s*(\d{4})[./ -](\d{1,2})[./ -](\d{1,2})\s*$")


def date_hint(value: object) -> str:
    """How to write a date, with the value itself rewritten when it reads as a date."""
    example = "2021-04-11"
    text = str(value) if isinstance(value, (str, int)) else ""
    m = _DAY_FIRST.match(text)
    parts = (m.group(3), m.group(2), m.group(1)) if m else None
    m = _YEAR_FIRST.match(text)
    parts = (m.group(1), m.group(2), m.group(3)) if m else parts
    if parts:
        try:
            example = dt.date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
        except ValueError:
            pass
    return DATE_HINT.format(example=example)


def _deeper(parent: object, name: str) -> tuple | None:
    """The key (of a mapping one level below `parent`) under which `name` sits, if any."""
    if not isinstance(parent, dict):
        return None
    for key, value in parent.items():
        if isinstance(value, dict) and name in value:
            return (key,)
    return None


def _belongs_below(owner: type[BaseModel] | None, name: str) -> str | None:
    """The field of `owner` whose model has a field `name` (a key indented too little)."""
    if owner is None:
        return None
    for field_name, info in owner.model_fields.items():
        inner = inner_model(info.annotation)
        if inner is not None and name in inner.model_fields:
            return info.alias or field_name
    return None


def from_validation_error(
    exc: ValidationError,
    positions: Positions,
    root: type[BaseModel],
    prefix: tuple = (),
    rule_id: str | None = None,
) -> list[Diagnostic]:
    """One diagnostic per pydantic error, placed at the offending key or value.

    A misspelt required key gives pydantic two errors (unknown 'chanel', missing 'channel');
    only the first is reported, with its "did you mean".
    """
    out = []
    errors = exc.errors()
    misspelt = set()
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            owner = _model_at(root, loc)
            close = closest(str(loc[-1]), owner.model_fields) if owner else None
            if close:
                misspelt.add(loc[:-1] + (close,))
    for err in errors:
        if err["type"] == "missing" and tuple(err["loc"]) in misspelt:
            continue
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        line, col = positions.of(prefix + loc)
        field = ".".join(str(p) for p in loc) or None
        hint = None
        kind = err["type"]
        if kind == "extra_forbidden":
            owner = _model_at(root, loc)
            if owner is not None:
                hint = did_you_mean(str(loc[-1]), owner.model_fields)
            message = f"unknown field '{loc[-1]}'"
            below = None if hint else _belongs_below(owner, str(loc[-1]))
            if below is not None:
                message = (f"'{loc[-1]}' cannot stand here: it is a field of '{below}', so it "
                           "is probably indented too little")
                hint = f"indent it under '{below}:'"
        elif kind == "missing" and (inside := _deeper(err.get("input"), str(loc[-1]))):
            line, col = positions.of(prefix + loc[:-1] + inside + (loc[-1],))
            parent = positions.of(prefix + loc[:-1] + inside)
            message = (f"'{loc[-1]}' is indented one level too deep: it sits inside "
                       f"'{inside[0]}' (line {parent[0]}), so the required field "
                       f"'{loc[-1]}' is missing where it belongs")
            hint = f"move '{loc[-1]}:' left, to line up with '{inside[0]}:'"
            kind = "misplaced-key"
        elif kind == "missing":
            message = f"required field '{loc[-1]}' is missing"
        elif kind in DATE_KINDS:
            message = f"{_short(err.get('input'))} is not a date as rexcheck reads dates"
            hint = date_hint(err.get("input"))
            kind = "bad_date"
        elif kind == "literal_error":
            message = err["msg"]
            allowed = (err.get("ctx") or {}).get("expected", "")
            choices = [c.strip().strip("'") for c in allowed.replace(" or ", ",").split(",")]
            if isinstance(err.get("input"), str):
                hint = did_you_mean(err["input"], [c for c in choices if c])
        elif kind == "string_pattern_mismatch" and (err.get("ctx") or {}).get("pattern") in (
                IDENTIFIER_PATTERN, OPT_IDENTIFIER_PATTERN):
            message = identifier_problem(err.get("input")) or err["msg"]
            kind = "identifier"
        elif kind == "string_pattern_mismatch" and (err.get("ctx") or {}).get(
                "pattern") == PRINTABLE and (problem := text_problem(err.get("input"))):
            message = problem
            hint = "remove it (copied text often carries one unseen)"
            kind = "invisible"
        elif kind == "string_too_short" and (err.get("ctx") or {}).get("min_length") == 1:
            message = BLANK_MESSAGE
            kind = "blank"
        else:
            message = err["msg"]
            if "input" in err and not isinstance(err["input"], (dict, list)):
                message += f" (got {_short(err['input'])})"
        if isinstance(err.get("input"), bool) and kind in ("literal_error", "string_type",
                                                           "string_pattern_mismatch"):
            hint = ('YAML reads NO, yes, on, off (unquoted) as true/false; quote it, e.g. "NO" '
                    "for Norway")
        out.append(Diagnostic(positions.file, line, col, message, kind.replace("_", "-"),
                              rule_id=rule_id, field=field, hint=hint))
    return out

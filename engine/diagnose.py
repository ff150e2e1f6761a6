"""Turn pydantic validation errors into positioned diagnostics with helpful hints."""

from __future__ import annotations

import typing

from pydantic import BaseModel, ValidationError
from rexcheck.engine.errors import Diagnostic, closest, did_you_mean
from rexcheck.engine.yamlsource import Positions
from rexcheck.facts.models import (
    BLANK_MESSAGE,
    IDENTIFIER_PATTERN,
    OPT_IDENTIFIER_PATTERN,
    identifier_problem,
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
        model = _innermost_model(info.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _innermost_model(annotation: typing.Any) -> typing.Any:
    """The model inside `list[M]`, `M | None`, `Annotated[M, ...]`, or `M` itself."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _innermost_model(arg)
        if inner is not None:
            return inner
    return None


def _short(value: object, limit: int = 60) -> str:
    """A value as it is shown in a message: never a whole hostile megabyte."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


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
        elif kind == "missing":
            message = f"required field '{loc[-1]}' is missing"
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

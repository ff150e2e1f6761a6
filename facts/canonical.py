"""A validated case as canonical JSON, and its digest: what the audit block names the case by.

The canonical JSON is `case.model_dump_json()`, byte for byte, written by orjson in half the
time: a model is its `__dict__` (the models are strict: no extra fields, no computed ones, no
custom serialisers), an amount its `str`, and dates, text and lists orjson writes as pydantic
does. tests/test_audit.py holds the two to each other on every example and generated case and
on edge values; a value orjson refuses (an integer beyond 64 bits) goes through pydantic.

`canonical_counted` also counts, while it writes, the fields every record has and the fields
the input gave: with them screening's fast path tells, without reading the line again, that
no key of it was given twice (facts/jsontext.py `keys_unique_given`).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel


class Canonical(NamedTuple):
    json: bytes
    written: int  # keys written: every field of every record
    given: int  # fields the input gave (pydantic's fields set), over every record

    @property
    def digest(self) -> str:
        return digest_of(self.json)


def digest_of(canonical: bytes) -> str:
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


# A field of a case left out of its JSON when empty (`exclude_if` in facts/models.py): the
# kept items of Order 244 chapter 5, modelled after audit logs were first written, so that a
# case without them keeps the digest it had.
OMITTED_WHEN_EMPTY = "kept_items"


def _fields(model: BaseModel) -> dict[str, Any]:
    fields = model.__dict__
    if OMITTED_WHEN_EMPTY in fields and not fields[OMITTED_WHEN_EMPTY]:
        fields = fields.copy()
        del fields[OMITTED_WHEN_EMPTY]
    return fields


def canonical_json(model: BaseModel) -> bytes:
    try:
        return orjson.dumps(_fields(model), default=_model_or_amount)
    except orjson.JSONEncodeError:
        return model.model_dump_json().encode()


def canonical_counted(model: BaseModel) -> Canonical:
    """The canonical JSON, with the keys it writes and the fields the input gave."""
    fields = _fields(model)
    counts = [len(fields), len(model.__pydantic_fields_set__)]

    def default(value: Any) -> Any:
        # called for every record and amount of every screened case: exact type tests and
        # an attribute every model has, not isinstance through pydantic's metaclass (a fifth
        # of canonical_counted's time)
        if type(value) is Decimal:
            return str(value)
        given = getattr(value, "__pydantic_fields_set__", None)
        if given is None:
            return _model_or_amount(value)
        fields = value.__dict__
        counts[0] += len(fields)
        counts[1] += len(given)
        return fields

    try:
        text = orjson.dumps(fields, default=default)
    except orjson.JSONEncodeError:
        return Canonical(model.model_dump_json().encode(), -1, -1)  # counts unknown
    return Canonical(text, counts[0], counts[1])


def _model_or_amount(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.__dict__
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not part of a case")

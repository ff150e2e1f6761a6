"""The fact types rules can name, and the fields (with their kinds) each one has.

The catalogue is read off the pydantic models, so a field added to a model is at once usable in
rules and checked in them. `engine/core/normalise.py` turns a case into engine facts with
exactly these
fields; `engine/core/conditions.py` uses the kinds to type-check conditions before anything runs.
Values computed from the facts (a value converted into CHF, the date part of a number) are
declared in the rule packs (`computed:`), not here.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel
from rexcheck.facts import models

# fact type -> (model, the case's list it comes from, parent type if it is a child record)
BASE_TYPES: dict[str, tuple[type[BaseModel], str]] = {
    "exporter": (models.Exporter, "exporter"),
    "application": (models.Application, "applications"),
    "registration": (models.Registration, "registrations"),
    "change_report": (models.ChangeReport, "change_reports"),
    "revocation_request": (models.RevocationRequest, "revocation_requests"),
    "verification_request": (models.VerificationRequest, "verification_requests"),
    "consignment": (models.Consignment, "consignments"),
    "kept_item": (models.KeptItem, "kept_items"),
}
# Lists of records inside a record become facts of their own, linked to their parent by ref.
CHILD_TYPES: dict[str, tuple[str, str, type[BaseModel]]] = {
    "goods_item": ("application", "goods", models.GoodsItem),
}
# Fields not sent to the engine: their content is turned into computed fields instead.
NOT_ASSERTED = {("consignment", "exchange_rates")}
@dataclass(frozen=True)
class FieldKind:
    """What a field holds: str, int, bool, date, amount (money, exact to the cent), or a list."""

    kind: str
    choices: tuple[str, ...] | None = None  # the allowed values of an enumerated field
    is_list: bool = False
    optional: bool = False

    def describe(self) -> str:
        base = self.kind if not self.choices else "one of " + ", ".join(self.choices)
        return f"list of {base}" if self.is_list else base


def _unwrap(annotation: typing.Any) -> tuple[typing.Any, bool]:
    """Strip Optional/Annotated; return (inner annotation, optional?)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            literal_args = [a for a in args if typing.get_origin(a) is typing.Literal]
            if len(args) == 1:
                annotation = args[0]
            elif literal_args and len(literal_args) < len(args):
                annotation = str  # Literal[...] | str pattern: an open set of codes
            else:
                annotation = args[0]
        else:
            return annotation, optional


def _kind_of(annotation: typing.Any) -> FieldKind | type[BaseModel] | None:
    inner, optional = _unwrap(annotation)
    origin = typing.get_origin(inner)
    if origin is list:
        item = _kind_of(typing.get_args(inner)[0])
        if isinstance(item, FieldKind):
            return FieldKind(item.kind, item.choices, is_list=True, optional=True)
        return None  # list of records: a child fact type, or not asserted
    if origin is typing.Literal:
        return FieldKind("str", tuple(str(a) for a in typing.get_args(inner)), optional=optional)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner
    simple = {str: "str", int: "int", bool: "bool", dt.date: "date", Decimal: "amount"}
    return FieldKind(simple.get(inner, "str"), optional=optional)


def model_fields(model: type[BaseModel], prefix: str = "") -> dict[str, FieldKind]:
    """Flat field paths of a model (`decision.notified`) with their kinds."""
    out: dict[str, FieldKind] = {}
    for name, info in model.model_fields.items():
        kind = _kind_of(info.annotation)
        path = prefix + name
        if isinstance(kind, FieldKind):
            if not info.is_required() and info.default is None:
                kind = FieldKind(kind.kind, kind.choices, kind.is_list, True)
            out[path] = kind
        elif isinstance(kind, type):
            for sub, sub_kind in model_fields(kind, path + ".").items():
                out[sub] = FieldKind(sub_kind.kind, sub_kind.choices, sub_kind.is_list,
                                     True if not info.is_required() else sub_kind.optional)
    return out


def base_fields() -> dict[str, dict[str, FieldKind]]:
    """Every base fact type (including child records) with its flat fields."""
    result: dict[str, dict[str, FieldKind]] = {}
    for name, (model, _) in BASE_TYPES.items():
        fields = {p: k for p, k in model_fields(model).items()
                  if (name, p.split(".")[0]) not in NOT_ASSERTED}
        fields["ref"] = FieldKind("str")
        result[name] = fields
    for name, (parent, _, model) in CHILD_TYPES.items():
        fields = model_fields(model)
        fields["ref"] = FieldKind("str")
        fields[parent] = FieldKind("str")
        result[name] = fields
    return result

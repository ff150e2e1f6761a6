"""Turn a validated case into engine facts the durable_rules engine can match safely.

durable_rules compares loosely and knows no dates or decimals (../shared/engine-notes.md), so
every value it sees is normalised here: dates become day numbers (days since 1970-01-01),
amounts become whole cents, nested records become flat keys (`decision.notified` ->
`decision__notified`), missing values are left out (so `exists` works), and every fact gets
its type in `fact` and a unique `ref`. Lists of records (goods) become facts of their own.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel
from rexcheck.engine.errors import EngineFailure
from rexcheck.facts.catalog import BASE_TYPES, CHILD_TYPES, NOT_ASSERTED
from rexcheck.facts.models import Application, Case, Consignment, Registration

EPOCH = dt.date(1970, 1, 1)
TYPE_KEY = "fact"
MAX_FACT_FIELDS = 200  # the engine's process dies at 253 properties; stay well below

SHORT = {
    "exporter": "exporter", "application": "application", "registration": "registration",
    "change_report": "change-report", "revocation_request": "revocation-request",
    "verification_request": "verification", "consignment": "consignment",
}


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def from_day_number(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=n)


def cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def engine_key(path: str) -> str:
    """The engine's key for a field path (`decision.notified` -> `decision__notified`)."""
    return path.replace(".", "__")


# per fact type: fields not asserted, and the lists of records that become child facts
_NOT_ASSERTED = {t: {name for (typ, name) in NOT_ASSERTED if typ == t} for t in BASE_TYPES}
_CHILDREN = {t: {lst: child for child, (parent, lst, _) in CHILD_TYPES.items() if parent == t}
             for t in BASE_TYPES}


def _flatten(record: BaseModel, prefix: str, out: dict[str, Any], skip: Any = ()) -> None:
    """A validated record's values as flat engine keys, in the model's field order.

    It reads the validated attributes directly (no dump, no intermediate dicts): None is left
    out, dates become day numbers, amounts cents, nested records `parent__child` keys, lists of
    values sorted sets of text. Lists of records are left out (goods become child facts, and
    exchange rates computed fields). tests/test_normalise.py checks it against a flattening of
    pydantic's own dump.
    """
    for name, value in record.__dict__.items():
        if value is None or name in skip:
            continue
        kind = type(value)
        if kind is str or kind is bool or kind is int:
            out[prefix + name] = value
        elif kind is dt.date:
            out[prefix + name] = (value - EPOCH).days
        elif kind is Decimal:
            out[prefix + name] = cents(value)
        elif kind is list:
            # An empty list is left out like a missing value: the engine's `$iall` is false on
            # an empty list, so "does not contain" must be compiled as "missing or all differ".
            if value and not isinstance(value[0], BaseModel):
                out[prefix + name] = sorted({str(v) for v in value})
        elif isinstance(value, BaseModel):
            _flatten(value, prefix + name + "__", out)
        else:
            raise EngineFailure(f"field '{prefix + name}' holds a {kind.__name__}, "
                                "which the engine facts do not know")


def _converted(consignment: Consignment, currency: str) -> int | None:
    value = consignment.value
    if value.currency == currency:
        return cents(value.amount)
    for rate in sorted(consignment.exchange_rates, key=lambda r: (r.currency, r.to, str(r.rate))):
        if rate.currency == value.currency and rate.to == currency:
            return cents(value.amount * rate.rate)
    return None


NUMBER = re.compile(r"^KZREX[0-9]{3}([0-9]{8})[0-9]{4}$")


def computed_fields(record: BaseModel) -> dict[str, Any]:
    """Values Python computes for the engine (catalog.COMPUTED lists them)."""
    out: dict[str, Any] = {}
    if isinstance(record, Consignment):
        for currency in ("CHF", "NOK"):
            converted = _converted(record, currency)
            if converted is not None:
                out[f"value_{currency.lower()}"] = converted
    elif isinstance(record, Application):
        out["goods_count"] = len(record.goods)
    elif isinstance(record, Registration):
        out["registered_ddmmyyyy"] = record.registered.strftime("%d%m%Y")
        match = NUMBER.match(record.number)
        if match:
            out["number_date"] = match.group(1)
            part = match.group(1)
            try:
                dt.date(int(part[4:]), int(part[2:4]), int(part[:2]))
                out["number_date_is_real"] = True
            except ValueError:
                out["number_date_is_real"] = False
    return out


def case_facts(case: Case) -> list[dict[str, Any]]:
    """The engine facts of one case, in a canonical order (type, then ref)."""
    facts: list[dict[str, Any]] = []
    for fact_type, (_, list_name) in BASE_TYPES.items():
        records = getattr(case, list_name)
        records = records if isinstance(records, list) else [records]
        skip = _NOT_ASSERTED[fact_type] | _CHILDREN[fact_type].keys()
        for i, record in enumerate(records, start=1):
            fact: dict[str, Any] = {}
            _flatten(record, "", fact, skip)
            ref = record.__dict__.get("ref") or (
                SHORT[fact_type] if fact_type == "exporter" else f"{SHORT[fact_type]}-{i}")
            fact["ref"] = ref
            fact[TYPE_KEY] = fact_type
            fact.update(computed_fields(record))
            facts.append(fact)
            for lst, child_type in _CHILDREN[fact_type].items():
                for j, child in enumerate(getattr(record, lst), start=1):
                    child_fact: dict[str, Any] = {}
                    _flatten(child, "", child_fact)
                    child_fact.update({"ref": f"{ref}/{lst}-{j}", fact_type: ref,
                                       TYPE_KEY: child_type})
                    facts.append(child_fact)
    for fact in facts:
        if len(fact) > MAX_FACT_FIELDS:
            raise EngineFailure(f"{fact[TYPE_KEY]} {fact['ref']} has {len(fact)} fields, "
                                f"more than the engine can take ({MAX_FACT_FIELDS})")
    facts.sort(key=lambda f: (f[TYPE_KEY], f["ref"]))
    return facts

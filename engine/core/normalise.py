"""Turn a validated case into engine facts the durable_rules engine can match safely.

durable_rules compares loosely and knows no dates or decimals (docs/engine.md), so
every value it sees is normalised here: dates become day numbers (days since 1970-01-01),
amounts become whole cents, nested records become flat keys (`decision.notified` ->
`decision__notified`), missing values are left out (so `exists` works), and every fact gets
its type in `fact` and a unique `ref`. Lists of records (goods) become facts of their own.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from pydantic import BaseModel
from rexcheck.facts.base.errors import EngineFailure
from rexcheck.facts.catalog import BASE_TYPES, CHILD_TYPES, NOT_ASSERTED
from rexcheck.facts.models import Case

EPOCH = dt.date(1970, 1, 1)
from rexcheck.engine.core.contract import TYPE_KEY  # noqa: E402  (the fact type key)

MAX_FACT_FIELDS = 200  # the engine's process dies at 253 properties; stay well below

from rexcheck.facts.wholecase import SHORT  # noqa: E402  (the names of records without a ref)

# the documents a case's outcomes are given for: every base fact but the exporter (a goods item
# counts for its application)
SUBJECT_TYPES = frozenset(t for t in BASE_TYPES if t != "exporter")

_EPOCH_ORDINAL = EPOCH.toordinal()
_ONE, _HUNDRED = Decimal(1), Decimal(100)


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def from_day_number(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=n)


def cents(amount: Decimal) -> int:
    # Positional arguments and ready-made constants: `quantize(..., rounding=...)` with a
    # keyword and `Decimal(1)` built on every call cost about half the time. Same arithmetic:
    # `amount * 100` converts 100 to Decimal(100) exactly, in the same context.
    return int((amount * _HUNDRED).quantize(_ONE, ROUND_HALF_UP))


_shown_date = functools.lru_cache(maxsize=4096)(from_day_number)


def display(value: Any, kind: str) -> str:
    """An engine value as people read it (messages, titles, --explain): a day number as its
    date, cents as the amount, a list as its items, a yes/no; nothing as "(none)"."""
    if value is None:
        return "(none)"
    if kind == "date" and type(value) is int:
        return _shown_date(value).isoformat()
    if kind == "amount" and type(value) is int:
        return f"{Decimal(value) / 100:.2f}"
    if type(value) is list:
        return ", ".join(map(str, value))
    if type(value) is bool:
        return "yes" if value else "no"
    return str(value)


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

    It is shaped for speed, since it runs for every value of every case in bulk screening:
    `skip` is tested once per field only at the top (nested records have none); the exact-type
    tests come most frequent first (str and bool are two thirds of the values), which, the
    tests being exclusive, decides nothing differently; a date is counted with `toordinal`
    (no timedelta made), a one-value list needs no set, and a list of text no isinstance
    through pydantic's metaclass. (Plans compiled per model class, copying `__dict__` and
    moving values with `itemgetter`, were tried and measured slower: records are small, and
    checking a record's shape cost what the per-value dispatch saved.)
    """
    for name, value in record.__dict__.items():
        kind = type(value)
        if kind is str:
            if value and name not in skip:  # a text left blank is a missing value
                out[prefix + name] = value
        elif kind is bool:
            if name not in skip:
                out[prefix + name] = value
        elif value is None or name in skip:
            continue
        elif kind is dt.date:
            out[prefix + name] = value.toordinal() - _EPOCH_ORDINAL
        elif kind is list:
            # An empty list is left out like a missing value: the engine's `$iall` is false on
            # an empty list, so "does not contain" must be compiled as "missing or all differ".
            if value and (type(value[0]) is str or not isinstance(value[0], BaseModel)):
                out[prefix + name] = ([str(value[0])] if len(value) == 1
                                      else sorted(set(map(str, value))))
        elif kind is int:
            out[prefix + name] = value
        elif kind is Decimal:
            out[prefix + name] = cents(value)
        elif isinstance(value, BaseModel):
            _flatten_nested(value, prefix + name + "__", out)
        else:
            raise EngineFailure(f"field '{prefix + name}' holds a {kind.__name__}, "
                                "which the engine facts do not know")


# A nested record's flat keys (`declarations__signed`), made once per prefix and field name
# rather than joined, and hashed, again for every value of every case (measured with
# callgrind: 5,600 fewer instructions per screened case, of about 1.5 million). Bounded by
# the models' shape (a few dozen prefixes); a cap guards against models made otherwise.
_NESTED_KEYS: dict[str, dict[str, str]] = {}
MAX_NESTED_KEYS = 1000


def _flatten_nested(record: BaseModel, prefix: str, out: dict[str, Any]) -> None:
    """`_flatten` of a nested record (no fields skipped), its keys from `_NESTED_KEYS`."""
    keys = _NESTED_KEYS.get(prefix)
    if keys is None:
        if len(_NESTED_KEYS) >= MAX_NESTED_KEYS:
            _NESTED_KEYS.clear()
        keys = _NESTED_KEYS[prefix] = {}
    for name, value in record.__dict__.items():
        kind = type(value)
        if value is None or (kind is str and not value):
            continue  # missing, or a text left blank
        key = keys.get(name)
        if key is None:
            key = keys[name] = prefix + name
        if kind is str or kind is bool or kind is int:
            out[key] = value
        elif kind is dt.date:
            out[key] = value.toordinal() - _EPOCH_ORDINAL
        elif kind is list:
            if value and (type(value[0]) is str or not isinstance(value[0], BaseModel)):
                out[key] = ([str(value[0])] if len(value) == 1
                            else sorted(set(map(str, value))))
        elif kind is Decimal:
            out[key] = cents(value)
        elif isinstance(value, BaseModel):
            _flatten_nested(value, key + "__", out)
        else:
            raise EngineFailure(f"field '{key}' holds a {kind.__name__}, "
                                "which the engine facts do not know")


class _BaseType(NamedTuple):
    """What case_facts needs of a base fact type, worked out once at import."""

    fact_type: str
    list_name: str  # the case's field holding the records (a single record for the exporter)
    short: str  # the ref prefix of records without a ref of their own
    skip: frozenset[str]  # fields not asserted, and lists of child records
    children: tuple[tuple[str, str], ...]  # (list field, child fact type)


_BASE_TYPES = tuple(
    _BaseType(fact_type, list_name, SHORT[fact_type],
              frozenset(_NOT_ASSERTED[fact_type] | _CHILDREN[fact_type].keys()),
              tuple(_CHILDREN[fact_type].items()))
    for fact_type, (_, list_name) in BASE_TYPES.items())


def case_facts(case: Case, records: list[BaseModel] | None = None,
               order: dict[str, int] | None = None, index_key: str | None = None,
               common: dict[str, Any] | None = None, check: bool = True
               ) -> list[dict[str, Any]]:
    """The engine facts of one case, in a canonical order: by type (alphabetically, or in the
    given `order` of types), then by ref. When `records` is given, it receives the record each
    fact was made from, in the same order (values the rule packs compute are read from the
    records). With `index_key`, each fact's first key is that key, holding the fact's position
    in the list (the runtime finds the facts of a firing by it). `common` holds keys every
    fact gets, after the index (the runtime's engine state); `check=False` leaves the width
    check to a caller that adds fields and checks afterwards."""
    first = {} if index_key is None else {index_key: 0}
    if common:
        first.update(common)
    by_type: dict[str, list[tuple[str, dict[str, Any], BaseModel]]] = {}
    for fact_type, list_name, short, skip, children in _BASE_TYPES:
        items = getattr(case, list_name)
        if not isinstance(items, list):
            items = [items]
        elif not items:
            continue
        bucket = by_type.setdefault(fact_type, [])
        for i, record in enumerate(items, start=1):
            fact: dict[str, Any] = first.copy()
            _flatten(record, "", fact, skip)
            # A record without a ref is named by its position; '#' cannot occur in a ref, so
            # the name never collides with another record's own ref.
            ref = record.__dict__.get("ref") or (
                short if fact_type == "exporter" else f"{short}#{i}")
            fact["ref"] = ref
            fact[TYPE_KEY] = fact_type
            bucket.append((ref, fact, record))
            for lst, child_type in children:
                child_bucket = by_type.setdefault(child_type, [])
                for j, child in enumerate(getattr(record, lst), start=1):
                    child_fact: dict[str, Any] = first.copy()
                    _flatten(child, "", child_fact)
                    child_ref = child_fact["ref"] = f"{ref}/{lst}-{j}"
                    child_fact[fact_type] = ref
                    child_fact[TYPE_KEY] = child_type
                    child_bucket.append((child_ref, child_fact, child))
    types = (sorted(by_type) if order is None
             else sorted(by_type, key=order.__getitem__))
    # one plain loop gives the facts, their records and their positions (three passes with
    # generators cost 22,900 more instructions per screened case, measured with callgrind)
    facts: list[dict[str, Any]] = []
    append = facts.append
    add_record = records.append if records is not None else None
    for fact_type in types:
        bucket = by_type[fact_type]
        if len(bucket) > 1:
            bucket.sort(key=_BY_REF)
        for _, fact, record in bucket:
            if index_key is not None:
                fact[index_key] = len(facts)
            append(fact)
            if add_record is not None:
                add_record(record)
    if "registration" in by_type:
        _link_registrations(facts)
    if check:
        check_width(facts)
    return facts


_BY_REF = itemgetter(0)
LINKED = ("change_report", "revocation_request", "verification_request")


def _link_registrations(facts: list[dict[str, Any]]) -> None:
    """A document may name its registration by ref (`registration: R1`) or by number
    (`registration_number`): each fact gets both, so rules that join on either
    never miss. facts/loader.py has refused links that resolve to nothing."""
    numbers: dict[str, str] = {}
    refs: dict[str, str] = {}
    for fact in facts:
        if fact[TYPE_KEY] == "registration":
            numbers[fact["ref"]] = fact["number"]
            refs.setdefault(fact["number"], fact["ref"])
    if not numbers:
        return
    for fact in facts:
        if fact[TYPE_KEY] in LINKED:
            ref, number = fact.get("registration"), fact.get("registration_number")
            if ref is not None and number is None and ref in numbers:
                fact["registration_number"] = numbers[ref]
            elif number is not None and ref is None and number in refs:
                fact["registration"] = refs[number]


def check_width(facts: list[dict[str, Any]]) -> None:
    """Refuse facts too wide for the engine (its process dies at 253 properties)."""
    limit = MAX_FACT_FIELDS  # read at each call: tests lower it
    if facts and max(map(len, facts)) > limit:
        for fact in facts:
            if len(fact) > limit:
                raise EngineFailure(f"{fact[TYPE_KEY]} {fact['ref']} has {len(fact)} fields, "
                                    f"more than the engine can take ({limit})")

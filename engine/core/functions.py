"""The generic functions rule packs name to compute values from the facts.

They know nothing of the law: which amount is converted into which currency, which part of
which identifier is read, which format a date is written in, all of that is said in the packs
(`computed:` in a rule file, docs/rule-language.md "Computed values"). Each returns the value
as the engine compares it (amounts in cents, dates as day numbers), or None when there is
nothing to compute (no rate for the currency, a value that does not have the structure, a date
that does not exist): a missing value, which rules test with `exists`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from rexcheck.engine.core.normalise import cents, day_number

DATE_TOKEN = re.compile(r"DD|MM|YYYY|.")


def convert(money: Any, rates: Sequence[Any], to: str) -> int | None:
    """`money` (amount, currency) in `to`, in cents: as it is when its currency is `to`,
    otherwise with the rate from its currency to `to` among `rates` (the facts give at most
    one per pair); None without one."""
    if money is None:
        return None
    if money.currency == to:
        return cents(money.amount)
    for rate in rates:
        if rate.currency == money.currency and rate.to == to:
            return cents(money.amount * rate.rate)
    return None


def part(value: Any, regex: re.Pattern, name: str) -> str | None:
    """The part called `name` of a text that has the whole structure `regex`, else None."""
    if type(value) is not str:
        return None
    match = regex.fullmatch(value)
    return match.group(name) if match else None


def date_from_text(value: Any, written: str) -> int | None:
    """The date a text writes in the format `written` (DD, MM and YYYY, as the packs say), as a
    day number; None when the text does not have that shape or names a day that does not exist
    (31022026)."""
    if type(value) is not str:
        return None
    regex, order = _date_format(written)
    match = regex.fullmatch(value)
    if match is None:
        return None
    parts = dict(zip(order, map(int, match.groups()), strict=True))
    try:
        return day_number(dt.date(parts["YYYY"], parts["MM"], parts["DD"]))
    except ValueError:
        return None


_FORMATS: dict[str, tuple[re.Pattern, list[str]]] = {}


def _date_format(written: str) -> tuple[re.Pattern, list[str]]:
    cached = _FORMATS.get(written)
    if cached is None:
        pattern, order = "", []
        for token in DATE_TOKEN.findall(written):
            if token in ("DD", "MM", "YYYY"):
                pattern += f"([0-9]{{{len(token)}}})"
                order.append(token)
            else:
                pattern += re.escape(token)
        cached = _FORMATS[written] = (re.compile(pattern), order)
    return cached


def add_years(day: Any, years: int, days: int = 0) -> int | None:
    """The day number `years` calendar years after the day number `day`, then `days` calendar
    days later; None when `day` is not given. A year later is the same day of the same month;
    when that month has no such day (29 February in a year that is not a leap year), the last
    day of the month. Which period, and from which date, is the packs' to say."""
    if type(day) is not int:
        return None
    start = _EPOCH + dt.timedelta(days=day)
    year = start.year + years
    try:
        end = start.replace(year=year)
    except ValueError:  # 29 February, in a year without one
        end = dt.date(year, start.month, 28)
    return day_number(end) + days


_EPOCH = dt.date(1970, 1, 1)


def count(items: Sequence[Any] | None) -> int:
    """The number of items of a list (none given: 0)."""
    return len(items) if items else 0


def first_given(fact: dict[str, Any], keys: Sequence[str], default: int) -> int:
    """The first of a fact's date fields that is given (the date it is judged on), else
    `default` (the as-of date)."""
    for key in keys:
        value = fact.get(key)
        if value is not None:
            return value
    return default


"""A plain-Python checker of a representative subset of the rules, written apart from the engine.

Used two ways by bench/run.py: as the speed baseline measured in the same run, and as a
differential test (on the same population, rexcheck and this checker must give the same
findings for this subset). It reads the raw case dicts (as parsed from JSON) and implements,
by hand, the Order 244 p.8 refusal grounds (with p.4), the p.6 structure of the registration
number and the p.11 threshold rules. It shares no code with rexcheck (not even the fact
models): a mistake in the rule language, the compiler, the normaliser or the runtime shows up as
a difference. It expects valid cases (bench/run.py gives it no malformed ones).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SUBSET = (
    "R244-8-1-channel", "R244-8-1-no-english", "R244-8-1-no-kazakh-or-russian",
    "R244-8-1-no-power-of-attorney", "R244-8-1-incomplete", "R244-8-1-no-goods",
    "R244-8-1-inaccurate", "R244-8-1-tin-format", "R244-8-2-documents", "R244-8-3-origin",
    "R244-8-registered-despite-ground", "R244-8-refused-without-ground",
    "R244-6-number-structure", "R244-6-number-date", "R244-6-number-date-not-real",
    "R244-6-serial-from-0001",
    "R244-11-destination-not-covered", "R244-11-no-chf-rate", "R244-11-no-nok-rate", "R244-11-rex-number-required-ch",
    "R244-11-rex-number-required-no", "R244-11-value-at-threshold",
    "R244-11-transport-document",
)
REQUIRED_DOCUMENTS = ("state_registration_certificate", "origin_documents")
TIN = re.compile(r"KZ[0-9]{12}")
NUMBER = re.compile(r"KZREX[0-9]{3}([0-9]{8})[0-9]{4}")
TRANSPORT = {"bill_of_lading", "cmr", "air_waybill", "rail_waybill", "other_transport"}
THRESHOLD = {"CH": ("CHF", Decimal(10300)), "NO": ("NOK", Decimal(60000))}

Finding = tuple[str, str, str]  # (rule id, subject type, subject ref)


def _t(text: Any) -> Any:
    """A text as the case models read it: surrounding white space removed. An empty text is
    a value (it is not missing), as it is for the engine."""
    return text.strip() if isinstance(text, str) else text


def _ts(texts: list | None) -> set:
    return {_t(x) for x in texts or ()}


def _cents(amount: Decimal) -> Decimal:
    return (amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _application(app: dict[str, Any], ref: str) -> list[Finding]:
    out: list[Finding] = []
    grounds = 0

    def ground(rule: str, subject: tuple[str, str] = ("application", ref)) -> None:
        nonlocal grounds
        grounds += 1
        out.append((rule, *subject))

    languages = _ts(app.get("languages"))
    if _t(app.get("channel")) not in ("post", "in_person", "electronic"):
        ground("R244-8-1-channel")
    if "en" not in languages:
        ground("R244-8-1-no-english")
    if not languages & {"kk", "ru"}:
        ground("R244-8-1-no-kazakh-or-russian")
    rep = app.get("representative")
    if rep and rep.get("name") is not None and rep.get("power_of_attorney") is False:
        ground("R244-8-1-no-power-of-attorney")
    declarations = app.get("declarations") or {}
    if (any(app.get(k) is None for k in ("tin", "exporter_name", "address", "contact"))
            or not app.get("activity") or declarations.get("signed") is False
            or declarations.get("information_correct") is False):
        ground("R244-8-1-incomplete")
    goods = app.get("goods") or []
    if not goods:
        ground("R244-8-1-no-goods")
    if app.get("information_accurate") is False:
        ground("R244-8-1-inaccurate")
    if app.get("tin") is not None and not TIN.fullmatch(_t(app["tin"])):
        ground("R244-8-1-tin-format")
    documents = _ts(app.get("documents"))
    if not set(REQUIRED_DOCUMENTS) <= documents:
        ground("R244-8-2-documents")
    for j, item in enumerate(goods, start=1):
        if item.get("meets_origin_rules") is False:
            ground("R244-8-3-origin", ("goods_item", f"{ref}/goods-{j}"))
    outcome = _t((app.get("decision") or {}).get("outcome"))
    if outcome == "registered" and grounds:
        out.append(("R244-8-registered-despite-ground", "application", ref))
    if outcome == "refused" and not grounds:
        out.append(("R244-8-refused-without-ground", "application", ref))
    return out


def _registration(reg: dict[str, Any], ref: str) -> list[Finding]:
    out: list[Finding] = []
    number = _t(reg["number"])
    match = NUMBER.fullmatch(number)
    if match is None:
        out.append(("R244-6-number-structure", "registration", ref))
        return out
    part = match.group(1)
    registered = dt.date.fromisoformat(reg["registered"])
    if part != f"{registered.day:02d}{registered.month:02d}{registered.year:04d}":
        out.append(("R244-6-number-date", "registration", ref))
    try:
        dt.date(int(part[4:]), int(part[2:4]), int(part[:2]))
    except ValueError:
        out.append(("R244-6-number-date-not-real", "registration", ref))
    if number.endswith("0000"):
        out.append(("R244-6-serial-from-0001", "registration", ref))
    return out


def _converted(consignment: dict[str, Any], currency: str) -> Decimal | None:
    value = consignment["value"]
    amount = Decimal(str(value["amount"]))
    if _t(value["currency"]) == currency:
        return _cents(amount)
    # rexcheck's reading: with several rates for the pair, the first in (currency, to, rate as
    # text) order
    rates = sorted((_t(r["currency"]), _t(r["to"]), str(Decimal(str(r["rate"]))))
                   for r in consignment.get("exchange_rates") or ())
    for source, to, rate in rates:
        if source == _t(value["currency"]) and to == currency:
            return _cents(amount * Decimal(rate))
    return None


def _consignment(c: dict[str, Any], ref: str) -> list[Finding]:
    out: list[Finding] = []
    destination = _t(c.get("destination"))
    statement = c.get("statement") or {}
    document = _t(statement.get("document"))
    if destination not in THRESHOLD:
        out.append(("R244-11-destination-not-covered", "consignment", ref))
        if document in TRANSPORT:
            out.append(("R244-11-transport-document", "consignment", ref))
        return out
    currency, threshold = THRESHOLD[destination]
    value = _converted(c, currency)
    if value is None:
        out.append((f"R244-11-no-{currency.lower()}-rate", "consignment", ref))
    else:
        if (value > threshold * 100 and statement.get("date") is not None
                and statement.get("rex_number") is None):
            out.append((f"R244-11-rex-number-required-{destination.lower()}", "consignment", ref))
        if value == threshold * 100:
            out.append(("R244-11-value-at-threshold", "consignment", ref))
    if document in TRANSPORT:
        out.append(("R244-11-transport-document", "consignment", ref))
    return out


def check(case: dict[str, Any]) -> list[Finding]:
    """The subset's findings for one case, sorted."""
    found: list[Finding] = []
    for i, app in enumerate(case.get("applications") or [], start=1):
        found += _application(app, _t(app.get("ref")) or f"application-{i}")
    for i, reg in enumerate(case.get("registrations") or [], start=1):
        found += _registration(reg, _t(reg.get("ref")) or f"registration-{i}")
    for i, c in enumerate(case.get("consignments") or [], start=1):
        found += _consignment(c, _t(c.get("ref")) or f"consignment-{i}")
    return sorted(set(found))


def from_rexcheck(result: dict[str, Any]) -> list[Finding]:
    """The same subset, read from one `rexcheck screen` result line."""
    return sorted({(f["rule_id"], f["subject"]["type"], f["subject"]["ref"])
                   for f in result["findings"] if f["rule_id"] in SUBSET})

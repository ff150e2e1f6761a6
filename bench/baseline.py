"""A plain-Python checker of a representative subset of the rules, written apart from the engine.

Used two ways by bench/run.py: as the speed baseline measured in the same run, and as a
differential test (on the same population, rexcheck and this checker must give the same
findings for this subset). It reads the raw case dicts (as parsed from JSON) and implements,
by hand, the Order 244 p.8 refusal grounds (with p.4) and the p.11 threshold rules. It shares
no code with rexcheck's engine: a mistake in the rule language or the compiler shows up as a
difference.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SUBSET = (
    "R244-8-1-channel", "R244-8-1-no-english", "R244-8-1-no-kazakh-or-russian",
    "R244-8-1-no-power-of-attorney", "R244-8-1-incomplete", "R244-8-1-no-goods",
    "R244-8-1-inaccurate", "R244-8-1-tin-format", "R244-8-2-documents", "R244-8-3-origin",
    "R244-8-registered-despite-ground", "R244-8-refused-without-ground",
    "R244-11-destination-not-covered", "R244-11-rex-number-required-ch",
    "R244-11-rex-number-required-no", "R244-11-value-at-threshold",
    "R244-11-transport-document",
)
REQUIRED_DOCUMENTS = ("state_registration_certificate", "origin_documents")
TIN = re.compile(r"KZ[0-9]{12}")
TRANSPORT = {"bill_of_lading", "cmr", "air_waybill", "rail_waybill", "other_transport"}
THRESHOLD = {"CH": ("CHF", Decimal(10300)), "NO": ("NOK", Decimal(60000))}

Finding = tuple[str, str, str]  # (rule id, subject type, subject ref)


def _cents(amount: Decimal) -> Decimal:
    return (amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _application(app: dict[str, Any], ref: str) -> list[Finding]:
    out: list[Finding] = []
    grounds = 0

    def ground(rule: str, subject: tuple[str, str] = ("application", ref)) -> None:
        nonlocal grounds
        grounds += 1
        out.append((rule, *subject))

    languages = set(app.get("languages") or [])
    if app.get("channel") not in ("post", "in_person", "electronic"):
        ground("R244-8-1-channel")
    if "en" not in languages:
        ground("R244-8-1-no-english")
    if not languages & {"kk", "ru"}:
        ground("R244-8-1-no-kazakh-or-russian")
    rep = app.get("representative")
    if rep and rep.get("name") and rep.get("power_of_attorney") is False:
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
    if app.get("tin") is not None and not TIN.fullmatch(app["tin"].strip()):
        ground("R244-8-1-tin-format")
    documents = set(app.get("documents") or [])
    if not set(REQUIRED_DOCUMENTS) <= documents:
        ground("R244-8-2-documents")
    for j, item in enumerate(goods, start=1):
        if item.get("meets_origin_rules") is False:
            ground("R244-8-3-origin", ("goods_item", f"{ref}/goods-{j}"))
    outcome = (app.get("decision") or {}).get("outcome")
    if outcome == "registered" and grounds:
        out.append(("R244-8-registered-despite-ground", "application", ref))
    if outcome == "refused" and not grounds:
        out.append(("R244-8-refused-without-ground", "application", ref))
    return out


def _converted(consignment: dict[str, Any], currency: str) -> Decimal | None:
    value = consignment["value"]
    amount = Decimal(str(value["amount"]))
    if value["currency"] == currency:
        return _cents(amount)
    for rate in sorted(consignment.get("exchange_rates") or [],
                       key=lambda r: (r["currency"], r["to"], str(r["rate"]))):
        if rate["currency"] == value["currency"] and rate["to"] == currency:
            return _cents(amount * Decimal(str(rate["rate"])))
    return None


def _consignment(c: dict[str, Any], ref: str) -> list[Finding]:
    out: list[Finding] = []
    destination = c.get("destination")
    statement = c.get("statement") or {}
    if destination not in THRESHOLD:
        out.append(("R244-11-destination-not-covered", "consignment", ref))
        if statement.get("document") in TRANSPORT:
            out.append(("R244-11-transport-document", "consignment", ref))
        return out
    currency, threshold = THRESHOLD[destination]
    value = _converted(c, currency)
    if value is not None:
        if value > threshold * 100 and statement.get("date") and not statement.get("rex_number"):
            out.append((f"R244-11-rex-number-required-{destination.lower()}", "consignment", ref))
        if value == threshold * 100:
            out.append(("R244-11-value-at-threshold", "consignment", ref))
    if statement.get("document") in TRANSPORT:
        out.append(("R244-11-transport-document", "consignment", ref))
    return out


def check(case: dict[str, Any]) -> list[Finding]:
    """The subset's findings for one case, sorted."""
    found: list[Finding] = []
    for i, app in enumerate(case.get("applications") or [], start=1):
        found += _application(app, app.get("ref") or f"application-{i}")
    for i, c in enumerate(case.get("consignments") or [], start=1):
        found += _consignment(c, c.get("ref") or f"consignment-{i}")
    return sorted(set(found))


def from_rexcheck(result: dict[str, Any]) -> list[Finding]:
    """The same subset, read from one `rexcheck screen` result line."""
    return sorted({(f["rule_id"], f["subject"]["type"], f["subject"]["ref"])
                   for f in result["findings"] if f["rule_id"] in SUBSET})

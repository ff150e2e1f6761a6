"""Generate a realistic synthetic population of REX cases as JSONL, seeded and reproducible.

    python bench/generate.py --cases 10000 --seed 1 [--malformed 0.01] > population.jsonl

Each line is one case in the record format `rexcheck screen` reads (the case file format of
facts/models.py as JSON). Case i depends only on (seed, i), so the output is byte-identical for
the same arguments, memory stays flat for any N (1,000,000 and more) and case ids are unique.
Every case is valid and consistent: no record error, every link between its documents
resolves (by ref, or by registration number when the case gives no refs), and its as_of is on
or after every date in it; every document gets an outcome.

The mix, one exporter's file per case:

- application No. 1 with the usual defects (channel e-mail/fax ~3%, no English ~5%, neither
  Kazakh nor Russian ~1%, representative without a power of attorney ~2%, bad TIN ~2%, goods
  failing the rules of origin ~3% per item, an empty box ~2%, an HS chapter for a few
  headings, rarer unsigned declarations, information declared not correct, inaccurate
  information, no goods) and, at low rates, the box 5 declarations incomplete (one of
  5(3)-(9) left out ~0.4%, box 5 not given at all ~0.2%) and no document attached at all
  (~1%); otherwise the applicant declares all of box 5 and attaches its documents (one of two
  now and then, which rexcheck cannot judge without the Order 257 list). The decision follows
  the defects most of the time (registered despite a ground, or refused without one, now and
  then); notices mostly on time, sometimes late; some applications still undecided; some
  exporters re-apply after a refusal (two applications), a few apply again while registered
  (p.9) or after a revocation (box 5(2), p.19); some records give no refs (the documents are
  then linked by registration number, or not at all);
- registrations with numbers KZREX + 3-digit region + DDMMYYYY + 4-digit serial, ~2% malformed
  (serial 0000, a date that differs from the registration date or does not exist, a short
  region code, separators between the parts);
- statements on origin to CH/NO (some elsewhere) across the value range, many near the 10,300
  CHF / 60,000 NOK thresholds and some exactly at them (also after conversion and after
  rounding to cents), some in EUR/USD with a rate and some without one, amounts as strings or
  as JSON numbers, mostly on invoices, sometimes on transport documents (bill_of_lading, cmr),
  ~2% without the HS code, a few consignments without a statement;
- the authorised organisation's file (Order 244 p.21-22) for ~5% of the cases: the documents
  received (applications No. 1, change reports, revocation requests) and the copies of the
  notices sent, each now and then destroyed (~15%) or found missing (~5%) on a day up to the
  as-of date, which for these cases is moved to a day up to the last of the population (the
  file is audited later), so that some were destroyed within their periods and some after;
  drawn with a random generator of their own, so every other part of a case is what it was;
- change reports; verification requests from NO/CH (some not official, some from other
  countries) with the Order 358 step dates, some steps not yet taken, the dates the
  organisation received the body's request and the body the documents given most of the time
  (~8-10% left out); revocation requests on every ground (exporter_application, mostly with a
  reason p.16(1) accepts and ~5% without one, gsp_noncompliance, obligations_breached,
  activity_ended, gsp_cancelled, mostly with the country, date and evidence of the
  cancellation and ~8% without one of them), sometimes without a verification behind them.

Every date lies between 2021-06-01 and 2026-10-31, so every due date the rules compute stays
within the calendar (2021-2027), and every document falls under a version of the law in
force (Order 244 from 2021-04-11, Order 358 from 2021-06-08).

`--malformed F` breaks that fraction of lines in varied ways (invalid JSON, wrong types,
missing required or unknown fields, dates that do not exist, NaN or negative amounts), always
one record per line. `marked_lines()` says which lines were broken (for tests).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from collections.abc import Iterator
from typing import Any

FIRST = dt.date(2021, 6, 1)
LAST = dt.date(2026, 10, 31)
SPAN = (LAST - FIRST).days
REGIONS = ["750", "710", "390", "550", "450", "150", "310", "610", "110", "270"]
DOCS = ["state_registration_certificate", "origin_documents"]
GOODS = [("Durum wheat", "1001"), ("Wheat flour", "1101"), ("Frozen fish fillets", "0304"),
         ("Cotton yarn", "5205"), ("Unwrought aluminium", "7601"), ("Dried chickpeas", "0713"),
         ("Ferro-alloys", "7202"), ("Sunflower oil", "1512"), ("Copper cathodes", "7403"),
         ("Lentils", "071340"), ("Raw hides", "41"), ("Honey", "0409")]
NAMES = ["Altyn Dala", "Steppe Grain", "Caspian Fish", "Irtysh Textile", "Aral Salt",
         "Беркут Агро", "Qazaq Metals", "Tengri Foods", "Saryarka Oil", "Жетісу Бал",
         "Kokshe Flour", "Ertis Copper"]
STREETS = ["Abay Avenue, Astana", "Dostyk Street, Almaty", "Tauelsizdik Avenue, Astana",
           "Kazybek Bi Street, Shymkent", "Satpayev Street, Pavlodar"]
# Appendix 1 box 5(3)-(9): the obligations the exporter certifies by signing
OBLIGATIONS = ("statements_only_for_originating_goods", "keeps_commercial_accounting",
               "reports_changes", "cooperates", "accepts_verification",
               "requests_removal_when_ineligible", "requests_removal_when_no_exports")
EXPORTER_REASONS = ["activity_terminated", "activity_changed", "gsp_exports_ended"]
EVIDENCE = ["Official notice of the cancellation of GSP preferences",
            "Note verbale of the Ministry of Foreign Affairs", "Official gazette publication"]
# how many days each kind of case needs after the first application is received (the longest
# chain of late steps of each kind fits in it)
HORIZON = {"application": 40, "statements": 430, "change": 280, "verification": 420,
           "revocation": 300}
TIN = re.compile(r"KZ[0-9]{12}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def day(d: dt.date) -> str:
    return d.isoformat()


def later(rng: random.Random, d: dt.date, lo: int, hi: int) -> dt.date:
    return d + dt.timedelta(days=rng.randint(lo, hi))


def latest(node: Any) -> str:
    """The latest date anywhere in a case (ISO dates compare as text)."""
    if isinstance(node, dict):
        return max((latest(v) for v in node.values()), default="")
    if isinstance(node, list):
        return max((latest(v) for v in node), default="")
    if isinstance(node, str) and len(node) == 10 and ISO_DATE.fullmatch(node):
        return node
    return ""


def tin(rng: random.Random) -> str:
    return "KZ" + f"{rng.randrange(10 ** 12):012d}"


def bad_tin(rng: random.Random, good: str) -> str:
    """A TIN that is not KZ + 12 digits (lower case is not one: identifiers are read in
    upper case)."""
    kind = rng.randrange(4)
    if kind == 0:
        return good[:-1]  # 11 digits
    if kind == 1:
        return good[2:]  # BIN without the country code
    if kind == 2:
        return "KZ-" + good[2:]  # written with a separator
    return good[:6] + "O" + good[7:]  # a letter O for a zero


def number(rng: random.Random, registered: dt.date) -> str:
    """A p.6 registration number, ~2% malformed in one of several ways."""
    region, serial = rng.choice(REGIONS), rng.randint(1, 9999)
    good = f"KZREX{region}{registered:%d%m%Y}{serial:04d}"
    if rng.random() >= 0.02:
        return good
    kind = rng.randrange(5)
    if kind == 0:
        return good[:-4] + "0000"
    if kind == 1:  # the date of the day before (a typo or a time-zone slip)
        return f"KZREX{region}{registered - dt.timedelta(days=1):%d%m%Y}{serial:04d}"
    if kind == 2:
        return f"KZREX{region}3002{registered:%Y}{serial:04d}"  # 30 February
    if kind == 3:
        return f"KZREX{region[:2]}{registered:%d%m%Y}{serial:04d}"
    return f"KZREX-{region}-{registered:%d%m%Y}-{serial:04d}"  # separators between the parts


def amount_json(rng: random.Random, amount: float, places: int = 2) -> Any:
    """An amount as the JSON writers of screening systems send it: a string or a number."""
    if rng.random() < 0.7:
        return f"{amount:.{places}f}"
    if places == 2 and amount == int(amount):
        return int(amount)
    return round(amount, places)


def declarations(revoked_before: bool = False) -> dict[str, Any]:
    """Box 5 as a real applicant fills it: every statement declared, and signed."""
    box: dict[str, Any] = {"information_correct": True,
                           "previous_registration_revoked": revoked_before}
    if revoked_before:
        box["revocation_cause_corrected"] = True
    box.update(dict.fromkeys(OBLIGATIONS, True))
    box["signed"] = True
    return box


def application(rng: random.Random, exporter: dict, received: dt.date, ref: str | None,
                clean: bool = False, revoked_before: bool = False) -> dict:
    """Application No. 1 with the usual defects (fewer when `clean`, e.g. a re-application)."""
    p = 0.3 if clean else 1.0
    goods = [{"description": d, "hs_code": c, "meets_origin_rules": rng.random() > 0.03 * p}
             for d, c in rng.sample(GOODS, rng.choices([1, 2, 3, 4], [50, 30, 15, 5])[0])]
    for item in goods:
        if rng.random() < 0.8:
            item["origin_criterion"] = rng.choice(["P", "P", "W"])
    if rng.random() < 0.005 * p:
        goods = []
    attached = rng.random()
    documents = (list(DOCS) if attached > 0.05 * p else [rng.choice(DOCS)]
                 if attached > 0.01 * p else [])
    app: dict[str, Any] = {}
    if ref:
        app["ref"] = ref
    app.update({
        "received": day(received),
        "channel": rng.choices(["electronic", "post", "in_person", "email", "fax"],
                               [60, 20, 17, 2 * p, 1 * p])[0],
        "languages": rng.choices([["ru", "en"], ["kk", "en"], ["kk", "ru", "en"], ["ru"],
                                  ["kk"], ["en"]], [55, 30, 9, 4 * p, 1 * p, 1 * p])[0],
        "tin": exporter["tin"] if rng.random() > 0.02 * p else bad_tin(rng, exporter["tin"]),
        "exporter_name": exporter["name"], "address": exporter["address"],
        "contact": f"+7 7{rng.randint(10, 29)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                   f"{rng.randint(10, 99)}",
        "activity": rng.choices([["production"], ["trade"], ["production", "trade"]],
                                [60, 25, 15])[0],
        "goods": goods,
        "consent_to_publication": rng.random() > 0.3,
        "declarations": declarations(revoked_before),
    })
    if documents or rng.random() < 0.5:  # no document: an empty list, or none given
        app["documents"] = documents
    if rng.random() < 0.2:
        app["headings_covered"] = len(goods)
    gap = rng.random()
    box5 = app["declarations"]
    if gap < 0.02 * p:  # an empty box of the Appendix 1 form
        del app[rng.choice(["contact", "address", "exporter_name", "activity", "tin"])]
    elif gap < 0.025 * p:
        box5["signed"] = False
    elif gap < 0.03 * p:
        box5["information_correct"] = False
    elif gap < 0.034 * p:  # one obligation of box 5(3)-(9) not certified
        del box5[rng.choice(OBLIGATIONS)]
    elif gap < 0.036 * p:  # box 5 not given at all
        del app["declarations"]
    if rng.random() < 0.01 * p:
        app["information_accurate"] = False
    if rng.random() < 0.12:
        app["representative"] = {"name": "Export Consult LLP",
                                 "power_of_attorney": rng.random() > 0.02 / 0.12 * p}
    return app


def has_ground(app: dict) -> bool:
    """Roughly the p.8 grounds found on the application itself, only to make decisions follow
    the defects most of the time (grounds that need the rest of the case, p.9 and box 5(2),
    are passed to `decide`)."""
    langs = set(app.get("languages", []))
    box5 = app.get("declarations", {})
    goods = app["goods"]
    return (app["channel"] in ("email", "fax") or "en" not in langs or not langs & {"kk", "ru"}
            or app.get("representative", {}).get("power_of_attorney") is False
            or any(k not in app for k in ("contact", "address", "exporter_name", "activity",
                                          "tin"))
            or not TIN.fullmatch(app.get("tin", "KZ000000000000"))
            or any(box5.get(k) is not True
                   for k in ("signed", "information_correct", *OBLIGATIONS))
            or (box5.get("previous_registration_revoked") is True
                and box5.get("revocation_cause_corrected") is not True)
            or app.get("information_accurate") is False
            or not goods or not app.get("documents")
            or any(not g["meets_origin_rules"] for g in goods)
            or ("headings_covered" in app and any(len(g["hs_code"]) == 2 for g in goods)))


def refuse(rng: random.Random, app: dict, received: dt.date) -> None:
    """Refused; p.8: notice within 3 working days of receipt, sometimes later."""
    date = later(rng, received, 0, 2)
    notified = date if rng.random() > 0.1 else later(rng, received, 5, 15)
    app["decision"] = {"outcome": "refused", "date": day(date), "notified": day(notified),
                       "reasons_stated": rng.random() > 0.03}


def decide(rng: random.Random, app: dict, received: dt.date, pending_ok: bool = True,
           ground: bool = False) -> dt.date | None:
    """Decide the application; the registration date, or None when refused or undecided.
    `ground`: a ground of the rest of the case (p.9, box 5(2)) applies."""
    if pending_ok and rng.random() < 0.08:
        return None  # still undecided
    if rng.random() < (0.93 if ground or has_ground(app) else 0.02):
        refuse(rng, app, received)
        return None
    # p.5: registered within 5 working days of receipt; sometimes later
    date = later(rng, received, 0, 4) if rng.random() > 0.1 else later(rng, received, 8, 20)
    app["decision"] = {"outcome": "registered", "date": day(date)}
    return date


def link(refs: bool, to: dict, ref: str) -> dict[str, str]:
    """How a document names its registration: by ref and number, or by number alone when the
    case gives no refs (a record without a ref has no name another document can use)."""
    return {"registration": ref, "registration_number": to["number"]} if refs else {
        "registration_number": to["number"]}


def consignments(rng: random.Random, exporter: dict, reg: dict | None, start: dt.date,
                 first: int = 1) -> list[dict]:
    out = []
    for j in range(first, first + rng.choices([1, 2, 3, 4], [40, 30, 20, 10])[0]):
        dest = rng.choices(["CH", "NO", "DE", "US", "TR"], [55, 40, 3, 1, 1])[0]
        threshold = 60000 if dest == "NO" else 10300
        currency = "NOK" if dest == "NO" else "CHF"
        kind = rng.random()
        places = 2
        if kind < 0.08:
            amount = float(threshold)  # exactly at the threshold
        elif kind < 0.10:  # rounds to the threshold, or just above it, in cents
            amount, places = threshold + rng.choice([0.004, 0.005, -0.004]), 3
        elif kind < 0.45:
            amount = round(threshold * rng.uniform(0.9, 1.1), 2)
        else:
            amount = round(threshold * rng.uniform(0.05, 4.0), 2)
        rates: list[dict] = []
        if rng.random() < 0.15:  # invoiced in EUR or USD
            foreign = rng.choice(["EUR", "USD"])
            to = "NOK" if dest == "NO" else "CHF"
            if rng.random() < 0.15:  # exactly at the threshold after conversion
                rate = 1.03 if to == "CHF" else 10
                amount, places = threshold / rate, 2
            else:
                rate = {("EUR", "CHF"): 0.94, ("USD", "CHF"): 0.88, ("EUR", "NOK"): 11.6,
                        ("USD", "NOK"): 10.7}[(foreign, to)]
                amount, places = round(amount / rate, 2), 2
            currency = foreign
            if rng.random() < 0.8:  # one rate per pair: the facts give the one that applies
                r: Any = str(rate) if rng.random() < 0.7 else rate
                rates.append({"currency": foreign, "to": to, "rate": r})
        date = max(later(rng, start, -10, 400), FIRST)  # a few before the registration
        c: dict[str, Any] = {}
        if rng.random() > 0.05:
            c["ref"] = f"C{j}"
        c.update({"destination": dest,
                  "value": {"amount": amount_json(rng, amount, places), "currency": currency}})
        if rates:
            c["exchange_rates"] = rates
        if rng.random() < 0.02:  # goods shipped without a statement on origin
            out.append(c)
            continue
        goods = rng.choice(GOODS)
        statement: dict[str, Any] = {
            "date": day(date),
            "document": rng.choices(["invoice", "delivery_note", "packing_list", "cmr",
                                     "bill_of_lading"], [78, 12, 4, 4, 2])[0],
            "exporter_name": exporter["name"], "exporter_address": exporter["address"],
            "country_of_origin": "KZ", "country_of_importation": dest,
            "goods_description": goods[0],
            "origin_criterion": rng.choice(["P", "P", "W"]),
            "language": "en" if rng.random() > 0.02 else "ru",
            "pages": rng.choice([1, 1, 1, 2, 3]),
        }
        if rng.random() > 0.02:  # p.11: the HS code in every statement, now and then left out
            statement["hs_code"] = goods[1]
        if statement["pages"] > 1 and rng.random() < 0.05:
            statement["pages_numbered"] = False
        elif statement["pages"] > 1:
            statement["pages_numbered"] = True
        above = amount * (float(rates[0]["rate"]) if rates else 1.0) >= threshold * 0.95
        if reg is not None and (above or rng.random() < 0.5) and rng.random() > 0.08:
            statement["rex_number"] = reg["number"]
        c["statement"] = statement
        out.append(c)
    return out


KEPT_SHARE = 0.05  # of the cases, with the organisation's file


def make_case(seed: int, i: int) -> dict:
    case = _make_case(seed, i)
    rng = random.Random(seed * 5_000_011 + i)  # apart: the rest of the case does not change
    if rng.random() < KEPT_SHARE:
        # the file is audited some time later (up to the last day of the population), so that
        # some items were destroyed after their periods and some within them
        as_of = dt.date.fromisoformat(case["as_of"])
        case["as_of"] = day(later(rng, as_of, 0, (LAST - as_of).days))
        case["kept_items"] = kept_items(rng, case)
    return case


def kept_items(rng: random.Random, case: dict) -> list[dict]:
    """The organisation's file of the case: each document received and each notice sent, a
    few destroyed or found missing on a day between its own and the as-of date."""
    as_of = dt.date.fromisoformat(case["as_of"])
    out: list[dict] = []
    for kind, records in (("application", case.get("applications", [])),
                          ("change_report", case.get("change_reports", [])),
                          ("revocation_request", case.get("revocation_requests", []))):
        for record in records:
            received = record.get("reported" if kind == "change_report" else "received")
            notified = (record.get("decision") or {}).get("notified")
            ref = record.get("ref")
            for item_kind, date_key, day_ in ((kind, "received", received),
                                              ("notification", "sent", notified)):
                if day_ is None:
                    continue
                item: dict[str, Any] = {"ref": f"K{len(out) + 1}", "kind": item_kind}
                if ref is not None:
                    item[kind] = ref
                item[date_key] = day_
                start = dt.date.fromisoformat(day_)
                gone = rng.random()
                if gone < 0.2 and start < as_of:
                    when = day(later(rng, start, 1, (as_of - start).days))
                    item["destroyed" if gone < 0.15 else "found_missing"] = when
                out.append(item)
    return out


def _make_case(seed: int, i: int) -> dict:
    rng = random.Random(seed * 1_000_003 + i)
    exporter: dict[str, Any] = {"tin": tin(rng), "name": f"{rng.choice(NAMES)} LLP",
                                "address": f"{rng.randint(1, 200)} {rng.choice(STREETS)}"}
    if rng.random() < 0.5:
        exporter["activity"] = ["production"]
    case: dict[str, Any] = {"case": f"S{seed}-{i:07d}"}
    if rng.random() < 0.1:
        case["title"] = f"{exporter['name']}, file {i}"
    case["exporter"] = exporter
    kind = rng.choices(list(HORIZON), [30, 35, 10, 18, 7])[0]
    history = rng.random() < 0.06  # refused first, registered on a second application
    refs = rng.random() > 0.05  # some systems send no refs: application#1, ... name them
    horizon = HORIZON[kind] + (200 if history else 0)
    received = FIRST + dt.timedelta(days=rng.randrange(SPAN - horizon))
    apps = []
    if history:
        first = application(rng, exporter, received, "A1" if refs else None)
        first["channel"] = rng.choice(["email", "fax", first["channel"]])
        refuse(rng, first, received)
        apps.append(first)
        received = later(rng, received, 20, 200)
    app_ref = f"A{len(apps) + 1}"
    app = application(rng, exporter, received, app_ref if refs else None, clean=history)
    registered = decide(rng, app, received, pending_ok=kind == "application")
    apps.append(app)
    case["applications"] = apps
    if registered is None or kind == "application":
        if registered is not None:
            app["decision"]["notified"] = day(later(rng, registered, 0, 1))
        judged = later(rng, dt.date.fromisoformat(latest(case)), 0, 30)
        if "decision" not in app:  # undecided: judged soon after receipt (pending or overdue)
            judged = later(rng, received, 0, 14)
        case["as_of"] = day(min(judged, LAST))
        return case
    notified = later(rng, registered, 0, 1) if rng.random() > 0.08 else later(rng, registered,
                                                                               4, 12)
    app["decision"]["notified"] = day(notified)
    reg: dict[str, Any] = {"ref": "R1", "number": number(rng, registered),
                           "application": app_ref, "holder_tin": exporter["tin"],
                           "registered": day(registered),
                           "valid_from": day(received if rng.random() > 0.01 else registered),
                           "notified": day(notified)}
    if not refs:  # nothing to name the application by: the link is left out
        del reg["ref"], reg["application"]
    case["registrations"] = [reg]
    if kind == "statements":
        case["consignments"] = consignments(rng, exporter, reg, received)
        if rng.random() < 0.015:  # p.9: the exporter applies again while registered
            again = later(rng, registered, 20, 300)
            second = application(rng, exporter, again, f"A{len(apps) + 1}" if refs else None,
                                 clean=True)
            decide(rng, second, again, ground=True)
            apps.append(second)
    elif kind == "change":
        changed = later(rng, registered, 10, 200)
        reported = later(rng, changed, 0, 3) if rng.random() > 0.15 else later(rng, changed, 6, 20)
        decided = later(rng, reported, 1, 8) if rng.random() > 0.1 else later(rng, reported, 12, 25)
        outcome = rng.choices(["applied", "refused"], [88, 12])[0]
        change: dict[str, Any] = {
            "ref": "CH1", **link(refs, reg, "R1"), "changed": day(changed),
            "reported": day(reported),
            "kinds": rng.sample(["legal_form_name_location", "activity", "hs_codes"],
                                rng.choice([1, 1, 2])),
            "reasons_given": rng.random() > 0.04,
            "supporting_documents": ["certificate"] if rng.random() > 0.05 else [],
            "decision": {"outcome": outcome, "date": day(decided),
                         "notified": day(later(rng, decided, 0, 2)), "reasons_stated": True}}
        case["change_reports"] = [change]
    elif kind == "verification":
        verification(rng, case, reg, registered, refs)
        if rng.random() < 0.4:
            case["consignments"] = consignments(rng, exporter, reg, received)
    else:  # the exporter applies to revoke, or the GSP was cancelled
        asked = later(rng, registered, 30, 180)
        ground = rng.choices(["exporter_application", "gsp_cancelled", "gsp_noncompliance"],
                             [80, 12, 8])[0]  # the last: a request with no verification at all
        by = "exporter" if ground == "exporter_application" else "authorised_body"
        if rng.random() < 0.03:
            by = "other"
        revocation(rng, case, reg, refs, asked, ground, by, None)
        if "revoked" in reg and rng.random() < 0.1:
            reapply(rng, case, exporter, dt.date.fromisoformat(reg["revoked"]), refs)
    case["as_of"] = day(min(later(rng, dt.date.fromisoformat(latest(case)), 0, 60), LAST))
    return case


def reapply(rng: random.Random, case: dict, exporter: dict, revoked: dt.date,
            refs: bool) -> None:
    """p.19: after a revocation the exporter applies again, certifying in box 5(2) that the
    cause was corrected (now and then it does not, or declares no revocation at all)."""
    apps = case["applications"]
    received = later(rng, revoked, 10, 60)
    app = application(rng, exporter, received, f"A{len(apps) + 1}" if refs else None,
                      clean=True, revoked_before=True)
    box5 = app.get("declarations")
    ground = False
    if box5 is not None:
        slip = rng.random()
        if slip < 0.08:
            del box5["revocation_cause_corrected"]
            ground = True
        elif slip < 0.15:
            box5["previous_registration_revoked"] = False
            del box5["revocation_cause_corrected"]
            ground = True
    decide(rng, app, received, ground=ground)
    apps.append(app)


def verification(rng: random.Random, case: dict, reg: dict, registered: dt.date,
                 refs: bool) -> None:
    """A verification request from Norway or Switzerland and the Order 358 steps after it."""
    received = later(rng, registered, 30, 200)
    v: dict[str, Any] = {"ref": "V1", **link(refs, reg, "R1"),
                         "from_country": rng.choices(["CH", "NO", "DE", "TR"], [50, 45, 4, 1])[0],
                         "official": rng.random() > 0.04, "received": day(received)}
    if not refs:
        del v["ref"]
    steps = rng.choices([1, 2, 3, 4, 5], [3, 3, 4, 5, 85])[0]  # steps taken so far
    step = received
    for n, (field, lo, hi, late) in enumerate([
            ("documents_requested", 0, 3, (6, 15)), ("documents_sent", 1, 6, (10, 25)),
            ("check_completed", 1, 8, (12, 35)), ("conclusion_date", 1, 10, (15, 40))], 1):
        if n >= steps:
            break
        step = later(rng, step, lo, hi) if rng.random() > 0.08 else later(rng, step, *late)
        v[field] = day(step)
        # the day the other side received it: p.8 counts from the organisation's receipt of
        # the body's request, p.9 from the body's receipt of the documents
        received_by = {"documents_requested": ("request_received", 0.08),
                       "documents_sent": ("documents_received", 0.1)}.get(field)
        if received_by is not None:
            name, left_out = received_by
            arrived = later(rng, step, 0, 2) if rng.random() > 0.05 else later(rng, step, 4, 8)
            if rng.random() > left_out:
                v[name] = day(arrived)
                step = arrived
    if steps >= 4:
        v["reply_includes_application"] = rng.random() > 0.02
        v["reply_includes_documents"] = rng.random() > 0.05
    case["verification_requests"] = [v]
    if steps < 5:
        return
    conclusion = rng.choices(["compliant", "gsp_noncompliance", "obligations_breached",
                              "activity_ended"], [55, 20, 15, 10])[0]
    v["conclusion"] = conclusion
    if conclusion == "compliant" and rng.random() > 0.05:
        return  # (now and then a revocation follows a compliant conclusion)
    applied = later(rng, step, 0, 4) if rng.random() > 0.1 else later(rng, step, 8, 20)
    v["revocation_applied"] = day(applied)
    ground = conclusion if conclusion != "compliant" else "gsp_noncompliance"
    # the revocation names its verification, now and then not (and cannot without refs)
    names = "V1" if rng.random() > 0.1 and refs else None
    revocation(rng, case, reg, refs, applied, ground, "authorised_body", names)


def revocation(rng: random.Random, case: dict, reg: dict, refs: bool, received: dt.date,
               ground: str, by: str, verification_ref: str | None) -> None:
    revoked = later(rng, received, 1, 5)
    notified = later(rng, revoked, 0, 2) if rng.random() > 0.1 else later(rng, revoked, 5, 12)
    request: dict[str, Any] = {
        "ref": "RV1", **link(refs, reg, "R1"), "ground": ground, "requested_by": by,
        "received": day(received)}
    if verification_ref:
        request["verification"] = verification_ref
    if ground == "exporter_application":  # p.16(1): why the exporter asks
        why = rng.random()
        if why < 0.95:
            request["exporter_reason"] = rng.choice(EXPORTER_REASONS)
        elif why < 0.98:
            request["exporter_reason"] = "other"
    elif ground == "gsp_cancelled":  # p.16(4): who cancelled, from when, shown by what
        shown = {"preferences_cancelled_by": rng.choice(["CH", "NO"]),
                 "preferences_cancelled_from": day(max(later(rng, received, -40, 0), FIRST)),
                 "cancellation_evidence": rng.choice(EVIDENCE)}
        if rng.random() < 0.08:
            del shown[rng.choice(list(shown))]
        request.update(shown)
    if rng.random() < 0.9:
        request["decision"] = {"outcome": "revoked", "date": day(revoked),
                               "notified": day(notified), "reasons_stated": rng.random() > 0.05}
        reg["revoked"] = day(revoked)
    case["revocation_requests"] = [request]


BREAKAGES = ["json", "json-nan", "type-tin", "type-languages", "type-date", "missing-exporter",
             "missing-received", "unknown-top", "unknown-nested", "date-feb30", "date-month13",
             "date-leap", "amount-nan", "amount-negative", "amount-negative-number"]


def malformed(seed: int, i: int, case: dict) -> str:
    """The case, broken in one of several ways; still one line."""
    rng = random.Random(seed * 7_000_003 + i)
    kind = rng.choice(BREAKAGES)
    app = case["applications"][0]
    if kind == "json":
        text = json.dumps(case, ensure_ascii=False)
        return text[:rng.randint(1, len(text) - 1)]
    if kind == "json-nan":  # a bare NaN: Python's json writes it, JSON has no such thing
        case["consignments"] = [{"destination": "CH", "value": {"amount": float("nan"),
                                                                  "currency": "CHF"}}]
    elif kind == "type-tin":
        case["exporter"]["tin"] = 51040001234
    elif kind == "type-languages":
        app["languages"] = "ru, en"
    elif kind == "type-date":
        app["received"] = 20260319
    elif kind == "missing-exporter":
        del case["exporter"]
    elif kind == "missing-received":
        del app["received"]
    elif kind == "unknown-top":
        case["exporter_tin"] = case["exporter"]["tin"]
    elif kind == "unknown-nested":
        app["chanel"] = app["channel"]
    elif kind == "date-feb30":
        app["received"] = "2026-02-30"
    elif kind == "date-month13":
        case["as_of"] = "2025-13-01"
    elif kind == "date-leap":
        app["received"] = "2023-02-29"
    else:
        amount: Any = {"amount-nan": "NaN", "amount-negative": "-5.00",
                       "amount-negative-number": -120.5}[kind]
        case["consignments"] = [{"ref": "X1", "destination": "CH",
                                 "value": {"amount": amount, "currency": "CHF"}}]
    return json.dumps(case, ensure_ascii=False)


def marked_lines(cases: int, seed: int, fraction: float = 0.0) -> Iterator[tuple[str, bool]]:
    """(line, broken) for every case, in order."""
    pick = random.Random(seed ^ 0x5EED)
    for i in range(cases):
        case = make_case(seed, i)
        if fraction and pick.random() < fraction:
            yield malformed(seed, i, case), True
        else:
            yield json.dumps(case, ensure_ascii=False), False


def lines(cases: int, seed: int, fraction: float = 0.0) -> Iterator[str]:
    for line, _ in marked_lines(cases, seed, fraction):
        yield line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--malformed", type=float, default=0.0,
                        help="fraction of lines to break (0-1)")
    args = parser.parse_args()
    if args.cases < 0 or not 0 <= args.malformed <= 1:
        parser.error("--cases must be 0 or more and --malformed between 0 and 1")
    out = sys.stdout
    out.reconfigure(encoding="utf-8", newline="\n")  # type: ignore[attr-defined]
    write = out.write
    for line in lines(args.cases, args.seed, args.malformed):
        write(line + "\n")
    out.flush()


if __name__ == "__main__":
    main()

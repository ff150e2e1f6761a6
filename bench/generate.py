"""Generate a realistic synthetic population of REX cases as JSONL, seeded and reproducible.

    python bench/generate.py --cases 10000 --seed 1 [--malformed 0.01] > population.jsonl

Each line is one case in the record format `rexcheck screen` reads. Case i depends only on
(seed, i), so the output is byte-identical for the same arguments and memory stays flat for any
N. The mix: applications No. 1 with the usual defects, registrations, statements on origin
across the value range (many near and at the thresholds, some in EUR/USD with or without a
rate, some on transport documents, some to other countries), changes of data, verification
chains from Norway and Switzerland, revocation requests with and without a verification.
`--malformed F` breaks that fraction of lines in varied ways (bad JSON, wrong types, missing or
unknown fields, impossible dates, NaN or negative amounts), one record per line always.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from typing import Any

FIRST = dt.date(2021, 7, 1)
LAST = dt.date(2026, 10, 31)
SPAN = (LAST - FIRST).days
REGIONS = ["750", "390", "550", "450", "710", "150"]
DOCS = ["state_registration_certificate", "origin_documents"]
GOODS = [("Durum wheat", "1001"), ("Wheat flour", "1101"), ("Frozen fish fillets", "0304"),
         ("Cotton yarn", "5205"), ("Unwrought aluminium", "7601"), ("Dried chickpeas", "0713"),
         ("Ferro-alloys", "7202"), ("Sunflower oil", "1512"), ("Copper cathodes", "7403")]
NAMES = ["Altyn Dala", "Steppe Grain", "Caspian Fish", "Irtysh Textile", "Aral Salt",
         "Беркут Агро", "Qazaq Metals", "Tengri Foods", "Saryarka Oil"]


def day(rng: random.Random, start: dt.date = FIRST, span: int = SPAN) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(span, 1)))


def later(rng: random.Random, d: dt.date, lo: int, hi: int) -> dt.date:
    return d + dt.timedelta(days=rng.randint(lo, hi))


def tin(rng: random.Random) -> str:
    return "KZ" + "".join(str(rng.randrange(10)) for _ in range(12))


def number(rng: random.Random, registered: dt.date, serial: int) -> str:
    return f"KZREX{rng.choice(REGIONS)}{registered:%d%m%Y}{serial:04d}"


def application(rng: random.Random, exporter: dict, received: dt.date) -> dict:
    goods = [{"description": d, "hs_code": c, "origin_criterion": rng.choice(["P", "W"]),
              "meets_origin_rules": rng.random() > 0.03}
             for d, c in rng.sample(GOODS, rng.randint(1, 3))]
    app: dict[str, Any] = {
        "ref": "A1", "received": received.isoformat(),
        "channel": rng.choices(["electronic", "post", "in_person", "email", "fax"],
                               [60, 20, 17, 2, 1])[0],
        "languages": rng.choices([["ru", "en"], ["kk", "en"], ["kk", "ru", "en"], ["ru"], ["en"]],
                                 [55, 30, 9, 5, 1])[0],
        "tin": exporter["tin"] if rng.random() > 0.02 else exporter["tin"][:-1],
        "exporter_name": exporter["name"], "address": exporter["address"],
        "contact": "+7 7172 00 00 00", "activity": ["production"],
        "goods": goods, "documents": list(DOCS) if rng.random() > 0.04 else DOCS[:1],
        "consent_to_publication": rng.random() > 0.3,
    }
    if rng.random() < 0.02:
        del app["contact"]
    if rng.random() < 0.02:
        app["representative"] = {"name": "Export Consult LLP", "power_of_attorney": False}
    elif rng.random() < 0.1:
        app["representative"] = {"name": "Export Consult LLP", "power_of_attorney": True}
    return app


def decide(rng: random.Random, app: dict, received: dt.date) -> dt.date | None:
    if rng.random() < 0.1:
        return None  # still undecided
    outcome = "refused" if rng.random() < 0.15 else "registered"
    date = later(rng, received, 1, 8)
    app["decision"] = {"outcome": outcome, "date": date.isoformat(),
                       "notified": later(rng, date, 0, 4).isoformat(), "reasons_stated": True}
    return date if outcome == "registered" else None


def statement_case(rng: random.Random, exporter: dict, reg: dict) -> list[dict]:
    out = []
    valid_from = dt.date.fromisoformat(reg["valid_from"])
    for j in range(rng.randint(1, 3)):
        dest = rng.choices(["CH", "NO", "DE"], [55, 40, 5])[0]
        threshold = 10300 if dest != "NO" else 60000
        kind = rng.random()
        if kind < 0.1:
            amount = threshold  # exactly at the threshold
        elif kind < 0.5:
            amount = round(threshold * rng.uniform(0.9, 1.1), 2)
        else:
            amount = round(threshold * rng.uniform(0.1, 3.0), 2)
        currency = "NOK" if dest == "NO" else "CHF"
        rates = []
        if rng.random() < 0.15:
            currency = rng.choice(["EUR", "USD"])
            rate = 0.94 if dest != "NO" else 11.6
            amount = round(amount / rate, 2)
            if rng.random() < 0.8:
                rates = [{"currency": currency, "to": "NOK" if dest == "NO" else "CHF",
                          "rate": str(rate)}]
        date = later(rng, valid_from, -10, 400)
        statement = {
            "date": min(date, LAST).isoformat(),
            "document": rng.choices(["invoice", "delivery_note", "cmr", "bill_of_lading"],
                                    [80, 14, 4, 2])[0],
            "exporter_name": exporter["name"], "exporter_address": exporter["address"],
            "country_of_origin": "KZ", "country_of_importation": dest,
            "goods_description": rng.choice(GOODS)[0],
            "origin_criterion": rng.choice(["P", "W"]),
            "language": "en" if rng.random() > 0.02 else "ru",
            "pages": rng.choice([1, 1, 2, 3]),
        }
        if statement["origin_criterion"] == "W" and rng.random() > 0.05:
            statement["hs_code"] = rng.choice(GOODS)[1]
        if amount > threshold * 0.95 and rng.random() > 0.1:
            statement["rex_number"] = reg["number"]
        out.append({"ref": f"C{j + 1}", "destination": dest,
                    "value": {"amount": f"{amount:.2f}", "currency": currency},
                    "exchange_rates": rates, "statement": statement})
    return out


def make_case(seed: int, i: int) -> dict:
    rng = random.Random(seed * 1_000_003 + i)
    exporter = {"tin": tin(rng), "name": f"{rng.choice(NAMES)} LLP",
                "address": f"{rng.randint(1, 200)} Abay Avenue, Astana"}
    case: dict[str, Any] = {"case": f"S{seed}-{i:07d}", "exporter": exporter}
    received = day(rng, FIRST, SPAN - 120)
    app = application(rng, exporter, received)
    registered = decide(rng, app, received)
    case["applications"] = [app]
    case["as_of"] = min(later(rng, received, 5, 400), LAST).isoformat()
    kind = rng.random()
    if registered is None or kind < 0.35:
        return case
    reg = {"ref": "R1", "number": number(rng, registered, rng.randint(1, 9999)),
           "application": "A1", "holder_tin": exporter["tin"],
           "registered": registered.isoformat(), "valid_from": received.isoformat(),
           "notified": later(rng, registered, 0, 3).isoformat()}
    if rng.random() < 0.01:
        reg["number"] = reg["number"][:-4] + "0000"
    case["registrations"] = [reg]
    if kind < 0.7:
        case["consignments"] = statement_case(rng, exporter, reg)
    elif kind < 0.8:
        changed = later(rng, registered, 10, 200)
        reported = later(rng, changed, 0, 6)
        case["change_reports"] = [{
            "ref": "CH1", "registration": "R1", "changed": changed.isoformat(),
            "reported": reported.isoformat(),
            "kinds": [rng.choice(["legal_form_name_location", "activity", "hs_codes"])],
            "reasons_given": rng.random() > 0.05,
            "supporting_documents": ["certificate"] if rng.random() > 0.05 else [],
            "decision": {"outcome": rng.choice(["applied", "applied", "refused"]),
                         "date": later(rng, reported, 1, 12).isoformat(),
                         "notified": later(rng, reported, 2, 14).isoformat(),
                         "reasons_stated": True}}]
        case["as_of"] = min(later(rng, reported, 20, 60), LAST).isoformat()
    else:
        received_v = later(rng, registered, 30, 300)
        requested = later(rng, received_v, 0, 5)
        sent = later(rng, requested, 1, 9)
        checked = later(rng, sent, 1, 12)
        concluded = later(rng, checked, 1, 12)
        conclusion = rng.choice(["compliant", "compliant", "gsp_noncompliance",
                                 "obligations_breached", "activity_ended"])
        v = {"ref": "V1", "registration": "R1", "registration_number": reg["number"],
             "from_country": rng.choices(["CH", "NO", "DE"], [50, 45, 5])[0],
             "official": rng.random() > 0.03, "received": received_v.isoformat(),
             "documents_requested": requested.isoformat(), "documents_sent": sent.isoformat(),
             "check_completed": checked.isoformat(), "conclusion_date": concluded.isoformat(),
             "conclusion": conclusion, "reply_includes_application": True,
             "reply_includes_documents": rng.random() > 0.05}
        case["verification_requests"] = [v]
        if conclusion != "compliant" or rng.random() < 0.1:
            applied = later(rng, concluded, 0, 5)
            v["revocation_applied"] = applied.isoformat()
            revoked = later(rng, applied, 1, 4)
            case["revocation_requests"] = [{
                "ref": "RV1", "registration": "R1", "registration_number": reg["number"],
                "ground": conclusion if conclusion != "compliant" else "gsp_noncompliance",
                "requested_by": "authorised_body", "received": applied.isoformat(),
                "verification": "V1" if rng.random() > 0.1 else None,
                "decision": {"outcome": "revoked", "date": revoked.isoformat(),
                             "notified": later(rng, revoked, 0, 5).isoformat(),
                             "reasons_stated": rng.random() > 0.05}}]
            if case["revocation_requests"][0]["verification"] is None:
                del case["revocation_requests"][0]["verification"]
            if rng.random() < 0.5:
                case["consignments"] = statement_case(rng, exporter, reg)
        case["as_of"] = min(later(rng, concluded, 10, 90), LAST).isoformat()
    if case.get("consignments"):  # judge after the last statement was made out
        latest = max(c["statement"]["date"] for c in case["consignments"])
        case["as_of"] = max(case["as_of"], latest)
    return case


BREAKAGES = ["json", "type", "missing", "unknown", "date", "nan", "negative"]


def malformed(seed: int, i: int, case: dict) -> str:
    rng = random.Random(seed * 7_000_003 + i)
    kind = rng.choice(BREAKAGES)
    if kind == "json":
        return json.dumps(case, ensure_ascii=False)[:-5]
    if kind == "type":
        case["exporter"]["tin"] = 12345
    elif kind == "missing":
        del case["exporter"]
    elif kind == "unknown":
        case["exporter"]["colour"] = "red"
    elif kind == "date":
        case["applications"][0]["received"] = "2026-02-30"
    else:
        case["consignments"] = [{"ref": "X1", "destination": "CH", "value": {
            "amount": "NaN" if kind == "nan" else "-5", "currency": "CHF"}}]
    return json.dumps(case, ensure_ascii=False)


def lines(cases: int, seed: int, fraction: float = 0.0):
    pick = random.Random(seed ^ 0x5EED)
    for i in range(cases):
        case = make_case(seed, i)
        if fraction and pick.random() < fraction:
            yield malformed(seed, i, case)
        else:
            yield json.dumps(case, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--malformed", type=float, default=0.0,
                        help="fraction of lines to break (0-1)")
    args = parser.parse_args()
    out = sys.stdout
    for line in lines(args.cases, args.seed, args.malformed):
        out.write(line + "\n")


if __name__ == "__main__":
    main()

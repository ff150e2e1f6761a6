"""A plain-Python checker of a representative subset of the rules, written apart from the engine.

Used two ways by bench/run.py: as the speed baseline measured in the same run, and as a
differential test (on the same population, rexcheck and this checker must give the same
findings and notices for this subset). It reads the raw case dicts (as parsed from JSON) and
implements, by hand, the Order 244 p.8 refusal grounds (with p.4, Appendix 1 boxes 4 and 5,
p.9 and box 5(2)) and the decisions taken against them, the p.6 structure of the registration
number and the p.11 rules on statements (threshold, rate, destination, transport document,
HS code, language, pages). It shares no code with rexcheck (not even the fact models): a
mistake in the rule language, the compiler, the normaliser or the runtime shows up as a
difference. It expects valid cases (bench/run.py gives it no malformed ones).

The values of the law are not written here: the thresholds, the structure of the number and
the date format in it, the channels, languages, TIN pattern, documents, countries and limits
the rules name are read from the YAML packs (plain `yaml.safe_load`), each by the version of
the law in force on its document's date, so that a change of a value in the packs changes both
sides. What each rule tests (which fields, which comparison) is this module's own reading.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

SUBSET = (
    "R244-8-1-channel", "R244-8-1-no-english", "R244-8-1-no-kazakh-or-russian",
    "R244-8-1-no-power-of-attorney", "R244-8-1-incomplete", "R244-8-1-obligations-not-certified",
    "R244-8-1-no-goods", "R244-8-1-inaccurate", "R244-8-1-tin-format",
    "R244-8-2-no-documents", "R244-8-2-list-not-checked", "R244-8-3-origin",
    "R244-App1-chapters-for-few-headings", "R244-App1-chapters-unconfirmed",
    "R244-9-already-registered", "R244-9-already-registered-revoked-later",
    "R244-9-already-registered-restored",
    "R244-19-revocation-cause-not-corrected", "R244-19-revocation-not-declared",
    "R244-8-registered-despite-ground", "R244-8-refused-without-ground",
    "R244-6-number-structure", "R244-6-number-date", "R244-6-number-date-not-real",
    "R244-6-serial-from-0001",
    "R244-11-destination-not-covered", "R244-11-no-chf-rate", "R244-11-no-nok-rate",
    "R244-11-rex-number-required-ch", "R244-11-rex-number-required-no",
    "R244-11-value-at-threshold", "R244-11-transport-document", "R244-11-hs-code-missing",
    "R244-11-no-statement", "R244-11-not-in-english", "R244-11-pages-not-numbered",
)
# Appendix 1: the boxes an application must fill in (box 1-3) and the declarations of box 5
BOXES = ("tin", "exporter_name", "address", "contact")
BOX5_FIRST = ("signed", "information_correct")
BOX5_OBLIGATIONS = ("statements_only_for_originating_goods", "keeps_commercial_accounting",
                    "reports_changes", "cooperates", "accepts_verification",
                    "requests_removal_when_ineligible", "requests_removal_when_no_exports")

Finding = tuple[str, str, str]  # (rule id, subject type, subject ref)


# ------------------------------------------------------------------ the values of the packs

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


def _leaves(node: Any) -> list[dict]:
    """Every leaf condition ({field, <operator>: value}) of a rule's condition tree."""
    if isinstance(node, list):
        return [leaf for item in node for leaf in _leaves(item)]
    if not isinstance(node, dict):
        return []
    if "field" in node:
        return [node]
    return [leaf for value in node.values() for leaf in _leaves(value)]


def _spans(periods: list[tuple[dt.date, dt.date | None, Any]]) -> list:
    """Values in force from their first day until the day before the next one's (or a `to`)."""
    out = []
    for i, (start, end, value) in enumerate(periods):
        if end is None and i + 1 < len(periods):
            end = periods[i + 1][0] - dt.timedelta(days=1)
        out.append((start, end, value))
    return out


def _on(spans: list, day: dt.date) -> Any:
    for start, end, value in spans:
        if start <= day and (end is None or day <= end):
            return value
    return None


class Pack:
    """One rule file: its versions of the law, its computed values and its rules by id."""

    def __init__(self, path: Path, version_spans: dict[str, tuple]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.spans = [version_spans[v] for v in data.get("versions") or ()]
        self.computed = data.get("computed") or {}
        self.rules = {r["id"]: r for r in data["rules"]}

    def in_force(self, day: dt.date) -> bool:
        """Its rules judge a document whose date falls in one of its versions."""
        return any(start <= day and (end is None or day <= end) for start, end in self.spans)

    def value(self, rule_id: str, field: str, operator: str) -> Any:
        """The value a rule compares `field` with by `operator` (the first such leaf)."""
        rule = self.rules[rule_id]
        for leaf in _leaves([rule.get("when"), rule.get("with"), rule.get("without")]):
            if leaf["field"] == field and operator in leaf:
                return leaf[operator]
        raise LookupError(f"{rule_id} compares no {field} by {operator}")

    def values(self, rule_id: str, field: str, operator: str) -> list:
        return [leaf[operator] for leaf in _leaves(self.rules[rule_id].get("when"))
                if leaf["field"] == field and operator in leaf]


def _number_regex(parts: list[dict]) -> re.Pattern:
    """A named group per part: a text as written, or so many digits."""
    groups = []
    for part in parts:
        body = re.escape(part["text"]) if "text" in part else f"[0-9]{{{part['digits']}}}"
        groups.append(f"(?P<{part['name']}>{body})")
    return re.compile("".join(groups))


class Law:
    """The values of the law the baseline needs, read from a rules tree (the shipped packs
    unless another is given): law.yaml for the versions in force, the parameters of Order
    244, and the values its rules of p.4, p.6, p.8, p.11 and Appendix 1 compare with."""

    def __init__(self, root: Path | str = RULES_DIR):
        root = Path(root)
        law = yaml.safe_load((root / "law.yaml").read_text(encoding="utf-8"))
        # each version of an act, in force from its first day until the next version's
        versions = {v["id"]: (start, end) for act in law["acts"].values()
                    for start, end, v in _spans([(v["from"], None, v) for v in act["versions"]])}
        params = yaml.safe_load((root / "order-244" / "parameters.yaml").read_text("utf-8"))
        self.parameters = {name: _spans([(v["from"], v.get("to"), v["value"])
                                         for v in p["values"]])
                           for name, p in params["parameters"].items()}
        self.refusal = refusal = Pack(root / "order-244" / "ch2-refusal.yaml", versions)
        self.registration = reg = Pack(root / "order-244" / "ch2-registration.yaml", versions)
        self.statements = statements = Pack(root / "order-244" / "ch2-statements.yaml", versions)
        # p.4: channels and languages; Appendix 1 note 1: the TIN; box 4: chapters, headings
        self.channels = set(refusal.value("R244-8-1-channel", "application.channel", "not_in"))
        self.english = refusal.value("R244-8-1-no-english", "application.languages",
                                     "not_contains")
        self.kazakh_or_russian = set(refusal.values(
            "R244-8-1-no-kazakh-or-russian", "application.languages", "not_contains"))
        self.tin = re.compile(refusal.value("R244-8-1-tin-format", "application.tin", "matches"))
        few = "R244-App1-chapters-for-few-headings"
        self.chapter = re.compile(reg.value(few, "goods_item.hs_code", "matches"))
        self.few_headings = reg.value(few, "application.headings_covered", "lte")
        # p.6: the parts of the number, in force by the registration date, and its date format
        parts = reg.computed["registration"]
        self.number_structure = parts["number_date_text"]["part"]["structure"]
        self.date_part = parts["number_date_text"]["part"]["name"]
        self.serial_part = parts["number_serial"]["part"]["name"]
        self.date_format = parts["number_date"]["date"]["format"]
        self.number_regex = [(start, end, _number_regex(value)) for start, end, value
                             in self.parameters[self.number_structure]]
        self.no_serial = reg.value("R244-6-serial-from-0001", "registration.number_serial", "eq")
        # p.11: the countries covered, their thresholds and currencies; commercial documents
        self.covered = set(statements.value("R244-11-destination-not-covered",
                                            "consignment.destination", "not_in"))
        self.transport = set(statements.value("R244-11-transport-document",
                                              "consignment.statement.document", "in"))
        self.statement_language = statements.value(
            "R244-11-not-in-english", "consignment.statement.language", "eq")
        self.thresholds = self._threshold_rules()

    def parameter(self, name: str, day: dt.date) -> Any:
        return _on(self.parameters[name], day)

    def _threshold_rules(self) -> dict[str, tuple[str, str, str, str]]:
        """Per country: (currency, threshold parameter, rule without a rate, rule without the
        number), read from the rules that compare a converted value with a parameter."""
        pack = self.statements
        out = {}
        for rule_id in pack.rules:
            if not rule_id.startswith("R244-11-rex-number-required-"):
                continue
            country = pack.value(rule_id, "consignment.destination", "eq")
            for leaf in _leaves(pack.rules[rule_id]["when"]):
                if isinstance(leaf.get("gt"), dict) and "param" in leaf["gt"]:
                    value_field = leaf["field"].partition(".")[2]
                    currency = pack.computed["consignment"][value_field]["convert"]["to"]
                    no_rate = next(r for r in pack.rules if r.startswith("R244-11-no-")
                                   and r.endswith("-rate")
                                   and pack.value(r, "consignment.destination", "eq") == country)
                    out[country] = (currency, leaf["gt"]["param"], no_rate, rule_id)
        return out


def _date_written(text: str, written: str) -> dt.date | None:
    """The date a text writes in a format such as DDMMYYYY; None when it is not one."""
    fields: dict[str, int] = {}
    at = 0
    for token in re.findall(r"DD|MM|YYYY|.", written):
        if token in ("DD", "MM", "YYYY"):
            chunk = text[at:at + len(token)]
            if len(chunk) != len(token) or not chunk.isdigit() or not chunk.isascii():
                return None
            fields[token] = int(chunk)
            at += len(token)
        else:
            if text[at:at + 1] != token:
                return None
            at += 1
    if at != len(text):
        return None
    try:
        return dt.date(fields["YYYY"], fields["MM"], fields["DD"])
    except ValueError:
        return None


# ------------------------------------------------------------------ reading a case


def _t(text: Any) -> Any:
    """A text as the case models read it: stripped; blank is missing."""
    if isinstance(text, str):
        text = text.strip()
        return text or None
    return text


def _id(text: Any) -> Any:
    """An identifier (TIN, number): NFC, stripped, upper case; blank is missing."""
    if isinstance(text, str):
        text = unicodedata.normalize("NFC", text).strip().upper()
        return text or None
    return text


def _ts(texts: list | None) -> set:
    return {_t(x) for x in texts or ()}


def _date(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(text) if isinstance(text, str) else None


def _cents(amount: Decimal) -> Decimal:
    return (amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _converted(consignment: dict[str, Any], currency: str) -> Decimal | None:
    """The value in `currency`, in cents, with the one rate the facts give for the pair."""
    value = consignment["value"]
    amount = Decimal(str(value["amount"]))
    if value["currency"] == currency:
        return _cents(amount)
    for rate in consignment.get("exchange_rates") or ():
        if rate["currency"] == value["currency"] and rate["to"] == currency:
            return _cents(amount * Decimal(str(rate["rate"])))
    return None


# ------------------------------------------------------------------ the checker


class Baseline:
    """The subset's rules, by hand, with the values of one rules tree."""

    def __init__(self, rules: Path | str = RULES_DIR):
        self.law = Law(rules)

    def check(self, case: dict[str, Any]) -> list[Finding]:
        """The subset's findings and notices for one case, sorted."""
        as_of = _date(case.get("as_of")) or dt.date.today()
        found: list[Finding] = []
        for i, app in enumerate(case.get("applications") or [], start=1):
            found += self._application(case, app, _t(app.get("ref")) or f"application#{i}")
        for i, reg in enumerate(case.get("registrations") or [], start=1):
            found += self._registration(reg, _t(reg.get("ref")) or f"registration#{i}")
        for i, c in enumerate(case.get("consignments") or [], start=1):
            found += self._consignment(c, _t(c.get("ref")) or f"consignment#{i}", as_of)
        return sorted(set(found))

    # -------------------------------------------------------------- applications (p.4, p.8)

    def _application(self, case: dict[str, Any], app: dict[str, Any], ref: str
                     ) -> list[Finding]:
        out: list[Finding] = []
        # the grounds are in two packs (p.8 with p.4; Appendix 1, p.9, p.19), judged alike
        # on the date the application was received
        received = _date(app["received"])
        law = self.law
        if not (law.refusal.in_force(received) and law.registration.in_force(received)):
            return out
        grounds = (self._grounds_on_the_form(app, ref, out)
                   + _grounds_in_the_file(case, app, ref, out))
        outcome = _t((app.get("decision") or {}).get("outcome"))
        if outcome == "registered" and grounds:
            out.append(("R244-8-registered-despite-ground", "application", ref))
        if outcome == "refused" and not grounds:
            out.append(("R244-8-refused-without-ground", "application", ref))
        return out

    def _grounds_on_the_form(self, app: dict[str, Any], ref: str, found: list[Finding]) -> int:
        """The grounds the application shows by itself; the findings go to `found`."""
        law = self.law
        grounds = 0

        def ground(rule: str, subject: tuple[str, str] = ("application", ref)) -> None:
            nonlocal grounds
            grounds += 1
            found.append((rule, *subject))

        languages = _ts(app.get("languages"))
        if _t(app.get("channel")) not in law.channels:
            ground("R244-8-1-channel")
        if law.english not in languages:
            ground("R244-8-1-no-english")
        if not languages & law.kazakh_or_russian:
            ground("R244-8-1-no-kazakh-or-russian")
        rep = app.get("representative")
        if rep and _t(rep.get("name")) is not None and rep.get("power_of_attorney") is False:
            ground("R244-8-1-no-power-of-attorney")
        box5 = app.get("declarations") or {}
        if (any(_t(app.get(k)) is None for k in BOXES) or not app.get("activity")
                or any(box5.get(k) is not True for k in BOX5_FIRST)):
            ground("R244-8-1-incomplete")
        if any(box5.get(k) is not True for k in BOX5_OBLIGATIONS):
            ground("R244-8-1-obligations-not-certified")
        goods = app.get("goods") or []
        if not goods:
            ground("R244-8-1-no-goods")
        if app.get("information_accurate") is False:
            ground("R244-8-1-inaccurate")
        tin = _id(app.get("tin"))
        if tin is not None and not law.tin.fullmatch(tin):
            ground("R244-8-1-tin-format")
        if not app.get("documents"):
            ground("R244-8-2-no-documents")
        else:
            found.append(("R244-8-2-list-not-checked", "application", ref))
        headings = app.get("headings_covered")
        for j, item in enumerate(goods, start=1):
            subject = ("goods_item", f"{ref}/goods-{j}")
            if item.get("meets_origin_rules") is False:
                ground("R244-8-3-origin", subject)
            if law.chapter.fullmatch(item["hs_code"]):
                if headings is None:
                    found.append(("R244-App1-chapters-unconfirmed", *subject))
                elif headings <= law.few_headings:
                    ground("R244-App1-chapters-for-few-headings", subject)
        if box5.get("previous_registration_revoked") is True and \
                box5.get("revocation_cause_corrected") is not True:
            ground("R244-19-revocation-cause-not-corrected")
        return grounds

    # -------------------------------------------------------------- registrations (p.6)

    def _registration(self, reg: dict[str, Any], ref: str) -> list[Finding]:
        law = self.law
        registered = _date(reg["registered"])
        out: list[Finding] = []
        structure = _on(law.number_regex, registered)
        if not law.registration.in_force(registered) or structure is None:
            return out  # no law, or no structure in force: nothing to compare the number with
        match = structure.fullmatch(_id(reg["number"]))
        if match is None:
            out.append(("R244-6-number-structure", "registration", ref))
            return out
        date = _date_written(match.group(law.date_part), law.date_format)
        if date is None:
            out.append(("R244-6-number-date-not-real", "registration", ref))
        elif date != registered and reg.get("revocation_cancelled_by_court") is None:
            out.append(("R244-6-number-date", "registration", ref))
        if match.group(law.serial_part) == law.no_serial:
            out.append(("R244-6-serial-from-0001", "registration", ref))
        return out

    # -------------------------------------------------------------- statements (p.11)

    def _consignment(self, c: dict[str, Any], ref: str, as_of: dt.date) -> list[Finding]:
        law = self.law
        statement = c.get("statement")
        day = _date((statement or {}).get("date")) or as_of
        if not law.statements.in_force(day):
            return []
        out: list[Finding] = []
        subject = ("consignment", ref)
        destination = _t(c["destination"])
        if statement is not None and _t(statement["document"]) in law.transport:
            out.append(("R244-11-transport-document", *subject))
        if destination not in law.covered:
            out.append(("R244-11-destination-not-covered", *subject))
            return out
        if statement is None:
            out.append(("R244-11-no-statement", *subject))
        else:
            if statement.get("hs_code") is None:
                out.append(("R244-11-hs-code-missing", *subject))
            if _t(statement.get("language")) != law.statement_language:
                out.append(("R244-11-not-in-english", *subject))
            if (statement.get("pages") or 0) > 1 and statement.get("pages_numbered") is not True:
                out.append(("R244-11-pages-not-numbered", *subject))
        if destination not in law.thresholds:
            return out
        currency, param, no_rate, required = law.thresholds[destination]
        value = _converted(c, currency)
        if value is None:
            out.append((no_rate, *subject))
            return out
        threshold = law.parameter(param, day)
        if threshold is None:
            return out  # no threshold in force on the statement's date
        threshold = Decimal(str(threshold)) * 100
        if (value > threshold and statement is not None
                and _id(statement.get("rex_number")) is None):
            out.append((required, *subject))
        if value == threshold:
            out.append(("R244-11-value-at-threshold", *subject))
        return out


def _grounds_in_the_file(case: dict[str, Any], app: dict[str, Any], ref: str,
                         found: list[Finding]) -> int:
    """The grounds that need the exporter's other documents: p.9 (registered once) and
    box 5(2) (an earlier revocation not declared)."""
    holder = _id(case["exporter"]["tin"])
    received = _date(app["received"])
    box5 = app.get("declarations") or {}
    rules: set[str] = set()
    for reg in case.get("registrations") or ():
        if _id(reg.get("holder_tin")) != holder:
            continue
        revoked, valid_from = _date(reg.get("revoked")), _date(reg["valid_from"])
        court = _date(reg.get("revocation_cancelled_by_court"))
        if valid_from < received:  # in force before this application came (p.5)
            if revoked is None:
                rules.add("R244-9-already-registered")
            elif revoked > received:
                rules.add("R244-9-already-registered-revoked-later")
            elif court is not None and court <= received:
                rules.add("R244-9-already-registered-restored")
        if (box5.get("previous_registration_revoked") is False and revoked is not None
                and revoked <= received):
            rules.add("R244-19-revocation-not-declared")
    found.extend((rule, "application", ref) for rule in sorted(rules))
    return len(rules)


SHIPPED = Baseline()
check = SHIPPED.check  # the subset on the shipped packs


def from_rexcheck(result: dict[str, Any]) -> list[Finding]:
    """The same subset, read from one `rexcheck screen` result line (a CaseResult: findings
    are its errors and warnings, notices its information)."""
    return sorted({(f["rule_id"], f["subject"]["type"], f["subject"]["ref"])
                   for f in (*result["findings"], *result["notices"])
                   if f["rule_id"] in SUBSET})

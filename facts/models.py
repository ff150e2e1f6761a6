"""Pydantic models of the facts rexcheck reasons about.

A *case* is one exporter's file: the exporter, and the documents of its REX life (applications
No. 1, registrations, change reports, revocation requests, verification requests from Norway or
Switzerland, consignments with their statements on origin). Each case is evaluated in isolation.

The models are strict (`extra="forbid"`): an unknown key is an error with a "did you mean", never
silently dropped. Field names follow the Orders' vocabulary; a field's docstring says which
paragraph needs it. Every record has a `ref` that names it in findings ("application A1").
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from rexcheck.facts.wholecase import case_problems

Ref = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"),
]
# Text is stripped (the models' config); a required text that is blank (white space only) is
# refused, an optional one left blank is kept as "" and is a missing value for the rules (the
# engine facts leave it out, exactly as a field not given), never a filled box. Control
# characters (NUL, escape sequences) are refused: they are never part of a name or an address.
# Every check is a constraint pydantic applies in its compiled core: no Python runs per value
# (screening validates millions of them).
# Invisible format characters (zero-width spaces and joiners, direction marks and overrides,
# the BOM as a character, the soft hyphen) are refused too: a text made of them alone would
# read as a filled box, and two names that differ only by them would not be the same name.
INVISIBLE = ("\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff")
PRINTABLE = _PRINTABLE = "^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f" + INVISIBLE + "]*$"
BLANK_MESSAGE = "is blank; write the value, or leave the field out if it is unknown"
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=_PRINTABLE)]
OptText = Annotated[str, StringConstraints(max_length=2000, pattern=_PRINTABLE)] | None
# A code from a closed list of documents or kinds, as a screening system sends it.
Code = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_PRINTABLE)]

# TINs and registration numbers: trimmed, upper case, and made of ASCII letters, digits and
# - . / only. A look-alike letter (the Cyrillic К of "КZ...") or an invisible character (a
# zero-width space) would make a join silently miss, so it is refused; `identifier_problem`
# names the character in the error (facts/loader.py, facts/diagnose.py).
IDENTIFIER_PATTERN = r"^[A-Za-z0-9./-]+$"  # tested before the upper-casing
OPT_IDENTIFIER_PATTERN = r"^[A-Za-z0-9./-]*$"
Identifier = Annotated[str, StringConstraints(to_upper=True, min_length=1, max_length=64,
                                              pattern=IDENTIFIER_PATTERN)]
OptIdentifier = Annotated[str, StringConstraints(to_upper=True, max_length=64,
                                                 pattern=OPT_IDENTIFIER_PATTERN)] | None


def text_problem(value: object) -> str | None:
    """Why a text is refused for a character in it: the first control or invisible
    character, by its Unicode name."""
    if not isinstance(value, str):
        return None
    for i, char in enumerate(value, start=1):
        if re.fullmatch(_PRINTABLE, char) is None:
            name = unicodedata.name(char, "a control character")
            return (f"character {i} is {name} (U+{ord(char):04X}), a control or invisible "
                    "character; a document's text has none")
    return None


def identifier_problem(value: object) -> str | None:
    """Why a text is not an identifier: the first character that is not an ASCII letter, digit
    or - . /, by its Unicode name, and the Latin letter it looks like if it looks like one."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value).strip()
    for i, char in enumerate(text, start=1):
        if not (char.isascii() and (char.isalnum() or char in "-./")):
            name = unicodedata.name(char, "a control character")
            looks = _LOOKALIKE.get(char)
            hint = f", which looks like the Latin {looks}" if looks else ""
            return (f"character {i} is {name} (U+{ord(char):04X}){hint}; an identifier is "
                    "ASCII letters, digits and - . / only")
    return None


# Cyrillic and Greek letters that look like the Latin letters of TINs and REX numbers.
_LOOKALIKE = {c: latin for latin, chars in {
    "A": "АΑ", "B": "ВΒ", "C": "С", "E": "ЕΕ", "H": "НΗ", "I": "ІΙ", "K": "КΚ", "M": "МΜ",
    "O": "ОΟ", "P": "РΡ", "T": "ТΤ", "X": "ХΧ", "Y": "УΥ", "Z": "Ζ", "a": "а", "c": "с",
    "e": "е", "o": "о", "p": "р", "x": "х", "y": "у"}.items() for c in chars}
Country = Literal["NO", "CH"] | Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Language = Literal["kk", "ru", "en", "other"]


def _float_as_written(value: object) -> object:
    """A number read as a float becomes the Decimal of its shortest text (12500.0 -> 12500.0),
    as pydantic does from Python data. Said explicitly, so that a JSON line validated by
    pydantic's own JSON reader (screening's fast path) gives the very same Decimal, and so the
    same case digest, as the same line read into Python first."""
    return Decimal(repr(value)) if type(value) is float else value


# an amount or a rate: exact, whatever reader the number came through
Exact = Annotated[Decimal, BeforeValidator(_float_as_written)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Money(Strict):
    amount: Exact = Field(description="Amount in `currency`, e.g. 12500.00")
    currency: Currency = Field(description="ISO 4217 code, e.g. CHF, NOK, EUR, USD, KZT")

    @field_validator("amount")
    @classmethod
    def _finite_non_negative(cls, v: Decimal) -> Decimal:
        if not v.is_finite() or v < 0:
            raise ValueError("amount must be a finite number, 0 or more")
        if v > Decimal("1e15"):
            raise ValueError("amount is implausibly large (over 10^15)")
        return v


class ExchangeRate(Strict):
    """A rate the facts supply (Order 244 p.11 gives thresholds in CHF and NOK only)."""

    currency: Currency = Field(description="currency converted from, e.g. EUR")
    to: Currency = Field(description="currency converted to, e.g. CHF")
    rate: Exact = Field(description="units of `to` for one unit of `currency`")
    date: dt.date | None = None
    source: OptText = None

    @field_validator("rate")
    @classmethod
    def _positive(cls, v: Decimal) -> Decimal:
        if not v.is_finite() or v <= 0 or math.isinf(float(v)):
            raise ValueError("rate must be a finite number above 0")
        return v


class Exporter(Strict):
    """The exporter as known to the authorised organisation (Appendix 1 boxes 1-4)."""

    tin: Identifier = Field(description='"KZ" + 12-digit BIN or IIN (Appendix 1, note 1)')
    name: Text
    legal_form: OptText = None
    address: OptText = None
    country: Country | None = Field(default=None, description="box 1: the exporter's country")
    activity: list[Literal["production", "trade"]] = Field(default_factory=list)
    hs_codes: list[Code] = Field(default_factory=list)


class Representative(Strict):
    name: Text
    power_of_attorney: bool = Field(description="a power of attorney is attached (Order 244 p.4)")


class Declarations(Strict):
    """Appendix 1 box 5: what the exporter declares by signing application No. 1.

    Every statement is the applicant's own: one left out is not declared (None), never a
    default yes (docs/facts.md, "Defaults")."""

    information_correct: bool | None = Field(default=None, description="box 5(1)")
    previous_registration_revoked: bool | None = Field(default=None, description="box 5(2)")
    revocation_cause_corrected: bool | None = Field(
        default=None, description="box 5(2): the cause of an earlier revocation was corrected")
    statements_only_for_originating_goods: bool | None = Field(default=None,
                                                               description="box 5(3)")
    keeps_commercial_accounting: bool | None = Field(default=None, description="box 5(4)")
    reports_changes: bool | None = Field(default=None, description="box 5(5)")
    cooperates: bool | None = Field(default=None, description="box 5(6)")
    accepts_verification: bool | None = Field(default=None, description="box 5(7)")
    requests_removal_when_ineligible: bool | None = Field(default=None, description="box 5(8)")
    requests_removal_when_no_exports: bool | None = Field(default=None, description="box 5(9)")
    signed: bool | None = Field(default=None, description="box 5 signed by the exporter")


class GoodsItem(Strict):
    """Appendix 1 box 4: goods for which preference is sought, with their HS code."""

    description: Text
    hs_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$")]
    origin_criterion: Literal["P", "W"] | None = None
    meets_origin_rules: bool = Field(
        description="the goods meet the GSP rules of origin of Norway and Switzerland (p.8(3))")


class Decision(Strict):
    outcome: Literal["registered", "refused", "applied", "rejected", "revoked"]
    date: dt.date
    notified: dt.date | None = Field(default=None, description="date the notice was sent")
    reasons_stated: bool | None = Field(default=None, description=(
        "the notice states the reasons (p.8, p.14) or the ground of revocation (p.17)"))
    date_stated: bool | None = Field(default=None, description=(
        "the notice of revocation states the date of revocation (p.17)"))


class Box7(Strict):
    """Appendix 1 box 7 and p.7: what the authorised person enters on application No. 1."""

    number: OptIdentifier = None
    registered: dt.date | None = Field(default=None, description="date of registration")
    valid_from: dt.date | None = Field(default=None,
                                       description="date from which registration is valid")


class Application(Strict):
    """Application No. 1 for a registration number (Order 244 p.4, Appendix 1)."""

    ref: Ref | None = None
    received: dt.date = Field(description="date the authorised organisation received it (p.5)")
    channel: Literal["post", "in_person", "electronic", "email", "fax", "other"] = Field(
        description="p.4: paper by post or in person, or electronically through the "
        "authorised organisation's information system")
    languages: list[Language] = Field(description="p.4: Kazakh or Russian, and English")
    tin: OptIdentifier = Field(default=None, description="box 1 TIN as written on the form")
    exporter_name: OptText = None
    address: OptText = None
    contact: OptText = Field(default=None, description="box 2: telephone, e-mail")
    activity: list[Literal["production", "trade"]] = Field(default_factory=list)
    goods: list[GoodsItem] = Field(default_factory=list)
    headings_covered: int | None = Field(
        default=None, ge=0, description="box 4: how many HS headings the goods fall under")
    representative: Representative | None = None
    documents: list[Code] = Field(
        default_factory=list, description="documents attached, by name (p.4: the Order 257 list)")
    consent_to_publication: bool | None = Field(default=None, description="box 6")
    declarations: Declarations | None = Field(default=None, description="box 5")
    information_accurate: bool = Field(
        default=True, description=(
            "false when the organisation found information to be inaccurate; a finding of "
            "the organisation, not a declaration of the applicant (docs/facts.md)"))
    decision: Decision | None = None
    box7: Box7 | None = Field(default=None, description="box 7, filled by the organisation")


class Registration(Strict):
    """A registration in the REX system and its number (Order 244 p.5-7, p.10)."""

    ref: Ref | None = None
    number: Identifier = Field(description="the registration number (its structure: p.6, the "
                                           "parameter registration_number)")
    application: Ref | None = Field(default=None, description="ref of the application No. 1")
    holder_tin: OptIdentifier = Field(default=None,
                                      description="TIN of the exporter holding it")
    registered: dt.date = Field(description="date the number was assigned in the REX system")
    valid_from: dt.date = Field(
        description="date from which it is valid (p.5: receipt of application)")
    notified: dt.date | None = Field(default=None, description="notice to the exporter (p.7)")
    notice_states: list[Literal["number", "application_date", "assignment_date"]] | None = Field(
        default=None, description="what the notice of p.7 states (left out: not checked)")
    revoked: dt.date | None = None
    revocation_cancelled_by_court: dt.date | None = Field(default=None, description="p.20")


class ChangeReport(Strict):
    """A report of changed registration data (Order 244 p.13-15)."""

    ref: Ref | None = None
    registration: Ref | None = None
    registration_number: OptIdentifier = None
    changed: dt.date = Field(description="date the change occurred")
    reported: dt.date = Field(description="date the organisation received the report")
    kinds: list[Literal["legal_form_name_location", "activity", "hs_codes", "other"]]
    reasons_given: bool | None = Field(default=None, description=(
        "p.13: the report gives the reasons for the changes (left out: not given)"))
    supporting_documents: list[Code] = Field(default_factory=list)
    information_accurate: bool = Field(default=True, description=(
        "false when the organisation found the information false or incomplete (p.15)"))
    decision: Decision | None = None


class RevocationRequest(Strict):
    """An application or request to revoke a registration (Order 244 p.16-17)."""

    ref: Ref | None = None
    registration: Ref | None = None
    registration_number: OptIdentifier = None
    ground: Literal[
        "exporter_application", "gsp_noncompliance", "obligations_breached",
        "activity_ended", "gsp_cancelled",
    ]
    requested_by: Literal["exporter", "authorised_body", "other"]
    received: dt.date
    exporter_reason: Literal["activity_terminated", "activity_changed", "gsp_exports_ended",
                             "other"] | None = Field(default=None, description=(
        "p.16(1): why the exporter applies (termination or change of activity, or of its "
        "exports under the GSP)"))
    verification: Ref | None = Field(default=None, description="ref of the verification behind it")
    preferences_cancelled_by: Literal["NO", "CH"] | None = Field(default=None, description=(
        "p.16(4): the country that cancelled the GSP preferences for Kazakhstan"))
    preferences_cancelled_from: dt.date | None = Field(default=None, description=(
        "p.16(4): the date from which that country's preferences are cancelled"))
    cancellation_evidence: OptText = Field(default=None, description=(
        "p.16(4): the document showing the cancellation (e.g. the official notice)"))
    decision: Decision | None = None


class VerificationRequest(Strict):
    """A request to verify a registration, and the steps of Order 358 that follow."""

    ref: Ref | None = None
    registration: Ref | None = None
    registration_number: OptIdentifier = None
    from_country: Country = Field(description="country of the requesting authority")
    official: bool = Field(
        description="an official request of a competent authority (Order 358 p.4)")
    received: dt.date = Field(description="date the authorised body received the request")
    documents_requested: dt.date | None = Field(default=None,
                                                description="body asks organisation (p.7)")
    request_received: dt.date | None = Field(
        default=None, description="organisation receives the body's request (p.8 counts from it)")
    documents_sent: dt.date | None = Field(default=None, description="organisation sends (p.8)")
    documents_received: dt.date | None = Field(
        default=None, description="body receives the documents (p.9 counts from it)")
    check_completed: dt.date | None = Field(default=None, description="p.9")
    check_covered: list[Literal["documents", "rex_data"]] | None = Field(
        default=None, description="p.9: what the check covered (left out: not checked)")
    conclusion_date: dt.date | None = Field(default=None, description="p.10")
    conclusion: Literal[
        "compliant", "gsp_noncompliance", "obligations_breached", "activity_ended"
    ] | None = None
    revocation_applied: dt.date | None = Field(
        default=None, description="body's application to revoke sent to the organisation (p.10)")
    reply_includes_application: bool | None = Field(
        default=None, description="the organisation's reply includes the copy of application No. 1 "
                                  "(p.7-8)")
    reply_includes_documents: bool | None = Field(
        default=None, description="... and the copies of the documents of the Order 257 list "
                                  "(p.7 as amended 2026)")


class Statement(Strict):
    """A statement on origin, application No. 2 (Order 244 p.11, Appendix 2)."""

    date: dt.date | None = Field(default=None, description="p.11: its date of issue")
    document: Literal[
        "invoice", "delivery_note", "specification", "packing_list", "other_commercial",
        "bill_of_lading", "cmr", "air_waybill", "rail_waybill", "other_transport",
    ]
    rex_number: OptIdentifier = None
    exporter_name: OptText = None
    exporter_address: OptText = None
    country_of_origin: OptText = None
    country_of_importation: OptText = None
    goods_description: OptText = None
    origin_criterion: Literal["P", "W"] | None = None
    hs_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2,10}$")] | None = None
    language: Language | None = Field(default=None, description="p.11: in English")
    pages: int | None = Field(default=None, ge=1, le=10000)
    pages_numbered: bool | None = None


class Consignment(Strict):
    """A consignment exported under the GSP of Norway or Switzerland, with its statement."""

    ref: Ref | None = None
    destination: Country
    value: Money
    exchange_rates: list[ExchangeRate] = Field(default_factory=list)
    statement: Statement | None = None

    @field_validator("exchange_rates")
    @classmethod
    def _one_rate_per_pair(cls, rates: list[ExchangeRate]) -> list[ExchangeRate]:
        seen: set[tuple[str, str]] = set()
        for rate in rates:
            pair = (rate.currency, rate.to)
            if pair in seen:
                raise ValueError(f"two rates convert {pair[0]} to {pair[1]}; give the one "
                                 "that applies, once")
            seen.add(pair)
        return rates


# What the organisation's file keeps (Order 244 chapter 5): the documents of p.4, p.13 and p.16
# it received (p.21), and the copies of the notifications it sent to the exporter (p.22).
KEPT_RECEIVED = ("application", "change_report", "revocation_request")
KEPT_SENT = ("notification",)
# the documents of the case a kept item may name, by its kind
KEPT_LINKS = {"application": ("application",), "change_report": ("change_report",),
              "revocation_request": ("revocation_request",),
              "notification": ("application", "registration", "change_report",
                               "revocation_request")}
# The errors of a kept item that pydantic's own types do not say, by type (its code, with - for
# _): the English template here, the Russian in engine/services/messages.py PYDANTIC_RU.
CUSTOM_ERRORS = {
    "kept_item_link": "a kept item of kind {kind} names no {field}; it may name {allowed}",
    "kept_item_date": "a kept item of kind {kind} gives the day it was {wanted}, not '{field}'",
    "kept_item_twice": "a kept item is destroyed or found missing, not both; give the date of "
                       "what happened",
    "kept_item_before": "{field} {value} is before the item was kept ({start})",
}


def _error(error_type: str, /, **values: str) -> PydanticCustomError:
    return PydanticCustomError(error_type, CUSTOM_ERRORS[error_type], values)


def _field_name(info: ValidationInfo) -> str:
    """The name of the field a field validator is called for (pydantic types it optional, as
    ValidationInfo serves model validators too, where there is no field)."""
    assert info.field_name is not None, "only for field validators"
    return info.field_name


class KeptItem(Strict):
    """An item of the authorised organisation's file of the case (Order 244 p.21-22): a
    document it received, or the copy of a notification it sent, with the day it was received
    or sent and, where it happened, the day it was destroyed or found missing.

    Nothing is presumed: the kind says which date it has (received for a document of p.4,
    p.13 or p.16, sent for a notification copy), and a link to a document of the case must
    find it (facts/loader.py)."""

    ref: Ref | None = None
    kind: Literal["application", "change_report", "revocation_request", "notification"] = Field(
        description="application: application No. 1 with its documents (p.4); change_report: "
        "the report of changes with its supporting documents (p.13); revocation_request: the "
        "exporter's application or the authorised body's request to revoke (p.16); "
        "notification: the copy of a notification sent to the exporter (p.22)")
    application: Ref | None = Field(default=None, description=(
        "ref of the application No. 1 it is (kind application) or whose notice it copies"))
    registration: Ref | None = Field(default=None, description=(
        "ref of the registration whose notice (p.7) it copies (kind notification)"))
    change_report: Ref | None = Field(default=None, description=(
        "ref of the change report it is, or whose decision's notice (p.14) it copies"))
    revocation_request: Ref | None = Field(default=None, description=(
        "ref of the revocation request it is, or whose notice (p.17) it copies"))
    received: dt.date | None = Field(default=None, validate_default=True, description=(
        "the day the organisation received it (the documents of p.4, p.13, p.16)"))
    sent: dt.date | None = Field(default=None, validate_default=True, description=(
        "the day the notification was sent to the exporter (a notification copy)"))
    destroyed: dt.date | None = Field(default=None, description="the day it was destroyed")
    found_missing: dt.date | None = Field(default=None, description=(
        "the day it was found missing from the file"))

    @field_validator("application", "registration", "change_report", "revocation_request")
    @classmethod
    def _link_fits_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if value is not None and kind is not None and info.field_name not in KEPT_LINKS[kind]:
            raise _error("kept_item_link", kind=kind, field=_field_name(info),
                         allowed=" or ".join(KEPT_LINKS[kind]))
        return value

    @field_validator("received", "sent")
    @classmethod
    def _date_fits_kind(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        kind = info.data.get("kind")
        if kind is None:
            return value  # the kind is wrong: reported already
        wanted = "sent" if kind in KEPT_SENT else "received"
        if info.field_name == wanted and value is None:  # required for this kind
            raise PydanticCustomError("missing", "Field required")
        if info.field_name != wanted and value is not None:
            raise _error("kept_item_date", kind=kind, wanted=wanted, field=_field_name(info))
        return value

    @field_validator("destroyed", "found_missing")
    @classmethod
    def _after_it_was_kept(cls, value: dt.date | None, info: ValidationInfo
                           ) -> dt.date | None:
        if value is None:
            return value
        if info.field_name == "found_missing" and info.data.get("destroyed") is not None:
            raise _error("kept_item_twice")
        start = info.data.get("received") or info.data.get("sent")
        if start is not None and value < start:
            raise _error("kept_item_before", field=_field_name(info), value=value.isoformat(),
                         start=start.isoformat())
        return value


def _empty(items: list) -> bool:
    return not items


class Case(Strict):
    """One exporter's file: everything evaluated together and in isolation from other cases."""

    case: Ref = Field(description="the case id, unique within a batch")
    title: OptText = None
    as_of: dt.date | None = Field(default=None, description="date the case is judged at")
    exporter: Exporter
    applications: list[Application] = Field(default_factory=list)
    registrations: list[Registration] = Field(default_factory=list)
    change_reports: list[ChangeReport] = Field(default_factory=list)
    revocation_requests: list[RevocationRequest] = Field(default_factory=list)
    verification_requests: list[VerificationRequest] = Field(default_factory=list)
    consignments: list[Consignment] = Field(default_factory=list)
    # Left out of the case's JSON when empty, so that the canonical JSON, and the digest, of
    # a case without kept items is what it was before they were modelled (facts/canonical.py,
    # docs/audit.md): earlier audit logs still verify.
    kept_items: list[KeptItem] = Field(
        default_factory=list, exclude_if=_empty,
        description="the authorised organisation's file of the case (Order 244 p.21-22)")

    @model_validator(mode="after")
    def _whole_case(self, info: ValidationInfo) -> Case:
        """What only the whole case shows: at most MAX_RECORDS records, each ref once, each
        link to a document of the case. The case files' reader (facts/loader.py) checks it
        itself, to locate each problem by line, and says so in the context; a case made any
        other way (`Case(...)`, `Case.model_validate(...)`, then given to the Python API) is
        held to it here, so that no entry path decides on a case the files would refuse."""
        if info.context is not None and info.context.get(WHOLE_CASE_CHECKED):
            return self
        problems = case_problems(self)
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise PydanticCustomError(first.code, "{where}{message}{more}", {
                "where": f"{first.field}: " if first.field else "", "message": first.message,
                "more": more})
        return self


# the context key with which the case files' reader says it checks the whole case itself
WHOLE_CASE_CHECKED = "rexcheck.whole_case_checked"


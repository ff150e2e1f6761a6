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
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

Ref = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"),
]
Text = Annotated[str, StringConstraints(max_length=2000)]
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
    to: Literal["CHF", "NOK"]
    rate: Exact = Field(description="units of `to` for one unit of `currency`")
    date: dt.date | None = None
    source: Text | None = None

    @field_validator("rate")
    @classmethod
    def _positive(cls, v: Decimal) -> Decimal:
        if not v.is_finite() or v <= 0 or math.isinf(float(v)):
            raise ValueError("rate must be a finite number above 0")
        return v


class Exporter(Strict):
    """The exporter as known to the authorised organisation (Appendix 1 boxes 1-4)."""

    tin: str = Field(description='"KZ" + 12-digit BIN or IIN (Appendix 1, note 1)')
    name: Text
    legal_form: Text | None = None
    address: Text | None = None
    country: Country = "KZ"
    activity: list[Literal["production", "trade"]] = Field(default_factory=list)
    hs_codes: list[str] = Field(default_factory=list)


class Representative(Strict):
    name: Text
    power_of_attorney: bool = Field(description="a power of attorney is attached (Order 244 p.4)")


class Declarations(Strict):
    """Appendix 1 box 5: what the exporter declares by signing application No. 1."""

    information_correct: bool = True
    previous_registration_revoked: bool = False
    revocation_cause_corrected: bool | None = Field(
        default=None, description="box 5(2): the cause of an earlier revocation was corrected")
    statements_only_for_originating_goods: bool = True
    keeps_commercial_accounting: bool = True
    reports_changes: bool = True
    cooperates: bool = True
    accepts_verification: bool = True
    requests_removal_when_ineligible: bool = True
    requests_removal_when_no_exports: bool = True
    signed: bool = True


# Declarations are frozen, so an application that gives none can share this one: building a
# model for every application that omits box 5 cost more than validating the rest of it.
_NO_DECLARATIONS = Declarations()


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
    reasons_stated: bool | None = None


class Application(Strict):
    """Application No. 1 for a registration number (Order 244 p.4, Appendix 1)."""

    ref: Ref | None = None
    received: dt.date = Field(description="date the authorised organisation received it (p.5)")
    channel: Literal["post", "in_person", "electronic", "email", "fax", "other"] = Field(
        description="p.4: paper by post or in person, or electronically through the "
        "authorised organisation's information system")
    languages: list[Language] = Field(description="p.4: Kazakh or Russian, and English")
    tin: str | None = Field(default=None, description="box 1 TIN as written on the form")
    exporter_name: Text | None = None
    address: Text | None = None
    contact: Text | None = Field(default=None, description="box 2: telephone, e-mail")
    activity: list[Literal["production", "trade"]] = Field(default_factory=list)
    goods: list[GoodsItem] = Field(default_factory=list)
    headings_covered: int | None = Field(
        default=None, ge=0, description="box 4: how many HS headings the goods fall under")
    representative: Representative | None = None
    documents: list[str] = Field(
        default_factory=list, description="documents attached, by kind (Order 257 list)")
    consent_to_publication: bool | None = Field(default=None, description="box 6")
    declarations: Declarations = Field(default_factory=lambda: _NO_DECLARATIONS)
    information_accurate: bool = Field(
        default=True, description="false when the organisation found information to be inaccurate")
    decision: Decision | None = None


class Registration(Strict):
    """A registration in the REX system and its number (Order 244 p.5-7, p.10)."""

    ref: Ref | None = None
    number: str = Field(description="KZREX + region code + DDMMYYYY + serial (p.6)")
    application: Ref | None = Field(default=None, description="ref of the application No. 1")
    holder_tin: str | None = Field(default=None, description="TIN of the exporter holding it")
    registered: dt.date = Field(description="date the number was assigned in the REX system")
    valid_from: dt.date = Field(description="date from which it is valid (p.5: receipt of application)")
    notified: dt.date | None = Field(default=None, description="notice to the exporter (p.7)")
    revoked: dt.date | None = None
    revocation_cancelled_by_court: dt.date | None = Field(default=None, description="p.20")


class ChangeReport(Strict):
    """A report of changed registration data (Order 244 p.13-15)."""

    ref: Ref | None = None
    registration: Ref | None = None
    changed: dt.date = Field(description="date the change occurred")
    reported: dt.date = Field(description="date the organisation received the report")
    kinds: list[Literal["legal_form_name_location", "activity", "hs_codes", "other"]]
    reasons_given: bool = True
    supporting_documents: list[str] = Field(default_factory=list)
    information_accurate: bool = True
    decision: Decision | None = None


class RevocationRequest(Strict):
    """An application or request to revoke a registration (Order 244 p.16-17)."""

    ref: Ref | None = None
    registration: Ref | None = None
    registration_number: str | None = None
    ground: Literal[
        "exporter_application", "gsp_noncompliance", "obligations_breached",
        "activity_ended", "gsp_cancelled",
    ]
    requested_by: Literal["exporter", "authorised_body", "other"]
    received: dt.date
    verification: Ref | None = Field(default=None, description="ref of the verification behind it")
    decision: Decision | None = None


class VerificationRequest(Strict):
    """A request to verify a registration, and the steps of Order 358 that follow."""

    ref: Ref | None = None
    registration: Ref | None = None
    registration_number: str | None = None
    from_country: Country = Field(description="country of the requesting authority")
    official: bool = Field(description="an official request of a competent authority (Order 358 p.4)")
    received: dt.date = Field(description="date the authorised body received the request")
    documents_requested: dt.date | None = Field(default=None, description="body asks organisation (p.7)")
    documents_sent: dt.date | None = Field(default=None, description="organisation sends (p.8)")
    check_completed: dt.date | None = Field(default=None, description="p.9")
    conclusion_date: dt.date | None = Field(default=None, description="p.10")
    conclusion: Literal[
        "compliant", "gsp_noncompliance", "obligations_breached", "activity_ended"
    ] | None = None
    revocation_applied: dt.date | None = Field(
        default=None, description="body's application to revoke sent to the organisation (p.10)")
    reply_includes_application: bool | None = Field(
        default=None, description="the organisation's reply includes the copy of application No. 1 (p.7-8)")
    reply_includes_documents: bool | None = Field(
        default=None, description="... and the copies of the documents of the Order 257 list (p.7 as amended 2026)")


class Statement(Strict):
    """A statement on origin, application No. 2 (Order 244 p.11, Appendix 2)."""

    date: dt.date
    document: Literal[
        "invoice", "delivery_note", "specification", "packing_list", "other_commercial",
        "bill_of_lading", "cmr", "air_waybill", "rail_waybill", "other_transport",
    ]
    rex_number: str | None = None
    exporter_name: Text | None = None
    exporter_address: Text | None = None
    country_of_origin: str | None = None
    country_of_importation: str | None = None
    goods_description: Text | None = None
    origin_criterion: Literal["P", "W"] | None = None
    hs_code: str | None = None
    language: Language = "en"
    pages: int = Field(default=1, ge=1, le=10000)
    pages_numbered: bool = True


class Consignment(Strict):
    """A consignment exported under the GSP of Norway or Switzerland, with its statement."""

    ref: Ref | None = None
    destination: Country
    value: Money
    exchange_rates: list[ExchangeRate] = Field(default_factory=list)
    statement: Statement | None = None


class Case(Strict):
    """One exporter's file: everything evaluated together and in isolation from other cases."""

    case: Ref = Field(description="the case id, unique within a batch")
    title: Text | None = None
    as_of: dt.date | None = Field(default=None, description="date the case is judged at")
    exporter: Exporter
    applications: list[Application] = Field(default_factory=list)
    registrations: list[Registration] = Field(default_factory=list)
    change_reports: list[ChangeReport] = Field(default_factory=list)
    revocation_requests: list[RevocationRequest] = Field(default_factory=list)
    verification_requests: list[VerificationRequest] = Field(default_factory=list)
    consignments: list[Consignment] = Field(default_factory=list)

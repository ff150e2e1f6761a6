"""The rule file format: pydantic models of a rule pack file (documented in docs/rule-language.md).

A rule file is one chapter of one act: optional `parameters` (named, cited, dated values of the
law), optional `derived` fact types (what rules may conclude for other rules to match), and
`rules`. Conditions (`when`, `where`) are kept as raw data here and checked by
`engine/core/conditions.py`, which knows the fact types and can point at the exact wrong field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# "Order 244 p.8(1)" is a paragraph of the Rules an order approves; "Order 244 item 4" a
# numbered item of the order itself (its entry into force, say). Order 160 amended Order 358.
CITATION_PATTERN = (
    r"^Order (244|358|160) (p\.[0-9]+(\([0-9]+\))?|item [0-9]+|"
    r"Appendix [12]( box [0-9]+(\([0-9]+\))?)?)$"
)
Citation_ref = Annotated[str, StringConstraints(pattern=CITATION_PATTERN)]
RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$",
                                          max_length=80)]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]

FINDING_KINDS = (
    "refusal_ground", "change_refusal_ground", "revocation_ground", "unfounded_revocation",
    "invalid_statement", "invalid_registration", "late_step", "not_covered", "flag",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Citation(Strict):
    ref: Citation_ref = Field(description="canonical reference, e.g. 'Order 244 p.8(1)'")
    text: Text = Field(description="the legal text quoted verbatim")
    lang: Literal["en", "ru", "kk"] = "en"
    translation: Text | None = Field(default=None, description="English, when the quote is not")
    also: list[Citation_ref] = Field(default_factory=list, description="paragraphs relied on too")


class Reading(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")] = Field(
        description="the reading's id in docs/readings.md")
    text: Text = Field(description="how the provision is read here, and why")


class FindingSpec(Strict):
    kind: Literal[FINDING_KINDS]  # type: ignore[valid-type]
    severity: Literal["error", "warning", "info"] = "error"
    message: Text
    message_ru: Text | None = None


class DeriveSpec(Strict):
    fact: Name
    set: dict[str, Any] = Field(default_factory=dict)


class Then(Strict):
    finding: FindingSpec | None = None
    derive: DeriveSpec | None = None
    outcome: Name | None = Field(default=None, description=(
        "the outcome this rule decides for its document (one of the outcomes law.yaml lists "
        "for the document type), e.g. refuse"))

    @model_validator(mode="after")
    def _something(self) -> Then:
        if self.finding is None and self.derive is None and self.outcome is None:
            raise ValueError("'then' needs a 'finding', a 'derive' or an 'outcome'")
        return self


class Match(Strict):
    fact: Name
    as_: Name | None = Field(default=None, alias="as")
    where: Any = None

    @property
    def alias(self) -> str:
        return self.as_ or self.fact


class Deadline(Strict):
    """A time limit: `from` a date field, within N working or calendar days; `done` is the step."""

    from_: str = Field(alias="from")
    working_days: int | dict[str, Any] | None = None
    calendar_days: int | dict[str, Any] | None = None
    done: str

    @model_validator(mode="after")
    def _one_unit(self) -> Deadline:
        if (self.working_days is None) == (self.calendar_days is None):
            raise ValueError("give exactly one of 'working_days' and 'calendar_days'")
        return self


VersionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]


class Rule(Strict):
    id: RuleId
    title: Text
    citation: Citation
    description: Text
    applies_to: Name
    judged_on: str | None = Field(default=None, description=(
        "the date whose law judges this rule: a date field of a matched fact, or 'as_of'; "
        "default: the document's date (law.yaml, documents)"))
    versions: list[VersionId] | None = Field(default=None, description=(
        "the versions of the act in which this rule applies (default: the file's)"))
    when: Any = None
    with_: list[Match] = Field(default_factory=list, alias="with")
    without: list[Match] = Field(default_factory=list)
    deadline: Deadline | None = None
    then: Then
    reading: Reading | None = None
    enabled: bool = True


class ParameterValue(Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    value: Any


UNITS = ("CHF", "NOK", "working_days", "calendar_days", "years", "days", "count", "text", "list",
         "structure")


class Parameter(Strict):
    description: Text
    citation: Citation
    unit: Literal[UNITS]  # type: ignore[valid-type]
    values: list[ParameterValue] = Field(min_length=1)


class DerivedType(Strict):
    description: Text
    fields: dict[Name, Literal["str", "int", "bool", "date", "amount"]]


class Convert(Strict):
    """`convert`: an amount converted into `to` with an exchange rate the facts supply."""

    amount: str = Field(description="a money field, e.g. consignment.value")
    to: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    rates: str = Field(description="the list of rates, e.g. consignment.exchange_rates")


class Part(Strict):
    """`part`: the named part of a structured identifier (a `structure` parameter)."""

    of: str = Field(description="a text field, e.g. registration.number")
    structure: Name = Field(description="a parameter of unit 'structure'")
    name: Name = Field(description="the part's name in the structure, e.g. date")


class DateOf(Strict):
    """`date`: a text written as a date in `format` (DD, MM, YYYY), when it is a real date."""

    of: str
    format: Annotated[str, StringConstraints(pattern=r"^(DD|MM|YYYY|[-./ ])+$")]


class AddYears(Strict):
    """`add_years`: a date plus a number of calendar years (a `years` parameter, in force on
    that date), then `days` calendar days."""

    of: str = Field(description="a date field, e.g. kept_item.received")
    years: Name = Field(description="a parameter of unit 'years'")
    days: int = Field(default=0, ge=-366, le=366, description=(
        "calendar days added after the years (1: the day after the period ends)"))


class Computed(Strict):
    """A value computed from a fact by one of rexcheck's generic functions (docs/rule-language.md,
    "Computed values"); rules use it like any field of the fact."""

    description: Text
    reading: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")] | None = None
    convert: Convert | None = None
    part: Part | None = None
    date: DateOf | None = None
    count: str | None = Field(default=None, description="the number of items of a list field")
    add_years: AddYears | None = None

    @model_validator(mode="after")
    def _one_function(self) -> Computed:
        given = [f for f in FUNCTIONS if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one function: " + ", ".join(FUNCTIONS[:-1])
                             + " or " + FUNCTIONS[-1])
        return self

    @property
    def function(self) -> str:
        return next(f for f in FUNCTIONS if getattr(self, f) is not None)


FUNCTIONS = ("convert", "part", "date", "count", "add_years")


class RuleFile(Strict):
    act: Annotated[str, StringConstraints(pattern=r"^Order [0-9]+$")]
    chapter: Annotated[str, StringConstraints(max_length=40)] | None = None
    title: Text
    versions: list[VersionId] = Field(default_factory=list, description=(
        "the versions of the act (law.yaml) in which this file's rules apply"))
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    derived: dict[Name, DerivedType] = Field(default_factory=dict)
    computed: dict[Name, dict[Name, Computed]] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)


# ---------------------------------------------------------------- law.yaml

class Version(Strict):
    """A version of an act: the text in force from a date (until the next version's)."""

    id: VersionId
    title: Text
    from_: dt.date = Field(alias="from", description="first day in force")
    latest_from: dt.date | None = Field(default=None, description=(
        "when `from` is not confirmed: the latest day the version may have come into force"))
    confirmed: bool = Field(description="is `from` confirmed by the sources?")
    citation: Citation
    reading: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")] | None = None

    @model_validator(mode="after")
    def _window(self) -> Version:
        if self.latest_from is not None and self.latest_from < self.from_:
            raise ValueError("'latest_from' is before 'from'")
        if not self.confirmed and self.reading is None:
            raise ValueError("an unconfirmed date needs the 'reading' that chose it")
        return self


class Act(Strict):
    title: Text
    versions: list[Version] = Field(min_length=1)


class Document(Strict):
    """A kind of document rexcheck gives an outcome for, and the date whose law judges it."""

    label: Text = Field(description="how findings and outcomes name it, e.g. application No. 1")
    judged_on: list[str] = Field(default_factory=list, description=(
        "its date fields, first given first; none given: the as-of date"))
    outcomes: list[Name] = Field(min_length=1, description="its outcomes, most significant first")


class LawFile(Strict):
    title: Text
    acts: dict[Annotated[str, StringConstraints(pattern=r"^Order [0-9]+$")], Act]
    documents: dict[Name, Document] = Field(default_factory=dict)
    case_outcome: list[Name] = Field(default_factory=list, description=(
        "the case's outcome: the first of these that any of its documents has"))

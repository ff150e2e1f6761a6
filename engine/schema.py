"""The rule file format: pydantic models of a rule pack file (documented in docs/rule-language.md).

A rule file is one chapter of one act: optional `parameters` (named, cited, dated values of the
law), optional `derived` fact types (what rules may conclude for other rules to match), and
`rules`. Conditions (`when`, `where`) are kept as raw data here and checked by
`engine/conditions.py`, which knows the fact types and can point at the exact wrong field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

CITATION_PATTERN = (
    r"^Order (244|358) (p\.[0-9]+(\([0-9]+\))?|Appendix [12]( box [0-9]+(\([0-9]+\))?)?)$"
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

    @model_validator(mode="after")
    def _something(self) -> Then:
        if self.finding is None and self.derive is None:
            raise ValueError("'then' needs a 'finding', a 'derive', or both")
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


class Rule(Strict):
    id: RuleId
    title: Text
    citation: Citation
    description: Text
    applies_to: Name
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


class Parameter(Strict):
    description: Text
    citation: Citation
    unit: Literal["CHF", "NOK", "working_days", "calendar_days", "days", "count", "text",
                  "list"]
    values: list[ParameterValue] = Field(min_length=1)


class DerivedType(Strict):
    description: Text
    fields: dict[Name, Literal["str", "int", "bool", "date", "amount"]]


class RuleFile(Strict):
    act: Literal["Order 244", "Order 358"]
    chapter: Annotated[str, StringConstraints(max_length=40)] | None = None
    title: Text
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    derived: dict[Name, DerivedType] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)

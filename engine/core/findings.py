"""From engine firings to findings, notices, pending steps, outcomes and the trace.

A `Finding` says which rule fired (id, title, citation with the quoted law), about what subject
(application A1), the message, the facts that made it fire, the reading it depends on if any,
the date it was judged on (whose law applied), and for a late step the due date, the actual date
and the working days counted. Rules that only derive facts produce no finding but appear in the
trace (`--explain`); outcome rules decide each document's outcome (engine/core/outcomes.py). The
parts are plain dataclasses, gathered in `engine/services/result.py`'s `CaseResult`: their
field names
are a public interface (docs/result.md).
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from rexcheck.engine.core import contract
from rexcheck.engine.core.compiler import CompiledRule
from rexcheck.engine.core.loader import PLACEHOLDER, params_used
from rexcheck.engine.core.normalise import TYPE_KEY, from_day_number
from rexcheck.engine.core.runtime import Evaluation, Firing

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


# The parts of a result are plain dataclasses: a case makes a dozen of them, and building a
# pydantic model costs several microseconds each (a frozen dataclass, five times a plain one:
# treat them as read-only all the same; with slots, orjson writes them six times slower).
# `CaseResult`, the object the API returns, is a pydantic model: it validates and serialises
# these parts as its fields, and orjson writes them the same way byte for byte (screening
# writes its JSON lines so; tests/test_result_json.py holds the two to each other).


@dataclass
class CitationOut:
    ref: str
    text: str
    lang: str
    translation: str | None
    also: list[str]


@dataclass
class Subject:
    type: str
    ref: str


@dataclass
class FactRef:
    alias: str
    type: str
    ref: str
    derived_by: str | None = None


@dataclass
class Deadline:
    status: Literal["late", "overdue", "pending"]
    start: dt.date
    unit: Literal["working", "calendar"]
    days: int
    due: dt.date
    done: dt.date | None = None
    days_late: int | None = None  # in the deadline's unit, counted after the due date


@dataclass
class ReadingOut:
    id: str
    text: str


@dataclass
class Finding:
    rule_id: str
    title: str
    kind: str
    severity: str
    citation: CitationOut
    subject: Subject
    message: str
    facts: list[FactRef]
    reading: ReadingOut | None
    deadline: Deadline | None
    judged_on: dt.date  # the day whose law judged it (the event's date, docs/readings.md)
    firing: int  # index into the trace
    assumption: str | None = None  # an unconfirmed fact of the law it depends on


@dataclass
class TraceStep:
    index: int
    rule_id: str
    variant: str
    citation: str
    subject: Subject  # what the firing is about (a derived fact's: the document behind it)
    facts: list[FactRef]
    judged_on: dt.date
    law: str  # the period of the law applied, and the parameter values it used
    derived: dict[str, Any] | None = None
    outcome: str | None = None


def display(value: Any, kind: str) -> str:
    if value is None:
        return "(none)"
    if kind == "date" and type(value) is int:
        return _date(value).isoformat()
    if kind == "amount" and type(value) is int:
        return f"{Decimal(value) / 100:.2f}"
    if type(value) is list:
        return ", ".join(map(str, value))
    if type(value) is bool:
        return "yes" if value else "no"
    return str(value)


def _facts(firing: Firing) -> list[FactRef]:
    return [FactRef(alias, fact[TYPE_KEY], fact["ref"], fact.get(contract.DERIVED_BY_KEY))
            for alias, fact in firing.matched.items()]


def _deadline(firing: Firing, evaluation: Evaluation, calendar: Any) -> Deadline | None:
    c = firing.rule
    if c.due is None or c.done is None:
        return None
    assert c.variant != "match", "a rule with a deadline compiles to its variants only"
    start_fact = firing.matched[c.due.alias]
    done_value = firing.matched[c.done.alias].get(c.done.key)
    start = from_day_number(start_fact[c.due.start_key])
    due = from_day_number(start_fact[c.due.key])
    done = from_day_number(done_value) if done_value is not None else None
    end = done if done is not None else evaluation.as_of
    late = None
    if c.variant != "pending":
        late = (calendar.working_days_between(due, end) if c.due.unit == "working"
                else (end - due).days)
    return Deadline(c.variant, start, c.due.unit, c.due.days, due, done, late)


def _message(c: CompiledRule, firing: Firing | None, deadline: Deadline | None,
             as_of: dt.date | None, text: str) -> str:
    """The finding's message: the rule's text with its placeholders filled in. The text is
    made once per compiled rule into literal parts and fillers, one per placeholder, each
    knowing where its value is and how to show it."""
    parts = c.templates.get(text)
    if parts is None:
        parts = c.templates[text] = _template(c, text)
    if len(parts) == 1:
        return text
    return "".join([part if type(part) is str else part(firing, deadline, as_of)
                    for part in parts])


_DEADLINE_PARTS = {
    "due": lambda d: d.due.isoformat(),
    "done": lambda d: d.done.isoformat() if d.done else "(none)",
    "days_late": lambda d: display(d.days_late, "str"),
    "days_counted": lambda d: str(d.days),
}


def _template(c: CompiledRule, text: str) -> list:
    """A message text as literal strings and fillers (callables)."""
    split = PLACEHOLDER.split(text)
    out: list = []
    for i, part in enumerate(split):
        if i % 2 == 0:
            out.append(part)
        else:
            out.append(_filler(c, part))
    return out


def _filler(c: CompiledRule, name: str) -> Any:
    if name == "as_of":
        return lambda firing, deadline, as_of: as_of.isoformat()
    if name in _DEADLINE_PARTS:
        show = _DEADLINE_PARTS[name]
        return lambda firing, deadline, as_of: ("{" + name + "}" if deadline is None
                                                else show(deadline))
    p = c.placeholders.get(name)
    if p is None:
        return "{" + name + "}"
    if p.alias == "param":  # a parameter's value, as this compiled rule applies it
        shown = _param_text(p.key, p.kind)
        return shown
    alias, key, kind = p.alias, p.key, p.kind
    return lambda firing, deadline, as_of: display(firing.matched[alias].get(key), kind)


@functools.lru_cache(maxsize=1024)
def _param_text(written: str, kind: str) -> str:
    """A parameter's value as a message shows it (the compiler keeps it as its repr)."""
    value = ast.literal_eval(written)
    return display(value, kind) if not isinstance(value, tuple) else ", ".join(value)


def _rule_parts(c: CompiledRule) -> tuple[CitationOut, ReadingOut | None]:
    """The citation and reading of a rule, built once per compiled rule."""
    if c.output_parts is None:
        cited, read = c.rule.citation, c.rule.reading
        c.output_parts = (CitationOut(cited.ref, cited.text, cited.lang, cited.translation,
                                      list(cited.also)),
                          ReadingOut(read.id, read.text) if read else None)
    return c.output_parts


@dataclass
class Collected:
    """What a case's firings say: findings (errors, warnings), notices (information), steps
    still pending, the trace if asked, and the firings of outcome rules."""

    findings: list[Finding]
    notices: list[Finding]
    pending: list[Finding]
    trace: list[TraceStep] | None
    decided: list[Firing]


Windows = dict[str, list[tuple[int, int, str]]]  # act -> (first day, last day, note), day numbers


def collect(evaluation: Evaluation, calendar: Any, lang: str = "en", explain: bool = False,
            uncertain: Windows | None = None) -> Collected:
    """The findings, notices and pending steps of a case's firings, in their output order,
    and the outcome firings; the trace of every firing when `explain` (screening, which does
    not output it, does not ask)."""
    found: dict[tuple, Finding] = {}
    pending: dict[tuple, Finding] = {}
    trace: list[TraceStep] | None = [] if explain else None
    decided: list[Firing] = []
    as_of = evaluation.as_of
    for firing in evaluation.firings:
        c = firing.rule
        if c.outcome is not None:
            decided.append(firing)
        spec = c.finding
        if trace is None and spec is None:
            continue  # a derivation or an outcome: nothing to report but in the trace
        matched = firing.matched
        facts = [FactRef(alias, fact[TYPE_KEY], fact["ref"], fact.get(contract.DERIVED_BY_KEY))
                 for alias, fact in matched.items()]
        on = matched[c.judged.alias].get(c.judged.key)
        judged = _date(on) if on is not None else as_of
        subject_type, subject_ref = firing.subject
        if trace is not None:
            trace.append(TraceStep(firing.index, c.rule_id, c.variant, c.rule.citation.ref,
                                   Subject(subject_type, subject_ref), facts, judged,
                                   law_applied(c), firing.derived, c.outcome))
        if spec is None:
            continue
        deadline = _deadline(firing, evaluation, calendar) if c.due is not None else None
        text = spec.message_ru if lang == "ru" and spec.message_ru else spec.message
        message = _message(c, firing, deadline, as_of, text)
        citation, reading = _rule_parts(c)
        severity = c.severity
        finding = Finding(c.rule_id, _title(c), spec.kind, severity, citation,
                          Subject(subject_type, subject_ref), message, facts, reading, deadline,
                          judged, firing.index,
                          _assumption(c, on, uncertain) if uncertain and on is not None
                          and c.loaded.act in uncertain else None)
        key = (SEVERITY_ORDER[severity], subject_type, subject_ref, c.rule_id, message)
        target = pending if c.variant == "pending" else found
        if key not in target:
            target[key] = finding
    ordered = [found[k] for k in sorted(found)]
    return Collected([f for f in ordered if f.severity != "info"],
                     [f for f in ordered if f.severity == "info"],
                     [pending[k] for k in sorted(pending)], trace, decided)


_date = functools.lru_cache(maxsize=4096)(from_day_number)


def _title(c: CompiledRule) -> str:
    """The rule's title, its parameters shown with the values this compiled rule applies."""
    if c.title_text is None:
        c.title_text = _message(c, None, None, None, c.rule.title)
    return c.title_text


def law_applied(c: CompiledRule) -> str:
    """The period of the law a compiled rule stands for and the values it applies, as text."""
    if c.law_text is None:
        start, end = c.period
        text = f"in force {start.isoformat()} to {end.isoformat() if end else '(no end)'}"
        used = sorted(n for n in params_used(c.rule) if n in c.params)
        if used:
            text += "; " + ", ".join(f"{n} = {_param_text(repr(c.params[n][0]), c.params[n][1])}"
                                     for n in used)
        c.law_text = text
    return c.law_text


def _assumption(c: CompiledRule, on: int | None, uncertain: Windows) -> str | None:
    """A note when the rule was judged on a day on which it is not confirmed which version of
    its act was in force."""
    if on is None:
        return None
    for start, end, note in uncertain.get(c.loaded.act, ()):
        if start <= on <= end:
            return note
    return None

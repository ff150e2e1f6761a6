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
from typing import Any, Literal, NamedTuple

from rexcheck.engine.core import contract
from rexcheck.engine.core.compiler import CompiledRule
from rexcheck.engine.core.contract import DERIVED_BY_KEY
from rexcheck.engine.core.loader import PLACEHOLDER, params_used
from rexcheck.engine.core.normalise import TYPE_KEY, display, from_day_number
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
    not output it, does not ask).

    Runs for every firing of every screened case, so what a compiled rule's findings share
    (title, citation, reading, message parts, ...) is looked up once per rule (`_report`),
    and a case's findings share the `Subject` and `FactRef` of a document they name rather
    than make equal ones again (they are read-only; the JSON is the same). Measured: see
    the commit (instructions per screened case)."""
    found: dict[tuple, Finding] = {}
    pending: dict[tuple, Finding] = {}
    trace: list[TraceStep] | None = [] if explain else None
    decided: list[Firing] = []
    as_of = evaluation.as_of
    ru = lang == "ru"
    subjects: dict[tuple[str, str], Subject] = {}  # this case's, by (type, ref)
    refs: dict[tuple[str, int], FactRef] = {}  # this case's, by (alias, id of the fact)
    for firing in evaluation.firings:
        c = firing.rule
        if c.outcome is not None:
            decided.append(firing)
        if trace is None and c.finding is None:
            continue  # a derivation or an outcome: nothing to report but in the trace
        matched = firing.matched
        facts = []
        for alias, fact in matched.items():
            ref = refs.get((alias, id(fact)))
            if ref is None:
                ref = refs[(alias, id(fact))] = FactRef(alias, fact[TYPE_KEY], fact["ref"],
                                                        fact.get(DERIVED_BY_KEY))
            facts.append(ref)
        on = matched[c.judged.alias].get(c.judged.key)
        judged = _date(on) if on is not None else as_of
        if trace is not None:
            trace.append(TraceStep(firing.index, c.rule_id, c.variant, c.rule.citation.ref,
                                   Subject(*firing.subject), facts, judged, law_applied(c),
                                   firing.derived, c.outcome))
            if c.finding is None:
                continue
        report = c.report or _report(c)
        subject = subjects.get(firing.subject)
        if subject is None:
            subject = subjects[firing.subject] = Subject(*firing.subject)
        deadline = _deadline(firing, evaluation, calendar) if c.due is not None else None
        parts = report.parts_ru if ru else report.parts
        if isinstance(parts, str):
            message = parts
        else:  # a plain loop: a comprehension is a function call per finding
            pieces = []
            for part in parts:
                pieces.append(part if type(part) is str else part(firing, deadline, as_of))
            message = "".join(pieces)
        assumption = None
        if uncertain and on is not None:
            for start, end, note in uncertain.get(report.act, ()):
                if start <= on <= end:
                    assumption = note
                    break
        finding = Finding(c.rule_id, report.title, report.kind, report.severity,
                          report.citation, subject, message, facts, report.reading, deadline,
                          judged, firing.index, assumption)
        key = (report.rank, subject.type, subject.ref, c.rule_id, message)
        target = pending if report.pending else found
        if key not in target:
            target[key] = finding
    findings: list[Finding] = []
    notices: list[Finding] = []
    for k in sorted(found):
        finding = found[k]
        (notices if finding.severity == "info" else findings).append(finding)
    return Collected(findings, notices,
                     [pending[k] for k in sorted(pending)] if pending else [], trace, decided)


class Report(NamedTuple):
    """What every finding of a compiled rule shares, worked out on its first firing."""

    title: str
    kind: str
    severity: str
    rank: int  # SEVERITY_ORDER of the severity
    citation: CitationOut
    reading: ReadingOut | None
    pending: bool  # a finding of the `pending` variant (a time limit still running)
    act: str  # the act of its law (for the days it is uncertain which version applies)
    parts: str | list  # the message: its text, or literal parts and fillers
    parts_ru: str | list  # the Russian message, or the English one if it has none


def _report(c: CompiledRule) -> Report:
    spec = c.finding
    citation, reading = _rule_parts(c)
    parts = _parts(c, spec.message)
    parts_ru = _parts(c, spec.message_ru) if spec.message_ru else parts
    c.report = Report(_title(c), spec.kind, c.severity,
                      SEVERITY_ORDER[c.severity], citation, reading, c.variant == "pending",
                      c.loaded.act, parts, parts_ru)
    return c.report


def _parts(c: CompiledRule, text: str) -> str | list:
    """A message as `collect` fills it in: the text itself when it has no placeholder."""
    parts = c.templates.get(text)
    if parts is None:
        parts = c.templates[text] = _template(c, text)
    return text if len(parts) == 1 else parts


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

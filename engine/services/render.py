"""Report: case results as text for people and as stable JSON for machines.

The JSON document of `rexcheck check --format json` holds the results, each the one result
object of engine/services/result.py (the `rexcheck.result/1` contract, the same `screen` writes
a line
of and the service answers), with the input errors and the summary:

    {"schema": "rexcheck.check/1", "rexcheck": VERSION, "rules": {"digest": ...},
     "results": [CaseResult...], "errors": [Problem...], "summary": {...}}

Cases are ordered by case id, so the same rules and facts give byte-identical output whatever
the order of files or records.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import orjson
from rexcheck.engine.core.findings import Finding, TraceStep
from rexcheck.engine.services.result import CaseResult, Problem, summarise
from rexcheck.facts.base.errors import Diagnostic

DOCUMENT_SCHEMA = "rexcheck.check/1"


def explanation(finding: Finding, trace: list[TraceStep]) -> dict[str, Any]:
    """The chain of firings behind a finding: its firing, then what derived its facts."""
    by_derived = {step.derived["ref"]: step for step in trace if step.derived}

    def node(step: TraceStep, seen: frozenset) -> dict[str, Any]:
        because = []
        for fact in step.facts:
            source = by_derived.get(fact.ref)
            if fact.derived_by and source is not None and source.index not in seen:
                because.append(node(source, seen | {source.index}))
        return {"rule_id": step.rule_id, "citation": step.citation,
                "facts": [f"{f.type} {f.ref}" for f in step.facts],
                "judged_on": step.judged_on.isoformat(), "law": step.law,
                "derived": (step.derived or {}).get("ref"), "because": because}

    return node(trace[finding.firing], frozenset({finding.firing}))


def result_json(result: CaseResult) -> dict[str, Any]:
    """One result as JSON data; with the trace, each finding gets its explanation."""
    data = result.to_dict()
    if result.trace is not None:
        for finding, out in zip(result.findings + result.notices,
                                data["findings"] + data["notices"], strict=True):
            out["explanation"] = explanation(finding, result.trace)
    return data


def to_json(results: Sequence[CaseResult], errors: list[Diagnostic], meta: dict[str, Any]
            ) -> str:
    document = {
        "schema": DOCUMENT_SCHEMA,
        **meta,
        "results": [result_json(r) for r in results],
        "errors": [orjson.loads(orjson.dumps(Problem.of(d))) for d in sorted(errors)],
        "summary": summarise(results),
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def _wrap(text: str, indent: int) -> str:
    return textwrap.fill(" ".join(text.split()), width=100, initial_indent=" " * indent,
                         subsequent_indent=" " * indent)


def _finding_text(f: Finding, result: CaseResult) -> list[str]:
    label = "NOTICE" if f.severity == "info" else f.severity.upper()
    lines = [f"  {label:7} {f.rule_id}  [{f.citation.ref}]  {f.subject.type} {f.subject.ref}",
             _wrap(f.message, 10)]
    if f.deadline is not None:
        d = f.deadline
        done = d.done.isoformat() if d.done else "not done"
        lines.append(f"          due {d.due} ({d.days} {d.unit} days from {d.start}); done: "
                     f"{done}" + (f"; {d.days_late} {d.unit} day(s) late" if d.days_late else ""))
    if f.reading is not None:
        lines.append(_wrap(f"reading '{f.reading.id}': {f.reading.text}", 10))
    if f.assumption is not None:
        lines.append(_wrap(f"assumption: {f.assumption}", 10))
    facts = ", ".join(f"{x.type} {x.ref}" for x in f.facts if not x.derived_by)
    if facts:
        lines.append(f"          facts: {facts}")
    if result.trace is not None:
        lines.append("          why:")
        lines.extend(_tree(explanation(f, result.trace), 12))
    return lines


def _tree(node: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    derived = f" -> derived {node['derived']}" if node["derived"] else ""
    lines = [f"{pad}{node['rule_id']} [{node['citation']}] fired on "
             f"{', '.join(node['facts'])}{derived}",
             f"{pad}  judged on {node['judged_on']}: {node['law']}"]
    for child in node["because"]:
        lines.extend(_tree(child, indent + 2))
    return lines


def case_text(r: CaseResult) -> list[str]:
    title = f" - {r.title}" if r.title else ""
    as_of = f" (as of {r.as_of})" if r.as_of else ""
    where = ""
    if r.source is not None and r.source.record is not None:
        where = f"#{r.source.record} "
    out = [f"{where}case {r.case or '?'}{title}: {r.outcome}{as_of}"]
    for o in r.outcomes:
        decided = f"  [{o.citation}] {o.rule_id}" if o.rule_id else ""
        out.append(f"  {o.document}: {o.outcome}{decided}")
    for p in r.errors:
        out.append(_wrap(f"ERROR   {p.format()}", 2))
    for f in r.findings + r.notices:
        out.extend(_finding_text(f, r))
    for due in r.pending:
        d = due.deadline
        assert d is not None
        out.append(f"  PENDING {due.rule_id}  [{due.citation.ref}]  {due.subject.type} "
                   f"{due.subject.ref}: due {d.due} ({d.days} {d.unit} days from {d.start})")
    if not r.findings and not r.errors:
        out.append("  no findings" + (f" ({len(r.notices)} notice(s))" if r.notices else ""))
    if r.computed:
        out.append("  computed:")
        for v in r.computed:
            inputs = ", ".join(f"{k} = {x}" for k, x in v.inputs.items())
            out.append(f"    {v.document}: {v.field} = {v.value}  [{v.function}"
                       + (f"; {inputs}" if inputs else "") + "]")
    if r.trace is not None:
        out.append("  trace:")
        for step in r.trace:
            derived = f" -> {step.derived['ref']}" if step.derived else ""
            decided = f" => {step.outcome}" if step.outcome else ""
            out.append(f"    #{step.index} {step.rule_id} ({step.variant}) on "
                       f"{', '.join(f'{x.type} {x.ref}' for x in step.facts)}{derived}{decided}")
    return out


def summary_line(s: dict[str, Any]) -> str:
    outcomes = ", ".join(f"{k} {v}" for k, v in s["outcomes"].items()) or "none"
    return (f"{s['cases']} case(s): {s['with_findings']} with findings ({s['findings']} "
            f"finding(s), {s['notices']} notice(s)), {s['pending']} pending step(s), "
            f"{s['errors']} case(s) in error; outcomes: {outcomes}")


def to_text(results: Sequence[CaseResult], errors: list[Diagnostic]) -> str:
    out: list[str] = []
    for r in results:
        out.extend(case_text(r))
        out.append("")
    for d in sorted(errors):
        out.append(d.format())
    out.append(summary_line(summarise(results)))
    return "\n".join(out) + "\n"

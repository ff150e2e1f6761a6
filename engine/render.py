"""Report: case results as text for people and as stable JSON for machines.

The JSON document is the public interface of `rexcheck check --format json`:

    {"rexcheck": VERSION, "rules": {"digest": ...}, "cases": [CaseResult...],
     "errors": [Diagnostic...], "summary": {...}}

Keys are sorted and cases ordered by case id, so the same rules and facts give byte-identical
output whatever the order of files or records.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from rexcheck.engine.errors import Diagnostic
from rexcheck.engine.findings import CaseResult, Finding, TraceStep


def summary(results: list[CaseResult], errors: list[Diagnostic]) -> dict[str, int]:
    return {
        "cases": len(results),
        "cases_with_findings": sum(1 for r in results if r.has_findings),
        "findings": sum(1 for r in results for f in r.findings if f.severity != "info"),
        "notices": sum(1 for r in results for f in r.findings if f.severity == "info"),
        "pending": sum(len(r.pending) for r in results),
        "case_errors": sum(1 for r in results if r.error),
        "input_errors": len(errors),
    }


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
                "derived": (step.derived or {}).get("ref"), "because": because}

    return node(trace[finding.firing], frozenset({finding.firing}))


def result_json(result: CaseResult, explain: bool) -> dict[str, Any]:
    data = result.model_dump(mode="json")
    if explain:
        for finding, out in zip(result.findings, data["findings"]):
            out["explanation"] = explanation(finding, result.trace)
    else:
        del data["trace"]
    return data


def to_json(results: list[CaseResult], errors: list[Diagnostic], meta: dict[str, Any],
            explain: bool = False) -> str:
    document = {
        **meta,
        "cases": [result_json(r, explain) for r in results],
        "errors": [d.as_dict() for d in sorted(errors)],
        "summary": summary(results, errors),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _wrap(text: str, indent: int) -> str:
    return textwrap.fill(" ".join(text.split()), width=100, initial_indent=" " * indent,
                         subsequent_indent=" " * indent)


def _finding_text(f: Finding, result: CaseResult, explain: bool) -> list[str]:
    lines = [f"  {f.severity.upper():7} {f.rule_id}  [{f.citation.ref}]  {f.subject.type} "
             f"{f.subject.ref}", _wrap(f.message, 10)]
    if f.deadline is not None:
        d = f.deadline
        done = d.done.isoformat() if d.done else "not done"
        lines.append(f"          due {d.due} ({d.days} {d.unit} days from {d.start}); done: "
                     f"{done}" + (f"; {d.days_late} {d.unit} day(s) late" if d.days_late else ""))
    if f.reading is not None:
        lines.append(_wrap(f"reading '{f.reading.id}': {f.reading.text}", 10))
    facts = ", ".join(f"{x.type} {x.ref}" for x in f.facts if not x.derived_by)
    if facts:
        lines.append(f"          facts: {facts}")
    if explain:
        lines.append("          why:")
        lines.extend(_tree(explanation(f, result.trace), 12))
    return lines


def _tree(node: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    derived = f" -> derived {node['derived']}" if node["derived"] else ""
    lines = [f"{pad}{node['rule_id']} [{node['citation']}] fired on "
             f"{', '.join(node['facts'])}{derived}"]
    for child in node["because"]:
        lines.extend(_tree(child, indent + 2))
    return lines


def to_text(results: list[CaseResult], errors: list[Diagnostic], explain: bool = False) -> str:
    out: list[str] = []
    for r in results:
        title = f" - {r.title}" if r.title else ""
        out.append(f"case {r.case}{title} (as of {r.as_of})")
        if r.error:
            out.append(f"  ERROR   {r.error}")
        for f in r.findings:
            out.extend(_finding_text(f, r, explain))
        for p in r.pending:
            d = p.deadline
            assert d is not None
            out.append(f"  PENDING {p.rule_id}  [{p.citation.ref}]  {p.subject.type} "
                       f"{p.subject.ref}: due {d.due} ({d.days} {d.unit} days from {d.start})")
        if not r.has_findings and not r.error:
            out.append("  no findings")
        if explain:
            out.append("  trace:")
            for step in r.trace:
                derived = f" -> {step.derived['ref']}" if step.derived else ""
                out.append(f"    #{step.index} {step.rule_id} ({step.variant}) on "
                           f"{', '.join(f'{x.type} {x.ref}' for x in step.facts)}{derived}")
        out.append("")
    for d in sorted(errors):
        out.append(d.format())
    s = summary(results, errors)
    out.append(f"{s['cases']} case(s): {s['cases_with_findings']} with findings "
               f"({s['findings']} finding(s), {s['notices']} notice(s)), "
               f"{s['pending']} pending step(s), "
               f"{s['case_errors']} case error(s), {s['input_errors']} input error(s)")
    return "\n".join(out) + "\n"

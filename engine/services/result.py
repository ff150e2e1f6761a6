"""The result of one case: one object, the same from `check`, `screen`, the API and HTTP.

`CaseResult` is the contract (schema id `rexcheck.result/1`, JSON Schema written by
`rexcheck rules schema` and served by `rexcheck serve`; docs/result.md describes every field):
the case, the day it was judged at, each document's outcome and the case's, the findings
(errors and warnings) and the notices (information) apart, the steps still pending, the
problems that stopped the case being judged (located, one object each), the audit block, where
the case came from, and, when asked, the trace of every rule firing. Its parts are plain
dataclasses, written as JSON by orjson (screening writes millions of them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import TypeAdapter
from rexcheck.engine.core.factplan import ComputedValue
from rexcheck.engine.core.findings import Finding, TraceStep
from rexcheck.engine.core.outcomes import DocumentOutcome
from rexcheck.engine.services.audit import Audit
from rexcheck.facts.base.errors import Diagnostic

SCHEMA = "rexcheck.result/1"


@dataclass
class Problem:
    """Why a case could not be judged (or not wholly): a located diagnostic."""

    code: str
    message: str
    severity: str = "error"
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    hint: str | None = None

    @classmethod
    def of(cls, d: Diagnostic) -> Problem:
        return cls(d.code, d.message, d.severity, d.file, d.line, d.column, d.field, d.hint)

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: " if self.file else ""
        about = f"field '{self.field}': " if self.field else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}{self.severity}: {about}{self.message}{hint} [{self.code}]"


@dataclass
class Source:
    """Where the case came from: a file and line (check), a record of a stream (screen)."""

    file: str | None = None
    line: int | None = None
    record: int | None = None


@dataclass
class CaseResult:
    schema: str
    case: str | None
    title: str | None
    as_of: dt.date | None
    outcome: str
    outcomes: list[DocumentOutcome]
    findings: list[Finding]  # errors and warnings
    notices: list[Finding]  # information: a reading applied, the data set published
    pending: list[Finding]  # time limits still running
    errors: list[Problem]
    audit: Audit | None
    source: Source | None = None
    trace: list[TraceStep] | None = field(default=None)
    computed: list[ComputedValue] | None = field(default=None)  # with the trace: the values
    # the packs computed from the facts, each with its function and inputs

    @property
    def has_findings(self) -> bool:
        """Findings that count (errors and warnings); notices do not change an exit code."""
        return bool(self.findings)

    @property
    def error(self) -> str | None:
        """The problems as one text, or None (a convenience of the Python API)."""
        return "; ".join(p.format() for p in self.errors) if self.errors else None

    def to_json_bytes(self) -> bytes:
        """Compact JSON, UTF-8, non-ASCII as is; what pydantic would write for the type, by
        orjson several times faster (a value orjson refuses goes through pydantic)."""
        try:
            return orjson.dumps(self)
        except orjson.JSONEncodeError:
            return _ADAPTER.dump_json(self)

    def to_dict(self) -> dict[str, Any]:
        return orjson.loads(self.to_json_bytes())


_ADAPTER = TypeAdapter(CaseResult)


def result_schema() -> dict[str, Any]:
    """The JSON Schema of one case's result."""
    schema = _ADAPTER.json_schema(mode="serialization")
    schema["$id"] = f"https://rexcheck.example/schema/{SCHEMA}"
    schema["title"] = "rexcheck case result (rexcheck.result/1)"
    return schema


def failed(case: str | None, as_of: dt.date | None, problems: list[Problem],
           source: Source | None = None, title: str | None = None) -> CaseResult:
    """The result of a case that could not be judged."""
    return CaseResult(SCHEMA, case, title, as_of, "error", [], [], [], [], problems, None,
                      source)


def summarise(results: Iterable[Any]) -> dict[str, Any]:
    """The summary every command gives, with the same keys: cases, how many have findings,
    counts of findings, notices, pending steps and cases in error, and cases per outcome."""
    counts: dict[str, int] = {}
    total = with_findings = findings = notices = pending = errors = 0
    for r in results:
        total += 1
        with_findings += bool(r.findings)
        findings += len(r.findings)
        notices += len(r.notices)
        pending += len(r.pending)
        errors += r.outcome in ("error", "undetermined")
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    return {"cases": total, "with_findings": with_findings, "findings": findings,
            "notices": notices, "pending": pending, "errors": errors,
            "outcomes": dict(sorted(counts.items()))}

"""The service's side of a request that the workbench shares with the API: reading a body,
a case or a what-if from it, and the engine process's `Judge` (the checker and the audit log).

engine/web/service.py (the HTTP API) and engine/web/workbench/app.py (the pages) both build on
it, so neither imports the other for it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from fastapi import Request
from rexcheck.engine.services.checker import Checker, Item
from rexcheck.engine.services.result import CaseResult, Problem
from rexcheck.facts.base.errors import Diagnostic, InvalidInput

# Batches of a stream (a body chunk's records each) handed to the engine and not yet answered:
# the engine judges the next while this process reads, cuts and answers; several, so that a
# moment the reader is not scheduled (other work on the machine) does not leave it idle.
BODY_SOURCE = "<body>"



class ServiceError(Exception):
    """An answer other than 200: its status and located problems."""

    def __init__(self, status: int, problems: list[Problem], headers: dict | None = None):
        self.status = status
        self.problems = problems
        self.headers = headers or {}


def problem(code: str, message: str, hint: str | None = None, field: str | None = None
            ) -> Problem:
    return Problem(code, message, field=field, hint=hint)


class Judge:
    """The engine's side, in the engine process: the checker and the audit log."""

    def __init__(self, ruleset: Any, calendar: Any, audit_log: str | None,
                 audit_key: str | None):
        self.checker = Checker(ruleset, calendar)
        self.audit = None
        if audit_log:
            from rexcheck.engine.services.audit import AuditLog
            from rexcheck.engine.services.auditchain import read_key

            self.audit = AuditLog(audit_log, read_key(audit_key) if audit_key else None)
        self._warm_up()

    def _warm_up(self) -> None:
        """Judge the shipped examples once, so the first request finds every program
        compiled (the first case of a program costs ten times the next)."""
        examples = resources.files("rexcheck.facts") / "examples"
        for entry in sorted(examples.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                self.checker.check(Path(str(entry)))

    def decide(self, results: list[CaseResult], cases: list[Any]) -> list[str]:
        """A decision id per result, each decision logged (when a log is kept) before any
        is answered; a result with no audit block (the case could not be judged) is not."""
        from rexcheck.engine.services.audit import log_entry

        ids = [str(uuid.uuid4()) for _ in results]
        if self.audit is not None:
            for result, case, did in zip(results, cases, ids, strict=True):
                if case is not None and result.audit is not None:
                    self.audit.append_decision(log_entry(case, result.audit, result.outcome,
                                                         result.findings, did))
        return ids


_judge: Judge | None = None  # the engine process's one Judge


_failed: str | None = None  # or why it could not be made


def _start_judge(ruleset: Any, calendar: Any, audit_log: str | None,
                 audit_key: str | None) -> None:
    global _judge, _failed
    from rexcheck.engine.services.auditchain import AuditLogError

    try:
        _judge = Judge(ruleset, calendar, audit_log, audit_key)
    except AuditLogError as exc:
        _failed = exc.diagnostic.format()
    except InvalidInput as exc:
        _failed = "; ".join(d.format() for d in exc.diagnostics)


def _ready() -> str | None:
    """None when the engine is ready, else why not."""
    return None if _judge is not None else _failed or "the engine did not start"


async def read_body(request: Request, limit: int, deadline: float) -> bytes:
    """The whole body, refused past `limit` bytes (413) or when it does not arrive before
    the deadline (408)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(int(declared), limit)
    chunks, size = [], 0
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), deadline - time.monotonic())
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise ServiceError(408, [problem(
                "timeout", "the request body did not arrive in time",
                "send the whole body within the service's --timeout")]) from None
        size += len(chunk)
        if size > limit:
            raise too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(size: int, limit: int) -> ServiceError:
    return ServiceError(413, [problem(
        "too-large", f"the request body is {size} bytes or more; this service takes at most "
        f"{limit}", "send fewer cases per request, or use POST /v1/screen to stream them")])


def parse_as_of(value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ServiceError(400, [problem("bad-parameter", f"'{value}' is not a date",
                                         "write it as YYYY-MM-DD", field="as_of")]) from None


def document_of(body: bytes, source: str = BODY_SOURCE) -> tuple[Any, Any]:
    """A JSON or YAML document from the body, with the positions of its values."""
    from rexcheck.facts.base.yamlsource import Positions, load_yaml, read_text
    from rexcheck.facts.jsontext import load_json_document

    text = read_text(source, body)
    try:
        return load_yaml(source, text)
    except InvalidInput as exc:
        # compact JSON holds a whole population on one line, longer than the YAML reader
        # takes: read as JSON, with the YAML reader's refusals (a key given twice among
        # them), its problems then located by field, not by line
        if exc.diagnostics[0].code != "too-large" or not text.lstrip().startswith(("{", "[")):
            raise
        return load_json_document(text, source), Positions(source)


def case_item(body: bytes, source: str = BODY_SOURCE) -> Item:
    """The one case in a request body, or why there is none (located in the body, or in the
    file `source` names: the workbench gives an uploaded file's name)."""
    from rexcheck.facts.loader import parse_case

    try:
        data, positions = document_of(body, source)
    except InvalidInput as exc:
        return Item(None, None, exc.diagnostics)
    if isinstance(data, list) or (isinstance(data, dict) and "cases" in data
                                  and "case" not in data):
        return Item(None, None, [Diagnostic(
            source, 1, 1, "the body holds a list of cases; /v1/check takes one",
            "not-one-case", hint="send one case, or stream many to POST /v1/screen")])
    name = data.get("case") if isinstance(data, dict) else None
    try:
        return Item(parse_case(data, positions))
    except InvalidInput as exc:
        return Item(None, None, exc.diagnostics, name if isinstance(name, str) else None)


def _whatif_job(body: bytes, population: str | None, as_of: dt.date | None) -> dict[str, Any]:
    """The body of a what-if request, read: the scenario's text, the population (the
    example's name, or records as text), the as-of date."""
    try:
        data, _ = document_of(body)
    except InvalidInput as exc:
        raise ServiceError(422, [Problem.of(d) for d in exc.diagnostics]) from None
    if isinstance(data, dict) and "population" in data:
        scenario = data.get("scenario")
        if not isinstance(scenario, str):
            raise ServiceError(422, [problem(
                "bad-request", "'scenario' must be the text of a scenario file",
                "put the scenario's YAML in a string, or send it as the body with "
                "?population=example", field="scenario")])
        pop = data["population"]
        when = data.get("as_of", as_of)
        if isinstance(when, str):
            when = parse_as_of(when)
        scenario_text = scenario
    else:
        pop, when, scenario_text = population, as_of, body.decode("utf-8", "replace")
    if pop == "example":
        records = None
    elif isinstance(pop, list):
        records = "".join(orjson.dumps(case, default=str).decode() + "\n" for case in pop)
    elif isinstance(pop, str) and pop.strip().startswith("{"):
        records = pop
    else:
        raise ServiceError(422, [problem(
            "bad-request", "no population: give 'population' as 'example', a list of cases "
            "or NDJSON text", "or send the scenario as the body with ?population=example",
            field="population")])
    return {"scenario": scenario_text, "records": records, "as_of": when}

"""`rexcheck serve`: the checker as an HTTP service (FastAPI on uvicorn); docs/service.md.

Each uvicorn worker process loads the rule set once, at start (`create_app`), and never from a
request; a SIGHUP to `rexcheck serve` replaces the workers one by one with new ones that load
the rules afresh and log their digest. The engine is synchronous, CPU-bound and not
thread-safe (durable_rules keeps global tables and holds the GIL while it matches), so each
worker hands its cases to an engine process of its own (`Engine`): the event loop stays free
to read and write other requests while a case is judged, and `--workers N` processes are what
use N cores. A what-if compiles a second rule set: it runs in a process of its own, started for the
request and ended after it (or when its time is up), so the worker's engine never holds it.

Every answer is JSON: a case's result is the `rexcheck.result/1` object with a `decision_id`
added; every error is `{"schema": "rexcheck.error/1", "status": ..., "errors": [Problem...]}`
with located problems, never a trace.

Routes import the tools only they use (rule tests, schemas, the workbench, the what-if job)
inside their function: a worker loads the module in about 0.7 s, 0.1 s more with every
route's imports (measured), and the engine process, which imports this module to start,
never needs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from rexcheck.engine.core.version import __version__
from rexcheck.engine.services.checker import STAGE_BATCH
from rexcheck.engine.services.result import Problem
from rexcheck.engine.services.screening import _payload
from rexcheck.engine.web import judging
from rexcheck.engine.web.judging import (
    BODY_SOURCE,
    ServiceError,
    _whatif_job,
    case_item,
    parse_as_of,
    problem,
    read_body,
    too_large,
)
from rexcheck.facts.base.errors import InvalidInput
from starlette.exceptions import HTTPException as StarletteHTTPException

SETTINGS_ENV = "REXCHECK_SERVE_SETTINGS"  # how `rexcheck serve` hands its options to workers
ERROR_SCHEMA = "rexcheck.error/1"
SUMMARY_SCHEMA = "rexcheck.screen-summary/1"
# Batches of a stream (a body chunk's records each) handed to the engine and not yet answered:
# the engine judges the next while this process reads, cuts and answers; several, so that a
# moment the reader is not scheduled (other work on the machine) does not leave it idle.
IN_FLIGHT = 8
OPEN_PATHS = {"/healthz", "/readyz"}  # probes answer without the token
log = logging.getLogger("rexcheck.serve")


@dataclass
class Settings:
    """The options of `rexcheck serve` that every worker needs."""

    rules: str | None = None
    token_file: str | None = None
    audit_log: str | None = None
    audit_key: str | None = None
    max_body: int = 8 * 1024 * 1024
    max_stream: int = 1024 * 1024 * 1024
    timeout: float = 30.0
    cors: list[str] = field(default_factory=list)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Settings:
        raw = os.environ.get(SETTINGS_ENV)
        return cls(**json.loads(raw)) if raw else cls()






def error_response(status: int, problems: list[Problem], headers: dict | None = None
                   ) -> Response:
    body = {"schema": ERROR_SCHEMA, "status": status, "errors": problems}
    return Response(orjson.dumps(body), status, headers=headers, media_type="application/json")


def read_token(path: str | Path) -> bytes:
    """The access token in a file (the file's bytes less one final line ending). Refused
    when it cannot be read, is readable by others, or is shorter than 16 bytes."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
        data = p.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the token file {path}: {exc.strerror}") from None
    if mode & 0o004:
        raise ValueError(f"the token file {path} is readable by others (chmod 600 {path})")
    token = data[:-2] if data.endswith(b"\r\n") else data[:-1] if data.endswith(b"\n") else data
    if len(token) < 16:
        raise ValueError(f"the token in {path} is {len(token)} bytes; give at least 16 "
                         "(e.g. head -c 32 /dev/urandom | base64 > FILE)")
    if any(b < 0x21 or b > 0x7e for b in token):
        raise ValueError(f"the token in {path} must be printable ASCII without spaces, as an "
                         "HTTP header carries it (e.g. base64)")
    return token


# --------------------------------------------------------------------------- the engine










class Engine:
    """The worker's engine: one process of its own, started with the rule set the worker
    loaded (pickled to it, never read again), which judges the cases of every request of the
    worker in turn. In a process, not a thread: durable_rules holds the GIL while it
    matches, so a thread would take it from the event loop for as long, and each the other
    (measured on a shared machine, one stream of 20,000 cases against `rexcheck screen` in
    the same run: 0.56-0.8 with the engine in a thread, 0.75-0.90 by wall time and 0.82-0.91
    by CPU time in a process; bench/RESULTS.md)."""

    def __init__(self, settings: Settings):
        from rexcheck.engine.authoring.lawinfo import LawIndex
        from rexcheck.engine.authoring.ruletests import load_tests
        from rexcheck.engine.core.calendar import WorkingCalendar
        from rexcheck.engine.core.loader import default_rules_dir, load_rules

        self.settings = settings
        self.ruleset = load_rules(settings.rules)
        self.calendar = WorkingCalendar.load()
        root = Path(settings.rules) if settings.rules else default_rules_dir()
        try:
            tests = load_tests(root, self.ruleset)
        except InvalidInput as exc:  # the rules are good; only their tests are not shown
            print(f"rexcheck serve: rule tests not shown: {len(exc.diagnostics)} problem(s) "
                  f"in {root}/tests (rexcheck rules test)", file=sys.stderr)
            tests = []
        self.law = LawIndex(self.ruleset, tests)
        self.audit = settings.audit_log is not None
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), judging._start_judge, (
            self.ruleset, self.calendar, self.settings.audit_log, self.settings.audit_key))
        failed = pool.submit(judging._ready).result()  # loaded and warm before the worker serves
        if failed is not None:
            pool.shutdown()
            raise RuntimeError(failed)
        return pool

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        except BrokenProcessPool:  # the engine process died: a new one for what comes next
            log.error("the engine process died; starting a new one")
            self.pool = await asyncio.to_thread(self._start)
            raise ServiceError(500, [problem(
                "internal", "the engine failed on this request; the service's log says "
                "why")]) from None

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def with_id(decision_id: str, result_json: bytes) -> bytes:
    """The result's JSON with `decision_id` as its first key."""
    return b'{"decision_id":"' + decision_id.encode() + b'",' + result_json[1:]


# --------------------------------------------------------------------------- requests












# --------------------------------------------------------------------------- the app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application of one worker: the rules are loaded here, once."""
    settings = settings or Settings.from_env()
    started = time.monotonic()
    try:
        engine = Engine(settings)
    except InvalidInput as exc:  # on SIGHUP: the rules were changed, and are broken
        for d in sorted(exc.diagnostics):
            print(d.format(), file=sys.stderr)
        print(f"rexcheck serve: worker {os.getpid()} not started: {len(exc.diagnostics)} "
              "error(s) in the rules; the workers serving keep the rules they have",
              file=sys.stderr, flush=True)
        sys.exit(3)  # uvicorn's "could not start": the restart is given up
    except (OSError, BrokenProcessPool, RuntimeError) as exc:  # the audit log, the engine
        print(f"rexcheck serve: worker {os.getpid()} not started: {exc}", file=sys.stderr,
              flush=True)
        sys.exit(3)
    ruleset = engine.ruleset
    print(f"rexcheck serve: worker {os.getpid()} ready: rules {ruleset.digest} "
          f"({len(ruleset.rules)} rules, loaded in {time.monotonic() - started:.1f}s)",
          file=sys.stderr, flush=True)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        engine.close()

    app = FastAPI(
        title="rexcheck", version=__version__, lifespan=lifespan,
        description="REX (registered exporter) cases judged against Kazakhstan's Orders 244 "
        "and 358: one case, a stream of cases, a what-if, the rules and parameters in force. "
        "Results follow the rexcheck.result/1 contract (GET /v1/schema/result).",
        docs_url=None, redoc_url=None)
    app.state.engine = engine
    _install_errors(app)
    _routes(app, engine, settings)
    from rexcheck.engine.web.workbench.app import mount

    mount(app, engine, settings)  # the pages for people at / (engine/web/workbench/)
    try:
        _install_guard(app, settings)
    except ValueError as exc:  # the token file was changed before a SIGHUP
        print(f"rexcheck serve: worker {os.getpid()} not started: {exc}", file=sys.stderr,
              flush=True)
        engine.close()
        sys.exit(3)
    return app


def _install_guard(app: FastAPI, settings: Settings) -> None:
    token = read_token(settings.token_file) if settings.token_file else None
    if token is not None:
        app.add_middleware(TokenGuard, token=token)
    app.add_middleware(OriginGuard, allowed=settings.cors)
    if settings.cors:  # added last: outermost, so a preflight needs no token
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors,
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"],
                           expose_headers=["X-Decision-Id"])


class OriginGuard:
    """A POST from a page of another site is refused (403) before it is read: a browser names
    the page's origin in `Origin` on every cross-site POST, and a page elsewhere on the web
    could otherwise post a case to a service on the user's own machine, which would judge it
    and log the decision, though the page could not read the answer. A request without
    `Origin` (curl, a screening system) and one from the service's own pages pass; so do the
    origins `--cors` allows."""

    def __init__(self, app: Any, allowed: list[str]):
        self.app = app
        self.allowed = {origin.rstrip("/").lower() for origin in allowed}

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1").rstrip("/").lower()
            host = headers.get(b"host", b"").decode("latin-1").lower()
            own = {f"http://{host}", f"https://{host}"}
            if origin and origin not in own | self.allowed:  # "null" too: a sandboxed page
                response = error_response(403, [problem(
                    "cross-site", f"a request from the page of another site ({origin}) is "
                    "refused", "serve the page from this service, or allow its origin with "
                    "--cors ORIGIN")])
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class TokenGuard:
    """`Authorization: Bearer TOKEN` on every request but the probes, compared in constant
    time; 401 otherwise."""

    def __init__(self, app: Any, token: bytes):
        self.app = app
        self.expected = b"bearer " + token

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] not in OPEN_PATHS:
            given = b""
            for name, value in scope["headers"]:
                if name == b"authorization":
                    given = value
            # the scheme is case-insensitive; the token is compared in constant time
            given = given[:7].lower() + given[7:]
            if not hmac.compare_digest(given, self.expected):
                response = error_response(401, [problem(
                    "unauthorized", "this service needs an access token",
                    "send the header 'Authorization: Bearer TOKEN'")],
                    {"WWW-Authenticate": 'Bearer realm="rexcheck"'})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> Response:
        return error_response(exc.status, exc.problems, exc.headers)

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> Response:
        return error_response(422, [Problem.of(d) for d in sorted(exc.diagnostics)])

    @app.exception_handler(RequestValidationError)
    async def _params(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors():
            where = [str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body")]
            problems.append(problem("bad-parameter", e.get("msg", "invalid"),
                                    field=".".join(where) or None))
        return error_response(400, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
        return error_response(exc.status_code, [problem(code, str(exc.detail))])

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(500, [problem("internal", "the service failed on this request; "
                                            "its log says why")])


def _json(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(data, default=str), status, headers=headers,
                    media_type="application/json")


RESULT_RESPONSE = {"description": "the case's result (rexcheck.result/1) with its decision_id",
                   "content": {"application/json": {"schema": {
                       "$ref": "/v1/schema/result"}}}}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": what} for status, what in (
        (400, "a query parameter is not valid"), (401, "no or wrong access token"),
        (408, "the body did not arrive in time"), (413, "the body is too large"),
        (422, "the input could not be judged: located problems"),
        (504, "the answer was not ready in time"))}


def _routes(app: FastAPI, engine: Engine, settings: Settings) -> None:
    def deadline() -> float:
        return time.monotonic() + settings.timeout

    async def in_time(until: float, work: Awaitable[Any]) -> Any:
        try:
            return await asyncio.wait_for(work, max(until - time.monotonic(), 0.001))
        except TimeoutError:
            raise ServiceError(504, [problem(
                "timeout", f"the answer was not ready within {settings.timeout:g}s",
                "send fewer cases, or ask the operator to raise --timeout")]) from None

    @app.get("/healthz", summary="The process answers")
    async def healthz() -> Response:
        return _json({"status": "ok"})

    @app.get("/readyz", summary="The rules are loaded and the engine is warm")
    async def readyz() -> Response:
        return _json({"status": "ready", "rexcheck": __version__,
                      "rules": {"digest": engine.ruleset.digest,
                                "count": len(engine.ruleset.rules)},
                      "audit_log": engine.audit})

    @app.post("/v1/check", summary="Judge one case (JSON or YAML body)",
              responses={200: RESULT_RESPONSE, 422: RESULT_RESPONSE,
                         **{k: v for k, v in ERROR_RESPONSES.items() if k != 422}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": {"type": "object"}},
                  "application/yaml": {"schema": {"type": "object"}}}}})
    async def check(request: Request, as_of: str | None = Query(None, description=(
            "judge the case on this date (YYYY-MM-DD); default: the case's as_of, else "
            "today")), lang: str = Query("en", pattern="^(en|ru)$"),
            explain: bool = Query(False, description="add the trace of rule firings")
            ) -> Response:
        """The case's result, as `rexcheck check --format json` gives it in `results`, with
        a `decision_id`; 422 with the same result object (outcome `error`, located `errors`)
        when the case could not be judged."""
        until = deadline()
        when = parse_as_of(as_of)
        body = await read_body(request, settings.max_body, until)
        body_bytes, decision_id, outcome = await in_time(
            until, engine.run(_check_one, body, when, lang, explain))
        status = 422 if outcome == "error" else 200
        return Response(body_bytes, status, media_type="application/json",
                        headers={"X-Decision-Id": decision_id})

    @app.post("/v1/screen", summary="Judge a stream of cases (NDJSON in, NDJSON out)",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/x-ndjson": {"schema": {"type": "string"}}}}},
              responses={200: {"description": "one result per record, in input order, then "
                                "one summary line", "content": {"application/x-ndjson": {}}},
                         **ERROR_RESPONSES})
    async def screen(request: Request, as_of: str | None = Query(None),
                     lang: str = Query("en", pattern="^(en|ru)$")) -> Response:
        """One result line per record in input order (each with its decision_id and its
        record number in `source`), a record that cannot be read or judged getting an error
        result; then one summary line (`schema` rexcheck.screen-summary/1)."""
        when = parse_as_of(as_of)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > settings.max_stream:
            raise too_large(int(declared), settings.max_stream)
        return ScreenStream(request, engine, settings, when, lang)

    @app.post("/v1/whatif", summary="Run a scenario against the rules in force over a "
              "population", responses=ERROR_RESPONSES)
    async def whatif(request: Request, population: str | None = Query(None, description=(
            "'example' for the shipped what-if population, when the body is the scenario "
            "itself")), as_of: str | None = Query(None)) -> Response:
        """The what-if report of `rexcheck whatif --format json`. The body is either the
        scenario file itself (YAML or JSON, with `?population=example`), or a mapping with
        `scenario` (the scenario file's text), `population` ('example', a list of cases, or
        NDJSON text) and optionally `as_of`."""
        from rexcheck.engine.authoring.whatifjob import run_whatif

        until = deadline()
        when = parse_as_of(as_of)
        body = await read_body(request, settings.max_body, until)
        job = await asyncio.to_thread(_whatif_job, body, population, when)
        report = await run_whatif(engine.ruleset, engine.calendar, job, until)
        if report is None:
            raise ServiceError(504, [problem(
                "timeout", f"the what-if was not done within {settings.timeout:g}s",
                "send a smaller population, or ask the operator to raise --timeout")])
        if "errors" in report and "baseline" not in report:
            internal = any(p.get("code") == "internal" for p in report["errors"])
            if internal:
                log.error("what-if failed: %s", report["errors"][0]["message"])
                raise ServiceError(500, [problem("internal", "the what-if failed; the "
                                                 "service's log says why")])
            raise ServiceError(422, [Problem(**p) for p in report["errors"]])
        return _json(report)

    @app.get("/v1/rules", summary="Every rule: id, citation, title, kind")
    async def rules() -> Response:
        return _json({"digest": engine.law.digest, "rules": engine.law.rows})

    @app.get("/v1/rules/{rule_id}", summary="One rule: its law, reading, parameters, tests")
    async def rule(rule_id: str) -> Response:
        detail = engine.law.rules.get(rule_id)
        if detail is None:
            from rexcheck.facts.base.errors import did_you_mean

            raise ServiceError(404, [problem(
                "unknown-rule", f"no rule '{rule_id}' in the rules in force",
                did_you_mean(rule_id, engine.law.rules) or "GET /v1/rules lists them",
                field="rule_id")])
        return _json({"digest": engine.law.digest, "rule": detail})

    @app.get("/v1/parameters", summary="Every parameter with its dated values and citation")
    async def parameters() -> Response:
        return _json({"digest": engine.law.digest, "parameters": engine.law.parameters})

    @app.get("/v1/calendar/due", summary="A due date on the Kazakhstan working calendar")
    async def due(start: str = Query(..., description="YYYY-MM-DD (not counted)"),
                  working_days: int | None = Query(None, ge=0, le=3660),
                  calendar_days: int | None = Query(None, ge=0, le=3660)) -> Response:
        """What `rexcheck calendar add` gives: the due date N working (or calendar) days
        after START, and the days off on the way."""
        day = parse_as_of(start)
        if day is None or (working_days is None) == (calendar_days is None):
            raise ServiceError(400, [problem(
                "bad-parameter", "give start and one of working_days and calendar_days",
                "e.g. /v1/calendar/due?start=2026-03-19&working_days=5")])
        return _json(_due(engine.calendar, day, working_days, calendar_days))

    @app.get("/v1/schema/result", summary="The JSON Schema of a case's result")
    async def schema() -> Response:
        from rexcheck.engine.authoring.jsonschema import result_file_schema

        return _json(result_file_schema())


def _check_one(body: bytes, as_of: dt.date | None, lang: str, explain: bool
               ) -> tuple[bytes, str, str]:
    """In the engine process: the case's result as JSON with its decision id (logged)."""
    from rexcheck.engine.services.render import result_json

    item = case_item(body)
    assert judging._judge is not None
    result = judging._judge.checker.results([item], as_of, lang, explain)[0]
    [decision_id] = judging._judge.decide([result], [item.case])
    data = result_json(result) if explain else None
    raw = orjson.dumps(data) if data is not None else result.to_json_bytes()
    return with_id(decision_id, raw), decision_id, result.outcome


def _due(cal: Any, start: dt.date, working: int | None, calendar: int | None
         ) -> dict[str, Any]:
    from rexcheck.engine.core.calendar import CalendarError

    days = working if working is not None else calendar
    assert days is not None
    try:
        due = (cal.add_working_days(start, days) if working is not None
               else cal.add_calendar_days(start, days))
        skipped = [d for d in cal.explain(start + dt.timedelta(days=1), due) if not d.working]
    except CalendarError as exc:
        raise ServiceError(422, [problem("outside-calendar", str(exc), field="start")]
                           ) from None
    return {"start": start.isoformat(), "days": days,
            "kind": "working" if working is not None else "calendar", "due": due.isoformat(),
            "non_working_days": [{"date": d.date.isoformat(), "reason": d.reason}
                                 for d in skipped]}




# --------------------------------------------------------------------------- screening


class ScreenStream(Response):
    """The answer of POST /v1/screen: an ASGI response that reads the body as it comes, a
    few records at a time, and sends each result as soon as it is known, in input order.
    (Starlette's StreamingResponse would read the request's messages itself, to notice a
    client going away, and so take the body's chunks from under the reader.)"""

    media_type = "application/x-ndjson"

    def __init__(self, request: Request, engine: Engine, settings: Settings,
                 as_of: dt.date | None, lang: str):
        self.status_code = 200
        self.background = None
        self.raw_headers = [(b"content-type", b"application/x-ndjson"),
                            (b"cache-control", b"no-store")]  # no length: sent in chunks
        self.request = request
        self.engine = engine
        self.settings = settings
        self.as_of = as_of
        self.lang = lang

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        from rexcheck.engine.services.ndjson import Spool

        spool = Spool()
        producer = asyncio.create_task(self._produce(spool))
        await send({"type": "http.response.start", "status": 200,
                    "headers": self.raw_headers})
        try:
            async for chunk in spool.drain():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await producer
            spool.discard()

    async def _produce(self, spool: Any) -> None:
        """Read the body, a chunk at a time, and send each chunk's records to the engine;
        `_answer` puts their results in the spool as each batch comes back, in order."""
        from rexcheck.engine.services.ndjson import Lines
        from starlette.requests import ClientDisconnect

        lines = Lines(BODY_SOURCE)
        summary: dict[str, Any] = {}
        batches: asyncio.Queue = asyncio.Queue(IN_FLIGHT)  # futures, in input order
        failed: list[Problem] = []  # why a batch failed: the stream ends with it
        answering = asyncio.create_task(self._answer(batches, spool, summary, failed))
        stopped = None
        size = 0
        timeout = self.settings.timeout
        stream = self.request.stream().__aiter__()
        try:
            while not failed:
                try:
                    chunk = await asyncio.wait_for(stream.__anext__(), timeout)
                except StopAsyncIteration:
                    await self._send(list(lines.close()), batches)
                    break
                size += len(chunk)
                if size > self.settings.max_stream:
                    stopped = problem("too-large", "the stream passed "
                                      f"{self.settings.max_stream} bytes; the records after "
                                      "it were not read", "split the population over several "
                                      "requests")
                    break
                await self._send(list(lines.feed(chunk)), batches)
        except TimeoutError:
            stopped = problem("timeout", f"no part of the body came for {timeout:g}s; the "
                              "stream was ended", "send the records without pauses")
        except ClientDisconnect:
            answering.cancel()
            while not batches.empty():
                future = batches.get_nowait()
                if future is not None:
                    future.cancel()
            spool.close()  # nobody to answer: the stream ends here
            return
        except Exception as exc:
            stopped = _stopped(exc)
        await batches.put(None)  # the records sent were judged (and logged): answered
        await answering
        stopped = stopped or (failed[0] if failed else None)
        trailer: dict[str, Any] = {"schema": SUMMARY_SCHEMA, "summary": {
            "records_in": lines.number, "results_out": summary.get("cases", 0),
            **_empty_summary(), **summary}}
        if stopped is not None:
            trailer["stopped"] = stopped
        spool.put(orjson.dumps(trailer) + b"\n")
        spool.close()

    async def _send(self, records: list, batches: asyncio.Queue) -> None:
        """Hand the records to the engine process (waiting while `IN_FLIGHT` batches are)."""
        if records:
            payloads = [_payload(r) for r in records]
            await batches.put(asyncio.ensure_future(self.engine.run(
                _screen_batch, payloads, self.as_of, self.lang)))

    @staticmethod
    async def _answer(batches: asyncio.Queue, spool: Any, summary: dict[str, Any],
                      failed: list[Problem]) -> None:
        """Each batch's results into the spool as soon as it is back, in order, until the
        end (None). When a batch fails, the reason goes in `failed` and the batches after it
        are dropped (still taken from the queue, so the reader never waits on it)."""
        while True:
            future = await batches.get()
            if future is None:
                return
            if failed:
                future.cancel()
                continue
            try:
                data, part = await future
            except Exception as exc:
                failed.append(_stopped(exc))
                continue
            spool.put(data)
            _add(summary, part)


class _AuditFailed(Exception):
    pass


def _stopped(exc: BaseException) -> Problem:
    """Why a stream ended before its body did."""
    if isinstance(exc, _AuditFailed):
        return problem("audit-log", f"the audit log could not be appended to: {exc}; the "
                       "records after the last result were not judged")
    log.error("screening stream failed", exc_info=exc)
    return problem("internal", "the service failed on this stream; its log says why")


def _screen_batch(payloads: list, as_of: dt.date | None, lang: str
                  ) -> tuple[bytes, dict[str, Any]]:
    """In the engine process: a few records' results as NDJSON, their decisions logged."""
    from rexcheck.engine.services.auditchain import AuditLogError
    from rexcheck.engine.services.result import summarise
    from rexcheck.engine.services.screening import screen_all
    from rexcheck.facts.records import Record

    assert judging._judge is not None
    records = [p if isinstance(p, Record) else Record(p[0], p[1], p[2], text=p[3])
               for p in payloads]
    pairs = []
    for start in range(0, len(records), STAGE_BATCH):  # the batch that is fastest per case
        pairs += screen_all(judging._judge.checker, records[start:start + STAGE_BATCH], as_of, lang)
    results = [result for result, _ in pairs]
    try:
        ids = judging._judge.decide(results, [case for _, case in pairs])
    except AuditLogError as exc:
        raise _AuditFailed(exc.diagnostic.message) from None
    out = b"".join(with_id(did, r.to_json_bytes()) + b"\n" for did, r in zip(ids, results,
                                                                             strict=True))
    return out, summarise(results)


def _empty_summary() -> dict[str, Any]:
    from rexcheck.engine.services.result import summarise

    return summarise([])


def _add(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if key == "outcomes":
            outcomes = total.setdefault("outcomes", {})
            for name, n in value.items():
                outcomes[name] = outcomes.get(name, 0) + n
            total["outcomes"] = dict(sorted(outcomes.items()))
        else:
            total[key] = total.get(key, 0) + value


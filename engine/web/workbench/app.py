"""The workbench's routes, mounted on the service's app (engine/web/service.py `create_app`):

    GET  /                    home
    GET  /rules?q=            act -> chapter -> paragraph; search by paragraph or words
    GET  /rules/{id}          one rule: law, reading, parameters with dated values, tests
    GET  /parameters          every parameter; GET /readings: docs/readings.md
    GET  /case?example=       the form; with an example, its result
    POST /case                a pasted or uploaded case (YAML or JSON), or an example
    GET  /whatif, POST /whatif  a changed value or a proposal over a population
    GET  /static/{file}       the stylesheet and the one small script

A case is judged by the worker's engine process, as POST /v1/check does (the same checker,
the same decision ids and audit log); a what-if runs in a process of its own, as POST
/v1/whatif does (engine/authoring/whatifjob.py). Bodies are limited like the API's (`--max-body`,
`--timeout`); a problem in an uploaded file is shown as the command line shows it (file:line,
message, hint), never as a trace.

Routes import what only they use inside their function, as the service's do (see
engine/web/service.py).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import time
from importlib import resources
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from rexcheck.engine.services.result import Problem
from rexcheck.engine.web.workbench import forms
from rexcheck.engine.web.workbench.i18n import LANGS
from rexcheck.engine.web.workbench.pages import render, static_text

STATIC = {"workbench.css": "text/css; charset=utf-8",
          "workbench.js": "text/javascript; charset=utf-8"}
EXAMPLE_POPULATION = "examples/whatif/population.jsonl"


def _lang(value: str | None) -> str:
    return value if value in LANGS else "en"


def examples() -> list[str]:
    folder = resources.files("rexcheck.facts") / "examples"
    return sorted(e.name for e in folder.iterdir() if e.name.endswith((".yaml", ".json")))


def example_bytes(name: str) -> bytes | None:
    if name not in examples():  # only a name from the list: never a path from the request
        return None
    return (resources.files("rexcheck.facts") / "examples" / name).read_bytes()


def problem_view(p: Problem | dict[str, Any], lang: str, source: str | None = None
                 ) -> dict[str, Any]:
    """A problem as the page shows it, with the line the command line prints for it."""
    from rexcheck.engine.services.messages import problem_in

    problem = p if isinstance(p, Problem) else Problem(**{
        k: v for k, v in p.items() if k in Problem.__dataclass_fields__})
    if source and problem.file in ("<scenario>", "<body>", "<population>"):
        problem = Problem(**{**problem.__dict__, "file": source})
    shown = problem_in(problem, lang) if lang != "en" else problem
    return {**shown.__dict__, "cli": shown.format()}


def _data_uri(text: str, media: str) -> str:
    return f"data:{media};charset=utf-8;base64," + base64.b64encode(
        text.encode("utf-8")).decode("ascii")


# --------------------------------------------------------------------------- engine side


def check_case(body: bytes, source: str, as_of: dt.date | None, lang: str
               ) -> tuple[str | None, dict[str, Any]]:
    """In the engine process, as POST /v1/check: the result with its trace, its decision
    logged (when the service keeps a log)."""
    from rexcheck.engine.services.render import result_json
    from rexcheck.engine.web import judging

    judge = judging._judge
    assert judge is not None
    item = judging.case_item(body, source)
    result = judge.checker.results([item], as_of, lang, True)[0]
    [decision_id] = judge.decide([result], [item.case])
    return decision_id, orjson.loads(orjson.dumps(result_json(result)))


# --------------------------------------------------------------------------- what-if


def scenario_from_form(parameter: dict[str, Any], value_text: str, start: dt.date) -> str:
    """A scenario file that sets `parameter` to the value from `start` on, keeping the
    values in force before that day (docs/whatif.md: "A proposal is data")."""
    import yaml

    name = parameter["name"]
    value = yaml.safe_load(value_text)
    keep = [v for v in parameter["values"] if v["from"] is not None and v["from"]
            < start.isoformat()]

    def flow(x: Any) -> str:
        return yaml.safe_dump(x, default_flow_style=True, allow_unicode=True,
                              width=1000).strip().removesuffix("...").strip()

    lines = ["# Made in the rexcheck workbench. Run it again with:",
             "#   rexcheck whatif --proposed THIS_FILE examples/whatif/population.jsonl",
             "scenario: " + flow(f"Set {name} to {value_text.strip()} from "
                                 f"{start.isoformat()}"),
             "set_parameters:", f"  {name}:"]
    for v in keep:
        lines.append(f"    - {{from: {v['from']}, value: {flow(v['value'])}}}")
    lines.append(f"    - {{from: {start.isoformat()}, value: {flow(value)}}}")
    return "\n".join(lines) + "\n"


def bars(by_rule: dict[str, dict[str, int]]) -> dict[str, Any] | None:
    """A horizontal bar per rule and direction (newly fires, stops firing), to scale."""
    if not by_rule:
        return None
    top = max(max(v.get("newly_fires", 0), v.get("stops_firing", 0)) for v in by_rule.values())
    top = max(top, 1)
    label_w, bar_w, row_h = 300, 260, 22
    rows, y = [], 24
    for rule, counts in by_rule.items():
        rows.append({"rule": rule, "y": y, "label_y": y + 14, "bars": [
            {"kind": kind, "n": counts.get(kind, 0), "y": y + 20 + i * row_h,
             "w": round(bar_w * counts.get(kind, 0) / top)}
            for i, kind in enumerate(("newly_fires", "stops_firing"))]})
        y += 20 + 2 * row_h + 12
    return {"rows": rows, "width": label_w + bar_w + 60, "height": y, "x0": 120,
            "scale": bar_w, "top": top}


# --------------------------------------------------------------------------- routes


def mount(app: FastAPI, engine: Any, settings: Any) -> None:
    from rexcheck.engine.web.judging import ServiceError, _whatif_job, parse_as_of, read_body
    from rexcheck.engine.web.workbench.law import LawView

    law = LawView(engine.ruleset, [], index=engine.law)

    def page(template: str, request: Request, status: int = 200, **context: Any
             ) -> HTMLResponse:
        lang = _lang(context.pop("lang", None) or request.query_params.get("lang"))
        html = render(template, lang, path=request.url.path, law=law, **context)
        return HTMLResponse(html, status, headers={"Cache-Control": "no-store"})

    async def form_of(request: Request) -> dict[str, Any]:
        until = time.monotonic() + settings.timeout
        body = await read_body(request, settings.max_body, until)
        return forms.parse(body, request.headers.get("content-type", ""))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home(request: Request) -> HTMLResponse:
        return page("home.html", request, page="home", title="Home")

    @app.get("/rules", response_class=HTMLResponse, include_in_schema=False)
    async def rules(request: Request, q: str = "") -> HTMLResponse:
        found = law.search(q[:200])
        return page("rules.html", request, page="rules", title="Rules", q=q[:200],
                    found=found)

    @app.get("/rules/{rule_id}", response_class=HTMLResponse, include_in_schema=False)
    async def rule(request: Request, rule_id: str) -> HTMLResponse:
        r = law.rules.get(rule_id)
        if r is None:
            from rexcheck.facts.base.errors import did_you_mean

            hint = did_you_mean(rule_id, law.rules) or "the Rules page lists them"
            return page("message.html", request, 404, page="rules", title="No such rule",
                        problems=[problem_view(Problem(
                            "unknown-rule", f"no rule '{rule_id}' in the rules in force",
                            hint=hint), "en")])
        return page("rule.html", request, page="rules", title=rule_id, r=r)

    @app.get("/parameters", response_class=HTMLResponse, include_in_schema=False)
    async def parameters(request: Request) -> HTMLResponse:
        return page("parameters.html", request, page="parameters", title="Parameters")

    @app.get("/readings", response_class=HTMLResponse, include_in_schema=False)
    async def readings(request: Request) -> HTMLResponse:
        return page("readings.html", request, page="readings", title="Readings")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC:
            return Response("not found", 404, media_type="text/plain")
        return Response(static_text(name), media_type=STATIC[name],
                        headers={"Cache-Control": "public, max-age=3600"})

    # ----------------------------------------------------------------- try a case

    async def judged(request: Request, body: bytes, source: str, lang: str,
                     form: dict[str, Any]) -> HTMLResponse:
        from rexcheck.engine.web.workbench.caseview import chain, strips

        try:
            when = parse_as_of(form["as_of"])
            decision_id, result = await asyncio.wait_for(
                engine.run(check_case, body, source, when, lang), settings.timeout)
        except ServiceError as exc:
            return page("case.html", request, exc.status, page="case", title="Try a case",
                        lang=lang, problems=[problem_view(p, lang) for p in exc.problems],
                        examples=examples(), **form)
        except TimeoutError:
            return page("case.html", request, 504, page="case", title="Try a case",
                        lang=lang, examples=examples(), problems=[problem_view(Problem(
                            "timeout", f"the answer was not ready within "
                            f"{settings.timeout:g}s", hint="try a smaller case"), lang)],
                        **form)
        problems = [problem_view(p, lang) for p in result.get("errors", [])]
        return page("case.html", request, 200 if not problems else 422, page="case",
                    title="Try a case", lang=lang, result=result, decision_id=decision_id,
                    problems=problems, graph=chain(result),
                    strips=strips(result, engine.calendar), examples=examples(), **form)

    @app.get("/case", response_class=HTMLResponse, include_in_schema=False)
    async def case_form(request: Request, example: str = "", as_of: str = "",
                        lang: str = "en") -> HTMLResponse:
        lang = _lang(lang)
        form: dict[str, Any] = {"example": example, "as_of": as_of, "case_text": ""}
        if example:
            body = example_bytes(example)
            if body is None:
                return page("case.html", request, 404, page="case", title="Try a case",
                            examples=examples(), problems=[problem_view(Problem(
                                "unknown-example", f"no shipped example '{example}'",
                                hint="pick one from the list"), lang)], **form)
            return await judged(request, body, f"facts/examples/{example}", lang, form)
        return page("case.html", request, page="case", title="Try a case",
                    examples=examples(), **form)

    @app.post("/case", response_class=HTMLResponse, include_in_schema=False)
    async def case_post(request: Request) -> HTMLResponse:
        lang = _lang(request.query_params.get("lang"))
        try:
            fields = await form_of(request)
        except ServiceError as exc:
            return page("case.html", request, exc.status, page="case", title="Try a case",
                        examples=examples(), example="", as_of="", case_text="",
                        problems=[problem_view(p, lang) for p in exc.problems])
        except forms.FormError as exc:
            return page("case.html", request, 400, page="case", title="Try a case",
                        examples=examples(), example="", as_of="", case_text="",
                        problems=[problem_view(Problem("bad-form", str(exc)), lang)])
        lang = _lang(forms.text(fields, "lang") or lang)
        text = forms.text(fields, "case_text")
        upload = forms.upload(fields, "case_file")
        example = forms.text(fields, "example")
        form = {"example": example, "as_of": forms.text(fields, "as_of"), "case_text": text}
        if upload is not None:
            body, source = upload.data, upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
        elif text.strip():
            body, source = text.encode("utf-8"), "pasted case"
        elif example:
            found = example_bytes(example)
            if found is None:
                return page("case.html", request, 404, page="case", title="Try a case",
                            lang=lang, examples=examples(), problems=[problem_view(Problem(
                                "unknown-example", f"no shipped example '{example}'",
                                hint="pick one from the list"), lang)], **form)
            body, source = found, f"facts/examples/{example}"
        else:
            return page("case.html", request, 400, page="case", title="Try a case", lang=lang,
                        examples=examples(), problems=[problem_view(Problem(
                            "no-case", "no case given", hint="paste a case, upload a file or "
                            "pick an example"), lang)], **form)
        return await judged(request, body, source, lang, form)

    # ----------------------------------------------------------------- what-if

    def whatif_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        defaults: dict[str, Any] = {"mode": "parameter", "parameter": "", "value": "", "start": "",
                    "proposal": "", "population": "example", "as_of": "", "report": None,
                    "problems": [], "chart": None, "downloads": None}
        defaults.update(context)
        return page("whatif.html", request, status, page="whatif", title="What-if",
                    **defaults)

    @app.get("/whatif", response_class=HTMLResponse, include_in_schema=False)
    async def whatif_form(request: Request, parameter: str = "") -> HTMLResponse:
        chosen = law.parameter.get(parameter) or (law.parameters[0] if law.parameters
                                                  else None)
        start = chosen["values"][-1]["from"] if chosen else ""
        return whatif_page(request, parameter=chosen["name"] if chosen else "",
                           start=start or "")

    @app.post("/whatif", response_class=HTMLResponse, include_in_schema=False)
    async def whatif_post(request: Request) -> HTMLResponse:
        from rexcheck.engine.authoring.whatifjob import run_whatif
        from rexcheck.engine.services.whatif import text_of

        lang = _lang(request.query_params.get("lang"))
        try:
            fields = await form_of(request)
        except ServiceError as exc:
            return whatif_page(request, exc.status,
                               problems=[problem_view(p, lang) for p in exc.problems])
        except forms.FormError as exc:
            return whatif_page(request, 400, problems=[problem_view(
                Problem("bad-form", str(exc)), lang)])
        lang = _lang(forms.text(fields, "lang") or lang)
        form: dict[str, Any] = {k: forms.text(fields, k) for k in (
            "mode", "parameter", "value", "start", "proposal", "population", "as_of")}
        form["lang"] = lang
        problems: list[Problem] = []
        scenario_name = "proposal.yaml"
        if form["mode"] == "proposal":
            up = forms.upload(fields, "proposal_file")
            if up is not None:
                scenario = up.data.decode("utf-8", "replace")
                scenario_name = up.filename.replace("\\", "/").rsplit("/", 1)[-1]
                form["proposal"] = scenario
            else:
                scenario = form["proposal"]
            if not scenario.strip():
                problems.append(Problem("no-proposal", "no proposal given", field="proposal",
                                        hint="paste a scenario, upload one, or change a value "
                                        "in the form above"))
        else:
            param = law.parameter.get(form["parameter"])
            scenario = ""
            if param is None:
                problems.append(Problem("unknown-param", f"no parameter '{form['parameter']}'",
                                        field="parameter", hint="pick one from the list"))
            if not form["value"].strip():
                problems.append(Problem("no-value", "no new value given", field="value",
                                        hint="write the value as the rule file would, e.g. "
                                        "a number"))
            try:
                start = dt.date.fromisoformat(form["start"])
            except ValueError:
                problems.append(Problem("bad-date", f"'{form['start']}' is not a date",
                                        field="start", hint="write it as YYYY-MM-DD"))
            if not problems:
                assert param is not None  # an unknown parameter is a problem above
                try:
                    scenario = scenario_from_form(param, form["value"], start)
                except Exception as exc:
                    problems.append(Problem("bad-value", f"the value cannot be read: "
                                            f"{type(exc).__name__}", field="value",
                                            hint="write a number or a plain word"))
        population: Any = "example"
        population_name = EXAMPLE_POPULATION
        pop_upload = forms.upload(fields, "population_file")
        if form["population"] == "upload":
            if pop_upload is None:
                problems.append(Problem("no-population", "no population file chosen",
                                        field="population_file", hint="choose a file, or "
                                        "run over the shipped example"))
            else:
                population_name = pop_upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
                population = _population(pop_upload, population_name, problems)
        if problems:
            return whatif_page(request, 422, problems=[problem_view(p, lang) for p in problems],
                               **form)
        body = orjson.dumps({"scenario": scenario, "population": population,
                             "as_of": form["as_of"] or None})
        until = time.monotonic() + settings.timeout
        try:
            job = await asyncio.to_thread(_whatif_job, body, None, None)
            job["rule_tests"] = True
            report = await run_whatif(engine.ruleset, engine.calendar, job, until)
        except ServiceError as exc:
            return whatif_page(request, exc.status, proposal_yaml=scenario, **form,
                               problems=[problem_view(p, lang, population_name)
                                         for p in exc.problems])
        if report is None:
            return whatif_page(request, 504, **form, problems=[problem_view(Problem(
                "timeout", f"the what-if was not done within {settings.timeout:g}s",
                hint="run it over a smaller population"), lang)])
        if "errors" in report and "baseline" not in report:
            return whatif_page(request, 422, **form, problems=[
                problem_view(p, lang, scenario_name) for p in report["errors"]])
        tests = report.pop("rule_tests", None)
        downloads = {
            "md": _data_uri(text_of(report, markdown=True), "text/markdown"),
            "json": _data_uri(orjson.dumps(report, option=orjson.OPT_INDENT_2
                                           | orjson.OPT_SORT_KEYS).decode() + "\n",
                              "application/json"),
            "yaml": _data_uri(scenario, "application/yaml"),
            "name": scenario_name}
        return whatif_page(request, report=report, tests=tests, chart=bars(report["by_rule"]),
                           downloads=downloads, proposal_yaml=scenario,
                           population_name=population_name, **form)


def _population(upload: forms.Upload, name: str, problems: list[Problem]) -> Any:
    """An uploaded population: JSON lines as they are; a JSON or YAML document (a list of
    cases, or {cases: [...]}) read with the service's reader, its problems located."""
    from rexcheck.engine.web.judging import document_of
    from rexcheck.facts.base.errors import InvalidInput

    text = upload.data.decode("utf-8", "replace")
    if name.endswith((".jsonl", ".ndjson")) or (
            text.lstrip().startswith("{") and "\n{" in text.strip()):
        return text
    try:
        data, _ = document_of(upload.data, name)
    except InvalidInput as exc:
        problems.extend(Problem.of(d) for d in exc.diagnostics)
        return None
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        data = data["cases"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        problems.append(Problem("bad-population", "the population is not a list of cases",
                                file=name, line=1, column=1,
                                hint="give JSON lines (one case a line) or a list of cases"))
        return None
    return data

"""`rexcheck serve` as an integrator meets it: the real server in a subprocess on a free
loopback port, every endpoint called over HTTP, every result held to the published schema and
to what the command line gives for the same input."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time

import httpx
import jsonschema
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT, case_with, parameter_line
from rexcheck.cli.main import main
from rexcheck.engine.authoring.jsonschema import result_file_schema
from rexcheck.engine.services.checker import Checker
from serving import REXCHECK, Server

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
SCENARIO = ROOT / "examples/whatif/raise-chf-threshold.yaml"
POPULATION = ROOT / "examples/whatif/population.jsonl"
SUMMARY_KEYS = {"records_in", "results_out", "cases", "with_findings", "findings", "notices",
                "pending", "errors", "outcomes"}


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft202012Validator(result_file_schema(),
                                           format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    running = Server(tmp, "--audit-log", tmp / "decisions.jsonl")
    running.audit_log = tmp / "decisions.jsonl"
    yield running
    running.stop()


@pytest.fixture(scope="module")
def http(server):
    with server.client() as client:
        yield client


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_result(validator, data: dict) -> None:
    errors = list(validator.iter_errors(data))
    assert not errors, errors[0].message
    assert len(data["decision_id"]) == 36  # a uuid4, one per decision


def without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


# --------------------------------------------------------------------------- /v1/check


def test_check_answers_what_the_command_line_answers_on_every_example(http, validator):
    document = json.loads(cli("check", EXAMPLES, "--format", "json").stdout)
    by_case = {r["case"]: r for r in document["results"]}
    for path in EXAMPLE_FILES:
        response = http.post("/v1/check", content=path.read_bytes(),
                             headers={"Content-Type": "application/yaml"})
        assert response.status_code == 200, response.text
        data = response.json()
        assert_result(validator, data)
        assert response.headers["X-Decision-Id"] == data["decision_id"]
        # the same object, but for where it came from (the file, on the command line) and
        # the decision id (the service's own)
        assert without(data, "decision_id", "source") == without(by_case[data["case"]],
                                                                 "source")


def test_check_with_explain_and_lang_ru_is_the_command_lines_explain(http, validator):
    path = EXAMPLES / "verification-to-revocation.yaml"
    document = json.loads(cli("check", path, "--format", "json", "--explain", "--lang", "ru",
                              "--as-of", "2026-09-01").stdout)
    data = http.post("/v1/check", params={"explain": "true", "lang": "ru",
                                          "as_of": "2026-09-01"},
                     content=path.read_bytes()).json()
    assert_result(validator, data)
    assert data["trace"] and "explanation" in data["findings"][0]
    assert without(data, "decision_id", "source") == without(document["results"][0], "source")


def test_check_takes_json_as_well_as_yaml(http):
    data = http.post("/v1/check", json=json.loads(json.dumps(case_with(), default=str)),
                     params={"as_of": "2026-03-20"}).json()
    assert (data["case"], data["outcome"]) == ("T-1", "register")


def test_an_invalid_case_gets_422_with_located_problems_and_no_trace(http, validator):
    body = b"case: K-1\nexporter:\n  tin: KZ1\n  name: x\n  colour: red\n"
    response = http.post("/v1/check", content=body)
    assert response.status_code == 422
    data = response.json()
    assert_result(validator, data)
    assert data["outcome"] == "error"
    [p] = data["errors"]
    assert (p["file"], p["line"], p["column"], p["field"]) == ("<body>", 5, 3,
                                                                "exporter.colour")
    assert "Traceback" not in response.text


def test_broken_yaml_is_located_by_line_and_column(http):
    response = http.post("/v1/check", content=b"case: K-1\nexporter: [1,\n")
    assert response.status_code == 422
    [p] = response.json()["errors"]
    assert (p["code"], p["line"]) == ("yaml-syntax", 3)


def test_a_list_of_cases_is_refused_with_a_hint_to_screen(http):
    response = http.post("/v1/check", json=[{"case": "a"}, {"case": "b"}])
    [p] = response.json()["errors"]
    assert response.status_code == 422 and "/v1/screen" in p["hint"]


def test_a_bad_query_parameter_names_itself(http):
    response = http.post("/v1/check", params={"as_of": "2026-02-30"}, content=b"{}")
    assert response.status_code == 400
    [p] = response.json()["errors"]
    assert (p["field"], p["hint"]) == ("as_of", "write it as YYYY-MM-DD")
    response = http.post("/v1/check", params={"lang": "fr"}, content=b"{}")
    assert (response.status_code, response.json()["errors"][0]["field"]) == (400, "lang")


def test_every_decision_is_logged_with_its_id_and_the_log_verifies(server, http):
    data = http.post("/v1/check", content=(EXAMPLES / "refused-no-english.yaml").read_bytes()
                     ).json()
    lines = server.audit_log.read_text(encoding="utf-8").splitlines()
    logged = [json.loads(line)["decision"] for line in lines[1:]]
    assert data["decision_id"] in {d["decision_id"] for d in logged}
    result = cli("audit", "verify", server.audit_log)
    assert result.exit_code == 0, result.output
    assert "would change" in result.output and " 0 would change" in result.output


# --------------------------------------------------------------------------- /v1/screen


def test_a_thousand_records_with_broken_lines_give_a_thousand_results_in_order(http,
                                                                               validator):
    lines = []
    for i in range(1000):
        if i % 97 == 5:
            lines.append("{not json")
        elif i % 89 == 7:
            lines.append(json.dumps({"case": f"B-{i}", "exporter": {"tin": 5}}))
        else:
            case = case_with(languages=["ru"] if i % 3 == 0 else ["ru", "en"])
            case["case"] = f"P-{i:04d}"
            lines.append(json.dumps(case, default=str))
    body = ("\n".join(lines) + "\n").encode()
    response = http.post("/v1/screen", content=body, params={"as_of": "2026-03-20"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    out = [json.loads(line) for line in response.text.splitlines()]
    results, trailer = out[:-1], out[-1]
    assert [r["source"]["record"] for r in results] == list(range(1, 1001))
    assert len({r["decision_id"] for r in results}) == 1000
    for r in results:
        assert_result(validator, r)
    broken = [i + 1 for i, line in enumerate(lines) if not line.startswith('{"case": "P-')]
    assert [r["source"]["record"] for r in results if r["outcome"] == "error"] == broken
    assert trailer["schema"] == "rexcheck.screen-summary/1" and "stopped" not in trailer
    assert set(trailer["summary"]) == SUMMARY_KEYS
    assert trailer["summary"]["records_in"] == trailer["summary"]["results_out"] == 1000
    assert trailer["summary"]["errors"] == len(broken)


def test_screen_gives_the_command_lines_results_line_for_line(http, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(POPULATION.read_bytes() + b"\n\n{broken\n")
    cli_lines = [json.loads(x) for x in cli("screen", path).stdout.splitlines()]
    served = [json.loads(x) for x in http.post("/v1/screen", content=path.read_bytes()
                                               ).text.splitlines()[:-1]]
    assert len(served) == len(cli_lines) == 10
    for mine, theirs in zip(served, cli_lines, strict=True):
        assert without(mine, "decision_id", "source", "errors") == without(
            theirs, "source", "errors")
        assert (mine["source"]["record"], mine["source"]["line"]) == (
            theirs["source"]["record"], theirs["source"]["line"])


def test_a_record_that_is_not_utf8_or_too_long_gets_an_error_record(http):
    body = b'{"case": "x"\xff}\n' + b"{" + b" " * 1_000_001 + b"}\n" + b"{}\n"
    out = [json.loads(x) for x in http.post("/v1/screen", content=body).text.splitlines()]
    assert [r.get("outcome") for r in out[:3]] == ["error"] * 3
    assert [r["errors"][0]["code"] for r in out[:2]] == ["encoding", "too-large"]
    assert out[3]["summary"]["records_in"] == 3


def test_a_client_that_sends_everything_before_reading_is_answered_whole(server):
    """20 MB of results (more than the sockets and the spool's memory hold) to a client that
    reads nothing until it has sent its whole body: the service keeps reading, the spool
    takes the results the client is not reading yet."""
    case = json.dumps({**case_with(), "case": "S"}, default=str)
    body = ("\n".join([case] * 6000) + "\n").encode()
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"POST /v1/screen?as_of=2026-03-20 HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/x-ndjson\r\nConnection: close\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        received = bytearray()
        while chunk := s.recv(1 << 20):
            received += chunk
    assert b'"results_out":6000' in received and b'"stopped"' not in received


# --------------------------------------------------------------------------- /v1/whatif


def test_whatif_on_the_shipped_population_is_the_command_lines_report(http):
    expected = json.loads(cli("whatif", "--proposed", SCENARIO, POPULATION, "--format",
                              "json").stdout)
    response = http.post("/v1/whatif", params={"population": "example"},
                         content=SCENARIO.read_bytes())
    assert response.status_code == 200, response.text
    assert response.json() == expected
    enveloped = http.post("/v1/whatif", json={
        "scenario": SCENARIO.read_text(encoding="utf-8"),
        "population": [json.loads(x) for x in POPULATION.read_text().splitlines()]})
    assert enveloped.json() == expected


def test_a_broken_scenario_is_located_in_the_scenario(http):
    text = ("scenario: x\nset_parameters:\n  statement_threshold_chv:\n"
            "    - {from: 2021-04-11, value: 1}\n")
    response = http.post("/v1/whatif", json={"scenario": text, "population": "example"})
    assert response.status_code == 422
    [p] = response.json()["errors"]
    assert (p["file"], p["line"], p["code"]) == ("<scenario>", 3, "unknown-param")
    assert "statement_threshold_chf" in p["hint"]


# --------------------------------------------------------------------------- the law


def test_rules_lists_every_rule_as_rules_list_does(http):
    expected = json.loads(cli("rules", "list", "--format", "json").stdout)
    data = http.get("/v1/rules").json()
    assert data["digest"] == expected["digest"]
    assert [r["id"] for r in data["rules"]] == [r["id"] for r in expected["rules"]]


def test_a_rule_shows_its_law_reading_dated_parameters_and_tests(http):
    rule = http.get("/v1/rules/R244-8-refusal-notice-due").json()["rule"]
    assert rule["law"]["ref"] == "Order 244 p.8" and "3 (three) working days" in rule["law"]["text"]
    assert rule["reading"]["id"] == "application-registration-date"
    [param] = rule["parameters"]
    assert param["name"] == "refusal_notice_working_days"
    assert param["values"] == [{"from": "2021-04-11", "to": None, "value": 3}]
    assert rule["tests"]["fires"] and rule["tests"]["does_not_fire"]
    assert {"name", "file", "line", "as_of"} <= set(rule["tests"]["fires"][0])


def test_an_unknown_rule_is_404_with_a_did_you_mean(http):
    response = http.get("/v1/rules/R244-8-1-no-englsh")
    assert response.status_code == 404
    assert response.json()["errors"][0]["hint"] == "did you mean 'R244-8-1-no-english'?"


def test_parameters_have_their_dated_values_and_citations(http):
    params = {p["name"]: p for p in http.get("/v1/parameters").json()["parameters"]}
    chf = params["statement_threshold_chf"]
    assert chf["citation"]["ref"].startswith("Order 244") and chf["unit"] == "CHF"
    assert chf["values"][0]["from"] == "2021-04-11"


def test_calendar_due_is_calendar_add(http):
    for query, args in ((("working_days", 5), ()), (("calendar_days", 10), ("--calendar",))):
        expected = json.loads(cli("calendar", "add", "2026-03-19", query[1], *args,
                                  "--format", "json").stdout)
        data = http.get("/v1/calendar/due", params={"start": "2026-03-19",
                                                    query[0]: query[1]}).json()
        assert (data["due"], data["kind"], data["days"]) == (
            expected["due"], expected["kind"], expected["days"])
        assert [d["date"] for d in data["non_working_days"]] == [
            d["date"] for d in expected["non_working_days"]]
    response = http.get("/v1/calendar/due", params={"start": "2026-03-19"})
    assert response.status_code == 400 and "working_days" in response.json()["errors"][0][
        "message"]


def test_the_schema_served_is_the_schema_written(http, tmp_path):
    cli("rules", "schema", "--out", tmp_path)
    written = json.loads((tmp_path / "result.schema.json").read_text(encoding="utf-8"))
    assert http.get("/v1/schema/result").json() == written


def test_probes_and_the_openapi_document(http):
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz").json()
    assert ready["status"] == "ready" and ready["rules"]["digest"].startswith("sha256:")
    paths = set(http.get("/openapi.json").json()["paths"])
    assert paths >= {"/v1/check", "/v1/screen", "/v1/whatif", "/v1/rules",
                     "/v1/rules/{rule_id}", "/v1/parameters", "/v1/calendar/due",
                     "/v1/schema/result", "/healthz", "/readyz"}


def test_no_cors_unless_configured(http):
    response = http.get("/v1/rules", headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in response.headers


def test_a_slow_client_does_not_stall_others(server, http):
    with socket.create_connection(("127.0.0.1", server.port)) as slow:
        slow.sendall(b"POST /v1/screen HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                     b"\r\n\r\n")  # and then nothing
        started = time.monotonic()
        response = http.post("/v1/check",
                             content=(EXAMPLES / "registered-clean.yaml").read_bytes())
        assert response.status_code == 200 and time.monotonic() - started < 2


# --------------------------------------------------------------------------- security


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("guarded")
    token = "s3cret-token-0123456789"
    token_file = tmp / "token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    running = Server(tmp, "--token-file", token_file, "--max-body", 4096, "--timeout", 1,
                     "--cors", "https://screening.example", token=token)
    yield running
    running.stop()


def test_without_the_token_every_endpoint_but_the_probes_is_401(guarded):
    with httpx.Client(base_url=guarded.url) as anonymous:
        for method, path in (("GET", "/v1/rules"), ("POST", "/v1/check"),
                             ("GET", "/openapi.json"), ("GET", "/nowhere")):
            response = anonymous.request(method, path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["errors"][0]["code"] == "unauthorized"
        wrong = anonymous.get("/v1/rules", headers={"Authorization": "Bearer s3cret-token-0"})
        assert wrong.status_code == 401
        assert anonymous.get("/readyz").status_code == 200
    with guarded.client() as client:
        assert client.get("/v1/rules").status_code == 200


def test_an_oversized_body_is_413_with_a_clear_error(guarded):
    with guarded.client() as client:
        response = client.post("/v1/check", content=b"x" * 5000)
        assert response.status_code == 413
        [p] = response.json()["errors"]
        assert p["code"] == "too-large" and "4096" in p["message"]

        def chunks():  # no Content-Length: counted as it comes
            for _ in range(10):
                yield b"y" * 1000

        assert client.post("/v1/check", content=chunks()).status_code == 413


def test_a_body_that_does_not_arrive_in_time_is_408(guarded):
    with socket.create_connection(("127.0.0.1", guarded.port)) as s:
        s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                  b"Connection: close\r\n"
                  b"Authorization: " + guarded.headers["Authorization"].encode()
                  + b"\r\n\r\n{")  # 1 byte of the 100 announced
        s.settimeout(10)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408") and b'"code":"timeout"' in answer


def test_cors_answers_only_the_configured_origin(guarded):
    with httpx.Client(base_url=guarded.url) as client:
        preflight = {"Access-Control-Request-Method": "POST"}
        ok = client.options("/v1/check", headers={"Origin": "https://screening.example",
                                                  **preflight})
        assert ok.headers["access-control-allow-origin"] == "https://screening.example"
        other = client.options("/v1/check", headers={"Origin": "https://evil.example",
                                                     **preflight})
        assert "access-control-allow-origin" not in other.headers


def test_it_refuses_to_listen_on_all_addresses_without_a_token():
    result = subprocess.run([*REXCHECK, "serve", "--host", "0.0.0.0", "--port", "1"],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "refusing to listen on 0.0.0.0 without an access token" in result.stderr


def test_a_token_file_others_can_read_is_refused(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("0123456789abcdef0123")
    token_file.chmod(0o644)
    result = subprocess.run([*REXCHECK, "serve", "--token-file", str(token_file)],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "readable by others" in result.stderr


def test_help_teaches_endpoints_and_exit_codes():
    result = cli("serve", "--help")
    for text in ("POST /v1/check", "POST /v1/screen", "--token-file", "Exit codes", "curl",
                 "SIGHUP"):
        assert text in result.output


# --------------------------------------------------------------------------- lifecycle


def test_sighup_reloads_the_rules_and_logs_the_new_digest(tmp_path):
    import signal

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    running = Server(tmp_path, "--rules", rules)
    try:
        before = httpx.get(running.url + "/readyz").json()["rules"]["digest"]
        params = rules / "order-244" / "parameters.yaml"
        text = params.read_text(encoding="utf-8")
        line = parameter_line(Checker(rules).ruleset, "statement_threshold_chf", 0)
        assert line in text  # the law changes: the threshold is raised by one franc
        raised = re.sub(r"value: (\d+)", lambda m: f"value: {int(m.group(1)) + 1}", line)
        params.write_text(text.replace(line, raised), encoding="utf-8")
        running.signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        after = before
        while after == before and time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                after = httpx.get(running.url + "/readyz").json()["rules"]["digest"]
            except httpx.HTTPError:
                pass
        assert after != before
        assert f"rules {after}" in running.output()
    finally:
        assert running.stop() == 0


def test_shutdown_finishes_the_streams_in_flight(tmp_path):
    import signal
    import threading

    running = Server(tmp_path)
    case = json.dumps({**case_with(), "case": "D"}, default=str) + "\n"

    def slowly():
        for _ in range(20):
            yield case.encode()
            time.sleep(0.1)

    answers = []

    def client():
        with httpx.Client(base_url=running.url, timeout=60) as c:
            answers.append(c.post("/v1/screen", content=slowly()).text)

    thread = threading.Thread(target=client)
    thread.start()
    time.sleep(0.8)
    running.signal(signal.SIGTERM)
    thread.join(60)
    assert running.process.wait(60) == 0
    trailer = json.loads(answers[0].splitlines()[-1])
    assert trailer["summary"]["results_out"] == 20 and "stopped" not in trailer


def test_a_kept_alive_connection_answers_without_waiting_for_a_delayed_ack(http):
    """The body of an answer goes out at once after its headers (TCP_NODELAY): without it,
    every request after the first on a connection waited 40 ms for the client's ACK."""
    took = []
    for _ in range(21):
        start = time.perf_counter()
        http.get("/healthz")
        took.append(time.perf_counter() - start)
    assert sorted(took)[10] < 0.025


def test_rules_broken_before_a_sighup_leave_the_old_rules_serving(tmp_path):
    import signal

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    running = Server(tmp_path, "--rules", rules)
    try:
        before = httpx.get(running.url + "/readyz").json()["rules"]["digest"]
        with open(rules / "order-244" / "parameters.yaml", "a", encoding="utf-8") as f:
            f.write("  - {broken\n")
        running.signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while "not started" not in running.output() and time.monotonic() < deadline:
            time.sleep(0.2)
        output = running.output()
        assert "error(s) in the rules; the workers serving keep the rules they have" in output
        assert "parameters.yaml" in output and "Traceback" not in output
        assert httpx.get(running.url + "/readyz").json()["rules"]["digest"] == before
    finally:
        assert running.stop() == 0


def test_an_answer_not_ready_in_time_is_504_and_the_service_goes_on(tmp_path):
    """A what-if of 2,700 cases, each judged under both rule sets, takes longer than the
    0.2 s this server gives an answer (about a second of work, however fast the engine gets
    within reason): 504, its process is ended, the next request is served."""
    running = Server(tmp_path, "--timeout", 0.2)
    try:
        with running.client() as client:
            population = POPULATION.read_text(encoding="utf-8") * 300
            response = client.post("/v1/whatif", json={
                "scenario": SCENARIO.read_text(encoding="utf-8"), "population": population})
            assert response.status_code == 504
            [p] = response.json()["errors"]
            assert p["code"] == "timeout" and "0.2s" in p["message"]
            assert client.get("/v1/rules").status_code == 200
    finally:
        assert running.stop() == 0


def test_each_record_is_answered_as_it_arrives_not_when_the_body_ends(server):
    """A record sent alone gets its result while the body is still open: the stream is
    answered record by record, as a screening system feeding cases one at a time needs."""
    record = json.dumps({**case_with(), "case": "LIVE-1"}, default=str).encode() + b"\n"
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.settimeout(20)
        s.sendall(b"POST /v1/screen?as_of=2026-03-20 HTTP/1.1\r\nHost: x\r\n"
                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                  + f"{len(record):x}\r\n".encode() + record + b"\r\n")
        received = b""
        while b'"case":"LIVE-1"' not in received:
            received += s.recv(65536)  # the body is not finished: no more is sent yet
        s.sendall(b"0\r\n\r\n")
        while chunk := s.recv(65536):
            received += chunk
    assert b'"results_out":1' in received

"""`rexcheck screen`: one result per record, in order, errors named, nothing lost."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from conftest import case_with, registration_number
from rexcheck.cli.main import main
from rexcheck.facts import jsontext, records
from rexcheck.facts.records import parse_json_line


def jsonl(cases) -> str:
    return "".join((c if isinstance(c, str) else json.dumps(c, default=str)) + "\n"
                   for c in cases)


def population(n: int) -> list:
    out = []
    for i in range(n):
        case = case_with(languages=["ru"] if i % 3 == 0 else ["ru", "en"])
        case["case"] = f"P-{i:04d}"
        out.append(case)
    return out


BROKEN = [
    "{not json",
    json.dumps({"case": "B-type", "exporter": {"tin": 5, "name": "x"}}),
    json.dumps({"case": "B-date", "exporter": {"tin": "KZ1", "name": "x"},
                "applications": [{"received": "2026-02-30", "channel": "post",
                                  "languages": ["ru"]}]}),
    json.dumps({"case": "B-nan", "exporter": {"tin": "KZ1", "name": "x"},
                "consignments": [{"destination": "CH", "value": {"amount": "NaN",
                                                                 "currency": "CHF"}}]}),
    json.dumps({"case": "B-extra", "exporter": {"tin": "KZ1", "name": "x", "colour": "red"}}),
    "[1, 2]",
]


def screen(tmp_path, text: str, *args: str):
    path = tmp_path / "in.jsonl"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["screen", str(path), *args],
                                                catch_exceptions=False)
    return result


def test_each_record_gets_one_result_in_order(tmp_path):
    result = screen(tmp_path, jsonl(population(9)), "--as-of", "2026-03-20")
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["source"]["record"] for x in lines] == list(range(1, 10))
    assert [x["schema"] for x in lines] == ["rexcheck.result/1"] * 9
    assert [x["case"] for x in lines] == [f"P-{i:04d}" for i in range(9)]
    assert [x["outcome"] for x in lines] == ["refuse", "register", "register"] * 3
    refused = lines[0]["findings"][0]
    assert (refused["rule_id"], refused["citation"]["ref"]) == ("R244-8-1-no-english",
                                                                "Order 244 p.8(1)")
    assert result.exit_code == 1


def test_broken_records_are_reported_by_number_and_the_rest_is_identical(tmp_path):
    clean = population(12)
    mixed, expected_errors = [], []
    for i, case in enumerate(clean):
        mixed.append(case)
        if i < len(BROKEN):
            mixed.append(BROKEN[i])
            expected_errors.append(len(mixed))
    clean_run = [json.loads(x) for x in screen(tmp_path, jsonl(clean), "--as-of",
                                               "2026-03-20").stdout.splitlines()]
    result = screen(tmp_path, jsonl(mixed), "--as-of", "2026-03-20")
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == len(mixed)  # in == out
    errors = [x for x in lines if x["outcome"] == "error"]
    assert [x["source"]["record"] for x in errors] == expected_errors
    assert all(x["errors"] and all(p["file"] and p["line"] for p in x["errors"])
               for x in errors)
    assert errors[1]["errors"][0]["field"] == "exporter.tin"
    assert "date" in errors[2]["errors"][0]["message"]
    assert any(p["field"] == "exporter.colour" for p in errors[4]["errors"])
    good = [{k: v for k, v in x.items() if k != "source"}
            for x in lines if x["outcome"] != "error"]
    assert good == [{k: v for k, v in x.items() if k != "source"} for x in clean_run]
    summary = json.loads(result.stderr.strip().splitlines()[-1])["summary"]
    assert summary["records_in"] == summary["results_out"] == len(mixed)
    assert summary["errors"] == len(BROKEN)
    assert result.exit_code == 2


def test_two_workers_give_byte_identical_output(tmp_path):
    text = jsonl(population(40) + BROKEN)
    one = screen(tmp_path, text, "--as-of", "2026-03-20", "--workers", "1")
    two = screen(tmp_path, text, "--as-of", "2026-03-20", "--workers", "2")
    assert one.stdout == two.stdout
    assert one.exit_code == two.exit_code == 2


def test_standard_input_and_other_formats(tmp_path):
    text = jsonl(population(3))
    result = CliRunner().invoke(
        main, ["screen", "-", "--as-of", "2026-03-20", "--format", "csv"], input=text)
    rows = result.stdout.splitlines()
    assert rows[0] == ("record,source,line,case,outcome,findings,notices,pending,rule_ids,"
                       "error")
    assert rows[1].startswith("1,<stdin>,1,P-0000,refuse,")
    assert "R244-8-1-no-english" in rows[1]
    (tmp_path / "cases.json").write_text(json.dumps(population(2), default=str))
    result = CliRunner().invoke(
        main, ["screen", str(tmp_path / "cases.json"), "--as-of", "2026-03-20", "--format",
               "json"])
    assert [x["case"] for x in json.loads(result.stdout)] == ["P-0000", "P-0001"]


def test_csv_input_one_case_per_row(tmp_path):
    header = ("case,exporter.tin,exporter.name,applications.0.ref,applications.0.received,"
              "applications.0.channel,applications.0.languages,applications.0.documents,"
              "applications.0.tin,applications.0.exporter_name,applications.0.address,"
              "applications.0.contact,applications.0.activity,"
              "applications.0.goods.0.description,applications.0.goods.0.hs_code,"
              "applications.0.goods.0.meets_origin_rules")
    row = ("C-1,KZ010140000123,Altyn Dala,A1,2026-03-16,{channel},ru|en,"
           "state_registration_certificate|origin_documents,KZ010140000123,Altyn Dala,"
           "Kostanay,+7 7142,production,Wheat,1001,true")
    path = tmp_path / "cases.csv"
    path.write_text("\n".join([header, row.format(channel="electronic"),
                               row.format(channel="fax").replace("C-1", "C-2"),
                               "C-3,too,few"]) + "\n")
    result = CliRunner().invoke(main, ["screen", str(path), "--as-of",
                                                       "2026-03-20"])
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(x["case"], x["outcome"]) for x in lines] == [
        ("C-1", "refuse"), ("C-2", "refuse"), (None, "error")]  # box 5 declares nothing
    assert lines[2]["source"]["line"] == 4


def test_python_api_checks_cases_without_the_cli():
    import rexcheck

    checker = rexcheck.Checker()
    results = list(checker.check_all([case_with(languages=["ru"]), {"case": "bad"}],
                                     as_of=__import__("datetime").date(2026, 3, 20)))
    assert isinstance(results[0], rexcheck.CaseResult)
    assert results[0].findings[0].rule_id == "R244-8-1-no-english"
    assert results[0].outcome == "refuse"
    assert results[1].outcome == "error" and "exporter" in results[1].error


def test_python_api_takes_a_path_a_dict_or_a_model_and_says_what_it_cannot_take(checker):
    from conftest import EXAMPLES
    from rexcheck.facts.loader import load_case_file

    path = EXAMPLES / "registered-clean.yaml"
    (model,), _ = load_case_file(path)
    by_path, by_text = checker.check(path), checker.check(str(path))
    by_model = checker.check(model)
    assert by_path.to_json_bytes().replace(b'"source":{"file":"%s","line":1,"record":null}'
                                           % str(path).encode(), b'"source":null') \
        == by_model.to_json_bytes()
    assert by_text.outcome == by_model.outcome == "register"
    with pytest.raises(TypeError, match=r"a case is a rexcheck\.Case, a dict or the path of a "
                       "case file, not int"):
        checker.check(42)
    missing = checker.check(EXAMPLES / "no-such.yaml")
    assert missing.outcome == "error" and "cannot read" in missing.error


def test_progress_shows_rate_and_eta_on_a_terminal_only():
    import io

    from rexcheck.cli.screen_cmd import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    progress = Progress(total=10, stream=term)
    progress.last = -1.0
    progress.tick()
    assert "1/10" in term.getvalue()  # no rate yet: it runs from the first result
    progress.start -= 1.0
    progress.last = -1.0
    progress.tick()
    assert "2/10 1/s ETA 8s" in term.getvalue()
    pipe = io.StringIO()
    silent = Progress(total=10, stream=pipe)
    silent.tick()
    silent.close()
    assert pipe.getvalue() == ""


@pytest.mark.parametrize("text, expected", [
    ('{"n": 100000000000000000000000000001}', {"n": 10**29 + 1}),  # not read as a double
    ('{"a": 1, "a": 2}', {"a": 2}),  # the last of duplicate keys, as the standard library
    ('{"s": "\\u00e9\\ud83d\\ude00"}', {"s": "é😀"}),
    ('{"x": 12500.10, "y": -0.0}', {"x": 12500.1, "y": 0.0}),
])
def test_json_lines_read_fast_agree_with_the_standard_library(text, expected):
    got = parse_json_line(text)
    assert got == expected == json.loads(text)
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]


def _outcome(read, text):
    try:
        return "ok", read(text)
    except ValueError as exc:
        return "error", str(exc)


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": 1e400}', '{"a": "\\ud800"}',
                                  '{"a": 1,}', '\ufeff{"a": 1}', '{"a": Infinity}'])
def test_json_lines_orjson_refuses_go_through_the_standard_library(text):
    standard = _outcome(lambda t: json.loads(t, parse_constant=jsontext._no_constant), text)
    assert _outcome(parse_json_line, text) == standard


def test_a_document_without_a_ref_gets_one_outcome_named_as_its_findings_name_it(tmp_path,
                                                                                   checker):
    # a change report with no ref, reported late (p.13: 3 working days) and applied anyway:
    # its findings name it "change-report#1", and so must its outcome, once
    case = {"case": "U-1", "as_of": "2026-09-01",
            "exporter": {"tin": "KZ070540003333", "name": "Steppe Grain LLP"},
            "registrations": [{"ref": "R1", "number": registration_number(
                checker.ruleset, dt.date(2025, 2, 12), serial=14, region=750),
                               "registered": "2025-02-12", "valid_from": "2025-02-10"}],
            "change_reports": [{"registration": "R1", "changed": "2026-07-01",
                                "reported": "2026-07-08", "kinds": ["legal_form_name_location"],
                                "decision": {"outcome": "applied", "date": "2026-07-15"}}]}
    result = json.loads(screen(tmp_path, jsonl([case])).stdout.splitlines()[0])
    assert {f["subject"]["ref"] for f in result["findings"]
            if f["subject"]["type"] == "change_report"} == {"change-report#1"}
    assert [(o["document"], o["outcome"]) for o in result["outcomes"]] == [
        ("change_report change-report#1", "refuse_change"), ("registration R1", "valid")]


def test_records_screened_stage_by_stage_give_the_bytes_of_one_at_a_time(tmp_path, monkeypatch):
    from rexcheck.engine.services import screening

    # a case that cannot be judged (its step after the as-of date) and broken records inside
    # a stage batch must not touch the results of the records around them
    unknown_year = case_with(received="2026-05-02")
    unknown_year["case"] = "E-2015"
    cases = population(20)
    cases[5:5] = BROKEN[:3] + [unknown_year]
    cases[17:17] = [unknown_year] + BROKEN[3:]
    path = tmp_path / "in.jsonl"
    path.write_text(jsonl(cases), encoding="utf-8")

    def lines(batch):
        monkeypatch.setattr(screening, "STAGE_BATCH", batch)
        return [item.line for item in screening.screen(
            records.read_records([str(path)]), None, dt.date(2026, 3, 20))]

    one = lines(1)
    assert len(one) == len(cases)
    assert [json.loads(x)["outcome"] for x in one].count("error") == 8
    failed = json.loads(one[8])
    assert failed["case"] == "E-2015"
    assert failed["errors"][0]["code"] == "inconsistent-dates"
    for batch in (2, 3, 8, 64):
        assert lines(batch) == one


def test_json_lines_are_written_as_utf8_with_non_ascii_as_is(tmp_path):
    # result lines travel as UTF-8 bytes and are written to the binary stdout as they are
    result = screen(tmp_path, jsonl([case_with(languages=["ru"])]), "--lang", "ru",
                    "--as-of", "2026-03-20")
    raw = result.stdout_bytes
    line = json.loads(raw.decode("utf-8").splitlines()[0])
    message = line["findings"][0]["message"]
    assert any("а" <= ch <= "я" for ch in message)  # Russian, decoded from UTF-8
    assert "\\u04" not in raw.decode("utf-8")  # not escaped


def test_the_worker_pool_does_not_wait_on_its_result_pipe():
    # multiprocessing.Pool's worker-handler thread also waits on the result pipe and so spins
    # while results are read (bpo-35493); _QuietPool waits on the change notifier only. This
    # reads Pool's internals on purpose: a Python that changes them must fail here, not slow
    # screening down unseen.
    import inspect
    import multiprocessing
    import multiprocessing.pool

    from rexcheck.engine.services import screening

    # the method overridden is still the one the handler thread calls: if a Python release
    # renames it, the override would be dead code and the test must say so
    assert "self._get_sentinels()" in inspect.getsource(multiprocessing.pool.Pool.__init__)
    pool = screening._QuietPool(1, context=multiprocessing.get_context())
    try:
        assert pool._get_sentinels() == [pool._change_notifier._reader]
        assert pool._outqueue._reader not in pool._get_sentinels()
        assert pool.apply(len, ([1, 2],)) == 2
    finally:
        pool.terminate()
        pool.join()


def test_check_all_gives_what_check_gives_case_by_case(checker):
    # check_all evaluates a few cases at a time, stage by stage; each result must be check's
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    unknown_year = case_with(received="2028-03-02")  # fails in the engine: a due date in 2028
    unknown_year["as_of"] = "2028-06-01"
    cases = [json.loads(line) for line in generate.lines(40, seed=3)]
    cases[7:7] = [unknown_year, {"case": "bad"}, unknown_year]
    together = list(checker.check_all(cases))
    alone = [checker.check(case) for case in cases]
    assert len(together) == len(cases) == 43
    assert [r.to_json_bytes() for r in together] == [r.to_json_bytes() for r in alone]
    assert sum(1 for r in together if r.outcome == "error") == 3


def test_check_all_gives_the_results_read_before_a_failing_input_then_its_error(checker):
    def cases():
        for i in range(3):
            case = case_with()
            case["case"] = f"C{i}"
            yield case
        raise OSError("the source went away")

    got = []
    with pytest.raises(OSError, match="went away"):
        for result in checker.check_all(cases()):
            got.append(result.case)
    assert got == ["C0", "C1", "C2"]


def test_check_all_one_at_a_time_reads_no_case_ahead(checker):
    read = []

    def cases():
        for i in range(3):
            read.append(i)
            yield case_with()

    for i, _ in enumerate(checker.check_all(cases(), batch=1)):
        assert read == list(range(i + 1))  # the next case is read only after this result


def test_json_lines_on_a_terminal_are_shown_one_by_one():
    import io

    from rexcheck.cli.screen_cmd import _write
    from rexcheck.engine.services.screening import Screened

    raw = io.BytesIO()  # what reaches the terminal: only what the buffer in front flushes
    terminal = io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", line_buffering=True)
    items = [Screened(b'{"record":%d}' % i, None, "none", 0, 0, 0) for i in (1, 2)]
    shown = []
    for _ in _write(items, "jsonl", terminal):
        shown.append(raw.getvalue())
    assert shown == [b'{"record":1}\n', b'{"record":1}\n{"record":2}\n']

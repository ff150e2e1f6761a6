"""Appending to the audit log: check and screen log the same decision, appenders at once keep
the chain whole, and a bad key or log is refused before anything is decided."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT
from rexcheck.cli.main import main
from rexcheck.engine.services import auditchain
from rexcheck.engine.services.audit import AuditLog, verify
from rexcheck.facts.loader import load_case_file

REFUSED = EXAMPLES / "refused-no-english.yaml"


def run(*args, env=None):
    return CliRunner(env=env).invoke(main, [str(a) for a in args], catch_exceptions=False)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def make_key(path: Path, secret: bytes = b"0123456789abcdef0123456789abcdef",
             mode: int = 0o600) -> Path:
    path.write_bytes(secret)
    path.chmod(mode)
    return path


def population(tmp_path: Path, cases: int, seed: int) -> Path:
    path = tmp_path / f"population-{seed}.jsonl"
    with open(path, "w") as out:
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--cases",
                        str(cases), "--seed", str(seed)], stdout=out, check=True)
    return path


# -- one decision, one writer --------------------------------------------------------------

def test_check_logs_screenings_outcome(tmp_path):
    log = tmp_path / "d.jsonl"
    run("check", REFUSED, "--audit-log", log)
    decision = lines(log)[1]["decision"]
    assert decision["outcome"] == "refuse"  # not "findings", as check once logged
    assert "R244-8-1-no-english application A1" in decision["findings"]


def test_check_and_screen_log_the_same_decision_for_the_same_case(tmp_path):
    (case,), _ = load_case_file(REFUSED)
    record = tmp_path / "one.jsonl"
    record.write_text(case.model_dump_json() + "\n", encoding="utf-8")
    run("check", REFUSED, "--audit-log", tmp_path / "check.jsonl")
    run("screen", record, "--audit-log", tmp_path / "screen.jsonl")
    checked = lines(tmp_path / "check.jsonl")[1]["decision"]
    screened = lines(tmp_path / "screen.jsonl")[1]["decision"]
    assert checked == screened


def test_check_logs_every_case_it_shows(tmp_path):
    log = tmp_path / "d.jsonl"
    result = run("check", EXAMPLES, "--audit-log", log)
    assert result.exit_code == 1
    assert len(lines(log)) == 1 + result.output.count("\ncase ") + 1  # header, every case


def test_screen_with_two_workers_keeps_one_chain(tmp_path):
    log = tmp_path / "d.jsonl"
    result = run("screen", population(tmp_path, 300, seed=3), "--workers", 2,
                 "--audit-log", log)
    assert result.exit_code in (0, 1)
    assert len(lines(log)) == 1 + 300
    report = run("audit", "verify", log)
    assert report.exit_code == 0 and "300 decision(s): 300 stand" in report.output


def test_a_new_log_is_readable_by_its_owner_only(tmp_path):
    log = tmp_path / "d.jsonl"
    run("check", REFUSED, "--audit-log", log)
    assert log.stat().st_mode & 0o777 == 0o600  # it holds the cases in full


# -- appenders at once -----------------------------------------------------------------------

def test_two_screens_at_once_keep_the_chain_whole(tmp_path):
    log = tmp_path / "shared.jsonl"
    command = [sys.executable, "-c", "from rexcheck.cli.main import main; main()", "screen"]
    runs = [subprocess.Popen([*command, str(population(tmp_path, 1500, seed)), "--audit-log",
                              str(log)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for seed in (1, 2)]
    for process in runs:
        assert process.wait(timeout=120) in (0, 1), process.stderr.read()
    entries = lines(log)
    assert len(entries) == 1 + 3000
    seeds = [e["decision"]["case"]["case"][:2] for e in entries[1:]]  # S1-..., S2-...
    assert seeds.count("S1") == seeds.count("S2") == 1500
    assert auditchain.chain_of(log).problems == []


def _append_many(path: str, name: str, count: int, start) -> None:
    with AuditLog(path) as log:
        start.wait()
        for i in range(count):
            log.append("decision", auditchain.canonical({"writer": name, "n": i}))


def test_appenders_in_two_processes_interleave_and_the_chain_stays_whole(tmp_path):
    log = tmp_path / "shared.jsonl"
    AuditLog(log).close()  # the header first, so both append to one chain
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    writers = [context.Process(target=_append_many, args=(str(log), name, 2000, start))
               for name in "ab"]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    chain = auditchain.chain_of(log)
    assert chain.problems == [] and chain.lines == 1 + 4000
    order = [e["decision"]["writer"] for e in lines(log)[1:]]
    assert order.count("a") == order.count("b") == 2000
    switches = sum(x != y for x, y in pairwise(order))
    assert switches > 1  # they did append at once, and each read the other's head


def test_an_appender_takes_the_head_another_appender_wrote_since(tmp_path):
    log = tmp_path / "d.jsonl"
    first, second = AuditLog(log), AuditLog(log)
    first.append("decision", b'{"n":1}')
    second.append("decision", b'{"n":2}')
    first.append("decision", b'{"n":3}')
    first.close()
    second.close()
    assert [e["seq"] for e in lines(log)] == [1, 2, 3, 4]
    assert auditchain.chain_of(log).problems == []


def test_an_appender_refuses_a_log_that_shrank_under_it(tmp_path):
    log = tmp_path / "d.jsonl"
    writer = AuditLog(log)
    writer.append("decision", b'{"n":1}')
    with open(log, "r+b") as f:
        f.truncate(len(log.read_bytes().splitlines(True)[0]))
    with pytest.raises(auditchain.AuditLogError, match="shrank from"):
        writer.append("decision", b'{"n":2}')


# -- refused before anything is decided -----------------------------------------------------

def _refused(tmp_path, *args, env=None):
    log = tmp_path / "d.jsonl"
    result = run("check", REFUSED, "--audit-log", log, *args, env=env)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "case KZ-2026-0102" not in result.output
    return result.output


def test_an_empty_key_file_is_refused(tmp_path):
    key = make_key(tmp_path / "k", b"")
    assert f"{key}:1:1: error: the audit key file is empty" in _refused(tmp_path, "--audit-key",
                                                                       key)
    assert not (tmp_path / "d.jsonl").exists()


def test_a_key_file_others_can_read_is_refused(tmp_path):
    key = make_key(tmp_path / "k", mode=0o644)
    out = _refused(tmp_path, "--audit-key", key)
    assert "can be read or written by anyone (mode 0644); chmod 600" in out


def test_a_short_key_is_refused(tmp_path):
    key = make_key(tmp_path / "k", b"secret\n")
    assert "the audit key is 6 byte(s), shorter than 16" in _refused(tmp_path, "--audit-key", key)


def test_a_missing_key_file_is_refused(tmp_path):
    out = _refused(tmp_path, "--audit-key", tmp_path / "nothing")
    assert "cannot read the audit key file: No such file or directory" in out


def test_a_key_that_is_not_a_regular_file_is_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    assert "the audit key file is not a regular file" in _refused(tmp_path, "--audit-key", fifo)


def test_a_refused_key_is_reported_as_json_when_json_is_asked(tmp_path):
    key = make_key(tmp_path / "k", b"")
    result = run("check", REFUSED, "--audit-log", tmp_path / "d.jsonl", "--audit-key", key,
                 "--format", "json")
    assert result.exit_code == 2
    (error,) = json.loads(result.stdout)["errors"]
    assert error["code"] == "audit-key" and error["message"] == "the audit key file is empty"


def test_a_final_newline_is_not_part_of_the_key(tmp_path):
    with_newline = make_key(tmp_path / "a", b"0123456789abcdef0123\n")
    without = make_key(tmp_path / "b", b"0123456789abcdef0123")
    assert auditchain.read_key(with_newline) == auditchain.read_key(without)


def test_audit_key_without_audit_log_is_refused(tmp_path):
    key = make_key(tmp_path / "k")
    result = run("check", REFUSED, "--audit-key", key)
    assert result.exit_code == 2
    assert "--audit-key is used only with --audit-log" in result.output


def test_the_key_named_by_the_environment_is_used_only_when_logging(tmp_path):
    key = make_key(tmp_path / "k")
    env = {"REXCHECK_AUDIT_KEY_FILE": str(key)}
    assert run("check", REFUSED, env=env).exit_code == 1  # no log: nothing to key
    run("check", REFUSED, "--audit-log", tmp_path / "d.jsonl", env=env)
    assert lines(tmp_path / "d.jsonl")[0]["header"]["key_id"] == auditchain.read_key(key).id


def test_a_keyed_log_is_not_appended_to_without_its_key(tmp_path):
    key = make_key(tmp_path / "k")
    run("check", REFUSED, "--audit-log", tmp_path / "d.jsonl", "--audit-key", key)
    assert "the audit log is keyed (key hmac-sha256:" in _refused(tmp_path)


def test_a_log_without_a_key_is_not_appended_to_with_one(tmp_path):
    run("check", REFUSED, "--audit-log", tmp_path / "d.jsonl")
    out = _refused(tmp_path, "--audit-key", make_key(tmp_path / "k"))
    assert "the audit log was started without a key" in out


def test_a_keyed_log_is_not_appended_to_with_another_key(tmp_path):
    run("check", REFUSED, "--audit-log", tmp_path / "d.jsonl", "--audit-key",
        make_key(tmp_path / "k"))
    other = make_key(tmp_path / "other", b"another key of 32 bytes, honest!")
    assert "is not the audit log's key" in _refused(tmp_path, "--audit-key", other)


def test_a_log_from_before_the_chain_is_not_appended_to(tmp_path):
    (tmp_path / "d.jsonl").write_text('{"audit": {}, "case": {}, "findings": []}\n')
    out = _refused(tmp_path)
    assert "not a chained rexcheck audit log (rexcheck-audit/2): line 1 is not its header" in out


def test_a_log_ending_in_a_cut_off_line_is_not_appended_to(tmp_path):
    log = tmp_path / "d.jsonl"
    run("check", REFUSED, "--audit-log", log)
    log.write_bytes(log.read_bytes()[:-100])
    assert "the audit log ends in a cut-off line" in _refused(tmp_path)


def test_a_log_whose_last_line_was_altered_is_not_appended_to(tmp_path):
    log = tmp_path / "d.jsonl"
    run("check", REFUSED, "--audit-log", log)
    log.write_text(log.read_text().replace('"outcome":"refuse"', '"outcome":"register"'))
    assert "the last line does not match its hash or MAC" in _refused(tmp_path)


def test_an_audit_log_in_a_missing_folder_is_refused(tmp_path):
    result = run("check", REFUSED, "--audit-log", tmp_path / "no" / "such" / "d.jsonl")
    assert result.exit_code == 2
    assert "cannot open the audit log: No such file or directory [audit-log]" in result.output


def test_an_audit_log_that_is_not_a_regular_file_is_refused(tmp_path):
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo, 0o600)
    result = run("screen", EXAMPLES.parent.parent / "examples" / "whatif" / "population.jsonl",
                 "--audit-log", fifo)
    assert result.exit_code == 2
    assert "the audit log is not a regular file" in result.output


# -- canonical bytes ---------------------------------------------------------------------------

def test_canonical_bytes_are_the_documented_json_of_every_line_of_a_screened_log(tmp_path):
    log = tmp_path / "d.jsonl"
    run("screen", population(tmp_path, 200, seed=7), "--audit-log", log)
    for entry in lines(log):
        body = {k: v for k, v in entry.items() if k not in ("hash", "mac")}
        documented = json.dumps(body, sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False).encode()
        assert auditchain.canonical(entry) == documented
        assert entry["hash"] == auditchain.line_hash(documented)


def test_canonical_bytes_of_edge_text_and_numbers_are_the_documented_json():
    for value in ["a\x00b\x1f\x7f", "\u2028\u2029", "😀 Беркут", '\\"/', 2**70, -1, True, None,
                  {"b": 1, "a": {"d": [1, 2], "c": "é"}}, {"é": 1, "z": 2, "😀": 3, "a": 4}]:
        documented = json.dumps({"v": value}, sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False).encode()
        assert auditchain.canonical({"v": value}) == documented, value


def test_a_case_with_an_integer_beyond_64_bits_is_logged_and_verified(tmp_path, checker):
    case = {"case": "D-1", "as_of": "2026-04-15",
            "exporter": {"tin": "KZ010140000123", "name": "Altyn Dala LLP"},
            "applications": [{"received": "2026-01-05", "channel": "post", "languages": ["en"],
                              "headings_covered": 2**70}]}
    record = tmp_path / "big.jsonl"
    record.write_text(json.dumps(case) + "\n")
    run("screen", record, "--audit-log", tmp_path / "d.jsonl")
    report = verify(tmp_path / "d.jsonl", checker)
    assert report.problems == [] and report.entries == 1 and report.same == 1

"""The audit log is a hash chain: each tampering of it is found, and what each check needs.

The log of the example cases holds a header (line 1) and a decision per example; line 3
is case KZ-2026-0102, refused. A forger here is someone who can write the file: with
`rechain` they recompute every digest and hash they like, but without the operator's key
they cannot compute a MAC. SECURITY.md lists what each test proves.
"""

from __future__ import annotations

import json
import shutil
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES
from rexcheck.cli.main import main
from rexcheck.engine.services import auditchain
from rexcheck.engine.services.audit import case_digest, decide, verify
from rexcheck.facts.models import Case

# the logs below hold a header and one decision per example case
DECISIONS = len(list(EXAMPLES.glob("*.yaml")))
LINES = DECISIONS + 1

REFUSED = 3  # the line of case KZ-2026-0102, refused for no English (Order 244 p.8(1))


def run(*args, env=None):
    return CliRunner(env=env).invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """The example cases' decisions, logged once without a key and once with one."""
    base = tmp_path_factory.mktemp("logs")
    key = make_key(base / "operator.key")
    plain, keyed = base / "plain.jsonl", base / "keyed.jsonl"
    assert run("check", EXAMPLES, "--audit-log", plain).exit_code == 1
    assert run("check", EXAMPLES, "--audit-log", keyed, "--audit-key", key).exit_code == 1
    return {"plain": plain, "keyed": keyed, "key": key}


@pytest.fixture
def log(logs, tmp_path):
    path = tmp_path / "decisions.jsonl"
    shutil.copy(logs["plain"], path)
    return path


@pytest.fixture
def keyed(logs, tmp_path):
    path = tmp_path / "keyed.jsonl"
    shutil.copy(logs["keyed"], path)
    return path


def make_key(path: Path, secret: bytes = b"0123456789abcdef0123456789abcdef") -> Path:
    path.write_bytes(secret)
    path.chmod(0o600)
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, entries: list[dict]) -> None:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries),
                    encoding="utf-8")


def rechain(entries: list[dict], start: int = 1, key: Path | None = None) -> list[dict]:
    """What a forger does: renumber, relink and rehash every line from `start` (1-based)
    on, and re-MAC them when they hold the key. Case digests are recomputed too."""
    secret = auditchain.read_key(key) if key else None
    for i, entry in enumerate(entries[start - 1:], start=start):
        entry.pop("mac", None)
        decision = entry.get("decision")
        if decision is not None:
            decision["audit"]["case_digest"] = case_digest(Case.model_validate(decision["case"]))
        entry["seq"] = i
        entry["prev"] = entries[i - 2]["hash"] if i > 1 else None
        entry["hash"] = auditchain.line_hash(auditchain.canonical(entry))
        if secret:
            entry["mac"] = auditchain.line_mac(secret, auditchain.canonical(entry))
    return entries


def verified(path: Path, *args, env=None):
    return run("audit", "verify", path, *args, env=env)


# -- a whole log -----------------------------------------------------------------------------

def test_a_whole_log_verifies_and_says_it_is_not_keyed(log):
    result = verified(log)
    assert result.exit_code == 0, result.output
    assert f"chain: {LINES} line(s), whole; head {LINES}:sha256:" in result.output
    assert "not keyed (no MACs)" in result.output
    assert f"{DECISIONS} decision(s): {DECISIONS} stand, 0 would change" in result.output


def test_the_log_opens_with_a_header_naming_format_version_and_key(logs):
    plain, keyed = lines(logs["plain"])[0], lines(logs["keyed"])[0]
    from rexcheck.engine.core.version import __version__

    assert plain["header"] == {"format": "rexcheck-audit/2", "rexcheck": __version__}
    assert keyed["header"]["key_id"] == auditchain.read_key(logs["key"]).id
    assert plain["seq"] == 1 and plain["prev"] is None and plain["logged_at"]


def test_every_line_holds_the_hash_of_the_line_before(log):
    entries = lines(log)
    for before, entry in pairwise(entries):
        assert entry["prev"] == before["hash"]
        assert entry["hash"] == auditchain.line_hash(auditchain.canonical(entry))


def test_a_keyed_log_verified_with_its_key_has_its_macs_checked(keyed, logs):
    result = verified(keyed, "--audit-key", logs["key"])
    assert result.exit_code == 0, result.output
    assert "MACs checked" in result.output


def test_a_keyed_log_verified_without_its_key_says_the_macs_were_not_checked(keyed):
    result = verified(keyed)
    assert result.exit_code == 0
    assert "no key was given: the chain was checked, the MACs were not" in result.output
    assert "MACs NOT checked" in result.output


def test_the_key_file_can_be_named_by_the_environment(keyed, logs):
    result = verified(keyed, env={"REXCHECK_AUDIT_KEY_FILE": str(logs["key"])})
    assert result.exit_code == 0 and "MACs checked" in result.output


# -- each tampering ------------------------------------------------------------------------

def test_an_outcome_flipped_from_refuse_to_register_is_found(log):
    entries = lines(log)
    assert entries[REFUSED - 1]["decision"]["outcome"] == "refuse"
    entries[REFUSED - 1]["decision"]["outcome"] = "register"
    write(log, entries)
    result = verified(log)
    assert result.exit_code == 2
    assert f"{log}:3:1: error: the line's content does not match its hash" in result.output
    assert "line 3: case KZ-2026-0102 (as of 2026-04-15) would change: outcome register, " \
           "now refuse" in result.output


def test_an_outcome_flipped_and_its_line_rehashed_breaks_the_next_link(log):
    entries = lines(log)
    entries[REFUSED - 1]["decision"]["outcome"] = "register"
    rechain(entries[:REFUSED])  # the forger rehashes up to the line, not beyond
    write(log, entries)
    result = verified(log)
    assert result.exit_code == 2
    assert f"{log}:4:1: error: the chain is broken" in result.output


def test_an_outcome_flipped_with_the_whole_chain_recomputed_is_found_by_the_replay(log):
    entries = rechain(_flipped(lines(log)))
    write(log, entries)
    result = verified(log)
    assert result.exit_code == 1  # the chain is whole: only replaying the decision shows it
    assert "would change: outcome register, now refuse" in result.output


def test_an_outcome_flipped_with_the_whole_chain_recomputed_fails_the_key(keyed, logs):
    write(keyed, rechain(_flipped(lines(keyed))))
    result = verified(keyed, "--audit-key", logs["key"])
    assert result.exit_code == 2
    assert f"{keyed}:3:1: error: no MAC, though the log is keyed" in result.output


def _flipped(entries: list[dict]) -> list[dict]:
    entries[REFUSED - 1]["decision"]["outcome"] = "register"
    entries[REFUSED - 1]["decision"]["findings"] = []
    return entries


def test_a_deleted_line_is_found(log):
    entries = lines(log)
    del entries[REFUSED - 1]
    write(log, entries)
    result = verified(log)
    assert result.exit_code == 2
    assert f"{log}:3:1: error: the line says it is line 4" in result.output
    assert f"{log}:3:1: error: the chain is broken" in result.output


def test_two_lines_swapped_are_found(log):
    entries = lines(log)
    entries[3], entries[4] = entries[4], entries[3]
    write(log, entries)
    result = verified(log)
    assert result.exit_code == 2
    for line in (4, 5, 6):
        assert f"{log}:{line}:1: error: the chain is broken" in result.output


def test_a_duplicated_line_is_found(log):
    entries = lines(log)
    entries.insert(REFUSED, dict(entries[REFUSED - 1]))
    write(log, entries)
    result = verified(log)
    assert result.exit_code == 2
    assert f"{log}:4:1: error: the line says it is line 3" in result.output


def test_a_forged_line_appended_with_every_hash_recomputed_passes_without_the_key(keyed):
    write(keyed, _forged(lines(keyed)))
    result = verified(keyed)
    # what the chain alone cannot catch: an anchor (below) or the key must
    assert result.exit_code == 0
    assert f"{LINES + 1} line(s), whole" in result.output
    assert "MACs NOT checked" in result.output


def test_a_forged_line_appended_with_every_hash_recomputed_fails_with_the_key(keyed, logs):
    write(keyed, _forged(lines(keyed)))
    result = verified(keyed, "--audit-key", logs["key"])
    assert result.exit_code == 2
    assert f"{keyed}:{LINES + 1}:1: error: the MAC does not match: the line was forged" in result.output


def _forged(entries: list[dict]) -> list[dict]:
    """A new decision: a copy of a registration under another case id, with its digest,
    seq, prev and hash recomputed and the MAC of another line (the forger has no key)."""
    forged = json.loads(json.dumps(entries[1]))
    forged["decision"]["case"]["case"] = "KZ-FORGED"
    entries.append(forged)
    rechain(entries, start=len(entries))
    forged["mac"] = entries[1]["mac"]
    return entries


def test_a_keyed_log_rewritten_without_its_key_passes_only_without_the_key(keyed, logs):
    entries = lines(keyed)
    del entries[0]["header"]["key_id"]
    write(keyed, rechain(_flipped(entries)))  # the whole log, now unkeyed
    assert verified(keyed).exit_code == 1  # only the replay sees the flip
    result = verified(keyed, "--audit-key", logs["key"])
    assert result.exit_code == 2
    assert "the log names no key, but a key was given" in result.output


def test_a_keyed_log_rebuilt_without_its_key_is_caught_by_an_anchor(keyed):
    anchor = json.loads(run("audit", "head", keyed, "--format", "json").output)["anchor"]
    entries = lines(keyed)
    del entries[0]["header"]["key_id"]
    write(keyed, rechain(entries))
    result = verified(keyed, "--anchor", anchor)
    assert result.exit_code == 2 and "the log was rewritten up to there" in result.output


def test_a_log_verified_with_another_key_is_refused(keyed, tmp_path):
    other = make_key(tmp_path / "other.key", b"another key of 32 bytes, honest!")
    result = verified(keyed, "--audit-key", other)
    assert result.exit_code == 2
    assert "is not the log's key" in result.output


def test_a_truncated_tail_passes_alone_and_is_caught_by_an_anchor(log):
    anchor = json.loads(run("audit", "head", log, "--format", "json").output)["anchor"]
    write(log, lines(log)[:-2])
    assert verified(log).exit_code == 0  # the chain alone: a shorter log is still whole
    result = verified(log, "--anchor", anchor)
    assert result.exit_code == 2
    assert (f"{log}:{LINES - 2}:1: error: the log holds {LINES - 2} line(s), fewer than the "
            f"anchor {LINES}:") in result.output


def test_a_rewritten_tail_is_caught_by_an_anchor_even_with_the_key(keyed, logs):
    anchor = json.loads(run("audit", "head", keyed, "--format", "json").output)["anchor"]
    entries = _flipped(lines(keyed))
    write(keyed, rechain(entries, start=REFUSED, key=logs["key"]))  # a forger with the key
    assert verified(keyed, "--audit-key", logs["key"]).exit_code == 1  # only the replay
    result = verified(keyed, "--audit-key", logs["key"], "--anchor", anchor)
    assert result.exit_code == 2
    assert f"{keyed}:{LINES}:1: error: line {LINES} has hash sha256:" in result.output
    assert "the log was rewritten up to there" in result.output


def test_an_anchor_the_log_still_holds_passes(log):
    anchor = run("audit", "head", log).output.splitlines()[-1].removeprefix("anchor: ")
    run("check", EXAMPLES / "registered-clean.yaml", "--audit-log", log)  # the log grows
    result = verified(log, "--anchor", anchor)
    assert result.exit_code == 0 and "1 anchor(s) checked" in result.output


def test_an_anchor_that_is_not_count_colon_hash_is_refused(log):
    result = verified(log, "--anchor", "9:abc")
    assert result.exit_code == 2 and "is not COUNT:sha256:HEX" in result.output


def test_a_changed_logged_at_is_found(log):
    entries = lines(log)
    entries[4]["logged_at"] = "2020-01-01T00:00:00+00:00"
    write(log, entries)
    result = verified(log)
    assert result.exit_code == 2
    assert f"{log}:5:1: error: the line's content does not match its hash" in result.output


def test_a_logged_at_that_goes_back_is_noted(log):
    entries = lines(log)
    entries[4]["logged_at"] = "2020-01-01T00:00:00+00:00"
    write(log, rechain(entries))
    result = verified(log)
    assert result.exit_code == 0
    assert "note: line 5: logged at 2020-01-01T00:00:00+00:00, before the line before it" \
           in result.output


def test_a_logged_at_without_a_time_zone_is_refused(log):
    entries = lines(log)
    entries[4]["logged_at"] = "yesterday"
    write(log, rechain(entries))
    result = verified(log)
    assert result.exit_code == 2
    assert "logged_at 'yesterday' is not a date and time with its time zone" in result.output


def test_a_decision_taken_with_other_rules_or_version_is_noted(log):
    entries = lines(log)
    entries[1]["decision"]["audit"]["rules_digest"] = "sha256:" + "0" * 64
    entries[2]["decision"]["audit"]["version"] = "0.0.9"
    write(log, rechain(entries))
    result = verified(log)
    assert result.exit_code == 0
    assert "note: 1 decision(s) were taken with rules sha256:0000" in result.output
    assert "(line(s) 2)" in result.output
    from rexcheck.engine.core.version import __version__

    assert f"note: 1 decision(s) were taken with rexcheck 0.0.9, not the {__version__} in use now " \
           "(line(s) 3)" in result.output


def test_a_second_header_is_found(log):
    entries = lines(log)
    entries.insert(4, dict(entries[0]))
    write(log, rechain(entries))
    result = verified(log)
    assert result.exit_code == 2
    assert f"{log}:5:1: error: a second header" in result.output


def test_a_log_from_before_the_chain_is_refused_as_unchained(tmp_path):
    old = tmp_path / "old.jsonl"
    entry = lines_of_check(tmp_path)[1]["decision"]
    old.write_text(json.dumps({**entry, "logged_at": "2026-04-15T10:00:00+00:00"}) + "\n")
    result = verified(old)
    assert result.exit_code == 2
    assert f"{old}:1:1: error: a line of an unchained audit log (written before " \
           "rexcheck-audit/2): it proves nothing" in result.output


def lines_of_check(tmp_path: Path) -> list[dict]:
    path = tmp_path / "one.jsonl"
    run("check", EXAMPLES / "registered-clean.yaml", "--audit-log", path)
    return lines(path)


# -- unreadable logs: located errors, exit 2, no traceback ----------------------------------

def test_a_line_that_is_not_utf8_is_located(log):
    data = log.read_bytes().split(b"\n")
    data[3] = data[3][:40] + b"\xe9" + data[3][41:]
    log.write_bytes(b"\n".join(data))
    result = verified(log)
    assert result.exit_code == 2
    assert f"{log}:4:1: error: not valid UTF-8 (byte 41 of the line" in result.output
    assert "its link to line 4 could not be checked" in result.output


def test_a_garbage_log_gives_located_errors_and_no_traceback(tmp_path):
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"\x00\xff\xfe garbage\n[1, 2]\n{\"a\": 1, \"a\": 2}\nNaN\n\x89PNG")
    result = verified(garbage)
    assert result.exit_code == 2
    out = result.output
    assert f"{garbage}:1:1: error: not valid UTF-8" in out
    assert f"{garbage}:2:1: error: not a JSON object" in out
    assert f"{garbage}:3:1: error: duplicate key 'a'" in out
    assert f"{garbage}:4:1: error: NaN is not a JSON number" in out
    assert f"{garbage}:5:1: error: the last line is cut off" in out
    assert "Traceback" not in out


def test_a_log_that_cannot_be_read_is_a_problem_not_a_traceback(tmp_path, checker):
    report = verify(tmp_path, checker)  # a folder
    assert [p.format() for p in report.problems] == [
        f"{tmp_path}:1:1: error: cannot read the log: Is a directory [audit-line]",
        f"{tmp_path}:1:1: error: the log is empty: not even a header line [audit-chain]"]


def test_a_keyed_log_without_its_header_is_one_problem_not_one_per_line(keyed):
    entries = lines(keyed)[1:]
    write(keyed, rechain(entries))
    result = verified(keyed)
    assert result.exit_code == 2
    assert result.output.count(": error: ") == 1
    assert f"{keyed}:1:1: error: the log does not open with a header line" in result.output


def test_an_empty_log_is_refused(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = verified(empty)
    assert result.exit_code == 2 and "the log is empty" in result.output


def test_a_log_of_a_random_binary_file_is_refused_line_by_line(tmp_path):
    noise = tmp_path / "noise.jsonl"
    noise.write_bytes(bytes(range(256)) * 40)
    result = verified(noise)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{noise}:1:1: error:" in result.output


def test_problems_beyond_a_hundred_are_counted_not_printed(tmp_path):
    many = tmp_path / "many.jsonl"
    many.write_text("{}\n" * 150)
    result = verified(many)
    assert result.exit_code == 2
    assert "... and 50 more problem(s)" in result.output
    assert result.output.count(": error: ") == 100


# -- audit head ------------------------------------------------------------------------------

def test_head_prints_the_count_of_lines_and_the_hash_of_the_last(log):
    result = run("audit", "head", log)
    assert result.exit_code == 0
    last = lines(log)[-1]["hash"]
    assert result.output.splitlines() == [f"{log}: {LINES} line(s), not keyed (no MACs)",
                                          f"anchor: {LINES}:{last}"]


def test_head_as_json(log):
    head = json.loads(run("audit", "head", log, "--format", "json").output)
    assert head["count"] == LINES and head["hash"] == lines(log)[-1]["hash"]
    assert head["anchor"] == f"{LINES}:{head['hash']}" and head["macs"] == "none"


def test_head_of_a_broken_chain_is_refused(log):
    entries = lines(log)
    del entries[4]
    write(log, entries)
    result = run("audit", "head", log)
    assert result.exit_code == 2
    assert "no head printed: the chain is not whole" in result.output


# -- the verify report as JSON ---------------------------------------------------------------

def test_verify_reports_problems_differences_and_the_head_as_json(log):
    entries = lines(log)
    entries[REFUSED - 1]["decision"]["outcome"] = "register"
    write(log, entries)
    report = json.loads(verified(log, "--format", "json").output)
    assert report["head"]["count"] == LINES and report["macs"] == "none"
    assert [p["line"] for p in report["problems"]] == [3]
    assert report["problems"][0]["code"] == "audit-chain"
    (difference,) = report["differences"]
    assert difference["logged_outcome"] == "register" and difference["now_outcome"] == "refuse"


# -- the Python API ----------------------------------------------------------------------------

def test_verify_through_the_python_api_finds_a_flipped_outcome(log, checker):
    entries = lines(log)
    entries[REFUSED - 1]["decision"]["outcome"] = "register"
    write(log, entries)
    report = verify(log, checker)
    assert [p.line for p in report.problems] == [REFUSED]
    assert [(d.line, d.logged_outcome, d.now_outcome) for d in report.differences] == [
        (REFUSED, "register", "refuse")]


def test_decide_gives_screenings_outcome(checker):
    from rexcheck.facts.loader import load_case_file

    (case,), _ = load_case_file(EXAMPLES / "refused-no-english.yaml")
    decision = decide(checker, case, None)
    assert decision.outcome == "refuse"
    assert "R244-8-1-no-english application A1" in decision.findings
    assert decision.audit.case_digest == case_digest(case)

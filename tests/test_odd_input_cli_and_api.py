"""Issue 13 items 1-7, each with the exact odd input the issue names, through the command line
(`check`, and `screen` where records are read) and through the Python API (a path, a dict):
both refuse alike, or both decide alike, never one of them silently.

Values of the law are read from the packs (the first day of Order 244 from law.yaml)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES
from rexcheck.cli.main import main

CLEAN = EXAMPLES / "registered-clean.yaml"
CHAIN = EXAMPLES / "verification-to-revocation.yaml"
FAVOURABLE = {"register", "valid", "do_not_revoke"}


def cli(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input,
                              catch_exceptions=False)


def write(tmp: Path, name: str, data) -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
                    if not isinstance(data, str) else data, encoding="utf-8")
    return path


def clean() -> dict:
    return yaml.safe_load(CLEAN.read_text(encoding="utf-8"))


def json_of(run) -> dict:
    return json.loads(run.stdout)["results"][0]


# --- 1. no law in force -----------------------------------------------------------------


def test_1_before_the_law_check_and_api_say_undetermined_and_name_the_first_day(
        checker, tmp_path):
    case = clean()
    case.update(as_of=dt.date(2020, 1, 1), registrations=[])
    app = case["applications"][0]
    app.update(received=dt.date(2019, 12, 20), channel="fax", languages=["other"])
    app.pop("decision")
    path = write(tmp_path, "early.yaml", case)
    first = checker.ruleset.first_day_in_force("application")
    run = cli("check", path)
    assert run.exit_code == 2
    assert re.search(r"^case \S+ .*: undetermined \(as of 2020-01-01\)$", run.output, re.M)
    assert "application A1: undetermined" in run.output and first.isoformat() in run.output
    for given in (path, case):
        result = checker.check(given)
        assert result.outcome == "undetermined"
        assert first.isoformat() in result.errors[0].message


RETENTION = EXAMPLES / "retention-of-the-file.yaml"


@pytest.mark.parametrize("field", ["received", "sent"])
def test_1_a_kept_item_dated_before_the_law_is_not_judged_and_says_so(checker, tmp_path,
                                                                      field):
    """An item of the organisation's file has no outcome, so `undetermined` for documents
    would not catch it: dated before any rule of chapter 5 is in force, it is named in a
    `not-judged` error and the case is undetermined, in check, screen and the API."""
    case = yaml.safe_load(RETENTION.read_text(encoding="utf-8"))
    first = checker.ruleset.first_day_in_force("kept_item")
    early = first - dt.timedelta(days=1)
    case["kept_items"].append({"ref": "K9", "kind": "application", "application": "A1",
                               field: early} if field == "received" else
                              {"ref": "K9", "kind": "notification", "registration": "R1",
                               field: early})
    path = write(tmp_path, "early-item.yaml", case)
    run = cli("check", path)
    assert run.exit_code == 2
    assert re.search(r": undetermined \(as of ", run.output)
    assert f"kept_item K9 is dated {early.isoformat()} ({field})" in run.output
    assert first.isoformat() in run.output and "[not-judged]" in run.output
    lines = write(tmp_path, "early-item.jsonl", json.dumps(case, default=str) + "\n")
    screened = cli("screen", lines)
    assert screened.exit_code == 2
    [result] = [json.loads(line) for line in screened.stdout.splitlines()]
    assert result["outcome"] == "undetermined"
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("not-judged", "kept_item K9")]
    for given in (path, case):
        got = checker.check(given)
        assert got.outcome == "undetermined"
        assert [e.code for e in got.errors] == ["not-judged"]
    on_the_day = copy.deepcopy(case)
    on_the_day["kept_items"][-1][field] = first  # the first day in force: judged, no error
    got = checker.check(on_the_day)
    assert got.outcome != "undetermined" and not got.errors
    assert any(f.subject.ref == "K9" for f in got.findings + got.notices)


def test_1_an_as_of_before_the_events_is_exit_2_on_every_example(checker):
    run = cli("check", EXAMPLES, "--as-of", "2016-04-15", "--format", "json")
    assert run.exit_code == 2
    results = json.loads(run.stdout)["results"]
    assert results and {r["outcome"] for r in results} == {"error"}
    assert {e["code"] for r in results for e in r["errors"]} == {"inconsistent-dates"}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        assert checker.check(path, dt.date(2016, 4, 15)).outcome == "error"


# --- 2. blank is not filled, absent is not signed ---------------------------------------


@pytest.mark.parametrize("blank", ["  ", "\t", "\u00a0", "\u3000"])
def test_2_a_blank_contact_is_incomplete_in_check_and_api(checker, tmp_path, blank):
    case = clean()
    case["applications"][0]["contact"] = blank
    path = write(tmp_path, "blank.yaml", case)
    run = cli("check", path, "--format", "json")
    assert run.exit_code == 1
    assert "R244-8-1-incomplete" in {f["rule_id"] for f in json_of(run)["findings"]}
    for given in (path, case):
        result = checker.check(given)
        assert "R244-8-1-incomplete" in {f.rule_id for f in result.findings}
        assert result.outcome not in FAVOURABLE


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u202e", " \u2060 "])
def test_2_a_contact_of_invisible_characters_is_refused_at_its_line(checker, tmp_path,
                                                                   invisible):
    case = clean()
    case["applications"][0]["contact"] = invisible
    path = write(tmp_path, "invisible.yaml", case)
    run = cli("check", path)
    assert run.exit_code == 2
    line = (path.read_text(encoding="utf-8").splitlines()).index(
        next(x for x in path.read_text(encoding="utf-8").splitlines() if "contact:" in x)) + 1
    assert re.search(rf"invisible\.yaml:{line}:\d+: error: field 'applications\.0\.contact': "
                     r"character \d+ is [A-Z -]+ \(U\+[0-9A-F]{4}\)", run.output), run.output
    for given in (path, case):
        result = checker.check(given)
        assert result.outcome == "error" and result.errors[0].code == "invisible"


def test_2_an_application_without_declarations_is_not_signed(checker, tmp_path):
    case = clean()
    del case["applications"][0]["declarations"]
    path = write(tmp_path, "unsigned.yaml", case)
    run = cli("check", path, "--format", "json")
    assert run.exit_code == 1
    rules = {f["rule_id"] for f in json_of(run)["findings"]}
    assert "R244-8-1-incomplete" in rules
    for given in (path, case):
        result = checker.check(given)
        assert {f.rule_id for f in result.findings} == rules
        assert [o.outcome for o in result.outcomes if o.type == "application"] == ["refuse"]


# --- 3. identifiers ---------------------------------------------------------------------


@pytest.mark.parametrize("odd", ["\u041aZ", "KZ\u200b", "K\u0396"])
def test_3_a_look_alike_or_invisible_character_in_a_tin_is_refused_everywhere(
        checker, tmp_path, odd):
    case = clean()
    case["exporter"]["tin"] = case["exporter"]["tin"].replace("KZ", odd, 1)
    path = write(tmp_path, "tin.yaml", case)
    run = cli("check", path)
    assert run.exit_code == 2 and "[identifier]" in run.output and "exporter.tin" in run.output
    screened = cli("screen", "-", "--input-format", "jsonl",
                   input=json.dumps(case, default=str, ensure_ascii=False) + "\n")
    assert json.loads(screened.stdout)["errors"][0]["code"] == "identifier"
    for given in (path, case):
        assert checker.check(given).errors[0].code == "identifier"


def test_3_a_tin_in_lower_case_joins_as_in_upper_case(checker, tmp_path):
    case = clean()
    lower = copy.deepcopy(case)
    lower["exporter"]["tin"] = lower["exporter"]["tin"].lower()
    lower["registrations"][0]["holder_tin"] = lower["registrations"][0]["holder_tin"].lower()
    assert checker.check(lower).to_dict()["outcomes"] == checker.check(case).to_dict()[
        "outcomes"]
    path = write(tmp_path, "lower.yaml", lower)
    assert json_of(cli("check", path, "--format", "json"))["outcomes"] == json_of(
        cli("check", CLEAN, "--format", "json"))["outcomes"]


# --- 4. links by ref or by number -------------------------------------------------------


@pytest.mark.parametrize("keep", ["registration", "registration_number"])
def test_4_a_link_by_ref_or_by_number_decides_alike(checker, tmp_path, keep):
    case = yaml.safe_load(CHAIN.read_text(encoding="utf-8"))
    drop = "registration_number" if keep == "registration" else "registration"
    for where in ("verification_requests", "revocation_requests"):
        for record in case[where]:
            record.pop(drop)
    path = write(tmp_path, "link.yaml", case)
    whole = json_of(cli("check", CHAIN, "--format", "json"))
    one_way = json_of(cli("check", path, "--format", "json"))
    assert one_way["outcomes"] == whole["outcomes"]
    assert sorted(f["rule_id"] for f in one_way["findings"]) == sorted(
        f["rule_id"] for f in whole["findings"])
    api = checker.check(case).to_dict()
    assert api["outcomes"] == whole["outcomes"]


def test_4_a_link_that_names_nothing_is_a_located_error(checker, tmp_path):
    case = yaml.safe_load(CHAIN.read_text(encoding="utf-8"))
    case["revocation_requests"][0]["registration"] = "R9"
    case["revocation_requests"][0].pop("registration_number")
    path = write(tmp_path, "dangling.yaml", case)
    run = cli("check", path)
    assert run.exit_code == 2
    assert re.search(r"dangling\.yaml:\d+:\d+: error: field "
                     r"'revocation_requests\.0\.registration'.*\[unresolved-link\]", run.output)
    for given in (path, case):
        assert checker.check(given).errors[0].code == "unresolved-link"


# --- 5. conflicting inputs --------------------------------------------------------------


def test_5_two_rates_for_one_pair_are_refused_in_check_screen_and_api(checker, tmp_path):
    case = yaml.safe_load(CHAIN.read_text(encoding="utf-8"))
    case["consignments"][0]["exchange_rates"] = [
        {"currency": "EUR", "to": "CHF", "rate": "0.95"},
        {"currency": "EUR", "to": "CHF", "rate": "0.10"}]
    case["consignments"][0]["value"]["currency"] = "EUR"
    path = write(tmp_path, "rates.yaml", case)
    run = cli("check", path)
    assert run.exit_code == 2 and "consignments.0.exchange_rates" in run.output
    screened = cli("screen", "-", "--input-format", "jsonl",
                   input=json.dumps(case, default=str) + "\n")
    assert json.loads(screened.stdout.splitlines()[0])["outcome"] == "error"
    for given in (path, case):
        assert checker.check(given).outcome == "error"


# --- 6. files skipped -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["CASE.YAML", "case.yml", "case.Json", "cases.JSONL"])
def test_6_a_case_file_of_any_accepted_name_is_read_by_check_and_api(checker, tmp_path,
                                                                     name):
    folder = tmp_path / "cases"
    folder.mkdir()
    data = clean()
    text = (json.dumps(data, default=str) + "\n" if name.lower().endswith(("json", "jsonl"))
            else CLEAN.read_text(encoding="utf-8"))
    path = write(folder, name, text)
    run = cli("check", folder)
    assert run.exit_code == 0 and "1 case(s)" in run.stdout
    if not name.lower().endswith("jsonl"):
        assert checker.check(path).outcome == "register"


def test_6_a_folder_without_case_files_is_exit_2_saying_where_it_looked(tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    run = cli("check", tmp_path)
    assert run.exit_code == 2
    assert "no case file in this folder" in run.output


# --- 7. bytes ---------------------------------------------------------------------------


def test_7_a_non_utf8_byte_costs_its_record_only_in_screen_and_is_located_by_check(
        checker, tmp_path):
    line = json.dumps(clean(), default=str).encode()
    lines = [line] * 20
    lines[9] = line.replace(b"Altyn", b"Alt\xe9n", 1)
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    run = cli("screen", path)
    results = [json.loads(x) for x in run.stdout.splitlines()]
    assert len(results) == 20 and [r["outcome"] == "error" for r in results].count(True) == 1
    assert results[9]["outcome"] == "error" and results[9]["source"]["record"] == 10
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(CLEAN.read_bytes().replace(b"Altyn", b"Alt\xe9n", 1))
    check = cli("check", bad)
    assert check.exit_code == 2 and "0xe9" in check.output
    assert checker.check(bad).errors[0].code == "encoding"


def test_7_a_bom_and_a_lone_cr_are_read_by_check_screen_and_api(checker, tmp_path):
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + CLEAN.read_bytes())
    assert cli("check", bom).exit_code == 0
    assert checker.check(bom).outcome == "register"
    line = json.dumps(clean(), default=str).replace('", "', '",\r "', 1)
    jsonl = tmp_path / "cr.jsonl"
    jsonl.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n")
    results = [json.loads(x) for x in cli("screen", jsonl).stdout.splitlines()]
    assert [r["outcome"] for r in results] == ["register"]


def _pack_with(tmp_path: Path, folder: str, name: str, text: str) -> Path:
    import shutil

    from conftest import ROOT

    root = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", root,
                    ignore=shutil.ignore_patterns("__pycache__", "__init__.py", "tests"))
    (root / folder / name).write_text(text, encoding="utf-8")
    return root


def test_1_a_record_judged_on_the_as_of_date_is_never_called_not_judged(tmp_path):
    """A rule on the exporter in force under Order 358's first wording only: a case judged
    after it is not undetermined (the exporter is judged on the as-of date, no date of its
    own; a review's counter-example)."""
    from rexcheck.engine.services.checker import Checker

    root = _pack_with(tmp_path, "order-358", "zz-exporter.yaml", """act: Order 358
chapter: "2"
title: A rule on the exporter under the first wording of Order 358
versions: [order-358]
rules:
  - id: R358-7-exporter-named
    title: The exporter has a name
    citation:
      ref: Order 358 p.7
      text: a citation
    description: In force under the first wording of Order 358 only.
    applies_to: exporter
    when: {field: exporter.name, exists: true}
    then:
      finding: {kind: flag, severity: info, message: "the exporter {exporter.name} has a name"}
""")
    checker = Checker(root)
    assert "exporter" not in checker.policy.records
    got = checker.check(CLEAN, dt.date(2026, 4, 20))
    assert got.outcome != "undetermined" and not got.errors


def test_1_a_kept_item_judged_through_its_application_is_not_called_not_judged(tmp_path):
    """A rule on kept items judged on their application's date: a kept item's own date no
    longer tells whether a rule judges it, so none is called not judged."""
    from rexcheck.engine.services.checker import Checker

    root = _pack_with(tmp_path, "order-244", "zz-kept.yaml", """act: Order 244
chapter: "5"
title: A rule judging a kept item on its application's date
versions: [order-244]
rules:
  - id: R244-21-application-on-file
    title: The application No. 1 of a kept item is on file
    citation:
      ref: Order 244 p.21
      text: >-
        The documents specified in paragraphs 4, 13 and 16 of these Rules shall be stored in an
        authorized organization for 5 (five) years.
    description: Judged on the date of the application the kept item is.
    applies_to: kept_item
    with:
      - fact: application
        where: {field: application.ref, eq: {field: kept_item.application}}
    judged_on: application.received
    when: {field: kept_item.received, exists: true}
    then:
      finding:
        kind: flag
        severity: info
        message: the kept item {kept_item.ref} is application {application.ref}
        message_ru: хранимый документ {kept_item.ref} это заявление {application.ref}
""")
    checker = Checker(root)
    assert "kept_item" not in checker.policy.records
    case = yaml.safe_load(RETENTION.read_text(encoding="utf-8"))
    case["kept_items"].append({"ref": "K9", "kind": "application", "application": "A1",
                               "received": dt.date(2020, 6, 1)})
    got = checker.check(case)
    assert not got.errors
    assert any(f.subject.ref == "K9" for f in got.notices)

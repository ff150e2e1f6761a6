"""The organisation's file of a case (Order 244 p.21-22): kept items are read as strictly as any
document (nothing presumed, links that must resolve, located errors), and a case without them
keeps the canonical JSON, and so the digest, it had before they were modelled."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES
from rexcheck.cli.main import main
from rexcheck.facts.canonical import canonical_counted, canonical_json
from rexcheck.facts.loader import load_case_file, parse_case_json
from rexcheck.facts.models import Case

RETENTION = EXAMPLES / "retention-of-the-file.yaml"
CASE = """\
case: K-1
as_of: 2026-09-01
exporter: {tin: KZ010140000123, name: Altyn Dala LLP}
applications:
  - {ref: A1, received: 2021-06-14, channel: electronic, languages: [ru, en]}
kept_items:
  - ref: K1
    kind: application
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize(("lines", "expected"), [
    # a link that finds nothing is an error at its line, as every link by ref
    (["    application: A9", "    received: 2021-06-14"],
     "9:5: error: field 'kept_items.0.application': 'A9' names no application of this case "
     "(by its ref)"),
    # the date its kind has is required: nothing stands in for it
    (["    application: A1"], "required field 'received' is missing [missing]"),
    # a document received is not sent
    (["    sent: 2021-06-14"], "field 'kept_items.0.sent': a kept item of kind application gives "
     "the day it was received, not 'sent'"),
    # a kind names only the documents it may be
    (["    change_report: CH1", "    received: 2021-06-14"],
     "field 'kept_items.0.change_report': a kept item of kind application names no "
     "change_report; it may name application"),
    (["    received: 2021-06-14", "    destroyed: 2022-01-10", "    found_missing: 2023-01-10"],
     "a kept item is destroyed or found missing, not both"),
    (["    received: 2021-06-14", "    destroyed: 2021-06-13"],
     "destroyed 2021-06-13 is before the item was kept (2021-06-14)"),
])
def test_a_kept_item_that_does_not_hold_together_is_a_located_error(tmp_path, lines, expected):
    path = tmp_path / "case.yaml"
    path.write_text(CASE + "\n".join(lines) + "\n", encoding="utf-8")
    result = run("check", path)
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and expected in result.output, result.output


def test_a_kept_item_error_speaks_russian(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(CASE + "    sent: 2021-06-14\n", encoding="utf-8")
    result = run("check", path, "--lang", "ru")
    assert "для хранимого документа вида application указывается день, когда он received" in (
        result.output), result.output


def test_a_case_without_kept_items_keeps_its_canonical_json():
    """Every field of the case but the kept items, as before they were modelled: the digests
    of earlier audit logs still match."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for case in load_case_file(path)[0]:
            written = json.loads(canonical_json(case))
            if case.kept_items:
                assert written["kept_items"], path
                continue
            assert list(written) == [f for f in Case.model_fields if f != "kept_items"], path
            assert canonical_json(case) == case.model_dump_json().encode()


def test_a_line_with_kept_items_takes_the_fast_path_and_gives_the_same_case():
    (case,), _ = load_case_file(RETENTION)
    line = case.model_dump_json()
    fast = parse_case_json(line)
    assert fast == case
    assert canonical_counted(fast).json == canonical_json(case)
    # a kept item naming no document of the case is refused there too (then read the long way)
    broken = json.loads(line)
    broken["kept_items"][0]["application"] = "A9"
    assert parse_case_json(json.dumps(broken)) is None


def test_screen_gives_the_kept_items_findings_as_check_does(tmp_path):
    (case,), _ = load_case_file(RETENTION)
    lines = tmp_path / "cases.jsonl"
    lines.write_text(case.model_dump_json() + "\n", encoding="utf-8")
    screened = json.loads(run("screen", lines).output.splitlines()[0])
    checked = json.loads(run("check", RETENTION, "--format", "json").output)["results"][0]
    assert [(f["rule_id"], f["subject"]) for f in screened["findings"]] == [
        (f["rule_id"], f["subject"]) for f in checked["findings"]]
    assert {f["subject"]["type"] for f in screened["findings"]} == {"kept_item"}
    assert screened["audit"]["case_digest"] == checked["audit"]["case_digest"]

"""The workbench's parts without a browser: the law view (act -> chapter -> paragraph, search),
the proposal a form writes, the forms read, the Markdown of readings escaped, the chain and
calendar strip of a result, and the static catalogue (tests/test_workbench_browser.py drives
the pages themselves)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import yaml
from conftest import EXAMPLES, ROOT
from rexcheck.engine.authoring.ruletests import load_tests
from rexcheck.engine.core.calendar import WorkingCalendar
from rexcheck.engine.core.loader import default_rules_dir, load_rules
from rexcheck.engine.services.proposal import apply_scenario
from rexcheck.engine.services.render import result_json
from rexcheck.engine.web.workbench import forms
from rexcheck.engine.web.workbench.app import scenario_from_form
from rexcheck.engine.web.workbench.caseview import chain, strips
from rexcheck.engine.web.workbench.law import LawView
from rexcheck.engine.web.workbench.markdown import to_html as markdown
from rexcheck.engine.web.workbench.pages import catalogue_page as to_html

SCENARIO = ROOT / "examples/whatif/raise-chf-threshold.yaml"


@pytest.fixture(scope="module")
def ruleset():
    return load_rules()


@pytest.fixture(scope="module")
def law(ruleset):
    return LawView(ruleset, load_tests(default_rules_dir(), ruleset))


def test_every_rule_sits_under_its_act_chapter_and_paragraph(law, ruleset):
    placed = [r["id"] for a in law.acts for c in a.chapters for p in c.paragraphs
              for r in p.rules]
    assert sorted(placed) == sorted(lr.rule.id for lr in ruleset.rules)
    for act in law.acts:
        for chapter in act.chapters:
            assert chapter.number, act.name
            # the chapter's title is read from the text of the act, in some language
            assert chapter.titles, (act.name, chapter.number)
            for para in chapter.paragraphs:
                assert all(r["act"] == act.name and r["chapter"] == chapter.number
                           for r in para.rules)


def test_search_by_paragraph_number_finds_that_paragraph_and_its_subitems(law, ruleset):
    for query, pattern in (("11", r"p\.11(\(|$)"), ("p.16(2)", r"p\.16\(2\)$"),
                           ("16", r"p\.16(\(|$)")):
        expected = {lr.rule.id for lr in ruleset.rules
                    if any(re.search(pattern, ref) for ref in
                           [lr.rule.citation.ref, *lr.rule.citation.also])}
        assert expected, query
        assert {r["id"] for r in law.search(query)} == expected, query


def test_search_by_words_needs_every_word(law, ruleset):
    rule = next(lr.rule for lr in ruleset.rules if lr.rule.reading)
    found = {r["id"] for r in law.search(f"{rule.reading.id} {rule.id.lower()}")}
    assert found == {rule.id}
    assert law.search("no-such-word-anywhere") == []


def test_a_form_writes_a_proposal_the_loader_takes_and_keeps_earlier_values(ruleset, law):
    shipped = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    name, [change] = next(iter(shipped["set_parameters"].items()))
    text = scenario_from_form(law.parameter[name], str(change["value"]), change["from"])
    assert yaml.safe_load(text)["set_parameters"] == shipped["set_parameters"]
    proposed = apply_scenario("proposal.yaml", ruleset, text)
    assert proposed.parameters[name].periods()[-1][2] == change["value"]
    # a later date keeps the value in force before it
    later = dt.date(2030, 1, 1)
    values = yaml.safe_load(scenario_from_form(law.parameter[name], "1", later))[
        "set_parameters"][name]
    before = law.parameter[name]["values"]
    assert [v["value"] for v in values] == [v["value"] for v in before] + [1]
    assert values[-1]["from"] == later


def test_a_multipart_form_is_read_with_its_uploaded_file():
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"example\"\r\n\r\nabc.yaml\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"case_file\"; filename=\"c.yaml\""
            b"\r\nContent-Type: application/yaml\r\n\r\ncase: K-1\nas_of: 2026-01-01\n\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n\r\n"
            b"\r\n--XyZ--\r\n")
    fields = forms.parse(body, "multipart/form-data; boundary=XyZ")
    assert forms.text(fields, "example") == "abc.yaml"
    up = forms.upload(fields, "case_file")
    assert up is not None and up.filename == "c.yaml"
    assert up.data == b"case: K-1\nas_of: 2026-01-01\n"
    assert "empty" not in fields
    assert forms.parse(b"a=1&b=x+y", "application/x-www-form-urlencoded") == {"a": "1",
                                                                              "b": "x y"}
    with pytest.raises(forms.FormError):
        forms.parse(b"{}", "application/json")


def test_readings_markdown_is_escaped_not_markup():
    html = markdown("**Text.** <script>alert(1)</script> `a<b` [x](javascript:alert(1))")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>Text.</strong>" in html and "<code>a&lt;b</code>" in html


def test_the_chain_and_the_calendar_strip_of_a_result(ruleset):
    from rexcheck.engine.services.checker import Checker

    calendar = WorkingCalendar.load()
    result = result_json(Checker(ruleset, calendar).check(
        EXAMPLES / "verification-to-revocation.yaml", explain=True))
    graph = chain(result)
    steps = [n for n in graph["nodes"] if n.kind != "document"]
    assert len(steps) == len(result["trace"])
    for n in graph["nodes"]:  # boxes never overlap, and all sit inside the drawing
        assert n.x >= 0 and n.x + graph["w"] <= graph["width"]
        assert n.y >= 0 and n.y + graph["h"] <= graph["height"]
    for e in graph["edges"]:  # an arrow always goes down, from a box to one below it
        assert e["y2"] > e["y1"]
    [strip] = [s for s in strips(result, calendar) if s["finding"]["deadline"]["due"]]
    d = strip["finding"]["deadline"]
    [due] = [day for day in strip["days"] if "due" in day["marks"]]
    assert due["date"] == d["due"] and due["count"] == d["days"]
    for day in strip["days"]:
        weekday = dt.date.fromisoformat(day["date"]).weekday()
        assert (day["kind"] == "working") == calendar.is_working_day(
            dt.date.fromisoformat(day["date"])), day
        if day["kind"] == "weekend":
            assert weekday >= 5


def test_the_static_catalogue_has_contents_blockquotes_parameters_and_readings(ruleset):
    page = to_html(ruleset, load_tests(default_rules_dir(), ruleset))
    assert page.count('<article class="rule"') == len(ruleset.rules)
    assert page.count("<blockquote") >= len(ruleset.rules)
    assert '<nav aria-labelledby="contents-h">' in page
    for name in ruleset.parameters:
        assert f'id="param-{name}"' in page
    readings = {lr.rule.reading.id for lr in ruleset.rules if lr.rule.reading}
    assert readings
    for reading in readings:
        assert f'id="reading-{reading}"' in page
    assert "https://" not in re.sub(r'href="https://[^"]*"', "", page.split("<main", 1)[0])
    assert "<link" not in page and "<script src" not in page  # stands alone, offline
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids given twice: contents links would be ambiguous"
    for target in set(re.findall(r'href="#([^"]+)"', page)):
        assert target in ids, target


def test_without_docs_beside_the_rules_the_readings_are_their_rules_own_texts(ruleset,
                                                                             tmp_path):
    """An installed package has no docs/readings.md: the Readings page still lists every
    reading the rules apply, with the text the rules give it (never an empty page)."""
    law = LawView(ruleset, [], readings_path=tmp_path / "no-readings.md")
    used: dict[str, set[str]] = {}  # a reading's id -> the texts its rules give it
    for lr in ruleset.rules:
        if lr.rule.reading:
            used.setdefault(lr.rule.reading.id, set()).add(
                html.escape(" ".join(lr.rule.reading.text.split())))
    assert set(law.readings) == set(used)
    for reading_id, texts in used.items():
        assert any(text in law.readings[reading_id] for text in texts)
    # a rule's own page shows docs/readings.md's section only when there is one
    assert not any(r["reading_html"] for r in law.rules.values())

"""The workbench in a real browser: the system Chromium driven by Playwright, against the real
`rexcheck serve` in a subprocess. Every page is loaded and checked at 390 px, a case is judged
and its findings and chain graph drawn, a what-if runs and draws its chart, and the
editing-rules walk-through ("what if the threshold were different") is done in the browser
down to the downloaded proposal, each answer held to what the command line gives.

Without a browser these tests skip, with the reason; under CI (CI=true) they fail instead, so
a CI that lost its Chromium never passes by skipping them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from browser import launch, missing
from conftest import EXAMPLES, ROOT
from rexcheck.engine.core.loader import load_rules, params_used
from serving import REXCHECK, Server

SCENARIO = ROOT / "examples/whatif/raise-chf-threshold.yaml"
POPULATION = ROOT / "examples/whatif/population.jsonl"
MAX_BODY = 65536  # the server's --max-body here: an upload past it is refused
PAGES = ["/", "/rules", "/parameters", "/readings", "/case", "/whatif"]


def cli_json(*args: str) -> dict:
    out = subprocess.run([*REXCHECK, *map(str, args), "--format", "json"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def browser():
    reason = missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("workbench"), "--max-body", str(MAX_BODY))
    yield running
    running.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900},
                                  accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(30_000)
    yield p
    context.close()


@pytest.fixture(scope="module")
def ruleset():
    return load_rules()


def threshold_rule(ruleset) -> tuple[str, str]:
    """A rule that uses the parameter the shipped scenario changes, and that parameter."""
    name = next(iter(yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))["set_parameters"]))
    rule = next(lr.rule.id for lr in sorted(ruleset.rules, key=lambda r: r.rule.id)
                if name in params_used(lr.rule) and lr.rule.then.finding)
    return rule, name


def no_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
  .map(e => e.id || e.name)"""


# --------------------------------------------------------------------------- every page


def test_every_page_loads_with_a_heading_labels_and_no_overflow_at_390_px(browser, server,
                                                                         ruleset):
    rule, _ = threshold_rule(ruleset)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path in [*PAGES, f"/rules/{rule}", "/rules?q=11", "/case?example="
                 "verification-to-revocation.yaml", "/rules?lang=ru"]:
        response = page.goto(server.url + path)
        assert response.status == 200, path
        assert page.locator("h1").count() == 1, path
        assert no_overflow(page) <= 390, f"{path} overflows: {no_overflow(page)} px"
        assert page.evaluate(UNLABELLED) == [], path
        assert page.locator("main#main").count() == 1
    context.close()


def test_the_static_catalogue_is_usable_at_390_px_and_searchable(browser, ruleset):
    """docs/catalogue.html, opened from the disk: no overflow, a contents, the law in real
    blockquotes, and the filter finds a paragraph's rules."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto((ROOT / "docs" / "catalogue.html").as_uri())
    assert no_overflow(page) <= 390
    assert page.locator("nav h2").first.inner_text() == "Contents"
    assert page.locator("article.rule").count() == len(ruleset.rules)
    assert page.locator("article.rule > blockquote").count() == len(ruleset.rules)
    assert page.locator("p", has_text=re.compile(r"^> ")).count() == 0  # no literal quotes
    rule, _ = threshold_rule(ruleset)
    para = ruleset.rule(rule).rule.citation.ref.split()[-1]  # e.g. p.11
    page.fill("#filter", para)
    shown = page.locator("article.rule:visible")
    expected = {lr.rule.id for lr in ruleset.rules
                if any(re.search(rf"\b{re.escape(para)}(\(|$)", ref)
                       for ref in [lr.rule.citation.ref, *lr.rule.citation.also])}
    ids = {t.split(":")[0] for t in shown.locator("h5 code").all_inner_texts()}
    assert ids == expected and rule in ids
    context.close()


def test_keyboard_reaches_the_skip_link_and_submits_the_search(page, server, ruleset):
    rule, _ = threshold_rule(ruleset)
    para = ruleset.rule(rule).rule.citation.ref.split()[-1]
    page.goto(server.url + "/rules")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.focus("#q")
    page.keyboard.type(para)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=p\.\d+"))
    assert rule in page.locator("#results").inner_text()


def test_a_rule_page_shows_its_law_reading_dated_parameter_and_tests(page, server, ruleset):
    rule, name = threshold_rule(ruleset)
    r = ruleset.rule(rule).rule
    page.goto(server.url + f"/rules/{rule}")
    quote = page.locator("article.rule > blockquote").first.inner_text()
    assert quote == " ".join(r.citation.text.split())
    values = ruleset.parameters[name].periods()
    table = page.locator("table").filter(has_text=name).first.inner_text()
    for start, _, value in values:
        assert start.isoformat() in table and str(value) in table
    if r.reading:
        assert page.get_by_role("heading", name=re.compile("Reading")).count() == 1
        assert r.reading.id in page.locator("article.rule").inner_text()
    assert page.locator("li", has_text="Fires in").count() >= 1
    page.goto(server.url + f"/rules/{rule}?lang=ru")
    assert page.evaluate("document.documentElement.lang") == "ru"
    if r.then.finding and r.then.finding.message_ru:
        assert " ".join(r.then.finding.message_ru.split()) in page.locator("main").inner_text()


# --------------------------------------------------------------------------- try a case


def test_a_shipped_example_is_judged_with_findings_deadlines_and_the_chain(page, server):
    example = "verification-to-revocation.yaml"
    expected = cli_json("check", EXAMPLES / example, "--explain")["results"][0]
    page.goto(server.url + "/case")
    page.select_option("#example", example)
    page.get_by_role("button", name="Judge the case").click()
    page.wait_for_selector("#result")
    assert page.locator("[data-outcome]").inner_text() == expected["outcome"]
    shown = page.locator("#findings article").evaluate_all(
        "els => els.map(e => e.dataset.rule)")
    assert shown == [f["rule_id"] for f in expected["findings"]]
    for f in expected["findings"]:
        assert f["citation"]["ref"] in page.locator(f"#findings [data-rule='{f['rule_id']}']")\
            .first.inner_text()
    rows = page.locator("#outcomes tbody tr").all_inner_texts()
    assert [r.split("\t")[:2] for r in rows] == [[o["document"], o["outcome"]]
                                                for o in expected["outcomes"]]
    # the chain: a box per firing, an arrow per fact used; the finding with the longest
    # explanation (request -> conclusion -> ground -> revocation -> statement) is reached
    # from a document of the case through every rule of its explanation
    chain = page.locator("svg#chain")
    assert chain.is_visible()
    assert chain.locator("g.node:not(.document)").count() == len(expected["trace"])
    box = chain.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    edges = chain.locator("line.edge").evaluate_all(
        "els => els.map(e => [e.dataset.from, e.dataset.to])")
    rules = dict(chain.locator("g.node").evaluate_all(
        "els => els.map(e => [e.dataset.key, e.dataset.rule])"))

    def depth(node: dict) -> list[str]:
        below = max((depth(n) for n in node["because"]), key=len, default=[])
        return below + [node["rule_id"]]

    longest = max((depth(f["explanation"]) for f in expected["findings"]), key=len)
    assert len(longest) >= 3
    paths = [[k] for k in rules if k.startswith("d:")]
    reached = []
    while paths:
        path = paths.pop()
        if rules[path[-1]] == longest[-1]:
            reached.append([rules[k] for k in path[1:]])
        paths += [path + [b] for a, b in edges if a == path[-1] and b not in path]
    assert any(p == longest for p in reached), (longest, reached)
    # the deadline on the calendar strip: its due day marked, the weekend days before it too
    late = next(f for f in expected["findings"] if f.get("deadline"))
    strip = page.locator(".calstrip", has=page.locator(f"code:text-is('{late['rule_id']}')"))
    due = strip.locator("li.due")
    assert due.get_attribute("title").startswith(late["deadline"]["due"])
    weekend = strip.locator("li.weekend")
    assert weekend.count() >= 1 and "weekend" in weekend.first.get_attribute("title")
    assert due.get_attribute("data-working") == str(late["deadline"]["days"])


def test_an_uploaded_case_with_a_mistake_shows_file_line_message_and_hint(page, server,
                                                                           tmp_path):
    bad = tmp_path / "my-case.yaml"
    text = (EXAMPLES / "pending-decision.yaml").read_text(encoding="utf-8")
    bad.write_text(re.sub(r"as_of: \S+", "as_of: 2026-13-01", text, count=1), encoding="utf-8")
    out = subprocess.run([*REXCHECK, "check", bad], capture_output=True, text=True)
    cli_line = next(line for line in out.stdout.splitlines() + out.stderr.splitlines()
                    if "error:" in line)
    page.goto(server.url + "/case")
    page.set_input_files("#case_file", str(bad))
    page.get_by_role("button", name="Judge the case").click()
    problems = page.locator(".problems")
    problems.wait_for()
    assert "Traceback" not in page.content()
    assert problems.locator("code.cli").first.inner_text() == cli_line.replace(str(bad),
                                                                                bad.name)
    assert re.match(r"my-case\.yaml:\d+:\d+:", problems.locator(".where").first.inner_text())
    assert "hint:" in problems.inner_text()


def test_an_upload_past_the_size_limit_is_refused_with_the_limit(page, server):
    page.goto(server.url + "/case")
    page.set_input_files("#case_file", files=[{"name": "big.yaml", "mimeType":
                                               "application/yaml",
                                               "buffer": b"#" * (MAX_BODY + 1)}])
    page.get_by_role("button", name="Judge the case").click()
    problems = page.locator(".problems")
    problems.wait_for()
    assert str(MAX_BODY) in problems.inner_text() and "too-large" in problems.inner_text()


# --------------------------------------------------------------------------- what-if


def test_the_threshold_walkthrough_is_done_in_the_browser_down_to_the_proposal(
        page, server, tmp_path):
    """docs/editing-rules.md, "what if the threshold were different": change the value in
    the form, see which rule tests describe the old law, the change of the law, the outcome
    changes and the chart per rule, and download the proposal and the report, each what the
    command line gives for the same proposal."""
    shipped = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    name, [change] = next(iter(shipped["set_parameters"].items()))
    current = next(v for _, _, v in load_rules().parameters[name].periods())
    # the shipped proposal's value; in a tree whose law already says it (the walk-through
    # done on a copy, tests/test_walkthrough_suite.py), twice the value, so it still changes
    target = change["value"] if change["value"] != current else current * 2
    page.goto(server.url + "/whatif")
    page.check("#mode-parameter")
    page.select_option("#parameter", name)
    page.fill("#value", str(target))
    page.fill("#start", str(change["from"]))
    page.check("#pop-example")
    page.get_by_role("button", name="Run the what-if").click()
    page.wait_for_selector("#report")

    # the proposal, downloaded, is a scenario file the command line runs
    with page.expect_download() as download:
        page.click("#download-yaml")
    proposal = tmp_path / download.value.suggested_filename
    download.value.save_as(proposal)
    written = yaml.safe_load(proposal.read_text(encoding="utf-8"))
    assert written["set_parameters"][name][-1] == {"from": change["from"], "value": target}
    expected = cli_json("whatif", "--proposed", proposal, POPULATION)
    if target == change["value"]:  # the form wrote the shipped proposal's change of the law
        same_law = cli_json("whatif", "--proposed", SCENARIO, POPULATION)
        assert expected["law_changes"] == same_law["law_changes"]

    counts = {k: int(page.locator(f"[data-count='{k}']").inner_text())
              for k in ("cases", "changed", "notices_only", "unchanged", "errors")}
    assert counts == {k: expected[k] for k in counts}
    assert expected["changed"] > 0
    diff = page.locator("#param-diff tbody tr").first.inner_text()
    p = expected["law_changes"]["parameters"][0]
    assert p["name"] in diff and str(p["before"]) in diff and str(p["after"]) in diff
    rows = page.locator("#outcome-changes tbody tr").all_inner_texts()
    assert [r.split("\t") for r in rows] == [
        [c["document_type"], c["before"], c["after"], str(c["documents"])]
        for c in expected["outcome_changes"]]
    # the chart: one bar per rule and direction, as long as its count
    for rule, c in expected["by_rule"].items():
        for kind in ("newly_fires", "stops_firing"):
            bar = page.locator(f"#by-rule-chart g.bar.{kind}[data-rule='{rule}']")
            assert bar.get_attribute("data-n") == str(c[kind])
            width = float(bar.locator("rect").get_attribute("width"))
            assert (width > 0) == (c[kind] > 0)
    assert page.locator("#by-rule-chart").is_visible()

    # the rule tests that describe the old law: what `rules test` says on a copy of the
    # rules with the value changed, as the walk-through does it
    rules = load_rules()
    copy = tmp_path / "rules"
    shutil.copytree(rules.root, copy)
    params = copy / Path(rules.parameters[name].file).relative_to(rules.root)
    before = params.read_text(encoding="utf-8")
    params.write_text(before.replace(f"value: {current}}}", f"value: {target}}}", 1),
                      encoding="utf-8")
    assert params.read_text(encoding="utf-8") != before
    run = subprocess.run([*REXCHECK, "rules", "test", "--rules", copy], capture_output=True,
                         text=True)
    failing = sorted(re.findall(r"^FAIL \S+?:(\d+): (.+)$", run.stdout, re.M))
    assert failing, run.stdout
    shown = page.locator("#rule-test-failures > li").all_inner_texts()
    assert sorted((re.match(r"\S+?:(\d+): (.+)", s.splitlines()[0]).groups()) for s in shown) \
        == failing
    assert page.locator("#rule-tests-summary").inner_text().endswith(f"{len(failing)} failed")

    # the Markdown report is the command line's --format md for the downloaded proposal
    with page.expect_download() as md:
        page.click("#download-md")
    report = Path(md.value.path()).read_text(encoding="utf-8")
    out = subprocess.run([*REXCHECK, "whatif", "--proposed", proposal, POPULATION, "--format",
                          "md"], capture_output=True, text=True)
    assert report == out.stdout
    with page.expect_download() as js:
        page.click("#download-json")
    data = json.loads(Path(js.value.path()).read_text(encoding="utf-8"))
    assert {k: data[k] for k in counts} == {k: expected[k] for k in counts}


def test_an_uploaded_proposal_with_a_misspelt_parameter_is_located(page, server, tmp_path):
    shipped = SCENARIO.read_text(encoding="utf-8")
    name = next(iter(yaml.safe_load(shipped)["set_parameters"]))
    bad = tmp_path / "my-proposal.yaml"
    bad.write_text(shipped.replace(f"  {name}:", f"  {name[:-1]}x:"), encoding="utf-8")
    out = subprocess.run([*REXCHECK, "whatif", "--proposed", bad, POPULATION],
                         capture_output=True, text=True)
    cli_line = next(line for line in (out.stdout + out.stderr).splitlines() if "error:" in line)
    page.goto(server.url + "/whatif")
    page.check("#mode-proposal")
    page.set_input_files("#proposal_file", str(bad))
    page.get_by_role("button", name="Run the what-if").click()
    problems = page.locator(".problems")
    problems.wait_for()
    assert problems.locator("code.cli").first.inner_text() == cli_line.replace(str(bad),
                                                                                bad.name)
    assert f"did you mean '{name}'" in problems.inner_text()

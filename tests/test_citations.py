"""Citations are checked against the texts of the acts, which ship with the packs.

`rexcheck rules lint` checks that each cited paragraph exists in its act and that each quoted
`text` is found in that paragraph, in the quote's language (white space ignored; `...` marks
words left out). A quotation found in another paragraph names it.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT
from rexcheck.cli.main import main
from rexcheck.engine.core.lawtexts import check_quote, check_ref, load_library

LIBRARY = load_library(ROOT / "rules" / "texts")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def rules(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", root)
    return root


def edit(path, old: str, new: str) -> int:
    """Replace the first `old`; return the line it was on."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text[:at].count("\n") + 1


def test_the_shipped_citations_match_the_law():
    result = run("rules", "lint", "--rules", str(ROOT / "rules"))
    assert "[no-such-paragraph]" not in result.output and "[quote-" not in result.output
    assert result.output.endswith("0 error(s), 0 warning(s)\n")


def test_a_paragraph_the_act_does_not_have_is_an_error_at_its_line(rules):
    path = rules / "order-244" / "ch2-refusal.yaml"
    line = edit(path, "ref: Order 244 p.8(1)", "ref: Order 244 p.99")
    result = run("rules", "lint", "--rules", str(rules))
    assert result.exit_code == 2
    assert (f"{path}:{line}:7: error: rule R244-8-1-channel: field 'citation.ref': Order 244 "
            "has no p.99 (its Rules have p.1-p.22) [no-such-paragraph]") in result.output


def test_a_quotation_from_another_paragraph_names_the_paragraph_that_holds_it(rules):
    path = rules / "order-244" / "ch2-registration.yaml"
    edit(path, "ref: Order 244 p.5\n", "ref: Order 244 p.7\n")
    result = run("rules", "lint", "--rules", str(rules))
    assert ("field 'citation.text': the quotation is not in p.7 but in p.5 (English text of "
            "Order 244); cite 'Order 244 p.5', or quote p.7 [quote-elsewhere]") in result.output


def test_a_misquotation_shows_where_it_leaves_the_text(rules):
    path = rules / "order-244" / "parameters.yaml"
    edit(path, "no later than 5 (five) working days", "no later than five working days")
    result = run("rules", "lint", "--rules", str(rules))
    assert ("the quotation is not found in p.5 (English text of Order 244): it follows the "
            "text up to '...rsed" not in result.output)  # words, not normalised text
    assert "it follows the text up to '" in result.output
    assert "where the text goes on '5 (five) working days" in result.output
    assert "and the quotation 'five working days" in result.output
    assert "[quote-not-found]" in result.output


def test_white_space_is_ignored_and_an_ellipsis_skips_words():
    assert check_quote(LIBRARY, "Order 244 p.8", "The authorized   organization,\nwithin 3 "
                       "(three) working days", "en") is None
    assert check_quote(LIBRARY, "Order 244 p.8", "The authorized organization ... shall "
                       "notify the exporter of the refusal", "en") is None


def test_the_pieces_around_an_ellipsis_must_come_in_order():
    problem = check_quote(LIBRARY, "Order 244 p.8", "shall notify the exporter ... The "
                          "authorized organization", "en")
    assert problem is not None and problem.code == "quote-not-found"


def test_a_quotation_is_looked_for_in_its_own_language():
    russian = "Уполномоченная организация в течение 3 (трех) рабочих дней"
    assert check_quote(LIBRARY, "Order 244 p.8", russian, "ru") is None
    problem = check_quote(LIBRARY, "Order 244 p.8", russian, "en")
    assert problem is not None and "not found in p.8 (English text" in problem.message


def test_a_quotation_in_a_language_no_text_ships_in_cannot_pass_unchecked():
    problem = check_quote(LIBRARY, "Order 358 p.5", "30 working days", "en")
    assert problem is not None and problem.code == "no-text-in-lang"
    assert "no English text of Order 358 ships with the packs (texts: Kazakh)" in problem.message


def test_items_of_the_order_are_not_paragraphs_of_its_rules():
    assert check_ref(LIBRARY, "Order 244 item 4") is None
    assert check_ref(LIBRARY, "Order 244 item 5").message == (
        "Order 244 has no item 5 (it has item 1-4)")
    assert check_quote(LIBRARY, "Order 244 item 4", "This order shall enter into force", "en") \
        is None


def test_sub_items_and_the_boxes_of_a_form_are_checked_as_far_as_the_texts_show_them():
    assert check_ref(LIBRARY, "Order 244 p.16(4)") is None
    assert "p.16 has sub-items (1)-(4)" in check_ref(LIBRARY, "Order 244 p.16(5)").message
    assert check_ref(LIBRARY, "Order 244 Appendix 1 box 5(9)") is None
    assert "Appendix 1 has boxes 1-7" in check_ref(LIBRARY, "Order 244 Appendix 1 box 8").message
    # the English form does not number its boxes: a quote is looked for in the whole form
    assert check_quote(LIBRARY, "Order 244 Appendix 1 box 5(2)", "certifies that the previous "
                       "registration has not been revoked", "en") is None
    assert check_quote(LIBRARY, "Order 244 Appendix 1 box 5(2)", "удостоверяет, что "
                       "предыдущая регистрация не была отозвана", "ru") is None
    assert check_quote(LIBRARY, "Order 244 Appendix 1 box 5(3)", "удостоверяет, что "
                       "предыдущая регистрация не была отозвана", "ru").code == "quote-elsewhere"


def test_an_amending_act_is_quoted_in_the_notes_of_the_act_it_amends():
    assert check_quote(LIBRARY, "Order 160 item 4", "06.04.2026 № 160-нқ", "kk") is None
    assert check_quote(LIBRARY, "Order 160 item 4", "06.04.2027 № 160-нқ", "kk") is not None


def test_the_texts_ship_inside_the_package_and_are_read_only_by_lint():
    from rexcheck.engine.core.loader import rule_files

    texts = ROOT / "rules" / "texts"
    assert {p.name for p in texts.iterdir()} >= {"acts.yaml",
                                                  "order-244-registration-rules.en.txt"}
    assert not [p for p in rule_files(ROOT / "rules") if "texts" in p.parts]
    for folder in ("engine", "cli", "facts", "api"):
        for module in (ROOT / folder).rglob("*.py"):
            text = module.read_text(encoding="utf-8")
            if module.name != "lint.py":
                assert "engine.lawtexts import" not in text, module.name
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"texts/*.txt", "texts/*.md"' in pyproject

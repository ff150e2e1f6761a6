"""Rendering the workbench's pages with Jinja2: the templates and static files ship in the
package (rexcheck.engine.web.workbench: templates/, static/), so the pages work offline, with
no build step and no CDN. Autoescaping is on: every value from a rule, a case or an upload is
text in the page, never markup.

The same templates write the static catalogue of `rexcheck rules docs` (`catalogue_html`),
with the stylesheet and the one small script put inline, so the file stands alone.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from rexcheck.engine.web.workbench.i18n import LANGS, words

PACKAGE = "rexcheck.engine.web.workbench"


def _oneline(text: Any) -> str:
    return " ".join(str(text or "").split())


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader(PACKAGE, "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["oneline"] = _oneline
    return env


def static_text(name: str) -> str:
    return (resources.files(PACKAGE) / "static" / name).read_text(encoding="utf-8")


def href_for(lang: str):
    """A link within the workbench, keeping the language."""

    def href(path: str, **query: Any) -> str:
        q = {k: v for k, v in query.items() if v not in (None, "")}
        if lang != "en":
            q["lang"] = lang
        return path + ("?" + urlencode(q) if q else "")

    return href


def render(template: str, lang: str = "en", page: str = "", path: str = "/",
           **context: Any) -> str:
    lang = lang if lang in LANGS else "en"
    other = "ru" if lang == "en" else "en"
    href = href_for(lang)
    base = {
        "lang": lang, "t": words(lang), "page": page, "href": href, "static": False,
        "inline_assets": False, "other_lang": other,
        "other_lang_href": path + ("?lang=ru" if other == "ru" else ""),
        "today": dt.date.today().isoformat(),
        "rule_href": lambda rule_id: href(f"/rules/{rule_id}"),
        "reading_href": lambda reading_id: href("/readings") + f"#reading-{reading_id}",
        "q": "", "ph": 1, "problems": [], "result": None, "graph": None, "strips": [],
        "decision_id": None, "tests": None, "proposal_yaml": "", "population_name": "",
    }
    base.update(context)
    return environment().get_template(template).render(**base)


def catalogue_page(ruleset: Any, tests: list[Any]) -> str:
    """The static catalogue of a rule set and its tests (what `rexcheck rules docs` writes)."""
    from rexcheck.engine.web.workbench.law import LawView

    return catalogue_html(LawView(ruleset, tests))


def catalogue_html(law: Any) -> str:
    """The static catalogue: the Rules page's tree with every rule written out, the
    parameters and the readings, on one page with its stylesheet and script inline."""
    from rexcheck.engine.web.workbench.law import anchor

    return render("catalogue.html", "en", title="Rule catalogue", law=law, static=True,
                  inline_assets=True, css=static_text("workbench.css"),
                  js=static_text("workbench.js"), today=None,
                  rule_href=lambda rule_id: "#rule-" + anchor(rule_id),
                  reading_href=lambda reading_id: (f"#reading-{reading_id}"
                                                   if reading_id in law.readings
                                                   else f"readings.md#{reading_id}"),
                  ).rstrip() + "\n"

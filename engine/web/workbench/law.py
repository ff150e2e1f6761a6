"""The law as the workbench shows it: act -> chapter -> paragraph -> rule.

Built once from a loaded rule set, its rule tests and docs/readings.md, on top of what the
service already makes (engine/authoring/lawinfo.py: each rule's law, reading, parameters with their
dated values, tests) and of the catalogue's ordering of paragraphs (engine/authoring/catalogue.py).
Chapter titles and each paragraph's full text come from the texts of the acts that ship with
the packs (engine/core/lawtexts.py), so nothing here names a value or a paragraph of the law: it
is all read from the packs.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rexcheck.engine.authoring.catalogue import _heading, _sort_key
from rexcheck.engine.authoring.lawinfo import LawIndex
from rexcheck.engine.authoring.prose import rule_title
from rexcheck.engine.authoring.ruletests import LoadedTest
from rexcheck.engine.core.loader import RuleSet
from rexcheck.engine.web.workbench.markdown import to_html
from rexcheck.facts.base.errors import InvalidInput
from rexcheck.facts.base.yamlsource import load_yaml

# "Chapter 2. The procedure ..." (English), "Глава 2. ..." (Russian), "2-тарау. ..." (Kazakh)
_CHAPTER = re.compile(r"^(?:#+\s*)?\**\s*(?:Chapter (\d+)\.|Глава (\d+)\.|(\d+)-тарау\.)"
                      r"\s*(.+?)\**\s*$")
_READING = re.compile(r"^## `([a-z0-9-]+)`\s*$", re.M)
_PARA_QUERY = re.compile(r"^(?:p\.?|п\.?|paragraph\s*)?\s*(\d+)((?:\(\d+\))*)$", re.I)


def anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def readings_file_for(ruleset: RuleSet) -> Path:
    """docs/readings.md beside the rules tree, where `rexcheck rules lint` looks for it."""
    return Path(ruleset.root).resolve().parent / "docs" / "readings.md"


def readings(path: Path | None) -> dict[str, str]:
    """Each reading of docs/readings.md (its id -> its section as HTML); none when the file
    is not there (an installed package without the repository's docs)."""
    if path is None or not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    marks = list(_READING.finditer(text))
    out = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[m.end():end]
        body = body.split("\n## ", 1)[0]  # a later section that is not a reading
        out[m.group(1)] = to_html(body, link_base="", heading_offset=2)
    return out


def _chapters(ruleset: RuleSet) -> dict[tuple[str, str, str], str]:
    """(act, chapter number, lang) -> the chapter's title in the text of the act."""
    from rexcheck.engine.core.lawtexts import load_library, texts_folder

    try:
        library = load_library(texts_folder(Path(ruleset.root)))
    except (InvalidInput, OSError):
        return {}
    out: dict[tuple[str, str, str], str] = {}
    for act, by_lang in library.texts.items():
        for lang, text in by_lang.items():
            try:
                lines = Path(text.file).read_text(encoding="utf-8").splitlines()
            except OSError:
                continue
            for i, line in enumerate(lines):
                m = _CHAPTER.match(line.strip())
                if m:
                    number = next(g for g in m.groups()[:3] if g)
                    title = m.group(4).strip(" *")
                    # a heading of the plain text may go on, on the next lines, to a blank one
                    for more in lines[i + 1:i + 4] if not line.rstrip().endswith("**") else []:
                        if not more.strip():
                            break
                        title += " " + more.strip()
                    out.setdefault((act, number, lang), title)
    return out


def _paragraph_texts(ruleset: RuleSet) -> dict[str, dict[str, str]]:
    """'Order 244 p.11' -> {lang: the paragraph's full text}."""
    from rexcheck.engine.core.lawtexts import load_library, texts_folder

    try:
        library = load_library(texts_folder(Path(ruleset.root)))
    except (InvalidInput, OSError):
        return {}
    out: dict[str, dict[str, str]] = {}
    for act, by_lang in library.texts.items():
        for lang, text in by_lang.items():
            for part, body in text.parts.items():
                out.setdefault(f"{act} {part}", {})[lang] = body.strip()
    return out


@dataclass
class Paragraph:
    heading: str
    anchor: str
    rules: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Chapter:
    number: str
    titles: dict[str, str]
    anchor: str
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class Act:
    name: str
    title: str
    anchor: str
    chapters: list[Chapter] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(p.rules) for c in self.chapters for p in c.paragraphs)


class LawView:
    """Everything the Rules pages and the static catalogue show, made once."""

    def __init__(self, ruleset: RuleSet, tests: list[LoadedTest],
                 readings_path: Path | None = None, index: LawIndex | None = None):
        index = index or LawIndex(ruleset, tests)
        self.digest = ruleset.digest
        self.readings = readings(readings_path if readings_path is not None
                                 else readings_file_for(ruleset))
        self.parameters = index.parameters
        self.parameter = {p["name"]: p for p in self.parameters}
        chapter_titles = _chapters(ruleset)
        texts = _paragraph_texts(ruleset)
        file_chapter: dict[str, str] = {}
        for file in sorted({lr.file for lr in ruleset.rules}):
            try:
                data, _ = load_yaml(file)
            except (InvalidInput, OSError):
                data = None
            chapter = data.get("chapter") if isinstance(data, dict) else None
            file_chapter[file] = str(chapter) if chapter is not None else ""
        acts_title = ({name: " ".join(a.title.split()) for name, a in ruleset.law.acts.items()}
                      if ruleset.law else {})
        self.rules: dict[str, dict[str, Any]] = {}
        acts: dict[str, Act] = {}
        ordered = sorted(ruleset.rules, key=lambda lr: (_sort_key(lr.rule.citation.ref),
                                                        lr.rule.id))
        for lr in ordered:
            r = lr.rule
            detail = dict(index.rules[r.id])
            number = file_chapter.get(lr.file, "")
            heading = _heading(r.citation.ref)
            act = acts.setdefault(lr.act, Act(lr.act, acts_title.get(lr.act, ""),
                                              anchor(lr.act)))
            chapter = next((c for c in act.chapters if c.number == number), None)
            if chapter is None:
                titles = {lang: t for (a, n, lang), t in chapter_titles.items()
                          if a == lr.act and n == number}
                chapter = Chapter(number, titles, anchor(f"{lr.act} chapter {number}"))
                act.chapters.append(chapter)
            para = next((p for p in chapter.paragraphs if p.heading == heading), None)
            if para is None:
                # a paragraph may hold rules of two chapters' files (p.11 in ch.2 and ch.4)
                para = Paragraph(heading, anchor(f"{heading} chapter {number}"))
                chapter.paragraphs.append(para)
            reading = detail["reading"]
            detail.update({
                "title_filled": rule_title(lr, ruleset),
                "chapter": number,
                "paragraph": heading,
                "paragraph_anchor": para.anchor,
                "paragraph_text": texts.get(r.citation.ref) or texts.get(heading) or {},
                "reading_html": self.readings.get(reading["id"]) if reading else None,
                "anchor": "rule-" + anchor(r.id),
            })
            detail["search"] = " ".join(str(x) for x in (
                r.id, detail["title_filled"], detail["description"], r.citation.ref,
                " ".join(r.citation.also), r.citation.text, r.citation.translation or "",
                reading["text"] if reading else "", reading["id"] if reading else "",
                (detail["finding"] or {}).get("message") or "",
                (detail["finding"] or {}).get("message_ru") or "")).lower()
            detail["paragraphs"] = sorted({_paragraph_of(ref) for ref in
                                           [r.citation.ref, *r.citation.also]} - {None})
            self.rules[r.id] = detail
            para.rules.append(detail)
        for lr in ruleset.rules:  # a reading docs/readings.md does not give (an installed
            read = lr.rule.reading  # package has no docs/), on the Readings page: its text
            if read is not None and read.id not in self.readings:  # as its rules state it
                self.readings[read.id] = f"<p>{html.escape(' '.join(read.text.split()))}</p>"
        for act in acts.values():
            act.chapters.sort(key=lambda c: (not c.number.isdigit(),
                                             int(c.number) if c.number.isdigit() else 0))
        self.acts = [acts[name] for name in sorted(acts)]
        self.count = len(self.rules)
        used: dict[str, list[str]] = {}
        for rule in self.rules.values():
            for p in rule["parameters"]:
                used.setdefault(p["name"], []).append(rule["id"])
        self.used_by = used

    def search(self, query: str) -> list[dict[str, Any]]:
        """Rules by paragraph number ('11', 'p.16(2)') or by words (all of them, anywhere in
        the rule's id, title, description, law, reading or message)."""
        q = " ".join(query.split())
        if not q:
            return []
        m = _PARA_QUERY.match(q)
        if m:
            wanted = f"p.{m.group(1)}{m.group(2)}"
            return [r for r in self.rules.values()
                    if any(p == wanted or (not m.group(2) and p.startswith(wanted + "("))
                           for p in r["paragraphs"])]
        words = q.lower().split()
        return [r for r in self.rules.values() if all(w in r["search"] for w in words)]


def _paragraph_of(ref: str) -> str | None:
    m = re.search(r"\b(p\.\d+(?:\(\d+\))*|Appendix \d+)", ref)
    return m.group(1) if m else None


def value_in_force(param: dict[str, Any], day: dt.date) -> Any:
    """The value of a parameter (lawinfo's form) on `day`, or None."""
    iso = day.isoformat()
    for v in param["values"]:
        if (v["from"] is None or v["from"] <= iso) and (v["to"] is None or iso <= v["to"]):
            return v
    return None

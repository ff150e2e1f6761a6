"""The texts of the acts the packs cite, and the check of every citation against them.

`rules/texts/acts.yaml` names, per act, a text per language (copied unchanged from the
published sources). Each text is cut into the parts a citation names:

- `item N`: a numbered item of the order itself (before the Rules it approves);
- `p.N` and `p.N(K)`: a paragraph of the Rules and its numbered sub-item `K)`;
- `Appendix N`, `Appendix N box B` and `Appendix N box B(K)`: an appendix, a numbered box of
  its form and a numbered line of the box, as far as the text shows the boxes (the Russian
  form numbers them; the English translation loses the numbers, so there only the appendix
  is known).

`check_citation` then says whether a cited part exists in some language of the act, and
whether a quotation is found in that part, in the quote's language: white space is ignored
(the sources break lines anywhere, and some space out letters), dashes and quotation marks
count as one each, and `...` in a quotation stands for words left out, so the pieces between
must each be found, in order. A quotation found elsewhere in the act is reported with the part
that holds it.

Only `rexcheck rules lint` reads these texts; nothing that judges a case does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rexcheck.facts.base.errors import Diagnostic, InvalidInput
from rexcheck.facts.base.yamlsource import load_yaml, read_text

TEXTS_DIR = "texts"
MANIFEST = "acts.yaml"
LANGUAGES = {"en": "English", "ru": "Russian", "kk": "Kazakh"}

_ITEM = re.compile(r"^\s*(\d{1,3})\.\s+\S")
_SUB = re.compile(r"^\s*(\d{1,2})\)\s")
_BOX = re.compile(r"^\s*(\d)(?:\s*$|\s+\S)")
_APPENDIX = re.compile(r"^\s*(?:Appendix|Приложение|Қосымша)\s+(\d+)\b")
_ELLIPSIS = re.compile(r"\.\.\.|…")
MIN_BOXES = 3  # a form's boxes are known when at least this many are numbered in sequence

_SAME = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
                       "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "’": "'", "‘": "'",
                       "ё": "е", "Ё": "Е"})


@dataclass
class Normalised:
    """A text with white space removed (and dashes and quotes made one), remembering where
    each character came from, to show the original around a place."""

    text: str
    origin: list[int]
    source: str

    @classmethod
    def of(cls, source: str) -> Normalised:
        chars, origin = [], []
        for i, ch in enumerate(source.translate(_SAME)):
            if not ch.isspace():
                chars.append(ch)
                origin.append(i)
        return cls("".join(chars), origin, source)

    def around(self, start: int, length: int = 60) -> str:
        """The original text from normalised position `start`, on one line."""
        if start >= len(self.origin):
            return "(the end of the part)"
        begin = self.origin[start]
        return " ".join(self.source[begin:begin + length].split())


def _norm(text: str) -> str:
    return "".join(text.translate(_SAME).split())


@dataclass
class ActText:
    """One language's text of an act, cut into the parts a citation names."""

    act: str
    lang: str
    file: str
    parts: dict[str, str] = field(default_factory=dict)  # "p.8(1)" -> its text, in order


def _numbered(lines: list[str], pattern: re.Pattern, first: int = 1,
              restart: bool = False) -> list[tuple[int, int, int]]:
    """(number, first line, section) of the lines that number a sequence: each the next
    number, or the same again (a duplicated paragraph, as the English p.18); with `restart`, a
    new sequence may begin once at 1 (the Rules after the order's items)."""
    out: list[tuple[int, int, int]] = []
    section = 0
    for i, line in enumerate(lines):
        m = pattern.match(line)
        if not m:
            continue
        n = int(m.group(1))
        last = out[-1][0] if out else first - 1
        if n == last + 1 or (out and n == last):
            out.append((n, i, section))
        elif restart and n == 1 and section == 0 and out:
            section = 1
            out.append((n, i, section))
    return out


def _spans(lines: list[str], marks: list[tuple[int, int, int]], end: int
           ) -> list[tuple[int, int, str]]:
    """(number, section, text) for each mark, up to the next mark (or `end`)."""
    out = []
    for k, (n, start, section) in enumerate(marks):
        stop = marks[k + 1][1] if k + 1 < len(marks) else end
        out.append((n, section, "\n".join(lines[start:stop])))
    return out


def _add_subitems(parts: dict[str, str], key: str, text: str) -> None:
    lines = text.split("\n")
    for n, _, body in _spans(lines, _numbered(lines, _SUB), len(lines)):
        name = f"{key}({n})"
        parts[name] = parts[name] + "\n" + body if name in parts else body


def parse_act(act: str, lang: str, text: str, file: str = "") -> ActText:
    lines = text.split("\n")
    appendices = _numbered(lines, _APPENDIX)
    body_end = appendices[0][1] if appendices else len(lines)
    body = lines[:body_end]
    marks = _numbered(body, _ITEM, restart=True)
    if marks and marks[-1][2] == 0:  # one sequence only: it is the Rules themselves
        marks = [(n, i, 1) for n, i, _ in marks]
    result = ActText(act, lang, file)
    for n, section, chunk in _spans(body, marks, body_end):
        key = f"p.{n}" if section else f"item {n}"
        result.parts[key] = result.parts[key] + "\n" + chunk if key in result.parts else chunk
    for key in [k for k in result.parts]:
        _add_subitems(result.parts, key, result.parts[key])
    for n, _, chunk in _spans(lines, appendices, len(lines)):
        key = f"Appendix {n}"
        result.parts[key] = chunk
        inner = chunk.split("\n")
        boxes = _numbered(inner, _BOX)
        if len(boxes) >= MIN_BOXES:
            for b, _, box in _spans(inner, boxes, len(inner)):
                result.parts[f"{key} box {b}"] = box
                _add_subitems(result.parts, f"{key} box {b}", box)
    return result


@dataclass
class Library:
    """The texts of the acts, per act and language; `quoted_in` for acts without their own."""

    folder: Path
    texts: dict[str, dict[str, ActText]] = field(default_factory=dict)
    quoted_in: dict[str, str] = field(default_factory=dict)

    def act_of(self, ref: str) -> tuple[str, str]:
        """('Order 244', 'p.8(1)') from 'Order 244 p.8(1)'."""
        words = ref.split(" ", 2)
        return " ".join(words[:2]), words[2] if len(words) > 2 else ""


def load_library(folder: Path) -> Library:
    """The texts named by `folder/acts.yaml`; InvalidInput when it or a text cannot be read."""
    data, _ = load_yaml(folder / MANIFEST)
    library = Library(folder)
    acts = data.get("acts") if isinstance(data, dict) else None
    if not isinstance(acts, dict):

        raise InvalidInput([Diagnostic(str(folder / MANIFEST), 1, 1, "the manifest of the law "
                                       "texts is a mapping 'acts:' of act -> language -> file",
                                       "law-texts")])
    for act, spec in acts.items():
        for lang, name in (spec or {}).items():
            if lang == "quoted_in":
                library.quoted_in[act] = str(name)
                continue
            path = folder / str(name)
            library.texts.setdefault(act, {})[lang] = _parse_file(str(act), lang, str(path))
    return library


@lru_cache(maxsize=16)
def _parse_file(act: str, lang: str, path: str) -> ActText:
    text = read_text(path)
    if path.endswith(".md"):  # bold and headings of the published Markdown are not words
        text = text.replace("**", "").replace("## ", "")
    return parse_act(act, lang, text, path)


@dataclass
class Problem:
    """What is wrong with one citation: a message, a hint, and whether it is the ref or the
    quotation that is wrong."""

    message: str
    hint: str | None
    code: str
    about: str  # "ref" or "text"


def _ancestors(part: str) -> list[str]:
    """'Appendix 1 box 5(2)' -> itself, 'Appendix 1 box 5', 'Appendix 1'."""
    out = [part]
    while True:
        if part.endswith(")") and "(" in part:
            part = part[:part.rindex("(")]
        elif " box " in part:
            part = part[:part.rindex(" box ")]
        else:
            return out
        out.append(part)


def _describe(parts: dict[str, str], part: str) -> str:
    """What the act does have near a missing part, e.g. 'p.1-p.22' or '(1)-(3)'."""
    if "(" in part:
        parent = part[:part.rindex("(")]
        subs = sorted(int(k[len(parent) + 1:-1]) for k in parts
                      if k.startswith(parent + "(") and k[len(parent) + 1:-1].isdigit())
        return (f"{parent} has sub-items ({subs[0]})-({subs[-1]})" if subs
                else f"{parent} has no numbered sub-items")
    kind = part.split(" ")[0] if " " in part else part.split(".")[0] + "."
    if part.startswith("Appendix") and " box " in part:
        parent = part[:part.rindex(" box ")]
        boxes = sorted(int(k.split(" box ")[1]) for k in parts
                       if k.startswith(parent + " box ") and k.split(" box ")[1].isdigit())
        return f"{parent} has boxes {boxes[0]}-{boxes[-1]}" if boxes else f"no {parent}"
    numbers = sorted(int(re.sub(r"\D", "", k)) for k in parts
                     if k.startswith(kind) and "(" not in k and " box " not in k)
    if not numbers:
        return "no such parts"
    first, last = numbers[0], numbers[-1]
    if kind == "p.":
        return f"its Rules have p.{first}-p.{last}"
    return f"it has {kind} {first}-{last}" if kind != "Appendix" else (
        f"it has Appendix {first}-{last}")


def _known_parts(texts: dict[str, ActText]) -> dict[str, str]:
    known: dict[str, str] = {}
    for text in texts.values():
        for key in text.parts:
            known.setdefault(key, text.lang)
    return known


def check_ref(library: Library, ref: str) -> Problem | None:
    """Whether the part a ref names exists in some language of its act."""
    act, part = library.act_of(ref)
    if act in library.quoted_in:
        return None  # no text of its own: only its quotations are looked for
    texts = library.texts.get(act)
    if not texts:
        return Problem(f"no text of {act} ships with the packs, so '{ref}' cannot be checked",
                       f"add its text to {TEXTS_DIR}/{MANIFEST}", "uncited-act", "ref")
    known = _known_parts(texts)
    if part in known:
        return None
    chain = _ancestors(part)
    boxes_known = any(" box " in k for k in known)
    if part.startswith("Appendix") and not boxes_known and chain[-1] in known:
        return None  # the boxes are not numbered in any text: checked as far as it goes
    return Problem(f"{act} has no {part} ({_describe(known, part)})", None, "no-such-paragraph",
                   "ref")


def check_quote(library: Library, ref: str, quote: str, lang: str) -> Problem | None:
    """Whether the quotation is found in the cited part, in the quote's language."""
    act, part = library.act_of(ref)
    holder = library.quoted_in.get(act, act)
    texts = library.texts.get(holder, {})
    text = texts.get(lang)
    if text is None:
        have = ", ".join(LANGUAGES.get(x, x) for x in texts) or "none"
        return Problem(f"no {LANGUAGES.get(lang, lang)} text of {holder} ships with the packs "
                       f"(texts: {have}), so the quotation cannot be checked",
                       "quote the language a text ships in, and set 'lang'", "no-text-in-lang",
                       "text")
    quoted = [Normalised.of(x) for x in _ELLIPSIS.split(quote)]
    quoted = [q for q in quoted if q.text]
    pieces = [q.text for q in quoted]
    if not pieces:
        return None
    if act in library.quoted_in:  # only the whole text can be searched
        whole = _norm(read_text(text.file).replace("**", "")) if text.file else ""
        if _find(whole, pieces) is None:
            return Problem(f"the quotation is not found in {holder} ({LANGUAGES[lang]}), "
                           f"where {act} is quoted", None, "quote-not-found", "text")
        return None
    own = next((p for p in _ancestors(part) if p in text.parts), None)
    if own is None:
        return None  # the part itself is missing: check_ref reports it
    cited = Normalised.of(text.parts[own])
    if _find(cited.text, pieces) is not None:
        return None
    elsewhere = _found_in(text, pieces)
    name = LANGUAGES.get(lang, lang)
    if elsewhere:
        return Problem(f"the quotation is not in {own} but in {elsewhere} ({name} text of "
                       f"{act})", f"cite '{act} {elsewhere}', or quote {own}",
                       "quote-elsewhere", "text")
    return Problem(f"the quotation is not found in {own} ({name} text of {act}): "
                   f"{_divergence(cited, quoted)}",
                   "copy the words from the text; mark words left out with '...'",
                   "quote-not-found", "text")


def _find(haystack: str, pieces: list[str], start: int = 0) -> int | None:
    """Where the first piece starts, when every piece is found in order; else None."""
    first = None
    for piece in pieces:
        at = haystack.find(piece, start)
        if at < 0:
            return None
        first = at if first is None else first
        start = at + len(piece)
    return first


def _found_in(text: ActText, pieces: list[str]) -> str | None:
    """The most specific other part that holds the whole quotation."""
    holders = [k for k, body in text.parts.items() if _find(_norm(body), pieces) is not None]
    if not holders:
        return None
    return min(holders, key=lambda k: len(text.parts[k]))


def _divergence(cited: Normalised, quoted: list[Normalised]) -> str:
    """Where the quotation leaves the text: the longest start of a piece that is found."""
    start = 0
    for q in quoted:
        piece = q.text
        at = cited.text.find(piece, start)
        if at >= 0:
            start = at + len(piece)
            continue
        best_len, best_at = 0, -1
        lo, hi = 1, len(piece)
        while lo <= hi:  # the longest prefix found (a prefix found implies its prefixes are)
            mid = (lo + hi) // 2
            found = cited.text.find(piece[:mid], start)
            if found >= 0:
                best_len, best_at = mid, found
                lo = mid + 1
            else:
                hi = mid - 1
        if best_len < 8:
            return f"its words from '{_shorten(' '.join(q.source.split()))}' are not there"
        words = " ".join(q.source[:q.origin[best_len - 1] + 1].split())
        return (f"it follows the text up to '{_shorten(words, tail=True)}', where the text "
                f"goes on '{cited.around(best_at + best_len, 40)}' and the quotation "
                f"'{q.around(best_len, 40)}'")
    return "its pieces are not in this order"


def _shorten(text: str, tail: bool = False, limit: int = 40) -> str:
    if len(text) <= limit:
        return text
    return "..." + text[-limit:] if tail else text[:limit] + "..."


def texts_folder(root: Path) -> Path:
    """The tree's own `texts/`, else the texts shipped with rexcheck (a tree of a few test
    rules cites the same acts)."""
    own = root / TEXTS_DIR
    if (own / MANIFEST).is_file():
        return own

    return Path(str(resources.files("rexcheck.rules"))) / TEXTS_DIR


def _citations(data: object, path: tuple = ()) -> list[tuple[tuple, dict, str | None]]:
    """Every citation mapping in a loaded file: (its path, itself, the id of the rule that
    holds it)."""
    out = []
    if isinstance(data, dict):
        cited = data.get("citation")
        if isinstance(cited, dict) and isinstance(cited.get("ref"), str):
            rid = data.get("id") if isinstance(data.get("id"), str) and "title" in data else None
            out.append((path + ("citation",), cited, rid))
        for key, value in data.items():
            out.extend(_citations(value, path + (key,)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(_citations(value, path + (i,)))
    return out


def _field(where: tuple, rule_id: str | None, key: str) -> str:
    """'citation.text' in a rule (named by its id), else the whole path to it."""
    if rule_id is not None:
        return f"citation.{key}"
    return ".".join(str(p) for p in where + (key,))


def check_tree(root: Path, files: list[Path]) -> list:
    """Errors for the citations of `files` (rule files and law.yaml) that do not match the
    texts of their acts."""
    folder = texts_folder(root)
    try:
        library = load_library(folder)
    except InvalidInput as exc:
        return exc.diagnostics
    out: list[Diagnostic] = []
    for path in files:
        try:
            data, positions = load_yaml(path)
        except InvalidInput:
            continue  # reported by the loader
        for where, cited, rule_id in _citations(data):
            refs = [("ref", cited["ref"])] + [(("also", i), r) for i, r in
                                             enumerate(cited.get("also") or [])
                                             if isinstance(r, str)]
            for key, ref in refs:
                problem = check_ref(library, ref)
                if problem is not None:
                    line, col = positions.of(where + (key if isinstance(key, tuple) else (key,)))
                    name = _field(where, rule_id, key if isinstance(key, str) else "also")
                    out.append(Diagnostic(str(path), line, col, problem.message, problem.code,
                                          rule_id=rule_id, field=name, hint=problem.hint))
            quote = cited.get("text")
            if not isinstance(quote, str) or check_ref(library, cited["ref"]) is not None:
                continue
            stated = cited.get("lang")
            lang = stated if isinstance(stated, str) else "en"
            problem = check_quote(library, cited["ref"], quote, lang)
            if problem is not None:
                line, col = positions.of(where + ("text",))
                out.append(Diagnostic(str(path), line, col, problem.message, problem.code,
                                      rule_id=rule_id, field=_field(where, rule_id, "text"),
                                      hint=problem.hint))
    return out

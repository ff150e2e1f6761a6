"""A small Markdown renderer for the pages: enough for docs/readings.md (paragraphs, lists,
headings, code, emphasis, links). Text is escaped first; nothing in it becomes markup but
what the few patterns below make, so a reading cannot inject HTML into a page."""

from __future__ import annotations

import html
import re

_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")
_EM = re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")


def inline(text: str, link_base: str = "") -> str:
    """One line of Markdown as HTML (escaped; code spans are left as they are written)."""
    out = []
    for i, part in enumerate(re.split(r"(`[^`]+`)", text)):
        if i % 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        s = html.escape(part, quote=False)
        s = _STRONG.sub(r"<strong>\1</strong>", s)
        s = _EM.sub(r"<em>\1</em>", s)

        def link(m: re.Match) -> str:
            href = m.group(2)
            if not re.match(r"^(https?:|#|/)", href):
                href = link_base + href
            return f'<a href="{html.escape(href)}">{m.group(1)}</a>'

        out.append(_LINK.sub(link, s))
    return "".join(out)


def to_html(text: str, link_base: str = "", heading_offset: int = 0) -> str:
    """Blocks: headings, bullet and numbered lists, fenced code, paragraphs."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    ordered = False
    fence: list[str] | None = None

    def flush() -> None:
        nonlocal para, items
        if para:
            blocks.append(f"<p>{inline(' '.join(para), link_base)}</p>")
            para = []
        if items:
            tag = "ol" if ordered else "ul"
            blocks.append(f"<{tag}>" + "".join(f"<li>{inline(i, link_base)}</li>"
                                              for i in items) + f"</{tag}>")
            items = []

    for line in text.splitlines():
        if fence is not None:
            if line.startswith("```"):
                blocks.append(f"<pre><code>{html.escape(chr(10).join(fence))}</code></pre>")
                fence = None
            else:
                fence.append(line)
            continue
        if line.startswith("```"):
            flush()
            fence = []
        elif not line.strip():
            flush()
        elif line.startswith("#"):
            flush()
            level = min(6, len(line) - len(line.lstrip("#")) + heading_offset)
            blocks.append(f"<h{level}>{inline(line.lstrip('#').strip(), link_base)}</h{level}>")
        elif _ITEM.match(line):
            if para:
                flush()
            ordered = bool(re.match(r"^\s*\d+\.", line))
            items.append(_ITEM.sub("", line, count=1))
        elif items and line.startswith(" "):
            items[-1] += " " + line.strip()
        else:
            para.append(line.strip())
    if fence is not None:
        blocks.append(f"<pre><code>{html.escape(chr(10).join(fence))}</code></pre>")
    flush()
    return "\n".join(blocks)

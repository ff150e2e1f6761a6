"""A case's result made ready for the page: the chain of firings laid out as a graph (drawn as
inline SVG by the template, no script) and each deadline as a strip of calendar days.

Both read only the result object of the contract (engine/services/result.py, with the trace that
`--explain` adds) and the working calendar the service loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rexcheck.engine.core.calendar import WEEKEND, CalendarError

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 270, 58, 18, 42, 8
MAX_STRIP_DAYS = 70


@dataclass
class Node:
    key: str
    lines: list[str]
    kind: str  # document, derive, outcome, error, warning, info
    title: str
    rule: str = ""
    layer: int = 0
    x: int = 0
    y: int = 0
    preds: list[str] = field(default_factory=list)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def chain(result: dict[str, Any]) -> dict[str, Any] | None:
    """The firings of the trace as a layered graph: the case's own documents on top, each
    firing below what it used, an edge for each fact one firing derived and another matched
    (request -> conclusion -> ground -> revocation -> statement invalid)."""
    trace = result.get("trace") or []
    if not trace:
        return None
    severity: dict[int, str] = {}
    for f in result.get("findings", []) + result.get("notices", []) + result.get("pending", []):
        if f.get("firing") is not None:
            severity.setdefault(f["firing"], f["severity"])
    by_ref: dict[str, list[int]] = {}  # a fact may be derived again: each firing deriving it
    for s in trace:
        if s.get("derived"):
            by_ref.setdefault(s["derived"]["ref"], []).append(s["index"])
    nodes: dict[str, Node] = {}
    edges: list[tuple[str, str, str]] = []
    for step in trace:
        key = f"s{step['index']}"
        kind = ("outcome" if step.get("outcome") else severity.get(step["index"])
                or ("derive" if step.get("derived") else "info"))
        third = (f"=> {step['subject']['type']} {step['subject']['ref']}: {step['outcome']}"
                 if step.get("outcome") else
                 f"-> {step['derived']['fact']}" if step.get("derived") else kind)
        nodes[key] = Node(key, [_short(step["rule_id"]), step["citation"], _short(third, 44)],
                          kind, f"#{step['index']} {step['rule_id']} [{step['citation']}] "
                          f"on {', '.join(f['type'] + ' ' + f['ref'] for f in step['facts'])}"
                          + (f" -> {step['derived']['ref']}" if step.get("derived") else "")
                          + (f" => {step['outcome']}" if step.get("outcome") else ""),
                          step["rule_id"])
        for fact in step["facts"]:
            earlier = [i for i in by_ref.get(fact["ref"], []) if i < step["index"]]
            if fact.get("derived_by") and earlier:
                src = f"s{earlier[-1]}"  # the firing that derived it last before this one
                edges.append((src, key, fact["type"]))
            else:
                src = f"d:{fact['type']}:{fact['ref']}"
                if src not in nodes:
                    nodes[src] = Node(src, [_short(f"{fact['type']} {fact['ref']}"),
                                            "case document", ""], "document",
                                      f"{fact['type']} {fact['ref']}")
                edges.append((src, key, ""))
    for src, dst, _ in edges:
        if src != dst and src not in nodes[dst].preds:
            nodes[dst].preds.append(src)
    # layers: the longest path from a document (the trace is in firing order, so one pass
    # over it in order, documents first, settles every layer)
    order = [k for k in nodes if k.startswith("d:")] + [f"s{s['index']}" for s in trace]
    for key in order:
        n = nodes[key]
        n.layer = max((nodes[p].layer + 1 for p in n.preds if p in nodes and p != key),
                      default=0)
    layers: dict[int, list[Node]] = {}
    for key in order:
        layers.setdefault(nodes[key].layer, []).append(nodes[key])
    position: dict[str, float] = {}
    for depth in sorted(layers):
        row = layers[depth]
        if depth:
            row.sort(key=lambda n: (sum(position.get(p, 0) for p in n.preds)
                                    / max(len(n.preds), 1)))
        for i, n in enumerate(row):
            position[n.key] = i
    width = max(len(r) for r in layers.values()) * (NODE_W + GAP_X) - GAP_X + 2 * PAD
    for depth, row in layers.items():
        span = len(row) * (NODE_W + GAP_X) - GAP_X
        left = (width - span) // 2
        for i, n in enumerate(row):
            n.x = left + i * (NODE_W + GAP_X)
            n.y = PAD + depth * (NODE_H + GAP_Y)
    height = PAD * 2 + len(layers) * (NODE_H + GAP_Y) - GAP_Y
    lines = []
    seen = set()
    for src, dst, label in edges:
        if (src, dst) in seen or src == dst:
            continue
        seen.add((src, dst))
        a, b = nodes[src], nodes[dst]
        lines.append({"from": src, "to": dst, "x1": a.x + NODE_W // 2, "y1": a.y + NODE_H,
                      "x2": b.x + NODE_W // 2, "y2": b.y - 2, "label": label})
    return {"width": width, "height": height, "nodes": [nodes[k] for k in order],
            "edges": lines, "w": NODE_W, "h": NODE_H,
            "steps": [nodes[f"s{s['index']}"].title for s in trace]}


def strips(result: dict[str, Any], calendar: Any) -> list[dict[str, Any]]:
    """Each deadline of the findings and pending steps as the days from its start to its due
    date (or the day it was done, when later), each day marked working, weekend or day off
    with the calendar's reason, and the working days counted."""
    out = []
    for f in result.get("findings", []) + result.get("pending", []) + result.get("notices", []):
        d = f.get("deadline")
        if not d:
            continue
        start, due = dt.date.fromisoformat(d["start"]), dt.date.fromisoformat(d["due"])
        done = dt.date.fromisoformat(d["done"]) if d.get("done") else None
        end = max(due, done) if done else due
        if (end - start).days > MAX_STRIP_DAYS:
            end = start + dt.timedelta(days=MAX_STRIP_DAYS)
        try:
            infos = calendar.explain(start, end)
        except CalendarError as exc:
            out.append({"finding": f, "error": str(exc), "days": []})
            continue
        days, count = [], 0
        for info in infos:
            kind = "working"
            if not info.working:
                kind = "weekend" if info.entry is not None and info.entry.kind == WEEKEND \
                    else "holiday"
            if info.working and info.date > start:
                count += 1
            marks = [kind]
            if info.date == start:
                marks.append("start")
            if info.date == due:
                marks.append("due")
            if done is not None and info.date == done:
                marks.append("done")
            if d.get("status") == "late" or (d.get("days_late") or 0) > 0:
                marks.append("late")
            days.append({"date": info.date.isoformat(), "day": info.date.day,
                         "weekday": info.date.strftime("%a"), "kind": kind,
                         "marks": " ".join(marks),
                         "reason": info.reason or "working day",
                         "count": count if info.working and info.date > start else None})
        out.append({"finding": f, "days": days, "error": None})
    return out

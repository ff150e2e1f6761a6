"""The package's layers, read from the source (AST): imports go one way, from the command line
and the web service at the top down to the base, and never round in a cycle.

    facts.base  <  facts  <  engine.core  <  engine.services  <  engine.authoring
                <  rexcheck (the public API)  <  engine.web, cli

An import under `if TYPE_CHECKING:` (for annotations only, never run) does not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

FOLDERS = {"api": "rexcheck", "engine": "rexcheck.engine", "facts": "rexcheck.facts",
           "cli": "rexcheck.cli", "rules": "rexcheck.rules", "examples": "rexcheck.examples"}
# lowest first; a module may import its own layer and those below (the longest prefix decides)
LAYERS = [["rexcheck.facts.base", "rexcheck.engine", "rexcheck.rules"], ["rexcheck.facts"],
          ["rexcheck.engine.core"], ["rexcheck.engine.services"], ["rexcheck.engine.authoring"],
          ["rexcheck"], ["rexcheck.engine.web", "rexcheck.cli", "rexcheck.examples"]]
# the engine's inner workings, which the command line and the service reach only through
# the public API, the services and the authoring tools
INTERNALS = {f"rexcheck.engine.core.{m}" for m in
             ("runtime", "compiler", "conditions", "factplan", "normalise", "partition",
              "limits", "findings", "outcomes")}


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts
                     if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def _runtime_imports(tree: ast.AST) -> list[ast.AST]:
    """Import statements, but those under `if TYPE_CHECKING:`."""
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    out: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            out[name].update(t for t in targets if t in mods and t != name)
    return out


def layer_of(module: str) -> int:
    best, length = -1, -1
    for i, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = i, len(prefix)
    return best


def test_the_graph_is_read():
    g = graph()
    assert len(g) > 60
    assert "rexcheck.engine.core.runtime" in g["rexcheck.engine.core.findings"]


def test_no_import_cycles():
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    assert cycles == []


def test_every_import_goes_down_the_layers():
    wrong = []
    for module, targets in graph().items():
        here = layer_of(module)
        for target in targets:
            if layer_of(target) > here:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_facts_never_import_the_engine():
    wrong = [f"{m} -> {t}" for m, ts in graph().items() if m.startswith("rexcheck.facts")
             for t in ts if t.startswith("rexcheck.engine")]
    assert wrong == []


def test_the_command_line_and_the_service_use_the_api_services_and_tools_only():
    wrong = [f"{m} -> {t}" for m, ts in graph().items()
             if m.startswith(("rexcheck.cli", "rexcheck.engine.web"))
             for t in ts if t in INTERNALS]
    assert wrong == []


def test_a_violation_would_be_seen():
    """The checks above are not vacuous: an upward import is caught."""
    assert layer_of("rexcheck.facts.models") < layer_of("rexcheck.engine.core.runtime")
    assert layer_of("rexcheck.engine.web.service") > layer_of("rexcheck.engine.services.checker")
    assert layer_of("rexcheck.cli.main") > layer_of("rexcheck")


def test_the_whole_case_lists_are_the_catalogues():
    from rexcheck.facts.catalog import BASE_TYPES
    from rexcheck.facts.wholecase import DOCUMENT_LISTS

    assert list(DOCUMENT_LISTS) == [(t, lst) for t, (_, lst) in BASE_TYPES.items()
                                    if t != "exporter"]


def test_no_file_refers_outside_the_repository():
    wrong = []
    for path in ROOT.rglob("*"):
        if (path.is_file() and path.suffix in (".py", ".md", ".yaml", ".toml", ".html", ".txt")
                and not any(p in (".venv", ".git", "node_modules") or p.endswith(".egg-info")
                            for p in path.relative_to(ROOT).parts)
                and path.name != "test_layers.py"
                and "../shared" in path.read_text(encoding="utf-8", errors="replace")):
            wrong.append(str(path.relative_to(ROOT)))
    assert wrong == []


def test_the_readme_layout_names_every_module():
    """README's layout section matches the tree: every module of the engine, the facts and the
    command line is named there (the workbench's pages by their folder)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Layout"):text.index("## Documentation")]
    missing = []
    for folder in ("engine", "facts", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if path.name == "__init__.py" or "workbench" in rel.parts:
                continue
            if path.name not in section:
                missing.append(str(rel))
    for sub in ("engine/core/", "engine/services/", "engine/authoring/", "engine/web/",
                "base/"):
        if sub.split("/")[-2] + "/" not in section:
            missing.append(sub)
    assert missing == []


def test_no_link_in_the_tree_points_anywhere():
    """A symbolic link in the source tree would make the package read other files than its
    own (and dangle in a fresh clone)."""
    links = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
             if p.is_symlink() and not any(part == ".venv" or part == ".git"
                                           for part in p.relative_to(ROOT).parts)]
    assert links == []


def test_an_import_inside_a_function_says_why():
    """Below the command line and the web service (which import inside their commands and
    routes to start quickly, as their modules say), an import inside a function carries a
    comment on its line or the line before: start-up time measured, a cycle avoided, or a
    process that alone needs it."""
    silent = []
    for folder in ("api", "facts", "engine/core", "engine/services", "engine/authoring"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = path.read_text(encoding="utf-8").split("\n")
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        # the import's group (the imports just above it, blank lines
                        # between) or the line above the group says why
                        at = sub.lineno - 1
                        while at > 0 and (lines[at - 1].strip().startswith(("import ", "from "))
                                          or not lines[at - 1].strip()) and "#" not in lines[at]:
                            at -= 1
                        if "#" not in lines[at] and not lines[at - 1].strip().startswith("#"):
                            silent.append(f"{path.relative_to(ROOT)}:{sub.lineno}")
    assert silent == []

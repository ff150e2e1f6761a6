"""YAML loading: libyaml parses, PyYAML's composer refuses tricks; both parsers agree.

Rule packs are parsed with libyaml when PyYAML has it (start-up is mostly parsing the packs),
and with PyYAML's pure-Python parser otherwise. Either way a file must give the same data and
the same positions, or an error would point at a different line on another machine.
"""

from __future__ import annotations

import yaml
from conftest import EXAMPLES, ROOT
from rexcheck.facts.base import yamlsource


class _PurePython(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                  yaml.composer.Composer, yaml.resolver.Resolver):
    def __init__(self, text: str):
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    compose_node = yamlsource._NoAliasComposer.compose_node


def test_libyaml_and_pure_python_parsing_give_the_same_data_and_positions(monkeypatch):
    files = sorted((ROOT / "rules").rglob("*.yaml")) + sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) > 20
    fast = [yamlsource.load_yaml(path) for path in files]
    monkeypatch.setattr(yamlsource, "_NoAliasComposer", _PurePython)
    slow = [yamlsource.load_yaml(path) for path in files]
    for path, (data, positions), (data2, positions2) in zip(files, fast, slow, strict=True):
        assert data == data2, path
        assert positions.at == positions2.at, path


def test_yaml_refusals_name_the_line_and_column(tmp_path):
    cases = {
        "case: X\nexporter: &a {tin: KZ1, name: x}\nother: *a\n": (2, 11, "yaml-alias"),
        "case: X\nexporter: !!python/object:os.system {}\n": (2, 11, "yaml-tag"),
        "case: X\nexporter:\n  tin: KZ1\n name: x\n": (4, 2, "yaml-syntax"),
    }
    for text, (line, column, code) in cases.items():
        path = tmp_path / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            yamlsource.load_yaml(path)
        except yamlsource.InvalidInput as exc:
            (d,) = exc.diagnostics
            assert (d.line, d.column, d.code) == (line, column, code), text
        else:
            raise AssertionError(f"not refused: {text!r}")

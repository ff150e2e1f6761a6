"""YAML loading: libyaml parses, rexcheck builds the data from its events and refuses tricks;
both parsers agree, and with PyYAML's own loader.

Rule packs are parsed with libyaml when PyYAML has it (start-up is mostly parsing the packs),
and with PyYAML's pure-Python parser otherwise. Either way a file must give the same data and
the same positions, or an error would point at a different line on another machine; and the
same data as PyYAML's safe loader, with each value where PyYAML's composer puts it.
"""

from __future__ import annotations

import yaml
from conftest import EXAMPLES, ROOT
from rexcheck.facts.base import yamlsource


class _PurePython(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    def __init__(self, text: str):
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


FILES = sorted((ROOT / "rules").rglob("*.yaml")) + sorted(EXAMPLES.glob("*.yaml"))


def test_libyaml_and_pure_python_parsing_give_the_same_data_and_positions(monkeypatch):
    assert len(FILES) > 20
    fast = [yamlsource.load_yaml(path) for path in FILES]
    monkeypatch.setattr(yamlsource, "_Events", _PurePython)
    slow = [yamlsource.load_yaml(path) for path in FILES]
    for path, (data, positions), (data2, positions2) in zip(FILES, fast, slow, strict=True):
        assert data == data2, path
        assert positions.at == positions2.at, path


def _composed_positions(node: yaml.Node, path: tuple, at: dict) -> None:
    """Where PyYAML's composer puts each value: a field where its key is, an item where it
    starts."""
    at[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = yaml.SafeLoader("").construct_object(key)
            _composed_positions(value, path + (name,), at)
            at[path + (name,)] = (key.start_mark.line + 1, key.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _composed_positions(item, path + (i,), at)


def test_the_data_and_positions_are_pyyamls_own():
    for path in FILES:
        text = path.read_text("utf-8")
        data, positions = yamlsource.load_yaml(path)
        assert data == yaml.safe_load(text), path
        composed: dict = {}
        _composed_positions(yaml.compose(text, Loader=yaml.SafeLoader), (), composed)
        assert positions.at == composed, path


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


def test_a_value_no_constructor_can_build_is_refused_where_it_is_never_raised(tmp_path):
    """`! "yes\n"`: libyaml marks the quoted value plain, PyYAML's resolver takes it for a
    boolean and its constructor fails with a KeyError; it is a located refusal, as a bad
    value is, and `!` is otherwise read as PyYAML reads it."""
    path = tmp_path / "odd.yaml"
    path.write_text('a: ! yes\nb: ! "yes\\n"\n', encoding="utf-8")
    try:
        yamlsource.load_yaml(path)
    except yamlsource.InvalidInput as exc:
        (d,) = exc.diagnostics
        assert (d.line, d.code) == (2, "yaml-value") and "'yes\\n'" in d.message
    else:
        raise AssertionError("not refused")
    path.write_text("a: ! yes\nb: ! 12\n", encoding="utf-8")
    assert yamlsource.load_yaml(path)[0] == {"a": True, "b": 12}


def test_a_very_long_number_is_refused_at_once(tmp_path):
    """A base-60 integer of a million characters took PyYAML 19 s to make."""
    path = tmp_path / "long.yaml"
    path.write_text("a: 1" + ":0" * 400_000 + "\n", encoding="utf-8")
    try:
        yamlsource.load_yaml(path)
    except yamlsource.InvalidInput as exc:
        (d,) = exc.diagnostics
        assert d.code == "yaml-value" and "more than the 100 allowed" in d.message
    else:
        raise AssertionError("not refused")

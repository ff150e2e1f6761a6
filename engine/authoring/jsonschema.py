"""JSON Schemas: rule files, law.yaml, rule test files and case files, for editors that complete
and check; and the result of a case (rexcheck.result/1), for the systems that read it.

The schemas come from the same pydantic models the loader uses, with the condition language
(kept as free data in the models) described precisely, and the known field paths offered as
completions, so an editor flags a misspelt field or operator while one types.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from rexcheck.engine.authoring.ruletests import TestFile
from rexcheck.engine.core.conditions import OPERATORS
from rexcheck.engine.core.schema import LawFile, RuleFile
from rexcheck.engine.services.result import result_schema
from rexcheck.facts.catalog import base_fields
from rexcheck.facts.models import Case

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def _field_paths(fields: dict[str, Any] | None = None) -> list[str]:
    """The paths conditions may test: the fact models' fields, or those of a rule set (with
    its derived facts and computed values)."""
    known = fields if fields is not None else base_fields()
    return sorted(f"{t}.{p}" for t, kinds in known.items() for p in kinds)


def condition_schema(fields: dict[str, Any] | None = None) -> dict[str, Any]:
    value = {
        "anyOf": [
            {"type": ["string", "number", "boolean"]},
            {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
            {"type": "object", "additionalProperties": False, "required": ["param"],
             "properties": {"param": {"type": "string"}}},
            {"type": "object", "additionalProperties": False, "required": ["field"],
             "properties": {"field": {"$ref": "#/$defs/FieldPath"}}},
            {"type": "object", "additionalProperties": False, "required": ["as_of"],
             "properties": {"as_of": {"const": True}}},
            {"type": "object", "additionalProperties": False, "required": ["due"],
             "properties": {"due": {"$ref": "#/$defs/Due"}}},
        ]
    }
    leaf = {
        "type": "object",
        "required": ["field"],
        "properties": {"field": {"$ref": "#/$defs/FieldPath"},
                       **{op: ({"type": "boolean"} if op == "exists" else
                               {"anyOf": [{"type": "string"}, {
                                   "type": "object", "additionalProperties": False,
                                   "required": ["param"],
                                   "properties": {"param": {"type": "string"}}}]}
                               if op == "matches" else value)
                          for op in sorted(OPERATORS)}},
        "additionalProperties": False,
        "minProperties": 2,
        "maxProperties": 2,
        "description": "a test of one field: {field: alias.path, OP: value}",
    }
    return {
        "Condition": {"anyOf": [
            {"type": "array", "items": {"$ref": "#/$defs/Condition"}, "minItems": 1},
            {"type": "object", "additionalProperties": False, "required": ["all"],
             "properties": {"all": {"type": "array", "minItems": 1,
                                    "items": {"$ref": "#/$defs/Condition"}}}},
            {"type": "object", "additionalProperties": False, "required": ["any"],
             "properties": {"any": {"type": "array", "minItems": 1,
                                    "items": {"$ref": "#/$defs/Condition"}}}},
            {"type": "object", "additionalProperties": False, "required": ["not"],
             "properties": {"not": {"$ref": "#/$defs/Condition"}}},
            leaf,
        ]},
        "FieldPath": {"anyOf": [{"enum": _field_paths(fields)},
                                {"type": "string", "pattern": r"^[a-z_][a-z0-9_]*\.[a-z0-9_.]+$"}]},
        "Due": {"type": "object", "additionalProperties": False, "required": ["from"],
                "properties": {"from": {"$ref": "#/$defs/FieldPath"},
                               "working_days": {"anyOf": [{"type": "integer"},
                                                          {"type": "object"}]},
                               "calendar_days": {"anyOf": [{"type": "integer"},
                                                           {"type": "object"}]}},
                "minProperties": 2, "maxProperties": 2},
    }


def _patch_conditions(node: Any) -> None:
    """Point every free-form `when`/`where` of the generated schema at the condition schema."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for name in ("when", "where"):
                if name in props:
                    props[name] = {"anyOf": [{"$ref": "#/$defs/Condition"}, {"type": "null"}],
                                   "description": props[name].get("description",
                                                                  "a condition")}
        for value in node.values():
            _patch_conditions(value)
    elif isinstance(node, list):
        for value in node:
            _patch_conditions(value)


def rule_file_schema(fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rule file schema; `fields` (a rule set's) offers its derived facts and computed
    values as field paths too."""
    schema = copy.deepcopy(RuleFile.model_json_schema(by_alias=True))
    _patch_conditions(schema)
    schema.setdefault("$defs", {}).update(condition_schema(fields))
    schema["$schema"] = SCHEMA_URI
    schema["title"] = "rexcheck rule file"
    return schema


def case_file_schema() -> dict[str, Any]:
    case = Case.model_json_schema()
    defs = case.pop("$defs", {})
    schema = {
        "$schema": SCHEMA_URI,
        "title": "rexcheck case file",
        "$defs": {**defs, "Case": case},
        "anyOf": [
            {"$ref": "#/$defs/Case"},
            {"type": "array", "items": {"$ref": "#/$defs/Case"}},
            {"type": "object", "required": ["cases"], "additionalProperties": False,
             "properties": {"cases": {"type": "array", "items": {"$ref": "#/$defs/Case"}}}},
        ],
    }
    return schema


def test_file_schema() -> dict[str, Any]:
    schema = TestFile.model_json_schema()
    schema["$schema"] = SCHEMA_URI
    schema["title"] = "rexcheck rule test file"
    return schema


def law_file_schema() -> dict[str, Any]:
    schema = LawFile.model_json_schema(by_alias=True)
    schema["$schema"] = SCHEMA_URI
    schema["title"] = "rexcheck law.yaml (acts, versions, documents and outcomes)"
    return schema


def result_file_schema() -> dict[str, Any]:
    """The result of one case (the rexcheck.result/1 contract)."""
    schema = result_schema()
    schema["$schema"] = SCHEMA_URI
    return schema


# each maker takes no argument, but the rule file's, which takes the fact fields (optional)
SCHEMAS: dict[str, Callable[..., dict[str, Any]]] = {
    "rule-file": rule_file_schema,
    "law-file": law_file_schema,
    "rule-test-file": test_file_schema,
    "case-file": case_file_schema,
    "result": result_file_schema,
}

"""A proposal to change the law, as data: a whole rules tree, or a small scenario file.

A scenario changes a copy of the baseline rule set, the way an OpenFisca reform does:

    scenario: Raise the CHF threshold of p.11 to 12,000 francs
    set_parameters:                      # replace a parameter's dated values
      statement_threshold_chf:
        - {from: 2021-04-11, value: 12000}
    disable_rules: [R244-8-1-tin-format] # switch rules off
    rules:                               # replace rules (same id) or add new ones
      - {id: ..., title: ..., citation: ..., ...}
    derived: {}                          # new derived fact types, if new rules need them

The result is validated exactly like a rules tree; any error names the scenario file's line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rexcheck.engine.core.loader import (
    LoadedParameter,
    LoadedRule,
    RuleSet,
    _check_parameter,
    _spans,
    check_rule,
    load_rules,
    params_used,
    uses_any,
)
from rexcheck.engine.core.schema import DerivedType, ParameterValue, Rule
from rexcheck.facts.base.errors import Diagnostic, InvalidInput, did_you_mean
from rexcheck.facts.base.yamlsource import Positions, load_yaml
from rexcheck.facts.catalog import FieldKind
from rexcheck.facts.diagnose import from_validation_error


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(description="what the proposal changes, in one line")
    set_parameters: dict[str, list[ParameterValue]] = Field(default_factory=dict)
    disable_rules: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    derived: dict[str, DerivedType] = Field(default_factory=dict)


def load_proposal(path: Path | str, baseline: RuleSet) -> RuleSet:
    """A rules directory, or a scenario file applied to the baseline."""
    path = Path(path)
    if path.is_dir():
        return load_rules(path)
    return apply_scenario(path, baseline)


def apply_scenario(path: Path | str, baseline: RuleSet, text: str | None = None) -> RuleSet:
    """The baseline changed by the scenario in file `path`, or in `text` (then `path` only
    names it in diagnostics: the service's scenarios come in the request body)."""
    data, positions = load_yaml(path, text)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(from_validation_error(exc, positions, Scenario)) from None
    problems: list[Diagnostic] = []
    file = str(path)

    def error(where: tuple, message: str, code: str, hint: str | None = None) -> None:
        line, col = positions.of(where)
        problems.append(Diagnostic(file, line, col, message, code, hint=hint))

    parameters = dict(baseline.parameters)
    broken: set[str] = set()  # parameters whose proposed values do not fit their unit
    for name, values in scenario.set_parameters.items():
        if name not in parameters:
            error(("set_parameters", name), f"no parameter '{name}' in the baseline",
                  "unknown-param", did_you_mean(name, parameters))
            continue
        old = parameters[name]
        new = old.parameter.model_copy(update={"values": values})
        if not _check_parameter(name, new, file, _as_parameter_positions(positions, name),
                                problems):
            broken.add(name)  # the rules naming it would only repeat the error
        parameters[name] = LoadedParameter(name, new, file, old.kind)
    rules = {lr.rule.id: lr for lr in baseline.rules}
    for i, rule_id in enumerate(scenario.disable_rules):
        if rule_id not in rules:
            error(("disable_rules", i), f"no rule '{rule_id}' in the baseline", "unknown-rule",
                  did_you_mean(rule_id, rules))
            continue
        lr = rules[rule_id]
        rules[rule_id] = LoadedRule(lr.rule.model_copy(update={"enabled": False}), lr.file,
                                    lr.positions, lr.act, lr.versions, lr.spans)
    for i, rule in enumerate(scenario.rules):
        before = rules.get(rule.id)
        act = before.act if before else " ".join(rule.citation.ref.split(" ")[:2])
        versions = list(rule.versions if rule.versions is not None
                        else before.versions if before else [])
        loaded = LoadedRule(rule, file, positions.child(("rules", i)), act, versions)
        loaded.spans = _spans(loaded, baseline.versions, problems,
                              rule.versions is None and before is None)
        rules[rule.id] = loaded
    derived = dict(baseline.derived)
    fields = dict(baseline.fields)
    for name, d in scenario.derived.items():
        if name in fields:
            error(("derived", name), f"fact type '{name}' already exists", "duplicate-fact")
            continue
        derived[name] = d
        fields[name] = {f: FieldKind(k, optional=True) for f, k in d.fields.items()}
        fields[name]["ref"] = FieldKind("str")
    digest = hashlib.sha256((baseline.digest + json.dumps(
        scenario.model_dump(mode="json", by_alias=True), sort_keys=True,
        ensure_ascii=False)).encode()).hexdigest()
    proposed = RuleSet(baseline.root, list(rules.values()), parameters, derived, fields,
                       f"sha256:{digest}", baseline.files + [file], baseline.law,
                       baseline.versions, baseline.computed)
    for lr in proposed.rules:
        if broken and uses_any(lr.rule, broken):
            continue  # its errors would be knock-on errors of the parameter's, reported
        if lr.file == file or any(n in scenario.set_parameters for n in params_used(lr.rule)):
            problems.extend(check_rule(lr, proposed))
    if problems:
        raise InvalidInput(sorted(set(problems)))
    return proposed


def _as_parameter_positions(positions: Positions, name: str) -> Positions:
    """A scenario's `set_parameters.NAME[i]` placed where a rule file's
    `parameters.NAME.values[i]` is, so that the loader's checks of dated values point at the
    scenario's lines."""
    at = {("parameters", name, "values") + key[2:]: value
          for key, value in positions.at.items() if key[:2] == ("set_parameters", name)}
    return Positions(positions.file, at)


def describe(scenario_path: Path | str) -> dict[str, Any]:
    path = Path(scenario_path)
    if path.is_dir():
        return {"kind": "rules", "path": str(path)}
    data, _ = load_yaml(path)
    return {"kind": "scenario", "path": str(path), "scenario": data.get("scenario")}

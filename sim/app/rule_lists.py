"""Adding and removing rules in a scenario's lists of rules (contributions, payment rules, ...).
The lists are found from the schema (a list whose items are a union of rule kinds), so a new list
of rules appears here without code. A change to a list is one sparse edit that sets the whole
list; later edits of its rules' fields are ordinary dotted-path edits on top of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from sim.app.editor import GROUP_TITLES, _kinds, _unwrap, human
from sim.scenario.errors import split_path
from sim.scenario.loader import apply_overrides
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class RuleList:
    path: str  # dotted path of the list, e.g. "fund.payments.rules"
    title: str  # "Payments · Rules"
    kinds: tuple[str, ...]  # the kinds a new rule may be
    items: tuple[str, ...]  # the rules now in the list, e.g. "#2 (public match)"


def rule_lists(scenario: Scenario) -> list[RuleList]:
    """Every list of rules in the scenario, in schema order."""
    out: list[RuleList] = []

    def walk(obj: BaseModel, prefix: str) -> None:
        for name, info in type(obj).model_fields.items():
            value = getattr(obj, name)
            ann = _unwrap(info.annotation)
            if get_origin(ann) is list and get_args(ann):
                kinds = _kinds(get_args(ann)[0])
                if kinds:
                    items = tuple(f"#{i + 1} ({human(str(r.kind)).lower()})" for i, r in enumerate(value))
                    segs = (prefix + name).split(".")
                    words = [GROUP_TITLES.get(segs[0], human(segs[0])), *(human(s) for s in segs[1:])]
                    out.append(RuleList(prefix + name, " · ".join(words), kinds, items))
            elif isinstance(value, BaseModel):
                walk(value, f"{prefix}{name}.")

    walk(scenario, "")
    return out


def _current(scenario: Scenario, path: str) -> list[dict[str, Any]]:
    obj: Any = scenario.model_dump(mode="json")
    for seg in split_path(path) or []:
        obj = obj[seg]
    return list(obj)


def list_edits(edits: dict[str, Any], path: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The edits with the list at `path` set whole to `items`: earlier edits of that list or of its
    rules are dropped (`items` already holds them, read from the edited scenario)."""
    kept = {k: v for k, v in edits.items() if k != path and not k.startswith((path + "[", path + "."))}
    return {**kept, path: items}


def added(edited: Scenario, edits: dict[str, Any], path: str, kind: str) -> dict[str, Any]:
    """Edits that append a rule of `kind` with that kind's defaults (a payment rule starts with a
    zero share, so shares that must sum to 1 still do)."""
    items = [*_current(edited, path), {"kind": kind}]
    # Stored with every field of its kind filled in, so later edits of its fields have a place.
    return list_edits(edits, path, _current(apply_overrides(edited, {path: items}), path))


def removed(edited: Scenario, edits: dict[str, Any], path: str, position: int) -> dict[str, Any]:
    items = _current(edited, path)
    if not 0 <= position < len(items):
        raise IndexError(f"{path} has {len(items)} rules; there is no #{position + 1}")
    return list_edits(edits, path, items[:position] + items[position + 1:])


def with_list_edits(base: Scenario, edits: dict[str, Any]) -> Scenario:
    """`base` with only its whole-list edits applied: what field edits are compared against."""
    paths = {rl.path for rl in rule_lists(base)}
    whole = {k: v for k, v in edits.items() if k in paths}
    return apply_overrides(base, whole) if whole else base

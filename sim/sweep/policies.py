"""Policies as factors: a whole scenario file, or a named set of rules, as one level of a lever
called `policy`, crossed with the design of the other factors (EMA's scenarios x policies).

A policy from a scenario file is that file's funding rules: every lever parameter in which it
differs from the base, the world (uncertainties, constants, horizon) staying the base's. Parts that
must agree change together, as `extends` merges files: a list (contributions, a payment
schedule whose shares sum to 1) or a rule of another kind is taken whole. A named set of rules is
`{path: value}` in the spec, whole values allowed, checked as a whole. The spec's fixed overrides
(`set`, `region`, `horizon_months`) hold under every policy. Either way a policy is a
set of overrides applied to the base before the point's other factors (so levers may still vary
on top of a policy)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sim.scenario.errors import Problem, ScenarioError, show
from sim.scenario.loader import apply_overrides, load_scenario
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario

POLICY = "policy"  # the factor's name (no scenario field is called that)
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.+-]{0,59}")  # printable: names reach tables and terminals
SAMPLED_ONLY = ("sobol", "morris")  # their indices need SALib's own sample, which a crossing breaks


def _roles(*scenarios: Scenario) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for sc in scenarios:
        for r in iter_parameters(sc):
            out.setdefault(r["path"], set()).add(r["role"])
    return out


def _under(roles: dict[str, set[str]], path: str) -> set[str]:
    found: set[str] = set()
    for p, r in roles.items():
        if p == path or p.startswith((f"{path}.", f"{path}[")):
            found |= r
    return found


def rules_of(base: Scenario, policy: Scenario) -> tuple[dict[str, Any], list[str]]:
    """(overrides that give the base the policy's funding rules, paths mixing levers with the
    world that cannot be split). Mappings of the same kind are compared field by field; lists,
    leaves and a rule of another kind are units, taken whole when they hold levers."""
    roles = _roles(base, policy)
    out: dict[str, Any] = {}
    mixed: list[str] = []

    def walk(b: Any, p: Any, path: str) -> None:
        if isinstance(b, dict) and isinstance(p, dict) and b.get("kind") == p.get("kind"):
            for k in p:
                walk(b.get(k), p[k], f"{path}.{k}" if path else k)
            return
        if b == p:
            return
        kinds = _under(roles, path)
        if "lever" in kinds and "uncertainty" in kinds:
            mixed.append(path)
        elif "lever" in kinds:
            out[path] = p

    walk(base.model_dump(mode="json"), policy.model_dump(mode="json"), "")
    return out, mixed


def resolve(base: Scenario, policies: dict[str, Any], base_dir: Path | None, where: Any,
            fixed: dict[str, Any] | None = None) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """{name: overrides} for the spec's `policies` (each a scenario file or {path: value}), each
    checked to make a valid scenario with the base; problems name `policies.NAME`. `fixed` are
    the spec's fixed overrides (horizon, region, set), already in `base`: they hold for a policy
    file too, so a file differing from them only there brings no rule."""
    out: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    roles = _roles(base)
    for name, given in policies.items():
        here = f"policies.{name}"

        def problem(message: str, value: Any = None, at: str = here) -> None:
            problems.append(Problem(at, message, value, *where(at)))

        if not NAME.fullmatch(name):
            problem("a policy name is 1-60 letters, digits, spaces or _ . + - (starting with a letter or "
                    "digit)", name)
            continue
        if isinstance(given, str):
            path = Path(given) if base_dir is None or Path(given).is_absolute() else base_dir / given
            try:
                policy = load_scenario(path)
                overrides, mixed = rules_of(base, apply_overrides(policy, fixed) if fixed else policy)
            except ScenarioError as e:
                for p in e.problems:
                    problem(f"{p.path}: {p.message}" if p.path else p.message, p.given)
                continue
            for m in mixed:
                problem(f"{m} holds both funding rules and assumptions about the world, and differs from "
                        "the base; set it in the base or give this policy as {path: value}")
        elif isinstance(given, dict) and given:
            overrides = dict(given)
            for path in overrides:
                kinds = _under(roles, path)
                if kinds and "lever" not in kinds:  # unknown paths are named by apply_overrides below
                    problem(f"{path} is not a funding rule (a lever); a policy sets levers only, the "
                            "world goes under uncertainties", at=f"{here}.{path}")
        else:
            problem("give a scenario file (its funding rules are the policy) or a set of rules as "
                    "{path: value}", given if isinstance(given, (str, int, float, bool)) else show(given))
            continue
        try:
            apply_overrides(base, overrides)
        except ScenarioError as e:
            for p in e.problems:
                problem(f"{p.path}: {p.message}", p.given)
            continue
        out[name] = overrides
    return out, problems

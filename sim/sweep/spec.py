"""The sweep spec: a base scenario, the levers and uncertainties to vary, the design, the seeds.

A spec is YAML validated by pydantic (unknown keys are errors). Every problem is reported at once
in the scenario loader's style, `path: message (you gave X) [file line N]`, and parameter paths
are checked against the base scenario's schema: a path must name one parameter, a range must lie
inside that parameter's bounds, and every design point must make a valid scenario.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.scenario.errors import Problem, ScenarioError, problems_from_validation, show, split_path
from sim.scenario.loader import apply_overrides, load_scenario, read_yaml_safely
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario
from sim.sweep.factors import Factor, FactorSpec
from sim.sweep.policies import POLICY, SAMPLED_ONLY
from sim.sweep.policies import resolve as resolve_policies

Design = Literal["grid", "lhs", "sobol", "morris"]
ROLES = ("levers", "uncertainties")
MAX_POINTS = 100_000  # design points: the manifest lists each, and each is a validated scenario
MAX_RUNS = 200_000  # points x seeds: weeks of computing on a small cluster; split bigger studies


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str = ""
    base: str = Field(min_length=1, description="Base scenario file, relative to the spec file.")
    design: Design = "grid"
    samples: int | None = Field(None, ge=1, le=100_000)
    replications: int = Field(1, ge=1, le=10_000)
    seed: int = Field(12345, ge=0, le=2**32 - 1, description="Seed of the design's sampler.")
    morris_levels: int = Field(4, ge=2, le=20)
    second_order: bool = Field(False, description="Sobol design only: also sample for second-order "
                               "(pairwise interaction) indices, samples x (2 x parameters + 2) points.")
    policies: dict[str, Any] = Field(  # each checked by sim.sweep.policies.resolve, in its words
        default_factory=dict, description="Named policies, each a scenario file (its funding rules) or "
        "{path: value}; a lever `policy` crossed with the design of the other factors.")
    levers: dict[str, FactorSpec] = Field(default_factory=dict)
    uncertainties: dict[str, FactorSpec] = Field(default_factory=dict)
    outcomes: list[str] = Field(min_length=1)
    horizon_months: int | None = Field(None, ge=12, le=600)
    region: dict[str, Any] = Field(default_factory=dict)
    set: dict[str, Any] = Field(default_factory=dict, description="Fixed overrides, dotted path: value.")


@dataclass(frozen=True)
class Plan:
    """A validated spec with its base scenario (spec overrides applied) and its factors."""

    spec: SweepSpec
    name: str
    source: str
    base: Scenario
    factors: tuple[Factor, ...]
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # name: overrides (sim.sweep.policies)

    @property
    def seeds(self) -> list[int]:
        return list(range(1, self.spec.replications + 1))

    def digest(self) -> str:
        """Identifies the sweep: the spec (as validated) and the resolved base scenario."""
        spec = self.spec.model_dump(mode="json")
        for added in ("second_order", "policies"):  # fields added later: sweeps started before keep
            if not spec[added]:                     # their digest
                del spec[added]
        content = {"policies": self.policies} if self.policies else {}  # a policy file's rules, not its name
        text = json.dumps({"spec": spec, "base": self.base.digest(), **content},
                          sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _design_problems(spec: SweepSpec, where: Any) -> list[Problem]:
    """Problems of the design as a whole, each at the spec path it concerns."""
    def problem(path: str, message: str, given: Any = None) -> list[Problem]:
        return [Problem(path, message, given, *where(path))]

    if not spec.levers and not spec.uncertainties and not spec.policies:
        return problem("levers", "vary at least one parameter under levers or uncertainties")
    if spec.policies and spec.design in SAMPLED_ONLY:
        return problem("policies", f"policies are crossed with a grid or lhs design; the {spec.design} "
                       "design's indices need its own sample: run one sweep per policy (each its own base)",
                       spec.design)
    if spec.policies and spec.design == "lhs" and not spec.levers and not spec.uncertainties:
        return problem("policies", "the lhs design samples levers or uncertainties and crosses them with "
                       "the policies; with policies alone use design: grid")
    if spec.second_order and spec.design != "sobol":
        return problem("second_order", "second-order indices come from the sobol design only; remove "
                       "second_order or use design: sobol", spec.second_order)
    factors = {**{f"levers.{p}": f for p, f in spec.levers.items()},
               **{f"uncertainties.{p}": f for p, f in spec.uncertainties.items()}}
    if spec.design == "grid":
        out = []
        if spec.samples is not None:
            out += problem("samples", "the grid design runs every combination of levels; remove samples",
                           spec.samples)
        for path, f in factors.items():
            if f.levels is None:
                out += problem(path, "the grid design needs levels for every parameter (or use design "
                               "lhs, sobol or morris for a range)")
        return out
    if spec.samples is None:
        unit = "trajectories" if spec.design == "morris" else "base points"
        return problem("samples", f"the {spec.design} design needs samples (the number of {unit})")
    if spec.design == "sobol" and spec.samples & (spec.samples - 1):
        return problem("samples", "the sobol design needs a power of 2 (e.g. 8, 16, 64)", spec.samples)
    return []


def _fixed_overrides(spec: SweepSpec) -> dict[str, tuple[str, Any]]:
    """{scenario path: (spec path, value)} for horizon, region and `set` overrides."""
    out: dict[str, tuple[str, Any]] = {}
    if spec.horizon_months is not None:
        out["horizon_months"] = ("horizon_months", spec.horizon_months)
    for k, v in spec.region.items():
        out[f"region.{k}"] = (f"region.{k}", v)
    for k, v in spec.set.items():
        out[k] = (f"set.{k}", v)
    return out


def _apply_fixed(scenario: Scenario, spec: SweepSpec, where: Any) -> Scenario:
    """The base with every fixed override applied at once: values are checked together, as
    `fundsim run --set` checks them (n_firms 5 with n_workers 200 is fine, though not with the
    base's n_workers alone)."""
    fixed = _fixed_overrides(spec)
    if not fixed:
        return scenario
    try:
        return apply_overrides(scenario, {p: v for p, (_, v) in fixed.items()})
    except ScenarioError as e:
        raise ScenarioError([_fixed_problem(p, fixed, where) for p in e.problems]) from None


def _fixed_problem(p: Problem, fixed: dict[str, tuple[str, Any]], where: Any) -> Problem:
    """A problem of the overridden scenario, at the spec path that set the value (or, for a
    section's own check, at the section), with the spec file's line."""
    message = p.message.replace("<overrides>", "the scenario")
    if p.path in fixed:
        spec_path, value = fixed[p.path]
        given = value if isinstance(value, (int, float, str, bool)) else None
        return Problem(spec_path, message, given, *where(spec_path))
    return Problem(p.path, message, p.given, *where(p.path))  # a section's check: "region", ...


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_factor(path: str, key: str, f: FactorSpec, base: Scenario, rows: dict[str, dict[str, Any]],
                  where: Any) -> tuple[list[Problem], Factor | None]:
    here = f"{key}.{path}"

    def problem(message: str, given: Any = None) -> list[Problem]:
        return [Problem(here, message, given, *where(here))]

    row = rows.get(path)
    if row is None and f"{path}[0].value" in rows:
        # A dated lever written as steps in the base: a level or a range end is a whole value (a
        # number, in force every month, or steps), within the bounds every step obeys.
        row = {**rows[f"{path}[0].value"], "value": rows[f"{path}[0].value"]["value"]}
    if row is None:
        return _check_composite(path, key, f, base, rows, here, where)
    role = "lever" if key == "levers" else "uncertainty"
    if row["role"] in ("lever", "uncertainty") and row["role"] != role:
        other = "levers" if row["role"] == "lever" else "uncertainties"
        what = "a lever (a funding rule)" if row["role"] == "lever" else "an uncertainty (the world)"
        return problem(f"is {what}, so it belongs under {other}"), None
    value = row["value"]
    lo, hi = row["min"], row["max"]
    problems: list[Problem] = []
    if f.levels is None and not _numeric(value):
        problems += problem(f"takes {'a flag' if isinstance(value, bool) else 'a choice or list'}, "
                            "not a range; give levels instead")
    candidates = list(f.levels) if f.levels is not None else [f.low, f.high]
    outside = [v for v in candidates if _numeric(v) and ((lo is not None and v < lo)
                                                        or (hi is not None and v > hi))]
    if outside and not problems:
        problems += problem(f"outside the parameter's bounds [{show(lo)}, {show(hi)}] ({row['unit']})",
                            outside[0])
    if not problems:  # each level / end of the range must make a valid scenario on its own
        for v in candidates:
            try:
                apply_overrides(base, {path: v})
            except ScenarioError as e:
                # a field of a list element (a payment share) often must agree with its siblings
                hint = (f"; to change parts that must agree together, vary the whole list: "
                        f"{key}.{path[:path.rindex('[')]}: {{levels: [[...], [...]]}}" if "[" in path else "")
                problems += [Problem(here, p.message + hint, v, *where(here)) for p in e.problems]
                break
    if problems:
        return problems, None
    integer = isinstance(value, int) and not isinstance(value, bool)
    return [], Factor(path, role, tuple(f.levels) if f.levels is not None else None, f.low, f.high,
                      integer, str(row["unit"]))


def _exists(data: Any, segs: list[Any]) -> bool:
    for seg in segs:
        found = (isinstance(seg, str) and isinstance(data, dict) and seg in data) or (
            isinstance(seg, int) and isinstance(data, list) and seg < len(data))
        if not found:
            return False
        data = data[seg]
    return True


def _check_composite(path: str, key: str, f: FactorSpec, base: Scenario, rows: dict[str, dict[str, Any]],
                     here: str, where: Any) -> tuple[list[Problem], Factor | None]:
    """A section or a list (a payment schedule, a list of rules) varied as a whole: each level is a
    complete value, so parts that must agree (shares summing to 1) change together."""
    def problem(message: str, given: Any = None) -> tuple[list[Problem], None]:
        return [Problem(here, message, given, *where(here))], None

    segs = split_path(path)
    if segs is None or not _exists(base.model_dump(mode="json"), segs):
        try:
            apply_overrides(base, {path: 0})  # its message names the unknown field and the allowed ones
        except ScenarioError as e:
            return [Problem(here, p.message, None, *where(here)) for p in e.problems], None
        return problem("not a parameter; see `fundsim params` for the paths")
    inside = {r["role"] for p, r in rows.items() if p.startswith((f"{path}.", f"{path}["))}
    if f.levels is None:
        return problem(f"is a section or a list: give whole values as levels (each a complete value of "
                       f"{path}), or vary one of its fields")
    role = "lever" if key == "levers" else "uncertainty"
    other = "uncertainty" if role == "lever" else "lever"
    if other in inside and role not in inside:
        return problem(f"holds {other} parameters, so it belongs under "
                       f"{'uncertainties' if other == 'uncertainty' else 'levers'}")
    problems: list[Problem] = []
    for i, v in enumerate(f.levels):
        try:
            apply_overrides(base, {path: v})
        except ScenarioError as e:
            problems += [Problem(f"{here}.levels[{i}]", f"{p.path}: {p.message}", None, *where(here))
                         for p in e.problems]
    if problems:
        return problems, None
    return [], Factor(path, role, tuple(f.levels), None, None, False, "whole value")


def check_outcomes(outcomes: list[str], where: Any) -> list[Problem]:
    from sim.outcomes import BY_NAME

    problems = []
    for i, name in enumerate(outcomes):
        if name not in BY_NAME:
            import difflib

            close = difflib.get_close_matches(name, list(BY_NAME), n=2)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            problems.append(Problem(f"outcomes[{i}]", f"unknown metric; {hint}see docs/metrics.md",
                                    name, *where(f"outcomes[{i}]")))
    if len(set(outcomes)) != len(outcomes):
        problems.append(Problem("outcomes", "lists a metric twice", None, *where("outcomes")))
    return problems


def plan_from_data(data: dict[str, Any], source: str, base_dir: Path | None,
                   lines: dict[str, int] | None = None) -> Plan:
    """Validate a parsed spec; raises ScenarioError listing every problem."""
    lines = lines or {}
    shown = None if source == "<dict>" else source

    def where(path: str) -> tuple[int | None, str | None]:
        return lines.get(path), shown

    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        origins = {p: (shown, n) for p, n in lines.items()}
        raise ScenarioError(problems_from_validation(exc, data, origins, root=SweepSpec,
                                                     default_file=shown)) from None
    problems = _design_problems(spec, where) + check_outcomes(spec.outcomes, where)
    if base_dir is None and not Path(spec.base).is_absolute():
        base_path = Path(spec.base)
    else:
        base_path = (base_dir or Path(".")) / spec.base
    try:
        base = _apply_fixed(load_scenario(base_path), spec, where)
    except ScenarioError as e:
        raise ScenarioError([*problems, *e.problems]) from None
    rows = {r["path"]: r for r in iter_parameters(base)}
    factors: list[Factor] = []
    both = set(spec.levers) & set(spec.uncertainties)
    problems += [Problem(f"uncertainties.{p}", "also listed under levers; vary it once", None,
                         *where(f"uncertainties.{p}")) for p in sorted(both)]
    policies, found = resolve_policies(base, spec.policies, base_dir, where,
                                       {p: v for p, (_, v) in _fixed_overrides(spec).items()})
    problems += found
    if spec.policies:
        factors.append(Factor(POLICY, "lever", tuple(spec.policies), None, None, False, "policy"))
    for key in ROLES:
        for path, f in getattr(spec, key).items():
            found, factor = _check_factor(path, key, f, base, rows, where)
            problems += found
            if factor is not None:
                factors.append(factor)
    if not problems:
        problems += _size_problems(spec, factors, where)
    if problems:
        raise ScenarioError(problems)
    name = spec.name or (Path(source).stem if shown else "sweep")
    return Plan(spec, name, source, base, tuple(factors), policies)


def point_count(spec: SweepSpec, factors: tuple[Factor, ...] | list[Factor]) -> int:
    """Design points the spec makes (before identical points are merged)."""
    if spec.design == "grid":
        return math.prod(len(f.levels or ()) for f in factors)
    crossed = [f for f in factors if f.path == POLICY]
    if crossed:  # lhs over the other factors, crossed with every policy
        return (spec.samples or 0) * len(crossed[0].levels or ())
    n, d = spec.samples or 0, len(factors)
    sobol = n * (2 * d + 2) if spec.second_order else n * (d + 2)
    return {"lhs": n, "sobol": sobol, "morris": n * (d + 1)}[spec.design]


def _size_problems(spec: SweepSpec, factors: list[Factor], where: Any) -> list[Problem]:
    """Refuse up front a design too big to build in memory or to finish (before anything runs)."""
    points = point_count(spec, factors)
    runs = points * spec.replications
    path = "samples" if spec.design != "grid" else ("levers" if spec.levers else "uncertainties")
    if points > MAX_POINTS:
        return [Problem(path, f"the {spec.design} design makes {points:,} design points, more than the limit "
                        f"of {MAX_POINTS:,}; use fewer levels or samples, or split the study into several "
                        "sweeps", None, *where(path))]
    if runs > MAX_RUNS:
        return [Problem("replications", f"{points:,} design points x {spec.replications:,} seeds is {runs:,} "
                        f"runs, more than the limit of {MAX_RUNS:,} per sweep; use fewer replications or "
                        "points, or split the study into several sweeps", spec.replications,
                        *where("replications"))]
    return []


def load_spec(path: str | Path) -> Plan:
    """Read and validate a sweep spec file (the base scenario resolves against its folder)."""
    p = Path(path)
    data, lines = read_yaml_safely(p, str(path))
    return plan_from_data(data, str(path), p.parent, lines)

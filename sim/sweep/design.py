"""Design points from a plan: grid (every combination of levels), Latin hypercube (scipy.stats.qmc),
Sobol/Saltelli (first and total order; with `second_order` also pairwise) and Morris (SALib, so
`fundsim sensitivity` can analyse exactly what was sampled).

Sampled designs draw unit coordinates u in [0, 1]^D; a range maps u to low + u (high - low) and a
list of levels to the level in whose share of [0, 1] u falls. The unit matrix is kept in the
manifest: it is the X that SALib's analysers expect.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import apply_overrides
from sim.scenario.schema import Scenario
from sim.sweep.policies import POLICY
from sim.sweep.spec import MAX_POINTS, Plan, point_count


@dataclass(frozen=True)
class Points:
    values: list[dict[str, Any]]  # one {path: value} per design point (a policy by its name)
    unit: np.ndarray | None  # n x D unit coordinates for sampled designs, None for a grid
    scenarios: list[Scenario]  # the base with each point's values applied
    keys: list[dict[str, Any]]  # what identifies each point's runs: its values and a policy's rules


def salib_problem(names: list[str]) -> dict[str, Any]:
    """SALib's problem in unit coordinates (indices do not depend on the scale of each input)."""
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def unit_sample(plan: Plan) -> np.ndarray:
    spec, names = plan.spec, [f.path for f in plan.factors if f.path != POLICY]
    if spec.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(spec.seed)).random(spec.samples)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(salib_problem(names), spec.samples, calc_second_order=spec.second_order,
                            seed=spec.seed)
    from SALib.sample import morris

    return morris.sample(salib_problem(names), spec.samples, num_levels=spec.morris_levels, seed=spec.seed)


def make_points(plan: Plan) -> Points:
    """Every design point, each checked to make a valid scenario (ScenarioError if not)."""
    n = point_count(plan.spec, plan.factors)
    if n > MAX_POINTS:  # plan_from_data refuses this already; a Plan built by hand is checked here
        raise ScenarioError([Problem("design", f"{n:,} design points is more than the limit of "
                                     f"{MAX_POINTS:,}; use fewer levels or samples", plan.spec.design)])
    if plan.spec.design == "grid":
        axes = [f.levels or () for f in plan.factors]
        values = [dict(zip([f.path for f in plan.factors], combo, strict=True))
                  for combo in itertools.product(*axes)]
        unit = None
    else:
        sampled = [f for f in plan.factors if f.path != POLICY]
        unit = np.clip(unit_sample(plan), 0.0, 1.0)
        values = [{f.path: f.value(float(u)) for f, u in zip(sampled, row, strict=True)} for row in unit]
        if plan.policies:  # every sampled point under every policy; the policy's unit is its rank
            names = list(plan.policies)
            span = max(len(names) - 1, 1)
            values = [{POLICY: name, **v} for name in names for v in values]
            unit = np.vstack([np.column_stack([np.full(len(unit), k / span), unit])
                              for k in range(len(names))])
    scenarios, keys = [], []
    for i, v in enumerate(values):
        overrides, key = v, v
        if POLICY in v:  # the policy's rules first, the point's other factors on top
            rules = plan.policies[v[POLICY]]
            overrides = {**rules, **{p: x for p, x in v.items() if p != POLICY}}
            key = {**v, f"{POLICY}.rules": rules}  # a policy file's edited rules are other runs
        try:
            scenarios.append(apply_overrides(plan.base, overrides))
        except ScenarioError as e:
            raise ScenarioError([Problem(f"design point {i}", f"{p.path}: {p.message}", v)
                                 for p in e.problems]) from None
        keys.append(key)
    return Points(values, unit, scenarios, keys)

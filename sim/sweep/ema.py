"""fundsim as an EMA Workbench `Model`, so EMA's samplers, evaluators, optimisers and analyses
work on it unchanged (`perform_experiments`, `optimize`, PRIM, feature scoring).

The model's uncertainties and levers come from the scenario schema's roles (a lever is a funding
rule, an uncertainty the world), with the schema's bounds unless narrower ranges are given; its
outcomes are metrics of the registry (sim.outcomes), each to be maximised or minimised as the
registry's direction says. One experiment is the base scenario with the sampled values applied,
run on the given seeds (common random numbers across experiments), each outcome the mean of its
horizon value across seeds.

    from ema_workbench import perform_experiments
    from sim.sweep.ema import ema_model
    model = ema_model(sim.load_scenario("scenarios/baseline.yaml"),
                      uncertainties={"demand.recession.depth": (0.0, 0.2)},
                      levers={"fund.contributions[0].annual_total": (50_000, 400_000)},
                      outcomes=["fund_balance", "placements"], seeds=[1, 2])
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=4)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import apply_overrides
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario

Ranges = Mapping[str, "tuple[float, float] | list[Any] | None"] | Sequence[str]


class Experiment:
    """The function EMA calls with one experiment's values (picklable, for its process pools)."""

    def __init__(self, base: Scenario, outcomes: Sequence[str], seeds: Sequence[int]) -> None:
        self.base, self.outcomes, self.seeds = base, tuple(outcomes), tuple(int(s) for s in seeds)

    def __call__(self, **values: Any) -> dict[str, float]:
        import sim

        plain = {k: v.item() if isinstance(v, np.generic) else v for k, v in values.items()}
        scenario = apply_overrides(self.base, plain)
        horizons = [sim.run(scenario, seed).horizon() for seed in self.seeds]
        return {o: float(np.nanmean([h.get(o, np.nan) for h in horizons])) for o in self.outcomes}


def _parameters(base: Scenario, given: Ranges | None, role: str) -> tuple[list[Any], list[Problem]]:
    from ema_workbench import BooleanParameter, CategoricalParameter, IntegerParameter, RealParameter

    rows = {r["path"]: r for r in iter_parameters(base)}
    key = "levers" if role == "lever" else "uncertainties"
    if given is None:  # every numeric parameter of that role with both bounds in the schema
        given = [p for p, r in rows.items() if r["role"] == role and r["min"] is not None
                 and r["max"] is not None and isinstance(r["value"], (int, float))
                 and not isinstance(r["value"], bool)]
    items = given.items() if isinstance(given, Mapping) else ((p, None) for p in given)
    out, problems = [], []
    for path, spec in items:
        row = rows.get(path)
        if row is None or row["role"] != role:
            what = ("not a parameter of the scenario" if row is None
                    else f"is {'an' if row['role'] == 'uncertainty' else 'a'} {row['role']}, not {key}")
            problems.append(Problem(f"{key}.{path}", f"{what}; see `fundsim params --role {role}`"))
            continue
        value = row["value"]
        if isinstance(spec, list):
            out.append(CategoricalParameter(path, spec))
        elif isinstance(value, bool):
            out.append(BooleanParameter(path))
        else:
            low, high = spec if spec is not None else (row["min"], row["max"])
            if low is None or high is None or not high > low:
                problems.append(Problem(f"{key}.{path}", "needs a range (low, high) with high above low, "
                                        "or a list of levels", spec))
            elif isinstance(value, int):
                out.append(IntegerParameter(path, int(low), int(high)))
            else:
                out.append(RealParameter(path, float(low), float(high)))
    return out, problems


def ema_model(base: Scenario, *, uncertainties: Ranges | None = None, levers: Ranges | None = None,
              outcomes: Sequence[str] = ("fund_balance", "placements", "cost_per_placement"),
              seeds: Sequence[int] = (1,), name: str = "fundsim") -> Any:
    """An `ema_workbench.Model` of `base`. `uncertainties` and `levers`: {path: (low, high)} or
    {path: [levels]} or a list of paths (their schema bounds); None takes every bounded numeric
    parameter of that role. ScenarioError names every bad path, range or metric at once."""
    from ema_workbench import Model, ScalarOutcome

    from sim.outcomes import BY_NAME

    unc, problems = _parameters(base, uncertainties, "uncertainty")
    lev, more = _parameters(base, levers, "lever")
    problems += more
    problems += [Problem(f"outcomes[{i}]", "unknown metric; see docs/metrics.md", o)
                 for i, o in enumerate(outcomes) if o not in BY_NAME]
    if problems:
        raise ScenarioError(problems)
    model = Model(name, function=Experiment(base, outcomes, seeds))
    model.uncertainties = unc
    model.levers = lev
    kinds = {1: ScalarOutcome.MAXIMIZE, -1: ScalarOutcome.MINIMIZE, 0: ScalarOutcome.INFO}
    model.outcomes = [ScalarOutcome(o, kind=kinds[BY_NAME[o].direction]) for o in outcomes]
    return model

"""Simulated method of moments over the free parameters (scaled to the unit cube, within their
bounds) on the weighted distance of sim.calibration.simulate, with common random numbers (every
candidate runs on the same seeds). Two scipy.optimize methods:

- `least-squares` (default): trust-region reflective least squares on the weighted residuals,
  with a forward-difference Jacobian of step FD_STEP. Each free parameter moves mostly its own
  target, so the residuals are close to linear and a few Jacobians reach the bands: far fewer
  evaluations than a simplex search. The finite-difference step is wide because simulated moments
  are step functions of the parameters on a fine scale (common random numbers make them smooth
  only at that scale).
  When it stops early (a stalled Jacobian), a simplex search goes on from its best point with
  the rest of the budget.
- `nelder-mead`: derivative-free simplex search, first simplex a quarter of each range wide.

Every evaluated candidate is stored atomically under the state folder, keyed by a hash of the
candidate's scenarios, the seeds and the engine's source. Both methods are deterministic given
the values they see, so a rerun replays the stored evaluations instantly, walks the same path and
carries on where the interrupted run stopped; the budget counts evaluations on that path."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares, minimize

from sim.calibration.simulate import (
    RunMany,
    candidate,
    distance,
    evaluation_key,
    measure,
    overrides_for,
    residuals,
    variant_scenarios,
)
from sim.calibration.targets import Spec
from sim.codehash import engine_code
from sim.scenario.errors import split_path
from sim.scenario.schema import Scenario
from sim.sweep.store import atomic_write_bytes

INITIAL_STEP = 0.25  # first simplex: a quarter of each parameter's range from the start
FD_STEP = 0.04  # finite-difference step, in shares of each parameter's range
METHODS = ("least-squares", "nelder-mead")


@dataclass
class Evaluation:
    x: list[float]
    moments: dict[str, float]
    distance: float
    cached: bool = False


@dataclass
class Outcome:
    best: Evaluation
    evaluations: int
    replayed: int
    history: list[Evaluation] = field(default_factory=list)


class _BudgetSpent(Exception):
    pass


def start_point(spec: Spec, scenario: Scenario) -> np.ndarray:
    """The scenario's current values of the free parameters, clipped into their bounds."""
    data = scenario.model_dump(mode="json")
    x = []
    for fp in spec.free_parameters:
        cur = data
        for seg in split_path(fp.path):
            cur = cur[seg]
        x.append(min(max(float(cur), fp.bounds[0]), fp.bounds[1]))
    return np.array(x)


def _stored_moments(path: Path, spec: Spec) -> dict[str, float] | None:
    """A stored evaluation's moments, or None if there is none or it is not whole (a state file
    cut short by a crash or a full disk, or edited by hand): that candidate is simulated again."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        moments = {str(k): float("nan") if v is None else float(v) for k, v in stored["moments"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if set(moments) != {t.id for t in spec.targets}:
        return None  # from another targets file
    return moments


class Calibrator:
    def __init__(self, spec: Spec, scenario: Scenario, seeds: Sequence[int], run_many: RunMany,
                 state_dir: Path, on_eval: Callable[[Evaluation, int, Evaluation], None] | None = None,
                 ) -> None:
        self.spec, self.scenario, self.seeds = spec, scenario, list(seeds)
        self.run_many, self.on_eval = run_many, on_eval
        self.folder = Path(state_dir) / "evaluations"
        self.version = engine_code()
        self.lo = np.array([fp.bounds[0] for fp in spec.free_parameters])
        self.hi = np.array([fp.bounds[1] for fp in spec.free_parameters])
        self.history: list[Evaluation] = []

    # -- one candidate ---------------------------------------------------------------------------
    def evaluate(self, x: Sequence[float]) -> Evaluation:
        x = [float(v) for v in x]
        scenarios = variant_scenarios(candidate(self.scenario, self.spec, x), self.spec)
        key = evaluation_key(scenarios, self.seeds, self.version)
        path = self.folder / f"{key}.json"
        moments = _stored_moments(path, self.spec)
        if moments is not None:
            return Evaluation(x, moments, distance(self.spec, moments), cached=True)
        moments = measure(self.spec, scenarios, self.seeds, self.run_many)
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"x": x, "overrides": overrides_for(self.spec, x), "seeds": self.seeds,
                  "version": self.version, "distance": distance(self.spec, moments),
                  "moments": {k: (None if np.isnan(v) else v) for k, v in moments.items()}}
        atomic_write_bytes(path, json.dumps(record, indent=1).encode())
        return Evaluation(x, moments, record["distance"])

    # -- the search ------------------------------------------------------------------------------
    def to_x(self, u: np.ndarray) -> np.ndarray:
        return self.lo + np.clip(u, 0.0, 1.0) * (self.hi - self.lo)

    def run(self, budget: int, x0: Sequence[float] | None = None, method: str = METHODS[0]) -> Outcome:
        u0 = (np.asarray(x0 if x0 is not None else start_point(self.spec, self.scenario), float) - self.lo
              ) / (self.hi - self.lo)
        u0 = np.clip(u0, 0.0, 1.0)
        n = len(u0)
        self.history = []

        def evaluated(u: np.ndarray) -> Evaluation:
            if len(self.history) >= budget:
                raise _BudgetSpent
            ev = self.evaluate(self.to_x(u))
            self.history.append(ev)
            if self.on_eval:
                self.on_eval(ev, len(self.history), self.best())
            return ev

        def simplex_search(start: np.ndarray) -> None:
            steps = np.where(start <= 0.5, INITIAL_STEP, -INITIAL_STEP)
            simplex = np.vstack([start, start + np.diag(steps)])
            minimize(lambda u: evaluated(u).distance, start, method="Nelder-Mead", bounds=[(0.0, 1.0)] * n,
                     options={"initial_simplex": simplex, "maxfev": budget, "xatol": 1e-3, "fatol": 1e-4})

        with contextlib.suppress(_BudgetSpent):  # the budget ends the search, not an error
            if method == "least-squares":
                least_squares(lambda u: residuals(self.spec, evaluated(u).moments), u0, bounds=(0.0, 1.0),
                              method="trf", diff_step=FD_STEP, x_scale=1.0, max_nfev=budget,
                              xtol=1e-3, ftol=1e-4)
                # A finite-difference Jacobian can stall on the moments' fine steps; the simplex
                # carries on from the best point with whatever budget is left.
                simplex_search((np.asarray(self.best().x) - self.lo) / (self.hi - self.lo))
            else:
                simplex_search(u0)
        replayed = sum(e.cached for e in self.history)
        return Outcome(self.best(), len(self.history), replayed, list(self.history))

    def best(self) -> Evaluation:
        return min(self.history, key=lambda e: e.distance)

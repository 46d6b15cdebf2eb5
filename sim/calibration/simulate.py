"""From a parameter vector to simulated moments: build each variant of the candidate scenario,
run it on the given seeds (the same seeds for every candidate: common random numbers), and
measure every target."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from sim.calibration.moments import MOMENTS
from sim.calibration.targets import BASE, Spec
from sim.results import Results
from sim.scenario.loader import apply_overrides
from sim.scenario.schema import Scenario


def overrides_for(spec: Spec, x: Sequence[float]) -> dict[str, float]:
    """The dotted-path settings of parameter vector `x` (tied paths follow their leader)."""
    out: dict[str, float] = {}
    for fp, v in zip(spec.free_parameters, x, strict=True):
        out[fp.path] = float(v)
        out.update({path: float(v) + off for path, off in fp.tied.items()})
    return out


def candidate(scenario: Scenario, spec: Spec, x: Sequence[float]) -> Scenario:
    return apply_overrides(scenario, overrides_for(spec, x))


def variant_scenarios(scenario: Scenario, spec: Spec) -> dict[str, Scenario]:
    out = {BASE: scenario}
    for name in spec.variants_used():
        if name != BASE:
            out[name] = apply_overrides(scenario, spec.variants[name].overrides)
    return out


def evaluation_key(scenarios: dict[str, Scenario], seeds: Sequence[int], version: str) -> str:
    text = "|".join([version, ",".join(map(str, seeds)),
                     *(f"{k}={s.digest()}" for k, s in sorted(scenarios.items()))])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


RunMany = Callable[[Scenario, list[int]], list[Results]]


def measure(spec: Spec, scenarios: dict[str, Scenario], seeds: Sequence[int], run_many: RunMany,
            ) -> dict[str, float]:
    """Every target's simulated value (NaN where the output cannot give it, e.g. no participants)."""
    runs = {name: run_many(s, list(seeds)) for name, s in scenarios.items()}
    out = {}
    for t in spec.targets:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = MOMENTS[t.moment](runs[t.variant])
        out[t.id] = float(value) if value is not None and np.isfinite(value) else float("nan")
    return out


def residuals(spec: Spec, moments: dict[str, float]) -> np.ndarray:
    """(simulated - band midpoint) / band width per target: weights 1 / band width², so a target
    with a narrow band (a precise source) counts more; a missing moment counts as far outside."""
    out = []
    for t in spec.targets:
        v = moments.get(t.id, float("nan"))
        out.append((v - 0.5 * (t.low + t.high)) / (t.high - t.low) if np.isfinite(v) else 10.0)
    return np.array(out)


def distance(spec: Spec, moments: dict[str, float]) -> float:
    """The weighted squared distance to the band midpoints: the sum of squared residuals."""
    return float((residuals(spec, moments) ** 2).sum())

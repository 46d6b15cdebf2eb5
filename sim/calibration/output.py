"""What calibration writes: calibration/calibrated.yaml (the calibrated values only, as a scenario
fragment that scenarios/baseline.yaml extends) and the fit table (id, low, high, simulated,
in_band)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.calibration.simulate import candidate
from sim.calibration.smm import Outcome
from sim.calibration.targets import Spec
from sim.codehash import engine_code
from sim.scenario.errors import split_path
from sim.scenario.schema import Scenario
from sim.sweep.store import atomic_write_bytes

FIT_COLUMNS = ["id", "low", "high", "simulated", "in_band"]


def fit_table(spec: Spec, moments: dict[str, float]) -> pd.DataFrame:
    rows = []
    for t in spec.targets:
        v = moments.get(t.id, float("nan"))
        rows.append({"id": t.id, "low": t.low, "high": t.high, "simulated": v,
                     "in_band": bool(np.isfinite(v) and t.low <= v <= t.high)})
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


def calibrated_values(spec: Spec, scenario: Scenario, x: Sequence[float]) -> dict[str, Any]:
    """Nested mapping of the calibrated fields. A path into a list (rung_wage_premium[0]) writes
    the whole list, as `extends` replaces lists whole."""
    data = candidate(scenario, spec, x).model_dump(mode="json")
    out: dict[str, Any] = {}
    paths = [fp.path for fp in spec.free_parameters] + [p for fp in spec.free_parameters for p in fp.tied]
    for path in paths:
        segs = split_path(path)
        while not isinstance(segs[-1], str):
            segs = segs[:-1]
        src, dst = data, out
        for seg in segs[:-1]:
            src = src[seg]
            dst = dst.setdefault(seg, {})
        dst[segs[-1]] = src[segs[-1]]
    return _rounded(out)


def _rounded(value: Any, digits: int = 4) -> Any:
    """Four significant figures: more would be false precision for a simulated-moments fit (and
    the app's editor shows lists to about six)."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v, digits) for v in value]
    return value


def write_calibrated(path: Path, spec: Spec, scenario: Scenario, outcome: Outcome, seeds: Sequence[int],
                     budget: int, method: str) -> None:
    best = outcome.best
    fit = fit_table(spec, best.moments)
    header = [
        "# Calibrated parameter values: written by `fundsim calibrate`, do not edit by hand.",
        "# scenarios/baseline.yaml extends this file; see calibration/targets.yaml for the targets,",
        "# the free parameters and why each is free, and docs/calibration.md for the fit.",
        "# values rounded to 4 significant figures",
        f"# date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"# scenario: {scenario.name}; seeds: {list(seeds)}; method: {method}; budget: {budget} evaluations "
        f"({outcome.evaluations} on the path, {outcome.replayed} replayed from the state folder)",
        f"# engine source hash: {engine_code()} (evaluations replay only for this engine)",
        f"# distance: {best.distance:.4f} (sum of ((simulated - band midpoint) / band width)^2)",
        f"# targets in band on the calibration seeds: {int(fit.in_band.sum())} of {len(fit)}",
    ]
    body = yaml.safe_dump(calibrated_values(spec, scenario, best.x), sort_keys=False, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, ("\n".join(header) + "\n" + body).encode())

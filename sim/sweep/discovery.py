"""Scenario discovery: which combinations of rules and worlds meet a target, found with PRIM
(the EMA Workbench's implementation) on every run of a sweep, stated in plain language.

Coverage = the share of all runs meeting the target that fall in the box; density = the share of
runs in the box that meet the target; mass = the share of all runs in the box.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.errors import Problem, ScenarioError
from sim.sweep import store
from sim.sweep.analysis import horizon_table


@dataclass(frozen=True)
class Restriction:
    parameter: str
    low: Any  # None when the box keeps the sweep's lower end
    high: Any
    levels: tuple[Any, ...] | None = None  # for choices: the levels kept


@dataclass(frozen=True)
class Discovery:
    outcome: str
    threshold: float
    above: bool
    runs: int
    hits: int
    coverage: float
    density: float
    mass: float
    restrictions: tuple[Restriction, ...]
    units: dict[str, str]

    @property
    def base_rate(self) -> float:
        return self.hits / self.runs if self.runs else float("nan")

    def target_text(self) -> str:
        if self.outcome == "fund_balance" and self.threshold == 0 and self.above:
            return "the fund stays solvent"
        from sim.outcomes import BY_NAME

        word = "at least" if self.above else "at most"
        unit = BY_NAME[self.outcome].unit if self.outcome in BY_NAME else ""
        return f"{self.outcome} is {word} {fmt(self.threshold, unit)}"

    def condition_text(self) -> str:
        parts = []
        for r in self.restrictions:
            unit = self.units.get(r.parameter, "")
            if r.levels is not None:
                parts.append(f"{r.parameter} is {' or '.join(str(v) for v in r.levels)}")
            elif r.low is not None and r.high is not None:
                parts.append(f"{r.parameter} is between {fmt(r.low, unit)} and {fmt(r.high, unit)}")
            elif r.low is not None:
                parts.append(f"{r.parameter} is at least {fmt(r.low, unit)}")
            else:
                parts.append(f"{r.parameter} is at most {fmt(r.high, unit)}")
        return " and ".join(parts)

    def sentence(self) -> str:
        target = self.target_text()
        overall = (f"Across the whole sweep, {target} in {self.base_rate:.0%} of runs "
                   f"({self.hits} of {self.runs}).")
        if not self.restrictions:
            return overall + " PRIM found no combination of the varied parameters that does clearly better."
        lead = target[0].upper() + target[1:] if target.startswith("the ") else target
        return (f"{lead} in {self.density:.0%} of runs when {self.condition_text()} "
                f"(density). These runs hold {self.coverage:.0%} of all runs where {target} (coverage) "
                f"and make up {self.mass:.0%} of the sweep (mass). {overall}")


def fmt(value: Any, unit: str) -> str:
    """A number as a reader would write it: shares as percentages, dollars with separators."""
    if not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
        return str(value)
    v = float(value)
    if unit.startswith("share"):
        return f"{v * 100:.3g}%"
    if unit.startswith("$"):
        sign = "-" if v < 0 else ""
        return sign + (f"${abs(v):,.0f}" if abs(v) >= 100 else f"${abs(v):.2f}") + unit[1:]
    if v.is_integer() or abs(v) >= 1000:  # 215,000, never 2.15e+05
        return f"{v:,.0f}" + (f" {unit}" if unit else "")
    return f"{v:.3g}" + (f" {unit}" if unit else "")


def _inputs(table: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    x = pd.DataFrame(index=table.index)
    for n in names:
        col = table[n]
        if pd.api.types.is_bool_dtype(col):
            x[n] = col.astype("category")
        elif pd.api.types.is_numeric_dtype(col):
            x[n] = col.astype(float)
        else:
            x[n] = col.astype(str).astype("category")
    return x.reset_index(drop=True)


def discover(folder: str | os.PathLike[str], outcome: str, threshold: float, above: bool = True,
             density: float = 0.8) -> Discovery:
    """A PRIM box over every finished run where `outcome >= threshold` (or <= with above=False):
    among the boxes on the peeling trajectory with at least `density`, the one with most coverage."""
    folder = Path(folder)
    table, m = horizon_table(folder)
    names = [f["path"] for f in m["factors"]]
    units = {f["path"]: f["unit"] for f in m["factors"]}
    if outcome not in table.columns:
        from sim.outcomes import BY_NAME

        what = "a metric with no values in this sweep" if outcome in BY_NAME else "an unknown metric"
        raise ScenarioError([Problem("--outcome", what, outcome)])
    problems = []
    if not math.isfinite(threshold):
        problems.append(Problem("--threshold", "must be a finite number", str(threshold)))
    if not 0 < density <= 1:
        problems.append(Problem("--density", "must be above 0 and at most 1", density))
    if problems:
        raise ScenarioError(problems)
    # A point a sampled design repeats (Sobol's matrices repeat levels) is one run, counted once.
    table = table.drop_duplicates("run_id")
    table = table[table[outcome].notna()].reset_index(drop=True)
    if len(table) < 4:
        raise store.SweepError(f"only {len(table)} runs have a value for {outcome}; PRIM needs more runs")
    y = (table[outcome] >= threshold) if above else (table[outcome] <= threshold)
    y = y.to_numpy(dtype=bool)
    common = dict(outcome=outcome, threshold=threshold, above=above, runs=len(y), hits=int(y.sum()),
                  units=units)
    if y.all() or not y.any():
        share = float(y.mean())
        return Discovery(**common, coverage=share, density=share, mass=1.0, restrictions=())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.ERROR)
    x = _inputs(table, names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=density, peel_alpha=0.1)
        box = p.find_box()
    traj = box.peeling_trajectory
    ok = traj[traj["density"] >= density]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    box.select(i)
    inside = x.iloc[np.asarray(box.yi, dtype=int)]
    restrictions = _restrictions(box.box_lim, p.box_init, names, inside)
    return Discovery(**common, coverage=float(box.coverage), density=float(box.density),
                     mass=float(box.mass), restrictions=restrictions)


def _restrictions(lim: pd.DataFrame, init: pd.DataFrame, names: list[str], inside: pd.DataFrame,
                  ) -> tuple[Restriction, ...]:
    """The box's restricted dimensions, each limit snapped to the values the runs in the box have
    (so a grid reads "at least 300,000", the smallest level kept, not a point between levels)."""
    out = []
    for n in names:
        lo, hi = lim[n].iloc[0], lim[n].iloc[1]
        lo0, hi0 = init[n].iloc[0], init[n].iloc[1]
        if isinstance(lo, (set, frozenset)):
            if set(lo) != set(lo0):
                out.append(Restriction(n, None, None, tuple(sorted(lo, key=str))))
            continue
        raised, lowered = lo > lo0, hi < hi0
        if raised or lowered:
            kept = inside[n]
            out.append(Restriction(n, _plain(kept.min()) if raised else None,
                                   _plain(kept.max()) if lowered else None))
    return tuple(out)


def _plain(v: Any) -> Any:
    f = float(v)
    return int(f) if f.is_integer() else f


def discovery_frame(d: Discovery) -> pd.DataFrame:
    """The box as a table: parameter, low, high, levels, then coverage, density and mass."""
    rows = [{"parameter": r.parameter, "low": r.low, "high": r.high,
             "levels": None if r.levels is None else ", ".join(map(str, r.levels))} for r in d.restrictions]
    frame = pd.DataFrame(rows, columns=["parameter", "low", "high", "levels"])
    frame["coverage"], frame["density"], frame["mass"] = d.coverage, d.density, d.mass
    return frame

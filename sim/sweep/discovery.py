"""Scenario discovery: which combinations of rules and worlds meet a target, found with PRIM
(the EMA Workbench's implementation) on every run of a sweep, stated in plain language.

Coverage = the share of all runs meeting the target that fall in the box; density = the share of
runs in the box that meet the target; mass = the share of all runs in the box. Several boxes can
be asked for (each found among the runs the earlier ones left), and each keeps its peeling
trajectory: the coverage-density trade-off, as a table (`tradeoff_frame`) and a chart
(`sim.sweep.charts.tradeoff_chart`).
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from dataclasses import dataclass, field
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
    box: int = 1  # PRIM's boxes are found one after another, each among the runs outside the earlier
    trajectory: pd.DataFrame | None = field(default=None, compare=False, repr=False)  # see tradeoff_frame
    chosen: int = 0  # the trajectory step this box is

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
        return " and ".join(f"{r.parameter} {limit_text(r, self.units.get(r.parameter, ''))}"
                            for r in self.restrictions)

    def sentence(self) -> str:
        target = self.target_text()
        overall = (f"Across the whole sweep, {target} in {self.base_rate:.0%} of runs "
                   f"({self.hits} of {self.runs}).")
        reach = (f"; the densest box on its peeling trajectory reaches {self.trajectory['density'].max():.0%}"
                 if self.trajectory is not None and self.chosen < 0 else "")
        if not self.restrictions and self.box > 1:
            return (f"Box {self.box}: among the runs outside the earlier boxes, PRIM found no further "
                    f"combination where {target} in at least the density asked for{reach}.")
        if not self.restrictions and reach:
            return (f"{overall} PRIM found no combination of the varied parameters where {target} in at "
                    f"least the density asked for{reach} (ask for a lower --density to see it).")
        if not self.restrictions:
            return overall + " PRIM found no combination of the varied parameters that does clearly better."
        lead = target[0].upper() + target[1:] if target.startswith("the ") else target
        text = (f"{lead} in {self.density:.0%} of runs when {self.condition_text()} "
                f"(density). These runs hold {self.coverage:.0%} of all runs where {target} (coverage) "
                f"and make up {self.mass:.0%} of the sweep (mass).")
        if self.box > 1:  # a later box: what the earlier boxes left, not the whole sweep again
            return f"Box {self.box}, among the runs outside the earlier boxes: {text}"
        return f"{text} {overall}"


def limit_text(r: Restriction, unit: str) -> str:
    """A box's limit on one parameter as a person writes it: "is at least $300,000 per year"."""
    if r.levels is not None:
        return f"is {' or '.join(str(v) for v in r.levels)}"
    if r.low is not None and r.high is not None:
        return f"is between {fmt(r.low, unit)} and {fmt(r.high, unit)}"
    if r.low is not None:
        return f"is at least {fmt(r.low, unit)}"
    return f"is at most {fmt(r.high, unit)}"


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


ANY_HIT = 1e-9  # see discover_boxes: PRIM's threshold on the 0/1 target, below any hit
MAX_BOXES = 10  # PRIM's later boxes cover ever fewer runs; past a few they describe noise


def discover(folder: str | os.PathLike[str], outcome: str, threshold: float, above: bool = True,
             density: float = 0.8) -> Discovery:
    """A PRIM box over every finished run where `outcome >= threshold` (or <= with above=False):
    among the boxes on the peeling trajectory with at least `density`, the one with most coverage."""
    return discover_boxes(folder, outcome, threshold, above=above, density=density, boxes=1)[0]


def discover_boxes(folder: str | os.PathLike[str], outcome: str, threshold: float, above: bool = True,
                   density: float = 0.8, boxes: int = 3) -> list[Discovery]:
    """Up to `boxes` PRIM boxes, found one after another (each among the runs outside the boxes
    before it, PRIM's covering); each is the box of most coverage with at least `density` on its
    peeling trajectory, and keeps that trajectory (the coverage-density trade-off). The search stops
    early when the runs left hold no box dense enough: the list then ends with a box without
    restrictions that keeps the trajectory (what density was reachable); it is the only box when
    there is none at all."""
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
    if not 1 <= boxes <= MAX_BOXES:
        problems.append(Problem("--boxes", f"must be from 1 to {MAX_BOXES}", boxes))
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
        return [Discovery(**common, coverage=share, density=share, mass=1.0, restrictions=())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.ERROR)
    x = _inputs(table, names)
    found: list[Discovery] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # PRIM's own threshold only counts y >= it as a hit and accepts a box whose mean reaches it;
        # a tiny one keeps every box and its trajectory, and the density asked for is applied here.
        p = prim.Prim(x, y, threshold=ANY_HIT, peel_alpha=0.1)
        while len(found) < boxes:
            box = p.find_box()  # frozen once the next one is searched: select first
            if box is None or box.peeling_trajectory.shape[0] < 2:  # no runs, or no hits, left
                break
            traj = box.peeling_trajectory.reset_index(drop=True)
            ok = traj[traj["density"] >= density]
            if not len(ok):  # nothing dense enough: the trajectory shows what density is reachable
                rest = traj.iloc[0]
                found.append(Discovery(**common, coverage=float(rest["coverage"]),
                                       density=float(rest["density"]), mass=float(rest["mass"]),
                                       restrictions=(), box=len(found) + 1, trajectory=traj, chosen=-1))
                break
            i = int(ok["coverage"].idxmax())
            box.select(i)
            inside = x.iloc[np.asarray(box.yi, dtype=int)]
            restrictions = _restrictions(box.box_lim, p.box_init, names, inside)
            found.append(Discovery(**common, coverage=float(box.coverage), density=float(box.density),
                                   mass=float(box.mass), restrictions=restrictions, box=len(found) + 1,
                                   trajectory=traj, chosen=i))
            if not restrictions:  # the box dense enough is every run left: nothing to split
                break
    if not found:
        found.append(Discovery(**common, coverage=1.0, density=float(y.mean()), mass=1.0, restrictions=()))
    return found


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


def discovery_frame(d: Discovery | list[Discovery]) -> pd.DataFrame:
    """The box (or boxes) as a table: box, parameter, the condition in words, low, high, levels,
    then the box's coverage, density and mass."""
    rows = []
    for b in [d] if isinstance(d, Discovery) else d:
        for r in b.restrictions:
            rows.append({"box": b.box, "parameter": r.parameter,
                         "condition": limit_text(r, b.units.get(r.parameter, "")), "low": r.low,
                         "high": r.high,
                         "levels": None if r.levels is None else ", ".join(map(str, r.levels)),
                         "coverage": b.coverage, "density": b.density, "mass": b.mass})
    return pd.DataFrame(rows, columns=["box", "parameter", "condition", "low", "high", "levels", "coverage",
                                       "density", "mass"])


TRADEOFF_COLUMNS = ["box", "step", "coverage", "density", "mass", "restricted", "runs", "hits", "chosen"]


def tradeoff_frame(d: Discovery | list[Discovery]) -> pd.DataFrame:
    """The peeling trajectory of each box: at each step of peeling (and pasting), the box's
    coverage, density and mass, how many parameters it restricts, the runs in it and those among
    them meeting the target; `chosen` marks the step the box was taken at. Reading down a box's
    rows shows the trade-off: each step buys density with coverage."""
    rows = []
    for b in [d] if isinstance(d, Discovery) else d:
        if b.trajectory is None:
            continue
        t = b.trajectory
        rows.append(pd.DataFrame({"box": b.box, "step": range(len(t)), "coverage": t["coverage"].to_numpy(),
                                  "density": t["density"].to_numpy(), "mass": t["mass"].to_numpy(),
                                  "restricted": t["res_dim"].to_numpy(), "runs": t["n"].to_numpy(),
                                  "hits": t["k"].to_numpy(), "chosen": np.arange(len(t)) == b.chosen}))
    if not rows:
        return pd.DataFrame(columns=TRADEOFF_COLUMNS)
    out = pd.concat(rows, ignore_index=True)
    return out.astype({"coverage": float, "density": float, "mass": float, "restricted": int, "runs": int,
                       "hits": int})[TRADEOFF_COLUMNS]

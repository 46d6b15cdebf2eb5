"""Choosing among policies across possible worlds: for a sweep that crosses its levers (the
policies a committee can choose) with its uncertainties (the worlds it cannot), each policy's
satisficing share (the worlds in which it meets a target) and its regret (how far it falls
short of the best policy in each world, the worst case and the mean).

Each (policy, world) cell is the mean across seeds, so seed noise does not pose as regret. A
policy is one combination of lever values, a world one combination of uncertainty values; the
design must cross them (a grid does; a Latin hypercube over both does not)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario.errors import Problem, ScenarioError
from sim.sweep.analysis import _check_outcome, horizon_table

COLUMNS = ["policy", "worlds", "satisficing", "mean", "worst", "max_regret", "mean_regret"]


def _key(row: pd.Series, names: list[str]) -> str:
    return ", ".join(f"{n}={row[n]}" for n in names) if names else "(base)"


def robustness(folder: str | os.PathLike[str], outcome: str, threshold: float | None = None,
               above: bool | None = None) -> pd.DataFrame:
    """One row per policy: worlds seen, the share of worlds meeting the target (if a threshold is
    given), the mean and worst outcome across worlds, and the maximum and mean regret. `above`
    says which way is better (default: the metric's own direction). Sorted by maximum regret."""
    from sim.outcomes import BY_NAME

    table, m = horizon_table(Path(folder))
    _check_outcome(outcome, m, table)
    levers = [f["path"] for f in m["factors"] if f["role"] == "lever"]
    worlds = [f["path"] for f in m["factors"] if f["role"] == "uncertainty"]
    problems = []
    if not levers:
        problems.append(Problem("levers", "robustness compares policies: vary at least one lever"))
    if threshold is not None and not np.isfinite(threshold):
        problems.append(Problem("--threshold", "must be a finite number", str(threshold)))
    if above is None:
        direction = BY_NAME[outcome].direction if outcome in BY_NAME else 0
        if direction == 0:
            problems.append(Problem("--above/--below", f"{outcome} has no better direction; say which "
                                    "way is better", outcome))
        above = direction >= 0
    if problems:
        raise ScenarioError(problems)
    runs = table.drop_duplicates("run_id")
    cells = runs.assign(policy=runs.apply(_key, axis=1, names=levers),
                        world=runs.apply(_key, axis=1, names=worlds))
    cells = cells.groupby(["policy", "world"])[outcome].mean().unstack("world")
    if cells.isna().any().any():
        missing = int(cells.isna().sum().sum())
        raise ScenarioError([Problem("design", f"robustness needs every policy run in every world; {missing} "
                                     "(policy, world) cells have no value (cross the levers with the "
                                     "uncertainties: a grid, or an unfinished sweep?)", m["design"])])
    sign = 1.0 if above else -1.0
    best = (cells * sign).max(axis=0)  # the best policy's value in each world
    regret = best - cells * sign  # >= 0: what choosing this policy costs in that world
    out = pd.DataFrame({
        "policy": cells.index, "worlds": cells.shape[1],
        "satisficing": (((cells >= threshold) if above else (cells <= threshold)).mean(axis=1)
                        if threshold is not None else np.nan),
        "mean": cells.mean(axis=1), "worst": (cells.min(axis=1) if above else cells.max(axis=1)),
        "max_regret": regret.max(axis=1), "mean_regret": regret.mean(axis=1),
    }).reset_index(drop=True)
    return out.sort_values(["max_regret", "mean_regret"], kind="stable", ignore_index=True)[COLUMNS]


def robustness_sentence(frame: pd.DataFrame, outcome: str, threshold: float | None, unit: str) -> str:
    from sim.sweep.discovery import fmt

    top = frame.iloc[0]
    text = (f"Least regret on {outcome}: {top.policy} (at most {fmt(top.max_regret, unit)} behind the best "
            f"policy in any of {int(top.worlds)} worlds).")
    if threshold is not None:
        best = frame.sort_values("satisficing", ascending=False, kind="stable").iloc[0]
        text += (f" Meets the target ({fmt(threshold, unit)}) in the most worlds: {best.policy} "
                 f"({best.satisficing:.0%} of them).")
    return text


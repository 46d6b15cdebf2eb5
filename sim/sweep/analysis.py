"""Reading a finished sweep: per-point summaries across seeds and global sensitivity indices.

Sensitivity uses SALib on exactly the unit sample the sweep drew (kept in the manifest): Sobol
first- and total-order indices for a `sobol` design, Morris mu* and sigma for a `morris` design.
Each point's outcome is its mean across seeds (common random numbers), and SALib's bootstrap
gives the confidence intervals.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.errors import Problem, ScenarioError
from sim.sweep import store

CONFIDENCE = 0.9
SENSITIVITY_COLUMNS = {
    "sobol": ["outcome", "parameter", "role", "S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["outcome", "parameter", "role", "mu_star", "mu_star_conf", "mu", "sigma"],
}


def horizon_table(folder: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per (point, seed): point, seed, run_id, the parameters, then one column per metric.
    A run shared by repeated design points appears once per point (what Sobol and Morris need);
    count distinct runs by run_id."""
    folder = Path(folder)
    m = store.read_manifest(folder)
    names = [f["path"] for f in m["factors"]]
    h = store.load(folder, kind="horizon")
    h = h[(h.sector == "all") & (h.group == "all")]  # totals; load() has every sector and group too
    if h.empty:
        return pd.DataFrame(columns=["point", "seed", "run_id", *names]), m
    wide = h.pivot_table(index=["point", "seed"], columns="metric", values="value", aggfunc="first",
                         dropna=False).reset_index()
    wide.columns.name = None
    ids = pd.DataFrame(m["runs"], columns=["point", "seed", "run_id"])
    wide = ids.merge(wide, on=["point", "seed"], how="inner")
    params = store.points_frame(m)
    return params.merge(wide, on="point", how="inner"), m


def _check_outcome(outcome: str, m: dict[str, Any], table: pd.DataFrame) -> None:
    if outcome not in table.columns:
        from sim.outcomes import BY_NAME

        known = "a metric this sweep did not record" if outcome in BY_NAME else "an unknown metric"
        raise ScenarioError([Problem("--outcome", f"{known}; the sweep kept {', '.join(m['outcomes'])}",
                                     outcome)])


def summary(folder: str | os.PathLike[str], outcomes: list[str] | None = None,
            confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per point and outcome: the parameters, seeds done, mean and the central interval across
    seeds (5th-95th percentile at 90%)."""
    table, m = horizon_table(folder)
    outcomes = outcomes or m["outcomes"]
    names = [f["path"] for f in m["factors"]]
    q = (1 - confidence) / 2
    rows = []
    for outcome in outcomes:
        if not table.empty:
            _check_outcome(outcome, m, table)
        for point, g in table.groupby("point", sort=True):
            v = g[outcome].to_numpy(dtype=float) if outcome in g else np.array([])
            v = v[~np.isnan(v)]
            low, high = (np.quantile(v, [q, 1 - q]) if len(v) else (np.nan, np.nan))
            rows.append({"point": point, **{n: g[n].iloc[0] for n in names}, "outcome": outcome,
                         "seeds": len(g), "mean": float(v.mean()) if len(v) else np.nan,
                         "low": float(low), "high": float(high)})
    return pd.DataFrame(rows, columns=["point", *names, "outcome", "seeds", "mean", "low", "high"])


def _require_complete(folder: Path, m: dict[str, Any]) -> None:
    st = store.status(folder)
    if st["remaining"]:
        raise store.SweepError(f"the sweep is not finished ({st['done']} of {st['total']} runs); "
                               f"finish it first: fundsim sweep {m['spec_file']} --out {folder}")


def sensitivity(folder: str | os.PathLike[str], outcomes: list[str] | None = None,
                confidence: float = CONFIDENCE, seed: int = 1) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices per outcome and parameter, with intervals."""
    folder = Path(folder)
    table, m = horizon_table(folder)
    design = m["design"]
    if design not in SENSITIVITY_COLUMNS:
        raise ScenarioError([Problem("design", "sensitivity indices need a sweep with design sobol or "
                                     "morris (their samples are built for it); this sweep is "
                                     f"{design}: use `fundsim sweep summary` or `fundsim discover`",
                                     design)])
    _require_complete(folder, m)
    from sim.sweep.design import salib_problem

    names = [f["path"] for f in m["factors"]]
    roles = {f["path"]: f["role"] for f in m["factors"]}
    problem = salib_problem(names)
    x = np.array([p["unit"] for p in m["points"]], dtype=float)
    outcomes = outcomes or m["outcomes"]
    rows = []
    for outcome in outcomes:
        _check_outcome(outcome, m, table)
        y = table.groupby("point")[outcome].mean().reindex(range(len(x))).to_numpy(dtype=float)
        bad = int(np.isnan(y).sum())
        if bad:
            raise store.SweepError(f"{outcome} is undefined (no value) at {bad} of {len(y)} design points, "
                                   "so its indices cannot be computed; pick another --outcome")
        if design == "sobol":
            from SALib.analyze import sobol

            r = sobol.analyze(problem, y, calc_second_order=False, conf_level=confidence, seed=seed)
            for i, name in enumerate(names):
                rows.append({"outcome": outcome, "parameter": name, "role": roles[name],
                             "S1": r["S1"][i], "S1_conf": r["S1_conf"][i],
                             "ST": r["ST"][i], "ST_conf": r["ST_conf"][i]})
        else:
            from SALib.analyze import morris

            r = morris.analyze(problem, x, y, conf_level=confidence, seed=seed,
                               num_levels=int(m["spec"]["morris_levels"]))
            for i, name in enumerate(names):
                rows.append({"outcome": outcome, "parameter": name, "role": roles[name],
                             "mu_star": r["mu_star"][i], "mu_star_conf": r["mu_star_conf"][i],
                             "mu": r["mu"][i], "sigma": r["sigma"][i]})
    out = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS[design])
    num = out.columns[3:]
    out[num] = out[num].astype(float)
    return out

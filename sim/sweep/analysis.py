"""Reading a finished sweep: per-point summaries across seeds and global sensitivity indices.

Sensitivity uses SALib on exactly the unit sample the sweep drew (kept in the manifest): Sobol
first- and total-order indices for a `sobol` design (and second-order, pairwise ones when the
spec asked for `second_order`), Morris mu* and sigma for a `morris` design,
and for `lhs` and `grid` designs a sample-based first-order index (SALib's delta module, its
equal-frequency partition estimator of S1, which needs no special sample; its Borgonovo delta
itself needs more points than a sweep usually has). Each point's outcome is its mean across seeds
(common random numbers), and SALib's bootstrap gives the confidence intervals. Seed noise is kept
apart: `seed_share` is the share of the run-to-run variance that lies between seeds of one point
(the model's randomness, not the parameters).
"""

from __future__ import annotations

import itertools
import json
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
    "delta": ["outcome", "parameter", "role", "S1", "S1_conf"],
}
METHOD = {"sobol": "sobol", "morris": "morris", "lhs": "delta", "grid": "delta"}
SECOND_ORDER_COLUMNS = ["outcome", "parameter", "with", "S2", "S2_conf", "seed_share"]
MIN_DELTA_POINTS = 20  # fewer points leave the delta method's density estimate meaningless


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


def _prepared(folder: Path, outcomes: list[str] | None,
              ) -> tuple[pd.DataFrame, dict[str, Any], list[str], np.ndarray, list[str]]:
    """(table, manifest, parameter names, unit sample, outcomes) of a finished sweep."""
    table, m = horizon_table(folder)
    _require_complete(folder, m)
    x = unit_matrix(m)
    if METHOD[m["design"]] == "delta" and len(x) < MIN_DELTA_POINTS:
        raise ScenarioError([Problem("design", f"sample-based sensitivity needs at least {MIN_DELTA_POINTS} "
                                     f"design points; this {m['design']} sweep has {len(x)}", m["design"])])
    return table, m, [f["path"] for f in m["factors"]], x, outcomes or m["outcomes"]


def _point_means(table: pd.DataFrame, m: dict[str, Any], outcome: str, n: int) -> np.ndarray:
    """The outcome at each design point, as its mean across seeds (common random numbers)."""
    _check_outcome(outcome, m, table)
    y = table.groupby("point")[outcome].mean().reindex(range(n)).to_numpy(dtype=float)
    bad = int(np.isnan(y).sum())
    if bad:
        raise store.SweepError(f"{outcome} is undefined (no value) at {bad} of {len(y)} design points, "
                               "so its indices cannot be computed; pick another --outcome")
    return y


def has_second_order(m: dict[str, Any]) -> bool:
    """Whether a sobol sweep sampled for second-order indices (the sample's layout depends on it)."""
    return m["design"] == "sobol" and bool(m["spec"].get("second_order", False))


def sensitivity(folder: str | os.PathLike[str], outcomes: list[str] | None = None,
                confidence: float = CONFIDENCE, seed: int = 1) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices per outcome and parameter, with intervals."""
    folder = Path(folder)
    table, m, names, x, outcomes = _prepared(folder, outcomes)
    method = METHOD[m["design"]]
    from sim.sweep.design import salib_problem

    roles = {f["path"]: f["role"] for f in m["factors"]}
    problem = salib_problem(names)
    rows = []
    for outcome in outcomes:
        y = _point_means(table, m, outcome, len(x))
        noise = seed_share(table, outcome)
        if method == "sobol":
            from SALib.analyze import sobol

            r = sobol.analyze(problem, y, calc_second_order=has_second_order(m), conf_level=confidence,
                              seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        elif method == "morris":
            from SALib.analyze import morris

            r = morris.analyze(problem, x, y, conf_level=confidence, seed=seed,
                               num_levels=int(m["spec"]["morris_levels"]))
            keys = ("mu_star", "mu_star_conf", "mu", "sigma")
        else:
            r = _delta(problem, x, y, confidence, seed)
            keys = ("S1", "S1_conf")
        for i, name in enumerate(names):
            rows.append({"outcome": outcome, "parameter": name, "role": roles[name],
                         **{k: r[k][i] for k in keys}, "seed_share": noise})
    out = pd.DataFrame(rows, columns=[*SENSITIVITY_COLUMNS[method], "seed_share"])
    num = out.columns[3:]
    out[num] = out[num].astype(float)
    return out


def interactions(folder: str | os.PathLike[str], outcomes: list[str] | None = None,
                 confidence: float = CONFIDENCE, seed: int = 1) -> pd.DataFrame:
    """Second-order Sobol indices: per outcome and pair of parameters, S2 (the share of the
    outcome's variance due to the pair acting together, beyond each alone) with its interval,
    and the outcome's seed_share. Needs a sobol sweep with `second_order: true`."""
    folder = Path(folder)
    m = store.read_manifest(folder)
    if not has_second_order(m):
        raise ScenarioError([Problem("design", "this sweep was not sampled for second-order indices; run a "
                                     "sobol sweep with second_order: true", m["design"])])
    table, m, names, x, outcomes = _prepared(folder, outcomes)
    from SALib.analyze import sobol

    from sim.sweep.design import salib_problem

    rows = []
    for outcome in outcomes:
        y = _point_means(table, m, outcome, len(x))
        r = sobol.analyze(salib_problem(names), y, calc_second_order=True, conf_level=confidence, seed=seed)
        noise = seed_share(table, outcome)
        for i, j in itertools.combinations(range(len(names)), 2):
            rows.append({"outcome": outcome, "parameter": names[i], "with": names[j],
                         "S2": float(r["S2"][i][j]), "S2_conf": float(r["S2_conf"][i][j]),
                         "seed_share": noise})
    return pd.DataFrame(rows, columns=SECOND_ORDER_COLUMNS)


def unit_matrix(m: dict[str, Any]) -> np.ndarray:
    """Each design point in unit coordinates: as sampled for lhs, sobol and morris; for a grid,
    each factor's level rank scaled to [0, 1] (levels in the order the spec lists them)."""
    if m["points"] and "unit" in m["points"][0]:
        return np.array([p["unit"] for p in m["points"]], dtype=float)
    cols = []
    for f in m["factors"]:
        levels = [json.dumps(v, sort_keys=True) for v in f["levels"]]
        span = max(len(levels) - 1, 1)
        cols.append([levels.index(json.dumps(p["params"][f["path"]], sort_keys=True)) / span
                     for p in m["points"]])
    return np.array(cols, dtype=float).T.reshape(len(m["points"]), len(m["factors"]))


def seed_share(table: pd.DataFrame, outcome: str) -> float:
    """The share of the outcome's variance across runs that lies between seeds of the same design
    point: the model's own randomness, which no parameter explains (NaN with one seed)."""
    runs = table.drop_duplicates("run_id")[["point", outcome]].dropna()
    total = float(runs[outcome].var(ddof=0))
    if not len(runs) or runs.groupby("point").size().max() < 2 or not total > 0:
        return float("nan")
    within = float(runs.groupby("point")[outcome].var(ddof=0).mean())
    return min(within / total, 1.0)


def _delta(problem: dict[str, Any], x: np.ndarray, y: np.ndarray, confidence: float, seed: int,
           ) -> dict[str, Any]:
    import warnings

    from SALib.analyze import delta

    if not np.nanstd(y) > 0:  # a constant outcome: no input explains anything
        return {"S1": np.zeros(x.shape[1]), "S1_conf": np.zeros(x.shape[1])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about small samples; the intervals say it
        return delta.analyze(problem, x, y, conf_level=confidence, seed=seed, num_resamples=100,
                             method="sobol")


def wide_intervals(indices: pd.DataFrame) -> list[str]:
    """Plain warnings for indices whose confidence interval is wider than the index itself: their
    ranking is not settled by this sample."""
    pairs = [(k, f"{k}_conf") for k in ("S1", "ST", "S2", "mu_star") if f"{k}_conf" in indices]
    out = []
    for _, r in indices.iterrows():
        name = f"{r['parameter']} with {r['with']}" if "with" in indices else r["parameter"]
        for k, conf in pairs:
            if np.isfinite(r[conf]) and r[conf] > abs(r[k]):
                out.append(f"{r['outcome']}, {name}: the interval of {k} (±{r[conf]:.3f}) is wider "
                           f"than the index ({r[k]:.3f}); more samples are needed to rank it")
    return out

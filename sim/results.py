"""Results of a run, summaries across seeds, and paired comparisons between scenarios."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.outcomes import BY_NAME, REGISTRY

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


@dataclass
class Results:
    scenario: Scenario
    seed: int
    metrics: pd.DataFrame  # month, metric, sector, group, value
    ledger: pd.DataFrame  # month, payer, payee, category, amount_cents
    providers: pd.DataFrame = field(default_factory=pd.DataFrame)
    poaching: pd.DataFrame = field(default_factory=pd.DataFrame)
    rollout: list = field(default_factory=list)
    firms: pd.DataFrame = field(default_factory=pd.DataFrame)  # firm, sector, size_class, ...
    # Participants against their no-fund twin by months since first fund start (sim.engine.impact)
    impact: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Per training firm: apprentices' costs and output, graduates kept, NPV (sim.engine.firm_accounts)
    training_accounts: pd.DataFrame = field(default_factory=pd.DataFrame)

    def series(self, metric: str, sector: str = "all", group: str = "all") -> pd.Series:
        if sector == "all" and group == "all":
            found = self._region_series().get(metric)
            return found if found is not None else pd.Series(dtype=float, name="value",
                                                             index=pd.Index([], name="month", dtype=np.int64))
        m = self.metrics
        sel = m[(m.metric == metric) & (m.sector == sector) & (m.group == group)]
        return sel.set_index("month")["value"]

    def _region_series(self) -> dict[str, pd.Series]:
        """Every metric's region-wide series (sector and group "all"), split out of the tidy table
        in one pass and kept: the app's cards, charts and alerts and the reports read dozens of
        them per run, and each pick on the whole table cost a scan of its string columns."""
        cached = self.__dict__.get("_region")
        if cached is None:
            m = self.metrics
            sel = m[(m.sector == "all") & (m.group == "all")]
            cached = {str(name): part.set_index("month")["value"]
                      for name, part in sel.groupby("metric", sort=False, observed=True)}
            self.__dict__["_region"] = cached
        return cached

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_region", None)  # derived: not stored in run files
        return state

    def horizon(self, sector: str = "all", group: str = "all") -> pd.Series:
        """One value per metric over the whole horizon: flows summed, stocks at the end,
        rates as sum(numerator) / sum(denominator)."""
        return horizon_values(self.metrics, sector, group)


def horizon_values(metrics: pd.DataFrame, sector: str = "all", group: str = "all") -> pd.Series:
    m = metrics[(metrics.sector == sector) & (metrics.group == group)]
    wide = m.pivot_table(index="month", columns="metric", values="value", aggfunc="first", dropna=False)
    return aggregate(wide)


def horizon_cells(metrics: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """`horizon_values` of every (sector, group) cell the metrics hold, in one pass over the
    frame (a sweep reads every cell of every run: masking the frame once per cell cost a quarter
    of a small run's time)."""
    out = {}
    for (sector, group), part in metrics.groupby(["sector", "group"], observed=True, sort=False):
        out[(sector, group)] = aggregate(part.pivot(index="month", columns="metric", values="value"))
    return out


def aggregate(wide: pd.DataFrame) -> pd.Series:
    """The horizon rule over the months in `wide` (one column per metric): flows summed,
    stocks at the last month, rates as sum(numerator) / sum(denominator).

    Vectorised over the columns (the reports apply it to hundreds of windows): a flow or a rate's
    part with no value in any month is NaN, as pandas' sum(min_count=1)."""
    values = wide.to_numpy(dtype=float)
    index = {name: j for j, name in enumerate(wide.columns)}
    if len(values):
        seen = ~np.isnan(values)
        sums = np.where(seen.any(axis=0), np.nansum(values, axis=0), np.nan)
        last = values[-1]
    else:
        sums = last = np.full(len(index), np.nan)
    out = {}
    for meta in REGISTRY:
        j = index.get(meta.name)
        if j is None:
            continue
        if meta.agg == "flow":
            out[meta.name] = float(sums[j])
        elif meta.agg == "stock":
            out[meta.name] = float(last[j])
        else:
            num = sums[index[meta.num]] if meta.num in index else np.nan
            den = sums[index[meta.den]] if meta.den in index else np.nan
            out[meta.name] = float(num / den) if den > 0 and not np.isnan(num) else np.nan
    return pd.Series(out, name="value")


def summarize(results: Sequence[Results], sector: str = "all", group: str = "all") -> pd.DataFrame:
    """metric, unit, mean, p05, p50, p95 across seeds (one row per metric)."""
    table = pd.DataFrame([r.horizon(sector, group) for r in results])
    rows = []
    for meta in REGISTRY:
        if meta.name not in table:
            continue
        v = table[meta.name].to_numpy(dtype=float)
        v = v[~np.isnan(v)]
        if len(v) == 0:
            rows.append({"metric": meta.name, "unit": meta.unit, "mean": np.nan, "p05": np.nan,
                         "p50": np.nan, "p95": np.nan})
            continue
        p05, p50, p95 = np.percentile(v, [5, 50, 95])
        rows.append({"metric": meta.name, "unit": meta.unit, "mean": float(v.mean()),
                     "p05": float(p05), "p50": float(p50), "p95": float(p95)})
    return pd.DataFrame(rows, columns=["metric", "unit", "mean", "p05", "p50", "p95"])


def paired_difference(a: Sequence[Results], b: Sequence[Results], confidence: float = 0.9) -> pd.DataFrame:
    """B minus A per metric, paired by seed (common random numbers): mean difference, a
    t-interval across seeds, and the paired t-test p-value."""
    from scipy import stats  # imported here: the CLI's quick commands should not pay for it

    by_seed_a = {r.seed: r.horizon() for r in a}
    by_seed_b = {r.seed: r.horizon() for r in b}
    seeds = sorted(set(by_seed_a) & set(by_seed_b))
    if not seeds:
        raise ValueError("the two sets of results share no seed; compare runs with the same seeds")
    rows = []
    for meta in REGISTRY:
        va = np.array([by_seed_a[s].get(meta.name, np.nan) for s in seeds], dtype=float)
        vb = np.array([by_seed_b[s].get(meta.name, np.nan) for s in seeds], dtype=float)
        ok = ~(np.isnan(va) | np.isnan(vb))
        d = vb[ok] - va[ok]
        row = {"metric": meta.name, "unit": meta.unit, "a_mean": np.nanmean(va) if (~np.isnan(va)).any()
               else np.nan, "b_mean": np.nanmean(vb) if (~np.isnan(vb)).any() else np.nan,
               "diff_mean": d.mean() if len(d) else np.nan, "diff_low": np.nan, "diff_high": np.nan,
               "p_value": np.nan, "n_seeds": int(ok.sum())}
        if len(d) >= 2 and np.std(d) > 0:
            se = stats.sem(d)
            low, high = stats.t.interval(confidence, len(d) - 1, loc=d.mean(), scale=se)
            row.update(diff_low=low, diff_high=high, p_value=stats.ttest_1samp(d, 0.0).pvalue)
        elif len(d) >= 1:
            row.update(diff_low=d.mean(), diff_high=d.mean())
        rows.append(row)
    return pd.DataFrame(rows)


def unit_of(metric: str) -> str:
    return BY_NAME[metric].unit


def equity_gap(results: Sequence[Results], metric: str, a: str = "hard_to_serve",
               b: str = "job_ready") -> pd.Series:
    """Per seed, the horizon value of `metric` for group `a` minus group `b`."""
    return pd.Series({r.seed: r.horizon(group=a)[metric] - r.horizon(group=b)[metric] for r in results},
                     name=f"{metric}: {a} - {b}")


def impact_curve(results: Sequence[Results], by: str = "year", split: str = "all") -> pd.DataFrame:
    """Participants' gains over their no-fund twin by time since first fund start, one row per
    seed, period and cell of `split` (all, kind, provider, group, cohort): `by` is "year" (years 1..N:
    monthly means over the year's participant-months) or "months_since_start".

    Columns: seed, `by`, value, participants (participant-months), earnings_gain ($ per month),
    employment_gain (share employed minus the twin's), credential_rate and twin_credential_rate
    (share holding a credential gained since the start) and credential_gain (their difference)."""
    if by not in ("year", "months_since_start"):
        raise ValueError(f"by: {by!r} is not one of 'year', 'months_since_start'")
    if split not in ("all", "kind", "provider", "group", "cohort"):
        raise ValueError(f"split: {split!r} is not one of 'all', 'kind', 'provider', 'group', 'cohort'")
    parts = []
    for r in results:
        t = r.impact
        if t is None or len(t) == 0:
            continue
        t = t[t.split == split]
        g = t.groupby([by, "value"], sort=True)[["participants", "earnings", "twin_earnings", "employed",
                                                  "twin_employed", "credentialed", "twin_credentialed"]].sum()
        n = g["participants"]
        out = pd.DataFrame({
            "participants": n,
            "earnings_gain": (g["earnings"] - g["twin_earnings"]) / n,
            "employment_gain": (g["employed"] - g["twin_employed"]) / n,
            "credential_rate": g["credentialed"] / n,
            "twin_credential_rate": g["twin_credentialed"] / n,
        })
        out["credential_gain"] = out["credential_rate"] - out["twin_credential_rate"]
        out = out.reset_index()
        out.insert(0, "seed", int(r.seed))
        parts.append(out)
    columns = ["seed", by, "value", "participants", "earnings_gain", "employment_gain", "credential_rate",
               "twin_credential_rate", "credential_gain"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)

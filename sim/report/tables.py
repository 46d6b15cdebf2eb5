"""The report's tables, as tidy pandas frames: every writer (Excel, CSV, HTML/PDF) shows these.

Ranges are the 5th to 95th percentile across seeds ("90% range"); central values are the mean
across seeds, as in `sim.results.summarize`. Values "through year Y" use the engine's horizon
rule on months 1..12Y (flows summed, stocks at the end, rates as sum of numerator / sum of
denominator); "in year Y" uses months 12(Y-1)+1..12Y."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.outcomes import BY_NAME, REGISTRY
from sim.report.data import HIGH_Q, LOW_Q, ReportData, per_report
from sim.results import Results, aggregate

HEADLINE = ("fund_enrolments", "completions", "credential_rate", "fund_placements", "placement_rate",
            "retention_12m", "cost_per_placement", "earnings_gain_vs_counterfactual", "unemployment_rate",
            "fill_rate", "poached_trained_workers", "hard_to_serve_share", "fund_balance",
            "fund_liabilities", "employer_roi", "public_roi")
GROUP_METRICS = ("enrolments", "fund_enrolments", "completions", "credential_rate", "placements",
                 "placement_rate", "retention_12m", "earnings_gain_vs_counterfactual", "unemployment_rate")
FUND_FLOWS = ("fund_income_employers", "fund_income_public", "fund_income_other", "fund_spend_providers",
              "fund_spend_supports", "fund_spend_admin", "fund_spend_employers", "fund_spend_other")
NO_FUND = " (no fund)"
HEADLINE_COLUMNS = ["scenario", "metric", "unit", "year", "central", "low", "high", "diff_central",
                    "diff_low", "diff_high", "vs_no_fund_central", "vs_no_fund_low", "vs_no_fund_high"]


_WIDE: dict[tuple[int, str, str], tuple[Results, pd.DataFrame]] = {}


def _wide(r: Results, sector: str, group: str) -> pd.DataFrame:
    """month x metric for one cell, pivoted once per run. A run from the run cache keeps its
    tables (`CachedResults.wide`, the same pivot, stored with the run): read, not pivoted again.
    Others are kept here by identity (the run is kept alive with its entry, so an id is never
    reused while cached)."""
    kept = getattr(r, "wide", None)
    if callable(kept):
        return kept(sector, group)
    key = (id(r), sector, group)
    hit = _WIDE.get(key)
    if hit is not None and hit[0] is r:
        return hit[1]
    if len(_WIDE) > 2000:
        _WIDE.clear()
    m = r.metrics
    m = m[(m.sector == sector) & (m.group == group)]
    wide = m.pivot(index="month", columns="metric", values="value").sort_index()
    _WIDE[key] = (r, wide)
    return wide


def window_values(wide: pd.DataFrame) -> pd.Series:
    """The engine's horizon rule (`sim.results.aggregate`) over the given months."""
    return aggregate(wide)


_WINDOWS: dict[tuple[int, str, str, int, int], tuple[Results, pd.Series]] = {}


def _window(r: Results, sector: str, group: str, first: int, last: int) -> pd.Series:
    """One run's values over months first..last, computed once per run and window: the summary,
    the fund flows, the yearly tables and the comparisons ask for the same windows of the same
    runs (the reference is also every other scenario's comparator). Kept by identity, with the
    run alive in its entry, as `_wide` does."""
    key = (id(r), sector, group, first, last)
    hit = _WINDOWS.get(key)
    if hit is not None and hit[0] is r:
        return hit[1]
    if len(_WINDOWS) > 20000:
        _WINDOWS.clear()
    values = window_values(_wide(r, sector, group).loc[first:last])
    _WINDOWS[key] = (r, values)
    return values


def seed_table(results: Sequence[Results], first: int, last: int, sector: str = "all",
               group: str = "all") -> pd.DataFrame:
    """One row per seed, one column per metric: the value over months first..last."""
    rows = {r.seed: _window(r, sector, group, first, last) for r in results}
    values = list(rows.values())
    if values and all(v.index.equals(values[0].index) for v in values[1:]):
        # Runs of one scenario have the same metrics: stacked as one array (DataFrame.from_dict
        # aligns every row by label, about 5 ms per table, and the report makes dozens).
        return pd.DataFrame(np.vstack([v.to_numpy(dtype=float) for v in values]), index=list(rows),
                            columns=values[0].index)
    return pd.DataFrame.from_dict(rows, orient="index")


def _stats(values: pd.Series | np.ndarray) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    low, high = np.percentile(v, [LOW_Q, HIGH_Q])
    return float(v.mean()), float(low), float(high)


def _paired(a: pd.DataFrame, b: pd.DataFrame, metric: str) -> tuple[float, float, float]:
    """b - a per seed (common random numbers), then mean and 90% range across seeds."""
    if metric not in a or metric not in b:
        return np.nan, np.nan, np.nan
    return _stats((b[metric] - a[metric]).to_numpy(dtype=float))


@per_report
def headline(data: ReportData) -> pd.DataFrame:
    """Summary: per scenario, headline metric and year (1, 3, 5, 10 within the horizon), the value
    through that year with its range, and the paired differences from the first scenario and
    from the no-fund counterfactual."""
    rows: list[dict[str, Any]] = []
    spans = [(year, 12 * year) for year in data.years]
    ref = {y: seed_table(data.first.results, 1, last) for y, last in spans}
    for run in data.runs:
        own = {y: seed_table(run.results, 1, last) for y, last in spans}
        cf = {y: seed_table(run.counterfactual, 1, last) for y, last in spans} if run.counterfactual else None
        for name in HEADLINE:
            for year, _ in spans:
                if name not in own[year]:
                    continue
                mean, low, high = _stats(own[year][name])
                d = _paired(ref[year], own[year], name) if run is not data.first else (np.nan,) * 3
                c = (_paired(cf[year], own[year], name) if cf is not None and _comparable(name)
                     else (np.nan,) * 3)
                rows.append({"scenario": run.label, "metric": name, "unit": BY_NAME[name].unit,
                             "year": year, "central": mean, "low": low, "high": high,
                             "diff_central": d[0], "diff_low": d[1], "diff_high": d[2],
                             "vs_no_fund_central": c[0], "vs_no_fund_low": c[1], "vs_no_fund_high": c[2]})
    return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)


def _comparable(metric: str) -> bool:
    """Outcomes that exist without a fund too (fund money and fund-paid counts do not)."""
    return not (metric.startswith("fund_") or metric in ("cost_per_placement", "employer_roi", "public_roi",
                                                         "earnings_gain_vs_counterfactual",
                                                         "hard_to_serve_share"))


def all_runs(data: ReportData) -> list[tuple[str, list[Results]]]:
    """Every scenario, then each distinct no-fund counterfactual, labelled."""
    out = [(r.label, r.results) for r in data.runs]
    seen: set[int] = {id(r.results) for r in data.runs}
    for r in data.runs:
        if r.counterfactual is not None and id(r.counterfactual) not in seen:
            seen.add(id(r.counterfactual))
            out.append((r.label + NO_FUND, r.counterfactual))
    return out


def _year_spans(data: ReportData) -> list[tuple[int, int, int]]:
    """(year, first month, last month); a last partial year is included with its months."""
    h = data.horizon_months
    return [(y, 12 * (y - 1) + 1, min(12 * y, h)) for y in range(1, -(-h // 12) + 1)]


@per_report
def annual(data: ReportData) -> pd.DataFrame:
    """Year x metric x low/central/high, for every scenario and counterfactual."""
    rows: list[dict[str, Any]] = []
    spans = _year_spans(data)
    for label, results in all_runs(data):
        tables = [seed_table(results, first, last) for _, first, last in spans]
        for meta in REGISTRY:
            for (year, first, last), table in zip(spans, tables, strict=True):
                if meta.name not in table:
                    continue
                mean, low, high = _stats(table[meta.name])
                rows.append({"scenario": label, "metric": meta.name, "unit": meta.unit, "year": year,
                             "months": last - first + 1, "low": low, "central": mean, "high": high})
    return pd.DataFrame(rows)


@per_report
def fund_flows(data: ReportData) -> pd.DataFrame:
    """Per scenario and year: income by source, spending by category (means across seeds), the
    balance and liabilities at the year's end (with the balance's range)."""
    rows: list[dict[str, Any]] = []
    for run in data.runs:
        if not run.scenario.fund.enabled:
            continue
        for year, first, last in _year_spans(data):
            t = seed_table(run.results, first, last)
            row: dict[str, Any] = {"scenario": run.label, "year": year}
            for name in FUND_FLOWS:
                row[name] = float(t[name].mean()) if name in t else np.nan
            row["net_flow"] = sum(row[n] for n in FUND_FLOWS[:3]) - sum(row[n] for n in FUND_FLOWS[3:])
            row["balance_central"], row["balance_low"], row["balance_high"] = _stats(t["fund_balance"])
            row["liabilities_central"] = float(t["fund_liabilities"].mean())
            row["balance_less_liabilities"] = row["balance_central"] - row["liabilities_central"]
            rows.append(row)
    return pd.DataFrame(rows)


@per_report
def ledger_categories(data: ReportData) -> pd.DataFrame:
    """The fund's ledger by year, direction and category, in dollars (mean across seeds)."""
    parts = []
    spans = _year_spans(data)
    for run in data.runs:
        for r in run.results:
            led = r.ledger
            fund = led[(led.payer == "fund") | (led.payee == "fund")]
            if fund.empty:
                continue
            year = np.minimum((fund.month.to_numpy() - 1) // 12 + 1, len(spans))
            parts.append(pd.DataFrame({
                "scenario": run.label, "seed": r.seed, "year": year,
                "direction": np.where(fund.payee == "fund", "income", "spending"),
                "category": fund.category.to_numpy(), "dollars": fund.amount_cents.to_numpy() / 100.0}))
    if not parts:
        return pd.DataFrame(columns=["scenario", "year", "direction", "category", "dollars"])
    led = pd.concat(parts, ignore_index=True)
    per_seed = led.groupby(["scenario", "year", "direction", "category", "seed"], sort=False).dollars.sum()
    full = per_seed.unstack("seed", fill_value=0.0).reindex(columns=data.seeds, fill_value=0.0)
    out = full.mean(axis=1).rename("dollars").reset_index()
    labels = {run.label: i for i, run in enumerate(data.runs)}
    return out.sort_values(["scenario", "year", "direction", "category"],
                           key=lambda s: s.map(labels) if s.name == "scenario" else s).reset_index(drop=True)


@per_report
def by_group(data: ReportData) -> pd.DataFrame:
    """Outcomes over the horizon per worker group, and the gap between the first two groups."""
    rows: list[dict[str, Any]] = []
    h = data.horizon_months
    for run in data.runs:
        groups = [g for g in pd.unique(run.results[0].metrics.group) if g != "all"]
        tables = {g: seed_table(run.results, 1, h, group=g) for g in [*groups, "all"]}
        for name in GROUP_METRICS:
            for g, t in tables.items():
                if name in t:
                    mean, low, high = _stats(t[name])
                    rows.append({"scenario": run.label, "metric": name, "unit": BY_NAME[name].unit,
                                 "group": g, "central": mean, "low": low, "high": high})
            if len(groups) >= 2 and name in tables[groups[0]]:
                a, b = tables[groups[0]], tables[groups[1]]
                mean, low, high = _paired(b, a, name)
                rows.append({"scenario": run.label, "metric": name, "unit": BY_NAME[name].unit,
                             "group": f"gap: {groups[0]} - {groups[1]}", "central": mean, "low": low,
                             "high": high})
    return pd.DataFrame(rows)


@per_report
def parameters(data: ReportData) -> pd.DataFrame:
    """Every parameter of every scenario: path, unit, role, description, source, bounds, and one
    value column per scenario."""
    from sim.scenario.params import iter_parameters

    frame: pd.DataFrame | None = None
    for run in data.runs:
        rows = iter_parameters(run.scenario)
        f = pd.DataFrame(rows)
        f["value"] = f["value"].map(_cell)
        f = f.rename(columns={"value": run.label})
        if frame is None:
            frame = f[["path", "unit", "role", "description", "source", "min", "max", run.label]]
        else:
            frame = frame.merge(f[["path", run.label]], on="path", how="outer", sort=False)
    assert frame is not None
    return frame.reset_index(drop=True)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return json.dumps(value, default=str)


@per_report
def provenance(data: ReportData) -> pd.DataFrame:
    seeds = data.seeds
    rows = [("fundsim version", data.version), ("code revision", data.revision),
            ("created (UTC)", data.created.strftime("%Y-%m-%d %H:%M:%S")),
            ("seeds", f"{len(seeds)}: " + ", ".join(map(str, seeds))),
            ("interval", "5th to 95th percentile across seeds (90% range); central = mean")]
    for run in data.runs:
        rows.append((f"scenario {run.label}", f"{run.scenario.name}, digest {run.scenario.digest()}, "
                     f"{run.scenario.horizon_months} months"))
    for label, results in all_runs(data)[len(data.runs):]:
        rows.append((f"counterfactual {label}", f"digest {results[0].scenario.digest()}"))
    rows.extend(data.extra.items())
    return pd.DataFrame(rows, columns=["item", "value"])

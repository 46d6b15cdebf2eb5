"""Tables of the PDF/HTML report built from the headline economics and the registry: headline
economics by horizon, projections with rounded ranges, the comparison with plain labels, and the
key assumptions page. Cells are strings; the template only lays them out."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.economics import FIGURES, Estimate, society_npv_at
from sim.economics_text import stated
from sim.outcomes import BY_NAME
from sim.report.data import ReportData
from sim.report.headlines import comparisons, summary_horizons

# Figures shown in the PDF's headline table (the workbook and CSV carry all of them).
PDF_FIGURES = ("additional_placements", "additional_credentials", "additional_employed",
               "additional_spending", "spending_per_additional_placement",
               "spending_per_additional_credential", "cost_per_participant", "fund_placements",
               "gross_cost_per_placement", "fund_balance_end", "npv_participants", "npv_employers",
               "npv_public", "npv_society", "bcr_employers", "bcr_public", "bcr_society")


def label(metric: str) -> str:
    """A metric's plain label: its registry description without the final full stop."""
    return BY_NAME[metric].description.rstrip(".")


def unit_of(unit: str) -> str:
    """The economics units, as the formatting in sim.economics_text expects."""
    if unit.startswith("$ per $"):
        return "ratio"
    if unit.startswith("$"):
        return "$"
    return "share" if unit == "share" else unit


def cell(e: Estimate, unit: str, *, signed: bool = False) -> dict[str, str]:
    """{"value": "1,160", "range": "1,130 to 1,180"} rounded to what the range supports."""
    if unit == "share":
        c, lo, hi = (f"{100 * v:.1f}%" if math.isfinite(v) else "n/a" for v in (e.central, e.low, e.high))
    else:
        c, lo, hi = stated(e, unit, signed=signed)
    return {"value": c, "range": "" if lo == hi or "n/a" in (lo, hi) else f"{lo} to {hi}"}


def headline_tables(data: ReportData) -> list[dict[str, Any]]:
    """One table per comparison: figure x summary horizon."""
    horizons = summary_horizons(data)
    by_h = {m: comparisons(data, m) for m in horizons}
    out = []
    for i, first in enumerate(by_h[horizons[0]]):
        rows = []
        for f in FIGURES:
            if f.name not in PDF_FIGURES:
                continue
            signed = f.kind in ("additional", "npv")
            rows.append({"label": f.label, "cells": [cell(by_h[m][i][f.name], f.unit, signed=signed)
                                                     for m in horizons]})
        other = "no fund (same region and shocks)" if first.comparator_is_no_fund else first.comparator
        out.append({"title": f"{first.scenario} against {other}",
                    "horizons": [by_h[m][i].horizon_text for m in horizons], "rows": rows})
    return out


def projections(data: ReportData, head: pd.DataFrame, metrics: tuple[str, ...]) -> list[dict[str, Any]]:
    """The first scenario's values through each headline year, with rounded ranges."""
    first = head[head.scenario == data.first.label]
    rows = []
    for m in metrics:
        sel = first[first.metric == m].sort_values("year")
        if sel.empty:
            continue
        unit = unit_of(BY_NAME[m].unit)
        rows.append({"label": label(m), "unit": BY_NAME[m].unit,
                     "cells": [cell(Estimate(r.central, r.low, r.high), unit) for r in sel.itertuples()]})
    return rows


def comparison_rows(data: ReportData, head: pd.DataFrame, metrics: tuple[str, ...],
                    year: int) -> list[dict[str, Any]]:
    """Per scenario and metric at `year`: value, difference from the first, difference from no fund."""
    cmp = head[head.metric.isin(metrics) & (head.year == year)]
    rows = []
    for r in cmp.itertuples():
        unit = unit_of(str(r.unit))
        rows.append({"scenario": r.scenario, "label": label(str(r.metric)),
                     "value": cell(Estimate(r.central, r.low, r.high), unit),
                     "diff": cell(Estimate(r.diff_central, r.diff_low, r.diff_high), unit, signed=True),
                     "vs_no_fund": cell(Estimate(r.vs_no_fund_central, r.vs_no_fund_low,
                                                 r.vs_no_fund_high), unit, signed=True)})
    return rows


def differing_levers(data: ReportData) -> list[dict[str, str]]:
    """Levers (rules the committee chooses) whose values differ between the report's scenarios,
    or, for a single scenario, from the schema's defaults."""
    from sim.app.diff import show_value, where
    from sim.scenario.params import iter_parameters
    from sim.scenario.schema import Scenario

    def levers(s: Scenario) -> dict[str, dict[str, Any]]:
        return {r["path"]: r for r in iter_parameters(s) if r["role"] == "lever"}

    tables = [levers(run.scenario) for run in data.runs]
    if len(tables) == 1:
        tables.insert(0, levers(Scenario()))
        names = ["schema default", data.first.label]
    else:
        names = [run.label for run in data.runs]
    rows = []
    for path in dict.fromkeys(p for t in tables for p in t):
        values = [t.get(path) for t in tables]
        shown = [show_value(v["value"], v["unit"]) if v else "(none)" for v in values]
        if len(set(shown)) > 1:
            rows.append({"lever": where(path), "values": "; ".join(f"{n}: {s}" for n, s in zip(names, shown,
                                                                                            strict=True))})
    return rows


def valuation_sensitivity(data: ReportData) -> list[dict[str, str]]:
    """Society's NPV against no fund at the end horizon under the valuation assumptions a funder
    may question: the discount rate (0%, 7%) and the marginal cost of public funds (1.0, 1.5)."""
    months = summary_horizons(data)[-1]
    rows = []
    for run in data.runs:
        if not run.scenario.fund.enabled:
            continue
        sc = run.scenario
        cases = [(f"as assumed: {100 * sc.outputs.discount_rate_annual:g}% a year, MCPF "
                  f"{sc.labour.marginal_cost_of_public_funds:g}", {}),
                 ("discount rate 0%", {"rate": 0.0}),
                 ("discount rate 7% (OMB A-4 sensitivity)", {"rate": 0.07}),
                 ("marginal cost of public funds 1.0 (no excess burden)", {"mcpf": 1.0}),
                 ("marginal cost of public funds 1.5", {"mcpf": 1.5})]
        for name, kw in cases:
            c = cell(society_npv_at(run.results, months, **kw), "$", signed=True)
            rows.append({"scenario": run.label, "case": name, "value": c["value"], "range": c["range"]})
    return rows


def group_table(data: ReportData) -> dict[str, Any]:
    """Outcomes over the horizon by worker group: one row per scenario and outcome, one column
    per group (and the gap between the first two), each cell the mean with its 90% range."""
    from sim.report import tables

    frame = tables.by_group(data)
    groups = list(dict.fromkeys(frame.group))
    rows = []
    for (scenario, metric), part in frame.groupby(["scenario", "metric"], sort=False):
        unit = unit_of(BY_NAME[str(metric)].unit)
        by = {r.group: r for r in part.itertuples()}
        blank = {"value": "", "range": ""}
        rows.append({"scenario": scenario, "label": label(str(metric)),
                     "cells": [cell(Estimate(by[g].central, by[g].low, by[g].high), unit,
                                    signed=str(g).startswith("gap")) if g in by else blank for g in groups]})
    return {"groups": [str(g).replace("_", " ") for g in groups], "rows": rows}

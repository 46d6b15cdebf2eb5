"""The projection report as one self-contained HTML document (inline CSS and SVG charts, no
network references), and the same document printed to PDF with WeasyPrint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim import charts
from sim.outcomes import BY_NAME
from sim.report import employers as employers_mod
from sim.report import tables
from sim.report.data import ReportData
from sim.report.text import executive_summary, fmt, fmt_range, headline_year

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_METRICS = ("fund_enrolments", "completions", "fund_placements", "placement_rate", "retention_12m",
                  "cost_per_placement", "earnings_gain_vs_counterfactual", "unemployment_rate",
                  "fund_balance", "fund_liabilities", "employer_roi", "public_roi")
COMPARE_METRICS = ("enrolments", "completions", "placements", "fund_placements", "unemployment_rate",
                   "fill_rate", "poached_trained_workers", "cost_per_placement", "fund_balance")


CHARTS = (  # metric, title, y title, y format, cumulative, with the counterfactual
    ("placements", "People placed in jobs after training, to date", "people", ",.0f", True, True),
    ("fund_placements", "Placements of fund-paid trainees, to date", "people", ",.0f", True, False),
    ("unemployment_rate", "Unemployment rate", "share", ".1%", False, True),
    ("fund_balance", "Fund balance at month end", "$", "$,.0f", False, False),
    ("cost_per_placement", "Cost per placement, to date", "$ per placement", "$,.0f", False, False),
)


def render_charts(data: ReportData, head: pd.DataFrame) -> list[dict[str, str]]:
    """SVG charts with 90% bands across seeds, plus a paired-difference chart."""
    runs = [(r.label, r.results) for r in data.runs]
    with_cf = tables.all_runs(data)
    out = []
    for metric, title, y_title, y_format, cumulative, cf in CHARTS:
        frame = charts.band_frame(with_cf if cf else runs, metric, cumulative=cumulative)
        if frame.empty:
            continue
        chart = charts.band_chart(frame, title=title, y_title=y_title, y_format=y_format)
        out.append({"title": title, "svg": charts.to_svg(chart),
                    "caption": f"{BY_NAME[metric].description} Line: mean across {len(data.seeds)} seeds; "
                               "band: 5th to 95th percentile."})
    diff = _difference_frame(data, head)
    if not diff.empty:
        year = headline_year(data)
        chart = charts.difference_chart(diff, title=f"Placements through year {year}: paired differences",
                                       width=220)
        out.append({"title": "Paired differences", "svg": charts.to_svg(chart),
                    "caption": "Each bar compares two runs on the same seeds (common random numbers)."})
    return out


def _difference_frame(data: ReportData, head: pd.DataFrame) -> pd.DataFrame:
    year = headline_year(data)
    if year is None:
        return pd.DataFrame()
    rows = []
    for run in data.runs:
        sel = head[(head.scenario == run.label) & (head.metric == "fund_placements") & (head.year == year)]
        if not sel.empty and run is not data.first and pd.notna(sel.iloc[0].diff_central):
            s = sel.iloc[0]
            rows.append({"label": f"{run.label} minus {data.first.label}", "central": s.diff_central,
                         "low": s.diff_low, "high": s.diff_high})
    for run in data.runs:
        cf = run.counterfactual
        if cf is None or cf is run.results:
            continue
        a, b = tables.seed_table(cf, 1, 12 * year), tables.seed_table(run.results, 1, 12 * year)
        c = tables._paired(a, b, "placements")
        rows.append({"label": f"{run.label} minus no fund (all placements)", "central": c[0], "low": c[1],
                     "high": c[2]})
    return pd.DataFrame(rows)


def _cells(frame: pd.DataFrame, cols: list[tuple[str, str]]) -> list[list[str]]:
    """Formatted table rows; `cols` = (column, unit or "unit" for the row's unit or "text")."""
    rows = []
    for rec in frame.to_dict("records"):
        row = []
        for key, kind in cols:
            v = rec.get(key)
            if kind == "text":
                row.append("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
            else:
                row.append(fmt(v, str(rec.get("unit", "")) if kind == "unit" else kind,
                               signed=key.startswith(("diff", "vs_"))))
        rows.append(row)
    return rows


def context(data: ReportData) -> dict[str, Any]:
    head = tables.headline(data)
    first = data.first.scenario
    region = first.region
    key = head[head.metric.isin(REPORT_METRICS)]
    proj = [{"label": BY_NAME[m].description, "metric": m,
             "cells": [fmt_range(r.central, r.low, r.high, r.unit) for r in key[(key.metric == m) & (
                 key.scenario == data.first.label)].itertuples()]} for m in REPORT_METRICS]
    year = headline_year(data)
    cmp = head[head.metric.isin(COMPARE_METRICS) & (head.year == year)] if year else head.iloc[0:0]
    params = tables.parameters(data)
    sources = sorted({s for s in params.source.dropna() if s and s != "assumption"})
    flows = tables.fund_flows(data)
    emp = employers_mod.employers(data)
    return {
        "data": data, "title": data.title, "date": data.created.strftime("%d %B %Y"),
        "region": (f"{region.n_workers:,} working-age people, {region.n_firms:,} employers and "
                   f"{region.n_providers:,} training providers in "
                   f"{', '.join(s.name.replace('_', ' ') for s in region.sectors)}"),
        "summary": executive_summary(data, head), "years": data.years, "projections": proj,
        "headline_year": year, "first": data.first.label,
        "comparison": _cells(cmp, [("scenario", "text"), ("metric", "text"), ("central", "unit"),
                                   ("diff_central", "unit"), ("diff_low", "unit"), ("diff_high", "unit"),
                                   ("vs_no_fund_central", "unit"), ("vs_no_fund_low", "unit"),
                                   ("vs_no_fund_high", "unit")]),
        "charts": render_charts(data, head),
        "flows": _cells(flows, [("scenario", "text"), ("year", "count"), ("fund_income_employers", "$"),
                                ("fund_income_public", "$"), ("fund_spend_providers", "$"),
                                ("fund_spend_supports", "$"), ("fund_spend_admin", "$"),
                                ("fund_spend_employers", "$"), ("balance_central", "$"),
                                ("liabilities_central", "$")]),
        "groups": _cells(tables.by_group(data), [("scenario", "text"), ("metric", "text"), ("group", "text"),
                                                  ("central", "unit"), ("low", "unit"), ("high", "unit")]),
        "employers": _cells(emp, [("scenario", "text"), ("size_class", "text"), ("firms", "count"),
                                  ("contributions", "$"), ("fund_payments_received", "$"),
                                  ("surplus_gain", "$"), ("net_gain", "$"),
                                  ("own_training_spend", "$"), ("trained_lost_to_poaching", "count"),
                                  ("trained_hired_from_others", "count")]),
        "employers_note": employers_mod.NOTE,
        "params": _cells(params, [("path", "text"), *[(r.label, "text") for r in data.runs],
                                  ("unit", "text"), ("description", "text"), ("source", "text")]),
        "sources": sources,
        "provenance": _cells(tables.provenance(data), [("item", "text"), ("value", "text")]),
        "scenarios": [{"label": r.label, "description": r.scenario.description,
                       "digest": r.scenario.digest()} for r in data.runs],
    }


def render_html(data: ReportData) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(css=css, **context(data))


def write_html(data: ReportData, path: Path) -> None:
    path.write_text(render_html(data), encoding="utf-8", newline="\n")


def write_pdf(data: ReportData, path: Path) -> None:
    import weasyprint

    html = render_html(data)
    # No base URL and a fetcher that refuses everything: the document must not reach out.
    weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf(str(path))


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    if url.startswith("data:"):
        import weasyprint

        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"the report refers to an external resource: {url}")

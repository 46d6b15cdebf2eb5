"""The report's charts in two steps: what each shows (`chart_jobs`: small frames of bands and
differences computed from the runs, pandas only) and drawing them (`draw`: Altair and vl-convert
to SVG). The steps are apart so drawing can run in a helper process (sim.report.ahead) while the
main process builds the tables: vl-convert holds the GIL while it renders, so a thread would not
overlap, and a job is a few kilobytes to send where the runs are hundreds of megabytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim import charts
from sim.outcomes import BY_NAME
from sim.report import tables
from sim.report.data import ReportData
from sim.report.headlines import comparisons
from sim.report.text import fmt, headline_year

CHARTS = (  # metric, title, y title, y format, cumulative, with the counterfactual
    ("placements", "People placed in jobs after training, to date", "people", ",.0f", True, True),
    ("fund_placements", "Placements of fund-paid trainees, to date", "people", ",.0f", True, False),
    ("unemployment_rate", "Unemployment rate", "share", ".1%", False, True),
    ("fund_balance", "Fund balance at month end", "$", "$,.0f", False, False),
    ("cost_per_placement", "Cost per placement, to date", "$ per placement", "$,.0f", False, False),
)


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw: which kind (`band`, `impact`, `difference`), its frame and options,
    and the title and caption the report prints with it."""

    kind: str
    frame: pd.DataFrame
    title: str
    caption: str
    options: dict[str, Any] = field(default_factory=dict)


def chart_jobs(data: ReportData) -> list[ChartJob]:
    """Every chart of the PDF/HTML report, in order: bands across seeds (90%), the impact curve,
    and the paired differences."""
    runs = [(r.label, r.results) for r in data.runs]
    with_cf = tables.all_runs(data)
    out = []
    for metric, title, y_title, y_format, cumulative, cf in CHARTS:
        frame = charts.band_frame(with_cf if cf else runs, metric, cumulative=cumulative)
        if frame.empty:
            continue
        note = ""
        if metric == "cost_per_placement":
            frame, note = _clip_early_spikes(frame)
        out.append(ChartJob("band", frame, title,
                            f"{BY_NAME[metric].description} Line: mean across {len(data.seeds)} seeds; "
                            f"band: 5th to 95th percentile.{note}",
                            {"title": title, "y_title": y_title, "y_format": y_format}))
    impact, by, title = charts.impact_overview(runs)
    if not impact.empty:
        out.append(ChartJob("impact", impact, "Impact over time",
                            "Fund participants' monthly earnings minus the same people's earnings without "
                            "the fund (common random numbers), by year since their first fund-paid "
                            f"start. Line: mean across {len(data.seeds)} seeds; band: 5th to 95th "
                            "percentile. Later years rest on the earliest starters only.",
                            {"title": title, "y_title": "$ per month", "by": by}))
    diff = _difference_frame(data)
    if not diff.empty:
        year = headline_year(data)
        out.append(ChartJob("difference", diff, "Paired differences",
                            "All placements in the region (fund-paid or not), each bar one scenario minus "
                            "its comparator on the same seeds (common random numbers); line: 90% range.",
                            {"title": f"Additional placements in jobs through year {year}", "width": 300}))
    return out


def draw(jobs: list[ChartJob]) -> list[dict[str, str]]:
    """Each job as {"title", "svg", "caption"}, in order."""
    makers = {"band": charts.band_chart, "impact": charts.impact_chart, "difference": charts.difference_chart}
    return [{"title": job.title, "svg": charts.to_svg(makers[job.kind](job.frame, **job.options)),
             "caption": job.caption} for job in jobs]


def _clip_early_spikes(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Cost per placement to date is huge in the first months (spending starts before the first
    placements): cap the axis at twice the final value so the rest of the run is readable."""
    final = frame.groupby("scenario")["central"].last().max()
    if not np.isfinite(final) or final <= 0:
        return frame, ""
    cap = 2.0 * float(final)
    if float(frame["high"].max()) <= cap:
        return frame, ""
    clipped = frame.assign(**{c: frame[c].clip(upper=cap) for c in ("low", "central", "high")})
    return clipped, (f" Early months, when few people have been placed yet, are cut at {fmt(cap, '$')} "
                     "(twice the final value) so the rest of the run stays readable.")


def _difference_frame(data: ReportData) -> pd.DataFrame:
    """Additional placements (all placements) of each comparison at the summary's horizon."""
    year = headline_year(data)
    if year is None:
        return pd.DataFrame()
    rows = []
    for h in comparisons(data, 12 * year):
        e = h["additional_placements"]
        other = "no fund" if h.comparator_is_no_fund else h.comparator
        rows.append({"label": f"{h.scenario} minus {other}", "central": e.central, "low": e.low,
                     "high": e.high})
    return pd.DataFrame(rows)


def warm() -> None:
    """Start vl-convert's engine: a chart helper does this as soon as it is forked, while the
    main process is still reading runs."""
    charts.warm_renderer()

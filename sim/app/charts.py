"""The app's Altair charts: every series with its 90% band across seeds, scenarios overlaid on
shared axes in one colour-blind-safe palette (sim.charts.PALETTE) with a dash pattern as a
second cue, units on every axis, plain-language tooltips."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from sim.charts import HIGH_Q, LOW_Q, PALETTE, band_frame, impact_chart, impact_overview
from sim.results import Results, summarize
from sim.scenario.schema import Scenario

Runs = Sequence[tuple[str, Sequence[Results]]]
W, H = 350, 200  # two panels side by side fit the main column beside the sidebar
PAD = {"top": 12, "left": 8, "right": 8, "bottom": 8}  # room for titles and axis titles
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]]
PIPELINE = (("enrolments", "Enrolled"), ("completions", "Completed"), ("placements", "Placed"),
            ("retained_12m", "In work 12 months on"))
INCOME = (("fund_income_employers", "Employers"), ("fund_income_public", "Public money"),
          ("fund_income_other", "Clawbacks and interest"))
SPENDING = (("fund_spend_providers", "Providers"), ("fund_spend_supports", "Stipends and supports"),
            ("fund_spend_employers", "Grants and subsidies to employers"),
            ("fund_spend_admin", "Administration"))
GROUP_OUTCOMES = (("credential_rate", "Credential rate"), ("placement_rate", "Placement rate"),
                  ("retention_12m", "Retention at 12 months"))


def _color(labels: Sequence[str]) -> alt.Color:
    # The legend on top: visible before the panels, however tall the chart is.
    return alt.Color("scenario:N", title="Scenario", legend=alt.Legend(orient="top", labelLimit=300),
                     scale=alt.Scale(domain=list(labels), range=[PALETTE[i % len(PALETTE)]
                                                                 for i in range(len(labels))]))


def _dash(labels: Sequence[str]) -> alt.StrokeDash:
    return alt.StrokeDash("scenario:N", legend=None,
                          scale=alt.Scale(domain=list(labels), range=DASHES[: max(len(labels), 1)]))


def recession_windows(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Months of any scripted recession (start to the trough's end), to shade."""
    rows = []
    for s in scenarios:
        r = s.demand.recession
        if r.enabled:
            end = r.start_month + r.duration_months
            rows.append({"start": r.start_month, "end": min(end, s.horizon_months),
                         "what": f"Recession ({s.name}): months {r.start_month}-{end}"})
    return pd.DataFrame(rows, columns=["start", "end", "what"]).drop_duplicates(subset=["start", "end"])


def band(runs: Runs, metric: str, *, title: str, y_title: str, y_format: str = ",.0f",
         cumulative: bool = False, recessions: pd.DataFrame | None = None, width: int = W,
         height: int = H, labels: Sequence[str] | None = None) -> alt.LayerChart:
    """Mean line per scenario over its 5th-95th percentile band across seeds."""
    frame = band_frame(runs, metric, cumulative=cumulative)
    labels = list(labels or [label for label, _ in runs])
    x = alt.X("month:Q", title="Month", axis=alt.Axis(tickMinStep=12))
    tip = [alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("month:Q", title="Month"),
           alt.Tooltip("central:Q", title="Mean across runs", format=y_format),
           alt.Tooltip("low:Q", title="90% of runs above", format=y_format),
           alt.Tooltip("high:Q", title="90% of runs below", format=y_format)]
    base = alt.Chart(frame).encode(x=x, color=_color(labels))
    area = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title=y_title, axis=alt.Axis(format=y_format)), y2="high:Q")
    line = base.mark_line(strokeWidth=2).encode(y="central:Q", strokeDash=_dash(labels), tooltip=tip)
    layers: list[alt.Chart] = []
    if recessions is not None and len(recessions):
        layers.append(alt.Chart(recessions).mark_rect(color="#999999", opacity=0.18).encode(
            x="start:Q", x2="end:Q", tooltip=alt.Tooltip("what:N", title="Shaded")))
    layers += [area, line]
    return alt.layer(*layers).properties(title=title, width=width, height=height)


def pipeline(runs: Runs, recessions: pd.DataFrame) -> alt.ConcatChart:
    charts = [band(runs, m, title=t, y_title="People per month", recessions=recessions) for m, t in PIPELINE]
    return alt.concat(*charts, columns=2).properties(
        title="Pipeline over time" + (" (grey: recession months)" if len(recessions)
                                      else " (no scripted recession in these scenarios)"))


def _stats_rows(labels: Sequence[str], runs: Sequence[Sequence[Results]], metrics: Sequence[tuple[str, str]],
                group: str = "all") -> pd.DataFrame:
    rows = []
    for label, rs in zip(labels, runs, strict=True):
        table = summarize(rs, group=group).set_index("metric")
        for m, title in metrics:
            if m in table.index and not np.isnan(table.loc[m, "mean"]):
                rows.append({"scenario": label, "stage": title, "group": group,
                             "central": table.loc[m, "mean"],
                             "low": table.loc[m, "p05"], "high": table.loc[m, "p95"]})
    return pd.DataFrame(rows, columns=["scenario", "stage", "group", "central", "low", "high"])


def _bars(frame: pd.DataFrame, labels: Sequence[str], *, x: str, x_title: str, y_title: str, y_format: str,
          title: str, width: int | str = 420, height: int = 220) -> alt.LayerChart:
    order = list(dict.fromkeys(frame[x]))
    enc_x = alt.X(f"{x}:N", title=x_title, sort=order, axis=alt.Axis(labelAngle=0, labelLimit=260))
    tip = [alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip(f"{x}:N", title=x_title),
           alt.Tooltip("central:Q", title="Mean across runs", format=y_format),
           alt.Tooltip("low:Q", title="90% of runs above", format=y_format),
           alt.Tooltip("high:Q", title="90% of runs below", format=y_format)]
    base = alt.Chart(frame).encode(x=enc_x, xOffset=alt.XOffset("scenario:N", sort=list(labels)))
    bars = base.mark_bar(opacity=0.85).encode(
        y=alt.Y("central:Q", title=y_title, axis=alt.Axis(format=y_format)), color=_color(labels),
        tooltip=tip)
    err = base.mark_rule(color="#222222", strokeWidth=1.5).encode(y="low:Q", y2="high:Q")
    return alt.layer(bars, err).properties(title=alt.TitleParams(title, anchor="start", offset=10),
                                           width=width, height=height)


def funnel(labels: Sequence[str], runs: Sequence[Sequence[Results]]) -> alt.LayerChart:
    frame = _stats_rows(labels, runs, PIPELINE)
    return _bars(frame, labels, x="stage", x_title="Stage", y_title="People over the horizon",
                 y_format=",.0f",
                 title="The funnel: from enrolment to retention (bar = mean; line = 90% of runs)",
                 width="container", height=280).properties(padding=PAD)


def fund(runs: Runs, recessions: pd.DataFrame) -> alt.VConcatChart:
    """Balance over time, income by source and spending by category (cumulative)."""
    with_fund = [(label, rs) for label, rs in runs if rs and rs[0].scenario.fund.enabled]
    labels = [label for label, _ in runs]
    top = alt.hconcat(
        band(with_fund, "fund_balance", title="Fund balance at the end of each month", y_title="Dollars ($)",
             y_format="$,.0f", recessions=recessions, labels=labels),
        band(with_fund, "fund_liabilities", title="Liabilities: outcome payments owed", y_title="Dollars ($)",
             y_format="$,.0f", labels=labels))
    income = [band(with_fund, m, title=f"Income to date: {t}", y_title="Dollars ($), cumulative",
                   y_format="$,.0f", cumulative=True, labels=labels, width=190, height=150)
              for m, t in INCOME]
    spend = [band(with_fund, m, title=f"Spent to date: {t}", y_title="Dollars ($), cumulative",
                  y_format="$,.0f", cumulative=True, labels=labels, width=220, height=150)
             for m, t in SPENDING]
    # sources share one scale, and so do categories, so their sizes compare at a glance
    return alt.vconcat(top, alt.hconcat(*income).resolve_scale(y="shared"),
                       alt.concat(*spend, columns=2).resolve_scale(y="shared"))


def labour(runs: Runs, recessions: pd.DataFrame) -> alt.ConcatChart:
    return alt.concat(
        band(runs, "median_wage_participants", title="Median wage of employed participants",
             y_title="Dollars per month ($)", y_format="$,.0f", recessions=recessions),
        band(runs, "vacancies", title="Vacancies posted", y_title="Openings per month",
             recessions=recessions),
        band(runs, "fill_rate", title="Fill rate: hires from unemployment per opening",
             y_title="Share of openings",
             y_format=".0%", recessions=recessions),
        band(runs, "unemployment_rate", title="Unemployment rate", y_title="Share of the labour force",
             y_format=".1%", recessions=recessions),
        columns=2)


def groups(labels: Sequence[str], runs: Sequence[Sequence[Results]]) -> alt.HConcatChart:
    names = [g for g in pd.unique(runs[0][0].metrics.group) if g != "all"]
    frame = pd.concat([_stats_rows(labels, runs, GROUP_OUTCOMES, group=g) for g in names], ignore_index=True)
    frame["group"] = frame["group"].str.replace("_", " ")
    charts = [_bars(frame[frame.stage == title], labels, x="group", x_title="Worker group",
                    y_title=f"{title} (share)", y_format=".0%", title=title, width=220, height=200)
              for _, title in GROUP_OUTCOMES]
    return alt.hconcat(*charts).properties(title="Outcomes by worker group (bar = mean; line = 90% of runs)")


def _matrix(label: str, rs: Sequence[Results]) -> pd.DataFrame:
    mats = [r.poaching.set_index("trained_by") for r in rs if not r.poaching.empty]
    if not mats:
        return pd.DataFrame()
    stack = np.stack([m.to_numpy(dtype=float) for m in mats])
    low, high = np.percentile(stack, [LOW_Q, HIGH_Q], axis=0)
    frame = pd.DataFrame({"scenario": label, "trained_by": np.repeat(mats[0].index, mats[0].shape[1]),
                          "hired_by": np.tile(mats[0].columns, mats[0].shape[0]),
                          "central": stack.mean(axis=0).ravel(), "low": low.ravel(), "high": high.ravel()})
    return frame


def poaching(runs: Runs) -> alt.FacetChart:
    """Who paid for training (rows) vs who hired the trained (columns), mean over runs."""
    frame = pd.concat([_matrix(label, rs) for label, rs in runs], ignore_index=True)
    order_rows = list(dict.fromkeys(frame["trained_by"]))
    order_cols = list(dict.fromkeys(frame["hired_by"]))
    tip = [alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("trained_by:N", title="Training paid by"),
           alt.Tooltip("hired_by:N", title="Hired by a firm of size"),
           alt.Tooltip("central:Q", title="Trained workers hired (mean)", format=",.1f"),
           alt.Tooltip("low:Q", title="90% of runs at least", format=",.0f"),
           alt.Tooltip("high:Q", title="90% of runs at most", format=",.0f")]
    base = alt.Chart(frame).encode(
        x=alt.X("hired_by:N", title="Hired by firms of size (employees)", sort=order_cols),
        y=alt.Y("trained_by:N", title="Training paid by (firm size, fund, self)", sort=order_rows))
    rect = base.mark_rect().encode(
        color=alt.Color("central:Q", title="Trained workers hired (people)",
                        scale=alt.Scale(scheme="blues")), tooltip=tip)
    text = base.mark_text(fontSize=10).encode(text=alt.Text("central:Q", format=",.0f"))
    return alt.layer(rect, text).properties(width=230, height=200).facet(
        column=alt.Column("scenario:N", title=None, sort=[label for label, _ in runs])).properties(
        title="Poaching: who paid for training vs. who hired the trained")


def providers(runs: Runs) -> alt.LayerChart:
    """Measured placement rate vs true impact per provider (mean over runs, 90% ranges)."""
    rows = []
    for label, rs in runs:
        frames = [r.providers for r in rs if not r.providers.empty]
        if not frames:
            continue
        allp = pd.concat(frames)
        for pid, g in allp.groupby("provider"):
            m, i = g["measured_placement_rate"].dropna(), g["true_impact"].dropna()
            if m.empty or i.empty:
                continue
            mq, iq = np.percentile(m, [LOW_Q, HIGH_Q]), np.percentile(i, [LOW_Q, HIGH_Q])
            rows.append({"scenario": label, "provider": f"Provider {int(pid) + 1} ({g['sector'].iloc[0]})",
                         "measured": m.mean(), "m_low": mq[0], "m_high": mq[1], "impact": i.mean(),
                         "i_low": iq[0], "i_high": iq[1], "hts": g["hard_to_serve_share"].mean()})
    frame = pd.DataFrame(rows, columns=["scenario", "provider", "measured", "m_low", "m_high", "impact",
                                        "i_low", "i_high", "hts"])
    labels = [label for label, _ in runs]
    tip = [alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("provider:N", title="Provider"),
           alt.Tooltip("measured:Q", title="Measured placement rate", format=".0%"),
           alt.Tooltip("impact:Q", title="True impact on employment (points)", format="+.1%"),
           alt.Tooltip("hts:Q", title="Hard-to-serve share of its starts", format=".0%")]
    base = alt.Chart(frame).encode(color=_color(labels))
    # The axes fit the data (rates sit at 70-90%, not 0-100%).
    x = alt.X("measured:Q", title="Measured placement rate (% of completers placed)",
              axis=alt.Axis(format=".0%"), scale=alt.Scale(zero=False, nice=True))
    y = alt.Y("impact:Q", title="True impact on employment (points vs. no fund)",
              axis=alt.Axis(format="+.0%"), scale=alt.Scale(zero=False, nice=True))
    points = base.mark_point(filled=True, size=70).encode(x=x, y=y,
                                                          shape=alt.Shape("scenario:N", legend=None),
                                                          tooltip=tip)
    xerr = base.mark_rule(opacity=0.5).encode(x="m_low:Q", x2="m_high:Q", y="impact:Q")
    yerr = base.mark_rule(opacity=0.5).encode(y="i_low:Q", y2="i_high:Q", x="measured:Q")
    return alt.layer(xerr, yerr, points).properties(
        title=alt.TitleParams("Measured placement vs. true impact by provider (creaming: high measured, "
                              "low impact)", anchor="start", offset=10),
        width="container", height=360, padding=PAD)


def impact(runs: Runs) -> alt.LayerChart:
    """Participants' earnings gain over their no-fund twin by year since their first fund start
    (sim.charts.impact_overview: by programme kind when one scenario has a fund)."""
    frame, by, title = impact_overview(runs)
    spec = impact_chart(frame, title=title, y_title="$ per month (line = mean; band = 90% of runs)",
                        width="container", height=300, by=by)
    return alt.LayerChart.from_dict({**spec, "padding": PAD}, validate=False)

"""Altair charts shared by the reports and the app: series across seeds with uncertainty bands,
and paired differences with their ranges. `to_svg` renders offline (vl-convert), so reports
need no network and no browser."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import altair as alt

    from sim.results import Results

LOW_Q, HIGH_Q = 5.0, 95.0
WIDTH, HEIGHT = 560, 240
PALETTE = ["#1f5a91", "#d9822b", "#2e8540", "#8e3b9e", "#b0413e", "#5b6770"]


def band_frame(runs: Sequence[tuple[str, Sequence[Results]]], metric: str, *, cumulative: bool = False,
               sector: str = "all", group: str = "all") -> pd.DataFrame:
    """Per label and month: the mean across seeds and the 5th-95th percentile range.
    `cumulative` sums a flow from month 1 (e.g. placements to date)."""
    parts = []
    for label, results in runs:
        series = [r.series(metric, sector, group) for r in results]
        if not series or all(s.empty for s in series):
            continue
        wide = pd.concat(series, axis=1).sort_index()
        if cumulative:
            wide = wide.fillna(0.0).cumsum()
        values = wide.to_numpy(dtype=float)
        with np.errstate(all="ignore"):
            ok = ~np.isnan(values).all(axis=1)
            low = np.full(len(wide), np.nan)
            high = np.full(len(wide), np.nan)
            central = np.full(len(wide), np.nan)
            if ok.any():
                rows = values[ok]
                central[ok] = np.nanmean(rows, axis=1)
                # Months with every seed's value (nearly all) in one vectorised call: NumPy's
                # nanpercentile goes row by row in Python; it gives the same numbers.
                full = ~np.isnan(rows).any(axis=1)
                q_low, q_high = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
                if full.any():
                    q_low[full], q_high[full] = np.percentile(rows[full], [LOW_Q, HIGH_Q], axis=1)
                if not full.all():
                    q_low[~full], q_high[~full] = np.nanpercentile(rows[~full], [LOW_Q, HIGH_Q], axis=1)
                low[ok], high[ok] = q_low, q_high
        parts.append(pd.DataFrame({"scenario": label, "month": wide.index.to_numpy(dtype=int),
                                   "central": central, "low": low, "high": high}))
    if not parts:
        return pd.DataFrame(columns=["scenario", "month", "central", "low", "high"])
    return pd.concat(parts, ignore_index=True).dropna(subset=["central"])


def _colors(labels: Sequence[str]) -> alt.Scale:
    import altair as alt

    return alt.Scale(domain=list(labels), range=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])


def band_chart(frame: pd.DataFrame, *, title: str, y_title: str, y_format: str = ",.0f",
               width: int = WIDTH, height: int = HEIGHT) -> alt.LayerChart:
    """A line per scenario (mean across seeds) over a shaded 90% range."""
    import altair as alt

    labels = list(dict.fromkeys(frame["scenario"]))
    color = alt.Color("scenario:N", scale=_colors(labels), legend=alt.Legend(title=None, orient="bottom"))
    x = alt.X("month:Q", title="Month", axis=alt.Axis(tickMinStep=12))
    base = alt.Chart(frame).encode(x=x, color=color)
    y = alt.Y("low:Q", title=y_title, axis=alt.Axis(format=y_format))
    band = base.mark_area(opacity=0.22).encode(y=y, y2="high:Q")
    line = base.mark_line(strokeWidth=2).encode(y="central:Q")
    return alt.layer(band, line).properties(title=title, width=width, height=height)


def difference_chart(frame: pd.DataFrame, *, title: str, x_format: str = ",.0f",
                     width: int = 320, height: int | None = None) -> alt.LayerChart:
    """Horizontal bars of paired differences (`label`, `central`, `low`, `high`) with the
    90% range as a rule, and a zero line."""
    import altair as alt

    n = max(len(frame), 1)
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=200))
    base = alt.Chart(frame).encode(y=y)
    bars = base.mark_bar(color=PALETTE[0], opacity=0.8).encode(
        x=alt.X("central:Q", title="Difference (mean; line = 90% range)",
                axis=alt.Axis(format=x_format)))
    rules = base.mark_rule(color="#222", strokeWidth=2).encode(x="low:Q", x2="high:Q")
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#888").encode(x="zero:Q")
    return alt.layer(bars, rules, zero).properties(
        title=alt.TitleParams(title, fontSize=12, anchor="start"), width=width, height=height or 28 * n + 20,
        padding={"left": 30, "right": 10, "top": 5, "bottom": 5})


_WARMING: list[threading.Thread] = []  # at most one: the renderer's start-up, in the background


def warm_renderer() -> None:
    """Start vl-convert's JavaScript engine now, in a background thread, and return at once.

    Its first chart costs 1-3 s of start-up, most of a report's chart time; vl-convert releases
    the GIL while it works, so a report that calls this before reading runs and building tables
    gets the start-up while it does that. Idempotent; `to_svg` waits for it to finish."""
    if _WARMING:
        return
    import vl_convert as vlc

    tiny = {"data": {"values": [{"a": 0}]}, "mark": "point",
            "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    thread = threading.Thread(target=vlc.vegalite_to_svg, args=(tiny,), name="vl-convert warm-up",
                              daemon=True)
    thread.start()
    _WARMING.append(thread)


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to a standalone SVG string, offline."""
    import vl_convert as vlc

    for thread in _WARMING:
        thread.join()
    # Not validated against the Vega-Lite schema again: the charts are this module's own, and the
    # validation (jsonschema, in Python) is about a tenth of each chart's drawing time.
    svg = vlc.vegalite_to_svg(chart.to_dict(validate=False))
    return svg[svg.index("<svg"):] if "<svg" in svg else svg


def impact_band_frame(results: Sequence[Results], *, split: str = "kind", measure: str = "earnings_gain",
                      label: str = "") -> pd.DataFrame:
    """Per cell of `split` (programme kind by default) and year since first fund start: the mean
    gain over the no-fund twin across seeds and its 5th-95th percentile range. `label` names the
    scenario (column `scenario`); `cell` is the kind, provider or group (`all` for every one)."""
    from sim.results import impact_curve

    curve = impact_curve(results, by="year", split=split)
    columns = ["scenario", "cell", "year", "central", "low", "high", "seeds"]
    if curve.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for (value, year), g in curve.groupby(["value", "year"], sort=True):
        v = g[measure].to_numpy(dtype=float)
        v = v[~np.isnan(v)]
        if len(v) == 0:
            continue
        low, high = np.percentile(v, [LOW_Q, HIGH_Q])
        rows.append({"scenario": label, "cell": str(value), "year": int(year), "central": float(v.mean()),
                     "low": float(low), "high": float(high), "seeds": len(v)})
    return pd.DataFrame(rows, columns=columns)


def impact_chart(frame: pd.DataFrame, *,
                 title: str = "Earnings gain over the no-fund twin, by year since start",
                 y_title: str = "$ per month", y_format: str = ",.0f", width: int | str = WIDTH,
                 height: int = HEIGHT, by: str = "cell") -> alt.LayerChart:
    """The impact curve: a line per programme kind (`by="cell"`, the frame's cells) or per scenario
    (`by="scenario"`), the mean across seeds by year since the first fund start, over its 90% range
    across seeds, with a zero line (the twin)."""
    import altair as alt

    labels = list(dict.fromkeys(frame[by]))
    color = alt.Color(f"{by}:N", scale=_colors(labels), legend=alt.Legend(title=None, orient="bottom"))
    x = alt.X("year:O", title="Year since first fund start", axis=alt.Axis(labelAngle=0))
    base = alt.Chart(frame).encode(x=x, color=color)
    y = alt.Y("low:Q", title=y_title, axis=alt.Axis(format=y_format))
    band = base.mark_area(opacity=0.22).encode(y=y, y2="high:Q")
    line = base.mark_line(strokeWidth=2, point=True).encode(y="central:Q")
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#888").encode(y="zero:Q")
    return alt.layer(band, line, zero).properties(title=title, width=width, height=height)


def impact_overview(runs: Sequence[tuple[str, Sequence[Results]]]) -> tuple[pd.DataFrame, str, str]:
    """The impact curve the app and the reports show: by programme kind when one scenario has a
    fund (and a twin), else one line per such scenario (all kinds). Returns (frame, the column
    the lines follow, a title)."""
    funded = [(label, rs) for label, rs in runs if any(len(r.impact) for r in rs)]
    if len(funded) == 1:
        label, rs = funded[0]
        frame = impact_band_frame(rs, split="kind", label=label)
        frame["cell"] = frame["cell"].str.replace("_", " ")
        return frame, "cell", f"{label}: earnings gain over the same people without the fund, by programme"
    parts = [impact_band_frame(rs, split="all", label=label) for label, rs in funded]
    frame = pd.concat(parts, ignore_index=True) if parts else impact_band_frame([])
    return frame, "scenario", "Participants' earnings gain over the same people without the fund"

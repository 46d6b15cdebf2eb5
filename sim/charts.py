"""Charts shared by the reports and the app: series across seeds with uncertainty bands, and
paired differences with their ranges, as Vega-Lite specifications (plain dicts). `to_svg` renders
offline (vl-convert), so reports need no network and no browser.

They are written as Vega-Lite, not built with Altair: a report draws them in its chart helper,
the longest chain of a PDF's work, where importing Altair and building the charts with it took
0.7 s of CPU for the same specification (a test draws both and compares the SVGs). The app wraps
them in Altair where it composes them with its own charts."""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import altair as alt

    from sim.results import Results

Spec = dict[str, Any]
# Altair's default view size, written by Altair into every chart: kept, so a chart renders as it did.
CONFIG = {"view": {"continuousWidth": 300, "continuousHeight": 300}}

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


def _colors(labels: Sequence[str]) -> Spec:
    return {"domain": list(labels), "range": [PALETTE[i % len(PALETTE)] for i in range(len(labels))]}


def _values(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as Vega-Lite inline data (missing values as null)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _legend_color(field: str, labels: Sequence[str]) -> Spec:
    return {"field": field, "legend": {"orient": "bottom", "title": None}, "scale": _colors(labels),
            "type": "nominal"}


ZERO = {"values": [{"zero": 0.0}]}
TITLE_PX_PER_CHARACTER = 7.5  # Vega's default title (13 px, bold): a wide character's advance


def _title(text: str, width: int | str) -> str | list[str]:
    """A title wrapped at words to the chart's width (Vega-Lite draws a list as lines): Vega
    draws a title on one line, and a report's chart is clipped at its own edge. A chart as wide as
    its container (the app's) keeps one line."""
    if not isinstance(width, int):
        return text
    per_line = max(20, int(width / TITLE_PX_PER_CHARACTER))
    return textwrap.wrap(text, per_line) if len(text) > per_line else text


def _band_and_line(color: Spec, x: Spec, y_title: str, y_format: str, data: Spec | None = None,
                   point: bool = False) -> list[Spec]:
    """The two layers of a series with uncertainty: the 90% range shaded, the mean as a line
    (`data`: the layers' own, where the chart's layers do not share one)."""
    own = {"data": data} if data is not None else {}
    line = {"type": "line", "point": True, "strokeWidth": 2} if point else {"type": "line", "strokeWidth": 2}
    return [
        {**own, "mark": {"type": "area", "opacity": 0.22},
         "encoding": {"color": color, "x": x, "y": {"axis": {"format": y_format}, "field": "low",
                                                    "title": y_title, "type": "quantitative"},
                      "y2": {"field": "high"}}},
        {**own, "mark": line,
         "encoding": {"color": color, "x": x, "y": {"field": "central", "type": "quantitative"}}}]


def band_chart(frame: pd.DataFrame, *, title: str, y_title: str, y_format: str = ",.0f",
               width: int = WIDTH, height: int = HEIGHT) -> Spec:
    """A line per scenario (mean across seeds) over a shaded 90% range."""
    color = _legend_color("scenario", list(dict.fromkeys(frame["scenario"])))
    x = {"axis": {"tickMinStep": 12}, "field": "month", "title": "Month", "type": "quantitative"}
    return {"config": CONFIG, "layer": _band_and_line(color, x, y_title, y_format),
            "data": {"values": _values(frame)}, "height": height, "title": _title(title, width),
            "width": width}


def difference_chart(frame: pd.DataFrame, *, title: str, x_format: str = ",.0f",
                     width: int = 320, height: int | None = None) -> Spec:
    """Horizontal bars of paired differences (`label`, `central`, `low`, `high`) with the
    90% range as a rule, and a zero line."""
    n = max(len(frame), 1)
    data = {"values": _values(frame)}
    y = {"axis": {"labelLimit": 200}, "field": "label", "sort": None, "title": None, "type": "nominal"}
    return {
        "config": CONFIG,
        "layer": [
            {"data": data, "mark": {"type": "bar", "color": PALETTE[0], "opacity": 0.8},
             "encoding": {"x": {"axis": {"format": x_format}, "field": "central",
                                "title": "Difference (mean; line = 90% range)", "type": "quantitative"},
                          "y": y}},
            {"data": data, "mark": {"type": "rule", "color": "#222", "strokeWidth": 2},
             "encoding": {"x": {"field": "low", "type": "quantitative"}, "x2": {"field": "high"}, "y": y}},
            {"data": ZERO, "mark": {"type": "rule", "color": "#888"},
             "encoding": {"x": {"field": "zero", "type": "quantitative"}}}],
        "height": height or 28 * n + 20, "padding": {"left": 30, "right": 10, "top": 5, "bottom": 5},
        "title": {"text": title, "anchor": "start", "fontSize": 12}, "width": width}


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


def to_svg(chart: Spec | alt.TopLevelMixin) -> str:
    """Render a chart (a Vega-Lite spec, or an Altair chart) to a standalone SVG string, offline."""
    import vl_convert as vlc

    for thread in _WARMING:
        thread.join()
    # An Altair chart is not validated against the Vega-Lite schema again: the charts are this
    # module's own, and the validation (jsonschema, in Python) is a tenth of a chart's drawing time.
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    svg = vlc.vegalite_to_svg(spec)
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
                 height: int = HEIGHT, by: str = "cell") -> Spec:
    """The impact curve: a line per programme kind (`by="cell"`, the frame's cells) or per scenario
    (`by="scenario"`), the mean across seeds by year since the first fund start, over its 90% range
    across seeds, with a zero line (the twin)."""
    color = _legend_color(by, list(dict.fromkeys(frame[by])))
    x = {"axis": {"labelAngle": 0}, "field": "year", "title": "Year since first fund start",
         "type": "ordinal"}
    data = {"values": _values(frame)}
    return {
        "config": CONFIG,
        "layer": [
            *_band_and_line(color, x, y_title, y_format, data, point=True),
            {"data": ZERO, "mark": {"type": "rule", "color": "#888"},
             "encoding": {"y": {"field": "zero", "type": "quantitative"}}}],
        "height": height, "title": _title(title, width), "width": width}


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

"""Sensitivity charts (a bar per parameter with its confidence interval, one panel per outcome)
and scenario discovery's trade-off chart (coverage against density along each PRIM box's peeling
trajectory, the chosen box marked).

`.html` (and `.json`, the Vega-Lite spec) are drawn with Altair, the project's chart library;
`.png`, `.svg` and `.pdf` with matplotlib. Both are optional dependencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.sweep.store import SweepError

ALTAIR_SUFFIXES = (".html", ".json")
MPL_SUFFIXES = (".png", ".svg", ".pdf")


def _long(indices: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Rows of outcome, parameter, index, value, low, high."""
    if "ST" in indices:
        pairs = [("S1", "S1_conf"), ("ST", "ST_conf")]
    elif "S1" in indices:
        pairs = [("S1", "S1_conf")]
    else:
        pairs = [("mu_star", "mu_star_conf")]
    rows = []
    for _, r in indices.iterrows():
        for name, conf in pairs:
            rows.append({"outcome": r["outcome"], "parameter": r["parameter"], "index": name,
                         "value": r[name], "low": r[name] - r[conf], "high": r[name] + r[conf]})
    title = ("Sobol indices (first and total order)" if "ST" in indices
             else "First-order index (sample-based)" if "S1" in indices
             else "Morris mu* (mean |elementary effect|)")
    return pd.DataFrame(rows), title


def _altair() -> Any:
    try:
        import altair as alt
    except ImportError:
        raise SweepError("an .html chart needs Altair: pip install 'fundsim[app]' "
                         "(or ask for a .png, drawn with matplotlib)") from None
    return alt


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SweepError("a .png chart needs matplotlib: pip install matplotlib") from None
    return plt


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in ALTAIR_SUFFIXES + MPL_SUFFIXES:
        raise SweepError(f"--chart: unknown format {suffix or '(none)'}; use one of "
                         f"{', '.join(ALTAIR_SUFFIXES + MPL_SUFFIXES)}")
    return suffix


def tradeoff_chart(tradeoff: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Coverage (x) against density (y) at every peeling step of each box (from
    `discovery.tradeoff_frame`); the step each box was taken at is ringed. The suffix chooses the
    format, as for the sensitivity chart."""
    suffix = _check_suffix(path)
    title = title or "PRIM peeling trajectory: coverage against density"
    data = tradeoff.assign(box=tradeoff["box"].map(lambda b: f"box {b}"))
    if suffix in ALTAIR_SUFFIXES:
        alt = _altair()
        base = alt.Chart(data).encode(
            x=alt.X("coverage:Q", title="coverage (share of the target's runs in the box)",
                    scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            y=alt.Y("density:Q", title="density (share of the box's runs meeting the target)",
                    scale=alt.Scale(zero=False), axis=alt.Axis(format="%")),
            color=alt.Color("box:N", title=None))
        tips = ["box", "step", alt.Tooltip("coverage:Q", format=".0%"),
                alt.Tooltip("density:Q", format=".0%"), alt.Tooltip("mass:Q", format=".0%"),
                "restricted:Q", "runs:Q"]
        chart = (base.mark_line(point=True).encode(tooltip=tips)
                 + base.transform_filter("datum.chosen").mark_point(size=220, color="black", filled=False))
        chart.properties(title=title, width=420, height=300).save(str(path))
        return path
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for box, d in data.groupby("box", sort=False):
        ax.plot(d["coverage"], d["density"], marker=".", label=box)
        chosen = d[d["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=160, facecolors="none", edgecolors="black")
    ax.set(xlabel="coverage (share of the target's runs in the box)", xlim=(0, 1.02),
           ylabel="density (share of the box's runs meeting the target)", title=title)
    ax.legend(title="ringed: the box chosen")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def sensitivity_chart(indices: pd.DataFrame, path: Path) -> Path:
    """Write the chart to `path`; the suffix chooses the format."""
    data, title = _long(indices)
    suffix = _check_suffix(path)
    if suffix in ALTAIR_SUFFIXES:
        alt = _altair()
        base = alt.Chart(data).encode(y=alt.Y("parameter:N", title=None), yOffset="index:N",
                                      color=alt.Color("index:N", title="index"))
        bars = base.mark_bar().encode(x=alt.X("value:Q", title="index value"),
                                      tooltip=["parameter", "index", alt.Tooltip("value:Q", format=".3f"),
                                               alt.Tooltip("low:Q", format=".3f"),
                                               alt.Tooltip("high:Q", format=".3f")])
        rules = base.mark_rule(color="black").encode(x="low:Q", x2="high:Q")
        chart = (bars + rules).properties(width=420).facet(row=alt.Row("outcome:N", title=None))
        chart = chart.properties(title=title).resolve_scale(x="independent")
        chart.save(str(path))
        return path
    plt = _pyplot()
    outcomes = list(dict.fromkeys(data["outcome"]))
    fig, axes = plt.subplots(len(outcomes), 1, figsize=(8, 1.2 + 0.6 * data["parameter"].nunique()
                                                        * len(outcomes)), squeeze=False)
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        d = data[data["outcome"] == outcome]
        params = list(dict.fromkeys(d["parameter"]))
        kinds = list(dict.fromkeys(d["index"]))
        h = 0.8 / len(kinds)
        for k, kind in enumerate(kinds):
            dk = d[d["index"] == kind].set_index("parameter").reindex(params)
            ys = [i + k * h for i in range(len(params))]
            ax.barh(ys, dk["value"], height=h, label=kind,
                    xerr=[dk["value"] - dk["low"], dk["high"] - dk["value"]], capsize=3)
        ax.set_yticks([i + 0.4 - h / 2 for i in range(len(params))], params)
        ax.set_title(outcome)
        ax.legend(loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path

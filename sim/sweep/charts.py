"""Sensitivity charts: a bar per parameter with its confidence interval, one panel per outcome.

`.html` (and `.json`, the Vega-Lite spec) are drawn with Altair, the project's chart library;
`.png`, `.svg` and `.pdf` with matplotlib. Both are optional dependencies.
"""

from __future__ import annotations

from pathlib import Path

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


def sensitivity_chart(indices: pd.DataFrame, path: Path) -> Path:
    """Write the chart to `path`; the suffix chooses the format."""
    data, title = _long(indices)
    suffix = path.suffix.lower()
    if suffix in ALTAIR_SUFFIXES:
        try:
            import altair as alt
        except ImportError:
            raise SweepError("an .html chart needs Altair: pip install 'fundsim[app]' "
                             "(or ask for a .png, drawn with matplotlib)") from None
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
    if suffix not in MPL_SUFFIXES:
        raise SweepError(f"--chart: unknown format {suffix or '(none)'}; use one of "
                         f"{', '.join(ALTAIR_SUFFIXES + MPL_SUFFIXES)}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SweepError("a .png chart needs matplotlib: pip install matplotlib") from None
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

"""KPI cards (value with its 90% range across seeds; difference from the reference, paired by
seed, with its 90% interval) and alerts summarised across seeds. Aggregation is the engine's:
`sim.results.summarize`, `paired_difference` and `equity_gap`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.alerts import alerts
from sim.outcomes import BY_NAME
from sim.results import Results, equity_gap, paired_difference, summarize

CONFIDENCE = 0.9
EQUITY_METRIC = "placement_rate"
EQUITY = "equity_gap"
KPIS: tuple[tuple[str, str], ...] = (
    ("completions", "Credentials earned"),
    ("placements", "Placements"),
    ("retention_12m", "Retention at 12 months"),
    ("earnings_gain_vs_counterfactual", "Earnings gain vs. no fund"),
    ("cost_per_placement", "Cost per placement"),
    ("fund_balance", "Fund balance at the end"),
    ("fund_liabilities", "Fund liabilities at the end"),
    ("employer_roi", "Employer return"),
    ("public_roi", "Public return"),
    (EQUITY, "Equity gap in placement rate"),
)
ALERT_TITLES = {"participation": "Participation dips", "outcome": "Outcomes below thresholds",
                "solvency": "Fund at risk of insolvency"}


@dataclass(frozen=True)
class Card:
    scenario: str
    metric: str
    label: str
    value: str
    delta: str | None  # None for the reference (and when a difference cannot be measured)
    delta_color: str  # normal (more is better) | inverse (less is better) | off
    help: str
    mean: float = math.nan
    diff: float = math.nan


def unit_of(metric: str) -> str:
    return "share (hard-to-serve minus job-ready)" if metric == EQUITY else BY_NAME[metric].unit


def fmt(value: float, unit: str, signed: bool = False) -> str:
    """A number in the unit's plain form: 72.5%, $1.2M, 1,234, 1.35 $ per $."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "+" if signed and value > 0 else ("-" if value < 0 else "")
    v = abs(value)
    if unit.startswith("share"):
        return f"{sign}{100 * v:.1f}" + (" pts" if signed else "%")
    if unit == "$" or unit.startswith("$ per placement") or unit.startswith("$ per participant"):
        if v >= 1e6:
            return f"{sign}${v / 1e6:,.2f}M"
        return f"{sign}${v:,.0f}"
    if unit.startswith("$ per"):
        return f"{sign}{v:,.2f}"
    return f"{sign}{v:,.0f}"


def _t_interval(d: np.ndarray) -> tuple[float, float, float]:
    """Mean and 90% t-interval of paired differences, as `paired_difference` computes them."""
    from scipy import stats

    d = d[~np.isnan(d)]
    if len(d) == 0:
        return math.nan, math.nan, math.nan
    if len(d) < 2 or np.std(d) == 0:
        return float(d.mean()), float(d.mean()), float(d.mean())
    low, high = stats.t.interval(CONFIDENCE, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    return float(d.mean()), float(low), float(high)


def _direction(metric: str) -> str:
    if metric == EQUITY:
        return "normal"
    d = BY_NAME[metric].direction
    return "normal" if d > 0 else ("inverse" if d < 0 else "off")


def cards(labels: Sequence[str], runs: Sequence[Sequence[Results]]) -> list[list[Card]]:
    """One list of cards per scenario; the first scenario is the reference."""
    n = len(runs[0])
    summaries = [summarize(rs).set_index("metric") for rs in runs]
    diffs = [None] + [paired_difference(runs[0], rs, CONFIDENCE).set_index("metric") for rs in runs[1:]]
    gaps = [equity_gap(rs, EQUITY_METRIC) for rs in runs]
    out: list[list[Card]] = []
    for i, label in enumerate(labels):
        row = []
        for metric, title in KPIS:
            unit = unit_of(metric)
            if metric == EQUITY:
                v = gaps[i].to_numpy(dtype=float)
                ok = v[~np.isnan(v)]
                mean = float(ok.mean()) if len(ok) else math.nan
                p05, p95 = (np.percentile(ok, [5, 95]) if len(ok) else (math.nan, math.nan))
                d = (_t_interval((gaps[i] - gaps[0]).to_numpy(dtype=float)) if i else (math.nan,) * 3)
            else:
                s = summaries[i].loc[metric]
                mean, p05, p95 = s["mean"], s["p05"], s["p95"]
                if i:
                    row_d = diffs[i].loc[metric]  # type: ignore[union-attr]
                    d = (row_d["diff_mean"], row_d["diff_low"], row_d["diff_high"])
                else:
                    d = (math.nan,) * 3
            delta = None
            if i and not math.isnan(d[0]):
                delta = (f"{fmt(d[0], unit, True)} vs. reference "
                         f"(90%: {fmt(d[1], unit, True)} to {fmt(d[2], unit, True)})")
            what = BY_NAME[EQUITY_METRIC].description if metric == EQUITY else BY_NAME[metric].description
            help_text = (f"{what} Unit: {unit}. Mean over {n} runs (seeds); 90% of runs between "
                         f"{fmt(p05, unit)} and {fmt(p95, unit)}.")
            if metric == EQUITY:
                help_text = ("Placement rate of the hard-to-serve group minus the job-ready group "
                             "(closer to zero is fairer). " + help_text)
            if i:
                help_text += (" The difference compares runs with the same seed (same people and "
                              "economy); its 90% interval is a t-interval across seeds.")
            value = fmt(mean, unit) + ("" if math.isnan(mean) else f" ({fmt(p05, unit)}–{fmt(p95, unit)})")
            row.append(Card(label, metric, title, value, delta, _direction(metric), help_text,
                            float(mean), float(d[0])))
        out.append(row)
    return out


@dataclass(frozen=True)
class AlertSummary:
    scenario: str
    kind: str
    title: str
    runs: int
    of: int
    first_month: int
    median_month: int
    example: str

    def text(self) -> str:
        return (f"{self.title} in {self.runs} of {self.of} runs, first in month {self.first_month} "
                f"(median month {self.median_month}). {self.example}")


def alert_summaries(labels: Sequence[str], runs: Sequence[Sequence[Results]]) -> list[AlertSummary]:
    """Per scenario and kind of alert: in how many runs it fires and the month it first does."""
    out = []
    for label, rs in zip(labels, runs, strict=True):
        found: dict[str, list] = {}
        for r in rs:
            for a in alerts(r.metrics):
                found.setdefault(a.kind, []).append(a)
        for kind, items in found.items():
            items.sort(key=lambda a: a.month)
            months = [a.month for a in items]
            out.append(AlertSummary(label, kind, ALERT_TITLES.get(kind, kind.title()), len(items), len(rs),
                                    months[0], int(np.median(months)), items[0].message))
    return out

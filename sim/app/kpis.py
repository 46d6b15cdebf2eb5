"""KPI cards: value with its unit and 90% range across seeds; difference from the current rules,
paired by seed, coloured only when its 90% interval excludes zero (else grey, "no clear
difference"). Aggregation is the engine's:
`sim.results.summarize`, `paired_difference` and `equity_gap`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.outcomes import BY_NAME
from sim.results import Results, equity_gap, paired_difference, summarize

CONFIDENCE = 0.9
EQUITY_METRIC = "placement_rate"
EQUITY = "equity_gap"


@dataclass(frozen=True)
class Kpi:
    metric: str
    title: str
    unit: str  # shown on the card, in words
    plain: str  # what it means, for the tooltip (the registry's wording is for researchers)


KPI_LIST: tuple[Kpi, ...] = (
    Kpi("completions", "Credentials earned", "people",
        "People who finished training and earned a credential."),
    Kpi("placements", "People placed in jobs", "people",
        "People who finished training and were hired within the placement window."),
    Kpi("retention_12m", "Still in work a year later", "% of those placed",
        "Of the people placed in a job, the share still employed 12 months later."),
    Kpi("earnings_gain_vs_counterfactual", "Earnings gain per participant", "$ a month, vs. no fund",
        "How much more a month the fund's participants earn than the same people would without the fund "
        "(averaged over everyone who started, finished or not)."),
    Kpi("cost_per_placement", "Fund cost per placement", "$ per person placed",
        "The fund's spending on training divided by the people it placed."),
    Kpi("fund_balance", "Money in the fund at the end", "$", "What the fund holds in its last month."),
    Kpi("fund_liabilities", "Owed to providers at the end", "$",
        "Results payments providers have earned but the fund has not yet paid, in its last month."),
    Kpi("employer_roi", "Employers' net return", "$ back per $1 paid in",
        "What employers gain (more productive staff, grants) minus what they pay in, per dollar paid in."),
    Kpi("public_roi", "Public net return", "$ back per $1 of public money",
        "What the public gains (taxes, lower benefits) minus the public money spent, per public dollar."),
    Kpi(EQUITY, "Placement gap, hard-to-serve vs. job-ready", "percentage points",
        "Placement rate of people facing barriers minus that of job-ready people: closer to zero is fairer."),
)
KPIS: tuple[tuple[str, str], ...] = tuple((k.metric, k.title) for k in KPI_LIST)
NO_CLEAR = "no clear difference"
REFERENCE_ROLE = "current rules"


@dataclass(frozen=True)
class Card:
    scenario: str
    metric: str
    label: str
    value: str
    delta: str | None  # None for the reference (and when a difference cannot be measured)
    delta_color: str  # normal (more is better) | inverse (less is better) | off (grey)
    help: str
    mean: float = math.nan
    diff: float = math.nan
    clear: bool = False  # the difference's 90% interval excludes zero


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


def is_clear(low: float, high: float, n: int) -> bool:
    """A difference is shown as one (coloured, with an arrow) only when its 90% interval, from at
    least two runs, lies wholly on one side of zero."""
    return n >= 2 and not (math.isnan(low) or math.isnan(high)) and (low > 0 or high < 0)


def delta_text(d: tuple[float, float, float], unit: str, n: int) -> tuple[str, bool]:
    """The card's difference line and whether it is a clear one."""
    mean, low, high = d
    if n < 2:
        return f"{NO_CLEAR} yet: {fmt(mean, unit, True)} on the first run (range after more runs)", False
    span = f"(90%: {fmt(low, unit, True)} to {fmt(high, unit, True)})"
    if is_clear(low, high, n):
        return f"{fmt(mean, unit, True)} vs. {REFERENCE_ROLE} {span}", True
    return f"{NO_CLEAR}: {fmt(mean, unit, True)} {span}", False


def _help(k: Kpi, n: int, p05: float, p95: float, unit: str, compared: bool) -> str:
    text = (f"{k.plain} Unit: {k.unit}. The number is the average of {n} simulated runs; 90% of runs "
            f"gave between {fmt(p05, unit)} and {fmt(p95, unit)}.")
    if compared:
        text += (" The difference compares each run with the run of the current rules that has the same "
                 "people and economy. Coloured only when we are 90% sure of its direction; otherwise "
                 f"grey, \"{NO_CLEAR}\".")
    return text


def cards(labels: Sequence[str], runs: Sequence[Sequence[Results]]) -> list[list[Card]]:
    """One list of cards per scenario; the first scenario is the reference (the current rules)."""
    n = min(len(rs) for rs in runs)
    summaries = [summarize(rs).set_index("metric") for rs in runs]
    diffs = [None] + [paired_difference(runs[0], rs, CONFIDENCE).set_index("metric") for rs in runs[1:]]
    gaps = [equity_gap(rs, EQUITY_METRIC) for rs in runs]
    out: list[list[Card]] = []
    for i, label in enumerate(labels):
        row = []
        for k in KPI_LIST:
            metric, unit = k.metric, unit_of(k.metric)
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
            delta, clear = None, False
            if i and not math.isnan(d[0]):
                delta, clear = delta_text(d, unit, n)
            points = metric == EQUITY  # a gap between two rates reads in percentage points
            value = fmt(mean, unit, points) + ("" if math.isnan(mean) or n < 2 else
                                               f" ({fmt(p05, unit, points)} to {fmt(p95, unit, points)})")
            row.append(Card(label, metric, f"{k.title} ({k.unit})", value, delta,
                            _direction(metric) if clear else "off", _help(k, n, p05, p95, unit, bool(i)),
                            float(mean), float(d[0]), clear))
        out.append(row)
    return out

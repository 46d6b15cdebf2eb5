"""Alerts in plain words: participation dips, outcomes below thresholds, solvency at risk,
each with the month it first occurs. Read from a run's tidy metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.results import Results


@dataclass(frozen=True)
class Thresholds:
    participation_dip: float = 0.3  # fund starts below (1 - this) x their trailing-year average
    min_placement_rate: float = 0.5
    min_retention_12m: float = 0.6
    reserve_months: float = 3.0  # balance minus liabilities below this many months of spending


@dataclass(frozen=True)
class Alert:
    month: int
    kind: str
    message: str


SPEND = tuple(f"fund_spend_{k}" for k in ("providers", "supports", "admin", "employers", "other"))
READ = ("fund_enrolments", "placement_rate", "retention_12m", "fund_balance", "fund_liabilities", *SPEND)


def _series(metrics: pd.DataFrame, name: str) -> pd.Series:
    m = metrics[(metrics.metric == name) & (metrics.sector == "all") & (metrics.group == "all")]
    return m.set_index("month")["value"].sort_index()


def alerts(run: Results | pd.DataFrame, t: Thresholds | None = None) -> list[Alert]:
    """The alerts of one run (its Results, or its tidy metrics table)."""
    t = t or Thresholds()
    out: list[Alert] = []
    if isinstance(run, pd.DataFrame):
        table = run
        series: Callable[[str], pd.Series] = lambda name: _series(table, name)  # noqa: E731
    else:
        series = lambda name: run.series(name).sort_index()  # noqa: E731
    starts = series("fund_enrolments")
    if len(starts) and starts.sum() > 0:
        trailing = starts.rolling(12, min_periods=6).mean().shift(1)
        dip = (trailing > 0) & (starts < (1 - t.participation_dip) * trailing)
        if dip.any():
            m = int(dip.idxmax())
            out.append(Alert(m, "participation", f"Fund enrolments dipped to {starts[m]:.0f} in month {m}, "
                             f"more than {t.participation_dip:.0%} below the trailing-year average "
                             f"({trailing[m]:.1f} a month)."))
    for name, floor, label in (("placement_rate", t.min_placement_rate, "Placement rate"),
                               ("retention_12m", t.min_retention_12m, "Retention at 12 months")):
        s = series(name).rolling(12, min_periods=6).mean()
        low = s < floor
        if low.any():
            m = int(low.idxmax())
            out.append(Alert(m, "outcome", f"{label} (12-month average) fell to {s[m]:.0%} in month {m}, "
                             f"below the {floor:.0%} threshold."))
    balance = series("fund_balance")
    if len(balance):
        liab = series("fund_liabilities").reindex(balance.index).fillna(0.0)
        spend = sum(series(name).reindex(balance.index).fillna(0.0) for name in SPEND)
        monthly = spend.rolling(12, min_periods=1).mean()
        started = spend.cumsum() > 0
        risk = started & (balance - liab < t.reserve_months * monthly) & (monthly > 0)
        if risk.any():
            m = int(risk.idxmax())
            cover = (balance[m] - liab[m]) / monthly[m] if monthly[m] else np.nan
            out.append(Alert(m, "solvency", f"Fund at risk in month {m}: balance minus liabilities covers "
                             f"{cover:.1f} months of spending, below {t.reserve_months:g}."))
    return sorted(out, key=lambda a: a.month)

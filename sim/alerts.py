"""Alerts in plain words: participation dips, outcomes below thresholds, solvency at risk,
each with the month it first occurs. Read from a run's tidy metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


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


def _series(metrics: pd.DataFrame, name: str) -> pd.Series:
    m = metrics[(metrics.metric == name) & (metrics.sector == "all") & (metrics.group == "all")]
    return m.set_index("month")["value"].sort_index()


def alerts(metrics: pd.DataFrame, t: Thresholds | None = None) -> list[Alert]:
    t = t or Thresholds()
    out: list[Alert] = []
    starts = _series(metrics, "fund_enrolments")
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
        s = _series(metrics, name).rolling(12, min_periods=6).mean()
        low = s < floor
        if low.any():
            m = int(low.idxmax())
            out.append(Alert(m, "outcome", f"{label} (12-month average) fell to {s[m]:.0%} in month {m}, "
                             f"below the {floor:.0%} threshold."))
    balance = _series(metrics, "fund_balance")
    if len(balance):
        liab = _series(metrics, "fund_liabilities").reindex(balance.index).fillna(0.0)
        spend = sum(_series(metrics, f"fund_spend_{k}").reindex(balance.index).fillna(0.0)
                    for k in ("providers", "supports", "admin", "employers", "other"))
        monthly = spend.rolling(12, min_periods=1).mean()
        started = spend.cumsum() > 0
        risk = started & (balance - liab < t.reserve_months * monthly) & (monthly > 0)
        if risk.any():
            m = int(risk.idxmax())
            cover = (balance[m] - liab[m]) / monthly[m] if monthly[m] else np.nan
            out.append(Alert(m, "solvency", f"Fund at risk in month {m}: balance minus liabilities covers "
                             f"{cover:.1f} months of spending, below {t.reserve_months:g}."))
    return sorted(out, key=lambda a: a.month)

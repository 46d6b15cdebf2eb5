"""Alerts that mean what they say, summarised across seeds, each with its context.

- "Cannot cover what it owes" (an error): the fund holds less than it already owes providers
  (balance minus liabilities below zero), i.e. commitments cannot be met.
- "Low reserve" (a notice): sim.alerts' reserve test (under 3 months of spending). A fund can run
  lean by design and still pay every bill, so this is information, not a red alert.
- Participation dips and outcomes below thresholds (warnings), from sim.alerts, with the numbers
  that make a dip readable (a month's count against the year before and the horizon's total)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.alerts import Thresholds, alerts
from sim.app.kpis import fmt
from sim.results import Results
from sim.scenario.schema import Scenario

RULE_IDLE = "rule_cannot_fire"
LEVELS = {"insolvent": "error", "participation": "warning", "outcome": "warning", "low_reserve": "info"}
TITLES = {"insolvent": "Cannot cover what it owes", "participation": "Fund-paid training starts dipped",
          "outcome": "Outcomes below the thresholds", "low_reserve": "Low reserve (a notice)"}


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
    level: str = "warning"  # error | warning | info
    context: str = ""

    def text(self) -> str:
        if self.kind == RULE_IDLE:  # about the scenario, not its runs
            return f"{self.title}: {self.example}"
        return (f"{self.title}: in {self.runs} of {self.of} runs, first in month {self.first_month} "
                f"(median month {self.median_month}). {self.example} {self.context}").strip()


def _series(r: Results, name: str) -> pd.Series:
    return r.series(name).sort_index()


def _shortfall(r: Results) -> tuple[int, float] | None:
    """The first month the fund holds less than it owes, and the worst shortfall ($)."""
    balance = _series(r, "fund_balance")
    if balance.empty:
        return None
    owed = _series(r, "fund_liabilities").reindex(balance.index).fillna(0.0)
    gap = balance - owed
    short = gap < -0.5  # half a dollar: the ledger is in cents
    if not short.any():
        return None
    return int(short.idxmax()), float(-gap.min())


def _end_balance(rs: Sequence[Results]) -> float:
    ends = [s.iloc[-1] for s in (_series(r, "fund_balance") for r in rs) if not s.empty]
    return float(np.mean(ends)) if ends else float("nan")


def _found(rs: Sequence[Results]) -> dict[str, list[tuple[int, str]]]:
    """Per kind, (month, message) of each run where it fires."""
    found: dict[str, list[tuple[int, str]]] = {}
    for r in rs:
        for a in alerts(r):
            kind = "low_reserve" if a.kind == "solvency" else a.kind
            found.setdefault(kind, []).append((a.month, a.message))
        short = _shortfall(r)
        if short is not None:
            month, worst = short
            found.setdefault("insolvent", []).append(
                (month, f"It held less than it owed providers in month {month} (short by up to "
                        f"{fmt(worst, '$')})."))
    return found


def _context(kind: str, rs: Sequence[Results]) -> str:
    end = _end_balance(rs)
    if kind == "low_reserve":
        return (f"The fund still paid what it owed and ends with {fmt(end, '$')} on average; the notice "
                f"is that its reserve fell under {Thresholds().reserve_months:g} months of spending, "
                "so a downturn would leave little room.")
    if kind == "insolvent":
        return f"It ends with {fmt(end, '$')} on average."
    if kind == "participation":
        starts = [float(_series(r, "fund_enrolments").sum()) for r in rs]
        return (f"A single month's starts vary; over the whole horizon the fund paid for "
                f"{fmt(float(np.mean(starts)), 'people')} starts on average, so a dip in one month "
                "need not mean fewer people trained.")
    return ""


def alert_summaries(labels: Sequence[str], runs: Sequence[Sequence[Results]]) -> list[AlertSummary]:
    """Per scenario and kind: in how many runs it fires, the month it first does, and context.
    Errors first, then warnings, then notices."""
    out = []
    for label, rs in zip(labels, runs, strict=True):
        for kind, items in _found(rs).items():
            items.sort(key=lambda a: a[0])
            months = [m for m, _ in items]
            out.append(AlertSummary(label, kind, TITLES.get(kind, kind.title()), len(items), len(rs),
                                    months[0], int(np.median(months)), items[0][1],
                                    LEVELS.get(kind, "warning"), _context(kind, rs)))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda a: order[a.level])


def rule_notices(labels: Sequence[str], scenarios: Sequence[Scenario]) -> list[AlertSummary]:
    """A warning per rule that can never fire in its scenario (sim.scenario.checks), e.g. a
    retention tranche when no seat is fund-bought."""
    from sim.scenario.checks import rule_warnings

    return [AlertSummary(label, RULE_IDLE, "A rule cannot fire", 0, 0, 0, 0, p.format(), "warning")
            for label, sc in zip(labels, scenarios, strict=True) for p in rule_warnings(sc)]

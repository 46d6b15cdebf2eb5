"""The fund's staged rollout: a pilot with the largest few firms and part of the budget, scaled up
at each stage review only if the stage's measured placement rate passed the gate
(pay-for-performance at the level of the fund itself)."""

from __future__ import annotations

import numpy as np

from sim.engine.firms import FirmTable
from sim.engine.fund import FundAgent
from sim.scenario.schema import Scenario


def start(sc: Scenario, fund: FundAgent | None, f: FirmTable) -> None:
    """A pilot: only the largest few firms may join, and only part of the budget is spent."""
    r = sc.rollout
    if not r.enabled or fund is None:
        return
    order = np.argsort(-f.size0, kind="stable")
    f.eligible[:] = False
    f.eligible[order[: r.pilot_firms]] = True
    f.member &= f.eligible
    fund.budget_scale = r.pilot_budget_share


def review_due(sc: Scenario, month: int) -> bool:
    r = sc.rollout
    since = month - sc.phases.system_development_months - sc.phases.programme_design_months
    return r.enabled and since > 0 and since % r.stage_months == 0


def review(sc: Scenario, fund: FundAgent, f: FirmTable, month: int, placed: float, exits: float) -> None:
    """A stage review on the stage's fund placements and placement exits: widen eligibility and
    the budget by the scale factor if the placement rate passed the gate."""
    r = sc.rollout
    rate = placed / exits if exits > 0 else 0.0
    fund.rollout_log.append((month, float(rate), bool(rate >= r.gate_placement_rate)))
    if rate < r.gate_placement_rate:
        return
    order = np.argsort(-f.size0, kind="stable")
    n = min(f.n, int(np.ceil(f.eligible.sum() * r.scale_factor)))
    f.eligible[order[:n]] = True
    fund.budget_scale = min(1.0, fund.budget_scale * r.scale_factor)

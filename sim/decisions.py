"""Firms' decisions (own training, voluntary membership) and the fund's staged rollout.

Firms decide with expectations, not hindsight: the months a trained worker is expected to stay
(shorter when poaching is strong), the wage gain of a rung, what a grant or the externship
pipeline is worth to them, and what membership would cost under the scenario's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import fund_flows
from sim.agents.firms import membership_decisions, own_training_rates
from sim.outcomes import INDEX

if TYPE_CHECKING:
    from sim.model import FundModel

DISCOUNT_MONTHLY = 0.01
HORIZON_MONTHS = 120


def expected_retention_months(m: FundModel) -> np.ndarray:
    """Discounted months a newly credentialed worker stays, per sector: shorter where quits,
    job-to-job moves and poaching of portable credentials are higher."""
    lab, k = m.scenario.labour, m.k
    poach = lab.job_to_job_rate * lab.poaching_intensity * k.portability * (2.0 / 3.0)
    h = (lab.quit_rate + lab.job_to_job_rate + poach) * k.quit_mult + lab.layoff_rate
    x = h + DISCOUNT_MONTHLY
    return (1.0 - (1.0 - x) ** HORIZON_MONTHS) / x


def decide_firms(m: FundModel, initial: bool = False) -> None:
    f, sc, k = m.firm_table, m.scenario, m.k
    fund_on = m.fund is not None
    step_gain = k.base_wage * k.prem[3] / 3.0  # $ per month, one rung up, per sector
    keep = max(sc.firms.productivity_to_wage_gain - 1.0, 0.0) * step_gain
    retention = expected_retention_months(m)
    price = float(k.price.mean())
    cost = price + 0.25 * k.base_wage[f.sector] * float(k.months.mean())
    # The grant a firm counts on: the nominal share, scaled by how much of last month's claims
    # the pool could pay (a capped budget spread over many claims pays each one less).
    grant = sc.fund.incumbent_grant_share * m.grant_fill if fund_on else 0.0
    if fund_on and m.fund.accounts is not None:
        has_money = m.fund.accounts.balances() > 0
        member_grant = np.where(has_money, 1.0, grant)
    else:
        member_grant = np.full(f.n, grant)

    review = initial or m.month % sc.firms.membership_review_months == 0
    if fund_on and review:
        rate_if_member = own_training_rates(sc, f, retention[f.sector], step_gain[f.sector], cost,
                                            member_grant)
        grant_value = member_grant * rate_if_member * f.headcount / 12.0 * price
        hire_value = keep * retention + sc.firms.turnover_cost_share * 12.0 * k.base_wage * 0.5
        pipeline = pipeline_hires_per_vacancy(m)
        skilled = f.vacancies[:, 1:].sum(axis=1) if not initial else f.size0 * 0.03
        f.benefit_recent = grant_value + pipeline[f.sector] * skilled * hire_value[f.sector]
        f.contribution_recent = fund_flows.potential_contributions(m)
    if not fund_on:
        f.member[:] = False
    elif sc.fund.membership == "compulsory":
        f.member[:] = f.eligible
    elif review:
        f.member[:] = membership_decisions(f, sc.firms.membership_hurdle)

    subsidy = np.where(f.member & (m.fund_active if not initial else False), member_grant, 0.0)
    f.training_rate = own_training_rates(sc, f, retention[f.sector], step_gain[f.sector], cost, subsidy)
    if initial:
        rollout_start(m)


def pipeline_hires_per_vacancy(m: FundModel) -> np.ndarray:
    """Expected monthly externship hires per skilled opening, per sector, judged from the
    fund's planned capacity (what a firm is told when deciding to join)."""
    sc, pt, f = m.scenario, m.provider_table, m.firm_table
    seats = np.bincount(pt.sector, weights=pt.capacity, minlength=m.k.n_sectors)
    completers = seats * float(np.mean(sc.training.base_completion))
    hires = completers * sc.training.externship_share * sc.training.externship_conversion
    skilled = np.bincount(f.sector, weights=np.maximum(f.size0 * 0.03, 1.0), minlength=m.k.n_sectors)
    return hires / skilled


def rollout_start(m: FundModel) -> None:
    """A pilot: only the largest few firms may join, and only part of the budget is spent."""
    r, f = m.scenario.rollout, m.firm_table
    if not r.enabled or m.fund is None:
        return
    order = np.argsort(-f.size0, kind="stable")
    f.eligible[:] = False
    f.eligible[order[: r.pilot_firms]] = True
    f.member &= f.eligible
    m.fund.budget_scale = r.pilot_budget_share


def rollout_review(m: FundModel) -> None:
    """At each stage review, scale membership and budget up if the stage's placement rate
    passed the gate (pay-for-performance at the level of the fund)."""
    r, f, sc = m.scenario.rollout, m.firm_table, m.scenario
    if not r.enabled or m.fund is None or not m.fund_active:
        return
    start = sc.phases.system_development_months + sc.phases.programme_design_months
    since = m.month - start
    if since <= 0 or since % r.stage_months != 0:
        return
    window = slice(max(0, m.month - 1 - r.stage_months), m.month - 1)
    placed = m.rec.data[window, INDEX["fund_placements"], -1, -1].sum()
    exits = m.rec.data[window, INDEX["fund_placement_exits"], -1, -1].sum()
    rate = placed / exits if exits > 0 else 0.0
    m.rollout_log.append((m.month, float(rate), bool(rate >= r.gate_placement_rate)))
    if rate < r.gate_placement_rate:
        return
    order = np.argsort(-f.size0, kind="stable")
    n = min(f.n, int(np.ceil(f.eligible.sum() * r.scale_factor)))
    f.eligible[order[:n]] = True
    m.fund.budget_scale = min(1.0, m.fund.budget_scale * r.scale_factor)

"""Measuring a month: the outcomes recorded at its close, each firm's surplus, and the comparison
with the no-fund twin (the same people and shocks without the fund: common random numbers)."""

from __future__ import annotations

import numpy as np

from sim.engine import fund_flows, kernels, kernels_measure
from sim.engine.demand import DemandPath
from sim.engine.derived import Derived
from sim.engine.firms import FirmTable
from sim.engine.fund import FundAgent
from sim.engine.providers import ProviderTable
from sim.engine.recorder import Recorder
from sim.engine.workers import (
    EMPLOYED,
    TRAINED_BY_FUND,
    TRAINING,
    UNEMPLOYED,
    Population,
)
from sim.scenario.schema import Scenario

# Flows onto and off a payroll (EMPLOYED or APPRENTICE), by the metrics that count them.
PAYROLL_ENTRIES = ("hires", "apprenticeship_starts", "externship_hires")
PAYROLL_EXITS = ("quits", "layoffs", "apprenticeship_dropouts", "apprenticeship_graduates_released",
                 "job_leavers_to_training")


def record_month(rec: Recorder, p: Population, f: FirmTable, pt: ProviderTable, fund: FundAgent | None,
                 demand: DemandPath, sc: Scenario, k: Derived, month: int,
                 graduated: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """The month's close. `graduated`: this month's apprenticeship graduates and their training firms."""
    st = p.status
    rec.add_cells("payroll_entries", rec.sum_of(PAYROLL_ENTRIES))
    rec.add_cells("payroll_exits", rec.sum_of(PAYROLL_EXITS))
    if graduated is not None:
        grads, hosts = graduated
        kept = (st[grads] == EMPLOYED) & (p.employer[grads] == hosts)
        rec.count("apprenticeship_graduates_kept", grads[kept])
    rec.add_many(kernels.MONTH_COUNTS, kernels.month_counts(
        st, p.placed_month, p.participant, p.last_start, p.group, p.prog_payer, p.prog_kind, rec.cell_key,
        month, rec.S, rec.G))
    rec.set_cells("median_wage_participants", kernels_measure.median_cells(
        p.wage, p.participant & (st == EMPLOYED), rec.cell_key, rec.S, rec.G))
    # Forecast: skilled openings minus the pipeline's expected completers over six months.
    gap = np.bincount(f.sector, weights=f.vacancies[:, 1:].sum(axis=1), minlength=k.n_sectors)
    rec.by_sector("skill_gap", gap.astype(float))
    soon, externs = kernels_measure.pipeline_by_sector(st, p.prog_kind, p.prog_left, p.sector, k.n_sectors, 6)
    expected = soon * float(np.mean(sc.training.base_completion)) + externs  # externs: already credentialed
    rec.by_sector("skill_gap_forecast", np.maximum(gap - expected, 0.0))
    idx = demand.index[month]
    rec.by_sector("demand_index", idx, total=float((idx * k.employment_share).sum()))
    rec.totals({"firms_in_fund": float(f.member.sum()), "free_rider_index": free_rider_index(p, f),
                "providers_eligible": float((pt.suspended_until < month).sum())})
    if fund is None:
        return
    rec.totals({
        "fund_balance": fund.balance / 100.0,
        "fund_liabilities": fund_flows.liabilities_cents(fund, p) / 100.0,
        "fund_commitments": fund_flows.commitments_cents(fund, sc, p) / 100.0,
        **{f"fund_income_{fam}": fund.income[fam] / 100.0 for fam in ("employers", "public", "other")},
        **{f"fund_spend_{fam}": fund.spend[fam] / 100.0
           for fam in ("providers", "supports", "admin", "employers", "other")},
        "fund_training_spend": (fund.spend["providers"] + fund.spend["supports"]) / 100.0,
        "fund_expired_account_funds": fund.expired_cents / 100.0,
    })


def free_rider_index(p: Population, f: FirmTable) -> float:
    """The share of employees trained by a firm or the fund who work where it was not paid for:
    at another firm than the one that trained them, or (fund-trained) at a firm outside the fund."""
    free, n = kernels_measure.free_riders(p.status, p.trained_by, p.employer, f.member, TRAINED_BY_FUND)
    return free / n if n else float("nan")


def firm_surplus(p: Population, f: FirmTable, sc: Scenario, k: Derived) -> np.ndarray:
    """Each firm's value added minus wages, turnover costs and own training spend ($).

    Output of a basic job is wage / labour share; skill adds productivity_to_wage_gain times its
    wage premium (so the firm keeps about half: Dearden et al. 2006). Skill counts as well as the
    job: the premium is the mean of the job level's and the credential's, so training raises
    output even in the same job. Externs work at (and are paid by) their host, like apprentices,
    at the trainee output share."""
    net = kernels.firm_surplus(p.status, p.employer, p.ext_host, p.job_level, p.rung, p.sector, p.wage_effect,
                               p.tenure, p.wage, k.base_wage_f, k.prem, k.tenure_growth,
                               1.0 / sc.firms.labour_share, sc.firms.productivity_to_wage_gain,
                               sc.firms.trainee_output_share, f.n, p.job_mult, p.linked,
                               sc.careers.unlinked_premium_share, p.experience, p.skill, k.prem_mult,
                               k.unlinked_mult, k.experience_growth)
    return net - f.turnover - f.own_training_spend


def compare_with_twin(rec: Recorder, p: Population, f: FirmTable, fund: FundAgent | None, sc: Scenario,
                      surplus: np.ndarray, tuition: float, twin_earnings: np.ndarray, twin_unemployed: int,
                      twin_surplus: np.ndarray, twin_tuition: float, twin_outside: float, month: int,
                      outside: float = 0.0) -> None:
    """Counterfactual outcomes this month: the same people and shocks with no fund (common random
    numbers). `surplus`: each firm's surplus here and in the twin (the same firms in both);
    `twin_earnings`: each person's earnings in the twin; `twin_unemployed`: how many are
    unemployed there."""
    gain = surplus - twin_surplus
    f.gain += gain
    # Lock-in: the gap while in full-time training, then the gain once out of it; and year 2
    # after the first fund start, as MDRC measures sector programmes (calibration CAL09).
    part, gap, in_training, gap_in, out_of_it, gap_out, yr2, gap_yr2, twin_yr2, unemployed = (
        kernels_measure.twin_gaps(p.participant, p.earnings, twin_earnings, p.status, p.first_fund_month,
                                  month, TRAINING, UNEMPLOYED))
    rec.count("participant_months", part)
    rec.count("earnings_diff_participants", part, weights=gap)
    rec.count("trainee_months", in_training)
    rec.count("earnings_diff_in_training", in_training, weights=gap_in)
    rec.count("former_trainee_months", out_of_it)
    rec.count("earnings_diff_after_training", out_of_it, weights=gap_out)
    rec.count("earnings_diff_year2", yr2, weights=gap_yr2)
    rec.count("cf_earnings_year2", yr2, weights=twin_yr2)
    to_firms = fund.spend["employers"] / 100.0 if fund is not None else 0.0
    from_firms = fund.income["employers"] / 100.0 if fund is not None else 0.0
    firms = float(gain.sum()) + to_firms - from_firms
    rec.total("employer_net_gain", firms)
    lab = sc.labour
    public_in = fund.income["public"] / 100.0 if fund is not None else 0.0
    earn = float(p.earnings.sum(dtype=np.float64)) - float(twin_earnings.sum(dtype=np.float64))
    jobless = twin_unemployed - unemployed
    # Other public programmes' tuition grants the fund makes unnecessary (or adds) are public money too.
    public = (lab.tax_rate * earn + lab.unemployment_benefit_monthly * jobless - public_in
              - (outside - twin_outside))
    rec.total("public_net_gain", public)
    # Total surplus: each party's gain once, transfers between them cancel. Workers keep
    # earnings after tax and lose benefits and tuition; a public dollar costs the economy
    # the marginal cost of public funds; the fund's own net (income - spending) counts, so
    # admin and real training costs are costs and grants are transfers. Providers are paid
    # their cost (they break even), so nothing is counted for them.
    workers = ((1.0 - lab.tax_rate) * earn - lab.unemployment_benefit_monthly * jobless
               - (tuition - twin_tuition))
    fund_net = (sum(fund.income.values()) - sum(fund.spend.values())) / 100.0 if fund is not None else 0.0
    rec.total("total_surplus_change",
              workers + firms + lab.marginal_cost_of_public_funds * public + fund_net)

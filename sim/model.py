"""The Mesa model of a regional training fund. `step()` is one month, its phases in the fixed
order documented in docs/ODD.md; each phase is a whole-population rule in sim.economy or
sim.fund_flows. Firms, providers and the fund are Mesa agents; workers are sim.population."""

from __future__ import annotations

import mesa
import numpy as np

from sim import fund_flows
from sim.agents.firms import FirmAgent, new_firms
from sim.agents.fund import FundAgent
from sim.agents.providers import ProviderAgent, adjust_capacity, new_providers, review
from sim.constants import Constants
from sim.decisions import decide_firms, rollout_review
from sim.economy import labour_market as lm
from sim.economy import training as tr
from sim.economy.demand import demand_path
from sim.ledger import Ledger
from sim.monthly import MonthlyBookkeeping
from sim.outcomes import Recorder
from sim.population import (
    EMPLOYED,
    GROUPS,
    PAYER_FUND,
    PROG_APPRENTICESHIP,
    PROG_COURSE,
    PROG_INCUMBENT,
    UNEMPLOYED,
    new_population,
)
from sim.rng import Streams
from sim.scenario.schema import Scenario


class FundModel(MonthlyBookkeeping, mesa.Model):
    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(seed=seed)
        self.scenario = scenario
        self.streams = Streams(seed)
        self.month = 0
        self.ledger = Ledger()
        self.k = Constants.of(scenario)
        self.demand = demand_path(scenario, self.streams["demand"])
        self.pop = new_population(scenario, self.streams["population"], self.streams["employability"])
        self._place_initial_workers()
        self.provider_table = new_providers(scenario, self.streams["providers"])
        willing = self.streams["firms"].random(self.firm_table.n)
        self.host_willing = willing < scenario.firms.externship_host_share
        self.firm_agents = [FirmAgent(self, i) for i in range(self.firm_table.n)]
        self.provider_agents = [ProviderAgent(self, i) for i in range(self.provider_table.n)]
        fs = scenario.fund
        self.fund: FundAgent | None = (
            FundAgent(self, fs.credit_line, self.firm_table.n,
                      fs.accounts.expiry_months if fs.accounts.enabled else None)
            if fs.enabled else None)
        self.rec = Recorder(scenario.horizon_months, [s.name for s in scenario.region.sectors], GROUPS)
        self.rec.bind(self.pop.sector, self.pop.group)
        self.poaching_matrix = np.zeros((7, 5), dtype=np.int64)
        self.start_cost_by_rung = np.zeros(3)
        self.grant_seats = np.zeros(self.provider_table.n)
        self.capacity_ramp = 1.0
        self.grant_budget = 0.0  # $ for incumbent grants next month
        self.grant_fill = 1.0  # share of last month's grant claims the pool paid
        self.downturn = False
        self._fund_completers = np.zeros(0, dtype=np.int64)
        self._reset_month_totals()
        decide_firms(self, initial=True)

    # -- the schedule ------------------------------------------------------------------
    def step(self) -> None:
        """One month, phases in order (see docs/ODD.md, 'Process overview and scheduling')."""
        self.begin_month()
        self.separate()
        self.progress_training()
        self.post_vacancies()
        self.firms_decide()
        self.train_incumbents()
        self.move_between_jobs()
        self.fund_collects()
        self.fund_pays()
        self.admit_trainees()
        self.match_job_seekers()
        self.update_wages()
        self.review_providers()
        self.close_month()

    # -- phases ------------------------------------------------------------------------
    def begin_month(self) -> None:
        self.month += 1
        self.rec.month = self.month - 1
        self._u: dict[str, np.ndarray] = {}
        self._reset_month_totals()
        sc = self.scenario
        gap = self.demand.gap(self.month)
        weights = self.k.employment_share
        self.downturn = bool((gap * weights).sum() < -sc.demand.downturn_threshold)
        dev_end = sc.phases.system_development_months
        design_end = dev_end + sc.phases.programme_design_months
        self.phase = ("system_development" if self.month <= dev_end
                      else "programme_design" if self.month <= design_end else "implementation")
        self.fund_active = self.fund is not None and self.phase == "implementation"
        if self.fund is not None:
            self.fund.open_month()
        self.expire_placement_windows()

    def separate(self) -> None:
        lm.separate(self)

    def progress_training(self) -> None:
        p = self.pop
        dropped, done = tr.progress(self)
        kind = p.prog_kind
        self.rec.count("dropouts", dropped)
        self.rec.count("fund_dropouts", dropped[p.prog_payer[dropped] == PAYER_FUND])
        self.rec.count("fund_completions", done[p.prog_payer[done] == PAYER_FUND])
        self.rec.count("completions", done)
        self.rec.count("training_exits", np.concatenate([dropped, done]))
        appr_drop = dropped[kind[dropped] == PROG_APPRENTICESHIP]
        self.rec.count("apprenticeship_dropouts", appr_drop)
        lm.leave_job(self, appr_drop)
        p.status[dropped[kind[dropped] != PROG_INCUMBENT]] = UNEMPLOYED
        p.contract_price[dropped] = 0
        tr.clear_programme(self, dropped)
        tr.credential_earned(self, done)
        fund_done = done[p.prog_payer[done] == PAYER_FUND]
        self.pay_contract_trigger("monthly", fund_done)  # the final month's instalment
        self.pay_contract_trigger("completion", done)
        course = done[kind[done] == PROG_COURSE]
        appr = done[kind[done] == PROG_APPRENTICESHIP]
        self.rec.count("apprenticeship_completions", appr)
        inc = done[kind[done] == PROG_INCUMBENT]
        fund_course = course[p.prog_payer[course] == PAYER_FUND]
        pt = self.provider_table
        fund_appr = appr[p.prog_payer[appr] == PAYER_FUND]
        for who in (fund_course, fund_appr):
            np.add.at(pt.window_completers, p.prog_provider[who], 1)
            np.add.at(pt.fund_completions, p.prog_provider[who], 1)
        p.job_level[inc] = np.maximum(p.job_level[inc], np.minimum(p.rung[inc], 3))  # promotion
        p.status[course] = UNEMPLOYED
        p.await_until[course] = self.month + self.scenario.training.placement_window_months
        p.externed[course] = False
        p.status[appr] = EMPLOYED
        tr.clear_programme(self, done)
        raised = np.concatenate([inc, appr])  # promoted incumbents and new journey-level staff
        p.wage[raised] = lm.wage_of(self, raised)
        self.placement(appr)
        hired = tr.end_externships(self)  # before new externships start, so none ends at once
        self.placement(hired)
        self._fund_completers = fund_course  # offered externships at this month's openings

    def post_vacancies(self) -> None:
        lm.post_vacancies(self)
        f = self.firm_table
        self.rec.by_sector("vacancies", np.bincount(f.sector, weights=f.vacancies.sum(axis=1),
                                                    minlength=self.k.n_sectors).astype(float))
        if self.fund_active:  # this month's fund completers take up openings as externs
            p = self.pop
            started = tr.start_externships(self, self._fund_completers)
            p.externed[started] = True
            p.await_until[started] = -1  # the placement window opens when the externship ends

    def firms_decide(self) -> None:
        decide_firms(self)
        rollout_review(self)

    def train_incumbents(self) -> None:
        tr.train_incumbents(self, self.firm_table.training_rate)

    def move_between_jobs(self) -> None:
        lm.job_to_job(self)

    def fund_collects(self) -> None:
        if self.fund is not None:
            fund_flows.collect(self)
        self.firm_table.coinvest_cost[:] = 0.0  # charged; start accruing next month's

    def fund_pays(self) -> None:
        if self.fund is not None:
            fund_flows.pay_obligations(self)

    def admit_trainees(self) -> None:
        applicants, self_ok = tr.apply_for_training(self)
        budget = np.zeros(self.k.n_sectors)
        if self.fund is not None and self.phase != "system_development":
            budget = fund_flows.budget_by_sector(self)
        share = self.scenario.fund.incumbent_budget_share
        self.grant_budget = float(budget.sum()) * share if self.fund_active else 0.0
        tr.admit(self, applicants, self_ok, budget * (1 - share) if self.fund_active else budget * 0)
        if self.fund is not None and self.phase == "programme_design":
            self.plan_capacity(budget)  # providers ramp up toward the announced budget
        adjust_capacity(self.provider_table, self.scenario, self.grant_seats)
        self.grant_seats = np.zeros(self.provider_table.n)

    def match_job_seekers(self) -> None:
        lm.match(self)

    def update_wages(self) -> None:
        stipend = self.scenario.training.stipend_monthly if self.fund_active else 0.0
        lm.age_jobs(self, stipend)

    def review_providers(self) -> None:
        months = self.scenario.providers.review_months
        if self.fund_active and self.month % months == 0:
            review(self.provider_table, self.scenario, self.month)

    def close_month(self) -> None:
        if self.fund is not None:
            self.fund.close_month()
        self.record_month()

    # -- setup -------------------------------------------------------------------------
    def _place_initial_workers(self) -> None:
        """Create firms and give each employed person an employer in their sector, in
        proportion to firm size (the `firms` stream)."""
        p, sc = self.pop, self.scenario
        employed = np.flatnonzero(p.status == EMPLOYED)
        by_sector = np.bincount(p.sector[employed], minlength=self.k.n_sectors)
        self.firm_table = f = new_firms(sc, by_sector, self.streams["firms"])
        rng = self.streams["firms"]
        for s in range(self.k.n_sectors):
            firms = np.flatnonzero(f.sector == s)
            people = employed[p.sector[employed] == s]
            w = f.size0[firms] / f.size0[firms].sum()
            p.employer[people] = firms[np.minimum(np.searchsorted(np.cumsum(w), rng.random(len(people))),
                                                  len(firms) - 1)]
        p.wage[employed] = lm.wage_of(self, employed)
        p.earnings[employed] = p.wage[employed]
        f.headcount = lm.headcounts(self)
        f.payroll = np.bincount(p.employer[employed], weights=p.wage[employed], minlength=f.n)
        self.firm_turnover = np.zeros(f.n)
        self.firm_gain = np.zeros(f.n)  # surplus over the counterfactual, summed over months
        self.first_fund_month = np.full(p.n, -1, dtype=np.int32)  # month of first fund start


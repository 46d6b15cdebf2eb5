"""The Mesa model of a regional training fund. `step()` is one month, its phases in the fixed
order documented in docs/ODD.md. Each phase hands the owners of the data it changes (workers,
firms, providers, the fund) what they need, explicitly, and routes what they return (hires become
placements, starts become contracts and payments); no owner calls back up into the model.
Firms, providers and the fund are Mesa agents (`model.agents`, `model.agents_by_type`); workers
are a vectorised population (sim.engine.workers)."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import mesa
import numpy as np

from sim.engine import firms as fm
from sim.engine import fund_flows, kernels, measure, payouts, rollout
from sim.engine import labour_market as lm
from sim.engine import training as tr
from sim.engine.demand import demand_path
from sim.engine.derived import Derived
from sim.engine.firms import FirmAgent, new_firms
from sim.engine.fund import FundAgent
from sim.engine.providers import (
    ProviderAgent,
    adjust_capacity,
    new_providers,
    placement_quality,
    plan_capacity,
    receive_outside_grants,
)
from sim.engine.recorder import Recorder
from sim.engine.rng import MonthlyLuck, Streams
from sim.engine.workers import (
    EMPLOYED,
    GROUPS,
    PAYER_FUND,
    PAYER_SELF,
    PROG_APPRENTICESHIP,
    PROG_COURSE,
    PROG_INCUMBENT,
    UNEMPLOYED,
    new_population,
)
from sim.ledger import Ledger
from sim.outcomes import INDEX
from sim.scenario.people import trait_bit
from sim.scenario.schema import Scenario


class FundModel(mesa.Model):
    def __init__(self, scenario: Scenario, seed: int) -> None:
        # Mesa's own generators are seeded from the run's seed; the rules draw only from the
        # named streams (sim.engine.rng), and AgentSet.do runs agents in creation order.
        super().__init__(seed=seed)
        self.scenario = sc = scenario
        self.streams = Streams(seed)
        self.month = 0
        self.ledger = Ledger()
        self.k = Derived.of(scenario)
        self.demand = demand_path(scenario, self.streams["demand"])
        n = scenario.region.n_workers
        self.workers = p = new_population(scenario, self.streams["population"], self.streams["employability"],
                                          self.streams["careers"], self.streams.monthly("age", 0, n),
                                          self._traits(n))
        self.firms = f = self._place_initial_workers()
        self.providers = new_providers(scenario, self.streams["providers"],
                                       self.streams["provider_placement"])
        f.host_willing = self.streams["firms"].random(f.n) < sc.firms.externship_host_share
        sectors = [s.name for s in sc.region.sectors]
        for i in range(f.n):
            FirmAgent(self, f, i, sectors)
        for i in range(self.providers.n):
            ProviderAgent(self, self.providers, i, sectors)
        self.fund: FundAgent | None = FundAgent(self, self.ledger, sc.fund, f.n) if sc.fund.enabled else None
        self.rec = Recorder(sc.horizon_months, sectors, GROUPS)
        self.rec.bind(p.sector, p.group)
        self.tightness = lm.Tightness(self.k.n_sectors)
        self.poaching = np.zeros((7, 5), dtype=np.int64)  # trainer's size class (+fund, self) x poacher's
        self.grant_seats = np.zeros(self.providers.n)
        self.downturn = False
        self.phase = "system_development"
        self.fund_active = False
        self.tuition_paid = 0.0  # $ people paid providers themselves this month
        self.outside_paid = 0.0  # $ other public programmes paid providers this month
        self._fund_completers = np.zeros(0, dtype=np.int64)
        self.graduated = (np.zeros(0, np.int64), np.zeros(0, np.int32))  # this month's apprentices done
        self.luck = MonthlyLuck(self.streams, 0, p.n)
        self.host_pull: np.ndarray | None = None  # $ a month of hosting an apprentice earns (rules)
        k = self.k  # what firms expect of training depends on the scenario only: reckoned once
        self.outlook = fm.outlook(sc, f, k.base_wage, k.prem, k.portability, k.quit_mult, k.price, k.months)
        self.firms_decide(initial=True)

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
        sc, f = self.scenario, self.firms
        self.rec.month = self.month - 1
        self.luck = MonthlyLuck(self.streams, self.month, self.workers.n)
        f.turnover = np.zeros(f.n)
        f.own_training_spend = np.zeros(f.n)
        self.tuition_paid = 0.0
        self.outside_paid = 0.0
        gap = self.demand.gap(self.month)
        self.downturn = bool((gap * self.k.employment_share).sum() < -sc.demand.downturn_threshold)
        dev_end = sc.phases.system_development_months
        design_end = dev_end + sc.phases.programme_design_months
        self.phase = ("system_development" if self.month <= dev_end
                      else "programme_design" if self.month <= design_end else "implementation")
        self.fund_active = self.fund is not None and self.phase == "implementation"
        if self.fund is not None:
            self.fund.open_month(self.month)
        self._expire_placement_windows()

    def separate(self) -> None:
        lm.separate(self.workers, self.firms, self.scenario, self.k, self.luck,
                    self.demand.gap(self.month), self._targets(), self.month, self.rec, self.tightness)

    def progress_training(self) -> None:
        p, pt, rec, sc = self.workers, self.providers, self.rec, self.scenario
        dropped, done = tr.progress(p, pt, self.scenario, self.k, self.luck, self.fund_active)
        kind, payer = p.prog_kind, p.prog_payer
        rec.count("dropouts", dropped)
        rec.count("fund_dropouts", dropped[payer[dropped] == PAYER_FUND])
        rec.count("fund_completions", done[payer[done] == PAYER_FUND])
        rec.count("completions", done)
        rec.count("training_exits", np.concatenate([dropped, done]))
        appr_drop = dropped[kind[dropped] == PROG_APPRENTICESHIP]
        rec.count("apprenticeship_dropouts", appr_drop)
        p.leave_job(appr_drop)
        p.status[dropped[kind[dropped] != PROG_INCUMBENT]] = UNEMPLOYED
        p.contract_price[dropped] = 0
        p.clear_programme(dropped)
        p.earn_credential(done)
        p.record_linkage(done, self.luck.at("linkage", done) < self.scenario.careers.fund_linked_share)
        np.add.at(pt.completions, p.prog_provider[done], 1)
        self._pay("monthly", done[payer[done] == PAYER_FUND])  # the final month's instalment
        self._pay("completion", done)
        course = done[kind[done] == PROG_COURSE]
        appr = done[kind[done] == PROG_APPRENTICESHIP]
        rec.count("apprenticeship_completions", appr)
        self.graduated = (appr, p.prog_firm[appr].copy())  # and their training firms, for the accounts
        inc = done[kind[done] == PROG_INCUMBENT]
        fund_course = course[payer[course] == PAYER_FUND]
        fund_appr = appr[payer[appr] == PAYER_FUND]
        for who in (fund_course, fund_appr):
            np.add.at(pt.window_completers, p.prog_provider[who], 1)
            np.add.at(pt.fund_completions, p.prog_provider[who], 1)
        p.job_level[inc] = np.maximum(p.job_level[inc], np.minimum(p.rung[inc], 3))  # promotion
        p.status[course] = UNEMPLOYED
        p.await_until[course] = self.month + self.scenario.training.placement_window_months
        p.externed[course] = False
        # Each host decides whether to keep its graduate (firms.keep_chance); the others look for work.
        growth = fm.demand_outlook(self.demand.index, self.month, sc.careers.graduate_outlook_months)
        keep = fm.keep_chance(self.scenario, self.firms, p.employer[appr], p.job_level[appr].astype(np.int64),
                              self.k.level_shares, self.k.portability, self.k.quit_mult, growth)
        released = appr[self.luck.at("graduate_keeps", appr) >= keep]
        rec.count("apprenticeship_graduates_released", released)
        p.status[appr] = EMPLOYED
        p.leave_job(released)
        p.status[released] = UNEMPLOYED
        p.await_until[released] = self.month + self.scenario.training.placement_window_months
        appr = appr[p.status[appr] == EMPLOYED]
        p.clear_programme(done)
        raised = np.concatenate([inc, appr])  # promoted incumbents and new journey-level staff
        p.wage[raised] = p.wage_at(self.k, raised)
        self._placed(appr, by_provider=False)  # the host firm, not the provider, found the job
        self._placed(tr.end_externships(p, self.firms, self.scenario, self.k, self.luck, self.month, rec))
        self._fund_completers = fund_course  # offered externships at this month's openings

    def post_vacancies(self) -> None:
        p, f = self.workers, self.firms
        held, head, seekers = kernels.posts_held(p.status, p.employer, p.ext_host, p.job_level, p.sector, f.n,
                                                 fm.N_LEVELS, self.k.n_sectors)
        fm.post_vacancies(f, held, head, self._targets(), self.k.level_shares)
        self.rec.by_sector("vacancies", self.tightness.observe(f, seekers, self.k.n_sectors))
        if self.fund_active:  # this month's fund completers take up openings as externs
            tr.start_externships(p, f, self.scenario, self.k, self.luck, self.streams["externships"],
                                 self._fund_completers, self.rec)

    def firms_decide(self, initial: bool = False) -> None:
        """Firms review membership (each firm its own decision, over the AgentSet) and set their
        own training; the fund's rollout starts or passes a stage review."""
        f, sc, k, fund, o = self.firms, self.scenario, self.k, self.fund, self.outlook
        # The grant a firm counts on: the nominal share (its tier's, for a typical trainee), scaled
        # by how much of last month's claims the pool could pay (a capped budget spread over many
        # claims pays each one less).
        share = sc.fund.grants.firm_share(sc.fund.incumbent_grant_share, f.headcount, k.price)
        grant = share * fund.grant_fill if fund is not None else 0.0
        if fund is not None and fund.accounts is not None:
            member_grant = np.where(fund.accounts.balances() > 0, 1.0, grant)
        else:
            member_grant = np.full(f.n, grant)
        review = initial or self.month % sc.firms.membership_review_months == 0
        if fund is not None and review:
            seats = np.bincount(self.providers.sector, weights=self.providers.capacity,
                                minlength=k.n_sectors)
            fm.expect_benefits(sc, f, o, member_grant, fm.pipeline_hires_per_vacancy(sc, f, seats),
                               k.base_wage, initial)
            f.contribution_recent = fund_flows.potential_contributions(fund, sc, self.workers, f)
        if fund is None:
            f.member[:] = False
        elif sc.fund.membership == "compulsory":
            f.member[:] = f.eligible
        elif review:
            self.agents_by_type[FirmAgent].do("review_membership", sc.firms.membership_hurdle)
        subsidy = np.where(f.member & (self.fund_active and not initial), member_grant, 0.0)
        pull = None if fund is None or initial else fund_flows.training_pull(fund, sc, self.workers, f)
        fm.decide_training(sc, f, o, subsidy, pull)
        self.host_pull = None if pull is None else pull.per_apprentice_month
        if initial:
            rollout.start(sc, fund, f)
        elif fund is not None and self.fund_active and rollout.review_due(sc, self.month):
            stage = sc.rollout.stage_months
            window = slice(max(0, self.month - 1 - stage), self.month - 1)
            data = self.rec.data[window, :, -1, -1]
            rollout.review(sc, fund, f, self.month, data[:, INDEX["fund_placements"]].sum(),
                           data[:, INDEX["fund_placement_exits"]].sum())

    def train_incumbents(self) -> None:
        seats = tr.train_incumbents(self.workers, self.providers, self.k, self.luck,
                                    self.streams["incumbents"], self.firms.training_rate, self.month,
                                    self.rec)
        # A member's staff upskilled while the fund pays grants: the impact table follows them.
        if len(seats.idx) and self.fund_active and (self.scenario.fund.incumbent_grant_share > 0
                                                    or self.fund.accounts is not None):
            self.workers.upskilled[seats.idx[self.firms.member[self.workers.employer[seats.idx]]]] = True
        if len(seats.idx):
            fund_flows.pay_incumbent_training(self.ledger, self.month, self.fund, self.fund_active,
                                              self.workers, self.firms, self.providers, seats.idx,
                                              seats.provider, seats.price)

    def move_between_jobs(self) -> None:
        lm.promote(self.workers, self.firms, self.scenario, self.k, self.luck)  # openings go inside first
        lm.job_to_job(self.workers, self.firms, self.scenario, self.k, self.luck, self.demand.gap(self.month),
                      self.poaching, self.rec, self.tightness)

    def fund_collects(self) -> None:
        if self.fund is not None:
            draws = any(rule.needs_firm_luck for rule in self.scenario.fund.contributions)
            luck = self.streams.monthly("training_plans", self.month, self.firms.n) if draws else None
            fund_flows.collect(self.fund, self.scenario, self.workers, self.firms, luck)
            fund_flows.award_discretionary(self.fund, self.scenario, self.providers)
        self.firms.coinvest_cost[:] = 0.0  # charged; start accruing next month's
        self.firms.account_paid = np.zeros(self.firms.n)

    def fund_pays(self) -> None:
        if self.fund is not None:
            self.grant_seats = fund_flows.pay_obligations(self.fund, self.scenario, self.workers, self.firms,
                                                          self.providers, self.fund_active)

    def admit_trainees(self) -> None:
        p, sc, k, fund = self.workers, self.scenario, self.k, self.fund
        applicants, self_ok = tr.apply_for_training(p, sc, k, self.luck, self.month, self.fund_active)
        budget = np.zeros(k.n_sectors)
        if fund is not None and self.phase != "system_development":
            budget = fund_flows.budget_by_sector(fund, sc, p, self.firms, self.downturn, k.n_sectors)
        share = sc.fund.incumbent_budget_share
        if fund is not None:
            fund.grant_budget = float(budget.sum()) * share if self.fund_active else 0.0
        fund_seats, own_seats = tr.admit(
            p, self.providers, sc, k, self.streams["admission"], applicants, self_ok,
            budget * (1 - share) if self.fund_active else budget * 0, self.month, self.fund_active,
            lambda idx: fund_flows.support_cost(sc, p, idx), self._finance())
        if fund_seats is not None:
            self._start_fund_courses(fund_seats)
        self._start_courses(own_seats, PAYER_SELF)
        cover = sc.careers.outside_tuition_cover  # the rest of self-paid tuition: other public programmes
        self.tuition_paid += fund_flows.pay_tuition(self.ledger, self.month, self.providers,
                                                    own_seats.provider, own_seats.price * (1.0 - cover))
        self.outside_paid += receive_outside_grants(self.providers, self.ledger, self.month,
                                                    own_seats.provider, own_seats.price * cover)
        if fund is not None and self.phase == "programme_design":
            seat_cost = float(k.price.mean() + k.months.mean() * sc.providers.planned_support_monthly)
            plan_capacity(self.providers, budget, seat_cost)  # providers ramp up toward the budget
        adjust_capacity(self.providers, sc, self.grant_seats)
        self.grant_seats = np.zeros(self.providers.n)

    def match_job_seekers(self) -> None:
        hired = lm.match(self.workers, self.firms, self.scenario, self.k, self.luck, self.month)
        if len(hired):
            self._placed(hired[self.workers.await_until[hired] >= self.month])
            self.rec.count("hires", hired)

    def update_wages(self) -> None:
        stipend = self.scenario.training.stipend_monthly if self.fund_active else 0.0
        c = self.scenario.careers
        # Wages move first (experience, skills used or idle), then are paid: the pay bill and the
        # per-job wages the levy bases read (close_pay_period) are one snapshot, of one pass.
        self.firms.payroll, employer, wage = self.workers.work_month(
            self.k, c.credential_lapse_months, stipend, self.firms.n, c.part_time_work_share,
            c.part_time_earnings_share)
        self.firms.close_pay_period(employer, wage, self.k.contractor_share, self.month)

    def review_providers(self) -> None:
        rules = self.scenario.providers
        if self.fund_active and self.month % rules.review_months == 0:
            self.agents_by_type[ProviderAgent].do("review", rules, self.month)

    def close_month(self) -> None:
        if self.fund is not None:
            self.fund.close_month()
        measure.record_month(self.rec, self.workers, self.firms, self.providers, self.fund, self.demand,
                             self.scenario, self.k, self.month, self.graduated)

    def surplus(self) -> np.ndarray:
        """Each firm's surplus this month ($), for the comparison with the no-fund twin."""
        return measure.firm_surplus(self.workers, self.firms, self.scenario, self.k)

    # -- routing between owners ----------------------------------------------------------
    def _targets(self) -> np.ndarray:
        """Head count each firm wants this month: its size scaled by its sector's demand."""
        rel = self.demand.index[self.month] / self.demand.index[0]
        return self.firms.size0 * rel[self.firms.sector]

    def _pay(self, trigger: str, idx: np.ndarray) -> None:
        if self.fund is not None and len(idx):
            payouts.pay_trigger(self.fund, self.workers, self.providers, trigger, idx)

    def _traits(self, n: int) -> np.ndarray:
        """Each person's mask of further groups: one counter-based draw per group, keyed by its
        name (so adding or reordering groups moves no one's other draws)."""
        mask = np.zeros(n, dtype=np.uint32)
        for t in self.scenario.traits:
            u = self.streams.monthly("traits", zlib.crc32(t.name.encode()), n)
            mask[u < t.share] |= np.uint32(trait_bit(t.name))
        return mask

    def _finance(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
        """The admission's financing hook (which candidates investors finance), or None."""
        book = self.fund.investors if self.fund is not None and self.fund_active else None
        if book is None:
            return None
        return lambda idx, value: book.pick(self.workers, idx, value, self.month)

    def _start_courses(self, seats: tr.Seats, payer: int) -> None:
        if len(seats.idx):
            tr.start_course(self.workers, self.firms, self.providers, self.scenario, self.k, seats, payer,
                            self.month, self.rec)

    def _start_fund_courses(self, seats: tr.Seats) -> None:
        """Fund seats: a share are drawn to be apprenticeships and look for a host; the course
        starts, the fund contracts with the provider, those hosted become apprenticeships, and the
        start tranche is paid."""
        if len(seats.idx) == 0:
            return
        willing = self._apprentice_hosts()
        drawn, hired, hosts = tr.place_apprentices(self.workers, self.firms, self.scenario, self.k,
                                                   self.streams["apprentices"], seats.idx, seats.rung,
                                                   willing)
        if self.scenario.training.unhosted_apprenticeships == "not_funded":
            # funding follows an employer's hire: a start drawn to be an apprenticeship that found
            # no host is not bought (the applicant is not seated this month)
            seats = seats[~np.isin(seats.idx, np.setdiff1d(drawn, hired))]
            if len(seats.idx) == 0:
                return
        self._start_courses(seats, PAYER_FUND)
        np.add.at(self.fund.starts_cost_now, seats.rung - 1, seats.price)
        tr.open_contracts(self.workers, seats, self.rec)
        if seats.financed is not None and self.fund.investors is not None:
            self.fund.investors.open(self.workers, seats.idx[seats.financed], self.month)
        tr.start_apprenticeships(self.workers, self.scenario, self.k, hired, hosts, self.rec)
        share = self.scenario.training.no_credential_share
        if share > 0:  # some fund courses give no credential (counter-based luck: twins share it)
            p = self.workers
            course = seats.idx[p.prog_kind[seats.idx] == PROG_COURSE]
            p.prog_credential[course[self.luck.at("credential", course) < share]] = False
        self._pay("start", seats.idx)

    def _apprentice_hosts(self) -> np.ndarray | None:
        """Firms that want an apprentice this month (each firm's own draw against its chance)."""
        sc, k = self.scenario, self.k
        if sc.training.apprenticeship_share <= 0:
            return None
        growth = fm.demand_outlook(self.demand.index, self.month, sc.training.apprenticeship_months)
        # what the money-in rules pay or save per month hosted, in months of the sector's wage
        host = None if self.host_pull is None else self.host_pull / k.base_wage[self.firms.sector]
        chance = fm.apprentice_acceptance(sc, self.firms, k.portability, k.quit_mult, growth,
                                          sc.fund.apprentice_wage_subsidy, host)
        return self.streams["apprentice_offers"].random(self.firms.n) < chance

    def _expire_placement_windows(self) -> None:
        p = self.workers
        gone = np.flatnonzero((p.await_until >= 0) & (p.await_until < self.month))
        self._count_exits(gone)
        p.await_until[gone] = -1
        p.contract_price[gone[p.placed_month[gone] < 0]] = 0

    def _count_exits(self, idx: np.ndarray) -> None:
        p = self.workers
        self.rec.count("placement_exits", idx)
        self.rec.count("nonextern_exits", idx[~p.externed[idx]])
        self.rec.count("fund_placement_exits", idx[p.contract_price[idx] > 0])

    def _placed(self, idx: np.ndarray, by_provider: bool = True) -> None:
        """A completer (or apprentice, or extern) hired: a placement, with its tranche. A job
        found through the provider has its placement quality (sim.engine.providers)."""
        if len(idx) == 0:
            return
        p = self.workers
        if by_provider:
            via = idx[p.prog_provider[idx] >= 0]
            p.take_placement(via, *placement_quality(self.providers, self.scenario, p.prog_provider[via]))
        self._count_exits(idx)
        self.rec.count("placements", idx)
        self.rec.count("nonextern_placements", idx[~p.externed[idx]])
        fund = idx[p.contract_price[idx] > 0]
        self.rec.count("fund_placements", fund)
        p.placed_month[idx] = self.month
        p.await_until[idx] = -1
        p.prior_wage[idx] = np.where(p.prior_wage[idx] > 0, p.prior_wage[idx], 0.0)
        prov = p.contract_provider[fund]
        np.add.at(self.providers.placements, prov, 1)
        np.add.at(self.providers.window_placements, prov, 1)
        self._pay("placement", fund)
        if self.k.last_outcome_month == 0:
            p.contract_price[fund] = 0

    # -- setup -------------------------------------------------------------------------
    def _place_initial_workers(self) -> fm.FirmTable:
        """Create firms and give each employed person an employer in their sector, in
        proportion to firm size (the `firms` stream)."""
        p, sc, k = self.workers, self.scenario, self.k
        employed = np.flatnonzero(p.status == EMPLOYED)
        by_sector = np.bincount(p.sector[employed], minlength=k.n_sectors)
        f = new_firms(sc, by_sector, self.streams["firms"])
        rng = self.streams["firms"]
        for s in range(k.n_sectors):
            firms = np.flatnonzero(f.sector == s)
            people = employed[p.sector[employed] == s]
            w = f.size0[firms] / f.size0[firms].sum()
            p.employer[people] = firms[np.minimum(np.searchsorted(np.cumsum(w), rng.random(len(people))),
                                                  len(firms) - 1)]
        p.wage[employed] = p.wage_at(k, employed)
        p.earnings[employed] = p.wage[employed]
        on = p.on_payroll()
        f.headcount = np.bincount(p.employer[on], minlength=f.n)
        f.payroll = np.bincount(p.employer[employed], weights=p.wage[employed], minlength=f.n)
        self.firms = f
        self._close_pay_period()
        return f

    def _close_pay_period(self) -> None:
        """The firms record who was on this month's pay bill: the levy bases next month."""
        p = self.workers
        employer, wage = p.paid_jobs()
        self.firms.close_pay_period(employer, wage, self.k.contractor_share, self.month)

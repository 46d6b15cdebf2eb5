"""Bookkeeping verbs the model's phases share: per-person monthly luck, placements, payments
that touch several parties, apprenticeships, and recording the month's outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import fund_flows
from sim.agents.firms import SIZE_CLASS_EDGES
from sim.economy import labour_market as lm
from sim.ledger import FIRM, PROVIDER, WORKERS, account
from sim.population import (
    APPRENTICE,
    EMPLOYED,
    EXTERNSHIP,
    OUT_OF_LF,
    PAYER_FUND,
    PROG_APPRENTICESHIP,
    TRAINED_BY_FUND,
    TRAINING,
    UNEMPLOYED,
)
from sim.rules.contributions import to_cents

if TYPE_CHECKING:
    from sim.model import FundModel

FUND_ROW, SELF_ROW = 5, 6  # poaching matrix rows after the five firm size classes


class MonthlyBookkeeping:
    def draw(self: FundModel, name: str) -> np.ndarray:
        """Person i's uniform draw for process `name` this month (common random numbers)."""
        u = self._u.get(name)
        if u is None:
            u = self._u[name] = self.streams.monthly(name, self.month, self.pop.n)
        return u

    def candidates(self: FundModel, name: str, p_max: float) -> np.ndarray:
        """People whose draw for `name` is below the highest probability anyone faces this
        month: only they can have an event, so rules need look at no one else. Decisions are
        exactly those of checking everybody; it is just fewer rows."""
        return np.flatnonzero(self.draw(name) < p_max)

    def _reset_month_totals(self: FundModel) -> None:
        f = getattr(self, "firm_table", None)
        self.firm_turnover = np.zeros(f.n if f is not None else 0)  # $ per firm this month
        self.tuition_paid = 0.0  # $ workers paid providers themselves this month
        self._starts_cost_now = np.zeros(3)
        if not hasattr(self, "rollout_log"):
            self.rollout_log: list[tuple[int, float, bool]] = []
        f = getattr(self, "firm_table", None)
        if f is not None:
            f.own_training_spend = np.zeros(f.n)

    @property
    def fund_member_view(self: FundModel) -> np.ndarray:
        return self.firm_table.member

    # -- placements ----------------------------------------------------------------------
    def expire_placement_windows(self: FundModel) -> None:
        p = self.pop
        gone = np.flatnonzero((p.await_until >= 0) & (p.await_until < self.month))
        self._count_exit(gone)
        p.await_until[gone] = -1
        p.contract_price[gone[p.placed_month[gone] < 0]] = 0

    def _count_exit(self: FundModel, idx: np.ndarray) -> None:
        p = self.pop
        self.rec.count("placement_exits", idx)
        self.rec.count("nonextern_exits", idx[~p.externed[idx]])
        self.rec.count("fund_placement_exits", idx[p.contract_price[idx] > 0])

    def on_hired(self: FundModel, hired: np.ndarray) -> None:
        p = self.pop
        self.placement(hired[p.await_until[hired] >= self.month])

    def placement(self: FundModel, idx: np.ndarray) -> None:
        """A completer (or apprentice, or extern) hired: a placement, with its tranche."""
        if len(idx) == 0:
            return
        p = self.pop
        self._count_exit(idx)
        self.rec.count("placements", idx)
        self.rec.count("nonextern_placements", idx[~p.externed[idx]])
        fund = idx[p.contract_price[idx] > 0]
        self.rec.count("fund_placements", fund)
        p.placed_month[idx] = self.month
        p.await_until[idx] = -1
        p.prior_wage[idx] = np.where(p.prior_wage[idx] > 0, p.prior_wage[idx], 0.0)
        prov = p.contract_provider[fund]
        np.add.at(self.provider_table.placements, prov, 1)
        np.add.at(self.provider_table.window_placements, prov, 1)
        self.pay_contract_trigger("placement", fund)
        if self.k.last_outcome_month == 0:
            p.contract_price[fund] = 0

    # -- payments that involve several parties --------------------------------------------
    def pay_contract_trigger(self: FundModel, trigger: str, idx: np.ndarray) -> None:
        if self.fund is not None and len(idx):
            fund_flows.pay_trigger(self, trigger, idx)

    def pay_tuition(self: FundModel, idx: np.ndarray, provider: np.ndarray, price: np.ndarray) -> None:
        per = np.bincount(provider, weights=price, minlength=self.provider_table.n)
        self.tuition_paid += float(per.sum())
        payees = np.flatnonzero(per)
        self.ledger.record(self.month, account(WORKERS), account(PROVIDER, payees), "tuition",
                           to_cents(per[payees]))

    def pay_incumbent_training(self: FundModel, idx: np.ndarray, provider: np.ndarray,
                               price: np.ndarray) -> None:
        """The firm pays the provider; a member firm gets a fund grant back (from its own levy
        account first, where accounts are kept)."""
        p, f, sc = self.pop, self.firm_table, self.scenario
        firm = p.employer[idx]
        P = self.provider_table.n
        pair = np.bincount(firm * P + provider, weights=price, minlength=f.n * P)
        nz = np.flatnonzero(pair)
        self.ledger.record(self.month, account(FIRM, nz // P), account(PROVIDER, nz % P), "own_training",
                           to_cents(pair[nz]))
        spend = np.bincount(firm, weights=price, minlength=f.n)
        f.own_training_spend += spend
        if not self.fund_active:
            return
        spend = np.where(f.member, spend, 0.0)
        grant = np.zeros(f.n)
        if self.fund.accounts is not None:
            grant += self.fund.accounts.spend(to_cents(spend)) / 100.0
        pooled = (spend - grant) * sc.fund.incumbent_grant_share
        asked = float(pooled.sum())
        if asked > self.grant_budget:  # the pool pays grants only within its budget
            pooled *= self.grant_budget / asked
        if asked > 0:  # firms learn what share of a claim the pool really pays
            self.grant_fill = min(1.0, self.grant_budget / asked)
        grant += pooled
        f.coinvest_cost += grant
        cents = to_cents(grant)
        payees = np.flatnonzero(cents > 0)
        if len(payees):
            self.fund.pay(account(FIRM, payees), cents[payees], "incumbent_grant", "employers")

    def support_cost(self: FundModel, idx: np.ndarray) -> np.ndarray:
        sc, p = self.scenario, self.pop
        sup = sc.fund.supports
        return (sc.training.stipend_monthly + p.childcare[idx] * sup.childcare_monthly
                + p.transport[idx] * sup.transport_monthly)

    def start_apprenticeships(self: FundModel, idx: np.ndarray) -> None:
        """Turn fund starts into paid apprenticeships at member firms with an opening at the
        level trained for; the apprenticeship is longer and paid."""
        p, f, tr = self.pop, self.firm_table, self.scenario.training
        rng = self.streams["apprentices"]
        for s in range(self.k.n_sectors):
            cand = idx[p.sector[idx] == s]
            for lvl in (1, 2, 3):
                here = cand[p.prog_rung[cand] == lvl]
                if len(here) == 0:
                    continue
                saved = f.vacancies.copy()
                f.vacancies[~f.member] = 0  # only members host apprentices
                hired, firms = lm.fill(self, here, s, lvl, len(here), rng)
                consumed = saved - np.where(f.member[:, None], f.vacancies, saved)
                f.vacancies = saved - consumed
                p.status[hired] = APPRENTICE
                p.employer[hired] = firms
                p.job_level[hired] = lvl
                p.tenure[hired] = 0
                p.prog_kind[hired] = PROG_APPRENTICESHIP
                p.prog_firm[hired] = firms
                p.prog_months[hired] = tr.apprenticeship_months
                p.prog_left[hired] = tr.apprenticeship_months
                p.wage[hired] = lm.wage_of(self, hired) * tr.apprentice_wage_share
                f.coinvest_cost += np.bincount(firms, weights=p.contract_price[hired] / 100.0,
                                               minlength=f.n)
                self.rec.count("apprenticeship_starts", hired)

    def record_poaching(self: FundModel, trained: np.ndarray, origin: np.ndarray, dest: np.ndarray) -> None:
        if len(trained) == 0:
            return
        p, f = self.pop, self.firm_table
        self.rec.count("poached_trained_workers", trained)
        np.add.at(f.lost_trained, origin, 1)
        by = p.trained_by[trained]
        edges = np.array(SIZE_CLASS_EDGES)
        trainer_class = np.searchsorted(edges, np.maximum(f.size0[np.maximum(by, 0)], 1), side="right")
        row = np.where(by >= 0, trainer_class, np.where(by == TRAINED_BY_FUND, FUND_ROW, SELF_ROW))
        col = np.searchsorted(edges, np.maximum(f.size0[dest], 1), side="right")
        np.add.at(self.poaching_matrix, (row, col), 1)

    def plan_capacity(self: FundModel, budget: np.ndarray) -> None:
        """During programme design, providers size up for the budget the fund announces."""
        pt, k = self.provider_table, self.k
        seats = budget / float(k.price.mean() + k.months.mean() * 200.0)
        per = np.bincount(pt.sector, minlength=k.n_sectors)
        planned = seats[pt.sector] / np.maximum(per[pt.sector], 1)
        if pt.demand_history:
            pt.demand_history[-1] = pt.demand_history[-1] + planned

    # -- the month's outcomes ---------------------------------------------------------------
    def record_month(self: FundModel) -> None:
        p, rec, f = self.pop, self.rec, self.firm_table
        st = p.status
        rec.count("unemployed", np.flatnonzero(st == UNEMPLOYED))
        rec.count("labour_force", np.flatnonzero(st != OUT_OF_LF))
        rec.count("employed", np.flatnonzero((st == EMPLOYED) | (st == APPRENTICE)))
        for months, name in ((6, "6m"), (12, "12m")):
            if self.month - months < 1:
                continue
            cohort = np.flatnonzero(p.placed_month == self.month - months)
            rec.count(f"retention_cohort_{name}", cohort)
            rec.count(f"retained_{name}", cohort[st[cohort] == EMPLOYED])
        part = p.participant
        rec.set_cells("median_wage_participants",
                      self._median_cells(np.flatnonzero(part & (st == EMPLOYED))))
        rec.count("hard_to_serve_enrolments", np.flatnonzero(
            (p.last_start == self.month) & part & (p.group == 1) & (p.prog_payer == PAYER_FUND)))
        rec.by_sector("skill_gap", np.bincount(f.sector, weights=f.vacancies[:, 1:].sum(axis=1),
                                               minlength=self.k.n_sectors).astype(float))
        pipeline = np.flatnonzero(((st == 2) & (p.prog_kind == 1)) | (st == 3))
        rec.count("training_pipeline", pipeline)
        # Forecast: skilled openings minus the pipeline's expected completers over six months.
        gap = np.bincount(f.sector, weights=f.vacancies[:, 1:].sum(axis=1), minlength=self.k.n_sectors)
        soon = pipeline[(st[pipeline] == 2) & (p.prog_left[pipeline] <= 6)]
        externs = pipeline[st[pipeline] == 3]  # already credentialed
        expected = (np.bincount(p.sector[soon], minlength=self.k.n_sectors)
                    * float(np.mean(self.scenario.training.base_completion))
                    + np.bincount(p.sector[externs], minlength=self.k.n_sectors))
        rec.by_sector("skill_gap_forecast", np.maximum(gap - expected, 0.0))
        idx = self.demand.index[self.month]
        rec.by_sector("demand_index", idx, total=float((idx * self.k.employment_share).sum()))
        rec.total("firms_in_fund", float(f.member.sum()))
        rec.total("free_rider_index", self._free_rider_index())
        rec.total("providers_eligible", float((self.provider_table.suspended_until < self.month).sum()))
        self.start_cost_by_rung = self._starts_cost_now
        fund = self.fund
        if fund is None:
            return
        rec.total("fund_balance", fund.balance / 100.0)
        rec.total("fund_liabilities", fund_flows.liabilities_cents(self) / 100.0)
        rec.total("fund_commitments", fund_flows.commitments_cents(self) / 100.0)
        for fam in ("employers", "public", "other"):
            rec.total(f"fund_income_{fam}", fund.income[fam] / 100.0)
        for fam in ("providers", "supports", "admin", "employers", "other"):
            rec.total(f"fund_spend_{fam}", fund.spend[fam] / 100.0)
        rec.total("fund_training_spend", (fund.spend["providers"] + fund.spend["supports"]) / 100.0)
        rec.total("fund_expired_account_funds", fund.expired_cents / 100.0)

    def _free_rider_index(self: FundModel) -> float:
        p, f = self.pop, self.firm_table
        trained = (p.trained_by >= 0) | (p.trained_by == TRAINED_BY_FUND)
        emp = np.flatnonzero((p.status == EMPLOYED) & trained)
        if len(emp) == 0:
            return float("nan")
        by, at = p.trained_by[emp], p.employer[emp]
        free = np.where(by >= 0, by != at, ~f.member[at])
        return float(free.mean())

    def _median_cells(self: FundModel, idx: np.ndarray) -> np.ndarray:
        rec, p = self.rec, self.pop
        out = np.full((rec.S + 1, rec.G + 1), np.nan)
        if len(idx) == 0:
            return out
        wage, s, g = p.wage[idx], p.sector[idx], p.group[idx]
        for si in range(rec.S + 1):
            ms = (s == si) if si < rec.S else np.ones(len(idx), bool)
            for gi in range(rec.G + 1):
                mask = ms & ((g == gi) if gi < rec.G else True)
                if mask.any():
                    out[si, gi] = float(np.median(wage[mask]))
        return out

    def _firm_surplus(self: FundModel) -> np.ndarray:
        """Each firm's value added minus wages, turnover costs and own training spend ($).
        Externs work at (and are paid by) their host, like apprentices at half output."""
        p, k, sc = self.pop, self.k, self.scenario
        on = np.flatnonzero((p.status == EMPLOYED) | (p.status == APPRENTICE) | (p.status == EXTERNSHIP))
        firm = np.where(p.status[on] == EXTERNSHIP, p.ext_host[on], p.employer[on])
        # Output of a basic job is wage / labour share; skill adds productivity_to_wage_gain
        # times its wage premium (so the firm keeps about half: Dearden et al. 2006). Skill
        # counts as well as the job: the premium is the mean of the job level's and the
        # credential's, so training raises output even in the same job.
        prem = 0.5 * (k.prem[p.job_level[on]] + k.prem[np.minimum(p.rung[on], 3)])
        prod = (k.base_wage_f[p.sector[on]] * p.wage_effect[on] * k.tenure_growth[p.tenure[on]]
                * (1.0 / sc.firms.labour_share + sc.firms.productivity_to_wage_gain * prem))
        prod = np.where(p.status[on] == EMPLOYED, prod, 0.5 * prod)
        f = self.firm_table
        net = np.bincount(firm, weights=prod.astype(np.float64) - p.wage[on], minlength=f.n)
        return net - self.firm_turnover - f.own_training_spend

    def compare_with(self: FundModel, twin: FundModel) -> None:
        """Counterfactual outcomes: the same people and shocks with no fund (common random
        numbers), compared month by month."""
        rec, p, sc = self.rec, self.pop, self.scenario
        gain = self._firm_surplus() - twin._firm_surplus()  # per firm: same firms in both runs
        self.firm_gain += gain
        part = np.flatnonzero(p.participant)
        rec.count("participant_months", part)
        diff = (p.earnings[part] - twin.pop.earnings[part]).astype(np.float64)
        rec.count("earnings_diff_participants", part, weights=diff)
        # Lock-in: the gap while in full-time training, then the gain once out of it.
        training = p.status[part] == TRAINING
        rec.count("trainee_months", part[training])
        rec.count("earnings_diff_in_training", part[training], weights=diff[training])
        rec.count("former_trainee_months", part[~training])
        rec.count("earnings_diff_after_training", part[~training], weights=diff[~training])
        # Year 2 after the first fund start, as MDRC measures sector programmes (calibration CAL09).
        first = self.first_fund_month
        first[part[first[part] < 0]] = self.month
        yr2 = part[(self.month - first[part]) // 12 == 1]
        rec.count("earnings_diff_year2", yr2,
                  weights=(p.earnings[yr2] - twin.pop.earnings[yr2]).astype(np.float64))
        rec.count("cf_earnings_year2", yr2, weights=twin.pop.earnings[yr2].astype(np.float64))
        fund = self.fund
        to_firms = fund.spend["employers"] / 100.0 if fund is not None else 0.0
        from_firms = fund.income["employers"] / 100.0 if fund is not None else 0.0
        firms = float(gain.sum()) + to_firms - from_firms
        rec.total("employer_net_gain", firms)
        lab = sc.labour
        public_in = fund.income["public"] / 100.0 if fund is not None else 0.0
        earn = float(p.earnings.sum(dtype=np.float64)) - float(twin.pop.earnings.sum(dtype=np.float64))
        jobless = int((twin.pop.status == UNEMPLOYED).sum()) - int((p.status == UNEMPLOYED).sum())
        public = lab.tax_rate * earn + lab.unemployment_benefit_monthly * jobless - public_in
        rec.total("public_net_gain", public)
        # Total surplus: each party's gain once, transfers between them cancel. Workers keep
        # earnings after tax and lose benefits and tuition; a public dollar costs the economy
        # the marginal cost of public funds; the fund's own net (income - spending) counts, so
        # admin and real training costs are costs and grants are transfers. Providers are paid
        # their cost (they break even), so nothing is counted for them.
        workers = ((1.0 - lab.tax_rate) * earn - lab.unemployment_benefit_monthly * jobless
                   - (self.tuition_paid - twin.tuition_paid))
        fund_net = (sum(fund.income.values()) - sum(fund.spend.values())) / 100.0 if fund is not None else 0.0
        rec.total("total_surplus_change",
                  workers + firms + lab.marginal_cost_of_public_funds * public + fund_net)

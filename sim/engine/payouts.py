"""Money out to providers and employers, and who pays which part: the schedule's tranches by
trigger (start, monthly, completion, placement), the checks after a placement (retention, wage
gain, recurring outcomes, clawback) and after a start (incentives), and the split of each
provider payment between the fund, investors (social finance), a third party (e.g. public
vocational schools) and a firm's levy account; grants and subsidies to firms within their
annual caps. Each function is handed the tables it reads and changes; rule-specific behaviour
lives in the rule classes (sim.rules.payments, sim.rules.grants, sim.rules.social_finance)."""

from __future__ import annotations

import numpy as np

from sim.engine.firms import FirmTable
from sim.engine.fund import FundAgent
from sim.engine.providers import ProviderTable
from sim.engine.workers import (
    APPRENTICE,
    EMPLOYED,
    PROG_APPRENTICESHIP,
    PROG_INCUMBENT,
    Population,
)
from sim.ledger import FIRM, PROVIDER, PUBLIC, account, to_cents
from sim.rules.payments import PaymentEvent
from sim.scenario.schema import Scenario


# -- providers ------------------------------------------------------------------------------
def pay_by_provider(fund: FundAgent, pt: ProviderTable, provider: np.ndarray, cents: np.ndarray,
                    category: str) -> np.ndarray:
    """Aggregate per-participant amounts to one ledger row per provider, and pay them."""
    per = np.rint(np.bincount(provider, weights=cents.astype(np.float64), minlength=pt.n)).astype(np.int64)
    payees = np.flatnonzero(per)
    if len(payees) == 0:
        return per
    paid = fund.pay(account(PROVIDER, payees), per[payees], category, "providers")
    pt.revenue_cents[payees] += paid
    return per


def pay_providers(fund: FundAgent, p: Population, pt: ProviderTable, idx: np.ndarray, cents: np.ndarray,
                  category: str, price: bool = True) -> None:
    """Pay the tranches `cents` due for people `idx`: investors pay their part of financed
    contracts straight to the provider, the fund the rest. `price`: the tranches are part of
    the training's price (an incentive on top of it is not: no levy account pays it and no
    employer co-invests in it)."""
    third = fund.rules.payments.third_party_share_apprenticeships
    if third > 0:  # e.g. public vocational schools pay their part of apprentices' training
        appr = p.prog_kind[idx] == PROG_APPRENTICESHIP
        theirs = np.where(appr, np.floor(cents * third), 0).astype(np.int64)
        per = np.rint(np.bincount(p.contract_provider[idx], weights=theirs.astype(np.float64),
                                  minlength=pt.n)).astype(np.int64)
        payees = np.flatnonzero(per)
        fund.ledger.record(fund.month, account(PUBLIC), account(PROVIDER, payees),
                           "third_party_provider_payment", per[payees])
        pt.revenue_cents[payees] += per[payees]
        cents = cents - theirs
    if price:
        record_host_training(fund, p, idx, cents)
    book = fund.investors
    if book is None:
        pay_by_provider(fund, pt, p.contract_provider[idx], cents, category)
        return
    theirs = book.investor_part(p, idx, cents)
    book.pay_providers(fund.ledger, fund.month, p.contract_provider[idx], theirs, pt.revenue_cents)
    pay_by_provider(fund, pt, p.contract_provider[idx], cents - theirs, category)


def record_host_training(fund: FundAgent, p: Population, idx: np.ndarray, cents: np.ndarray) -> None:
    """Apprentices' training price paid this month, by host firm: the host's levy account pays
    it first where accounts pay apprenticeships (the money is already in the fund's balance, so
    the account is debited and the pool keeps its own money); co-investment then reads what
    each host's apprentices cost and what its account did not pay (CoInvestment)."""
    appr = (p.prog_kind[idx] == PROG_APPRENTICESHIP) & (p.prog_firm[idx] >= 0) & ~p.contract_financed[idx]
    if not appr.any():
        return
    n_firms = len(fund.host_paid)
    per = np.rint(np.bincount(p.prog_firm[idx][appr], weights=cents[appr].astype(np.float64),
                              minlength=n_firms)).astype(np.int64)
    fund.host_paid += per
    if fund.accounts is not None and fund.rules.grants.account_pays_apprenticeships:
        fund.host_account_paid += fund.accounts.spend(per)


def fund_part(fund: FundAgent, p: Population, idx: np.ndarray) -> np.ndarray | float:
    """Share of what contracts of people `idx` still cost that falls on the fund (investors pay
    the rest of a financed contract)."""
    part = np.ones(len(idx))
    third = fund.rules.payments.third_party_share_apprenticeships
    if third > 0:
        part = np.where(p.prog_kind[idx] == PROG_APPRENTICESHIP, 1.0 - third, part)
    if fund.investors is not None:
        theirs = fund.investors.rule.share_at(p.contract_start[idx])
        part = np.where(p.contract_financed[idx], part * (1.0 - theirs), part)
    return part


def pay_trigger(fund: FundAgent, p: Population, pt: ProviderTable, trigger: str, idx: np.ndarray) -> None:
    """Pay the schedule's rules for `trigger` for participants `idx` (open fund contracts)."""
    idx = idx[p.contract_price[idx] > 0]
    if len(idx) == 0:
        return
    ev = PaymentEvent(price_cents=p.contract_price[idx], months=p.prog_months[idx].astype(np.int64),
                      group=p.group[idx], age=start_age(p, idx), traits=p.traits[idx],
                      start=p.contract_start[idx])
    for rule in fund.rules.payments.by_trigger(trigger):
        due = rule.due(ev)
        pay_providers(fund, p, pt, idx, due, rule.category)
        p.contract_paid[idx] += due
        if trigger == "placement":
            p.placement_paid[idx] += due


def start_age(p: Population, idx: np.ndarray) -> np.ndarray:
    """Age in whole years at the start of the fund's contract (what tranches for an age band read)."""
    return p.age_years(p.last_start[idx].astype(np.int32), idx)


def retention_checks(fund: FundAgent, p: Population, pt: ProviderTable) -> None:
    """Retention tranches, wage-gain bonuses and recurring outcome payments fall due; clawback
    when the person has gone. First, anyone placed but not employed this month loses the
    continuous-employment condition (`kept_job`) for the rest of the contract."""
    sched = fund.rules.payments
    placed = np.flatnonzero((p.placed_month >= 0) & (p.contract_price > 0))
    if len(placed) == 0:
        return
    since = fund.month - p.placed_month[placed]
    employed = p.status[placed] == EMPLOYED
    p.kept_job[placed] &= employed
    for rule in sched.by_trigger("retention"):
        for offset in rule.month_offsets:
            due_now = placed[since == offset]
            if len(due_now) == 0:
                continue
            emp_now = p.status[due_now] == EMPLOYED
            gain = p.wage[due_now] / np.maximum(p.prior_wage[due_now], 1.0) - 1.0
            ev = PaymentEvent(price_cents=p.contract_price[due_now],
                              months=p.prog_months[due_now].astype(np.int64), retained=emp_now,
                              wage_gain=np.where(p.prior_wage[due_now] > 0, gain, np.inf),
                              continuous=p.kept_job[due_now], group=p.group[due_now],
                              age=start_age(p, due_now), traits=p.traits[due_now],
                              start=p.contract_start[due_now])
            cents = rule.due(ev)
            pay_providers(fund, p, pt, due_now, cents, rule.category)
            p.contract_paid[due_now] += cents
    claw = sched.clawback
    if claw.share > 0:
        hit = placed[(since == claw.month_offset) & ~employed]
        back = np.floor(p.placement_paid[hit] * claw.share).astype(np.int64)
        per = np.bincount(p.contract_provider[hit], weights=back, minlength=pt.n)
        payers = np.flatnonzero(per)
        if len(payers):
            cents = np.rint(per[payers]).astype(np.int64)
            fund.receive(account(PROVIDER, payers), cents, "clawback", "other")
            pt.revenue_cents[payers] -= cents
    done = placed[since >= sched.last_outcome_month()]
    p.contract_price[done] = 0


def pay_after_start(fund: FundAgent, p: Population, pt: ProviderTable) -> None:
    """Payments due some days after the start to participants' providers or employers, for
    contracts still open (no dropout)."""
    rules = fund.rules.payments.by_trigger("after_start")
    if not rules:
        return
    open_ = np.flatnonzero(p.contract_price > 0)
    since = fund.month - p.contract_start[open_]
    for rule in rules:
        due_now = open_[since == rule.month_offset]
        if len(due_now) == 0:
            continue
        ev = PaymentEvent(price_cents=p.contract_price[due_now],
                          months=p.prog_months[due_now].astype(np.int64), group=p.group[due_now],
                          age=start_age(p, due_now), traits=p.traits[due_now],
                          start=p.contract_start[due_now])
        cents = rule.due(ev)
        if rule.payee == "provider":
            pay_providers(fund, p, pt, due_now, cents, rule.category, price=False)
        else:  # the employer of an apprentice (or of anyone in work); no employer, no payment
            firm = p.employer[due_now]
            has = (firm >= 0) & ((p.status[due_now] == APPRENTICE) | (p.status[due_now] == EMPLOYED))
            cents = np.where(has, cents, 0)
            n_firms = len(fund.grant_cap.total)
            per = np.bincount(firm[has], weights=cents[has].astype(np.float64), minlength=n_firms)
            pay_firm_cents(fund, np.rint(per).astype(np.int64), rule.category)
        p.contract_paid[due_now] += cents


# -- employers -------------------------------------------------------------------------------
def at_school(p: Population, idx: np.ndarray, share: float) -> np.ndarray:
    """Whether this month of apprentices `idx`'s apprenticeship is a school month: month k
    (0-based, counted from the start) is one when floor((k + 1) s) > floor(k s), which spreads
    the share s of school months evenly."""
    k = (p.prog_months[idx] - p.prog_left[idx] - 1).astype(np.int64).clip(min=0)
    return np.floor((k + 1) * share + 1e-9) > np.floor(k * share + 1e-9)


def pay_training_hours(fund: FundAgent, sc: Scenario, p: Population, f: FirmTable) -> None:
    """Absentee payroll: member firms get `hourly_wage_subsidy` for each hour their staff spend
    in training they send them on, up to the hourly cap (and the firm cap) for the year."""
    g = sc.fund.grants
    if g.hourly_wage_subsidy <= 0:
        return
    # staff still on the payroll of the firm that sent them (a laid-off trainee's hours are not)
    inc = np.flatnonzero((p.prog_kind == PROG_INCUMBENT) & (p.prog_left > 0) & (p.employer == p.prog_firm)
                         & (p.employer >= 0))
    trainees = np.bincount(p.employer[inc], minlength=f.n) * f.member
    cents = to_cents(trainees * g.training_hours_monthly * g.hourly_wage_subsidy)
    cents = fund.grant_cap.trim(cents, fund.grant_cap.hourly, g.hourly_subsidy_cap_annual)
    pay_firm_cents(fund, cents, "training_wage_subsidy")


def pay_firms(fund: FundAgent, dollars: np.ndarray, category: str) -> np.ndarray:
    return pay_firm_cents(fund, to_cents(dollars), category)


def pay_firm_cents(fund: FundAgent, cents: np.ndarray, category: str) -> np.ndarray:
    """Pay firms their grants or subsidies (cents per firm), within each firm's annual cap."""
    cents = fund.grant_cap.trim(cents, fund.grant_cap.total, fund.rules.grants.firm_cap_annual)
    payees = np.flatnonzero(cents > 0)
    if len(payees) == 0:
        return cents * 0
    return fund.pay(account(FIRM, payees), cents[payees], category, "employers")

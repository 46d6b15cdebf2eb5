"""Every movement of money, top to bottom: what the fund collects under the money-in rules, what
it pays (arrears, instalments, supports and stipends, wage subsidies, outcome tranches and
clawbacks, capacity grants, interest, administration, grants for incumbent training), how much
it may newly commit (reserve policy and budget split), and the two flows that bypass it (tuition
people pay themselves, training firms buy). Every fund transfer goes through FundAgent.receive /
pay, which book the ledger and keep the balance. Each function is handed the tables it reads and
changes; rule-specific behaviour lives in the rule classes (sim.rules). The payments to
providers and employers themselves, and the split of each between payers, are in payouts.py."""

from __future__ import annotations

import numpy as np

from sim.engine import financing, kernels_training
from sim.engine.firms import FirmTable
from sim.engine.fund import FundAgent
from sim.engine.payouts import (
    at_school,
    fund_part,
    pay_after_start,
    pay_firms,
    pay_training_hours,
    pay_trigger,
    retention_checks,
    start_age,
)
from sim.engine.providers import ProviderTable
from sim.engine.workers import APPRENTICE, EMPLOYED, EXTERNSHIP, PAYER_FUND, TRAINING, Population
from sim.ledger import (
    ADMIN,
    BANK,
    EARMARK,
    FIRM,
    INVESTORS,
    PROVIDER,
    PUBLIC,
    WORKERS,
    Ledger,
    account,
    round_cents,
    to_cents,
)
from sim.rules.contributions import ContributionContext, Rule, TrainingPull
from sim.rules.reserves import ReserveContext
from sim.scenario.dated import at
from sim.scenario.schema import Scenario


# -- money in ---------------------------------------------------------------------------------
def contribution_context(fund: FundAgent, sc: Scenario, p: Population, f: FirmTable,
                         liable: np.ndarray) -> ContributionContext:
    trained = np.zeros(f.n)
    if any(rule.reads_training_share for rule in sc.fund.contributions):
        emp = np.flatnonzero((p.status == EMPLOYED) | (p.status == APPRENTICE))
        firm_of = p.employer[emp]
        recent = (fund.month - p.last_start[emp] < 12) & (
            (p.prog_firm[emp] == firm_of) | (p.trained_by[emp] == firm_of))
        trained = np.bincount(firm_of[recent], minlength=f.n)
    year_trainees, year_staff = None, None
    if any(rule.reads_training_stock for rule in sc.fund.contributions):
        year_trainees = f.year_trainee_months + p.trainees_by_firm(f.n)
        year_staff = f.year_staff_months + f.staff
    return ContributionContext(
        month=fund.month, headcount=f.headcount, payroll=f.payroll, capped_payroll=f.capped_payroll,
        liable=liable, own_training_spend=f.own_training_spend,
        trained_share_12m=trained / np.maximum(f.headcount, 1), expected_benefit=f.benefit_recent,
        coinvest_cost=f.coinvest_cost + fund.host_paid / 100.0, levy_paid_total=f.levy_paid_total,
        refunded_total=f.refunded_total, start_cost_by_rung=fund.start_cost_by_rung.copy(),
        module_months=sc.training.module_months, base_completion=sc.training.base_completion,
        staff=f.staff, contractor_payments=f.contractor_pay, staff_years=np.array(f.staff_years),
        payroll_years=np.array(f.payroll_years), account_paid=f.account_paid + fund.host_account_paid / 100.0,
        year_payroll=f.year_payroll + f.payroll,  # this assessment year's, this month included
        year_training_spend=f.year_training_spend + f.own_training_spend, lapsed_total=f.lapsed_total,
        plan_filed=f.plan_filed,
        spend_history=_with_this_month(f.spend_history, fund.month, f.own_training_spend),
        year_trainee_months=year_trainees, year_staff_months=year_staff,
    )


def _with_this_month(history: np.ndarray, month: int, spend: np.ndarray) -> np.ndarray:
    """The firms' last 12 months of own training spend (by month % 12), this month's in place."""
    out = history.copy()
    out[month % 12] = spend
    return out


def ordered_rules(sc: Scenario) -> list:
    # Levy refunds come after the levies (they read this month's levy); rules that read what
    # employers paid this month (public match, top-up) come last.
    return sorted(sc.fund.contributions, key=lambda r: (r.reads_employer_payments, r.refunds_levy))


def potential_contributions(fund: FundAgent, sc: Scenario, p: Population, f: FirmTable) -> np.ndarray:
    """What each firm would pay this month as a member ($), for membership decisions."""
    ctx = contribution_context(fund, sc, p, f, np.ones(f.n, dtype=bool))
    total = np.zeros(f.n)
    for rule in ordered_rules(sc):
        total += rule.collect(ctx).firm_cents / 100.0
    return total


def training_pull(fund: FundAgent, sc: Scenario, p: Population, f: FirmTable) -> TrainingPull | None:
    """What the money-in rules offer each member firm for training at its own cost (summed over
    rules; None when no rule offers anything), for the firms' training decision."""
    rules = [r for r in sc.fund.contributions if type(r).training_pull is not Rule.training_pull]
    if not rules:
        return None
    ctx = contribution_context(fund, sc, p, f, f.member.copy())
    zero = np.zeros(f.n)
    total = TrainingPull(free_spend=zero, subsidy=zero, per_trainee=zero)
    for rule in rules:
        got = rule.training_pull(ctx)
        if got is not None:
            host = total.per_apprentice_month
            if got.per_apprentice_month is not None:
                host = got.per_apprentice_month if host is None else host + got.per_apprentice_month
            total = TrainingPull(free_spend=total.free_spend + got.free_spend,
                                 subsidy=total.subsidy + got.subsidy,
                                 per_trainee=total.per_trainee + got.per_trainee,
                                 per_apprentice_month=host)
    return total


def collect(fund: FundAgent, sc: Scenario, p: Population, f: FirmTable,
            firm_luck: np.ndarray | None = None) -> None:
    """Apply the money-in rules in order. Positive amounts are firm -> fund; negative ones are
    refunds or bonuses fund -> firm; public money is public -> fund. `firm_luck`: the month's
    uniform per firm, for rules that draw (filing a training plan)."""
    ctx = contribution_context(fund, sc, p, f, f.member.copy())
    ctx.firm_luck = firm_luck
    firms = account(FIRM, np.arange(f.n))
    for rule in ordered_rules(sc):
        got = rule.collect(ctx)
        if got.lapsed_cents is not None:
            f.lapsed_total += got.lapsed_cents
            fund.lapsed_this_year += int(got.lapsed_cents.sum())
        if got.plans_filed is not None:
            f.plan_filed = got.plans_filed
        pos = np.maximum(got.firm_cents, 0)
        neg = np.maximum(-got.firm_cents, 0)
        if pos.any():
            fund.receive(firms[pos > 0], pos[pos > 0], rule.category, "employers")
            f.contributions_total += pos
            ctx.employer_cents += int(pos.sum())
            if rule.is_levy:
                f.levy_paid_total += pos
                ctx.levy_cents += int(pos.sum())
                ctx.levy_by_firm = ctx.levy_by_firm + pos
                if fund.accounts is not None:
                    fund.accounts.credit(pos)
        if neg.any():
            fund.pay(firms[neg > 0], neg[neg > 0], rule.refund_category, "employers")
            if rule.refunds_levy:  # all of it: what the fund cannot pay now is owed (arrears)
                f.refunded_total[neg > 0] += neg[neg > 0]
        if got.public_cents > 0:
            fund.receive(account(PUBLIC), got.public_cents, rule.category, "public")
            ctx.public_cents += got.public_cents
            if got.account_cents is not None and fund.accounts is not None:
                fund.accounts.credit(got.account_cents)  # the payer's own money, not the pool's
    route_earmarks(fund, sc, ctx.employer_cents, ctx.levy_cents, ctx.public_cents)
    fund.host_paid[:] = 0  # charged: start accruing the next collection's
    fund.host_account_paid[:] = 0
    f.spend_history = ctx.spend_history
    # the assessment year's running totals (annual assessment); a new year starts after month 12
    f.year_payroll, f.year_training_spend = (np.zeros(f.n), np.zeros(f.n)) if ctx.year_end else (
        ctx.year_payroll, ctx.year_training_spend)
    if any(rule.reads_training_stock for rule in sc.fund.contributions):  # the year's stock so far
        f.year_trainee_months, f.year_staff_months = (np.zeros((3, f.n)), np.zeros(f.n)) if ctx.year_end \
            else (ctx.year_trainee_months, ctx.year_staff_months)


def award_discretionary(fund: FundAgent, sc: Scenario, pt: ProviderTable) -> None:
    """At a year end, award the share of the year's lapsed levy entitlements to providers, split
    by their fund trainees' placements over the year (or placements per fund completer)."""
    if fund.month % 12 != 0:
        return
    if len(fund.placements_mark) != pt.n:
        fund.placements_mark = np.zeros(pt.n, dtype=np.int64)
        fund.completions_mark = np.zeros(pt.n, dtype=np.int64)
    placed = pt.placements - fund.placements_mark
    weight = placed.astype(np.float64)
    if sc.fund.discretionary.criterion == "placement_rate":
        weight = weight / np.maximum(pt.fund_completions - fund.completions_mark, 1)
    award = int(round_cents(at(sc.fund.discretionary.share, fund.month) * fund.lapsed_this_year))
    if award > 0 and weight.sum() > 0:
        cents = np.floor(award * weight / weight.sum()).astype(np.int64)  # the odd cents stay pooled
        payees = np.flatnonzero(cents)
        paid = fund.pay(account(PROVIDER, payees), cents[payees], "discretionary_grant", "providers")
        pt.revenue_cents[payees] += paid
    fund.placements_mark, fund.completions_mark = pt.placements.copy(), pt.fund_completions.copy()
    fund.lapsed_this_year = 0


def route_earmarks(fund: FundAgent, sc: Scenario, employer_cents: int, levy_cents: int,
                   public_cents: int) -> None:
    """Move each earmark's share of the month's income out of the pool to its own account."""
    base = {"employers": employer_cents, "levy": levy_cents, "all": employer_cents + public_cents}
    for i, mark in enumerate(sc.fund.earmarks):
        cents = int(round_cents(at(mark.share, fund.month) * max(base[mark.income], 0)))
        fund.pay(account(EARMARK, i), cents, mark.category, "other")


# -- what the fund owes and has promised --------------------------------------------------------
def liabilities_cents(fund: FundAgent, p: Population) -> int:
    """Outcome payments earned by placements but not yet due, plus arrears."""
    placed = (p.placed_month >= 0) & (p.contract_price > 0)
    total = 0
    for rule in fund.rules.payments.by_trigger("retention"):
        for offset in rule.month_offsets:
            owed = placed & (fund.month - p.placed_month < offset)
            promised = rule.promised(p.contract_price[owed], p.contract_start[owed])
            if not rule.who.everyone:
                who = np.flatnonzero(owed)
                covered = rule.who.matches(p.group[who], start_age(p, who), p.traits[who])
                promised = np.where(covered, promised, 0)
            if fund.investors is not None or fund.rules.payments.third_party_share_apprenticeships > 0:
                promised = promised * fund_part(fund, p, np.flatnonzero(owed))
            total += int(promised.sum())
    return total + fund.arrears_total()


def supported(sc: Scenario, p: Population, idx: np.ndarray) -> np.ndarray:
    """Which fund-paid people `idx` the childcare and transport stipends reach: full-time
    trainees, and apprentices where `supports.reach_apprentices`."""
    st = p.status[idx]
    return (st == TRAINING) | ((st == APPRENTICE) & sc.fund.supports.reach_apprentices)


def support_cost(sc: Scenario, p: Population, idx: np.ndarray) -> np.ndarray:
    """$ a month of stipend and supportive services for fund trainees `idx`."""
    sup = sc.fund.supports
    return (sc.training.stipend_monthly + p.childcare[idx] * sup.childcare_monthly
            + p.transport[idx] * sup.transport_monthly)


def commitments_cents(fund: FundAgent, sc: Scenario, p: Population) -> int:
    """What the fund still expects to pay on open contracts: the price not yet paid, plus
    stipends and supports for the months of training left."""
    open_ = np.flatnonzero(p.contract_price > 0)
    value = sc.fund.payments.contract_value_cents(p.contract_price[open_], p.group[open_],
                                                  start_age(p, open_), p.contract_start[open_],
                                                  p.traits[open_])
    unpaid = (value - p.contract_paid[open_]).clip(min=0)
    if fund.investors is not None or sc.fund.payments.third_party_share_apprenticeships > 0:
        unpaid = np.floor(unpaid * fund_part(fund, p, open_))
    unpaid = int(unpaid.sum())
    left = open_[(p.status[open_] == TRAINING) & (p.prog_payer[open_] == PAYER_FUND)]
    supports = float((support_cost(sc, p, left) * p.prog_left[left]).sum())
    sup = sc.fund.supports
    if sup.reach_apprentices:  # their childcare and transport for the months left (no stipend)
        appr = open_[(p.status[open_] == APPRENTICE) & (p.prog_payer[open_] == PAYER_FUND)]
        monthly = p.childcare[appr] * sup.childcare_monthly + p.transport[appr] * sup.transport_monthly
        supports += float((monthly * p.prog_left[appr]).sum())
    return unpaid + int(round(supports * 100))


# -- the month's obligations ---------------------------------------------------------------------
def pay_obligations(fund: FundAgent, sc: Scenario, p: Population, f: FirmTable, pt: ProviderTable,
                    active: bool) -> np.ndarray:
    """Monthly outgoings in a fixed order: arrears, instalments, supports and stipends,
    wage subsidies, retention tranches, capacity grants, interest, administration. Returns the
    seats capacity grants bought per provider (they arrive after the capacity lag)."""
    fund.settle_arrears()
    in_training = np.flatnonzero((p.prog_payer == PAYER_FUND) & (p.prog_left > 0))
    pay_trigger(fund, p, pt, "monthly", in_training)
    full_time = in_training[p.status[in_training] == TRAINING]
    reached = in_training[supported(sc, p, in_training)]
    sup, stipend = sc.fund.supports, sc.training.stipend_monthly
    support = (p.childcare[reached] * sup.childcare_monthly
               + p.transport[reached] * sup.transport_monthly)
    fund.pay(account(WORKERS), int(to_cents(support.sum())), "supportive_services", "supports")
    fund.pay(account(WORKERS), int(to_cents(stipend * len(full_time))), "stipends", "supports")
    ext = np.flatnonzero(p.status == EXTERNSHIP)
    sub = np.bincount(p.ext_host[ext], weights=p.wage[ext] * sc.fund.externship_wage_subsidy, minlength=f.n)
    pay_firms(fund, sub, "externship_subsidy")
    appr = np.flatnonzero((p.status == APPRENTICE) & (p.prog_payer == PAYER_FUND))
    if sc.fund.grants.apprentice_subsidy_school_only:  # subsidised only while at school
        appr = appr[at_school(p, appr, sc.training.apprentice_school_share)]
    sub = np.bincount(p.employer[appr], weights=p.wage[appr] * sc.fund.apprentice_wage_subsidy, minlength=f.n)
    pay_firms(fund, sub, "apprentice_subsidy")
    if active:
        pay_training_hours(fund, sc, p, f)
    retention_checks(fund, p, pt)
    pay_after_start(fund, p, pt)
    if fund.investors is not None:
        financing.settle(fund.investors, fund.ledger, fund.month, p,
                         lambda cents, category: fund.pay(account(INVESTORS), cents, category, "providers"))
    grant_seats = np.zeros(pt.n)
    if sc.fund.capacity_grants_annual > 0 and active:
        share = pt.capacity / max(pt.capacity.sum(), 1e-9)
        cents = to_cents(sc.fund.capacity_grants_annual / 12.0 * share)
        paid = fund.pay(account(PROVIDER, np.arange(pt.n)), cents, "capacity_grant", "providers")
        grant_seats = paid / 100.0 / sc.fund.capacity_grant_cost_per_seat
    rate = sc.fund.interest_rate_annual / 12.0
    if rate > 0 and fund.balance > 0:
        fund.receive(account(BANK), int(fund.balance * rate), "interest", "other")
    elif rate > 0 and fund.balance < 0:
        fund.pay(account(BANK), int(-fund.balance * rate), "interest", "other")
    income = sum(fund.income.values())
    fund.pay(account(ADMIN), int(income * sc.fund.admin_share), "administration", "admin")
    return grant_seats


# -- what the fund may newly commit ---------------------------------------------------------------
def budget_by_sector(fund: FundAgent, sc: Scenario, p: Population, f: FirmTable, downturn: bool,
                     n_sectors: int) -> np.ndarray:
    """Dollars the fund may newly commit this month, split across sectors by the shared demand
    signal (open skilled vacancies) or equally."""
    accounts = fund.accounts.total() if fund.accounts is not None else 0
    if accounts and sc.fund.grants.account_pays_apprenticeships:
        # Levy-account money pays apprenticeships (at its own payers), so it is money for the
        # apprenticeship share of new seats; only the rest of the seats must wait for pool money.
        accounts = int(accounts * (1.0 - sc.training.apprenticeship_share))
    # Commitments already hold the retention tranches that liabilities report, so only the
    # arrears are added: nothing is counted twice.
    uncommitted = (fund.balance + fund.credit_line - commitments_cents(fund, sc, p) - fund.arrears_total()
                   - accounts) / 100.0
    ctx = ReserveContext(uncommitted=uncommitted, income_avg=fund.income_avg(),
                         downturn=downturn, month=fund.month)
    total = sc.fund.reserves.budget(ctx) * fund.budget_scale
    if sc.fund.allocation == "equal":
        weight = np.ones(n_sectors)
    else:
        weight = np.bincount(f.sector, weights=f.vacancies[:, 1:].sum(axis=1), minlength=n_sectors) + 1.0
    return total * weight / weight.sum()


# -- training bought outside the fund's pool ------------------------------------------------------
def pay_tuition(ledger: Ledger, month: int, pt: ProviderTable, provider: np.ndarray,
                price: np.ndarray) -> float:
    """People who pay their own way pay their providers; returns the $ paid."""
    per = np.bincount(provider, weights=price, minlength=pt.n)
    payees = np.flatnonzero(per)
    ledger.record(month, account(WORKERS), account(PROVIDER, payees), "tuition", to_cents(per[payees]))
    return float(per.sum())


def pay_incumbent_training(ledger: Ledger, month: int, fund: FundAgent | None, active: bool,
                           p: Population, f: FirmTable, pt: ProviderTable, idx: np.ndarray,
                           provider: np.ndarray, price: np.ndarray) -> None:
    """The firm pays the provider; a member firm gets a fund grant back (from its own levy
    account first, where accounts are kept)."""
    firm = p.employer[idx]
    P = pt.n
    # One ledger row per (firm, provider) pair that trained anyone: only the pairs present, not
    # a firms x providers table (which a large region cannot afford every month).
    pairs, pair = kernels_training.pair_totals(firm.astype(np.int64) * P + provider, price)
    nz = np.flatnonzero(pair)
    ledger.record(month, account(FIRM, pairs[nz] // P), account(PROVIDER, pairs[nz] % P), "own_training",
                  to_cents(pair[nz]))
    spend = np.bincount(firm, weights=price, minlength=f.n)
    f.own_training_spend += spend
    if not active or fund is None:
        return
    spend = np.where(f.member, spend, 0.0)
    grant = np.zeros(f.n)
    if fund.accounts is not None and fund.rules.grants.account_pays_courses:
        grant += fund.accounts.spend(to_cents(spend)) / 100.0
        f.account_paid += grant  # levy payers co-invest only beyond it (CoInvestment)
    g = fund.rules.grants
    if g.tiered:  # each seat's share by firm size, course level, trainee group and age
        refund = g.refund_for(fund.rules.incumbent_grant_share, price, f.headcount[firm], p.prog_rung[idx],
                              p.group[idx], p.age_years(month, idx), p.traits[idx])
        covered = np.bincount(firm, weights=refund, minlength=f.n)
        # what the levy account did not cover is refunded at the seats' shares
        pooled = np.where(spend > 0, covered * (spend - grant) / np.maximum(spend, 1e-12), 0.0)
    else:
        pooled = (spend - grant) * fund.rules.incumbent_grant_share
    asked = float(pooled.sum())
    if asked > fund.grant_budget:  # the pool pays grants only within its budget
        pooled *= fund.grant_budget / asked
    if asked > 0:  # firms learn what share of a claim the pool really pays
        fund.grant_fill = min(1.0, fund.grant_budget / asked)
    if g.firm_cap_annual > 0:  # a firm's grants from the pool stop at its annual cap
        pooled = fund.grant_cap.trim(to_cents(pooled), fund.grant_cap.total, g.firm_cap_annual) / 100.0
    else:
        fund.grant_cap.total += to_cents(pooled)
    grant += pooled
    f.coinvest_cost += grant
    cents = to_cents(grant)
    payees = np.flatnonzero(cents > 0)
    if len(payees):
        fund.pay(account(FIRM, payees), cents[payees], "incumbent_grant", "employers")

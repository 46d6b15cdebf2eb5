"""The fund's monthly money flows: collecting under the money-in rules, paying providers under
the payment schedule, supports and subsidies, administration, and working out how much it may
newly commit (reserve policy). Every transfer goes through FundAgent.receive / pay, which book
the ledger and keep the balance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.ledger import ADMIN, BANK, FIRM, PROVIDER, PUBLIC, WORKERS, account
from sim.population import APPRENTICE, EMPLOYED, EXTERNSHIP, PAYER_FUND, TRAINING
from sim.rules.contributions import PUBLIC_KINDS, ContributionContext, to_cents
from sim.rules.payments import PaymentEvent
from sim.rules.reserves import ReserveContext

if TYPE_CHECKING:
    from sim.model import FundModel


def contribution_context(m: FundModel, liable: np.ndarray) -> ContributionContext:
    f, sc, p = m.firm_table, m.scenario, m.pop
    emp = np.flatnonzero((p.status == EMPLOYED) | (p.status == APPRENTICE))
    firm_of, wage = p.employer[emp], p.wage[emp].astype(np.float64)

    def capped(cap_annual: float) -> np.ndarray:
        return np.bincount(firm_of, weights=np.minimum(wage, cap_annual / 12.0), minlength=f.n)

    trained = np.zeros(f.n)
    if any(rule.kind == "bonus_malus" for rule in sc.fund.contributions):  # the only reader
        recent = (m.month - p.last_start[emp] < 12) & (
            (p.prog_firm[emp] == firm_of) | (p.trained_by[emp] == firm_of))
        trained = np.bincount(firm_of[recent], minlength=f.n)
    return ContributionContext(
        month=m.month, headcount=f.headcount, payroll=f.payroll, capped_payroll=capped,
        liable=liable, own_training_spend=f.own_training_spend,
        trained_share_12m=trained / np.maximum(f.headcount, 1), expected_benefit=f.benefit_recent,
        coinvest_cost=f.coinvest_cost, levy_paid_total=f.levy_paid_total,
        refunded_total=f.refunded_total, start_cost_by_rung=m.start_cost_by_rung.copy(),
        module_months=sc.training.module_months, base_completion=sc.training.base_completion,
    )


def ordered_rules(m: FundModel) -> list:
    # Employer rules first: public match and top-up read what employers paid this month.
    return sorted(m.scenario.fund.contributions, key=lambda r: r.kind in PUBLIC_KINDS)


def potential_contributions(m: FundModel) -> np.ndarray:
    """What each firm would pay this month as a member ($), for membership decisions."""
    ctx = contribution_context(m, np.ones(m.firm_table.n, dtype=bool))
    total = np.zeros(m.firm_table.n)
    for rule in ordered_rules(m):
        total += rule.collect(ctx).firm_cents / 100.0
    return total


def collect(m: FundModel) -> None:
    """Apply the money-in rules in order. Positive amounts are firm -> fund; negative ones are
    refunds or bonuses fund -> firm; public money is public -> fund."""
    fund, f = m.fund, m.firm_table
    ctx = contribution_context(m, f.member.copy())
    firms = account(FIRM, np.arange(f.n))
    for rule in ordered_rules(m):
        got = rule.collect(ctx)
        pos = np.maximum(got.firm_cents, 0)
        neg = np.maximum(-got.firm_cents, 0)
        if pos.any():
            fund.receive(firms[pos > 0], pos[pos > 0], rule.category, "employers")
            f.contributions_total += pos
            ctx.employer_cents += int(pos.sum())
            if rule.is_levy:
                f.levy_paid_total += pos
                ctx.levy_cents += int(pos.sum())
                if fund.accounts is not None:
                    fund.accounts.credit(pos)
        if neg.any():
            paid = fund.pay(firms[neg > 0], neg[neg > 0], rule.refund_category, "employers")
            f.refunded_total[neg > 0] += paid
        if got.public_cents > 0:
            fund.receive(account(PUBLIC), got.public_cents, rule.category, "public")


def pay_by_provider(m: FundModel, provider: np.ndarray, cents: np.ndarray, category: str) -> np.ndarray:
    """Aggregate per-participant amounts to one ledger row per provider, and pay them."""
    pt = m.provider_table
    per = np.rint(np.bincount(provider, weights=cents.astype(np.float64), minlength=pt.n)).astype(np.int64)
    payees = np.flatnonzero(per)
    if len(payees) == 0:
        return per
    paid = m.fund.pay(account(PROVIDER, payees), per[payees], category, "providers")
    pt.revenue_cents[payees] += paid
    return per


def pay_trigger(m: FundModel, trigger: str, idx: np.ndarray) -> None:
    """Pay the schedule's rules for `trigger` for participants `idx` (open fund contracts)."""
    p = m.pop
    idx = idx[p.contract_price[idx] > 0]
    if len(idx) == 0:
        return
    ev = PaymentEvent(price_cents=p.contract_price[idx], months=p.prog_months[idx].astype(np.int64))
    for rule in m.scenario.fund.payments.by_trigger(trigger):
        due = rule.due(ev)
        pay_by_provider(m, p.contract_provider[idx], due, rule.category)
        p.contract_paid[idx] += due
        if trigger == "placement":
            p.placement_paid[idx] += due


def retention_checks(m: FundModel) -> None:
    """Retention tranches and wage-gain bonuses fall due; clawback when the person has gone."""
    p, sched = m.pop, m.scenario.fund.payments
    placed = np.flatnonzero((p.placed_month >= 0) & (p.contract_price > 0))
    if len(placed) == 0:
        return
    since = m.month - p.placed_month[placed]
    employed = p.status[placed] == EMPLOYED
    for rule in sched.by_trigger("retention"):
        due_now = placed[since == rule.month_offset]
        if len(due_now) == 0:
            continue
        emp_now = p.status[due_now] == EMPLOYED
        gain = p.wage[due_now] / np.maximum(p.prior_wage[due_now], 1.0) - 1.0
        ev = PaymentEvent(price_cents=p.contract_price[due_now],
                          months=p.prog_months[due_now].astype(np.int64), retained=emp_now,
                          wage_gain=np.where(p.prior_wage[due_now] > 0, gain, np.inf))
        cents = rule.due(ev)
        pay_by_provider(m, p.contract_provider[due_now], cents, rule.category)
        p.contract_paid[due_now] += cents
    claw = sched.clawback
    if claw.share > 0:
        hit = placed[(since == claw.month_offset) & ~employed]
        back = np.floor(p.placement_paid[hit] * claw.share).astype(np.int64)
        per = np.bincount(p.contract_provider[hit], weights=back, minlength=m.provider_table.n)
        payers = np.flatnonzero(per)
        if len(payers):
            cents = np.rint(per[payers]).astype(np.int64)
            m.fund.receive(account(PROVIDER, payers), cents, "clawback", "other")
            m.provider_table.revenue_cents[payers] -= cents
    close_after = m.k.last_outcome_month
    done = placed[since >= close_after]
    p.contract_price[done] = 0


def liabilities_cents(m: FundModel) -> int:
    """Retention tranches and wage bonuses earned by placements but not yet due, plus arrears."""
    p = m.pop
    placed = (p.placed_month >= 0) & (p.contract_price > 0)
    total = 0
    for rule in m.scenario.fund.payments.by_trigger("retention"):
        owed = placed & (m.month - p.placed_month < rule.month_offset)
        total += int(np.floor(p.contract_price[owed] * rule.share).sum())
    return total + m.fund.arrears_total()


def commitments_cents(m: FundModel) -> int:
    """What the fund still expects to pay on open contracts: the price not yet paid, plus
    stipends and supports for the months of training left."""
    p = m.pop
    open_ = np.flatnonzero(p.contract_price > 0)
    unpaid = int((p.contract_price[open_] - p.contract_paid[open_]).clip(min=0).sum())
    left = open_[(p.status[open_] == TRAINING) & (p.prog_payer[open_] == PAYER_FUND)]
    supports = float((m.support_cost(left) * p.prog_left[left]).sum())
    return unpaid + int(round(supports * 100))


def pay_obligations(m: FundModel) -> None:
    """Monthly outgoings in a fixed order: arrears, instalments, supports and stipends,
    wage subsidies, retention tranches, capacity grants, interest, administration."""
    fund, p, sc = m.fund, m.pop, m.scenario
    fund.settle_arrears()
    in_training = np.flatnonzero((p.prog_payer == PAYER_FUND) & (p.prog_left > 0))
    pay_trigger(m, "monthly", in_training)
    full_time = in_training[p.status[in_training] == TRAINING]
    sup, stipend = sc.fund.supports, sc.training.stipend_monthly
    support = (p.childcare[full_time] * sup.childcare_monthly
               + p.transport[full_time] * sup.transport_monthly)
    fund.pay(account(WORKERS), int(to_cents(support.sum())), "supportive_services", "supports")
    fund.pay(account(WORKERS), int(to_cents(stipend * len(full_time))), "stipends", "supports")
    f = m.firm_table
    ext = np.flatnonzero(p.status == EXTERNSHIP)
    sub = np.bincount(p.ext_host[ext], weights=p.wage[ext] * sc.fund.externship_wage_subsidy, minlength=f.n)
    _pay_firms(m, sub, "externship_subsidy")
    appr = np.flatnonzero((p.status == APPRENTICE) & (p.prog_payer == PAYER_FUND))
    sub = np.bincount(p.employer[appr], weights=p.wage[appr] * sc.fund.apprentice_wage_subsidy, minlength=f.n)
    _pay_firms(m, sub, "apprentice_subsidy")
    retention_checks(m)
    if sc.fund.capacity_grants_annual > 0 and m.fund_active:
        pt = m.provider_table
        share = pt.capacity / max(pt.capacity.sum(), 1e-9)
        cents = to_cents(sc.fund.capacity_grants_annual / 12.0 * share)
        paid = fund.pay(account(PROVIDER, np.arange(pt.n)), cents, "capacity_grant", "providers")
        m.grant_seats = paid / 100.0 / sc.fund.capacity_grant_cost_per_seat
    rate = sc.fund.interest_rate_annual / 12.0
    if rate > 0 and fund.balance > 0:
        fund.receive(account(BANK), int(fund.balance * rate), "interest", "other")
    elif rate > 0 and fund.balance < 0:
        fund.pay(account(BANK), int(-fund.balance * rate), "interest", "other")
    income = sum(fund.income.values())
    fund.pay(account(ADMIN), int(income * sc.fund.admin_share), "administration", "admin")


def _pay_firms(m: FundModel, dollars: np.ndarray, category: str) -> np.ndarray:
    cents = to_cents(dollars)
    payees = np.flatnonzero(cents > 0)
    if len(payees) == 0:
        return cents * 0
    return m.fund.pay(account(FIRM, payees), cents[payees], category, "employers")


def budget_by_sector(m: FundModel) -> np.ndarray:
    """Dollars the fund may newly commit this month, split across sectors by the shared demand
    signal (open skilled vacancies) or equally."""
    fund, sc = m.fund, m.scenario
    accounts = fund.accounts.total() if fund.accounts is not None else 0
    # Commitments already hold the retention tranches that liabilities report, so only the
    # arrears are added: nothing is counted twice.
    uncommitted = (fund.balance + fund.credit_line - commitments_cents(m) - fund.arrears_total()
                   - accounts) / 100.0
    ctx = ReserveContext(uncommitted=uncommitted, income_avg=fund.income_avg(),
                         downturn=m.downturn, month=m.month)
    total = sc.fund.reserves.budget(ctx) * fund.budget_scale
    S = m.k.n_sectors
    if sc.fund.allocation == "equal":
        weight = np.ones(S)
    else:
        f = m.firm_table
        weight = np.bincount(f.sector, weights=f.vacancies[:, 1:].sum(axis=1), minlength=S) + 1.0
    return total * weight / weight.sum()

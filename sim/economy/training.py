"""Training as whole-population rules: who applies, whom providers admit (and why creaming
happens), who completes or drops out, externships, and the incumbent training firms buy.

Competition for seats: applicants are routed to a provider of their sector at random in
proportion to capacity; each provider ranks its applicants by the revenue it expects from them
(plus individual noise) and admits up to capacity; the fund then funds the best-ranked within
each sector's budget. All updates within a phase are simultaneous."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from sim.agents.providers import rank_within
from sim.economy.labour_market import charge_turnover, leave_job, start_job, wage_of
from sim.population import (
    EMPLOYED,
    EXTERNSHIP,
    OUT_OF_LF,
    PAYER_FIRM,
    PAYER_FUND,
    PAYER_SELF,
    PROG_APPRENTICESHIP,
    PROG_COURSE,
    PROG_INCUMBENT,
    TRAINED_BY_FUND,
    TRAINED_BY_SELF,
    TRAINING,
    UNEMPLOYED,
)

if TYPE_CHECKING:
    from sim.model import FundModel


def unmet_barriers(m: FundModel, idx: np.ndarray, fund_paid: np.ndarray | bool) -> np.ndarray:
    """Childcare and transport needs not removed by a fund stipend (0, 1 or 2, fractional with
    partial coverage)."""
    p, sup = m.pop, m.scenario.fund.supports
    active = m.fund_active
    cov_c = sup.coverage if (active and sup.childcare_monthly > 0) else 0.0
    cov_t = sup.coverage if (active and sup.transport_monthly > 0) else 0.0
    covered = np.asarray(fund_paid, dtype=bool)
    return (p.childcare[idx] * (1 - cov_c * covered) + p.transport[idx] * (1 - cov_t * covered))


def completion_odds(m: FundModel, idx: np.ndarray, rung: np.ndarray, unmet: np.ndarray,
                    aptitude: np.ndarray | None = None) -> np.ndarray:
    """Chance of finishing a module, from its base rate, aptitude and unmet barriers."""
    t = m.scenario.training
    apt = m.pop.aptitude[idx] if aptitude is None else aptitude
    return expit(m.k.base_logit[rung - 1] + t.aptitude_effect * apt - t.barrier_effect * unmet)


def apply_for_training(m: FundModel) -> tuple[np.ndarray, np.ndarray]:
    """People weigh the discounted wage gain of the next credential against tuition, earnings
    forgone and unmet barriers (which stipends and supports lower). Returns the applicants and
    whether each would pay their own way if the fund cannot seat them."""
    p, sc = m.pop, m.scenario
    w, k = sc.workers, m.k
    u = m.draw("applications")
    pre = m.candidates("applications", w.application_rate)
    st = p.status[pre]
    eligible = (((st == UNEMPLOYED) | (st == OUT_OF_LF) | ((st == EMPLOYED) & (p.job_level[pre] == 0)))
                & (p.rung[pre] < 3) & (p.prog_kind[pre] == 0) & (m.month - p.last_start[pre] > 6)
                & (p.contract_price[pre] == 0))  # the next module waits for the fund's contract to close
    pre = pre[eligible]
    st = p.status
    if len(pre) == 0:
        return pre, np.zeros(0, dtype=bool)
    nxt = p.rung[pre] + 1
    s = p.sector[pre]
    # The gain is the new job's starting wage over today's: an employed person also gives up
    # the tenure premium of the current job (so long-tenured staff gain little from leaving).
    start_wage = k.base_wage[s] * p.wage_effect[pre] * p.premium[pre]
    today = np.where(st[pre] == EMPLOYED, p.wage[pre], start_wage * (1.0 + k.prem[p.rung[pre]]))
    gain = np.maximum(start_wage * (1.0 + k.prem[nxt]) - today, 0.0) * (0.5 + 0.5 * k.portability[s])
    months = k.months[nxt - 1]
    # Someone who leaves a job to train forgoes its wage while training and while searching
    # again afterwards; a job seeker forgoes nothing.
    forgone = np.where(st[pre] == EMPLOYED, p.wage[pre], 0.0) * (months + w.search_months_after_training)
    scale = k.base_wage[s] * 1.5  # how sharply the decision follows the net gain
    olf = np.where(st[pre] == OUT_OF_LF, 0.5, 1.0)

    def keen(funded: bool) -> np.ndarray:
        unmet = unmet_barriers(m, pre, funded)
        pv = gain * 12.0 * k.annuity * completion_odds(m, pre, nxt, unmet)
        tuition = 0.0 if funded else k.price[nxt - 1] * w.liquidity_cost_factor
        support = (sc.training.stipend_monthly * months) if funded else 0.0
        net = pv - tuition - forgone - w.barrier_cost_monthly * unmet * months + support
        return expit(net / scale) * olf

    self_keen = keen(False)
    best = np.maximum(keen(True), self_keen) if m.fund_active else self_keen
    applies = u[pre] < w.application_rate * best
    return pre[applies], (u[pre] < w.application_rate * self_keen)[applies]


def admit(m: FundModel, applicants: np.ndarray, self_ok: np.ndarray, budget_by_sector: np.ndarray) -> None:
    """Providers admit up to capacity by expected revenue; the fund pays for the best-ranked
    within each sector's budget; the others start only if they would pay their own way."""
    p, sc, k, pt = m.pop, m.scenario, m.k, m.provider_table
    if len(applicants) == 0:
        pt.demand_history.append(np.zeros(pt.n))
        return
    rng = m.streams["admission"]
    s = p.sector[applicants]
    open_ = pt.suspended_until < m.month
    weight = np.where(open_, pt.capacity, 0.0)
    chosen = np.full(len(applicants), -1)
    u = rng.random(len(applicants))
    for sec in range(k.n_sectors):  # route each applicant to a provider of their sector
        provs = np.flatnonzero(pt.sector == sec)
        wts = weight[provs]
        here = np.flatnonzero(s == sec)
        if wts.sum() <= 0 or len(here) == 0:
            continue
        cum = np.cumsum(wts) / wts.sum()
        chosen[here] = provs[np.minimum(np.searchsorted(cum, u[here], side="right"), len(provs) - 1)]
    demand = np.bincount(chosen[chosen >= 0], minlength=pt.n).astype(float)
    pt.demand_history.append(demand)
    ok = chosen >= 0
    applicants, chosen, s, self_ok = applicants[ok], chosen[ok], s[ok], self_ok[ok]
    nxt = p.rung[applicants] + 1
    funded = m.fund_active
    # Expected revenue per seat, relative to the base price: creaming follows outcome pay.
    acc = sc.providers.screening_accuracy
    signal = acc * p.aptitude[applicants] + np.sqrt(1 - acc**2) * rng.standard_normal(len(applicants))
    unmet = unmet_barriers(m, applicants, funded)
    success = completion_odds(m, applicants, nxt, unmet, aptitude=signal)
    hts = p.group[applicants] == 1
    mult = sc.fund.payments.price_multiplier(hts) if funded else np.ones(len(applicants))
    outcome = sc.fund.payments.outcome_share if funded else 0.0
    revenue = mult * (1.0 - outcome + outcome * success)
    score = sc.providers.creaming_sensitivity * revenue + rng.standard_normal(len(applicants))
    seats = np.floor(pt.capacity * m.capacity_ramp).astype(np.int64)
    take = rank_within(chosen, score) < seats[chosen]
    applicants, chosen, s, nxt, score, mult, self_ok = (
        a[take] for a in (applicants, chosen, s, nxt, score, mult, self_ok))
    price = k.price[nxt - 1] * mult
    if not funded:
        start_course(m, applicants[self_ok], chosen[self_ok], nxt[self_ok], PAYER_SELF,
                     k.price[nxt[self_ok] - 1])
        return
    commit = price + k.months[nxt - 1] * m.support_cost(applicants)
    order = np.lexsort((-score, s))
    cum = np.zeros(len(order))
    for sec in range(k.n_sectors):  # fund the best-ranked within each sector's budget
        in_sec = order[s[order] == sec]
        cum[in_sec] = np.cumsum(commit[in_sec])
    funded_ok = cum <= budget_by_sector[s]
    start_course(m, applicants[funded_ok], chosen[funded_ok], nxt[funded_ok], PAYER_FUND,
                 price[funded_ok])
    own = ~funded_ok & self_ok
    start_course(m, applicants[own], chosen[own], nxt[own], PAYER_SELF, k.price[nxt[own] - 1])


def enrol(m: FundModel, idx: np.ndarray, kind: int, payer: int, rung: np.ndarray,
          provider: np.ndarray) -> None:
    """Start people `idx` on the module leading to `rung` with `provider`."""
    p, months = m.pop, m.k.months[rung - 1]
    p.prog_kind[idx] = kind
    p.prog_payer[idx] = payer
    p.prog_rung[idx] = rung
    p.prog_months[idx] = months
    p.prog_left[idx] = months
    p.prog_provider[idx] = provider
    p.last_start[idx] = m.month


def start_course(m: FundModel, idx: np.ndarray, provider: np.ndarray, rung: np.ndarray,
                 payer: int, price: np.ndarray) -> None:
    if len(idx) == 0:
        return
    p, pt, tr = m.pop, m.provider_table, m.scenario.training
    was_employed = idx[p.status[idx] == EMPLOYED]
    charge_turnover(m, was_employed)
    leave_job(m, was_employed)
    p.prior_wage[idx] = p.wage[idx]
    p.status[idx] = TRAINING
    enrol(m, idx, PROG_COURSE, payer, rung, provider)
    np.add.at(pt.enrolments, provider, 1)
    np.add.at(pt.enrolments_hts, provider[p.group[idx] == 1], 1)
    m.rec.count("enrolments", idx)
    if payer == PAYER_SELF:
        m.pay_tuition(idx, provider, price)
        return
    m.rec.count("fund_enrolments", idx)
    np.add.at(m._starts_cost_now, rung - 1, price)
    p.participant[idx] = True
    p.contract_price[idx] = np.round(price * 100).astype(np.int64)
    p.contract_paid[idx] = 0
    p.placed_month[idx] = -1  # a new contract: an earlier placement's checks do not apply to it
    p.placement_paid[idx] = 0
    p.contract_provider[idx] = provider
    # A share of fund starts are paid apprenticeships at a member firm with an opening.
    if tr.apprenticeship_share > 0:
        appr = idx[m.streams["apprentices"].random(len(idx)) < tr.apprenticeship_share]
        m.start_apprenticeships(appr)
    m.pay_contract_trigger("start", idx)


def progress(m: FundModel) -> tuple[np.ndarray, np.ndarray]:
    """One month of training: drop out with a monthly hazard that falls with aptitude,
    supports and paid earn-and-learn, or move a month closer to the credential."""
    p, k, tr = m.pop, m.k, m.scenario.training
    idx = np.flatnonzero(p.prog_left > 0)
    if len(idx) == 0:
        return idx, idx
    kind = p.prog_kind[idx]
    unmet = unmet_barriers(m, idx, p.prog_payer[idx] == PAYER_FUND)
    unmet = np.where(kind == PROG_INCUMBENT, 0.5 * unmet, unmet)  # part-time, at the workplace
    base = np.where(kind == PROG_APPRENTICESHIP, k.appr_logit, k.base_logit[p.prog_rung[idx] - 1])
    lift = np.where(kind == PROG_APPRENTICESHIP, tr.earn_and_learn_effect, 0.0)
    quality = m.provider_table.quality[np.maximum(p.prog_provider[idx], 0)]
    total = expit(base + tr.aptitude_effect * p.aptitude[idx] - tr.barrier_effect * unmet + lift + quality)
    hazard = 1.0 - total ** (1.0 / np.maximum(p.prog_months[idx], 1))
    drop = m.draw("progress")[idx] < hazard
    dropped = idx[drop]
    going = idx[~drop]
    p.prog_left[going] -= 1
    done = going[p.prog_left[going] == 0]
    return dropped, done


def externship_hosts(m: FundModel, sector: int, level: int) -> np.ndarray:
    f = m.firm_table
    return np.flatnonzero((f.sector == sector) & m.host_willing & m.fund_member_view
                          & (f.vacancies[:, level] > 0))


def start_externships(m: FundModel, completers: np.ndarray) -> np.ndarray:
    """Offer fund completers an externship with a member firm that has an opening at the level
    of their credential (the post the host holds for them)."""
    p, tr = m.pop, m.scenario.training
    if len(completers) == 0:
        return completers
    offered = completers[m.draw("externships")[completers] < tr.externship_share]
    level_of = np.minimum(p.rung[offered], 3)
    placed = []
    rng = m.streams["externships"]
    for s in range(m.k.n_sectors):
        for lvl in (1, 2, 3):
            cand = offered[(p.sector[offered] == s) & (level_of == lvl)]
            hosts = externship_hosts(m, s, lvl)
            if len(cand) == 0 or len(hosts) == 0:
                continue
            # One extern per opening: a host holds a real post for each extern it takes.
            slots = np.repeat(hosts, m.firm_table.vacancies[hosts, lvl])
            n = min(len(cand), len(slots))
            host = slots[rng.choice(len(slots), size=n, replace=False)]
            cand = cand[:n]
            np.subtract.at(m.firm_table.vacancies[:, lvl], host, 1)
            p.status[cand] = EXTERNSHIP
            p.ext_host[cand] = host
            p.job_level[cand] = lvl
            p.ext_left[cand] = tr.externship_months
            p.wage[cand] = wage_of(m, cand, level=np.full(len(cand), lvl, dtype=np.int8))
            placed.append(cand)
    started = np.concatenate(placed) if placed else completers[:0]
    m.rec.count("externship_starts", started)
    return started


def end_externships(m: FundModel) -> np.ndarray:
    """A host hires its extern at the end if it still wants the post it held for her (demand
    has not fallen below its staff at that level) and she proved a fit: the host has watched her
    work, so its screen is her performance, not her employability on paper."""
    p, tr = m.pop, m.scenario.training
    idx = np.flatnonzero(p.status == EXTERNSHIP)
    p.ext_left[idx] -= 1
    ending = idx[p.ext_left[idx] <= 0]
    if len(ending) == 0:
        return ending
    host = p.ext_host[ending]
    level = np.minimum(p.rung[ending], 3)
    # The host held the opening for its extern (externs count against its vacancies); at the
    # last count the post is still wanted if the level is not over-staffed.
    wanted = m.firm_table.room[host, level] > -0.5
    hire = wanted & (m.draw("externship_hires")[ending] < tr.externship_conversion)
    hired = ending[hire]
    start_job(m, hired, host[hire], level[hire])
    m.rec.count("externship_completions", ending)
    m.rec.count("externship_hires", hired)
    rest = ending[~hire]
    p.status[rest] = UNEMPLOYED
    p.await_until[rest] = m.month + tr.placement_window_months
    p.ext_host[ending] = -1
    return hired


def train_incumbents(m: FundModel, rates: np.ndarray) -> np.ndarray:
    """Firms send staff to part-time upskilling at their own cost (a fund grant may refund
    part of it); the worker keeps working."""
    p, k, pt = m.pop, m.k, m.provider_table
    cand = m.candidates("incumbents", float(rates.max(initial=0.0)) / 12.0)
    emp = cand[(p.status[cand] == EMPLOYED) & (p.prog_kind[cand] == 0) & (p.rung[cand] < 3)]
    if len(emp) == 0:
        return emp
    picked = emp[m.draw("incumbents")[emp] < rates[p.employer[emp]] / 12.0]
    if len(picked) == 0:
        return picked
    rng = m.streams["incumbents"]
    sec = p.sector[picked]
    provider = np.full(len(picked), -1)
    for s in range(k.n_sectors):
        provs = np.flatnonzero((pt.sector == s) & (pt.suspended_until < m.month))
        here = np.flatnonzero(sec == s)
        if len(provs) and len(here):
            provider[here] = provs[rng.integers(0, len(provs), len(here))]
    picked, provider = picked[provider >= 0], provider[provider >= 0]
    nxt = p.rung[picked] + 1
    enrol(m, picked, PROG_INCUMBENT, PAYER_FIRM, nxt, provider)
    p.prog_firm[picked] = p.employer[picked]
    m.rec.count("enrolments", picked)
    m.rec.count("incumbent_enrolments", picked)
    m.pay_incumbent_training(picked, provider, k.price[nxt - 1])
    return picked


def credential_earned(m: FundModel, idx: np.ndarray) -> None:
    """Record the credential and who paid for it."""
    p = m.pop
    p.rung[idx] = np.maximum(p.rung[idx], p.prog_rung[idx])
    payer = p.prog_payer[idx]
    p.trained_by[idx] = np.select(
        [payer == PAYER_FUND, payer == PAYER_SELF, payer == PAYER_FIRM],
        [TRAINED_BY_FUND, TRAINED_BY_SELF, p.prog_firm[idx]], p.trained_by[idx])
    np.add.at(m.provider_table.completions, p.prog_provider[idx], 1)


def clear_programme(m: FundModel, idx: np.ndarray) -> None:
    p = m.pop
    p.prog_kind[idx] = 0
    p.prog_payer[idx] = 0
    p.prog_left[idx] = 0
    p.prog_firm[idx] = -1

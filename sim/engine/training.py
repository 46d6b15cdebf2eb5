"""Training as whole-population rules: who applies, whom providers admit (and why creaming
happens), who completes or drops out, externships, apprenticeships and the incumbent training
firms buy. Each rule is handed the people, firms or providers it reads and changes, the month's
luck and the recorder; it returns who was affected, and the model routes money and placements.

Competition for seats: applicants are routed to a provider of their sector at random in
proportion to capacity; each provider ranks its applicants by the revenue it expects from them
(plus individual noise) and admits up to capacity; the fund then funds the best-ranked within
each sector's budget. All updates within a phase are simultaneous."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from sim.engine import kernels_training as kt
from sim.engine.derived import Derived
from sim.engine.firms import FirmTable, charge_turnover, fill
from sim.engine.kernels import draw_slots
from sim.engine.providers import ProviderTable
from sim.engine.recorder import Recorder
from sim.engine.rng import MonthlyLuck
from sim.engine.workers import (
    APPRENTICE,
    EMPLOYED,
    EXTERNSHIP,
    OUT_OF_LF,
    PAYER_FIRM,
    PROG_APPRENTICESHIP,
    PROG_COURSE,
    PROG_INCUMBENT,
    TRAINING,
    UNEMPLOYED,
    Population,
)
from sim.scenario.people import Eligibility
from sim.scenario.schema import Scenario


def unmet_barriers(p: Population, sc: Scenario, idx: np.ndarray, fund_paid: np.ndarray | bool,
                   active: bool) -> np.ndarray:
    """Childcare and transport needs not removed by a fund stipend (0, 1 or 2, fractional with
    partial coverage)."""
    sup = sc.fund.supports
    cov_c = sup.coverage if (active and sup.childcare_monthly > 0) else 0.0
    cov_t = sup.coverage if (active and sup.transport_monthly > 0) else 0.0
    covered = np.asarray(fund_paid, dtype=bool)
    return (p.childcare[idx] * (1 - cov_c * covered) + p.transport[idx] * (1 - cov_t * covered))


def completion_odds(p: Population, sc: Scenario, k: Derived, idx: np.ndarray, rung: np.ndarray,
                    unmet: np.ndarray, aptitude: np.ndarray | None = None) -> np.ndarray:
    """Chance of finishing a module, from its base rate, aptitude and unmet barriers."""
    t = sc.training
    apt = p.aptitude[idx] if aptitude is None else aptitude
    return expit(k.base_logit[rung - 1] + t.aptitude_effect * apt - t.barrier_effect * unmet)


def fund_eligible(p: Population, el: Eligibility, idx: np.ndarray, month: int) -> np.ndarray:
    """Mask of people `idx` the fund may buy a seat for, by status, group and age today."""
    st = p.status[idx]
    by_status = (((st == UNEMPLOYED) & bool(el.unemployed)) | ((st == EMPLOYED) & bool(el.employed))
                 | ((st == OUT_OF_LF) & bool(el.out_of_labour_force)))
    return by_status & el.matches(p.group[idx], p.age_years(month, idx), p.traits[idx])


def apply_for_training(p: Population, sc: Scenario, k: Derived, luck: MonthlyLuck, month: int,
                       active: bool) -> tuple[np.ndarray, np.ndarray]:
    """People weigh the discounted wage gain of the next credential against tuition, earnings
    forgone and unmet barriers (which stipends and supports lower). Returns the applicants and
    whether each would pay their own way if the fund cannot seat them.

    Who may apply: the unemployed, people out of the labour force and people in a basic job,
    below the top rung, in no programme, past the wait since their last start, and with no fund
    contract open (the next module waits for it to close). The gain is the new job's starting
    wage over today's: an employed person also gives up the tenure premium of the current job
    (so long-tenured staff gain little from leaving), and forgoes its wage while training and
    while searching again afterwards; a job seeker forgoes nothing. How sharply the decision
    follows the net gain is set by the sector's wage (`decision_scale_wage_months`). People the
    fund may not seat weigh paying their own way only (sim.engine.kernels_training.keenness)."""
    w = sc.workers
    reach = sc.careers.fund_outreach_factor if active else 1.0  # the fund's recruitment of its target group
    pre = kt.may_apply(luck.candidates("applications", w.application_rate * reach), p.status, p.job_level,
                       p.rung, p.prog_kind, p.last_start, p.contract_price, month, w.months_between_starts)
    el = sc.fund.payments.eligible
    fund_ok = (fund_eligible(p, el, pre, month) if active and not el.everyone
               else np.ones(len(pre), dtype=bool))
    sup = sc.fund.supports
    t = sc.training
    return kt.keenness(
        pre, luck.at("applications", pre), p.status, p.rung, p.sector, p.group, p.wage_effect, p.premium,
        p.wage, p.aptitude, p.childcare, p.transport, fund_ok, k.base_wage, k.prem, k.portability, k.months,
        k.price, k.base_logit, float(k.annuity), w.gain_weight_portable, w.search_months_after_training,
        w.decision_scale_wage_months, w.out_of_labour_force_application_factor, t.aptitude_effect,
        t.barrier_effect, sc.careers.outside_tuition_cover, w.liquidity_cost_factor, t.stipend_monthly,
        w.barrier_cost_monthly, sup.coverage if (active and sup.childcare_monthly > 0) else 0.0,
        sup.coverage if (active and sup.transport_monthly > 0) else 0.0, reach, w.application_rate, active)


@dataclass
class Seats:
    """Admitted applicants: who, with which provider, toward which rung, at what price ($)."""

    idx: np.ndarray
    provider: np.ndarray
    rung: np.ndarray
    price: np.ndarray
    financed: np.ndarray | None = None  # investors finance the seat (social finance)

    def __getitem__(self, mask: np.ndarray) -> Seats:
        fin = None if self.financed is None else self.financed[mask]
        return Seats(self.idx[mask], self.provider[mask], self.rung[mask], self.price[mask], fin)


def admit(p: Population, pt: ProviderTable, sc: Scenario, k: Derived, rng: np.random.Generator,
          applicants: np.ndarray, self_ok: np.ndarray, budget_by_sector: np.ndarray, month: int,
          active: bool, support: Callable[[np.ndarray], np.ndarray],
          finance: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
          ) -> tuple[Seats | None, Seats]:
    """Providers admit up to capacity by expected revenue; the fund pays for the best-ranked
    within each sector's budget; the others start only if they would pay their own way.
    Returns the fund's seats (None while the fund is not buying) and the self-paid seats.
    `support(idx)`: $ a month of stipend and supports for people idx (the fund's commitment).
    `finance(idx, value)`: of candidates idx (best first) with seat values ($), those investors
    finance; they are seated first and use none of the fund's budget."""
    if len(applicants) == 0:
        pt.demand_history.append(np.zeros(pt.n))
        return None, Seats(applicants, applicants, applicants, np.zeros(0))
    s = p.sector[applicants]
    # route each applicant to an open provider of their sector, in proportion to capacity
    weight = np.where(pt.suspended_until < month, pt.capacity, 0.0)
    chosen, demand = kt.route(s, rng.random(len(applicants)), pt.sector, weight, k.n_sectors)
    pt.demand_history.append(demand)
    ok = chosen >= 0
    applicants, chosen, s, self_ok = applicants[ok], chosen[ok], s[ok], self_ok[ok]
    nxt = p.rung[applicants] + 1
    # Expected revenue per seat, relative to the base price: creaming follows outcome pay.
    acc = sc.providers.screening_accuracy
    signal = acc * p.aptitude[applicants] + np.sqrt(1 - acc**2) * rng.standard_normal(len(applicants))
    unmet = unmet_barriers(p, sc, applicants, active, active)
    success = completion_odds(p, sc, k, applicants, nxt, unmet, aptitude=signal)
    hts = p.group[applicants] == 1
    sched = sc.fund.payments
    mult = sched.price_multiplier(hts) if active else np.ones(len(applicants))
    outcome = sched.outcome_share if active else 0.0
    revenue = mult * (1.0 - outcome + outcome * success)
    age = p.age_years(month, applicants)
    if active and not sched.simple:  # amounts or tranches for some: the seat's expected value
        base = k.price[nxt - 1]
        # relative to the base price (at least $1: a free module paid by amounts stays finite)
        expected = sched.seat_value(base * mult, success, p.group[applicants], age, month,
                                    p.traits[applicants])
        revenue = expected / np.maximum(base, 1.0)
    score = sc.providers.creaming_sensitivity * revenue + rng.standard_normal(len(applicants))
    seats = np.floor(pt.capacity).astype(np.int64)
    take = kt.rank_within(chosen, score) < seats[chosen]
    applicants, chosen, s, nxt, score, mult, self_ok, age = (
        a[take] for a in (applicants, chosen, s, nxt, score, mult, self_ok, age))
    price = k.price[nxt - 1] * mult
    admitted = Seats(applicants, chosen, nxt, price)
    own_price = Seats(applicants, chosen, nxt, k.price[nxt - 1])
    if not active:
        return None, own_price[self_ok]
    value = sched.seat_value(price, None, p.group[applicants], age, month, p.traits[applicants])
    commit = value + k.months[nxt - 1] * support(applicants)
    eligible = None if sched.eligible.everyone else fund_eligible(p, sched.eligible, applicants, month)
    if eligible is not None:  # the fund seats only those it may: the others use none of its budget
        commit = np.where(eligible, commit, 0.0)
    financed = None
    if finance is not None:  # investors finance the best-ranked they cover, before the budget
        best = np.argsort(-score, kind="stable")
        if eligible is not None:
            best = best[eligible[best]]
        financed = np.zeros(len(applicants), dtype=bool)
        financed[best] = finance(applicants[best], value[best])
        commit = np.where(financed, 0.0, commit)
    funded_ok = kt.within_budget(s, score, commit, budget_by_sector)  # the best-ranked first, by sector
    if eligible is not None:
        funded_ok &= eligible
    if financed is not None:
        funded_ok |= financed
        admitted.financed = financed
    return admitted[funded_ok], own_price[~funded_ok & self_ok]


def start_course(p: Population, f: FirmTable, pt: ProviderTable, sc: Scenario, k: Derived, seats: Seats,
                 payer: int, month: int, rec: Recorder) -> None:
    """People start full-time courses: an employed starter leaves the job (the employer bears
    the turnover cost)."""
    idx = seats.idx
    was_employed = idx[p.status[idx] == EMPLOYED]
    rec.count("job_leavers_to_training", was_employed)
    charge_turnover(f, p.employer[was_employed], p.wage[was_employed], sc.firms.turnover_cost_share)
    p.leave_job(was_employed)
    p.prior_wage[idx] = p.wage[idx]
    p.status[idx] = TRAINING
    p.enrol(idx, PROG_COURSE, payer, seats.rung, seats.provider, k.months[seats.rung - 1], month)
    np.add.at(pt.enrolments, seats.provider, 1)
    np.add.at(pt.enrolments_hts, seats.provider[p.group[idx] == 1], 1)
    rec.count("enrolments", idx)


def open_contracts(p: Population, seats: Seats, rec: Recorder) -> None:
    """The fund's contract with the provider for each of its seats."""
    idx = seats.idx
    rec.count("fund_enrolments", idx)
    p.participant[idx] = True
    p.contract_price[idx] = np.round(seats.price * 100).astype(np.int64)
    p.contract_paid[idx] = 0
    p.placed_month[idx] = -1  # a new contract: an earlier placement's checks do not apply to it
    p.placement_paid[idx] = 0
    p.kept_job[idx] = True
    p.contract_financed[idx] = False
    p.contract_start[idx] = p.last_start[idx]
    p.contract_provider[idx] = seats.provider


def place_apprentices(p: Population, f: FirmTable, sc: Scenario, k: Derived, rng: np.random.Generator,
                      idx: np.ndarray, rung: np.ndarray, willing: np.ndarray | None = None,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which fund starts `idx` (training toward `rung`) are drawn to be apprenticeships (a share
    `training.apprenticeship_share`), and which of those get a host: a member firm with an
    opening at the level trained for that wants an apprentice this month (`willing`, firms' own
    decisions: sim.engine.firms.apprentice_acceptance). Consumes the hosts' openings. Returns
    (drawn, hired, their hosts)."""
    tr = sc.training
    none = idx[:0]
    if tr.apprenticeship_share <= 0:
        return none, none, none
    pick = rng.random(len(idx)) < tr.apprenticeship_share
    drawn, level = idx[pick], rung[pick]
    hosts = f.member if willing is None else f.member & willing
    hired_all, firms_all = [none], [none]
    for s in range(k.n_sectors):
        in_sector = p.sector[drawn] == s
        for lvl in (1, 2, 3):
            here = drawn[in_sector & (level == lvl)]
            if len(here) == 0:
                continue
            hired, firms = fill(f, here, s, lvl, len(here), rng, hosts=hosts)
            hired_all.append(hired)
            firms_all.append(firms)
    return drawn, np.concatenate(hired_all), np.concatenate(firms_all)


def start_apprenticeships(p: Population, sc: Scenario, k: Derived, hired: np.ndarray, firms: np.ndarray,
                          rec: Recorder) -> None:
    """Fund starts `hired` become paid apprenticeships at `firms`: longer, and paid a wage."""
    tr = sc.training
    if len(hired) == 0:
        return
    p.status[hired] = APPRENTICE
    p.employer[hired] = firms
    p.job_level[hired] = p.prog_rung[hired]
    p.tenure[hired] = 0
    p.prog_kind[hired] = PROG_APPRENTICESHIP
    p.prog_firm[hired] = firms
    p.prog_months[hired] = tr.apprenticeship_months
    p.prog_left[hired] = tr.apprenticeship_months
    p.wage[hired] = p.wage_at(k, hired) * tr.apprentice_wage_share
    rec.count("apprenticeship_starts", hired)


def progress(p: Population, pt: ProviderTable, sc: Scenario, k: Derived, luck: MonthlyLuck,
             active: bool) -> tuple[np.ndarray, np.ndarray]:
    """One month of training: drop out with a monthly hazard that falls with aptitude,
    supports and paid earn-and-learn, or move a month closer to the credential."""
    tr, sup = sc.training, sc.fund.supports
    # Stipends remove barriers for fund-paid trainees (and apprentices, if supports reach them);
    # part-time at the workplace, incumbents' barriers weigh less.
    idx, total, expo = kt.completion_chances(
        p.prog_left, p.prog_kind, p.prog_payer, p.prog_rung, p.prog_months, p.prog_provider, p.aptitude,
        p.childcare, p.transport, pt.quality, k.base_logit, float(k.appr_logit), tr.aptitude_effect,
        tr.barrier_effect, tr.incumbent_barrier_weight, tr.earn_and_learn_effect,
        sup.coverage if (active and sup.childcare_monthly > 0) else 0.0,
        sup.coverage if (active and sup.transport_monthly > 0) else 0.0, bool(sup.reach_apprentices))
    if len(idx) == 0:
        return idx, idx
    hazard = 1.0 - total ** expo
    return kt.advance(idx, luck.at("progress", idx), hazard, p.prog_left)


def start_externships(p: Population, f: FirmTable, sc: Scenario, k: Derived, luck: MonthlyLuck,
                      rng: np.random.Generator, completers: np.ndarray, rec: Recorder) -> np.ndarray:
    """Offer fund completers an externship with a willing member firm that has an opening at
    the level of their credential (the post the host holds for them)."""
    tr = sc.training
    if len(completers) == 0:
        return completers
    offered = completers[luck.at("externships", completers) < tr.externship_share]
    # By (sector, level of the credential) in that order; only cells with someone offered.
    level_of = np.minimum(p.rung[offered], 3).astype(np.int64)
    cell_of = p.sector[offered].astype(np.int64) * 4 + level_of
    willing = f.host_willing & f.member
    open_at = f.vacancies > 0  # a cell takes only its own sector's openings at its level
    placed = []
    for cell in np.unique(cell_of[level_of > 0]).tolist():
        s, lvl = divmod(cell, 4)
        cand = offered[cell_of == cell]
        hosts = np.flatnonzero(willing & (f.sector == s) & open_at[:, lvl])
        if len(hosts):
            # One extern per opening: a host holds a real post for each extern it takes.
            open_slots = f.vacancies[hosts, lvl]
            n = min(len(cand), int(open_slots.sum()))
            host = hosts[draw_slots(open_slots, n, rng.random(n))]
            cand = cand[:n]
            np.subtract.at(f.vacancies[:, lvl], host, 1)
            p.status[cand] = EXTERNSHIP
            p.ext_host[cand] = host
            p.job_level[cand] = lvl
            p.ext_left[cand] = tr.externship_months
            p.wage[cand] = p.wage_at(k, cand, level=np.full(len(cand), lvl, dtype=np.int8))
            placed.append(cand)
    started = np.concatenate(placed) if placed else completers[:0]
    rec.count("externship_starts", started)
    p.externed[started] = True
    p.await_until[started] = -1  # the placement window opens when the externship ends
    return started


def end_externships(p: Population, f: FirmTable, sc: Scenario, k: Derived, luck: MonthlyLuck,
                    month: int, rec: Recorder) -> np.ndarray:
    """A host hires its extern at the end if it still wants the post it held for her (demand
    has not fallen below its staff at that level) and she proved a fit: the host has watched her
    work, so its screen is her performance, not her employability on paper."""
    tr = sc.training
    idx = np.flatnonzero(p.status == EXTERNSHIP)
    p.ext_left[idx] -= 1
    ending = idx[p.ext_left[idx] <= 0]
    if len(ending) == 0:
        return ending
    host = p.ext_host[ending]
    level = np.minimum(p.rung[ending], 3)
    # The host held the opening for its extern (externs count against its vacancies); at the
    # last count the post is still wanted if the level is not over-staffed.
    wanted = f.room[host, level] > -0.5
    hire = wanted & (luck.at("externship_hires", ending) < tr.externship_conversion)
    hired = ending[hire]
    p.start_job(k, hired, host[hire], level[hire])
    rec.count("externship_completions", ending)
    rec.count("externship_hires", hired)
    rest = ending[~hire]
    p.status[rest] = UNEMPLOYED
    p.await_until[rest] = month + tr.placement_window_months
    p.ext_host[ending] = -1
    return hired


def train_incumbents(p: Population, pt: ProviderTable, k: Derived, luck: MonthlyLuck,
                     rng: np.random.Generator, rates: np.ndarray, month: int,
                     rec: Recorder) -> Seats:
    """Firms send staff to part-time upskilling at their own cost (a fund grant may refund
    part of it); the worker keeps working. Returns the seats, priced."""
    cand = luck.candidates("incumbents", float(rates.max(initial=0.0)) / 12.0)
    picked = kt.incumbent_picks(cand, luck.at("incumbents", cand), p.status, p.prog_kind, p.rung, p.employer,
                                rates / 12.0)
    if len(picked) == 0:
        return Seats(picked, picked, picked, np.zeros(0))
    sec = p.sector[picked]
    provider = np.full(len(picked), -1)
    for s in range(k.n_sectors):
        provs = np.flatnonzero((pt.sector == s) & (pt.suspended_until < month))
        here = np.flatnonzero(sec == s)
        if len(provs) and len(here):
            provider[here] = provs[rng.integers(0, len(provs), len(here))]
    picked, provider = picked[provider >= 0], provider[provider >= 0]
    nxt = p.rung[picked] + 1
    p.enrol(picked, PROG_INCUMBENT, PAYER_FIRM, nxt, provider, k.months[nxt - 1], month)
    p.prog_firm[picked] = p.employer[picked]
    rec.count("enrolments", picked)
    rec.count("incumbent_enrolments", picked)
    return Seats(picked, provider, nxt, k.price[nxt - 1])

"""The labour market as whole-population rules: separations, job-to-job moves and poaching, and
matching of job seekers to vacancies by sector and level. Each rule is handed the people, the
firms, the month's luck and the recorder; it changes people through their verbs and firms'
openings through theirs, and returns who was hired so the model can route placements.

Competition for jobs is resolved per (sector, level) cell: the number of hires comes from the
matching function (or the vacancies left), who is hired from each person's own random search
luck this month, and which firm hires from a random draw over open vacancy slots."""

from __future__ import annotations

import numpy as np

from sim.engine import kernels
from sim.engine import kernels_labour as kl
from sim.engine.derived import Derived
from sim.engine.firms import N_LEVELS, FirmTable, charge_turnover, record_poaching
from sim.engine.providers import rank_within
from sim.engine.recorder import Recorder
from sim.engine.rng import MonthlyLuck
from sim.engine.workers import (
    OUT_OF_LF,
    TRAINED_BY_FUND,
    TRAINED_BY_SELF,
    UNEMPLOYED,
    Population,
)
from sim.scenario.schema import Scenario

FUND_ROW, SELF_ROW = 5, 6  # poaching matrix rows after the five firm size classes


class Tightness:
    """Each sector's labour-market tightness (vacancies posted per job seeker) against its own
    running mean: the index quits and job-to-job moves respond to, as in search-and-matching
    models (a worker searching on the job meets more vacancies when the market is tight)."""

    def __init__(self, n_sectors: int) -> None:
        self.log_sum = np.zeros(n_sectors)
        self.last = np.zeros(n_sectors)
        self.months = 0

    def observe(self, f: FirmTable, seekers: np.ndarray, n_sectors: int) -> np.ndarray:
        """This month's posting: log(vacancies / job seekers) by sector (both floored at 1), from
        the firms' openings and the job seekers in each sector. Returns the vacancies by sector."""
        vac = np.bincount(f.sector, weights=f.vacancies.sum(axis=1), minlength=n_sectors)
        self.last = np.log(np.maximum(vac, 1.0)) - np.log(np.maximum(seekers, 1.0))
        self.log_sum += self.last
        self.months += 1
        return vac

    def multiplier(self, elasticity: float) -> np.ndarray:
        """(theta / its geometric running mean) ^ elasticity, 1 before the first posting."""
        if self.months == 0:
            return np.ones_like(self.last)
        return np.exp(elasticity * (self.last - self.log_sum / self.months))


def cycle_factor(sc: Scenario, gap: np.ndarray, tightness: Tightness) -> np.ndarray:
    """The cycle's multiplier on quits and job-to-job moves, per sector: tightness, and any
    extra response to the demand gap, within the bounds."""
    lab = sc.labour
    raw = (1.0 + lab.quit_cyclicality * gap) * tightness.multiplier(lab.quit_tightness_elasticity)
    return np.clip(raw, *lab.quit_cycle_bounds)


def separate(p: Population, f: FirmTable, sc: Scenario, k: Derived, luck: MonthlyLuck,
             gap: np.ndarray, target: np.ndarray, month: int, rec: Recorder,
             tightness: Tightness) -> None:
    """Quits and layoffs (more layoffs where firms are over-staffed, fewer quits when jobs are
    scarce), and flows in and out of the labour force."""
    lab = sc.labour
    quit_s = lab.quit_rate * k.quit_mult * cycle_factor(sc, gap, tightness)
    head = np.maximum(f.headcount, 1)
    excess = np.maximum(0.0, f.headcount - target) / head * lab.layoff_adjustment_speed
    layoff_s = lab.layoff_rate * np.clip(1.0 - lab.layoff_cyclicality * gap, *lab.layoff_cycle_bounds)
    # A job a provider placed someone into may be more (or less) stable: its hazards are scaled.
    stable = float(p.sep_mult.max(initial=1.0))
    cand = luck.candidates("quits", float((quit_s + layoff_s).max() + excess.max()) * stable)
    # competing risks on one draw: quit, else laid off, else stay
    quits, layoffs = kl.separations(cand, luck.at("quits", cand), p.status, p.sector, p.employer, p.sep_mult,
                                    quit_s, layoff_s, excess)
    gone = np.concatenate([quits, layoffs])
    rec.count("quits", quits)
    rec.count("layoffs", layoffs)
    charge_turnover(f, p.employer[quits], p.wage[quits], sc.firms.turnover_cost_share)
    p.leave_job(gone)
    p.status[gone] = UNEMPLOYED
    out = luck.candidates("olf", max(lab.out_of_labour_force_rate, lab.reentry_rate))
    to_olf, back = kl.labour_force_moves(  # NumPy compares the float32 draws with the rates in float32
        out, luck.at("olf", out), p.status, p.await_until, month, np.float32(lab.out_of_labour_force_rate),
        np.float32(lab.reentry_rate))
    p.status[to_olf] = OUT_OF_LF
    p.status[back] = UNEMPLOYED


def job_to_job(p: Population, f: FirmTable, sc: Scenario, k: Derived, luck: MonthlyLuck,
               gap: np.ndarray, poaching: np.ndarray, rec: Recorder, tightness: Tightness) -> None:
    """Employer-to-employer moves. Credentialed workers face an extra pull from rivals in
    proportion to how portable their credential is (poaching), and move for a premium."""
    lab = sc.labour
    # JOLTS quits are mostly job-to-job moves, so the sector quit multiplier scales this hazard
    # as it scales quits into unemployment (CAL04).
    mult = lab.job_to_job_rate * k.quit_mult
    base = mult * cycle_factor(sc, gap, tightness)
    pull = mult * lab.poaching_intensity * k.portability * (1.0 / 3.0)
    cand = luck.candidates("job_to_job", float((base + 3.0 * pull).max()))
    # A rival hires at the level the credential proves; nobody moves down a level, and movers
    # compete for openings in the order of this month's luck.
    movers, dest_level, u = kl.job_movers(cand, luck.at("job_to_job", cand), p.status, p.prog_kind, p.sector,
                                          p.rung, p.job_level, base, pull, N_LEVELS - 1)
    order = np.argsort(u, kind="stable")
    movers, dest_level = movers[order], dest_level[order]
    if len(movers) == 0:
        return
    hired, firms, level = kernels.move(movers, p.sector, dest_level, p.employer[movers].astype(np.int64),
                                       f.vacancies, f.sector, k.n_sectors, luck.key("job_to_job_slots"))
    if len(hired) == 0:
        return
    charge_turnover(f, p.employer[hired], p.wage[hired], sc.firms.turnover_cost_share)
    rec.count("job_to_job_moves", hired)
    credentialed = p.rung[hired] > 0
    p.premium[hired[credentialed]] *= 1.0 + lab.poaching_wage_premium
    tb = p.trained_by[hired]
    trained = (tb >= 0) | (tb == TRAINED_BY_FUND) | (tb == TRAINED_BY_SELF)
    poached = hired[trained]
    rec.count("poached_trained_workers", poached)
    # (they still work for the firm they leave: start_job below moves them)
    record_poaching(f, poaching, p.trained_by[poached], p.employer[poached], firms[trained],
                    FUND_ROW, SELF_ROW, TRAINED_BY_FUND)
    p.start_job(k, hired, firms, level)


def match(p: Population, f: FirmTable, sc: Scenario, k: Derived, luck: MonthlyLuck, month: int) -> np.ndarray:
    """Job seekers meet vacancies in each sector, best-qualified level first; the number of
    hires in a cell follows the matching function M = A S^a V^(1-a). Who is hired is a draw
    weighted by each seeker's employability (heterogeneous job finding at unchanged flows), and
    a recent completer holds out for a job at her credential's level (a higher reservation wage).
    Returns the people hired."""
    lab = sc.labour
    seekers_all = np.flatnonzero(p.status == UNEMPLOYED)
    luck_u = luck.at("matching", seekers_all)
    # Weighted sampling without replacement (Efraimidis & Spirakis 2006): sorting by
    # -log(1 - u) / weight puts seekers in the order employers would pick them.
    # Employers weigh a credential earned without employer involvement less (sim.scenario.careers).
    weight = np.where(p.linked[seekers_all] | (p.rung[seekers_all] == 0), 1.0,
                      sc.careers.unlinked_hiring_weight)
    key = -np.log1p(-luck_u) / np.maximum(p.employability[seekers_all] * weight, 1e-6)
    order = seekers_all[np.argsort(key, kind="stable")]
    window = sc.training.placement_window_months
    # Only a completer in her placement window holds out (await_until is -1 for everyone else),
    # for the window's first `credential_holdout_months` months.
    waiting = p.await_until[order]
    holdout = (waiting >= 0) & (waiting - window + sc.workers.credential_holdout_months >= month)
    hired, firms, level = kernels.match(order, p.sector, p.rung, holdout, f.vacancies,
                                        f.sector, k.n_sectors, lab.matching_efficiency,
                                        lab.matching_elasticity, luck.key("matching_slots"))
    p.start_job(k, hired, firms, level)
    return hired


def promote(p: Population, f: FirmTable, sc: Scenario, k: Derived, luck: MonthlyLuck) -> np.ndarray:
    """Promotion on the job (an internal labour market): an employee whose credential proves a
    higher level than her job, or (at a lower hazard) one already at her credential's level,
    climbs one level at her employer with a hazard by destination level that rises with tenure,
    if the employer has an opening there; openings go to the luckiest first, before any outside
    hire. People without a credential have no ladder. Returns the promoted."""
    c = sc.careers
    rates = np.array([*c.promotion_rate_monthly, 0.0])  # by current level: to entry, mid, advanced, none
    cand = luck.candidates("promotions", float(rates.max()))
    emp, lvl, u = kl.promotion_candidates(cand, luck.at("promotions", cand), p.status, p.prog_kind, p.rung,
                                          p.job_level, p.tenure, rates, c.experience_promotion_factor,
                                          c.promotion_tenure_months, N_LEVELS - 1)
    if len(emp) == 0:
        return emp
    firm = p.employer[emp].astype(np.int64)
    cell = firm * N_LEVELS + lvl
    rank = rank_within(cell, -u)  # the lowest draw first within each (employer, level)
    ok = rank < f.vacancies[firm, lvl]
    emp, firm, lvl = emp[ok], firm[ok], lvl[ok]
    np.subtract.at(f.vacancies, (firm, lvl), 1)
    p.job_level[emp] = lvl
    p.wage[emp] = p.wage_at(k, emp)
    return emp

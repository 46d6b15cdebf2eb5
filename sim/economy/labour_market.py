"""The labour market as whole-population rules: separations, vacancies, job-to-job moves and
poaching, and matching of job seekers to vacancies by sector and level.

Competition for jobs is resolved per (sector, level) cell: the number of hires comes from the
matching function (or the vacancies left), who is hired from each person's own random search
luck this month, and which firm hires from a random draw over open vacancy slots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import (
    APPRENTICE,
    EMPLOYED,
    EXTERNSHIP,
    OUT_OF_LF,
    PAYER_FUND,
    TRAINED_BY_FUND,
    TRAINED_BY_SELF,
    TRAINING,
    UNEMPLOYED,
)

if TYPE_CHECKING:
    from sim.model import FundModel

N_LEVELS = 4


def wage_of(m: FundModel, idx: np.ndarray, level: np.ndarray | None = None) -> np.ndarray:
    """Monthly wage of people `idx` in a job at `level` (default: their current level)."""
    p, k = m.pop, m.k
    lvl = p.job_level[idx] if level is None else level
    return (k.base_wage_f[p.sector[idx]] * k.prem_mult[lvl] * p.wage_effect[idx]
            * p.premium[idx] * k.tenure_growth[p.tenure[idx]])


def headcounts(m: FundModel) -> np.ndarray:
    p = m.pop
    on_payroll = (p.status == EMPLOYED) | (p.status == APPRENTICE)
    return np.bincount(p.employer[on_payroll], minlength=m.firm_table.n)


def targets(m: FundModel) -> np.ndarray:
    """Head count each firm wants this month: its size scaled by its sector's demand."""
    f = m.firm_table
    rel = m.demand.index[m.month] / m.demand.index[0]
    return f.size0 * rel[f.sector]


def separate(m: FundModel) -> None:
    """Quits and layoffs (more layoffs where firms are over-staffed, fewer quits in a downturn),
    and flows in and out of the labour force."""
    p, lab, f = m.pop, m.scenario.labour, m.firm_table
    gap = m.demand.gap(m.month)
    quit_s = lab.quit_rate * m.k.quit_mult * np.clip(1.0 + lab.quit_cyclicality * gap, 0.2, 3.0)
    head = np.maximum(f.headcount, 1)
    excess = np.maximum(0.0, f.headcount - targets(m)) / head * lab.layoff_adjustment_speed
    layoff_s = lab.layoff_rate * np.clip(1.0 - 2.0 * gap, 0.5, 3.0)
    cand = m.candidates("quits", float((quit_s + layoff_s).max() + excess.max()))
    emp = cand[p.status[cand] == EMPLOYED]
    sec = p.sector[emp]
    layoff_p = layoff_s[sec] + excess[p.employer[emp]]
    u = m.draw("quits")[emp]  # competing risks on one draw: quit, else laid off, else stay
    q = quit_s[sec]
    quit = u < q
    laid = ~quit & (u < q + layoff_p)
    quits, layoffs = emp[quit], emp[laid]
    gone = emp[quit | laid]
    m.rec.count("quits", quits)
    m.rec.count("layoffs", layoffs)
    charge_turnover(m, quits)
    leave_job(m, gone)
    p.status[gone] = UNEMPLOYED
    out = m.candidates("olf", max(lab.out_of_labour_force_rate, lab.reentry_rate))
    out = out[(p.status[out] == UNEMPLOYED) | (p.status[out] == OUT_OF_LF)]
    st, uo = p.status[out], m.draw("olf")[out]
    to_olf = out[(st == UNEMPLOYED) & (p.await_until[out] < m.month) & (uo < lab.out_of_labour_force_rate)]
    back = out[(st == OUT_OF_LF) & (uo < lab.reentry_rate)]
    p.status[to_olf] = OUT_OF_LF
    p.status[back] = UNEMPLOYED


def charge_turnover(m: FundModel, idx: np.ndarray) -> None:
    """The employer of each leaver (call before they leave) bears the cost of replacing them."""
    p = m.pop
    cost = m.scenario.firms.turnover_cost_share * 12.0 * p.wage[idx].astype(np.float64)
    m.firm_turnover += np.bincount(p.employer[idx], weights=cost, minlength=m.firm_table.n)


def leave_job(m: FundModel, idx: np.ndarray) -> None:
    p = m.pop
    p.employer[idx] = -1
    p.tenure[idx] = 0


def age_jobs(m: FundModel, stipend: float) -> None:
    """A month of tenure: wages grow with tenure (one multiply: the tenure profile is
    geometric); earnings are wages for people in work and stipends for fund trainees."""
    p = m.pop
    st = p.status
    on_mask = (st == EMPLOYED) | (st == APPRENTICE)
    p.tenure += on_mask  # int16: at most 240 + 600 months, far below its limit
    p.wage *= np.where(on_mask, m.k.monthly_growth, np.float32(1.0))
    on = np.flatnonzero(on_mask)
    paid = on_mask | (st == EXTERNSHIP)
    np.multiply(p.wage, paid, out=p.earnings)
    if stipend > 0:
        p.earnings[(st == TRAINING) & (p.prog_payer == PAYER_FUND)] = stipend
    f = m.firm_table
    f.payroll = np.bincount(p.employer[on], weights=p.wage[on], minlength=f.n)


def post_vacancies(m: FundModel) -> None:
    """Openings by level: each firm wants its target head count spread over levels by its
    sector's level shares; a level below its target has vacancies."""
    p, f = m.pop, m.firm_table
    on = np.flatnonzero((p.status == EMPLOYED) | (p.status == APPRENTICE))
    ext = np.flatnonzero(p.status == EXTERNSHIP)  # a host holds an opening for its extern
    firm = np.concatenate([p.employer[on], p.ext_host[ext]])
    level = np.concatenate([p.job_level[on], p.job_level[ext]])
    by_level = np.bincount(firm * N_LEVELS + level, minlength=f.n * N_LEVELS).reshape(f.n, N_LEVELS)
    want = targets(m)[:, None] * m.k.level_shares[f.sector]
    f.room = want - by_level
    f.vacancies = np.floor(np.maximum(0.0, f.room) + 0.5).astype(np.int64)
    f.headcount = by_level.sum(axis=1) - np.bincount(p.ext_host[ext], minlength=f.n)


def fill(m: FundModel, people: np.ndarray, sector: int, level: int, n_hires: int,
         rng: np.random.Generator, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hire up to `n_hires` of `people` (already in priority order) into open level-`level`
    slots of sector-`sector` firms, drawn at random over slots. Consumes the vacancies.
    `exclude`: each person's current employer, which cannot hire them again."""
    f = m.firm_table
    firms = np.flatnonzero((f.sector == sector) & (f.vacancies[:, level] > 0))
    slots = np.repeat(firms, f.vacancies[firms, level])
    n = min(int(n_hires), len(people), len(slots))
    if n <= 0:
        return people[:0], people[:0]
    chosen = slots[rng.choice(len(slots), size=n, replace=False)]
    hired = people[:n]
    if exclude is not None:
        ok = chosen != exclude[:n]
        hired, chosen = hired[ok], chosen[ok]
    np.subtract.at(f.vacancies[:, level], chosen, 1)
    return hired, chosen


def start_job(m: FundModel, idx: np.ndarray, firms: np.ndarray, level: int | np.ndarray) -> None:
    p = m.pop
    p.status[idx] = EMPLOYED
    p.employer[idx] = firms
    p.job_level[idx] = level
    p.tenure[idx] = 0
    p.wage[idx] = wage_of(m, idx)


def job_to_job(m: FundModel) -> None:
    """Employer-to-employer moves. Credentialed workers face an extra pull from rivals in
    proportion to how portable their credential is (poaching), and move for a premium."""
    p, lab = m.pop, m.scenario.labour
    gap = m.demand.gap(m.month)
    # JOLTS quits are mostly job-to-job moves, so the sector quit multiplier scales this hazard
    # as it scales quits into unemployment (CAL04).
    mult = lab.job_to_job_rate * m.k.quit_mult
    base = mult * np.clip(1.0 + lab.quit_cyclicality * gap, 0.2, 3.0)
    pull = mult * lab.poaching_intensity * m.k.portability * (1.0 / 3.0)
    cand = m.candidates("job_to_job", float((base + 3.0 * pull).max()))
    emp = cand[(p.status[cand] == EMPLOYED) & (p.prog_kind[cand] == 0)]
    sec = p.sector[emp]
    u = m.draw("job_to_job")
    movers = emp[u[emp] < base[sec] + pull[sec] * p.rung[emp]]
    # A rival hires at the level the credential proves; nobody moves down a level, and movers
    # compete for openings in the order of this month's luck.
    dest_level = np.minimum(p.rung[movers], N_LEVELS - 1)
    keep = dest_level >= p.job_level[movers]
    movers, dest_level = movers[keep], dest_level[keep]
    order = np.argsort(u[movers], kind="stable")
    movers, dest_level = movers[order], dest_level[order]
    if len(movers) == 0:
        return
    rng = m.streams["job_to_job"]
    origin = np.full(p.n, -1, dtype=np.int32)
    origin[movers] = p.employer[movers]
    got: list[tuple[np.ndarray, np.ndarray, int]] = []
    cell_of = p.sector[movers].astype(np.int64) * N_LEVELS + dest_level
    for s in range(m.k.n_sectors):
        for lvl in range(N_LEVELS):
            cell = movers[cell_of == s * N_LEVELS + lvl]
            if len(cell):
                got.append((*fill(m, cell, s, lvl, len(cell), rng, exclude=origin[cell]), lvl))
    if not got:
        return
    hired = np.concatenate([g[0] for g in got])
    firms = np.concatenate([g[1] for g in got])
    level = np.concatenate([np.full(len(g[0]), g[2], dtype=np.int8) for g in got])
    charge_turnover(m, hired)
    m.rec.count("job_to_job_moves", hired)
    credentialed = p.rung[hired] > 0
    p.premium[hired[credentialed]] *= 1.0 + lab.poaching_wage_premium
    tb = p.trained_by[hired]
    trained = (tb >= 0) | (tb == TRAINED_BY_FUND) | (tb == TRAINED_BY_SELF)
    m.record_poaching(hired[trained], origin[hired[trained]], firms[trained])
    start_job(m, hired, firms, level)


def match(m: FundModel) -> None:
    """Job seekers meet vacancies in each sector, best-qualified level first; the number of
    hires in a cell follows the matching function M = A S^a V^(1-a). Who is hired is a draw
    weighted by each seeker's employability (heterogeneous job finding at unchanged flows), and
    a recent completer holds out for a job at her credential's level (a higher reservation wage)."""
    p, lab = m.pop, m.scenario.labour
    seekers_all = np.flatnonzero(p.status == UNEMPLOYED)
    luck = m.draw("matching")
    rng = m.streams["matching"]
    # Weighted sampling without replacement (Efraimidis & Spirakis 2006): sorting by
    # -log(1 - u) / weight puts seekers in the order employers would pick them.
    key = -np.log1p(-luck[seekers_all]) / np.maximum(p.employability[seekers_all], 1e-6)
    order = seekers_all[np.argsort(key, kind="stable")]
    window = m.scenario.training.placement_window_months
    # Only a completer in her placement window holds out (await_until is -1 for everyone else),
    # for the window's first `credential_holdout_months` months.
    waiting = p.await_until[order]
    holdout = (waiting >= 0) & (waiting - window + m.scenario.workers.credential_holdout_months >= m.month)
    a = lab.matching_elasticity
    hires: list[np.ndarray] = []
    taken = np.zeros(p.n, dtype=bool)
    for s in range(m.k.n_sectors):
        here = p.sector[order] == s
        pool, pool_holdout = order[here], holdout[here]
        for lvl in range(N_LEVELS - 1, -1, -1):
            ok = (p.rung[pool] >= lvl) & ~taken[pool]
            cell = pool[ok & (~pool_holdout | (p.rung[pool] == lvl))]
            vac = int(m.firm_table.vacancies[m.firm_table.sector == s, lvl].sum())
            if len(cell) == 0 or vac == 0:
                continue
            expected = min(lab.matching_efficiency * len(cell) ** a * vac ** (1 - a), len(cell), vac)
            n = int(expected) + (rng.random() < expected - int(expected))
            hired, firms = fill(m, cell, s, lvl, n, rng)
            start_job(m, hired, firms, lvl)
            hires.append(hired)
            taken[hired] = True
    if hires:
        hired = np.concatenate(hires)
        m.on_hired(hired)
        m.rec.count("hires", hired)

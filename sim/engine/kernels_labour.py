"""Compiled loops behind the labour market's rules (sim.engine.labour_market): separations,
flows in and out of the labour force, who moves job to job and who is up for promotion, each in
one pass over the month's candidates instead of a dozen NumPy statements on them.

Each reproduces the NumPy statements it replaced to the bit: the same float64 arithmetic on the
same values (float32 columns meet float64 in float64), and a float32 draw compared with a Python
number is compared in float32, as NumPy compares it (the caller hands those rates as float32)."""

from __future__ import annotations

import numba as nb
import numpy as np

# Status codes (sim.engine.workers; kernels cannot import the module that imports them).
_UNEMPLOYED, _EMPLOYED, _OUT_OF_LF = 0, 1, 5


@nb.njit(cache=True)
def separations(cand: np.ndarray, u: np.ndarray, status: np.ndarray, sector: np.ndarray,
                employer: np.ndarray, sep_mult: np.ndarray, quit_s: np.ndarray, layoff_s: np.ndarray,
                excess: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of the candidates (draws `u`), employees who quit (draw below the quit hazard) and those
    laid off (else below quit + layoff hazard): competing risks on one draw. Hazards are the
    sector's, plus the employer's excess staff for layoffs, times the job's hazard factor."""
    quits = np.empty(cand.shape[0], dtype=np.int64)
    layoffs = np.empty(cand.shape[0], dtype=np.int64)
    nq = nl = 0
    for j in range(cand.shape[0]):
        i = cand[j]
        if status[i] != _EMPLOYED:
            continue
        s = sector[i]
        mult = sep_mult[i]
        q = quit_s[s] * mult
        uj = np.float64(u[j])
        if uj < q:
            quits[nq] = i
            nq += 1
        elif uj < q + (layoff_s[s] + excess[employer[i]]) * mult:
            layoffs[nl] = i
            nl += 1
    return quits[:nq].copy(), layoffs[:nl].copy()


@nb.njit(cache=True)
def labour_force_moves(cand: np.ndarray, u: np.ndarray, status: np.ndarray, await_until: np.ndarray,
                       month: int, out_rate: np.float32,
                       reentry_rate: np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Of the candidates (draws `u`), job seekers who leave the labour force (not waiting out a
    placement window) and people out of it who come back to search."""
    out = np.empty(cand.shape[0], dtype=np.int64)
    back = np.empty(cand.shape[0], dtype=np.int64)
    no = nb_ = 0
    for j in range(cand.shape[0]):
        i = cand[j]
        st = status[i]
        if st == _UNEMPLOYED and await_until[i] < month and u[j] < out_rate:
            out[no] = i
            no += 1
        elif st == _OUT_OF_LF and u[j] < reentry_rate:
            back[nb_] = i
            nb_ += 1
    return out[:no].copy(), back[:nb_].copy()


@nb.njit(cache=True)
def job_movers(cand: np.ndarray, u: np.ndarray, status: np.ndarray, prog_kind: np.ndarray, sector: np.ndarray,
               rung: np.ndarray, job_level: np.ndarray, base: np.ndarray, pull: np.ndarray,
               top_level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of the candidates (draws `u`), employees in no programme whose draw is below their sector's
    job-to-job hazard plus the pull of their credential, and whose credential proves a level at
    least their job's: the movers, the level they move to, and their draws."""
    movers = np.empty(cand.shape[0], dtype=np.int64)
    dest = np.empty(cand.shape[0], dtype=np.int64)
    du = np.empty(cand.shape[0], dtype=np.float32)
    m = 0
    for j in range(cand.shape[0]):
        i = cand[j]
        if status[i] != _EMPLOYED or prog_kind[i] != 0:
            continue
        s = sector[i]
        if not np.float64(u[j]) < base[s] + pull[s] * rung[i]:
            continue
        lvl = min(rung[i], top_level)
        if lvl < job_level[i]:
            continue
        movers[m] = i
        dest[m] = lvl
        du[m] = u[j]
        m += 1
    return movers[:m].copy(), dest[:m].copy(), du[:m].copy()


@nb.njit(cache=True)
def promotion_candidates(cand: np.ndarray, u: np.ndarray, status: np.ndarray, prog_kind: np.ndarray,
                         rung: np.ndarray, job_level: np.ndarray, tenure: np.ndarray, rates: np.ndarray,
                         same_level_factor: float, tenure_months: int,
                         top_level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of the candidates (draws `u`), employees in no programme with a credential and a job below
    the top level whose draw is below the promotion hazard of their level (full if the credential
    proves a higher level, `same_level_factor` of it if the same, ramped up over
    `tenure_months` of tenure): who, the level they would climb to, and their draws."""
    who = np.empty(cand.shape[0], dtype=np.int64)
    to = np.empty(cand.shape[0], dtype=np.int64)
    du = np.empty(cand.shape[0], dtype=np.float32)
    m = 0
    for j in range(cand.shape[0]):
        i = cand[j]
        if status[i] != _EMPLOYED or prog_kind[i] != 0 or rung[i] <= 0 or job_level[i] >= top_level:
            continue
        lvl = np.int64(job_level[i])
        r = rung[i]
        ladder = 1.0 if r > lvl else (same_level_factor if r == lvl else 0.0)
        hazard = rates[lvl] * ladder
        if tenure_months:
            hazard = hazard * min(1.0, tenure[i] / tenure_months)
        if np.float64(u[j]) < hazard:
            who[m] = i
            to[m] = lvl + 1
            du[m] = u[j]
            m += 1
    return who[:m].copy(), to[:m].copy(), du[:m].copy()

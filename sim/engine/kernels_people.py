"""Compiled helpers of the worker population's verbs (sim.engine.workers.Population): the skilled
wage factor and the wages and monthly career updates built on it, each one pass over people.

Population keeps its verbs; these are the loops they call. Each reproduces the NumPy statements
it replaced to the bit: the same float32 operations on the same values in the same order (numba
does not fuse multiply-adds or reorder float arithmetic unless asked to with fastmath, which
nothing here does), and one person's result never depends on another's."""

from __future__ import annotations

import numba as nb
import numpy as np

# Status codes (sim.engine.workers; kernels cannot import the module that imports them).
_UNEMPLOYED, _EMPLOYED, _TRAINING, _EXTERNSHIP, _APPRENTICE, _OUT_OF_LF = 0, 1, 2, 3, 4, 5
_PROG_COURSE = 1


# The skilled factor, 1 + skill x (premium x experience growth - 1), is written out in each
# kernel rather than called as a helper: a compiled call per person costs about five times the
# arithmetic (measured on 20,000 people).

@nb.njit(cache=True)
def skilled_factor(idx: np.ndarray, job_level: np.ndarray, level: np.ndarray, own_level: bool,
                   linked: np.ndarray, experience: np.ndarray, skill: np.ndarray, prem_mult: np.ndarray,
                   unlinked_mult: np.ndarray, experience_growth: np.ndarray) -> np.ndarray:
    """The skilled factor of people `idx` in a job at `level[j]` (or their own, `own_level`)."""
    out = np.empty(idx.shape[0], dtype=np.float32)
    for j in range(idx.shape[0]):
        i = idx[j]
        lvl = job_level[i] if own_level else level[j]
        prem = prem_mult[lvl] if linked[i] else unlinked_mult[lvl]
        grown = prem * (experience_growth[experience[i]] if lvl > 0 else np.float32(1.0))
        out[j] = np.float32(1.0) + skill[i] * (grown - np.float32(1.0))
    return out


@nb.njit(cache=True)
def output_factor(idx: np.ndarray, job_level: np.ndarray, linked: np.ndarray, experience: np.ndarray,
                  skill: np.ndarray, prem_mult: np.ndarray, unlinked_mult: np.ndarray,
                  experience_growth: np.ndarray) -> np.ndarray:
    """The skilled factor of people `idx` over their level's premium factor."""
    out = np.empty(idx.shape[0], dtype=np.float32)
    for j in range(idx.shape[0]):
        i = idx[j]
        lvl = job_level[i]
        prem = prem_mult[lvl] if linked[i] else unlinked_mult[lvl]
        grown = prem * (experience_growth[experience[i]] if lvl > 0 else np.float32(1.0))
        out[j] = (np.float32(1.0) + skill[i] * (grown - np.float32(1.0))) / prem
    return out


@nb.njit(cache=True)
def wage_at(idx: np.ndarray, job_level: np.ndarray, level: np.ndarray, own_level: bool, sector: np.ndarray,
            linked: np.ndarray, experience: np.ndarray, skill: np.ndarray, wage_effect: np.ndarray,
            premium: np.ndarray, job_mult: np.ndarray, tenure: np.ndarray, base_wage_f: np.ndarray,
            prem_mult: np.ndarray, unlinked_mult: np.ndarray, experience_growth: np.ndarray,
            tenure_growth: np.ndarray) -> np.ndarray:
    """Monthly wage of people `idx` at `level[j]` (or their own level): base x skilled factor x
    own effect x poaching premia x job factor x tenure growth, multiplied left to right."""
    out = np.empty(idx.shape[0], dtype=np.float32)
    for j in range(idx.shape[0]):
        i = idx[j]
        lvl = job_level[i] if own_level else level[j]
        prem = prem_mult[lvl] if linked[i] else unlinked_mult[lvl]
        grown = prem * (experience_growth[experience[i]] if lvl > 0 else np.float32(1.0))
        sf = np.float32(1.0) + skill[i] * (grown - np.float32(1.0))
        out[j] = (base_wage_f[sector[i]] * sf * wage_effect[i] * premium[i] * job_mult[i]
                  * tenure_growth[tenure[i]])
    return out


@nb.njit(cache=True)
def month_pass(gain: bool, use: bool, pay: bool, part_time: bool, jobs: bool, status: np.ndarray,
               job_level: np.ndarray, linked: np.ndarray, experience: np.ndarray, skill: np.ndarray,
               wage: np.ndarray, idle: np.ndarray, rung: np.ndarray, tenure: np.ndarray, earnings: np.ndarray,
               prog_payer: np.ndarray, prog_kind: np.ndarray, employer: np.ndarray, work_draw: np.ndarray,
               prior_wage: np.ndarray, prem_mult: np.ndarray, unlinked_mult: np.ndarray,
               experience_growth: np.ndarray, cap: int, depreciation: np.float32, restoration: np.float32,
               lapse_months: int, growth: np.float32, stipend: float, n_firms: int, share: np.float32,
               earnings_share: np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A month of careers and pay, the steps asked for, in this order for each person (no
    person's update reads another's, so one pass gives what one pass per step gives):
    - gain: employees in skilled jobs below `cap` months gain a month of experience; their wage
      moves by the ratio of the new skilled factor to the old (Population.gain_experience);
    - use: a month of using skills or not (Population.use_skills);
    - pay: people on a payroll gain a month of tenure and its wage growth; earnings are the wage
      for them and for externs, the stipend for fund trainees (when paid), nothing otherwise;
    - part_time: course trainees with a work history whose trait is below `share` earn
      `earnings_share` of their last wage on top of any stipend;
    - jobs: the employer and wage of everyone on a payroll, in people's order.
    Returns who lost a rung, each firm's payroll, and the jobs' employers and wages.
    The steps are written out in one loop: a compiled call per person costs about five times
    its arithmetic, and inlined helpers count references to every array they are handed."""
    n = status.shape[0]
    lapsed = np.empty(n if use else 0, dtype=np.int64)
    payroll = np.zeros(n_firms)
    firm = np.empty(n if jobs else 0, dtype=employer.dtype)
    paid = np.empty(n if jobs else 0, dtype=wage.dtype)
    m = 0
    nj = 0
    for i in range(n):
        st = status[i]
        if gain and st == _EMPLOYED and job_level[i] > 0 and experience[i] < cap:
            lvl = job_level[i]
            prem = prem_mult[lvl] if linked[i] else unlinked_mult[lvl]
            old = np.float32(1.0) + skill[i] * (prem * experience_growth[experience[i]] - np.float32(1.0))
            experience[i] += 1
            new = np.float32(1.0) + skill[i] * (prem * experience_growth[experience[i]] - np.float32(1.0))
            wage[i] *= new / old
        if use:
            if st in (_UNEMPLOYED, _OUT_OF_LF):
                idle[i] += 1
                skill[i] *= depreciation
                if lapse_months > 0 and idle[i] >= lapse_months and rung[i] > 0:
                    rung[i] -= 1
                    idle[i] = 0
                    lapsed[m] = i
                    m += 1
            else:
                idle[i] = 0
                if skill[i] < 1.0:  # only depreciated skills are restored
                    restored = min(skill[i] * restoration, np.float32(1.0))
                    if st in (_EMPLOYED, _APPRENTICE, _EXTERNSHIP):  # paid: on a payroll or an externship
                        lvl = job_level[i]
                        prem = prem_mult[lvl] if linked[i] else unlinked_mult[lvl]
                        grown = prem * (experience_growth[experience[i]] if lvl > 0 else np.float32(1.0))
                        old = np.float32(1.0) + skill[i] * (grown - np.float32(1.0))
                        skill[i] = restored
                        new = np.float32(1.0) + skill[i] * (grown - np.float32(1.0))
                        wage[i] *= new / old
                    else:
                        skill[i] = restored
        on = st in (_EMPLOYED, _APPRENTICE)
        if pay:
            if on:
                tenure[i] += 1
                wage[i] *= growth
                payroll[employer[i]] += wage[i]
            earnings[i] = wage[i] if (on or st == _EXTERNSHIP) else np.float32(0.0)
            if stipend > 0 and st == _TRAINING and prog_payer[i] == 1:
                earnings[i] = np.float32(stipend)
        if (part_time and st == _TRAINING and prog_kind[i] == _PROG_COURSE and work_draw[i] < share
                and prior_wage[i] > 0):
            earnings[i] += earnings_share * prior_wage[i]
        if jobs and on:
            firm[nj] = employer[i]
            paid[nj] = wage[i]
            nj += 1
    return lapsed[:m].copy(), payroll, firm[:nj].copy(), paid[:nj].copy()


@nb.njit(cache=True)
def start_jobs(idx: np.ndarray, firms: np.ndarray, level: np.ndarray, status: np.ndarray,
               employer: np.ndarray, job_level: np.ndarray, tenure: np.ndarray, job_mult: np.ndarray,
               sep_mult: np.ndarray, wage: np.ndarray, sector: np.ndarray, linked: np.ndarray,
               experience: np.ndarray, skill: np.ndarray, wage_effect: np.ndarray, premium: np.ndarray,
               base_wage_f: np.ndarray, prem_mult: np.ndarray, unlinked_mult: np.ndarray,
               experience_growth: np.ndarray, tenure_growth: np.ndarray) -> None:
    """People `idx` (distinct) start jobs at `firms` at `level`: employed, no tenure, a job of
    no particular quality, and the wage of the new job (wage_at, after the moves)."""
    for j in range(idx.shape[0]):
        i = idx[j]
        status[i] = _EMPLOYED
        employer[i] = firms[j]
        job_level[i] = level[j]
        tenure[i] = 0
        job_mult[i] = 1.0
        sep_mult[i] = 1.0
    new = wage_at(idx, job_level, job_level, True, sector, linked, experience, skill, wage_effect, premium,
                  job_mult, tenure, base_wage_f, prem_mult, unlinked_mult, experience_growth, tenure_growth)
    for j in range(idx.shape[0]):
        wage[idx[j]] = new[j]

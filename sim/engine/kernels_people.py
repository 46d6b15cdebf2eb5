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


# A month's career and pay updates, one person at a time (inlined into the loops below): the
# separate verbs and Population.work_month run the same bodies, in the same order per person.

@nb.njit(cache=True, inline="always")
def _gain_one(i: int, status: np.ndarray, job_level: np.ndarray, linked: np.ndarray, experience: np.ndarray,
              skill: np.ndarray, wage: np.ndarray, prem_mult: np.ndarray, unlinked_mult: np.ndarray,
              experience_growth: np.ndarray, cap: int) -> None:
    lvl = job_level[i]
    if status[i] != _EMPLOYED or lvl <= 0 or experience[i] >= cap:
        return
    prem = prem_mult[lvl] if linked[i] else unlinked_mult[lvl]
    old = np.float32(1.0) + skill[i] * (prem * experience_growth[experience[i]] - np.float32(1.0))
    experience[i] += 1
    new = np.float32(1.0) + skill[i] * (prem * experience_growth[experience[i]] - np.float32(1.0))
    wage[i] *= new / old


@nb.njit(cache=True, inline="always")
def _use_one(i: int, status: np.ndarray, job_level: np.ndarray, linked: np.ndarray, experience: np.ndarray,
             skill: np.ndarray, wage: np.ndarray, idle: np.ndarray, rung: np.ndarray, prem_mult: np.ndarray,
             unlinked_mult: np.ndarray, experience_growth: np.ndarray, depreciation: np.float32,
             restoration: np.float32, lapse_months: int) -> bool:
    """Returns whether the person lost a rung."""
    st = status[i]
    if st in (_UNEMPLOYED, _OUT_OF_LF):
        idle[i] += 1
        skill[i] *= depreciation
        if lapse_months > 0 and idle[i] >= lapse_months and rung[i] > 0:
            rung[i] -= 1
            idle[i] = 0
            return True
        return False
    idle[i] = 0
    if not skill[i] < 1.0:  # only depreciated skills are restored
        return False
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
    return False


@nb.njit(cache=True, inline="always")
def _pay_one(i: int, status: np.ndarray, tenure: np.ndarray, wage: np.ndarray, earnings: np.ndarray,
             prog_payer: np.ndarray, employer: np.ndarray, growth: np.float32, stipend: float,
             payroll: np.ndarray) -> None:
    st = status[i]
    on = st in (_EMPLOYED, _APPRENTICE)
    if on:
        tenure[i] += 1
        wage[i] *= growth
        payroll[employer[i]] += wage[i]
    earnings[i] = wage[i] if (on or st == _EXTERNSHIP) else np.float32(0.0)
    if stipend > 0 and st == _TRAINING and prog_payer[i] == 1:
        earnings[i] = np.float32(stipend)


@nb.njit(cache=True, inline="always")
def _part_time_one(i: int, status: np.ndarray, prog_kind: np.ndarray, work_draw: np.ndarray,
                   prior_wage: np.ndarray, earnings: np.ndarray, share: np.float32,
                   earnings_share: np.float32) -> None:
    if (status[i] == _TRAINING and prog_kind[i] == _PROG_COURSE and work_draw[i] < share
            and prior_wage[i] > 0):
        earnings[i] += earnings_share * prior_wage[i]


@nb.njit(cache=True)
def gain_experience(status: np.ndarray, job_level: np.ndarray, linked: np.ndarray, experience: np.ndarray,
                    skill: np.ndarray, wage: np.ndarray, prem_mult: np.ndarray, unlinked_mult: np.ndarray,
                    experience_growth: np.ndarray, cap: int) -> None:
    """Employees in skilled jobs below `cap` months gain a month of experience; their wage moves
    by the ratio of the new skilled factor to the old."""
    for i in range(status.shape[0]):
        _gain_one(i, status, job_level, linked, experience, skill, wage, prem_mult, unlinked_mult,
                  experience_growth, cap)


@nb.njit(cache=True)
def use_skills(status: np.ndarray, job_level: np.ndarray, linked: np.ndarray, experience: np.ndarray,
               skill: np.ndarray, wage: np.ndarray, idle: np.ndarray, rung: np.ndarray,
               prem_mult: np.ndarray, unlinked_mult: np.ndarray, experience_growth: np.ndarray,
               depreciation: np.float32, restoration: np.float32, lapse_months: int) -> np.ndarray:
    """A month of using skills or not (see Population.use_skills). Returns who lost a rung."""
    lapsed = np.empty(status.shape[0], dtype=np.int64)
    m = 0
    for i in range(status.shape[0]):
        if _use_one(i, status, job_level, linked, experience, skill, wage, idle, rung, prem_mult,
                    unlinked_mult, experience_growth, depreciation, restoration, lapse_months):
            lapsed[m] = i
            m += 1
    return lapsed[:m].copy()


@nb.njit(cache=True)
def age_and_pay(status: np.ndarray, tenure: np.ndarray, wage: np.ndarray, earnings: np.ndarray,
                prog_payer: np.ndarray, employer: np.ndarray, growth: np.float32, stipend: float,
                n_firms: int) -> np.ndarray:
    """A month of tenure and pay, in one pass: people on a payroll (employed, apprentices) gain a
    month of tenure and its wage growth; earnings are the wage for them and for externs, the
    stipend for fund trainees (when paid), nothing otherwise. Returns each firm's payroll ($)."""
    payroll = np.zeros(n_firms)
    for i in range(status.shape[0]):
        _pay_one(i, status, tenure, wage, earnings, prog_payer, employer, growth, stipend, payroll)
    return payroll


@nb.njit(cache=True)
def part_time_earnings(status: np.ndarray, prog_kind: np.ndarray, work_draw: np.ndarray,
                       prior_wage: np.ndarray, earnings: np.ndarray, share: np.float32,
                       earnings_share: np.float32) -> None:
    """Course trainees with a work history whose trait is below `share` earn `earnings_share`
    of their last wage on top of any stipend."""
    for i in range(status.shape[0]):
        _part_time_one(i, status, prog_kind, work_draw, prior_wage, earnings, share, earnings_share)


@nb.njit(cache=True)
def work_month(status: np.ndarray, job_level: np.ndarray, linked: np.ndarray, experience: np.ndarray,
               skill: np.ndarray, wage: np.ndarray, idle: np.ndarray, rung: np.ndarray, tenure: np.ndarray,
               earnings: np.ndarray, prog_payer: np.ndarray, prog_kind: np.ndarray, employer: np.ndarray,
               work_draw: np.ndarray, prior_wage: np.ndarray, prem_mult: np.ndarray,
               unlinked_mult: np.ndarray, experience_growth: np.ndarray, cap: int,
               depreciation: np.float32, restoration: np.float32, lapse_months: int, growth: np.float32,
               stipend: float, n_firms: int, share: np.float32,
               earnings_share: np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """gain_experience, use_skills, age_and_pay, part_time_earnings and paid_jobs in one pass:
    each person gets the same updates in the same order as from the separate passes (no
    person's update reads another's). Returns each firm's payroll and the pay period's jobs
    (employer and wage of everyone on a payroll, in people's order)."""
    n = status.shape[0]
    payroll = np.zeros(n_firms)
    firm = np.empty(n, dtype=employer.dtype)
    pay = np.empty(n, dtype=wage.dtype)
    jobs = 0
    for i in range(n):
        _gain_one(i, status, job_level, linked, experience, skill, wage, prem_mult, unlinked_mult,
                  experience_growth, cap)
        _use_one(i, status, job_level, linked, experience, skill, wage, idle, rung, prem_mult,
                 unlinked_mult, experience_growth, depreciation, restoration, lapse_months)
        _pay_one(i, status, tenure, wage, earnings, prog_payer, employer, growth, stipend, payroll)
        _part_time_one(i, status, prog_kind, work_draw, prior_wage, earnings, share, earnings_share)
        if status[i] == _EMPLOYED or status[i] == _APPRENTICE:
            firm[jobs] = employer[i]
            pay[jobs] = wage[i]
            jobs += 1
    return payroll, firm[:jobs].copy(), pay[:jobs].copy()


@nb.njit(cache=True)
def paid_jobs(status: np.ndarray, employer: np.ndarray, wage: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The employer and wage of each person on a payroll (employed, apprentice), in people's order."""
    n = 0
    for i in range(status.shape[0]):
        if status[i] == _EMPLOYED or status[i] == _APPRENTICE:
            n += 1
    firm = np.empty(n, dtype=employer.dtype)
    pay = np.empty(n, dtype=wage.dtype)
    j = 0
    for i in range(status.shape[0]):
        if status[i] == _EMPLOYED or status[i] == _APPRENTICE:
            firm[j] = employer[i]
            pay[j] = wage[i]
            j += 1
    return firm, pay

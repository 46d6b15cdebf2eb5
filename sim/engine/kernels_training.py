"""Compiled loops behind training's rules (sim.engine.training): who may apply and how keen they
are, in one pass over the month's candidates instead of some forty NumPy statements on them.

Each reproduces the NumPy statements it replaced to the bit. Two rules of NumPy's arithmetic are
written out: a Python number times a float32 array is computed in float32 (so `aptitude_effect x
aptitude` is a float32 product here too), and float32 meets float64 in float64. The logistic
function is 1 / (1 + exp(-x)) with the C library's exp, as scipy.special.expit computes it (NumPy's
own exp and power are vectorised differently, so nothing here calls them)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

# Status and programme codes (sim.engine.workers; kernels cannot import the module that imports them).
_UNEMPLOYED, _EMPLOYED, _OUT_OF_LF = 0, 1, 5


@nb.njit(cache=True, inline="always")
def _expit(x: float) -> float:
    """scipy.special.expit for float64, to the bit: 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + math.exp(-x))


@nb.njit(cache=True)
def may_apply(cand: np.ndarray, status: np.ndarray, job_level: np.ndarray, rung: np.ndarray,
              prog_kind: np.ndarray, last_start: np.ndarray, contract_price: np.ndarray, month: int,
              months_between: int) -> np.ndarray:
    """Of the candidates, those who may apply: out of work or in a basic job, below the top rung,
    in no programme, past the wait since their last start, with no fund contract open."""
    out = np.empty(cand.shape[0], dtype=np.int64)
    m = 0
    for j in range(cand.shape[0]):
        i = cand[j]
        st = status[i]
        if ((st in (_UNEMPLOYED, _OUT_OF_LF) or (st == _EMPLOYED and job_level[i] == 0))
                and rung[i] < 3 and prog_kind[i] == 0 and month - last_start[i] > months_between
                and contract_price[i] == 0):
            out[m] = i
            m += 1
    return out[:m].copy()


@nb.njit(cache=True)
def keenness(pre: np.ndarray, u: np.ndarray, status: np.ndarray, rung: np.ndarray, sector: np.ndarray,
             group: np.ndarray, wage_effect: np.ndarray, premium: np.ndarray, wage: np.ndarray,
             aptitude: np.ndarray, childcare: np.ndarray, transport: np.ndarray, fund_ok: np.ndarray,
             base_wage: np.ndarray, prem: np.ndarray, portability: np.ndarray, months_of: np.ndarray,
             price: np.ndarray, base_logit: np.ndarray, annuity: float, portable: float,
             search_months: float, scale_months: float, olf_factor: float, aptitude_effect: float,
             barrier_effect: float, cover: float, liquidity: float, stipend: float, barrier_cost: float,
             cov_c: float, cov_t: float, reach: float, rate: float, active: bool,
             ) -> tuple[np.ndarray, np.ndarray]:
    """sim.engine.training.apply_for_training after its candidates: each weighs the discounted
    wage gain of the next credential against tuition, earnings forgone and unmet barriers, paying
    their own way and (while the fund buys seats) fund-paid if `fund_ok`. Returns the applicants
    and whether each would pay their own way."""
    n = pre.shape[0]
    applicants = np.empty(n, dtype=np.int64)
    self_ok = np.empty(n, dtype=np.bool_)
    m = 0
    apt_eff = np.float32(aptitude_effect)
    for j in range(n):
        i = pre[j]
        st = status[i]
        r = rung[i]
        nxt = r + 1
        s = sector[i]
        start_wage = base_wage[s] * wage_effect[i] * premium[i]
        today = np.float64(wage[i]) if st == _EMPLOYED else start_wage * (1.0 + prem[r])
        gain = (max(start_wage * (1.0 + prem[nxt]) - today, 0.0)
                * ((1.0 - portable) + portable * portability[s]))
        months = months_of[nxt - 1]
        forgone = (np.float64(wage[i]) if st == _EMPLOYED else 0.0) * (months + search_months)
        scale = base_wage[s] * scale_months
        olf = olf_factor if st == _OUT_OF_LF else 1.0
        logit = base_logit[nxt - 1] + apt_eff * aptitude[i]
        # paying their own way: no stipend, every barrier unmet
        unmet = childcare[i] * 1.0 + transport[i] * 1.0
        odds = _expit(logit - barrier_effect * unmet)
        pv = gain * 12.0 * annuity * odds
        tuition = price[nxt - 1] * (1.0 - cover) * liquidity
        net = pv - tuition - forgone - barrier_cost * unmet * months + 0.0
        self_keen = _expit(net / scale) * olf
        best = self_keen
        if active:
            unmet = childcare[i] * (1.0 - cov_c) + transport[i] * (1.0 - cov_t)
            odds = _expit(logit - barrier_effect * unmet)
            pv = gain * 12.0 * annuity * odds
            net = pv - 0.0 - forgone - barrier_cost * unmet * months + stipend * months
            target = st in (_UNEMPLOYED, _OUT_OF_LF) or group[i] == 1
            funded = _expit(net / scale) * olf * (reach if target else 1.0)
            if not fund_ok[j]:
                funded = 0.0
            best = max(funded, self_keen)
        uj = np.float64(u[j])
        if uj < rate * best:
            applicants[m] = i
            self_ok[m] = uj < rate * self_keen
            m += 1
    return applicants[:m].copy(), self_ok[:m].copy()

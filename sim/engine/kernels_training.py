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


@nb.njit(cache=True)
def _block_sum(a: np.ndarray, lo: int, n: int) -> float:
    """NumPy's pairwise summation of a[lo:lo + n] for n <= 128: a plain loop below 8, else eight
    running sums combined in a tree, then the rest."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@nb.njit(cache=True)
def np_sum(a: np.ndarray) -> float:
    """np.sum(a) for a 1-D float64 array, to the bit: NumPy's pairwise summation, which halves
    a range above 128 values (at a multiple of 8) and adds the halves' sums. Written without
    recursion (numba's disk cache cannot load recursive functions): a stack of ranges, each
    split before its halves are summed, left then right."""
    lo = np.empty(64, dtype=np.int64)
    size = np.empty(64, dtype=np.int64)
    split = np.zeros(64, dtype=np.bool_)
    vals = np.empty(64)
    top, nv = 0, 0
    lo[0], size[0] = 0, a.shape[0]
    while top >= 0:
        n = size[top]
        if split[top]:  # both halves summed: left below right on the value stack
            vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
            nv -= 1
            split[top] = False
            top -= 1
        elif n <= 128:
            vals[nv] = _block_sum(a, lo[top], n)
            nv += 1
            top -= 1
        else:
            n2 = n // 2
            n2 -= n2 % 8
            split[top] = True
            split[top + 1] = split[top + 2] = False
            lo[top + 1], size[top + 1] = lo[top] + n2, n - n2  # right, summed second
            lo[top + 2], size[top + 2] = lo[top], n2  # left, summed first
            top += 2
    return 0.0 + vals[0]


@nb.njit(cache=True)
def route(app_sector: np.ndarray, u: np.ndarray, prov_sector: np.ndarray, weight: np.ndarray,
          n_sectors: int) -> tuple[np.ndarray, np.ndarray]:
    """Each applicant's provider, drawn among her sector's providers in proportion to `weight`
    with her uniform `u` (the first whose cumulative share exceeds it), or -1 if her sector's
    providers have no weight; and how many applicants each provider drew (float)."""
    n, n_prov = app_sector.shape[0], prov_sector.shape[0]
    chosen = np.full(n, -1, dtype=np.int64)
    provs = np.empty(n_prov, dtype=np.int64)
    for sec in range(n_sectors):
        c = 0
        for q in range(n_prov):
            if prov_sector[q] == sec:
                provs[c] = q
                c += 1
        wts = np.empty(c)
        for q in range(c):
            wts[q] = weight[provs[q]]
        total = np_sum(wts)
        if total <= 0:
            continue
        cum = np.empty(c)
        run = 0.0
        for q in range(c):
            run = wts[q] if q == 0 else run + wts[q]
            cum[q] = run / total
        for j in range(n):
            if app_sector[j] != sec:
                continue
            at = 0  # np.searchsorted(cum, u, side="right") on a non-decreasing cum
            while at < c and cum[at] <= u[j]:
                at += 1
            chosen[j] = provs[min(at, c - 1)]
    demand = np.zeros(n_prov)
    for j in range(n):
        if chosen[j] >= 0:
            demand[chosen[j]] += 1.0
    return chosen, demand


@nb.njit(cache=True)
def order_within(groups: np.ndarray, score: np.ndarray) -> np.ndarray:
    """np.lexsort((-score, groups)): by group, then best score first, ties in input order."""
    by_score = np.argsort(-score, kind="mergesort")
    return by_score[np.argsort(groups[by_score], kind="mergesort")]


@nb.njit(cache=True)
def rank_within(groups: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rank of each item within its group, best score first (0 = best), ties in input order."""
    order = order_within(groups, score)
    ranks = np.empty(order.shape[0], dtype=np.int64)
    start = 0
    for r in range(order.shape[0]):
        if r > 0 and groups[order[r]] != groups[order[r - 1]]:
            start = r
        ranks[order[r]] = r - start
    return ranks


@nb.njit(cache=True)
def within_budget(sector: np.ndarray, score: np.ndarray, commit: np.ndarray,
                  budget: np.ndarray) -> np.ndarray:
    """Whether each seat is funded: its sector's commitments, best-ranked first, add up to at
    most the sector's budget by the time it is reached (a running sum, as np.cumsum)."""
    order = order_within(sector, score)
    ok = np.empty(order.shape[0], dtype=np.bool_)
    run = 0.0
    for r in range(order.shape[0]):
        j = order[r]
        first = r == 0 or sector[j] != sector[order[r - 1]]
        run = commit[j] if first else run + commit[j]
        ok[j] = run <= budget[sector[j]]
    return ok


@nb.njit(cache=True)
def completion_chances(prog_left: np.ndarray, prog_kind: np.ndarray, prog_payer: np.ndarray,
                       prog_rung: np.ndarray, prog_months: np.ndarray, prog_provider: np.ndarray,
                       aptitude: np.ndarray, childcare: np.ndarray, transport: np.ndarray,
                       provider_quality: np.ndarray, base_logit: np.ndarray, appr_logit: float,
                       aptitude_effect: float, barrier_effect: float, incumbent_weight: float,
                       earn_and_learn: float, cov_c: float, cov_t: float,
                       reach_apprentices: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Everyone in a programme, the chance of completing it (expit of the module's base logit,
    aptitude, unmet barriers (fund stipends remove them for fund-paid trainees, and for
    apprentices where supports reach them; incumbents' barriers weigh less), earn-and-learn's
    lift for apprentices and the provider's quality) and the exponent that turns it into a
    monthly hazard, 1 / months (the power is left to NumPy: its vectorised power differs)."""
    n = 0
    for i in range(prog_left.shape[0]):
        if prog_left[i] > 0:
            n += 1
    idx = np.empty(n, dtype=np.int64)
    total = np.empty(n)
    expo = np.empty(n)
    apt_eff = np.float32(aptitude_effect)
    j = 0
    for i in range(prog_left.shape[0]):
        if prog_left[i] <= 0:
            continue
        kind = prog_kind[i]
        covered = 1.0 if prog_payer[i] == 1 and (kind != 3 or reach_apprentices) else 0.0
        unmet = childcare[i] * (1.0 - cov_c * covered) + transport[i] * (1.0 - cov_t * covered)
        if kind == 2:  # incumbent upskilling: part-time at the workplace
            unmet = incumbent_weight * unmet
        base = appr_logit if kind == 3 else base_logit[prog_rung[i] - 1]
        lift = earn_and_learn if kind == 3 else 0.0
        quality = provider_quality[max(prog_provider[i], 0)]
        x = base + apt_eff * aptitude[i] - barrier_effect * unmet + lift + quality
        idx[j] = i
        total[j] = _expit(x)
        expo[j] = 1.0 / max(prog_months[i], 1)
        j += 1
    return idx, total, expo


@nb.njit(cache=True)
def advance(idx: np.ndarray, u: np.ndarray, hazard: np.ndarray,
            prog_left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """People `idx` drop out if their draw is below the hazard; the others move a month closer
    to the credential. Returns the dropouts and those who completed (in `idx` order)."""
    dropped = np.empty(idx.shape[0], dtype=np.int64)
    done = np.empty(idx.shape[0], dtype=np.int64)
    nd = nc = 0
    for j in range(idx.shape[0]):
        i = idx[j]
        if np.float64(u[j]) < hazard[j]:
            dropped[nd] = i
            nd += 1
            continue
        prog_left[i] -= 1
        if prog_left[i] == 0:
            done[nc] = i
            nc += 1
    return dropped[:nd].copy(), done[:nc].copy()


@nb.njit(cache=True)
def incumbent_picks(cand: np.ndarray, u: np.ndarray, status: np.ndarray, prog_kind: np.ndarray,
                    rung: np.ndarray, employer: np.ndarray, monthly_rate: np.ndarray) -> np.ndarray:
    """Of the candidates (draws `u`), employees in no programme below the top rung whose draw is
    below their employer's monthly training rate: the staff firms send to upskilling."""
    out = np.empty(cand.shape[0], dtype=np.int64)
    m = 0
    for j in range(cand.shape[0]):
        i = cand[j]
        if (status[i] == _EMPLOYED and prog_kind[i] == 0 and rung[i] < 3
                and np.float64(u[j]) < monthly_rate[employer[i]]):
            out[m] = i
            m += 1
    return out[:m].copy()


@nb.njit(cache=True)
def pair_totals(key: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_inverse=True) and np.bincount(inverse, weights=value): the distinct
    keys in order and each one's values summed in the order given."""
    order = np.argsort(key, kind="mergesort")  # stable: a key's values keep their order
    keys = np.empty(key.shape[0], dtype=np.int64)
    sums = np.empty(key.shape[0])
    m = -1
    for r in range(order.shape[0]):
        j = order[r]
        if m < 0 or key[j] != keys[m]:
            m += 1
            keys[m] = key[j]
            sums[m] = 0.0 + value[j]
        else:
            sums[m] += value[j]
    return keys[:m + 1].copy(), sums[:m + 1].copy()

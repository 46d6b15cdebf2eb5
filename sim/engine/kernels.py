"""The engine's compiled hot path (numba): per-person random numbers by counter-based hashing,
counting people into (sector, group) cells, drawing hiring slots, and firms' monthly surplus.

Each kernel is a plain loop over arrays, compiled once and cached on disk (`cache=True`);
`python -m sim.engine.jit` compiles them all ahead of first use (make app / make test do it at
install), so no run waits for the compiler."""

from __future__ import annotations

import numba as nb
import numpy as np

# Plain Python numbers: numba freezes them into the code (NumPy scalars would be unpickled at
# every call). Integers above 2**63 are typed uint64.
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_INV24 = 1.0 / 16_777_216.0


@nb.njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijective 64-bit mix with full avalanche (Steele et al. 2014)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@nb.njit(cache=True)
def key_of(seed: int, stream: int, month: int) -> np.uint64:
    """One 64-bit key per (seed, stream, month): three chained mixes of the inputs."""
    k = _mix(np.uint64(seed) + _GOLDEN)
    k = _mix(k ^ (np.uint64(stream) * _GOLDEN))
    return _mix(k ^ (np.uint64(month) + _GOLDEN))


@nb.njit(cache=True)
def uniforms(seed: int, stream: int, month: int, n: int) -> np.ndarray:
    """Person i's uniform in [0, 1) for (seed, stream, month): a hash of the key and i, 24 bits
    as float32. The same person gets the same number whatever else the run drew (common random
    numbers)."""
    k = key_of(seed, stream, month)
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        z = _mix(k + np.uint64(i + 1) * _GOLDEN)
        out[i] = np.float32(z >> np.uint64(40)) * np.float32(_INV24)
    return out


@nb.njit(cache=True)
def uniforms_at(seed: int, stream: int, month: int, idx: np.ndarray) -> np.ndarray:
    """The uniforms of people `idx` only: the same numbers as uniforms(...)[idx]."""
    k = key_of(seed, stream, month)
    out = np.empty(idx.shape[0], dtype=np.float32)
    for j in range(idx.shape[0]):
        z = _mix(k + np.uint64(idx[j] + 1) * _GOLDEN)
        out[j] = np.float32(z >> np.uint64(40)) * np.float32(_INV24)
    return out


@nb.njit(cache=True)
def below(seed: int, stream: int, month: int, n: int, p: float) -> np.ndarray:
    """The people whose uniform is below `p`: flatnonzero(uniforms(...) < p). The hashing loop
    has no branch, so the compiler vectorises it (1.7x faster than one loop that also selects)."""
    u = uniforms(seed, stream, month, n)
    out = np.empty(n, dtype=np.int64)
    m = 0
    pf = np.float32(p)
    for i in range(n):
        out[m] = i
        m += u[i] < pf
    return out[:m].copy()


@nb.njit(cache=True)
def cells(key: np.ndarray, idx: np.ndarray, weights: np.ndarray, weighted: bool, S: int,
          G: int) -> np.ndarray:
    """People `idx` (weighted or counted) by (sector, group) cell, with the `all` margins in the
    last row and column: shape (S + 1, G + 1)."""
    acc = np.zeros(S * G)  # by cell key first: no integer division per person
    for j in range(idx.shape[0]):
        acc[key[idx[j]]] += weights[j] if weighted else 1.0
    out = np.zeros((S + 1, G + 1))
    for c in range(S * G):
        out[c // G, c % G] = acc[c]
    for s in range(S):
        for g in range(G):
            out[s, G] += out[s, g]
            out[S, g] += out[s, g]
    for g in range(G):
        out[S, G] += out[S, g]
    return out


@nb.njit(cache=True)
def _fenwick(counts: np.ndarray) -> np.ndarray:
    """A Fenwick (binary indexed) tree over `counts`: prefix sums and updates in O(log n)."""
    n = counts.shape[0]
    tree = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        j = i + 1
        while j <= n:
            tree[j] += counts[i]
            j += j & -j
    return tree


@nb.njit(cache=True)
def _fenwick_find(tree: np.ndarray, r: int) -> int:
    """The first position whose running total exceeds `r` (the slot r falls in), in O(log n)."""
    n = tree.shape[0] - 1
    pos = 0
    step = 1
    while step * 2 <= n:
        step *= 2
    while step > 0:
        nxt = pos + step
        if nxt <= n and tree[nxt] <= r:
            pos = nxt
            r -= tree[nxt]
        step //= 2
    return pos  # 0-based index of the position


@nb.njit(cache=True)
def _fenwick_add(tree: np.ndarray, i: int, delta: int) -> None:
    j = i + 1
    n = tree.shape[0] - 1
    while j <= n:
        tree[j] += delta
        j += j & -j


@nb.njit(cache=True)
def draw_slots(vacancies: np.ndarray, n: int, u: np.ndarray) -> np.ndarray:
    """Pick `n` distinct slots among firms' open slots (`vacancies[j]` slots at firm j), each
    pick uniform over the slots still open: a uniform draw without replacement, one uniform
    `u[i]` per pick (slot floor(u * open slots), counting firm by firm in order). Returns the firm
    position of each pick (and leaves `vacancies` as given). O(n log firms)."""
    tree = _fenwick(vacancies)
    total = 0
    for j in range(vacancies.shape[0]):
        total += vacancies[j]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        r = min(int(u[i] * total), total - 1)
        j = _fenwick_find(tree, r)
        out[i] = j
        _fenwick_add(tree, j, -1)
        total -= 1
    return out


@nb.njit(cache=True, inline="always")
def _u01(key: np.uint64, i: int) -> float:
    """The i-th uniform of a key (float64, 53 bits)."""
    z = _mix(key + np.uint64(i + 1) * _GOLDEN)
    return float(z >> np.uint64(11)) * (1.0 / 9_007_199_254_740_992.0)


@nb.njit(cache=True)
def _take_slots(vac: np.ndarray, firm_sector: np.ndarray, s: int, lvl: int, n: int,
                key: np.uint64, counter: int, out_firm: np.ndarray, start: int,
                exclude: np.ndarray, ex_start: int) -> tuple[int, int]:
    """Draw `n` distinct open level-`lvl` slots of sector-`s` firms, each uniform over the slots
    still open (slot floor(u * open slots), counting firm by firm in order), into out_firm[start:];
    a pick at the person's own employer (`exclude`) is void (the person is not hired and the slot
    stays open). Consumes `vac`. Returns (picks kept, counter). O(firms + n log firms)."""
    m = 0
    for j in range(vac.shape[0]):
        if firm_sector[j] == s:
            m += 1
    firms = np.empty(m, dtype=np.int64)
    counts = np.empty(m, dtype=np.int64)
    m = 0
    total = 0
    for j in range(vac.shape[0]):
        if firm_sector[j] == s:
            firms[m] = j
            counts[m] = vac[j, lvl]
            total += vac[j, lvl]
            m += 1
    tree = _fenwick(counts)
    kept = 0
    for i in range(n):
        if total <= 0:
            break
        r = min(int(_u01(key, counter) * total), total - 1)
        counter += 1
        pos = _fenwick_find(tree, r)
        j = firms[pos]
        if exclude.shape[0] > 0 and exclude[ex_start + i] == j:
            out_firm[start + i] = -1
            continue
        vac[j, lvl] -= 1
        _fenwick_add(tree, pos, -1)
        total -= 1
        out_firm[start + i] = j
        kept += 1
    return kept, counter


@nb.njit(cache=True)
def match(order: np.ndarray, sector: np.ndarray, rung: np.ndarray, holdout: np.ndarray,
          vac: np.ndarray, firm_sector: np.ndarray, n_sectors: int, efficiency: float,
          elasticity: float, key: np.uint64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Job seekers (`order`: employers' order of preference) meet vacancies in each sector,
    best-qualified level first; the number of hires in a (sector, level) cell follows the
    matching function M = A S^a V^(1-a), rounded stochastically; the first M seekers of the cell
    are hired into slots drawn uniformly over open slots. A seeker holding out for her
    credential's level (`holdout`) is in her level's cell only. Consumes `vac`. Returns the
    hired (positions in `order`'s index space), their firms and levels."""
    m = order.shape[0]
    taken = np.zeros(m, dtype=np.bool_)
    hired = np.empty(m, dtype=np.int64)
    firms = np.empty(m, dtype=np.int64)
    levels = np.empty(m, dtype=np.int64)
    nh = 0
    counter = 0
    cell = np.empty(m, dtype=np.int64)
    none = np.empty(0, dtype=np.int64)
    for s in range(n_sectors):
        for lvl in range(vac.shape[1] - 1, -1, -1):
            c = 0
            for i in range(m):
                p = order[i]
                if sector[p] == s and not taken[i] and rung[p] >= lvl and (not holdout[i] or rung[p] == lvl):
                    cell[c] = i
                    c += 1
            v = 0
            for j in range(vac.shape[0]):
                if firm_sector[j] == s:
                    v += vac[j, lvl]
            if c == 0 or v == 0:
                continue
            expected = min(efficiency * c ** elasticity * v ** (1.0 - elasticity), c, v)
            n = int(expected)
            if _u01(key, counter) < expected - n:
                n += 1
            counter += 1
            got = np.empty(n, dtype=np.int64)
            _, counter = _take_slots(vac, firm_sector, s, lvl, n, key, counter, got, 0, none, 0)
            for i in range(n):
                if got[i] >= 0:
                    hired[nh] = order[cell[i]]
                    firms[nh] = got[i]
                    levels[nh] = lvl
                    taken[cell[i]] = True
                    nh += 1
    return hired[:nh], firms[:nh], levels[:nh]


@nb.njit(cache=True)
def move(movers: np.ndarray, sector: np.ndarray, dest: np.ndarray, origin: np.ndarray,
         vac: np.ndarray, firm_sector: np.ndarray, n_sectors: int,
         key: np.uint64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Job-to-job movers (in order of priority) take open slots at their destination level in
    their sector, each slot uniform over those still open; a slot at the mover's own employer is
    void (she stays). Consumes `vac`. Returns the movers who moved, their new firms and levels."""
    m = movers.shape[0]
    hired = np.empty(m, dtype=np.int64)
    firms = np.empty(m, dtype=np.int64)
    levels = np.empty(m, dtype=np.int64)
    nh = 0
    counter = 0
    cell = np.empty(m, dtype=np.int64)
    ex = np.empty(m, dtype=np.int64)
    for s in range(n_sectors):
        for lvl in range(vac.shape[1]):
            c = 0
            for i in range(m):
                if sector[movers[i]] == s and dest[i] == lvl:
                    cell[c] = movers[i]
                    ex[c] = origin[i]
                    c += 1
            if c == 0:
                continue
            got = np.empty(c, dtype=np.int64)
            for i in range(c):
                got[i] = -1
            _, counter = _take_slots(vac, firm_sector, s, lvl, c, key, counter, got, 0, ex, 0)
            for i in range(c):
                if got[i] >= 0:
                    hired[nh] = cell[i]
                    firms[nh] = got[i]
                    levels[nh] = lvl
                    nh += 1
    return hired[:nh], firms[:nh], levels[:nh]


@nb.njit(cache=True)
def firm_surplus(status: np.ndarray, employer: np.ndarray, ext_host: np.ndarray, job_level: np.ndarray,
                 rung: np.ndarray, sector: np.ndarray, wage_effect: np.ndarray, tenure: np.ndarray,
                 wage: np.ndarray, base_wage: np.ndarray, prem: np.ndarray, tenure_growth: np.ndarray,
                 inv_labour_share: float, prod_gain: float, trainee_share: float,
                 n_firms: int, job_mult: np.ndarray, linked: np.ndarray, unlinked_share: float,
                 experience: np.ndarray, skill: np.ndarray, prem_mult: np.ndarray, unlinked_mult: np.ndarray,
                 experience_growth: np.ndarray) -> np.ndarray:
    """Each firm's value added minus wages this month ($), before turnover and training costs
    (see sim.engine.measure.firm_surplus for the economics). Output scales with the factors
    wages do: the skilled factor over the level's premium factor (experience in the occupation,
    skills lost out of work: sim.engine.workers.Population.output_factor, computed here in
    float32 as it does, for the people who produce only), the job's match quality, and the
    share of the premium an unlinked credential earns."""
    out = np.zeros(n_firms)
    for i in range(status.shape[0]):
        st = status[i]
        if st != 1 and st != 3 and st != 4:  # employed, externship, apprentice
            continue
        firm = ext_host[i] if st == 3 else employer[i]
        lvl = job_level[i]
        prem_f = prem_mult[lvl] if linked[i] else unlinked_mult[lvl]
        grown = prem_f * (experience_growth[experience[i]] if lvl > 0 else np.float32(1.0))
        skilled = (np.float32(1.0) + skill[i] * (grown - np.float32(1.0))) / prem_f
        r = rung[i] if rung[i] < 3 else 3
        pr = 0.5 * (prem[lvl] + prem[r])
        if not linked[i]:
            pr *= unlinked_share
        prod = (np.float64(base_wage[sector[i]] * wage_effect[i] * tenure_growth[tenure[i]]
                           * skilled * job_mult[i])
                * (inv_labour_share + prod_gain * pr))
        if st != 1:
            prod = trainee_share * prod
        out[firm] += prod - wage[i]
    return out


MONTH_COUNTS = ("unemployed", "labour_force", "employed", "retention_cohort_6m", "retained_6m",
                "retention_cohort_12m", "retained_12m", "hard_to_serve_enrolments", "training_pipeline")


@nb.njit(cache=True)
def month_counts(status: np.ndarray, placed_month: np.ndarray, participant: np.ndarray,
                 last_start: np.ndarray, group: np.ndarray, prog_payer: np.ndarray, prog_kind: np.ndarray,
                 key: np.ndarray, month: int, S: int, G: int) -> np.ndarray:
    """The month's head counts by (sector, group) cell in one pass over people, in the order of
    MONTH_COUNTS: unemployed, in the labour force, on a payroll, placement cohorts 6 and 12
    months ago and those of them still employed, hard-to-serve fund starts this month, and the
    training pipeline (full-time courses and externships). Margins in the last row and column."""
    # Counted by cell key first: no integer division per person (it cost more than the rest).
    acc = np.zeros((9, S * G))
    for i in range(status.shape[0]):
        st = status[i]
        c = key[i]
        if st == 0:
            acc[0, c] += 1
        if st != 5:
            acc[1, c] += 1
        if st == 1 or st == 4:
            acc[2, c] += 1
        pm = placed_month[i]
        if pm >= 0:
            if month - 6 >= 1 and pm == month - 6:
                acc[3, c] += 1
                if st == 1:
                    acc[4, c] += 1
            if month - 12 >= 1 and pm == month - 12:
                acc[5, c] += 1
                if st == 1:
                    acc[6, c] += 1
        if last_start[i] == month and participant[i] and group[i] == 1 and prog_payer[i] == 1:
            acc[7, c] += 1
        if (st == 2 and prog_kind[i] == 1) or st == 3:
            acc[8, c] += 1
    out = np.zeros((9, S + 1, G + 1))
    for k in range(9):
        for c in range(S * G):
            out[k, c // G, c % G] = acc[k, c]
    for k in range(9):
        for s in range(S):
            for g in range(G):
                out[k, s, G] += out[k, s, g]
                out[k, S, g] += out[k, s, g]
        for g in range(G):
            out[k, S, G] += out[k, S, g]
    return out


@nb.njit(cache=True)
def posts_held(status: np.ndarray, employer: np.ndarray, ext_host: np.ndarray, job_level: np.ndarray,
               sector: np.ndarray, n_firms: int, n_levels: int,
               n_sectors: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posts each firm holds by level (staff and apprentices at their employer, externs at their
    host, who holds an opening for them), its head count (staff and apprentices only), and the
    job seekers (unemployed) in each sector, in one pass."""
    by_level = np.zeros((n_firms, n_levels), dtype=np.int64)
    head = np.zeros(n_firms, dtype=np.int64)
    seekers = np.zeros(n_sectors, dtype=np.int64)
    for i in range(status.shape[0]):
        st = status[i]
        if st == 1 or st == 4:
            by_level[employer[i], job_level[i]] += 1
            head[employer[i]] += 1
        elif st == 3:
            by_level[ext_host[i], job_level[i]] += 1
        elif st == 0:
            seekers[sector[i]] += 1
    return by_level, head, seekers

"""Compiled helpers of the measurements (sim.engine.impact, sim.engine.measure): adding a
month's people into running sums by cell, in one pass instead of one bincount per quantity, and
the median wage by cell from one sort.

Each reproduces the NumPy statements it replaced to the bit: np.bincount with weights adds
person by person in the order given, into bins starting at zero, and the month's bins are
then added to the running sums; the loops below add in that order too."""

from __future__ import annotations

import numba as nb
import numpy as np

from sim.engine.kernels import cells


@nb.njit(cache=True)
def add_by_cell(sums: np.ndarray, cols: np.ndarray, since: np.ndarray, width: int,
                values: np.ndarray) -> None:
    """sums[q] += the bincount of bins since[j] * width + cols[r, j] (r outer, j inner), each
    weighted values[q, j]: each of a person's cells (rows of `cols`) gets her values."""
    n = sums.shape[1]
    month = np.empty(n)
    for q in range(sums.shape[0]):
        month[:] = 0.0
        for r in range(cols.shape[0]):
            for j in range(cols.shape[1]):
                month[since[j] * width + cols[r, j]] += values[q, j]
        for b in range(n):
            sums[q, b] += month[b]


@nb.njit(cache=True)
def median_cells(wage: np.ndarray, include: np.ndarray, key: np.ndarray, S: int, G: int) -> np.ndarray:
    """Median wage of the people `include`d, by (sector, group) cell with margins (NaN if none).
    One sort of everyone's wages, then one pass in wage order: each person is the next value of
    her four cells (her own, her sector's, her group's, all), so each cell's middle values are
    picked as they pass, as if each cell had been sorted on its own."""
    n = 0
    for i in range(wage.shape[0]):
        if include[i]:
            n += 1
    w = np.empty(n)
    c = np.empty(n, dtype=np.int64)
    j = 0
    for i in range(wage.shape[0]):
        if include[i]:
            w[j] = wage[i]
            c[j] = key[i]
            j += 1
    sector_of = np.empty(S * G, dtype=np.int64)  # a cell key's sector and group, looked up
    group_of = np.empty(S * G, dtype=np.int64)  # (an integer division per person costs more)
    for key_ in range(S * G):
        sector_of[key_], group_of[key_] = key_ // G, key_ % G
    count = np.zeros((S + 1, G + 1), dtype=np.int64)
    for i in range(n):
        s, g = sector_of[c[i]], group_of[c[i]]
        count[s, g] += 1
        count[s, G] += 1
        count[S, g] += 1
        count[S, G] += 1
    seen = np.zeros((S + 1, G + 1), dtype=np.int64)
    lo = np.zeros((S + 1, G + 1))
    hi = np.zeros((S + 1, G + 1))
    order = np.argsort(w, kind="mergesort")
    for j in range(n):
        i = order[j]
        s, g = sector_of[c[i]], group_of[c[i]]
        for cs, cg in ((s, g), (s, G), (S, g), (S, G)):
            m = count[cs, cg]
            pos = seen[cs, cg]
            if pos == m // 2 - 1:
                lo[cs, cg] = w[i]
            if pos == m // 2:
                hi[cs, cg] = w[i]
            seen[cs, cg] = pos + 1
    out = np.full((S + 1, G + 1), np.nan)
    for s in range(S + 1):
        for g in range(G + 1):
            m = count[s, g]
            if m > 0:
                out[s, g] = hi[s, g] if m % 2 == 1 else 0.5 * (lo[s, g] + hi[s, g])
    return out


@nb.njit(cache=True)
def free_riders(status: np.ndarray, trained_by: np.ndarray, employer: np.ndarray, member: np.ndarray,
                fund_code: int) -> tuple[int, int]:
    """Employees trained by a firm or the fund, and of them those working where the training was
    not paid: at another firm than the one that trained them, or (fund-trained) at a non-member."""
    n = 0
    free = 0
    for i in range(status.shape[0]):
        by = trained_by[i]
        if status[i] != 1 or (by < 0 and by != fund_code):
            continue
        n += 1
        if (by >= 0 and by != employer[i]) or (by < 0 and not member[employer[i]]):
            free += 1
    return free, n


@nb.njit(cache=True)
def pipeline_by_sector(status: np.ndarray, prog_kind: np.ndarray, prog_left: np.ndarray, sector: np.ndarray,
                       n_sectors: int, within: int) -> tuple[np.ndarray, np.ndarray]:
    """By sector: course trainees with at most `within` months left, and externs."""
    soon = np.zeros(n_sectors, dtype=np.int64)
    externs = np.zeros(n_sectors, dtype=np.int64)
    for i in range(status.shape[0]):
        if status[i] == 2 and prog_kind[i] == 1 and prog_left[i] <= within:
            soon[sector[i]] += 1
        elif status[i] == 3:
            externs[sector[i]] += 1
    return soon, externs


@nb.njit(cache=True)
def add_cells(target: np.ndarray, key: np.ndarray, idx: np.ndarray, weights: np.ndarray, weighted: bool,
              S: int, G: int) -> None:
    """target += sim.engine.kernels.cells(key, idx, weights, weighted, S, G), without the
    intermediate array leaving the kernel: the same cells, then the same one addition per cell."""
    out = cells(key, idx, weights, weighted, S, G)
    for s in range(S + 1):
        for g in range(G + 1):
            target[s, g] += out[s, g]


@nb.njit(cache=True)
def add_cells_batch(data: np.ndarray, key: np.ndarray, idx: np.ndarray, weights: np.ndarray,
                    entries: np.ndarray, S: int, G: int) -> None:
    """Several `add_cells` in one call, in the order given. Row e of `entries` is (month,
    metric, people, weights): the next `people` of `idx` (weighted by the next `weights` of
    `weights`, if not 0) are added to data[month, metric]. The same additions, in the same
    order, as one add_cells per entry (sim.engine.recorder.Recorder defers its counts to this)."""
    at = 0
    wat = 0
    for e in range(entries.shape[0]):
        n, nw = entries[e, 2], entries[e, 3]
        add_cells(data[entries[e, 0], entries[e, 1]], key, idx[at:at + n], weights[wat:wat + nw], nw > 0,
                  S, G)
        at += n
        wat += nw


@nb.njit(cache=True)
def impact_people(participant: np.ndarray, upskilled: np.ndarray, first_upskill: np.ndarray,
                  month: int) -> tuple[np.ndarray, np.ndarray]:
    """The impact table's people this month (sim.engine.impact.ImpactTracker.record): the
    participants, and the incumbents upskilled with a fund grant who are not participants (their
    first such month set to `month` if not yet), each in people's order."""
    part = np.empty(participant.shape[0], dtype=np.int64)
    inc = np.empty(participant.shape[0], dtype=np.int64)
    n_part = n_inc = 0
    for i in range(participant.shape[0]):
        if participant[i]:
            part[n_part] = i
            n_part += 1
        elif upskilled[i]:
            if first_upskill[i] < 0:
                first_upskill[i] = month
            inc[n_inc] = i
            n_inc += 1
    return part[:n_part].copy(), inc[:n_inc].copy()


@nb.njit(cache=True)
def impact_add(sums: np.ndarray, part: np.ndarray, first: np.ndarray, month: int, every_split: bool,
               earnings: np.ndarray, twin_earnings: np.ndarray, status: np.ndarray, twin_state: np.ndarray,
               rung: np.ndarray, prog_kind: np.ndarray, prog_provider: np.ndarray, group: np.ndarray,
               kind: np.ndarray, provider: np.ndarray, base_rung: np.ndarray, twin_base_rung: np.ndarray,
               K: int, P: int, G: int, C: int) -> int:
    """sim.engine.impact.ImpactTracker._add: people `part` whose first start was in month
    `first` (this month's newcomers get their programme kind, provider and the rungs they and
    their twin held recorded) add their quantities to `sums` by months since start and cell.
    Returns a newcomer's programme kind that has no column (>= K; nothing is changed then), or -1."""
    n = part.shape[0]
    for j in range(n):
        if first[j] == month and prog_kind[part[j]] >= K:
            return prog_kind[part[j]]
    for j in range(n):
        if first[j] == month:
            i = part[j]
            kind[i] = prog_kind[i]
            provider[i] = max(prog_provider[i], 0)
            base_rung[i] = rung[i]
            twin_base_rung[i] = twin_state[i] >> 3
    values = np.empty((7, n))
    rows = 5 if every_split else 1
    cols = np.empty((rows, n), dtype=np.int64)
    since = np.empty(n, dtype=np.int64)
    for j in range(n):
        i = part[j]
        st, twin = status[i], twin_state[i] & 7
        values[0, j] = 1.0
        values[1, j] = earnings[i]
        values[2, j] = twin_earnings[i]
        values[3, j] = 1.0 if (st == 1 or st == 4) else 0.0
        values[4, j] = 1.0 if (twin == 1 or twin == 4) else 0.0
        values[5, j] = 1.0 if rung[i] > base_rung[i] else 0.0
        values[6, j] = 1.0 if (twin_state[i] >> 3) > twin_base_rung[i] else 0.0
        since[j] = month - first[j]
        if every_split:
            cols[0, j] = 0
            cols[1, j] = kind[i] + 1
            cols[2, j] = provider[i] + 1 + K
            cols[3, j] = group[i] + 1 + K + P
            cols[4, j] = (np.int64(first[j]) - 1) // 12 + 1 + K + P + G
        else:
            cols[0, j] = kind[i] + 1
    add_by_cell(sums, cols, since, C, values)
    return -1


@nb.njit(cache=True)
def twin_gaps(participant: np.ndarray, earnings: np.ndarray, twin_earnings: np.ndarray, status: np.ndarray,
              first_fund_month: np.ndarray, month: int, training_code: int, unemployed_code: int) -> tuple:
    """The participants' earnings against their twin's this month (sim.engine.measure.
    compare_with_twin), in one pass: everyone's first month compared (set to `month` if not
    yet), then the participants, their gaps (float32 differences, as float64), those in
    training and those out of it with theirs, those in year 2 after their first start with
    their gaps and their twin's earnings, and how many people are unemployed."""
    n = participant.shape[0]
    part = np.empty(n, dtype=np.int64)
    gap = np.empty(n)
    m = 0
    for i in range(n):
        if participant[i]:
            part[m] = i
            gap[m] = np.float64(earnings[i] - twin_earnings[i])
            m += 1
    in_idx, in_gap = np.empty(m, dtype=np.int64), np.empty(m)
    out_idx, out_gap = np.empty(m, dtype=np.int64), np.empty(m)
    yr2, yr2_gap, yr2_twin = np.empty(m, dtype=np.int64), np.empty(m), np.empty(m)
    a = b = c = 0
    for j in range(m):
        i = part[j]
        if status[i] == training_code:
            in_idx[a], in_gap[a] = i, gap[j]
            a += 1
        else:
            out_idx[b], out_gap[b] = i, gap[j]
            b += 1
        if first_fund_month[i] < 0:
            first_fund_month[i] = month
        if (month - first_fund_month[i]) // 12 == 1:
            yr2[c], yr2_gap[c], yr2_twin[c] = i, gap[j], np.float64(twin_earnings[i])
            c += 1
    unemployed = 0
    for i in range(n):
        if status[i] == unemployed_code:
            unemployed += 1
    return (part[:m].copy(), gap[:m].copy(), in_idx[:a].copy(), in_gap[:a].copy(), out_idx[:b].copy(),
            out_gap[:b].copy(), yr2[:c].copy(), yr2_gap[:c].copy(), yr2_twin[:c].copy(), unemployed)

"""The compiled hot path against plain NumPy statements of the same rules, on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.engine import kernels as K
from sim.engine import kernels_measure as KM

RNG = np.random.default_rng(7)


def test_uniforms_are_uniform_independent_and_a_pure_function_of_their_key():
    u = K.uniforms(1, 2, 3, 100_000)
    assert u.dtype == np.float32 and u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert np.array_equal(u, K.uniforms(1, 2, 3, 100_000))  # same key, same numbers
    assert np.array_equal(u[:500], K.uniforms(1, 2, 3, 500))  # person i's draw ignores n
    for other in (K.uniforms(2, 2, 3, 100_000), K.uniforms(1, 3, 3, 100_000), K.uniforms(1, 2, 4, 100_000)):
        assert abs(np.corrcoef(u, other)[0, 1]) < 0.02


def test_cells_count_and_weigh_people_by_sector_and_group_with_margins():
    S, G = 3, 2
    key = RNG.integers(0, S * G, 5_000)
    idx = RNG.choice(5_000, 800, replace=False)
    w = RNG.normal(size=800)
    for weights, weighted in ((np.zeros(0), False), (w, True)):
        got = K.cells(key, idx.astype(np.int64), weights, weighted, S, G)
        flat = np.bincount(key[idx], weights=weights if weighted else None, minlength=S * G).reshape(S, G)
        np.testing.assert_allclose(got[:S, :G], flat)
        np.testing.assert_allclose(got[:S, G], flat.sum(1))
        np.testing.assert_allclose(got[S, :G], flat.sum(0))
        np.testing.assert_allclose(got[S, G], flat.sum())


def test_draw_slots_takes_distinct_slots_uniformly():
    vac = np.array([3, 0, 1, 6])
    picks = np.array([K.draw_slots(vac, 10, RNG.random(10)) for _ in range(200)])
    assert all((np.bincount(row, minlength=4) == vac).all() for row in picks)  # all 10 slots, once each
    first = np.bincount(np.array([K.draw_slots(vac, 1, RNG.random(1))[0] for _ in range(20_000)]),
                        minlength=4) / 20_000
    np.testing.assert_allclose(first, vac / vac.sum(), atol=0.015)  # a pick is uniform over slots


def test_match_hires_no_more_than_the_vacancies_and_respects_holdouts():
    n, F, S = 3_000, 40, 3
    sector, rung = RNG.integers(0, S, n), RNG.integers(0, 4, n)
    order = RNG.permutation(n)
    holdout = RNG.random(n) < 0.2
    firm_sector = RNG.integers(0, S, F)
    vac = RNG.integers(0, 5, (F, 4))
    left = vac.copy()
    hired, firms, levels = K.match(order, sector, rung, holdout, left, firm_sector, S, 0.6, 0.5, np.uint64(9))
    assert len(set(hired.tolist())) == len(hired)  # nobody hired twice
    assert (rung[hired] >= levels).all()  # qualified for the level
    assert (firm_sector[firms] == sector[hired]).all()  # in their own sector
    held = holdout[np.argsort(order)][hired]  # holdout is indexed by position in `order`
    assert (rung[hired][held] == levels[held]).all()  # a holdout takes only her own level
    used = np.zeros_like(vac)
    np.add.at(used, (firms, levels), 1)
    assert (used == vac - left).all() and (left >= 0).all()


def test_month_counts_match_numpy():
    n, S, G, month = 4_000, 3, 2, 20
    status = RNG.integers(0, 6, n).astype(np.int8)
    placed = RNG.integers(-1, 20, n).astype(np.int16)
    part = RNG.random(n) < 0.3
    last = RNG.integers(15, 21, n).astype(np.int16)
    group = RNG.integers(0, 2, n).astype(np.int8)
    payer = RNG.integers(0, 4, n).astype(np.int8)
    kind = RNG.integers(0, 4, n).astype(np.int8)
    key = RNG.integers(0, S, n) * G + group
    got = K.month_counts(status, placed, part, last, group, payer, kind, key, month, S, G)
    want = {
        "unemployed": status == 0, "labour_force": status != 5, "employed": (status == 1) | (status == 4),
        "retention_cohort_6m": placed == month - 6, "retained_6m": (placed == month - 6) & (status == 1),
        "retention_cohort_12m": placed == month - 12, "retained_12m": (placed == month - 12) & (status == 1),
        "hard_to_serve_enrolments": (last == month) & part & (group == 1) & (payer == 1),
        "training_pipeline": ((status == 2) & (kind == 1)) | (status == 3),
    }
    for i, name in enumerate(K.MONTH_COUNTS):
        ref = K.cells(key, np.flatnonzero(want[name]).astype(np.int64), np.zeros(0), False, S, G)
        np.testing.assert_array_equal(got[i], ref, err_msg=name)


@pytest.mark.parametrize("n", [2_001, 2_002, 7])
def test_median_cells_match_numpy(n):
    S, G = 3, 2
    wage = RNG.lognormal(8, 0.4, n).astype(np.float32)
    wage[: n // 3] = np.round(wage[: n // 3], -3)  # ties
    include = RNG.random(n) < 0.5
    key = RNG.integers(0, S * G, n)
    got = KM.median_cells(wage, include, key, S, G)
    for s in range(S + 1):
        for g in range(G + 1):
            sel = include & ((key // G == s) | (s == S)) & ((key % G == g) | (g == G))
            want = float(np.median(wage[sel].astype(np.float64))) if sel.any() else np.nan
            np.testing.assert_equal(got[s, g], want)  # exactly, NaN for an empty cell
    assert np.isnan(KM.median_cells(wage, np.zeros(n, bool), key, S, G)).all()


def test_add_by_cell_adds_as_bincount_does():
    """The impact table's running sums: the same bits as a weighted np.bincount per quantity."""
    m, width, months = 3_000, 9, 40
    sums = RNG.normal(size=(3, months * width))
    cols = RNG.integers(0, width, (4, m))
    since = RNG.integers(0, months, m)
    values = RNG.normal(size=(3, m)) * 1e6
    want = sums.copy()
    flat = (since * width + cols).reshape(-1)  # row by row, as np.tile did
    for q in range(3):
        want[q] += np.bincount(flat, weights=np.tile(values[q], 4), minlength=months * width)
    KM.add_by_cell(sums, cols, since, width, values)
    assert np.array_equal(sums, want)


def test_free_riders_pipeline_and_cell_counts_match_numpy():
    n, F, S, G = 5_000, 30, 3, 2
    status = RNG.integers(0, 6, n).astype(np.int8)
    trained_by = RNG.integers(-4, F, n).astype(np.int32)
    employer = RNG.integers(0, F, n).astype(np.int32)
    member = RNG.random(F) < 0.5
    free, total = KM.free_riders(status, trained_by, employer, member, -2)
    emp = np.flatnonzero((status == 1) & ((trained_by >= 0) | (trained_by == -2)))
    by, at = trained_by[emp], employer[emp]
    assert (free, total) == (np.where(by >= 0, by != at, ~member[at]).sum(), len(emp))
    kind, left, sector = RNG.integers(0, 3, n).astype(np.int8), RNG.integers(0, 12, n), RNG.integers(0, S, n)
    soon, ext = KM.pipeline_by_sector(status, kind, left, sector, S, 6)
    assert np.array_equal(soon, np.bincount(sector[(status == 2) & (kind == 1) & (left <= 6)], minlength=S))
    assert np.array_equal(ext, np.bincount(sector[status == 3], minlength=S))
    key = RNG.integers(0, S * G, n)
    idx = RNG.choice(n, 700, replace=False).astype(np.int64)
    w = RNG.normal(size=700) * 1e3
    for weights, weighted in ((np.zeros(0), False), (w, True)):
        target = RNG.normal(size=(S + 1, G + 1))
        want = target + K.cells(key, idx, weights, weighted, S, G)
        KM.add_cells(target, key, idx, weights, weighted, S, G)
        assert np.array_equal(target, want)


def test_below_is_everyone_whose_uniform_is_below_p():
    n = 50_000
    u = K.uniforms(3, 5, 7, n)
    for p in (0.0, 1e-7, 0.01, 0.3, float(u[123]), float(np.nextafter(u[123], np.float32(1))), 0.999, 1.5):
        want = np.flatnonzero(u < np.float32(p))
        assert np.array_equal(K.below(3, 5, 7, n, p), want), p
    assert 0 < len(K.below(3, 5, 7, n, 0.3)) < n  # something to select


def test_recorder_adds_deferred_counts_as_if_each_were_added_at_once():
    """Counts are noted and added in one compiled call later; a direct write to the same metric
    in between adds them first, so every cell gets the same additions in the same order."""
    from sim.engine.recorder import Recorder
    from sim.outcomes import INDEX

    S, G, n = 3, 2, 2_000
    sector, group = RNG.integers(0, S, n).astype(np.int8), RNG.integers(0, G, n).astype(np.int8)
    rec = Recorder(2, ["a", "b", "c"], ("x", "y"))
    rec.bind(sector, group)
    key = sector.astype(np.int64) * G + group
    want = np.zeros_like(rec.data)
    for month in (0, 1):
        rec.month = month
        for step in range(12):
            name = ("hires", "quits", "enrolments")[step % 3]
            idx = RNG.choice(n, int(RNG.integers(0, 50)), replace=False).astype(np.int64)
            w = RNG.normal(size=len(idx)) * 1e3 if step % 2 else None
            rec.count(name, idx, weights=w)
            if len(idx):
                weights = np.zeros(0) if w is None else w
                want[month, INDEX[name]] += K.cells(key, idx, weights, w is not None, S, G)
            if step % 4 == 3:  # a direct write to a metric with counts pending
                rec.total(name, 0.1 * step)
                want[month, INDEX[name], -1, -1] += 0.1 * step
    np.testing.assert_array_equal(rec.data, want)


def test_counts_noted_before_a_rebind_stay_in_their_cells():
    """Deferred counts are added with the cells people were in when counted, not after `bind`."""
    from sim.engine.recorder import Recorder
    from sim.outcomes import INDEX

    rec = Recorder(1, ["a", "b"], ("x",))
    rec.bind(np.array([0, 0], dtype=np.int8), np.array([0, 0], dtype=np.int8))
    rec.count("hires", np.array([0, 1]))
    rec.bind(np.array([1, 1], dtype=np.int8), np.array([0, 0], dtype=np.int8))
    cells = rec.data[0, INDEX["hires"]]
    assert cells[0, 0] == 2 and cells[1, 0] == 0


def test_posts_held_counts_posts_heads_and_job_seekers():
    n, F, S = 3_000, 25, 3
    status = RNG.integers(0, 6, n).astype(np.int8)
    employer, ext_host = RNG.integers(0, F, n).astype(np.int32), RNG.integers(0, F, n).astype(np.int32)
    level, sector = RNG.integers(0, 4, n).astype(np.int8), RNG.integers(0, S, n).astype(np.int8)
    held, head, seekers = K.posts_held(status, employer, ext_host, level, sector, F, 4, S)
    staff = (status == 1) | (status == 4)
    want = np.zeros((F, 4), dtype=np.int64)
    np.add.at(want, (employer[staff], level[staff]), 1)
    np.add.at(want, (ext_host[status == 3], level[status == 3]), 1)
    np.testing.assert_array_equal(held, want)
    np.testing.assert_array_equal(head, np.bincount(employer[staff], minlength=F))
    np.testing.assert_array_equal(seekers, np.bincount(sector[status == 0], minlength=S))



def test_twin_gaps_match_numpy():
    n, month = 4_000, 30
    participant = RNG.random(n) < 0.3
    earnings = RNG.uniform(0, 5_000, n).astype(np.float32)
    twin = RNG.uniform(0, 5_000, n).astype(np.float32)
    status = RNG.integers(0, 6, n).astype(np.int8)
    first = np.where(RNG.random(n) < 0.8, RNG.integers(1, month, n), -1).astype(np.int32)
    want_first = first.copy()
    got = KM.twin_gaps(participant, earnings, twin, status, first, month, 2, 0)
    part = np.flatnonzero(participant)
    diff = (earnings[part] - twin[part]).astype(np.float64)
    training = status[part] == 2
    want_first[part[want_first[part] < 0]] = month
    yr2 = part[(month - want_first[part]) // 12 == 1]
    want = (part, diff, part[training], diff[training], part[~training], diff[~training], yr2,
            (earnings[yr2] - twin[yr2]).astype(np.float64), twin[yr2].astype(np.float64))
    assert len(yr2) > 50
    for g, w in zip(got[:-1], want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert got[-1] == int((status == 0).sum())
    np.testing.assert_array_equal(first, want_first)

"""The labour market's compiled loops (sim.engine.kernels_labour) against the plain NumPy
statements they replaced, bit for bit, on random people and candidates: float32 draws against
float64 hazards, and against rates compared in float32 as NumPy compares them."""

from __future__ import annotations

import numpy as np

from sim.engine import kernels_labour as kl
from sim.engine.kernels import uniforms

RNG = np.random.default_rng(21)
N, S, F = 5_000, 3, 60
STATUS = RNG.choice([0, 1, 2, 3, 4, 5], N, p=[0.1, 0.6, 0.1, 0.05, 0.05, 0.1]).astype(np.int8)
SECTOR = RNG.integers(0, S, N).astype(np.int8)
RUNG = RNG.integers(0, 4, N).astype(np.int8)
LEVEL = RNG.integers(0, 4, N).astype(np.int8)
KIND = np.where(RNG.random(N) < 0.8, 0, 2).astype(np.int8)
CAND = np.flatnonzero(RNG.random(N) < 0.5)
U = uniforms(3, 4, 5, N)[CAND]  # float32 draws, as MonthlyLuck.at gives them


def test_separations_are_competing_risks_on_one_draw():
    employer = RNG.integers(0, F, N).astype(np.int32)
    sep_mult = RNG.uniform(0.5, 1.5, N).astype(np.float32)
    quit_s, layoff_s, excess = RNG.uniform(0, 0.3, S), RNG.uniform(0, 0.2, S), RNG.uniform(0, 0.3, F)
    quits, layoffs = kl.separations(CAND, U, STATUS, SECTOR, employer, sep_mult, quit_s, layoff_s, excess)
    on = STATUS[CAND] == 1
    emp, u = CAND[on], U[on]
    sec, mult = SECTOR[emp], sep_mult[emp]
    q = quit_s[sec] * mult
    quit = u < q
    laid = ~quit & (u < q + (layoff_s[sec] + excess[employer[emp]]) * mult)
    assert len(quits) > 100 and len(layoffs) > 100
    np.testing.assert_array_equal(quits, emp[quit])
    np.testing.assert_array_equal(layoffs, emp[laid])


def test_labour_force_moves_compare_draws_in_float32():
    await_until = np.where(RNG.random(N) < 0.2, RNG.integers(0, 30, N), -1).astype(np.int16)
    rate, back_rate = 0.3, 0.7  # float32(0.3) > 0.3 and float32(0.7) < 0.7: the comparison's type shows
    u = U.copy()
    u[:200] = np.float32(rate)
    u[200:400] = np.float32(back_rate)
    out, back = kl.labour_force_moves(CAND, u, STATUS, await_until, 15, np.float32(rate),
                                      np.float32(back_rate))
    st = STATUS[CAND]
    np.testing.assert_array_equal(out, CAND[(st == 0) & (await_until[CAND] < 15) & (u < rate)])
    np.testing.assert_array_equal(back, CAND[(st == 5) & (u < back_rate)])


def test_job_movers_and_promotion_candidates_match_numpy():
    base, pull = RNG.uniform(0, 0.2, S), RNG.uniform(0, 0.1, S)
    movers, dest, du = kl.job_movers(CAND, U, STATUS, KIND, SECTOR, RUNG, LEVEL, base, pull, 3)
    emp = CAND[(STATUS[CAND] == 1) & (KIND[CAND] == 0)]
    u = U[(STATUS[CAND] == 1) & (KIND[CAND] == 0)]
    moves = u < base[SECTOR[emp]] + pull[SECTOR[emp]] * RUNG[emp]
    m, u = emp[moves], u[moves]
    want_dest = np.minimum(RUNG[m], 3)
    keep = want_dest >= LEVEL[m]
    assert keep.sum() > 100
    np.testing.assert_array_equal(movers, m[keep])
    np.testing.assert_array_equal(dest, want_dest[keep])
    np.testing.assert_array_equal(du, u[keep])

    tenure = RNG.integers(0, 40, N).astype(np.int16)
    rates = np.array([0.3, 0.2, 0.1, 0.0])
    for months in (0, 24):
        who, to, du = kl.promotion_candidates(CAND, U, STATUS, KIND, RUNG, LEVEL, tenure, rates, 0.4,
                                              months, 3)
        ok = (STATUS[CAND] == 1) & (KIND[CAND] == 0) & (RUNG[CAND] > 0) & (LEVEL[CAND] < 3)
        emp, u = CAND[ok], U[ok]
        lvl, rung = LEVEL[emp].astype(np.int64), RUNG[emp]
        ladder = np.where(rung > lvl, 1.0, np.where(rung == lvl, 0.4, 0.0))
        ramp = np.minimum(1.0, tenure[emp] / months) if months else 1.0
        up = u < rates[lvl] * ladder * ramp
        assert up.sum() > 50
        np.testing.assert_array_equal(who, emp[up])
        np.testing.assert_array_equal(to, lvl[up] + 1)
        np.testing.assert_array_equal(du, u[up])

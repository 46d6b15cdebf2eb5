"""The population's compiled verbs (sim.engine.kernels_people) against the plain NumPy statements
they replaced, bit for bit, on a real population whose careers are scrambled at random (levels,
linkage, experience, depreciated skills, statuses): a compiled pass must change no result."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import kernels
from sim.engine.derived import Derived
from sim.engine.training import fund_eligible
from sim.engine.workers import (
    APPRENTICE,
    EMPLOYED,
    EXTERNSHIP,
    OUT_OF_LF,
    UNEMPLOYED,
    Population,
    new_population,
)
from sim.scenario.loader import load_scenario
from sim.scenario.people import Eligibility

N = 6_000


@pytest.fixture(scope="module")
def world() -> tuple[Population, Derived]:
    sc = load_scenario("scenarios/baseline.yaml")
    rngs = [np.random.default_rng(s) for s in (1, 2, 3)]
    p = new_population(sc.model_copy(update={"region": sc.region.model_copy(update={"n_workers": N})}),
                       *rngs, np.random.default_rng(4).random(N))
    r = np.random.default_rng(5)
    p.job_level[:] = r.integers(0, 4, N)
    p.linked[:] = r.random(N) < 0.6
    p.experience[:] = r.integers(0, 1024, N)
    p.skill[:] = np.where(r.random(N) < 0.5, 1.0, r.uniform(0.5, 1.0, N)).astype(np.float32)
    p.status[:] = r.choice([UNEMPLOYED, EMPLOYED, 2, EXTERNSHIP, APPRENTICE, OUT_OF_LF], N)
    p.premium[:] = r.uniform(1.0, 1.2, N).astype(np.float32)
    p.job_mult[:] = r.uniform(0.8, 1.2, N).astype(np.float32)
    p.tenure[:] = r.integers(0, 400, N)
    p.wage[:] = r.uniform(2000, 6000, N).astype(np.float32)
    p.rung[:] = r.integers(0, 4, N)
    p.idle[:] = r.integers(0, 30, N)
    return p, Derived.of(sc)


def _skilled(p: Population, k: Derived, idx: np.ndarray, lvl: np.ndarray) -> np.ndarray:
    prem = np.where(p.linked[idx], k.prem_mult[lvl], k.unlinked_mult[lvl])
    grown = prem * np.where(lvl > 0, k.experience_growth[p.experience[idx]], np.float32(1.0))
    return np.float32(1.0) + p.skill[idx] * (grown - np.float32(1.0))


def _wage(p: Population, k: Derived, idx: np.ndarray, lvl: np.ndarray) -> np.ndarray:
    return (k.base_wage_f[p.sector[idx]] * _skilled(p, k, idx, lvl) * p.wage_effect[idx] * p.premium[idx]
            * p.job_mult[idx] * k.tenure_growth[p.tenure[idx]])


def test_skilled_factor_output_factor_and_wage_match_numpy_bit_for_bit(world):
    p, k = world
    idx = np.random.default_rng(6).choice(N, 2_000, replace=False)
    own = p.job_level[idx]
    other = np.full(len(idx), 2, dtype=np.int8)
    assert np.array_equal(p.skilled_factor(k, idx), _skilled(p, k, idx, own))
    assert np.array_equal(p.skilled_factor(k, idx, other), _skilled(p, k, idx, other))
    prem = np.where(p.linked[idx], k.prem_mult[own], k.unlinked_mult[own])
    assert np.array_equal(p.output_factor(k, idx), _skilled(p, k, idx, own) / prem)
    assert np.array_equal(p.wage_at(k, idx), _wage(p, k, idx, own))
    assert np.array_equal(p.wage_at(k, idx, other), _wage(p, k, idx, other))
    mask = np.zeros(N, dtype=bool)
    mask[idx] = True  # a mask selects as NumPy indexing does
    assert np.array_equal(p.wage_at(k, mask), _wage(p, k, np.flatnonzero(mask), p.job_level[mask]))
    assert not np.array_equal(p.skilled_factor(k, idx), np.ones(len(idx), np.float32))  # something to check


def test_gain_experience_matches_numpy_bit_for_bit(world):
    p, k = world
    got, ref = p.copy(), p.copy()
    got.gain_experience(k)
    idx = np.flatnonzero((ref.status == EMPLOYED) & (ref.job_level > 0) & (ref.experience < 1023))
    old = _skilled(ref, k, idx, ref.job_level[idx])
    ref.experience[idx] += 1
    ref.wage[idx] *= _skilled(ref, k, idx, ref.job_level[idx]) / old
    assert len(idx) > 100 and (ref.experience == 1023).any()  # the cap is met too
    assert np.array_equal(got.experience, ref.experience)
    assert np.array_equal(got.wage, ref.wage)
    assert not np.array_equal(got.wage, p.wage)


@pytest.mark.parametrize("lapse", [0, 12])
def test_use_skills_matches_numpy_bit_for_bit(world, lapse):
    p, k = world
    got, ref = p.copy(), p.copy()
    lapsed = got.use_skills(k, lapse)
    st = ref.status
    out = np.flatnonzero((st == UNEMPLOYED) | (st == OUT_OF_LF))
    ref.idle[out] += 1
    ref.skill[out] *= k.skill_depreciation
    busy = np.flatnonzero((st != UNEMPLOYED) & (st != OUT_OF_LF))
    ref.idle[busy] = 0
    low = busy[ref.skill[busy] < 1.0]
    paid = low[ref.on_payroll()[low] | (st[low] == EXTERNSHIP)]
    old = _skilled(ref, k, paid, ref.job_level[paid])
    ref.skill[low] = np.minimum(ref.skill[low] * k.skill_restoration, np.float32(1.0))
    ref.wage[paid] *= _skilled(ref, k, paid, ref.job_level[paid]) / old
    want = out[:0]
    if lapse > 0:
        want = out[(ref.idle[out] >= lapse) & (ref.rung[out] > 0)]
        ref.rung[want] -= 1
        ref.idle[want] = 0
        assert len(want) > 10
    assert np.array_equal(lapsed, want)
    for col in ("idle", "skill", "wage", "rung"):
        assert np.array_equal(getattr(got, col), getattr(ref, col)), col


def test_part_time_earnings_match_numpy_bit_for_bit(world):
    p, _ = world
    got = p.copy()
    r = np.random.default_rng(8)
    got.prog_kind[:] = r.integers(0, 3, N)
    got.prior_wage[:] = np.where(r.random(N) < 0.3, 0.0, 3000.0)
    share = 0.7  # float32(0.7) < 0.7: NumPy compares the float32 column with it in float32
    got.work_draw[: N // 10] = np.float32(share)  # draws at the boundary itself are not below it
    ref = got.copy()
    got.part_time_earnings(share, 0.45)
    idx = np.flatnonzero((ref.status == 2) & (ref.prog_kind == 1) & (ref.work_draw < share)
                         & (ref.prior_wage > 0))
    ref.earnings[idx] += np.float32(0.45) * ref.prior_wage[idx]
    assert len(idx) > 50
    assert np.array_equal(got.earnings, ref.earnings)


def test_paid_jobs_are_everyone_on_a_payroll_in_order(world):
    p, _ = world
    employer, wage = p.paid_jobs()
    on = np.flatnonzero(p.on_payroll())
    assert np.array_equal(employer, p.employer[on]) and np.array_equal(wage, p.wage[on])
    assert employer.dtype == p.employer.dtype and wage.dtype == p.wage.dtype


@pytest.mark.parametrize("stipend", [0.0, 650.0])
def test_work_month_is_the_separate_verbs_in_one_pass(world, stipend):
    """Population.work_month changes every column and pays every firm as gain_experience,
    use_skills, age_jobs, part_time_earnings and paid_jobs do one after another."""
    p, k = world
    got = p.copy()
    r = np.random.default_rng(9)
    got.employer[:] = np.where(got.on_payroll(), r.integers(0, 40, N), -1)
    got.prog_kind[:] = r.integers(0, 3, N)
    got.prog_payer[:] = r.integers(0, 4, N)
    got.prior_wage[:] = np.where(r.random(N) < 0.3, 0.0, 3000.0).astype(np.float32)
    ref = got.copy()
    payroll, employer, wage = got.work_month(k, 6, stipend, 40, 0.7, 0.45)
    ref.gain_experience(k)
    ref.use_skills(k, 6)
    want_payroll = ref.age_jobs(k.monthly_growth, stipend, 40)
    ref.part_time_earnings(0.7, 0.45)
    want_employer, want_wage = ref.paid_jobs()
    for col in ("experience", "skill", "wage", "idle", "rung", "tenure", "earnings"):
        assert np.array_equal(getattr(got, col), getattr(ref, col)), col
    assert np.array_equal(payroll, want_payroll)
    assert np.array_equal(employer, want_employer) and np.array_equal(wage, want_wage)
    assert employer.dtype == p.employer.dtype and wage.dtype == p.wage.dtype


def test_start_job_sets_the_job_and_its_wage_as_numpy(world):
    p, k = world
    got = p.copy()
    idx = np.random.default_rng(10).choice(N, 400, replace=False)
    firms = np.random.default_rng(11).integers(0, 40, 400)
    levels = np.random.default_rng(12).integers(0, 4, 400)
    for level in (levels, 2):
        ref = got.copy()
        got.start_job(k, idx, firms, level)
        ref.status[idx], ref.employer[idx], ref.job_level[idx] = EMPLOYED, firms, level
        ref.tenure[idx], ref.job_mult[idx], ref.sep_mult[idx] = 0, 1.0, 1.0
        ref.wage[idx] = _wage(ref, k, idx, ref.job_level[idx])
        for col in ("status", "employer", "job_level", "tenure", "job_mult", "sep_mult", "wage"):
            assert np.array_equal(getattr(got, col), getattr(ref, col)), col


def test_firm_surplus_matches_numpy_with_the_output_factor_bit_for_bit(world):
    """The surplus kernel computes people's output factor itself: the same bits as NumPy with
    Population.output_factor, added firm by firm in people's order (np.add.at)."""
    p, k = world
    F = 40
    q = p.copy()
    r = np.random.default_rng(9)
    q.employer[:] = r.integers(0, F, N)
    q.ext_host[:] = r.integers(0, F, N)
    inv, gain, trainee, unlinked = 1.0 / 0.6, 0.5, 0.4, 0.7
    got = kernels.firm_surplus(q.status, q.employer, q.ext_host, q.job_level, q.rung, q.sector,
                               q.wage_effect, q.tenure, q.wage, k.base_wage_f, k.prem, k.tenure_growth, inv,
                               gain, trainee, F, q.job_mult, q.linked, unlinked, q.experience, q.skill,
                               k.prem_mult, k.unlinked_mult, k.experience_growth)
    on = np.flatnonzero(np.isin(q.status, (EMPLOYED, EXTERNSHIP, APPRENTICE)))
    firm = np.where(q.status[on] == EXTERNSHIP, q.ext_host[on], q.employer[on])
    pr = 0.5 * (k.prem[q.job_level[on]] + k.prem[np.minimum(q.rung[on], 3)])
    pr = np.where(q.linked[on], pr, pr * unlinked)
    prod = ((k.base_wage_f[q.sector[on]] * q.wage_effect[on] * k.tenure_growth[q.tenure[on]]
             * q.output_factor(k, on) * q.job_mult[on]).astype(np.float64) * (inv + gain * pr))
    prod = np.where(q.status[on] == EMPLOYED, prod, trainee * prod)
    want = np.zeros(F)
    np.add.at(want, firm, prod - q.wage[on])
    assert len(on) > 1000
    assert np.array_equal(got, want)


@pytest.mark.parametrize("flags", [(True, False, False), (False, True, True), (True, True, False)])
def test_fund_eligibility_by_status_is_numpys_select(world, flags):
    """training.fund_eligible's status test (boolean algebra now) against the np.select it replaced."""
    p, _ = world
    el = Eligibility(unemployed=flags[0], employed=flags[1], out_of_labour_force=flags[2], age_max=60)
    idx = np.arange(N)
    st = p.status[idx]
    want = np.select([st == UNEMPLOYED, st == EMPLOYED, st == OUT_OF_LF], list(flags), False) & el.matches(
        p.group[idx], p.age_years(7, idx), p.traits[idx])
    got = fund_eligible(p, el, idx, 7)
    assert want.any() and not want.all()
    assert np.array_equal(got, want)


def test_earn_credential_records_who_paid_as_numpys_select(world):
    p, _ = world
    got = p.copy()
    r = np.random.default_rng(10)
    got.prog_payer[:] = r.integers(0, 4, N)
    got.prog_firm[:] = r.integers(-1, 40, N)
    got.prog_rung[:] = r.integers(1, 4, N)
    ref = got.copy()
    idx = np.flatnonzero(r.random(N) < 0.5)
    got.earn_credential(idx)
    done = idx[ref.prog_credential[idx]]
    payer = ref.prog_payer[done]
    ref.rung[done] = np.maximum(ref.rung[done], ref.prog_rung[done])
    ref.trained_by[done] = np.select([payer == 1, payer == 3, payer == 2],
                                     [-2, -3, ref.prog_firm[done]], ref.trained_by[done])
    assert np.array_equal(got.trained_by, ref.trained_by) and np.array_equal(got.rung, ref.rung)
    assert not np.array_equal(got.trained_by, p.trained_by)

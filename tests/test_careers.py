"""The career mechanisms of issue 14 (docs/ODD.md 7.21-7.27), each isolated: two scenarios that
differ in one parameter, run on the same seeds (common random numbers), and the direction the
mechanism must give, checked across seeds (paired, loosely: direction plus p < 0.1), with a
check that the run had something to act on. Verbs are also checked on the real population.

Regions are small (4,000 people, 80 firms, 6 providers), phases one month. (A file of its own:
tests/test_mechanisms.py is at its size limit.)"""

from __future__ import annotations

from typing import Any

import numpy as np
from conftest import scenario_with
from scipy import stats

from sim.engine.labour_market import Tightness
from sim.engine.model import FundModel
from sim.engine.runner import run
from sim.engine.workers import EMPLOYED, OUT_OF_LF, UNEMPLOYED, new_population
from sim.scenario.schema import Scenario

REGION = {"n_workers": 4000, "n_firms": 80, "n_providers": 6}
SEEDS = (1, 2, 3, 4)
LOOSE_P = 0.1


def build(preset: str = "baseline.yaml", horizon: int = 60, counterfactual: bool = False,
          **updates: Any) -> Scenario:
    return scenario_with(preset, horizon, REGION, counterfactual, **updates)


def greater(a: np.ndarray, b: np.ndarray) -> float:
    """One-sided paired t-test p-value that a > b (paired by seed)."""
    return float(stats.ttest_rel(a, b, alternative="greater").pvalue)


GAIN_SEEDS = tuple(range(1, 7))
_GAINS: dict[tuple[str, int], np.ndarray] = {}


def by_year(scenario: Scenario, seed: int) -> np.ndarray:
    """Fund participants against their own no-fund twin by year since their first fund start
    (years 1..5): row 0 the earnings gain ($ per person-month), row 1 the credential gap (rungs
    per person), row 2 the person-months behind each year. Memoised by digest and seed."""
    key = (scenario.digest(), seed)
    if key not in _GAINS:
        _GAINS[key] = _by_year(scenario, seed)
    return _GAINS[key]


def _by_year(scenario: Scenario, seed: int) -> np.ndarray:
    model, twin = FundModel(scenario, seed), FundModel(scenario.counterfactual(), seed)
    first = np.full(model.workers.n, -1)
    out = np.zeros((3, 5))
    for _ in range(scenario.horizon_months):
        model.step()
        twin.step()
        p, q = model.workers, twin.workers
        first[p.participant & (first < 0)] = model.month
        part = np.flatnonzero(first >= 0)
        year = (model.month - first[part]) // 12
        keep = year < 5
        part, year = part[keep], year[keep]
        np.add.at(out[0], year, p.earnings[part] - q.earnings[part])
        np.add.at(out[1], year, p.rung[part].astype(float) - q.rung[part])
        np.add.at(out[2], year, 1)
    out[:2] /= np.maximum(out[2], 1)
    return out


def later(scenario: Scenario, years: slice = slice(1, 3), row: int = 0) -> np.ndarray:
    """Participants' mean gain (row 0: earnings, 1: credentials) over `years` after the first
    start (default years 2-3), one value per seed."""
    values = []
    for s in GAIN_SEEDS:
        table = by_year(scenario, s)
        assert table[2, years].min() > 1000  # enough participants followed that long
        values.append(float(np.average(table[row, years], weights=table[2, years])))
    return np.array(values)


# --- 7.21 progression on the job ------------------------------------------------------------------

def test_promotion_moves_credentialed_staff_up_their_ladder_into_openings() -> None:
    """Employees climb one level at their own employer, only with a credential (one that
    proves the level, or the level below with experience), into an opening; with zero hazards
    nobody is promoted; promotions raise the wages of credentialed staff."""
    def promotions(sc: Scenario, seed: int) -> tuple[int, float]:
        model = FundModel(sc, seed)
        p = model.workers
        count = 0
        for _ in range(24):
            before = (p.employer.copy(), p.job_level.copy(), p.status.copy(), p.prog_kind.copy(),
                      p.tenure.copy())
            model.step()
            same = ((before[2] == EMPLOYED) & (p.status == EMPLOYED) & (p.employer == before[0])
                    & (p.tenure == before[4] + 1)  # not separated and rehired by the same firm
                    & (before[3] == 0) & (p.prog_kind == 0))  # not incumbent upskilling
            up = np.flatnonzero(same & (p.job_level > before[1]))
            assert np.all(p.job_level[up] == before[1][up] + 1)  # one level at a time
            assert np.all(p.rung[up] >= p.job_level[up] - 1)  # a credential at most one level below
            assert np.all(p.rung[up] > 0)  # no ladder without a credential
            count += len(up)
        cred = (p.status == EMPLOYED) & (p.rung > 0)
        return count, float(p.wage[cred].mean())

    on, off = build(), build(**{"careers.promotion_rate_monthly": [0.0, 0.0, 0.0]})
    wages_on, wages_off = [], []
    for s in SEEDS[:3]:
        n_on, w_on = promotions(on, s)
        n_off, w_off = promotions(off, s)
        assert n_on > 50 and n_off == 0
        wages_on.append(w_on)
        wages_off.append(w_off)
    assert np.mean(wages_on) > np.mean(wages_off)


def climbs_after_placement(scenario: Scenario, seed: int) -> tuple[int, int]:
    """(Placed completers later promoted at the employer that hired them, placed completers)."""
    model = FundModel(scenario, seed)
    p = model.workers
    hired_at = np.full(p.n, -1)
    level_at = np.full(p.n, -1)
    climbed = np.zeros(p.n, dtype=bool)
    for _ in range(scenario.horizon_months):
        wage = p.wage.copy()
        model.step()
        fresh = np.flatnonzero(p.placed_month == model.month)
        hired_at[fresh], level_at[fresh] = p.employer[fresh], p.job_level[fresh]
        up = np.flatnonzero((hired_at >= 0) & (p.employer == hired_at) & (p.status == EMPLOYED)
                            & (p.job_level > level_at) & (p.prog_kind == 0)
                            & (p.last_start < p.placed_month))  # not by upskilling since
        assert np.all(p.wage[up[~climbed[up]]] > wage[up[~climbed[up]]])  # a promotion is a raise
        climbed[up] = True
        level_at[up] = p.job_level[up]
    return int(climbed.sum()), int((hired_at >= 0).sum())


def test_promotion_lets_placed_completers_climb_after_placement() -> None:
    """Placed completers climb from the level they were hired at (a raise each time) when
    promotion hazards are positive, and never without. (Their gain over their twins need not
    grow: internal promotions also fill skilled openings that completers would have taken
    from outside; docs/ODD.md 7.21.)"""
    on = build(horizon=48)
    off = build(horizon=48, **{"careers.promotion_rate_monthly": [0.0, 0.0, 0.0]})
    for s in SEEDS[:2]:
        climbed, placed = climbs_after_placement(on, s)
        assert placed > 100 and climbed > 0
        assert climbs_after_placement(off, s)[0] == 0


def test_progression_on_the_job_makes_later_gains_larger() -> None:
    """Progression on the job (occupational experience in skilled jobs, promotions) against
    none: participants, more of whom hold skilled jobs than their twins, gain more over their
    twins in years 3-5 after the first start."""
    none = {"careers.experience_wage_growth_annual": 0.0, "careers.promotion_rate_monthly": [0.0, 0.0, 0.0]}
    years = slice(2, 5)
    on = later(build(horizon=72), years)
    off = later(build(horizon=72, **none), years)
    assert off.mean() > 0
    assert greater(on, off) < LOOSE_P


# --- 7.22 employer linkage --------------------------------------------------------------------------

def test_linked_credentials_raise_later_earnings_more_than_unlinked_ones() -> None:
    """The same fund courses designed with employers (hiring weight and full level premium)
    against the same courses without employer involvement: participants gain more."""
    linked = later(build(**{"careers.fund_linked_share": 1.0}))
    unlinked = later(build(**{"careers.fund_linked_share": 0.0}))
    assert linked.mean() > 0
    assert greater(linked, unlinked) < LOOSE_P


def test_an_unlinked_credential_is_paid_a_share_of_the_level_premium() -> None:
    sc = build()
    model = FundModel(sc, 1)
    p, k = model.workers, model.k
    idx = np.flatnonzero(p.status == EMPLOYED)[:200]
    level = np.full(len(idx), 2, dtype=np.int8)
    linked = p.wage_at(k, idx, level)
    p.linked[idx] = False
    unlinked = p.wage_at(k, idx, level)
    prem = sc.labour.rung_wage_premium[1]
    share = sc.careers.unlinked_premium_share
    np.testing.assert_allclose(unlinked / linked, (1 + share * prem) / (1 + prem), rtol=1e-5)


# --- 7.23 providers' placement quality ------------------------------------------------------------

def test_better_placing_providers_place_people_in_better_paid_and_steadier_jobs() -> None:
    """A provider's placement quality multiplies its placed completers' wage and divides their
    separation hazard: with a wide spread, people placed by the better half separate less."""
    sc = build(horizon=48, **{"careers.provider_stability_sd": 1.0, "careers.provider_wage_sd": 0.2})
    stays = {True: [], False: []}
    for s in SEEDS[:3]:
        model = FundModel(sc, s)
        p, z = model.workers, model.providers.placement_z
        exposure = {True: 0, False: 0}
        exits = {True: 0, False: 0}
        for _ in range(sc.horizon_months):
            placed_job = (p.status == EMPLOYED) & (p.sep_mult != 1.0)
            good = placed_job & (p.sep_mult < 1.0)
            employer = p.employer.copy()
            model.step()
            left = p.employer != employer
            for better, who in ((True, good), (False, placed_job & ~good)):
                exposure[better] += int(who.sum())
                exits[better] += int((who & left).sum())
        placed = np.flatnonzero(p.job_mult != 1.0)
        assert len(placed) > 50
        np.testing.assert_allclose(p.job_mult[placed] ** -5.0, p.sep_mult[placed], rtol=1e-4)
        assert (z > 0).any() and (z < 0).any()
        for better in (True, False):
            assert exposure[better] > 500
            stays[better].append(1.0 - exits[better] / exposure[better])
    assert greater(np.array(stays[True]), np.array(stays[False])) < LOOSE_P


# --- 7.24 fade-out and catch-up ---------------------------------------------------------------------

def test_skills_depreciate_out_of_work_and_credentials_lapse() -> None:
    """Out of paid work the share kept of a level's skills falls by the monthly rate and, after
    the lapse period, the highest credential drops a rung; back in a skilled job the skills
    recover and the wage is re-set with them (the level's premium paid in full again)."""
    sc = build()
    p = new_population(sc, np.random.default_rng(1), np.random.default_rng(2), np.random.default_rng(3),
                       np.zeros(sc.region.n_workers))
    model = FundModel(sc, 1)
    k = model.k
    idle = np.flatnonzero((p.status == UNEMPLOYED) & (p.rung == 2))[:20]
    assert len(idle) == 20
    p.status[idle] = OUT_OF_LF
    for _ in range(sc.careers.credential_lapse_months - 1):
        lapsed = p.use_skills(k, sc.careers.credential_lapse_months)
        assert len(np.intersect1d(lapsed, idle)) == 0
    lapsed = p.use_skills(k, sc.careers.credential_lapse_months)
    assert np.array_equal(np.intersect1d(lapsed, idle), idle) and np.all(p.rung[idle] == 1)
    expected = (1 - sc.careers.skill_depreciation_annual) ** (sc.careers.credential_lapse_months / 12)
    np.testing.assert_allclose(p.skill[idle], expected, rtol=1e-4)
    p.start_job(k, idle, np.zeros(len(idle), dtype=np.int32), 1)
    depreciated = p.wage[idle].copy()
    full = p.wage_at(k, idle) / p.skilled_factor(k, idle) * k.prem_mult[1]  # the premium in full
    assert np.all(depreciated < full)
    p.use_skills(k, sc.careers.credential_lapse_months)
    assert np.all(p.skill[idle] > expected) and np.all(p.idle[idle] == 0)
    assert np.all(p.wage[idle] > depreciated)
    np.testing.assert_allclose(p.wage[idle], p.wage_at(k, idle), rtol=1e-5)


def test_occupational_experience_raises_wages_in_skilled_jobs_only() -> None:
    """A month in a skilled job adds a month of occupational experience and its wage growth;
    a basic job adds none; experience stops paying after `experience_growth_months`."""
    sc = build()
    model = FundModel(sc, 1)
    p, k = model.workers, model.k
    skilled = np.flatnonzero((p.status == EMPLOYED) & (p.job_level > 0) & (p.experience < 10))[:50]
    basic = np.flatnonzero((p.status == EMPLOYED) & (p.job_level == 0))[:50]
    assert len(skilled) == 50 and len(basic) == 50
    before = p.wage.copy(), p.experience.copy()
    p.gain_experience(k)
    assert np.all(p.experience[skilled] == before[1][skilled] + 1)
    assert np.all(p.wage[skilled] > before[0][skilled])
    assert np.all(p.experience[basic] == before[1][basic]) and np.all(p.wage[basic] == before[0][basic])
    cap = sc.careers.experience_growth_months
    assert k.experience_growth[cap + 5] == k.experience_growth[cap] > k.experience_growth[cap - 1]
    np.testing.assert_allclose(k.experience_growth[12], 1.0 + sc.careers.experience_wage_growth_annual,
                               rtol=1e-6)


def test_gains_fade_when_the_twin_catches_up_by_training_elsewhere() -> None:
    """When other public programmes pay the tuition of training outside the fund, people in
    the no-fund twin train later elsewhere: the participants' credential lead and earnings
    gain in years 3-5 are smaller than when nobody helps with tuition."""
    none = build(horizon=72, **{"careers.outside_tuition_cover": 0.0})
    all_ = build(horizon=72, **{"careers.outside_tuition_cover": 1.0})
    years = slice(2, 5)
    assert later(none, years).mean() > 0
    assert greater(later(none, years, row=1), later(all_, years, row=1)) < LOOSE_P
    assert greater(later(none, years), later(all_, years)) < LOOSE_P


def test_gains_fade_faster_with_higher_depreciation() -> None:
    """Skills a level pays for depreciate out of work: the participants, who built more of
    them, lose more than their twins, so their earnings gain in years 3-5 is smaller when
    skills depreciate fast than when they do not depreciate."""
    years = slice(2, 5)
    none = later(build(horizon=72, **{"careers.skill_depreciation_annual": 0.0}), years)
    fast = later(build(horizon=72, **{"careers.skill_depreciation_annual": 0.4}), years)
    assert none.mean() > 0
    assert greater(none, fast) < LOOSE_P


def test_credential_gains_fade_faster_when_credentials_lapse_sooner() -> None:
    """A participant out of work loses the credential the fund bought once it lapses, while
    her twin may have had none to lose: the participants' credential lead in years 3-5 is
    smaller when credentials lapse after 6 idle months than when they never lapse. (Earnings
    need not follow: the fund's participants work more, so their twins lose more skill.)"""
    years = slice(2, 5)
    never = later(build(horizon=72, **{"careers.credential_lapse_months": 0}), years, row=1)
    soon = later(build(horizon=72, **{"careers.credential_lapse_months": 6}), years, row=1)
    assert never.mean() > 0
    assert greater(never, soon) < LOOSE_P


# --- 7.25 who enrols and how they live while training ------------------------------------------------

def test_outreach_recruits_the_target_group() -> None:
    """Targeted outreach raises the share of fund starts from the hard-to-serve."""
    def share(factor: float) -> np.ndarray:
        sc = build(horizon=36, **{"careers.fund_outreach_factor": factor})
        return np.array([run(sc, s).horizon()["hard_to_serve_share"] for s in SEEDS[:3]])

    assert greater(share(4.0), share(1.0)) < LOOSE_P


def test_trainees_who_keep_part_time_work_lose_less_while_training() -> None:
    """The lock-in (earnings forgone while training) is smaller when trainees keep part-time
    work: participants' earnings while in training, against their twin, are higher."""
    def in_training(share: float) -> np.ndarray:
        sc = build(horizon=36, counterfactual=True, **{"careers.part_time_work_share": share})
        return np.array([run(sc, s).horizon()["earnings_diff_in_training"] for s in SEEDS[:3]])

    none, all_ = in_training(0.0), in_training(1.0)
    assert np.all(none < 0)
    assert np.all(all_ > none)


# --- 7.26 tightness-driven flows ----------------------------------------------------------------------

def test_tightness_index_follows_vacancies_per_job_seeker() -> None:
    """Quits respond to (theta / its geometric running mean) ^ elasticity; 1 before any posting."""
    t = Tightness(2)
    assert np.all(t.multiplier(0.5) == 1.0)
    t.last, t.log_sum, t.months = np.log([2.0, 0.5]), np.zeros(2), 4  # running mean of log: 0
    np.testing.assert_allclose(t.multiplier(0.5), [np.sqrt(2.0), np.sqrt(0.5)])


def test_quits_fall_in_a_recession_through_tightness() -> None:
    """In a scripted recession vacancies dry up and job seekers pile up: with quits tied to
    tightness, quits in the recession fall more (relative to the year before) than without."""
    rec = {"enabled": True, "start_month": 24, "duration_months": 12, "depth": 0.15, "recovery_months": 12}

    def drop(elasticity: float) -> np.ndarray:
        sc = build(horizon=48, **{"demand.recession": rec, "labour.quit_tightness_elasticity": elasticity})
        out = []
        for s in SEEDS[:3]:
            q = run(sc, s).series("quits")
            out.append(q.loc[30:40].mean() / q.loc[12:23].mean())
        return np.array(out)

    tied, flat = drop(1.0), drop(0.0)
    assert greater(flat, tied) < LOOSE_P


def test_outside_programmes_pay_their_share_of_self_paid_tuition_to_the_cent() -> None:
    """Tuition of training outside the fund is split in the ledger: people pay providers the
    rest (`tuition`), the public pays the cover (`outside_grant`), each provider-month to the
    cent of its share; with no cover there are no outside grants."""
    cover = 0.25
    led = run(build("no_fund.yaml", horizon=24, **{"careers.outside_tuition_cover": cover}), 1).ledger
    by = led.groupby(["month", "payee", "category"]).amount_cents.sum().unstack("category").dropna()
    assert len(by) > 10 and (led[led.category == "outside_grant"].payer == "public").all()
    total = by["tuition"] + by["outside_grant"]
    assert np.all(np.abs(by["outside_grant"] - cover * total) <= 1)  # one cent of rounding each
    none = run(build("no_fund.yaml", horizon=24, **{"careers.outside_tuition_cover": 0.0}), 1).ledger
    assert (none.category == "tuition").any() and not (none.category == "outside_grant").any()

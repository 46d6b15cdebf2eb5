"""Training's compiled loops (sim.engine.kernels_training) against the plain NumPy statements they
replaced, bit for bit: applications on a real population with scrambled careers, under rules with
and without stipends, supports and eligibility limits; routing to providers, ranking, the budget's
running sums and NumPy's pairwise sum on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from sim.engine import kernels_training as kt
from sim.engine.derived import Derived
from sim.engine.rng import MonthlyLuck, Streams
from sim.engine.training import apply_for_training, completion_odds, fund_eligible, unmet_barriers
from sim.engine.workers import (
    APPRENTICE,
    EMPLOYED,
    EXTERNSHIP,
    OUT_OF_LF,
    UNEMPLOYED,
    Population,
    new_population,
)
from sim.scenario.loader import apply_overrides, load_scenario

N = 8_000
RNG = np.random.default_rng(11)


@pytest.fixture(scope="module")
def people() -> Population:
    sc = load_scenario("scenarios/baseline.yaml")
    rngs = [np.random.default_rng(s) for s in (1, 2, 3)]
    p = new_population(sc.model_copy(update={"region": sc.region.model_copy(update={"n_workers": N})}),
                       *rngs, np.random.default_rng(4).random(N))
    r = np.random.default_rng(5)
    p.job_level[:] = r.integers(0, 4, N)
    p.status[:] = r.choice([UNEMPLOYED, EMPLOYED, 2, EXTERNSHIP, APPRENTICE, OUT_OF_LF], N)
    p.premium[:] = r.uniform(1.0, 1.2, N).astype(np.float32)
    p.wage[:] = r.uniform(2000, 6000, N).astype(np.float32)
    p.rung[:] = r.integers(0, 4, N)
    p.prog_kind[:] = np.where(r.random(N) < 0.8, 0, 1)
    p.last_start[:] = np.where(r.random(N) < 0.7, -999, r.integers(0, 40, N))
    p.contract_price[:] = np.where(r.random(N) < 0.9, 0, 100_000)
    return p


def _apply_numpy(p, sc, k, luck, month, active):
    """apply_for_training as NumPy statements (before it was compiled)."""
    w = sc.workers
    reach = sc.careers.fund_outreach_factor if active else 1.0
    pre = luck.candidates("applications", w.application_rate * reach)
    st = p.status[pre]
    eligible = (((st == UNEMPLOYED) | (st == OUT_OF_LF) | ((st == EMPLOYED) & (p.job_level[pre] == 0)))
                & (p.rung[pre] < 3) & (p.prog_kind[pre] == 0)
                & (month - p.last_start[pre] > w.months_between_starts) & (p.contract_price[pre] == 0))
    pre = pre[eligible]
    st = p.status
    u = luck.at("applications", pre)
    nxt = p.rung[pre] + 1
    s = p.sector[pre]
    start_wage = k.base_wage[s] * p.wage_effect[pre] * p.premium[pre]
    today = np.where(st[pre] == EMPLOYED, p.wage[pre], start_wage * (1.0 + k.prem[p.rung[pre]]))
    portable = w.gain_weight_portable
    gain = (np.maximum(start_wage * (1.0 + k.prem[nxt]) - today, 0.0)
            * ((1.0 - portable) + portable * k.portability[s]))
    months = k.months[nxt - 1]
    forgone = np.where(st[pre] == EMPLOYED, p.wage[pre], 0.0) * (months + w.search_months_after_training)
    scale = k.base_wage[s] * w.decision_scale_wage_months
    olf = np.where(st[pre] == OUT_OF_LF, w.out_of_labour_force_application_factor, 1.0)

    def keen(funded):
        unmet = unmet_barriers(p, sc, pre, funded, active)
        pv = gain * 12.0 * k.annuity * completion_odds(p, sc, k, pre, nxt, unmet)
        cover = sc.careers.outside_tuition_cover
        tuition = 0.0 if funded else k.price[nxt - 1] * (1.0 - cover) * w.liquidity_cost_factor
        support = (sc.training.stipend_monthly * months) if funded else 0.0
        net = pv - tuition - forgone - w.barrier_cost_monthly * unmet * months + support
        return expit(net / scale) * olf

    self_keen = keen(False)
    funded_keen = keen(True) * np.where(p.target_group(pre), reach, 1.0) if active else self_keen
    el = sc.fund.payments.eligible
    if active and not el.everyone:
        funded_keen = np.where(fund_eligible(p, el, pre, month), funded_keen, 0.0)
    best = np.maximum(funded_keen, self_keen) if active else self_keen
    applies = u < w.application_rate * best
    return pre[applies], (u < w.application_rate * self_keen)[applies]


RULES = {
    "baseline": {},
    "supports": {"fund.supports.childcare_monthly": 300, "fund.supports.transport_monthly": 80,
                 "fund.supports.coverage": 0.7, "training.stipend_monthly": 500},
    "eligible": {"fund.payments.eligible.employed": "false", "fund.payments.eligible.age_max": 40},
}


@pytest.mark.parametrize("rules", sorted(RULES))
@pytest.mark.parametrize("active", [False, True])
def test_applications_match_numpy_bit_for_bit(people, rules, active):
    sc = apply_overrides(load_scenario("scenarios/baseline.yaml"),
                         {"region.n_workers": N, "workers.application_rate": 0.2, **RULES[rules]})
    k = Derived.of(sc)
    for month in (5, 30):
        luck = MonthlyLuck(Streams(3), month, N)
        got, got_self = apply_for_training(people, sc, k, luck, month, active)
        want, want_self = _apply_numpy(people, sc, k, luck, month, active)
        assert len(want) > 50  # enough applicants to mean something
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got_self, want_self)


def test_np_sum_is_numpys_pairwise_sum_to_the_bit():
    for n in [*range(0, 300, 7), 511, 512, 513, 1025, 4097, 20_000]:
        a = RNG.normal(size=n) * 10.0 ** RNG.integers(-5, 8, n)
        assert kt.np_sum(a) == np.sum(a)


def test_route_draws_providers_as_searchsorted_over_capacity_shares():
    S, P, n = 3, 11, 2_000
    prov_sector = RNG.integers(0, S, P)
    weight = np.where(RNG.random(P) < 0.2, 0.0, RNG.uniform(1, 50, P))
    weight[prov_sector == 2] = 0.0  # a sector with no open seats: nobody routed
    s, u = RNG.integers(0, S, n), RNG.random(n)
    chosen, demand = kt.route(s, u, prov_sector, weight, S)
    want = np.full(n, -1)
    for sec in range(S):
        provs = np.flatnonzero(prov_sector == sec)
        wts = weight[provs]
        here = np.flatnonzero(s == sec)
        if wts.sum() <= 0 or len(here) == 0:
            continue
        cum = np.cumsum(wts) / wts.sum()
        want[here] = provs[np.minimum(np.searchsorted(cum, u[here], side="right"), len(provs) - 1)]
    np.testing.assert_array_equal(chosen, want)
    np.testing.assert_array_equal(demand, np.bincount(want[want >= 0], minlength=P).astype(float))


def test_rank_and_budget_follow_lexsort_with_ties_in_input_order():
    n = 3_000
    groups = RNG.integers(0, 40, n)
    score = np.round(RNG.normal(size=n), 1)  # many ties
    order = np.lexsort((-score, groups))
    g = groups[order]
    want = np.empty(n, dtype=np.int64)
    want[order] = np.arange(n) - np.searchsorted(g, g, side="left")
    np.testing.assert_array_equal(kt.rank_within(groups, score), want)
    sector, commit, budget = RNG.integers(0, 3, n), RNG.uniform(0, 5_000, n), np.array([4e5, 1e6, 0.0])
    order = np.lexsort((-score, sector))
    cum = np.zeros(n)
    for sec in range(3):
        in_sec = order[sector[order] == sec]
        cum[in_sec] = np.cumsum(commit[in_sec])
    np.testing.assert_array_equal(kt.within_budget(sector, score, commit, budget), cum <= budget[sector])


def _progress_numpy(p, pt_quality, sc, k, luck, active):
    """training.progress as NumPy statements (before it was compiled)."""
    tr = sc.training
    idx = np.flatnonzero(p.prog_left > 0)
    kind = p.prog_kind[idx]
    reached = (p.prog_payer[idx] == 1) & ((kind != 3) | sc.fund.supports.reach_apprentices)
    unmet = unmet_barriers(p, sc, idx, reached, active)
    unmet = np.where(kind == 2, tr.incumbent_barrier_weight * unmet, unmet)
    base = np.where(kind == 3, k.appr_logit, k.base_logit[p.prog_rung[idx] - 1])
    lift = np.where(kind == 3, tr.earn_and_learn_effect, 0.0)
    quality = pt_quality[np.maximum(p.prog_provider[idx], 0)]
    total = expit(base + tr.aptitude_effect * p.aptitude[idx] - tr.barrier_effect * unmet + lift + quality)
    hazard = 1.0 - total ** (1.0 / np.maximum(p.prog_months[idx], 1))
    drop = luck.at("progress", idx) < hazard
    dropped, going = idx[drop], idx[~drop]
    p.prog_left[going] -= 1
    return dropped, going[p.prog_left[going] == 0]


@pytest.mark.parametrize("rules", sorted(RULES))
@pytest.mark.parametrize("active", [False, True])
def test_progress_matches_numpy_bit_for_bit(people, rules, active):
    from types import SimpleNamespace

    from sim.engine.training import progress

    sc = apply_overrides(load_scenario("scenarios/baseline.yaml"),
                         {"region.n_workers": N, "fund.supports.reach_apprentices": "true", **RULES[rules]})
    k = Derived.of(sc)
    got = people.copy()
    r = np.random.default_rng(6)
    got.prog_kind[:] = r.integers(0, 4, N)
    got.prog_payer[:] = r.integers(0, 4, N)
    got.prog_rung[:] = r.integers(1, 4, N)
    got.prog_months[:] = r.integers(0, 30, N)
    got.prog_left[:] = np.where(got.prog_kind > 0, r.integers(0, 4, N), 0)
    got.prog_provider[:] = r.integers(-1, 6, N)
    pt = SimpleNamespace(quality=r.normal(0, 0.3, 6))
    ref = got.copy()
    luck = MonthlyLuck(Streams(4), 9, N)
    dropped, done = progress(got, pt, sc, k, luck, active)
    want_dropped, want_done = _progress_numpy(ref, pt.quality, sc, k, luck, active)
    assert len(want_dropped) > 100 and len(want_done) > 100
    np.testing.assert_array_equal(dropped, want_dropped)
    np.testing.assert_array_equal(done, want_done)
    np.testing.assert_array_equal(got.prog_left, ref.prog_left)


def test_incumbent_picks_and_pair_totals_match_numpy():
    n, F = 4_000, 50
    status, kind, rung = RNG.integers(0, 6, n), RNG.integers(0, 3, n), RNG.integers(0, 4, n)
    employer = RNG.integers(0, F, n)
    cand = np.flatnonzero(RNG.random(n) < 0.6)
    u = RNG.random(len(cand)).astype(np.float32)
    rates = RNG.uniform(0, 3.0, F)
    got = kt.incumbent_picks(cand, u, status, kind, rung, employer, rates / 12.0)
    ok = (status[cand] == 1) & (kind[cand] == 0) & (rung[cand] < 3)
    emp, ue = cand[ok], u[ok]
    np.testing.assert_array_equal(got, emp[ue < rates[employer[emp]] / 12.0])
    key, price = RNG.integers(0, 30, 500) * 7 + RNG.integers(0, 7, 500), RNG.uniform(100, 5_000, 500)
    pairs, which = np.unique(key, return_inverse=True)
    got_pairs, got_sums = kt.pair_totals(key, price)
    np.testing.assert_array_equal(got_pairs, pairs)
    np.testing.assert_array_equal(got_sums, np.bincount(which, weights=price, minlength=len(pairs)))


def test_impact_refuses_a_programme_kind_without_a_column_and_changes_nothing(people):
    from sim.engine.impact import KIND_COLUMNS, ImpactTracker

    p = people.copy()
    tracker = ImpactTracker(24, N, 6)
    p.participant[:] = False
    p.participant[:10] = True
    p.first_fund_month[:10] = 3
    p.prog_kind[:10] = 1
    p.prog_kind[5] = KIND_COLUMNS  # a kind code the table has no column for
    state = np.zeros(N, dtype=np.int8)
    with pytest.raises(ValueError, match=f"programme kind code {KIND_COLUMNS}"):
        tracker.record(p, 3, np.zeros(N, dtype=np.float32), state)
    assert not tracker.sums.any() and not tracker.kind.any()
    p.prog_kind[5] = 1
    tracker.record(p, 3, np.zeros(N, dtype=np.float32), state)
    assert tracker.sums[0].sum() == 10 * 5  # ten participants, five splits each

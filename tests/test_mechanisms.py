"""Behaviour tests: each mechanism of docs/ODD.md (sections 3 and 7) is checked by comparing two
scenarios that differ in one parameter, run on the same seeds (common random numbers).

Regions are small (4,000 people, 80 firms, 6 providers) and phases short, so the whole file
runs in well under a minute and a half. Where a difference is noisy, it is checked across
seeds with a paired test, loosely (direction plus p < 0.1); each test also checks that its run
is not degenerate (fund starts happened, the mechanism had something to act on)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.engine.model import FundModel
from sim.engine.workers import APPRENTICE, EMPLOYED, UNEMPLOYED
from sim.outcomes import INDEX
from sim.results import Results
from sim.scenario.schema import Scenario

REGION = {"n_workers": 4000, "n_firms": 80, "n_providers": 6}
SEEDS = (1, 2, 3)
SEEDS_6 = tuple(range(1, 7))
LOOSE_P = 0.1  # paired one-sided tests across a few seeds: direction plus loose significance

Build = Callable[..., Scenario]

# Provider payment schedules: almost all on outcomes vs none on outcomes (shares sum to 1).
OUTCOME_HEAVY = [{"kind": "upfront", "share": 0.1}, {"kind": "on_placement", "share": 0.5},
                 {"kind": "on_retention", "share": 0.4, "day": 180}]
NO_OUTCOMES = [{"kind": "upfront", "share": 0.5}, {"kind": "monthly_instalments", "share": 0.5}]


# --- helpers ----------------------------------------------------------------------------------

def _set(data: dict[str, Any], path: str, value: Any) -> None:
    node = data
    *parents, leaf = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


@pytest.fixture(scope="module")
def build(small_scenario_dict: Callable[..., dict[str, Any]]) -> Build:
    """`build(preset="baseline.yaml", horizon=48, counterfactual=False, **{"a.b": value})`:
    a preset at the test region size, with dotted-path overrides."""

    def make(preset: str = "baseline.yaml", horizon: int = 48, counterfactual: bool = False,
             **updates: Any) -> Scenario:
        data = small_scenario_dict(preset, horizon_months=horizon, **REGION)
        data["outputs"] = {"counterfactual": counterfactual}
        for path, value in updates.items():
            _set(data, path, value)
        return Scenario.model_validate(data)

    return make


_RUNS: dict[tuple[str, int], Results] = {}


def run(scenario: Scenario, seed: int) -> Results:
    """sim.run, memoised within this module (some tests read the same runs)."""
    key = (scenario.digest(), seed)
    if key not in _RUNS:
        _RUNS[key] = sim.run(scenario, seed)
    return _RUNS[key]


def horizon(scenario: Scenario, metric: str, seeds: Sequence[int] = SEEDS, group: str = "all") -> np.ndarray:
    """The horizon value of `metric`, one per seed."""
    return np.array([run(scenario, s).horizon(group=group)[metric] for s in seeds], dtype=float)


def paired_p(larger: np.ndarray, smaller: np.ndarray) -> float:
    """One-sided paired t-test p-value that `larger` exceeds `smaller` (by seed)."""
    return float(stats.ttest_rel(larger, smaller, alternative="greater").pvalue)


def cents(series: pd.Series) -> np.ndarray:
    return np.rint(series.to_numpy(dtype=float) * 100).astype(np.int64)


# --- 1. poaching ------------------------------------------------------------------------------

def test_poaching_lowers_firms_own_training(build: Build) -> None:
    """ODD 7.7: stronger poaching shortens a trained worker's expected stay, so firms train
    fewer of their own staff (Becker/Stevens)."""
    rates = {}
    for intensity in (0.0, 3.0):
        model = FundModel(build(**{"labour.poaching_intensity": intensity}), seed=1)
        for _ in range(4):
            model.step()
        rates[intensity] = float(model.firms.training_rate.mean())
    assert rates[0.0] > 0.0
    assert rates[3.0] < rates[0.0]

    # Without a fund: fewer incumbent upskilling starts when poaching is stronger.
    low = horizon(build("no_fund.yaml", **{"labour.poaching_intensity": 0.0}), "incumbent_enrolments")
    high = horizon(build("no_fund.yaml", **{"labour.poaching_intensity": 3.0}), "incumbent_enrolments")
    assert low.min() > 50  # firms do train when nobody poaches
    assert high.mean() < low.mean()
    assert paired_p(low, high) < LOOSE_P


# --- 2. creaming ------------------------------------------------------------------------------

def test_creaming_outcome_pay_lowers_hard_to_serve_share_and_price_multiplier_restores_it(
        build: Build) -> None:
    """ODD 7.15: with outcome-heavy pay, providers rank applicants by predicted success and
    admit fewer hard-to-serve people; a higher price for the hard-to-serve offsets it."""
    seeds = (1, 2, 3, 4)
    world = {"providers.creaming_sensitivity": 15.0, "providers.seats_per_month": 3,
             "providers.capacity_adjustment": 0.0}  # seats stay scarce, so ranking matters
    upfront = build(**world, **{"fund.payments": {"rules": NO_OUTCOMES}})
    outcome = build(**world, **{"fund.payments": {"rules": OUTCOME_HEAVY}})
    priced = build(**world, **{"fund.payments": {"rules": OUTCOME_HEAVY,
                                                 "hard_to_serve_price_multiplier": 1.6}})
    for sc in (upfront, outcome, priced):
        assert horizon(sc, "fund_enrolments", seeds).min() > 100
    share_up = horizon(upfront, "hard_to_serve_share", seeds)
    share_out = horizon(outcome, "hard_to_serve_share", seeds)
    share_priced = horizon(priced, "hard_to_serve_share", seeds)
    assert share_out.mean() < share_up.mean()
    assert paired_p(share_up, share_out) < LOOSE_P
    assert share_priced.mean() > share_out.mean()
    assert paired_p(share_priced, share_out) < LOOSE_P


# --- 3. supports ------------------------------------------------------------------------------

def test_supports_raise_hard_to_serve_credential_rate_and_narrow_the_gap(build: Build) -> None:
    """ODD 7.4: childcare and transport stipends remove barriers for fund trainees, so the
    hard-to-serve complete more often and the gap to the job-ready narrows."""
    none = build(**{"fund.supports": {"childcare_monthly": 0.0, "transport_monthly": 0.0,
                                      "coverage": 1.0}})
    paid = build(**{"fund.supports": {"childcare_monthly": 400.0, "transport_monthly": 150.0,
                                      "coverage": 1.0}})
    for sc in (none, paid):
        assert horizon(sc, "fund_enrolments", group="hard_to_serve").min() > 50
    hts_none = horizon(none, "credential_rate", group="hard_to_serve")
    hts_paid = horizon(paid, "credential_rate", group="hard_to_serve")
    gap_none = horizon(none, "credential_rate", group="job_ready") - hts_none
    gap_paid = horizon(paid, "credential_rate", group="job_ready") - hts_paid
    assert hts_paid.mean() > hts_none.mean()
    assert paired_p(hts_paid, hts_none) < LOOSE_P
    assert gap_none.mean() > 0  # there is a gap to narrow
    assert gap_paid.mean() < gap_none.mean()
    assert paired_p(gap_none, gap_paid) < LOOSE_P


# --- 4. reserves ------------------------------------------------------------------------------

RECESSION = {"enabled": True, "start_month": 24, "duration_months": 12, "depth": 0.2,
             "recovery_months": 12}
RECESSION_MONTHS = (24, 47)  # start .. start + duration + recovery - 1 (ODD 7.1: rec(t) > 0)
CREDIT_LINE = 100_000.0


def test_countercyclical_reserve_keeps_training_through_a_recession(build: Build) -> None:
    """ODD 7.13: a countercyclical fund holds back a reserve in good times and commits up to
    (1 + downturn_boost) x average income in a downturn, so with levy income falling in a
    recession it keeps more fund starts going than a procyclical fund; neither ever goes
    below minus its credit line (ODD 7.19)."""
    common = {"demand.recession": RECESSION, "fund.credit_line": CREDIT_LINE,
              "fund.contributions": [{"kind": "payroll_levy", "rate": 0.003}]}
    counter = build(horizon=60, **common, **{"fund.reserves": {"kind": "countercyclical"}})
    pro = build(horizon=60, **common, **{"fund.reserves": {"kind": "procyclical"}})
    a, b = RECESSION_MONTHS
    during = {}
    for name, sc in (("counter", counter), ("pro", pro)):
        starts, balance_floor = [], []
        for s in SEEDS:
            r = run(sc, s)
            income = r.series("fund_income_employers")
            assert income.loc[a + 6:a + 12].mean() < 0.97 * income.loc[a - 12:a - 1].mean()  # levy falls
            assert r.series("fund_enrolments").sum() > 50
            starts.append(r.series("fund_enrolments").loc[a:b].sum())
            balance_floor.append(r.series("fund_balance").min())
        assert min(balance_floor) >= -CREDIT_LINE
        during[name] = np.array(starts)
    assert during["counter"].mean() > during["pro"].mean(), (
        f"fund starts in recession months {a}-{b}: countercyclical {during['counter'].tolist()}, "
        f"procyclical {during['pro'].tolist()}")


# --- 5. voluntary membership ------------------------------------------------------------------

def test_voluntary_membership_is_partial_and_falls_with_poaching(build: Build) -> None:
    """ODD 7.7: under voluntary membership a firm joins only when its expected benefit beats
    its contribution, so fewer firms are members than under compulsion; stronger poaching cuts
    the benefit (shorter retention), so fewer firms join."""
    fund = {"fund.contributions": [{"kind": "matched_contributions", "annual_total": 1_500_000.0,
                                    "basis": "size"}, {"kind": "public_match", "rate": 1.0}]}
    compulsory = build(horizon=36, **fund, **{"fund.membership": "compulsory"})
    voluntary = build(horizon=36, **fund, **{"fund.membership": "voluntary"})
    voluntary_poached = build(horizon=36, **fund, **{"fund.membership": "voluntary",
                                                     "labour.poaching_intensity": 4.0})
    voluntary_calm = build(horizon=36, **fund, **{"fund.membership": "voluntary",
                                                  "labour.poaching_intensity": 0.0})

    def members(sc: Scenario, seeds: tuple[int, ...] = SEEDS) -> np.ndarray:
        return np.array([run(sc, s).series("firms_in_fund").mean() for s in seeds])

    n_firms = REGION["n_firms"]
    assert np.all(members(compulsory) == n_firms)
    vol = members(voluntary)
    assert np.all(vol < n_firms)
    assert np.all(vol > 0)
    # Poaching's pull on membership is a few firms in 80 here: three seeds are too few to tell it
    # from seed noise (p = 0.11 on seeds 1-3 after the issue-14 re-fit), so this pair runs six.
    calm, poached = members(voluntary_calm, SEEDS_6), members(voluntary_poached, SEEDS_6)
    assert calm.mean() > poached.mean()
    assert paired_p(calm, poached) < LOOSE_P


# --- 6. employer accounts ---------------------------------------------------------------------

def test_employer_account_money_expires_sooner_with_short_expiry(build: Build) -> None:
    """ODD 3 (begin_month) and 7.11: levy is credited to each payer's account and the oldest
    vintage expires into the pool, so a short expiry lets money expire and a long one less."""
    levy = {"fund.contributions": [{"kind": "payroll_levy", "rate": 0.005}]}
    short = build(**levy, **{"fund.accounts": {"enabled": True, "expiry_months": 3}})
    long_ = build(**levy, **{"fund.accounts": {"enabled": True, "expiry_months": 36}})
    seeds = (1, 2)
    assert horizon(short, "fund_income_employers", seeds).min() > 0
    expired_short = horizon(short, "fund_expired_account_funds", seeds)
    expired_long = horizon(long_, "fund_expired_account_funds", seeds)
    assert expired_short.min() > 0
    assert np.all(expired_long < expired_short)


# --- 7. pilot rollout -------------------------------------------------------------------------

def test_pilot_rollout_scales_only_when_the_gate_is_passed(build: Build) -> None:
    """ODD 7.8: a pilot starts with the `pilot_firms` largest firms and widens at each stage
    review whose fund placement rate reaches the gate. Placement is made slow (short window,
    weak matching) so the measured rate stays well below 1 and a gate of 1.0 cannot be met."""
    pilot = 20
    slow = {"labour.matching_efficiency": 0.2, "training.placement_window_months": 1}
    rollout = {"enabled": True, "pilot_firms": pilot, "stage_months": 6, "pilot_budget_share": 0.5}
    easy = build(horizon=36, **slow, rollout={**rollout, "gate_placement_rate": 0.0})
    hard = build(horizon=36, **slow, rollout={**rollout, "gate_placement_rate": 1.0})
    for s in SEEDS:
        grown, stuck = run(easy, s), run(hard, s)
        for r in (grown, stuck):
            assert r.series("firms_in_fund").iloc[0] == pilot
            assert r.series("fund_enrolments").sum() > 20
            assert len(r.rollout) >= 4  # stage reviews happened
        assert grown.series("firms_in_fund").iloc[-1] > pilot
        assert all(passed for _, _, passed in grown.rollout)
        assert np.all(stuck.series("firms_in_fund") == pilot), stuck.rollout
        assert not any(passed for _, _, passed in stuck.rollout)


# --- 8. provider review -----------------------------------------------------------------------

def test_provider_review_suspends_providers_below_the_minimum_placement_rate(build: Build) -> None:
    """ODD 7.17: every `review_months`, a provider with enough fund completers whose measured
    placement rate is below the minimum is suspended."""
    n = REGION["n_providers"]
    strict = build(horizon=36, providers={"min_placement_rate": 1.0, "review_months": 6})
    lax = build(horizon=36, providers={"min_placement_rate": 0.0, "review_months": 6})
    for s in (1, 2):
        r_strict, r_lax = run(strict, s), run(lax, s)
        assert r_lax.providers.completions.sum() > 50
        assert r_lax.horizon()["fund_enrolments"] > 100
        assert r_strict.providers.suspensions.sum() > 0
        assert r_strict.series("providers_eligible").min() < n
        assert r_lax.providers.suspensions.sum() == 0
        assert np.all(r_lax.series("providers_eligible") == n)


# --- 9. externships ---------------------------------------------------------------------------

def test_externships_convert_to_hires_at_the_conversion_rate(build: Build) -> None:
    """ODD 7.5: fund completers offered an externship are hired by the host at the end with
    chance `externship_conversion` if the host still wants the post (so a little less often
    overall); with no externships offered there are none."""
    none = build(**{"training.externship_share": 0.0})
    many = build(**{"training.externship_share": 0.8})
    conversion = many.training.externship_conversion
    assert horizon(none, "fund_enrolments").min() > 100
    assert np.all(horizon(none, "externship_starts") == 0)
    assert horizon(many, "externship_hires").min() > 0
    hires = horizon(many, "externship_hires").sum()
    ended = horizon(many, "externship_completions").sum()
    assert ended > 100
    rate = hires / ended
    se = np.sqrt(conversion * (1 - conversion) / ended)
    assert conversion - 0.15 < rate < conversion + 3 * se, (rate, conversion, ended)


# --- 10. paid apprenticeships -----------------------------------------------------------------

def _apprentice_placements(scenario: Scenario, seed: int) -> tuple[int, int]:
    """(apprenticeship starts, apprentices placed on completion) over the run."""
    model = FundModel(scenario, seed)
    placed = 0
    for _ in range(scenario.horizon_months):
        apprentices = np.flatnonzero(model.workers.status == APPRENTICE)
        model.step()
        p = model.workers
        done = apprentices[(p.status[apprentices] == EMPLOYED) & (p.placed_month[apprentices] == model.month)]
        placed += len(done)
    starts = int(model.rec.data[:, INDEX["apprenticeship_starts"], -1, -1].sum())
    return starts, placed


def test_paid_apprenticeships_start_and_place_apprentices(build: Build) -> None:
    """ODD 7.16: a share of fund starts become paid apprenticeships at member firms; an
    apprentice who completes becomes the host's employee, which counts as a placement."""
    without = build(**{"training.apprenticeship_share": 0.0, "training.apprenticeship_months": 6})
    with_ = build(**{"training.apprenticeship_share": 0.5, "training.apprenticeship_months": 6})
    for s in (1, 2):
        assert _apprentice_placements(without, s) == (0, 0)
        starts, placed = _apprentice_placements(with_, s)
        assert starts > 20
        assert 0 < placed <= starts


# --- 11. lock-in ------------------------------------------------------------------------------

def test_lock_in_earnings_gain_negative_at_first_then_higher(build: Build) -> None:
    """ODD 7.19: participants forgo earnings while they train (lock-in), so their earnings gain
    over the no-fund counterfactual is negative in the first months after fund training starts
    and higher later."""
    sc = build(horizon=60, counterfactual=True)
    for s in (1, 2):
        gain = run(sc, s).series("earnings_gain_vs_counterfactual")
        started = gain.dropna()
        assert len(started) >= 36  # fund training began early enough to see both ends
        first = started.iloc[:6].mean()
        last = gain.iloc[-24:].mean()
        assert first < 0
        assert last > first


# --- 12. counterfactual -----------------------------------------------------------------------

def test_counterfactual_returns_defined_with_a_fund_and_undefined_without(build: Build) -> None:
    """ODD 7.19: a fund run is compared with its no-fund twin, so the employer and public
    returns are defined; a no-fund run has no participants and no earnings gain."""
    with_fund = run(build(horizon=60, counterfactual=True), 1).horizon()
    assert with_fund["fund_enrolments"] > 0
    assert np.isfinite(with_fund["employer_roi"])
    assert np.isfinite(with_fund["public_roi"])
    assert np.isfinite(with_fund["earnings_gain_vs_counterfactual"])
    no_fund = run(build("no_fund.yaml", horizon=60, counterfactual=True), 1).horizon()
    assert no_fund["fund_enrolments"] == 0
    assert no_fund["participant_months"] == 0
    assert np.isnan(no_fund["earnings_gain_vs_counterfactual"])


# --- 13. public match -------------------------------------------------------------------------

def test_public_match_doubles_with_its_rate(build: Build) -> None:
    """ODD 7.11: with no annual cap, the public match pays `rate` x the employer cents collected
    earlier in the month, so doubling the rate doubles public income to the cent for the same
    employer income."""

    def scenario(rate: float) -> Scenario:
        return build(horizon=36, **{"fund.contributions": [
            {"kind": "matched_contributions", "annual_total": 1_500_000.0, "basis": "size"},
            {"kind": "public_match", "rate": rate, "annual_cap": 0.0}]})

    one, two = run(scenario(1.0), 1), run(scenario(2.0), 1)
    emp1, pub1 = cents(one.series("fund_income_employers")), cents(one.series("fund_income_public"))
    emp2, pub2 = cents(two.series("fund_income_employers")), cents(two.series("fund_income_public"))
    assert emp1.sum() > 0
    # Each month, public money is exactly rate x employer money.
    assert np.array_equal(pub1, emp1)
    assert np.array_equal(pub2, 2 * emp2)
    # In the months with the same employer income (at least those before the fund trains and
    # can change head counts), public income doubles to the cent.
    same = emp1 == emp2
    assert same[:2].all()
    assert np.array_equal(pub2[same], 2 * pub1[same])


def test_metrics_built_on_the_twin_are_unknown_without_it(build: Build) -> None:
    from sim.outcomes import TWIN_METRICS

    h = run(build(horizon=24), 1).horizon()
    assert all(np.isnan(h[m]) for m in TWIN_METRICS)
    h = run(build(horizon=24, counterfactual=True), 1).horizon()
    assert not any(np.isnan(h[m]) for m in TWIN_METRICS)


def test_only_completers_in_their_placement_window_hold_out(build: Build) -> None:
    """A holdout longer than the placement window must not catch people who are not waiting
    (await_until = -1): credentialed job seekers still take jobs below their rung."""
    model = FundModel(build("no_fund.yaml", **{"workers.credential_holdout_months": 24}), 1)
    p = model.workers
    below = 0
    for _ in range(6):
        seeking = (p.status == UNEMPLOYED) & (p.rung > 0) & (p.await_until < 0)
        model.step()
        below += int((seeking & (p.status == EMPLOYED) & (p.job_level < p.rung)).sum())
    assert below > 0

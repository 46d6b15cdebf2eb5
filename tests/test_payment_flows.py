"""Money-out rules in a running model: what the ledger pays providers is what the rules say, for
the participants the engine really has (money-amount tranches, recurring outcome payments with
and without the continuous-employment condition).

The model is stepped phase by phase so the test can look at each person just before the fund
pays (the moment the engine checks employment), and count by hand, person by person, what each
check should pay; the ledger must agree to the cent."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.engine.model import FundModel
from sim.engine.workers import EMPLOYED, PAYER_FUND, PROG_COURSE, UNEMPLOYED
from sim.ledger import to_cents
from sim.outcomes import INDEX
from sim.scenario.schema import Scenario

REGION = {"n_workers": 3000, "n_firms": 60, "n_providers": 4}


def scenario(small_dict: Callable[..., dict[str, Any]], rules: list[dict[str, Any]],
             horizon: int = 36) -> Scenario:
    data = small_dict("baseline.yaml", horizon_months=horizon, **REGION)
    data["fund"]["payments"] = {"rules": rules}
    data["outputs"] = {"counterfactual": False}
    return Scenario.model_validate(data)


PHASES = ("begin_month", "separate", "progress_training", "post_vacancies", "firms_decide",
          "train_incumbents", "move_between_jobs", "fund_collects", "fund_pays", "admit_trainees",
          "match_job_seekers", "update_wages", "review_providers", "close_month")


def test_phases_are_the_engines() -> None:
    assert tuple(re.findall(r"self\.(\w+)\(\)", inspect.getsource(FundModel.step))) == PHASES


def step_with_hooks(model: FundModel, before: dict[str, Callable[[FundModel], None]]) -> None:
    """One month in the engine's phase order, calling `before[phase](model)` before a phase."""
    for name in PHASES:
        if name in before:
            before[name](model)
        getattr(model, name)()


def step_with_checks(model: FundModel, before_pay: Callable[[FundModel], None]) -> None:
    """One month, calling `before_pay` just before the fund pays."""
    step_with_hooks(model, {"fund_pays": before_pay})


def paid(model: FundModel, category: str) -> dict[int, int]:
    led = model.ledger.to_frame()
    rows = led[led.category == category]
    return {int(m): int(c) for m, c in rows.groupby("month").amount_cents.sum().items()}


@pytest.mark.parametrize("continuous", [False, True])
def test_recurring_outcome_pays_each_check_to_those_still_employed(
        small_scenario_dict: Callable[..., dict[str, Any]], continuous: bool) -> None:
    # $300 in three checks (days 30, 91, 152 -> months 1, 3, 5): $100 = 10,000 cents a check.
    recurring = {"kind": "recurring_outcome", "share": 0.0, "amount": 300.0, "day": 30,
                 "every_days": 61, "times": 3, "continuous": continuous}
    sc = scenario(small_scenario_dict, [{"kind": "upfront", "share": 0.5},
                                        {"kind": "on_completion", "share": 0.5}, recurring])
    model = FundModel(sc, seed=3)
    offsets = (1, 3, 5)
    broken: dict[tuple[int, int], bool] = {}  # (person, placement month) -> a month out of work
    expected: dict[int, int] = {}

    def count(m: FundModel) -> None:
        p = m.workers
        placed = np.flatnonzero((p.placed_month >= 0) & (p.contract_price > 0))
        n = 0
        for i in placed.tolist():
            key = (i, int(p.placed_month[i]))
            employed = bool(p.status[i] == EMPLOYED)
            broken[key] = broken.get(key, False) or not employed
            since = m.month - int(p.placed_month[i])
            if since in offsets and employed and not (continuous and broken[key]):
                n += 1
        if n:
            expected[m.month] = n * 10_000

    for _ in range(sc.horizon_months):
        step_with_checks(model, count)
    got = paid(model, "provider_outcome_recurring")
    assert got == expected
    assert len(got) >= 3, "too few months with recurring payments for the test to mean anything"
    if continuous:  # someone employed at a check after a gap went unpaid: the condition bit
        gaps = sum(broken.values())
        assert gaps > 0, "nobody lost a job after placement: the condition was never tested"


def test_money_amount_tranche_pays_its_amount_per_fund_start(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    sc = scenario(small_scenario_dict, [{"kind": "upfront", "share": 0.0, "amount": 1000.0},
                                        {"kind": "monthly_instalments", "share": 1.0}], horizon=24)
    model = FundModel(sc, seed=1)
    for _ in range(sc.horizon_months):
        model.step()
    starts = int(model.rec.data[:, INDEX["fund_enrolments"], -1, -1].sum())
    upfront = sum(paid(model, "provider_upfront").values())
    assert starts > 20, "too few fund starts for the test to mean anything"
    assert upfront == starts * 100_000


def test_fund_seats_only_eligible_people_and_age_tranches_pay_only_their_band(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    # Only unemployed claimants aged 16-49 may be referred; a $1,000 start bonus for 16-24s.
    young = {"kind": "upfront", "share": 0.0, "amount": 1000.0, "who": {"age_min": 16, "age_max": 24}}
    sc = scenario(small_scenario_dict, [{"kind": "upfront", "share": 0.2},
                                        {"kind": "on_completion", "share": 0.8}, young])
    data = sc.model_dump()
    data["fund"]["payments"]["eligible"] = {"employed": False, "out_of_labour_force": False,
                                            "age_min": 16, "age_max": 49}
    sc = Scenario.model_validate(data)
    model = FundModel(sc, seed=2)
    seen: dict[str, Any] = {}
    expected: dict[int, int] = {}
    statuses: list[int] = []
    ages: list[int] = []

    def before_admit(m: FundModel) -> None:
        seen["status"] = m.workers.status.copy()
        seen["open"] = m.workers.contract_price > 0

    def after_admit(m: FundModel) -> None:
        p = m.workers
        new = np.flatnonzero((p.contract_price > 0) & ~seen["open"])
        statuses.extend(seen["status"][new].tolist())
        age = p.age_years(m.month, new)
        ages.extend(age.tolist())
        bonus = 100_000 * int(((age >= 16) & (age <= 24)).sum())  # $1,000 for each 16-24 start
        cents = int((p.contract_price[new] * 2 // 10).sum()) + bonus  # 20% of the price, floored
        if cents:
            expected[m.month] = cents

    for _ in range(sc.horizon_months):
        step_with_hooks(model, {"admit_trainees": before_admit, "match_job_seekers": after_admit})
    assert len(statuses) > 20, "too few fund starts for the test to mean anything"
    assert set(statuses) == {UNEMPLOYED}
    assert min(ages) >= 16 and max(ages) <= 49
    assert any(a <= 24 for a in ages) and any(a > 24 for a in ages)
    assert paid(model, "provider_upfront") == expected


@pytest.mark.parametrize(("share", "months", "school"), [
    (0.25, 8, [4, 8]), (0.5, 4, [2, 4]), (0.0, 6, []), (1.0, 3, [1, 2, 3]), (0.4, 5, [3, 5]),
])
def test_school_months_are_spread_evenly(share: float, months: int, school: list[int]) -> None:
    """Month k (1-based) of an apprenticeship is at school when floor(k s) > floor((k - 1) s)."""
    from sim.engine.payouts import at_school
    from sim.engine.workers import new_population

    sc = Scenario.model_validate({"region": {"n_workers": 100, "n_firms": 3, "n_providers": 3}})
    p = new_population(sc, np.random.default_rng(0), np.random.default_rng(1), np.random.default_rng(2),
                       np.zeros(100))
    idx = np.arange(months)
    p.prog_months[idx] = months
    p.prog_left[idx] = months - (idx + 1)  # person i is in month i + 1 of the apprenticeship
    assert (np.flatnonzero(at_school(p, idx, share)) + 1).tolist() == school


def test_apprentice_subsidy_for_school_months_only_and_schools_pay_their_part(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    from sim.engine.payouts import at_school
    from sim.engine.workers import APPRENTICE, PAYER_FUND

    data = small_scenario_dict("baseline.yaml", horizon_months=36, **REGION)
    data["outputs"] = {"counterfactual": False}
    data["training"].update(apprenticeship_share=1.0, apprentice_school_share=0.25)
    data["fund"].update(apprentice_wage_subsidy=0.5)
    data["fund"]["grants"] = {"apprentice_subsidy_school_only": True}
    data["fund"]["payments"]["third_party_share_apprenticeships"] = 0.6
    sc = Scenario.model_validate(data)
    model = FundModel(sc, 1)
    expected: dict[int, int] = {}
    school_months = work_months = 0

    def count(m: FundModel) -> None:
        nonlocal school_months, work_months
        p = m.workers
        appr = np.flatnonzero((p.status == APPRENTICE) & (p.prog_payer == PAYER_FUND))
        here = at_school(p, appr, 0.25)
        school_months += int(here.sum())
        work_months += int((~here).sum())
        per = np.bincount(p.employer[appr[here]], weights=p.wage[appr[here]] * 0.5, minlength=m.firms.n)
        cents = int(to_cents(per).sum())
        if cents:
            expected[m.month] = cents

    for _ in range(sc.horizon_months):
        step_with_checks(model, count)
    assert school_months > 20 and work_months > 2 * school_months
    assert paid(model, "apprentice_subsidy") == expected
    led = model.ledger.to_frame()
    third = led[led.category == "third_party_provider_payment"]
    assert len(third) and (third.payer == "public").all() and third.payee.str.startswith("provider:").all()


def test_programmes_that_give_no_credential_complete_without_raising_the_rung(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    data = small_scenario_dict("baseline.yaml", horizon_months=36, **REGION)
    data["outputs"] = {"counterfactual": False}
    data["training"]["no_credential_share"] = 0.5
    sc = Scenario.model_validate(data)
    model = FundModel(sc, 1)
    before: dict[str, np.ndarray] = {}
    seen = {"with": 0, "without": 0}

    def snap(m: FundModel) -> None:
        p = m.workers
        before.update(rung=p.rung.copy(), cred=p.prog_credential.copy(), target=p.prog_rung.copy(),
                      course=(p.prog_kind == PROG_COURSE) & (p.prog_payer == PAYER_FUND) & (p.prog_left == 1))

    def check(m: FundModel) -> None:
        p = m.workers
        window = m.month + sc.training.placement_window_months  # course completers wait for a job
        done = np.flatnonzero(before["course"] & (p.await_until == window))
        cred = before["cred"][done]
        was, target = before["rung"][done], before["target"][done]
        assert (p.rung[done[~cred]] == was[~cred]).all(), "a no-credential course raised a rung"
        assert (p.rung[done[cred]] == np.maximum(was[cred], target[cred])).all()
        seen["with"] += int(cred.sum())
        seen["without"] += int((~cred).sum())

    for _ in range(sc.horizon_months):
        step_with_hooks(model, {"progress_training": snap, "post_vacancies": check})
    assert seen["with"] > 10 and seen["without"] > 10, seen


@pytest.mark.parametrize("reach", [False, True])
def test_supports_reach_apprentices_only_when_the_rule_says_so(
        small_scenario_dict: Callable[..., dict[str, Any]], reach: bool) -> None:
    from sim.engine.workers import APPRENTICE, TRAINING

    data = small_scenario_dict("baseline.yaml", horizon_months=30, **REGION)
    data["outputs"] = {"counterfactual": False}
    data["training"]["apprenticeship_share"] = 0.6
    data["fund"]["supports"] = {"childcare_monthly": 400.0, "transport_monthly": 150.0,
                                "reach_apprentices": reach}
    sc = Scenario.model_validate(data)
    model = FundModel(sc, 3)
    expected: dict[int, int] = {}
    apprentices_in_need = 0

    def count(m: FundModel) -> None:
        nonlocal apprentices_in_need
        p = m.workers
        fund = (p.prog_payer == PAYER_FUND) & (p.prog_left > 0)
        appr = fund & (p.status == APPRENTICE)
        apprentices_in_need += int((appr & (p.childcare | p.transport)).sum())
        who = fund & ((p.status == TRAINING) | (appr if reach else False))
        dollars = (p.childcare[who] * 400.0 + p.transport[who] * 150.0).sum()
        if dollars:
            expected[m.month] = int(to_cents(dollars))

    for _ in range(sc.horizon_months):
        step_with_checks(model, count)
    assert apprentices_in_need > 20, "no apprentice needed support: the test cannot tell"
    assert paid(model, "supportive_services") == expected

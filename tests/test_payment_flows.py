"""Money-out rules in a running model: what the ledger pays providers is what the rules say, for
the participants the engine really has (money-amount tranches, recurring outcome payments with
and without the continuous-employment condition).

The model is stepped phase by phase so the test can look at each person just before the fund
pays (the moment the engine checks employment), and count by hand, person by person, what each
check should pay; the ledger must agree to the cent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.engine.model import FundModel
from sim.engine.workers import EMPLOYED
from sim.outcomes import INDEX
from sim.scenario.schema import Scenario

REGION = {"n_workers": 3000, "n_firms": 60, "n_providers": 4}


def scenario(small_dict: Callable[..., dict[str, Any]], rules: list[dict[str, Any]],
             horizon: int = 36) -> Scenario:
    data = small_dict("baseline.yaml", horizon_months=horizon, **REGION)
    data["fund"]["payments"] = {"rules": rules}
    data["outputs"] = {"counterfactual": False}
    return Scenario.model_validate(data)


def step_with_checks(model: FundModel, before_pay: Callable[[FundModel], None]) -> None:
    """One month in the engine's phase order, calling `before_pay` just before the fund pays."""
    for phase in (model.begin_month, model.separate, model.progress_training, model.post_vacancies,
                  model.firms_decide, model.train_incumbents, model.move_between_jobs,
                  model.fund_collects):
        phase()
    before_pay(model)
    for phase in (model.fund_pays, model.admit_trainees, model.match_job_seekers, model.update_wages,
                  model.review_providers, model.close_month):
        phase()


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

"""A run is a pure function of scenario and seed; scenarios run on one seed share their people,
firms, providers and shocks (common random numbers), including the no-fund counterfactual; and
runs in worker processes equal runs in this one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.model import FundModel
from sim.engine.workers import Population
from sim.results import Results
from sim.scenario.schema import Scenario

# Every initial trait the counterfactual must share (the brief names these; all are drawn
# before the fund can act).
PERSON_TRAITS = ("sector", "group", "aptitude", "childcare", "transport", "wage_effect", "status",
                 "employer", "rung")


def assert_same_results(a: Results, b: Results) -> None:
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    pd.testing.assert_frame_equal(a.ledger, b.ledger)
    pd.testing.assert_frame_equal(a.providers, b.providers)
    pd.testing.assert_frame_equal(a.poaching, b.poaching)
    assert a.rollout == b.rollout
    assert a.seed == b.seed


@pytest.fixture(scope="module")
def busy(small_scenario_dict: Callable[..., dict[str, Any]]) -> Scenario:
    """The small baseline with more going on before and during the run: a payroll levy with
    employer accounts, voluntary membership, a pilot rollout, a recession, supports and a
    credit line (the counterfactual drops all of it)."""
    data = small_scenario_dict(horizon_months=30)
    data["fund"].update({
        "membership": "voluntary",
        "contributions": [{"kind": "payroll_levy", "rate": 0.01},
                          {"kind": "public_top_up", "rate": 0.5},
                          {"kind": "seed_grant", "amount": 300_000, "month": 1}],
        "accounts": {"enabled": True, "expiry_months": 6},
        "supports": {"childcare_monthly": 400, "transport_monthly": 150},
        "credit_line": 100_000,
        "interest_rate_annual": 0.03,
        "reserves": {"kind": "procyclical"},
    })
    data["rollout"] = {"enabled": True, "pilot_firms": 5, "stage_months": 6}
    data["demand"] = {"recession": {"enabled": True, "start_month": 8, "duration_months": 6, "depth": 0.2}}
    return Scenario.model_validate(data)


# --- same inputs, same outputs ---------------------------------------------------------------

def test_same_scenario_and_seed_give_identical_results(small_baseline: Scenario, busy: Scenario) -> None:
    first = sim.run(small_baseline, 11)
    sim.run(busy, 3)  # another run in between must not leak state into the next one
    second = sim.run(small_baseline, 11)
    assert len(first.ledger) > 0 and len(first.metrics) > 0
    assert_same_results(first, second)


def test_busy_scenario_is_deterministic(busy: Scenario) -> None:
    assert_same_results(sim.run(busy, 5), sim.run(busy, 5))


def test_scenario_round_trip_gives_identical_results(small_baseline: Scenario) -> None:
    """A scenario rebuilt from its own dump (as the CLI and the app do) runs identically."""
    again = Scenario.model_validate(small_baseline.model_dump(mode="json"))
    assert again.digest() == small_baseline.digest()
    assert_same_results(sim.run(small_baseline, 2), sim.run(again, 2))


def test_different_seeds_differ(small_baseline: Scenario) -> None:
    a, b = sim.run(small_baseline, 1), sim.run(small_baseline, 2)
    assert not a.metrics["value"].equals(b.metrics["value"])
    assert not a.ledger.equals(b.ledger)
    # not only money: the people and the economy differ too
    assert not a.series("unemployed").equals(b.series("unemployed"))
    assert not a.series("demand_index").equals(b.series("demand_index"))


# --- common random numbers with the counterfactual --------------------------------------------

@pytest.mark.parametrize("which", ["baseline", "busy"])
def test_counterfactual_shares_people_firms_providers_and_shocks(
        which: str, small_baseline: Scenario, busy: Scenario) -> None:
    s = small_baseline if which == "baseline" else busy
    cf = s.counterfactual()
    assert s.fund.enabled and not cf.fund.enabled
    for seed in (0, 9):
        a, b = FundModel(s, seed), FundModel(cf, seed)
        assert a.fund is not None and b.fund is None
        for name in PERSON_TRAITS:
            np.testing.assert_array_equal(getattr(a.workers, name), getattr(b.workers, name),
                                          err_msg=f"population.{name} differs at month 0 (seed {seed})")
        for f in fields(Population):  # and every other attribute of a person at month 0
            np.testing.assert_array_equal(getattr(a.workers, f.name), getattr(b.workers, f.name),
                                          err_msg=f"population.{f.name} differs at month 0 (seed {seed})")
        np.testing.assert_array_equal(a.firms.sector, b.firms.sector)
        np.testing.assert_array_equal(a.firms.size0, b.firms.size0)
        np.testing.assert_array_equal(a.firms.host_willing, b.firms.host_willing)
        np.testing.assert_array_equal(a.providers.sector, b.providers.sector)
        np.testing.assert_array_equal(a.providers.quality, b.providers.quality)
        np.testing.assert_array_equal(a.demand.index, b.demand.index)
        np.testing.assert_array_equal(a.demand.trend, b.demand.trend)
        np.testing.assert_array_equal(a.demand.recession, b.demand.recession)
        for stream in ("quits", "job_to_job", "matching", "applications"):  # each person's monthly luck
            np.testing.assert_array_equal(a.streams.monthly(stream, 4, a.workers.n),
                                          b.streams.monthly(stream, 4, b.workers.n))


@pytest.mark.parametrize("which", ["baseline", "busy"])
def test_counterfactual_run_faces_the_same_demand(which: str, small_baseline: Scenario,
                                                  busy: Scenario) -> None:
    s = small_baseline if which == "baseline" else busy
    with_fund, without = sim.run(s, 4), sim.run(s.counterfactual(), 4)
    for m in (with_fund.metrics, without.metrics):
        assert (m.metric == "demand_index").any()
    a = with_fund.metrics[with_fund.metrics.metric == "demand_index"].reset_index(drop=True)
    b = without.metrics[without.metrics.metric == "demand_index"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert without.ledger[(without.ledger.payer == "fund") | (without.ledger.payee == "fund")].empty


def test_no_fund_preset_is_the_baseline_counterfactual(small_baseline: Scenario,
                                                       small_no_fund: Scenario) -> None:
    """scenarios/no_fund.yaml and baseline.counterfactual() are the same world."""
    a, b = FundModel(small_no_fund, 6), FundModel(small_baseline.counterfactual(), 6)
    for name in PERSON_TRAITS:
        np.testing.assert_array_equal(getattr(a.workers, name), getattr(b.workers, name))
    np.testing.assert_array_equal(a.demand.index, b.demand.index)
    pd.testing.assert_frame_equal(sim.run(small_no_fund, 6).metrics,
                                  sim.run(small_baseline.counterfactual(), 6).metrics)


# --- across processes ------------------------------------------------------------------------

def test_run_many_in_processes_equals_serial_runs(small_baseline: Scenario) -> None:
    parallel = sim.run_many(small_baseline, [1, 2], workers=2)
    serial = [sim.run(small_baseline, 1), sim.run(small_baseline, 2)]
    assert [r.seed for r in parallel] == [1, 2]
    for p, s in zip(parallel, serial, strict=True):
        assert_same_results(p, s)
    assert [r.seed for r in sim.run_many(small_baseline, [2, 1])] == [2, 1]

"""fundsim as an EMA Workbench Model: EMA's own sampler and evaluator run it unchanged, its
parameters come from the schema roles, its outcomes from the metric registry."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_sweep_common import TINY

import sim
from sim.scenario.errors import ScenarioError
from sim.sweep.spec import plan_from_data

warnings.simplefilter("ignore", DeprecationWarning)
ema = pytest.importorskip("ema_workbench")


@pytest.fixture(scope="module")
def base() -> sim.Scenario:
    return plan_from_data(dict(TINY), "<dict>", None).base


def test_perform_experiments_runs_fundsim_unchanged(base: sim.Scenario) -> None:
    from sim.sweep.ema import ema_model

    model = ema_model(base, uncertainties={"demand.recession.depth": (0.0, 0.2)},
                      levers={"fund.contributions[0].annual_total": [60_000, 250_000]},
                      outcomes=["fund_balance", "placements", "dropouts"], seeds=[1])
    kinds = {o.name: o.kind for o in model.outcomes}
    assert kinds == {"fund_balance": 1, "placements": 1, "dropouts": -1}  # maximise / minimise
    experiments, outcomes = ema.perform_experiments(model, scenarios=3, policies=2)
    assert len(experiments) == 6 and set(outcomes) == {"fund_balance", "placements", "dropouts"}
    # each experiment is exactly sim.run of the base with its values applied
    row = experiments.iloc[4]
    scenario = sim.scenario.loader.apply_overrides(base, {
        "demand.recession.depth": float(row["demand.recession.depth"]),
        "fund.contributions[0].annual_total": int(row["fund.contributions[0].annual_total"])})
    assert np.isclose(outcomes["fund_balance"][4], sim.run(scenario, 1).horizon()["fund_balance"])
    low = outcomes["fund_balance"][experiments["fund.contributions[0].annual_total"] == 60_000]
    high = outcomes["fund_balance"][experiments["fund.contributions[0].annual_total"] == 250_000]
    assert high.mean() > low.mean()


def test_parameters_come_from_the_schema_roles(base: sim.Scenario) -> None:
    from sim.sweep.ema import ema_model

    model = ema_model(base)  # every bounded numeric uncertainty and lever, over its schema bounds
    names = {u.name for u in model.uncertainties}
    assert "demand.recession.depth" in names and "fund.admin_share" not in names
    assert "fund.admin_share" in {lv.name for lv in model.levers}
    with pytest.raises(ScenarioError) as e:
        ema_model(base, uncertainties=["fund.admin_share", "nope.x"], outcomes=["fund_balanse"])
    text = str(e.value)
    assert "uncertainties.fund.admin_share: is a lever, not uncertainties" in text
    assert "uncertainties.nope.x: not a parameter" in text and "outcomes[0]: unknown metric" in text

"""Shared small-scenario fixtures: the baseline preset shrunk so a run takes about a second."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

SMALL_REGION = {"n_workers": 1500, "n_firms": 30, "n_providers": 4}
SHORT_PHASES = {"system_development_months": 1, "programme_design_months": 1}


def small_dict(preset: str = "baseline.yaml", horizon_months: int = 36, **region: Any) -> dict[str, Any]:
    """A preset as a plain dict, with a small region, short phases and a short horizon."""
    data = load_scenario(SCENARIOS / preset).model_dump(mode="json")
    data["region"].update({**SMALL_REGION, **region})
    data["phases"] = dict(SHORT_PHASES)
    data["horizon_months"] = horizon_months
    return data


def scenario_with(preset: str, horizon: int, region: dict[str, Any], counterfactual: bool = False,
                  **updates: Any) -> Scenario:
    """`small_dict` at `region`'s size with dotted-path overrides (`"careers.rate": 0.1`)."""
    data = small_dict(preset, horizon_months=horizon, **region)
    data["outputs"] = {"counterfactual": counterfactual}
    for path, value in updates.items():
        node = data
        *parents, leaf = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return Scenario.model_validate(data)


@pytest.fixture(scope="session")
def small_scenario_dict() -> Callable[..., dict[str, Any]]:
    """The factory `small_dict(preset="baseline.yaml", horizon_months=36, **region)`."""
    return small_dict


@pytest.fixture(scope="session")
def small_baseline() -> Scenario:
    """scenarios/baseline.yaml with 1,500 people, 30 firms, 4 providers, 36 months."""
    return Scenario.model_validate(small_dict())


@pytest.fixture(scope="session")
def small_no_fund() -> Scenario:
    """scenarios/no_fund.yaml at the same small size as `small_baseline`."""
    return Scenario.model_validate(small_dict("no_fund.yaml"))

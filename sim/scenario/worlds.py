"""Which scenarios share one no-fund world.

Scenarios that differ only in their fund rules run in the same region with the same people and
shocks; without the fund they are the same world, so the engine steps that world once per seed
and every face (reports, the run cache, the headline's wording) recognises it by this key. It
lives below the engine so that a report made from cached runs never loads the engine."""

from __future__ import annotations

import hashlib
import json

from sim.scenario.schema import Scenario


def world_key(scenario: Scenario) -> str:
    """Scenarios with the same key share one no-fund world: the key is every parameter but the
    name, the description and the fund's and rollout's rules, which a run without a fund never
    reads (tests/test_counterfactual.py checks that sharing gives the lockstep results)."""
    data = scenario.counterfactual().model_dump(mode="json")
    for section in ("name", "description", "fund", "rollout"):
        data.pop(section, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]

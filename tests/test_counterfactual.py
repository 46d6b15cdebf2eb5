"""The no-fund twin stepped once per world and shared gives exactly the results of stepping it in
lockstep with every scenario."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine.counterfactual import world_key
from sim.engine.runner import run, run_shared, run_world
from sim.scenario.loader import apply_overrides, load_scenario

SMALL = {"region.n_workers": 2500, "region.n_firms": 50, "region.n_providers": 6, "horizon_months": 48}


def _load(name: str):
    return apply_overrides(load_scenario(f"scenarios/{name}.yaml"), SMALL)


def _same(a, b) -> None:
    for field in ("metrics", "ledger", "providers", "poaching", "firms", "impact", "training_accounts"):
        pd.testing.assert_frame_equal(getattr(a, field), getattr(b, field), obj=field)
    assert a.rollout == b.rollout


def test_shared_twin_gives_the_lockstep_results():
    scenarios = [_load("baseline"), _load("no_fund"), _load("outcomes_heavy")]
    assert len({world_key(s) for s in scenarios}) == 1  # one world, three rule sets
    shared = run_shared(scenarios, seed=4)
    for s, r in zip(scenarios, shared, strict=True):
        _same(r, run(s, 4))


def test_a_world_of_its_own_gets_its_own_twin():
    other = apply_overrides(_load("baseline"), {"labour.quit_rate": 0.009})
    scenarios = [_load("baseline"), other]
    assert world_key(scenarios[0]) != world_key(other)
    for s, r in zip(scenarios, run_shared(scenarios, seed=2), strict=True):
        _same(r, run(s, 2))


def test_a_trace_of_another_world_or_seed_is_refused():
    base = _load("baseline")
    _, trace = run_world(base, 1)
    with pytest.raises(ValueError, match="another world or seed"):
        run(base, 2, twin=trace)
    with pytest.raises(ValueError, match="another world or seed"):
        run(apply_overrides(base, {"labour.quit_rate": 0.009}), 1, twin=trace)


def test_many_seeds_in_worker_processes_share_their_worlds_too():
    from sim.engine.runner import run_many, run_many_shared

    scenarios = [_load("no_fund"), _load("baseline")]
    shared = run_many_shared(scenarios, [1, 2], workers=2)
    for s, runs in zip(scenarios, shared, strict=True):
        for a, b in zip(runs, run_many(s, [1, 2]), strict=True):
            _same(a, b)


def test_a_world_stepped_for_its_twin_is_returned_as_the_counterfactual_run():
    base, other = _load("baseline"), _load("outcomes_heavy")
    runs = run_shared([base, other], seed=3, worlds=True)
    assert len(runs) == 3  # the two scenarios, then their shared world
    _same(runs[2], run(base.counterfactual(), 3))

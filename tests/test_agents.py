"""Firms, providers and the fund are real Mesa agents: driven through Mesa's AgentSet API, their
state read through `model.agents`, and the model's own reviews run over the same AgentSets."""

from __future__ import annotations

import numpy as np

from sim.engine.firms import FirmAgent
from sim.engine.fund import FundAgent
from sim.engine.model import FundModel
from sim.engine.providers import ProviderAgent
from sim.scenario.loader import apply_overrides, load_scenario

SMALL = {"region.n_workers": 2000, "region.n_firms": 40, "region.n_providers": 6, "horizon_months": 36}


def _model(**extra) -> FundModel:
    sc = apply_overrides(load_scenario("scenarios/voluntary_matched.yaml"), {**SMALL, **extra})
    return FundModel(sc, seed=3)


def test_agents_are_inspectable_through_model_agents():
    model = _model()
    kinds = {type(a) for a in model.agents}
    assert kinds == {FirmAgent, ProviderAgent, FundAgent}
    firms = model.agents_by_type[FirmAgent]
    assert len(firms) == model.firms.n == 40
    assert len(model.agents_by_type[ProviderAgent]) == 6
    sectors = {s.name for s in model.scenario.region.sectors}
    assert {a.sector for a in firms} <= sectors
    # An agent reads its own row of the table the engine works on.
    big = max(firms, key=lambda a: a.headcount)
    assert big.headcount == int(model.firms.headcount.max())


def test_membership_review_is_each_firms_own_decision_over_the_agentset():
    model = _model()
    for _ in range(13):
        model.step()
    firms = model.agents_by_type[FirmAgent]
    hurdle = model.scenario.firms.membership_hurdle
    # The members are exactly the firms whose own decision says join.
    assert [a.member for a in firms] == [a.joins(hurdle) for a in firms]
    # Driving the verb through the AgentSet with a prohibitive hurdle empties the fund...
    firms.do("review_membership", 1e9)
    assert not model.firms.member.any()
    # ...and select() finds the firms that would join at the scenario's hurdle.
    joiners = firms.select(lambda a: a.joins(hurdle))
    firms.do("review_membership", hurdle)
    assert {a.idx for a in joiners} == set(np.flatnonzero(model.firms.member))


def test_provider_review_suspends_through_the_agentset():
    model = _model()
    providers = model.agents_by_type[ProviderAgent]
    pt = model.providers
    pt.window_completers[:] = 50
    pt.window_placements[:] = 0
    pt.window_placements[0] = 50  # provider 0 placed everyone; the others nobody
    month = 7
    providers.do("review", model.scenario.providers, month)
    suspended = providers.select(lambda a: not a.eligible(month + 1))
    assert {a.idx for a in suspended} == set(range(1, pt.n))
    assert pt.window_completers.sum() == 0  # each review starts a new window
    assert pt.suspensions.tolist() == [0] + [1] * (pt.n - 1)

"""People's ages: drawn from the cited bands, from their own counter-based stream (so adding
age moved no other draw, and a scenario and its no-fund twin share everyone's age), and bad
bands rejected with a message naming the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from sim.engine.model import FundModel
from sim.scenario.people import Ages
from sim.scenario.schema import Scenario


def test_ages_follow_the_band_shares_and_stay_inside_the_edges() -> None:
    ages = Ages(band_edges=(16, 19, 25, 50, 67), band_shares=(0.1, 0.2, 0.3, 0.4))
    n = 10_000
    u = (np.arange(n) + 0.5) / n  # an even grid of uniforms: each band gets exactly its share
    years = ages.draw_age_months(u) // 12
    counts = np.histogram(years, bins=[16, 19, 25, 50, 67])[0]
    assert counts.tolist() == [1000, 2000, 3000, 4000]
    assert years.min() == 16 and years.max() == 66
    # within a band, ages spread over all its years (16, 17 and 18 in the first)
    assert set(years[:1000].tolist()) == {16, 17, 18}


def test_twins_share_ages_and_ages_move_no_other_trait(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    data = small_scenario_dict("baseline.yaml")
    sc = Scenario.model_validate(data)
    a, twin = FundModel(sc, 4).workers, FundModel(sc.counterfactual(), 4).workers
    assert np.array_equal(a.birth_month, twin.birth_month)
    data["ages"] = {"band_edges": [18, 30, 40, 50, 60], "band_shares": [0.25, 0.25, 0.25, 0.25]}
    other = FundModel(Scenario.model_validate(data), 4).workers
    assert not np.array_equal(a.birth_month, other.birth_month)
    for trait in ("sector", "group", "aptitude", "childcare", "transport", "employability", "status"):
        assert np.array_equal(getattr(a, trait), getattr(other, trait)), trait
    assert a.age_years(12).tolist() == (a.age_years(0) + 1).tolist()  # a year older after 12 months


@pytest.mark.parametrize(("ages", "message"), [
    ({"band_edges": [16, 25, 19, 50, 67]}, "ages.band_edges must increase"),
    ({"band_shares": [0.5, 0.5, 0.5, 0.5]}, "ages.band_shares must sum to 1"),
])
def test_bad_age_bands_are_rejected_naming_the_field(ages: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Scenario.model_validate({"ages": ages})


def test_further_groups_are_drawn_by_name_shared_by_twins_and_move_nothing_else(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    from sim.scenario.people import trait_bit

    data = small_scenario_dict("baseline.yaml", n_workers=4000)
    plain = FundModel(Scenario.model_validate(data), 4).workers
    data["traits"] = [{"name": "veterans", "share": 0.2}, {"name": "claimants", "share": 0.5}]
    sc = Scenario.model_validate(data)
    p, twin = FundModel(sc, 4).workers, FundModel(sc.counterfactual(), 4).workers
    assert np.array_equal(p.traits, twin.traits)
    vet = (p.traits & trait_bit("veterans")) != 0
    claim = (p.traits & trait_bit("claimants")) != 0
    assert abs(vet.mean() - 0.2) < 0.03 and abs(claim.mean() - 0.5) < 0.03
    assert abs((vet & claim).mean() - 0.1) < 0.03  # independent of each other
    for trait in ("group", "aptitude", "birth_month", "status", "employability"):
        assert np.array_equal(getattr(plain, trait), getattr(p, trait)), trait
    data["traits"] = data["traits"][::-1]  # order does not matter: draws are keyed by name
    assert np.array_equal(FundModel(Scenario.model_validate(data), 4).workers.traits, p.traits)


def test_fund_seats_only_members_of_an_eligible_further_group(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    from sim.scenario.people import trait_bit

    data = small_scenario_dict("baseline.yaml", horizon_months=36, n_workers=3000, n_firms=60)
    data["outputs"] = {"counterfactual": False}
    data["traits"] = [{"name": "claimants", "share": 0.3}]
    data["fund"]["payments"]["eligible"] = {"in_group": "claimants"}
    sc = Scenario.model_validate(data)
    model = FundModel(sc, 1)
    for _ in range(sc.horizon_months):
        model.step()
    p = model.workers
    funded = p.participant
    assert funded.sum() > 20
    assert ((p.traits[funded] & trait_bit("claimants")) != 0).all()


@pytest.mark.parametrize(("data", "message"), [
    ({"fund": {"payments": {"eligible": {"in_group": "veterans"}}}},
     "fund.payments.eligible.in_group: 'veterans' is not one of the scenario's traits (none declared)"),
    ({"traits": [{"name": "a", "share": 0.1}, {"name": "a", "share": 0.2}]}, "must differ"),
    ({"traits": [{"name": "Vets", "share": 0.1}]}, "String should match pattern"),
])
def test_bad_further_groups_are_rejected_naming_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        Scenario.model_validate(data)

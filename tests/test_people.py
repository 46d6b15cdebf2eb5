"""People's ages: drawn from the cited bands, from their own counter-based stream (so adding
age moved no other draw, and a scenario and its no-fund twin share everyone's age), and bad
bands rejected with a message naming the field."""

from __future__ import annotations

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

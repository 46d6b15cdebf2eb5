"""The results contract's accessors: a run's region-wide series read from its one-pass split
equal a pick from the tidy table, for every metric; the split is not stored with the run."""

from __future__ import annotations

import pickle

import pandas as pd
from conftest import small_dict

from sim.engine.runner import run
from sim.scenario.schema import Scenario


def test_region_series_equal_a_pick_from_the_tidy_table_and_are_not_pickled() -> None:
    r = run(Scenario.model_validate(small_dict(horizon_months=24)), seed=3)
    m = r.metrics
    names = sorted(set(m.metric))
    assert len(names) > 20
    for name in names:
        picked = m[(m.metric == name) & (m.sector == "all") & (m.group == "all")].set_index("month")["value"]
        pd.testing.assert_series_equal(r.series(name), picked, check_names=False)
    sector = str(r.scenario.region.sectors[0].name)
    cell = m[(m.metric == "placements") & (m.sector == sector) & (m.group == "all")]
    picked = cell.set_index("month")["value"]
    pd.testing.assert_series_equal(r.series("placements", sector=sector), picked)
    assert r.series("no_such_metric").empty
    assert "_region" in r.__dict__ and "_region" not in pickle.loads(pickle.dumps(r)).__dict__

"""The results contract's accessors: a run's region-wide series read from its one-pass split
equal a pick from the tidy table, for every metric; the split is not stored with the run."""

from __future__ import annotations

import pickle

import pandas as pd
from conftest import small_dict

from sim.engine.runner import run
from sim.results import horizon_cells, horizon_values
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


def test_horizon_cells_equal_horizon_values_cell_by_cell() -> None:
    """The sweep reads every (sector, group) cell's horizon values in one pass (horizon_cells);
    each must equal the cell-by-cell horizon_values, to the bit, NaNs included."""
    r = run(Scenario.model_validate(small_dict(horizon_months=24)), seed=4)
    m = r.metrics
    cells = horizon_cells(m)
    expected = set(m[["sector", "group"]].drop_duplicates().itertuples(index=False, name=None))
    assert set(cells) == expected and len(expected) > 3
    for (sector, group), values in cells.items():
        pd.testing.assert_series_equal(values, horizon_values(m, sector, group), check_exact=True)
    # NaN and real values are both compared
    assert any(v.isna().any() for v in cells.values()) and cells[("all", "all")].notna().sum() > 20

"""The run cache shared by the app and the reports: a damaged file is never served (not even
with one flipped byte), a stored object that is not a run is run again, and a cache folder that
cannot be written (read-only, or a file in the way) only costs speed, in the library and on the
app's page."""

from __future__ import annotations

import pickle
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sim import runcache
from sim.scenario.schema import Scenario

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def tiny(small_scenario_dict) -> Scenario:
    data = small_scenario_dict(horizon_months=24, n_workers=800, n_firms=20, n_providers=3)
    data["outputs"]["counterfactual"] = False
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def stored(tiny: Scenario, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("cache")
    runs = runcache.ensure_runs(runcache.RunCache(folder), [tiny], SEEDS, workers=1)[0]
    return folder, runs


def _file(folder: Path, scenario: Scenario, seed: int) -> Path:
    return runcache.RunCache(folder).path(runcache.scenario_key(scenario), seed)


@pytest.mark.parametrize("where", ["read-only", "a file"])
def test_a_cache_that_cannot_be_written_only_costs_speed(tiny: Scenario, stored, tmp_path: Path,
                                                         where: str) -> None:
    if where == "read-only":
        folder = Path("/sys/fundsim-cache")  # not writable, even by root (tests may run as root)
    else:
        folder = tmp_path / "cache"
        folder.write_text("a file where the cache folder should be")
    cache = runcache.RunCache(folder / "sub") if where == "a file" else runcache.RunCache(folder)
    assert cache.missing([tiny], SEEDS) == 3
    runs = runcache.ensure_runs(cache, [tiny], SEEDS, workers=1)[0]
    assert [r.seed for r in runs] == list(SEEDS)
    for got, want in zip(runs, stored[1], strict=True):
        pd.testing.assert_frame_equal(got.metrics, want.metrics)


@pytest.mark.parametrize("content", [None, {"metrics": 1}, [1, 2]], ids=["None", "dict", "list"])
def test_a_stored_object_that_is_not_a_run_is_run_again(tiny: Scenario, stored, tmp_path: Path,
                                                        content: object) -> None:
    folder = tmp_path / "cache"
    shutil.copytree(stored[0], folder)
    path = _file(folder, tiny, 2)
    body = pickle.dumps(content)
    import hashlib

    for raw in (runcache.MAGIC + hashlib.sha256(body).digest() + body, body):  # checksummed or not
        path.write_bytes(raw)
        cache = runcache.RunCache(folder)
        assert cache.get(tiny, 2) is None and not path.exists()
        runs = runcache.ensure_runs(cache, [tiny], SEEDS, workers=1)[0]
        pd.testing.assert_frame_equal(runs[1].metrics, stored[1][1].metrics)
        assert path.exists()


def test_sixty_byte_flips_are_never_served(tiny: Scenario, stored, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    shutil.copytree(stored[0], folder)
    rng = random.Random(60)
    for i in range(60):
        seed = SEEDS[i % 3]
        path = _file(folder, tiny, seed)
        good = _file(stored[0], tiny, seed).read_bytes()
        at, bit = rng.randrange(len(good)), 1 << rng.randrange(8)
        path.write_bytes(good[:at] + bytes([good[at] ^ bit]) + good[at + 1:])
        assert runcache.RunCache(folder).get(tiny, seed) is None, f"flip {i} at byte {at} was served"
        path.write_bytes(good)
    assert runcache.RunCache(folder).get(tiny, 1) is not None  # the untouched file is served


def test_the_app_opens_with_a_cache_path_that_is_a_file(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    for k, v in {"FUNDSIM_APP_SEEDS": "2", "FUNDSIM_APP_WORKERS": "1", "FUNDSIM_CACHE_DIR": str(blocker),
                 "FUNDSIM_APP_OVERRIDES": "region.n_workers=800;region.n_firms=20;region.n_providers=3;"
                                          "horizon_months=24"}.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.metric) > 0  # the KPI cards are there


@pytest.mark.parametrize("preset", ["baseline", "equity_supports", "uk_levy"])
def test_a_kept_run_gives_the_same_horizon_values_as_the_run(preset: str) -> None:
    """The cache computes a cell's horizon values from the month-by-metric table it keeps anyway
    (runstore.CachedResults.horizon); they must equal Results.horizon to the bit in every
    sector and worker-group cell."""
    from sim.engine.runner import run
    from sim.results import Results
    from sim.runstore import as_cached
    from sim.scenario.loader import apply_overrides, load_scenario

    root = Path(__file__).resolve().parent.parent / "scenarios"
    scenario = apply_overrides(load_scenario(root / f"{preset}.yaml"),
                               {"region.n_workers": "1500", "region.n_firms": "40", "horizon_months": "36"})
    result = run(scenario, 4)
    kept = as_cached(result)
    cells = result.metrics[["sector", "group"]].drop_duplicates().itertuples(index=False)
    checked = 0
    for sector, group in cells:
        pd.testing.assert_series_equal(kept.horizon(sector, group), Results.horizon(result, sector, group),
                                       check_exact=True)
        checked += 1
    assert checked > 3  # sectors and worker groups, not only the region's totals

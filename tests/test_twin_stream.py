"""A seed's world and its fund runs side by side in two processes (sim.engine.twin_stream): the
same results as stepping them one after the other, whatever the order the processes start in,
and a clear error (never a wrong number) when the world's process is killed."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import runcache, runplan
from sim.engine import twin_store, twin_stream
from sim.engine.counterfactual import world_key
from sim.engine.runner import run_shared
from sim.processes import process_pool
from sim.scenario.loader import apply_overrides, load_scenario

SMALL = {"region.n_workers": 2500, "region.n_firms": 50, "region.n_providers": 6, "horizon_months": 48}
FIELDS = ("metrics", "ledger", "providers", "poaching", "firms", "impact", "training_accounts")


def _load(name: str, **more):
    return apply_overrides(load_scenario(f"scenarios/{name}.yaml"), {**SMALL, **more})


def _same(a, b) -> None:
    assert a.scenario == b.scenario
    for field in FIELDS:
        pd.testing.assert_frame_equal(getattr(a, field), getattr(b, field), obj=field)
    assert a.rollout == b.rollout


@pytest.fixture(autouse=True)
def _no_folders_left():
    yield
    for folder in twin_stream.root().glob(f"fundsim-twin-{os.getpid()}-*"):
        shutil.rmtree(folder)


def _folder(world) -> Path:
    folder = twin_stream.new_folder()
    twin_stream.create(folder, world.horizon_months, world.region.n_workers, world.region.n_firms)
    return folder


@pytest.fixture(scope="module")
def trio():
    scenarios = [_load("no_fund"), _load("baseline"), _load("outcomes_heavy")]
    assert len({world_key(s) for s in scenarios}) == 1
    return scenarios, run_shared(scenarios, seed=3)


def test_side_by_side_in_two_processes_gives_the_one_after_the_other_results(trio, no_own_twin) -> None:
    scenarios, expected = trio
    folder = _folder(scenarios[0])
    pool = process_pool(2)
    try:
        world = pool.submit(twin_stream.world_task, scenarios[0], 3, folder)
        funds = pool.submit(twin_stream.fund_task, scenarios[1:], 3, folder)
        got = world.result() + funds.result()
    finally:
        pool.shutdown()
    for a, b in zip(got, expected, strict=True):
        _same(a, b)
    assert (folder / twin_stream.DONE).exists()


@pytest.fixture
def no_own_twin(monkeypatch):
    """Fund runs must read the world's trace: stepping their own twin (the fallback) fails the test
    (forked workers inherit the patch)."""
    from sim.engine import runner

    real = runner.run

    def run(scenario, seed, twin=None, panel=None):
        assert twin is not None or not scenario.fund.enabled, "a fund run stepped its own twin"
        return real(scenario, seed, twin=twin, panel=panel)

    monkeypatch.setattr(runner, "run", run)


def test_a_world_that_finished_before_the_fund_run_opened_the_pipe_is_read_whole(trio, no_own_twin) -> None:
    scenarios, expected = trio
    folder = _folder(scenarios[0])
    world = twin_stream.world_task(scenarios[0], 3, folder)  # nobody reading: the months are owed
    funds = twin_stream.fund_task(scenarios[1:], 3, folder)
    for a, b in zip(world + funds, expected, strict=True):
        _same(a, b)


def test_a_fund_run_whose_world_never_starts_steps_its_own_twin(trio, monkeypatch) -> None:
    scenarios, expected = trio
    monkeypatch.setattr(twin_stream, "CONNECT_SECONDS", 0.3)
    folder = _folder(scenarios[0])
    t0 = time.monotonic()
    funds = twin_stream.fund_task(scenarios[1:2], 3, folder)
    assert time.monotonic() - t0 >= 0.3
    _same(funds[0], expected[1])


def test_a_killed_world_stops_the_fund_run_with_an_error_naming_it() -> None:
    world = _load("no_fund", **{"region.n_workers": 8000, "horizon_months": 120})
    folder = _folder(world)
    proc = multiprocessing.get_context("fork").Process(target=twin_stream.world_task, args=(world, 5, folder))
    proc.start()
    twin = twin_stream.StreamedTwin(folder, world_key(world), 5, 120)
    try:
        twin.connect()
        os.kill(proc.pid, signal.SIGKILL)  # as an out-of-memory killer or `kill -9` would
        proc.join(10)
        with pytest.raises(twin_stream.TwinStopped, match=r"stopped after month \d+ of 120"):
            twin.month(120)
    finally:
        twin.close()
    assert not (folder / twin_stream.DONE).exists()


def test_the_app_steps_each_world_once_and_an_edit_reads_the_kept_twin(trio, tmp_path: Path,
                                                                       no_own_twin) -> None:
    scenarios, _ = trio
    cache, store = runcache.RunCache(tmp_path), twin_store.store()
    plan, worlds = runplan.plan([(s, seed) for seed in (3, 4, 5) for s in scenarios], store)
    # The first seed's world and fund runs side by side; then each world a seed ahead of its funds.
    # One fund task per world and seed: the pipe's bytes are for a single reader.
    assert [(fn.__name__[0], args[1], len(args[0]) if fn.__name__[0] == "f" else 1) for fn, args in plan] == [
        ("w", 3, 1), ("f", 3, 2), ("w", 4, 1), ("w", 5, 1), ("f", 4, 2), ("f", 5, 2)]
    assert worlds == {1: 0, 4: 2, 5: 3}  # each fund task knows its world (for its errors)
    for folder in {args[2] for _, args in plan}:  # reserved but not run: release them
        shutil.rmtree(folder)
    runs = runcache.ensure_runs(cache, scenarios, [3, 4], workers=2)
    for s, got in zip(scenarios, runs, strict=True):
        for r, seed in zip(got, [3, 4], strict=True):
            _same(r, run_shared(scenarios, seed)[scenarios.index(s)])
    edited = apply_overrides(scenarios[1], {"fund.admin_share": "0.06"})
    plan, _ = runplan.plan([(edited, 3), (edited, 4)], store)
    assert [fn.__name__ for fn, _ in plan] == ["fund_task", "fund_task"]  # the world is not stepped again
    got = runcache.ensure_runs(cache, [edited], [3, 4], workers=2)[0]
    for r, seed in zip(got, [3, 4], strict=True):
        _same(r, run_shared([scenarios[0], edited], seed)[1])


def test_kept_twins_are_bounded_and_removed_with_the_process(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from sim import runcache\n"
            "from sim.engine import twin_store\n"
            "from sim.scenario.loader import apply_overrides, load_scenario\n"
            f"small = {SMALL!r}\n"
            "twin_store.MAX_TRACES = 2\n"
            "s = apply_overrides(load_scenario('scenarios/baseline.yaml'), small)\n"
            "runcache.ensure_runs(runcache.RunCache(Path(sys.argv[1])), [s], [1, 2, 3], workers=2)\n"
            "st = twin_store.store()\n"
            "print(len(st.traces), len(list(st.folder.iterdir())), st.folder)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    kept, on_disk, folder = done.stdout.split()
    assert (kept, on_disk) == ("2", "2")  # three seeds' worlds stepped, the oldest dropped
    assert not Path(folder).exists()  # gone with the process


def test_folders_of_killed_processes_are_cleared(tmp_path: Path) -> None:
    dead = multiprocessing.get_context("fork").Process(target=os._exit, args=(0,))
    dead.start()
    dead.join()
    stale = twin_stream.root() / f"fundsim-twin-{dead.pid}-abc"
    stale.mkdir()
    twin_stream.new_folder()
    assert not stale.exists()


def test_the_apps_runs_yield_the_processor_to_the_page() -> None:
    mine = os.nice(0)
    pool = process_pool(1, niceness=runplan.WORKER_NICENESS)
    try:
        assert pool.submit(os.nice, 0).result() == min(mine + runplan.WORKER_NICENESS, 19)
    finally:
        pool.shutdown()

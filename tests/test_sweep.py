"""Sweeps run the same, run by run, on local processes, a LocalCluster and real `dask scheduler` +
`dask worker` processes; results load, summarise, and feed sensitivity and discovery."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_sweep_common import write_spec
from typer.testing import CliRunner

import sim.sweep
from sim.cli.main import app
from sim.scenario.errors import ScenarioError
from sim.sweep.engine import run_sweep
from sim.sweep.spec import load_spec
from sim.sweep.store import SweepError

DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_spec(tmp_path_factory.mktemp("spec"))


@pytest.fixture(scope="module")
def reference(spec: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """The sweep run in this process, one run after another."""
    out = tmp_path_factory.mktemp("ref")
    report = run_sweep(load_spec(spec), out, workers=1)
    assert (report.total, report.ran, report.failed) == (8, 8, [])
    return out, sim.sweep.load(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"dask scheduler did not listen on {port}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: only the processes this test started
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture()
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """A real `dask scheduler` and `dask worker` on 127.0.0.1, stopped whatever happens."""
    port = _free_port()
    procs: list[subprocess.Popen] = []
    log = (tmp_path / "dask.log").open("wb")
    try:
        procs.append(subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], stdout=log, stderr=log, start_new_session=True))
        _wait_for_port(port, procs[0])
        address = f"tcp://127.0.0.1:{port}"
        procs.append(subprocess.Popen([str(DASK), "worker", address, "--nworkers", "2", "--nthreads", "1",
                                       "--no-dashboard", "--local-directory", str(tmp_path / "dask")],
                                      stdout=log, stderr=log, start_new_session=True))
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)
        log.close()


def test_local_processes_match_in_process_runs(spec: Path, reference: tuple[Path, pd.DataFrame],
                                               tmp_path: Path) -> None:
    report = run_sweep(load_spec(spec), tmp_path, workers=2)
    assert report.ran == 8
    pd.testing.assert_frame_equal(sim.sweep.load(tmp_path), reference[1])


def test_local_cluster_matches_local_engine(spec: Path, reference: tuple[Path, pd.DataFrame],
                                            tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        report = run_sweep(load_spec(spec), tmp_path, scheduler=cluster.scheduler_address)
    assert (report.ran, report.failed) == (8, [])
    pd.testing.assert_frame_equal(sim.sweep.load(tmp_path), reference[1])


def test_dask_scheduler_and_worker_processes_match_local_engine(
        spec: Path, reference: tuple[Path, pd.DataFrame], dask_cluster: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out),
                           "--scheduler", dask_cluster], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert f"on {dask_cluster}" in done.stdout
    pd.testing.assert_frame_equal(sim.sweep.load(out), reference[1])
    ref_files = sorted(p.name for p in (reference[0] / "runs").iterdir())
    assert sorted(p.name for p in (out / "runs").iterdir()) == ref_files  # same run ids, no temporaries


def test_unreachable_scheduler_is_an_error_not_a_traceback(spec: Path, tmp_path: Path) -> None:
    port = _free_port()
    with pytest.raises(SweepError, match="cannot reach the Dask scheduler"):
        run_sweep(load_spec(spec), tmp_path, scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=1)
    assert sim.sweep.status(tmp_path)["done"] == 0


def test_load_is_tidy_with_parameters_and_seeds(reference: tuple[Path, pd.DataFrame]) -> None:
    folder, frame = reference
    assert list(frame.columns) == ["point", "run_id", "seed", "month", "metric", "sector", "group", "value",
                                   "fund.contributions[0].annual_total", "demand.recession.depth"]
    horizon = sim.sweep.load(folder, kind="horizon")
    assert horizon["month"].isna().all() and horizon.groupby(["point", "seed"]).size().nunique() == 1
    # every run keeps each worker group's and each sector's horizon values too (equity across a sweep)
    groups = horizon[(horizon.sector == "all") & (horizon.group != "all")]
    sectors = horizon[(horizon.sector != "all") & (horizon.group == "all")]
    assert groups.group.nunique() >= 2 and sectors.sector.nunique() >= 2
    assert {"placements", "enrolments"} <= set(groups.metric)
    assert groups.groupby(["point", "seed"]).size().nunique() == 1
    monthly = sim.sweep.load(folder, kind="monthly")
    assert set(monthly.metric) == {"fund_balance", "placements"}
    assert set(monthly.month) == set(range(24)) or len(set(monthly.month)) == 24
    assert sorted(frame.seed.unique()) == [1, 2] and frame.point.nunique() == 4
    st = sim.sweep.status(folder)
    assert (st["done"], st["remaining"], st["total"]) == (8, 0, 8)


def test_rerun_skips_finished_runs(spec: Path, reference: tuple[Path, pd.DataFrame]) -> None:
    folder, frame = reference
    report = run_sweep(load_spec(spec), folder, workers=1)
    assert (report.ran, report.skipped) == (0, 8)
    pd.testing.assert_frame_equal(sim.sweep.load(folder), frame)


def test_another_spec_in_the_same_folder_is_refused(reference: tuple[Path, pd.DataFrame],
                                                    tmp_path: Path) -> None:
    other = write_spec(tmp_path, replications=3)
    result = CliRunner().invoke(app, ["sweep", str(other), "--out", str(reference[0])])
    assert result.exit_code == 1 and "holds another sweep" in result.stderr


def test_summary_and_status_commands(reference: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    folder = reference[0]
    runner = CliRunner()
    status = runner.invoke(app, ["sweep", "status", str(folder)])
    assert status.exit_code == 0 and "8 of 8 runs done, 0 remaining" in status.stdout
    result = runner.invoke(app, ["sweep", "summary", str(folder), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(tmp_path / "s.csv")
    assert len(table) == 4 * 2 and (table.seeds == 2).all() and (table.low <= table["mean"]).all()
    assert (table["mean"] <= table.high).all()
    grid = runner.invoke(app, ["sensitivity", str(folder)])
    assert grid.exit_code == 2
    assert "design: sample-based sensitivity needs at least 20 design points; this grid sweep has 4" \
        in grid.stderr


def test_discover_states_the_box_in_plain_language(reference: tuple[Path, pd.DataFrame]) -> None:
    table = sim.sweep.summary(reference[0], ["fund_balance"])
    threshold = float(table["mean"].median())
    d = sim.sweep.discover(reference[0], "fund_balance", threshold)
    assert d.runs == 8 and 0 < d.hits < 8
    assert 0 < d.coverage <= 1 and 0 < d.density <= 1
    text = d.sentence()
    assert "of runs" in text and "coverage" in text and "density" in text
    result = CliRunner().invoke(app, ["discover", str(reference[0]), "--outcome", "fund_balance",
                                      "--threshold", str(threshold)])
    assert result.exit_code == 0 and "fund_balance is at least" in result.stdout


def test_sensitivity_on_a_sobol_sweep(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, design="sobol", samples=2, replications=1,
                      levers={"fund.contributions[0].annual_total": {"low": 50000, "high": 300000}},
                      uncertainties={"demand.recession.depth": {"low": 0.0, "high": 0.2}})
    out = tmp_path / "out"
    assert run_sweep(load_spec(spec), out, workers=1).ran == 2 * (2 + 2)
    result = CliRunner().invoke(app, ["sensitivity", str(out), "--outcome", "fund_balance",
                                      "--out", str(tmp_path / "idx.csv"), "--chart", str(tmp_path / "c.png")])
    assert result.exit_code == 0, result.stderr
    idx = pd.read_csv(tmp_path / "idx.csv")
    assert list(idx.columns) == ["outcome", "parameter", "role", "S1", "S1_conf", "ST", "ST_conf",
                                 "seed_share"]
    assert len(idx) == 2 and (tmp_path / "c.png").stat().st_size > 0
    assert idx.seed_share.isna().all()  # one seed: no seed noise to measure
    assert "is wider than the index" in result.stderr  # 2 base samples cannot rank anything


def test_second_order_sobol_indices_with_intervals_and_seed_noise(tmp_path: Path) -> None:
    """`second_order: true` samples N x (2D + 2) points; S1/ST are read with that layout and S2
    comes per pair, with its interval, the wide-interval warning and the seed noise share."""
    from SALib.analyze import sobol

    from sim.sweep.analysis import horizon_table, unit_matrix

    spec = write_spec(tmp_path, design="sobol", samples=2, replications=2, second_order=True,
                      levers={"fund.contributions[0].annual_total": {"low": 50000, "high": 300000}},
                      uncertainties={"demand.recession.depth": {"low": 0.0, "high": 0.2}})
    out = tmp_path / "out"
    report = run_sweep(load_spec(spec), out, workers=2)
    # 2 x (2 x 2 + 2) = 12 points; with two parameters A-with-B's-first equals B-with-A's-second,
    # so 8 distinct points per seed are run
    assert (report.total, report.ran, len(sim.sweep.load(out).point.unique())) == (16, 16, 12)
    pairs = sim.sweep.interactions(out, ["fund_balance"])
    assert list(pairs.columns) == ["outcome", "parameter", "with", "S2", "S2_conf", "seed_share"]
    assert list(zip(pairs.parameter, pairs["with"], strict=True)) == [
        ("fund.contributions[0].annual_total", "demand.recession.depth")]
    assert np.isfinite(pairs[["S2", "S2_conf"]].to_numpy()).all() and (pairs.S2_conf > 0).all()
    assert 0 <= pairs.seed_share.iloc[0] < 1  # two seeds: noise measured apart from the parameters
    # first- and total-order indices are read with the second-order layout (not the shorter one)
    table, m = horizon_table(out)
    y = table.groupby("point").fund_balance.mean().to_numpy()
    assert len(y) == len(unit_matrix(m)) == 12
    first = sim.sweep.sensitivity(out, ["fund_balance"])
    problem = {"num_vars": 2, "names": list(first.parameter), "bounds": [[0, 1]] * 2}
    direct = sobol.analyze(problem, y, calc_second_order=True, seed=1, conf_level=0.9)
    assert np.allclose(first.S1, direct["S1"]) and np.allclose(first.ST, direct["ST"])
    result = CliRunner().invoke(app, ["sensitivity", str(out), "--outcome", "fund_balance",
                                      "--out", str(tmp_path / "idx.csv")])
    assert result.exit_code == 0, result.stderr
    assert "Second-order Sobol indices of fund_balance" in result.stdout
    assert len(pd.read_csv(tmp_path / "idx-second-order.csv")) == 1
    assert "with demand.recession.depth: the interval of S2" in result.stderr  # 2 base samples
    lhs_like = write_spec(tmp_path, name="first.yaml", design="sobol", samples=2, replications=1,
                          uncertainties={"demand.recession.depth": {"low": 0.0, "high": 0.2}},
                          levers={"fund.contributions[0].annual_total": {"low": 50000, "high": 300000}})
    run_sweep(load_spec(lhs_like), tmp_path / "first", workers=1)
    with pytest.raises(ScenarioError, match="not sampled for second-order indices"):
        sim.sweep.interactions(tmp_path / "first")


def test_morris_screening_on_a_morris_sweep(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, design="morris", samples=3, replications=1,
                      levers={"fund.contributions[0].annual_total": {"low": 50000, "high": 400000}},
                      uncertainties={"demand.recession.depth": {"low": 0.0, "high": 0.2}})
    out = tmp_path / "out"
    report = run_sweep(load_spec(spec), out, workers=2)
    # 3 trajectories x 3 points on a 4-level grid: trajectories may meet, a shared point runs once
    assert report.ran == report.total <= 9 and sim.sweep.load(out).point.nunique() == 9
    idx = sim.sweep.sensitivity(out, ["fund_balance"]).set_index("parameter")
    assert list(idx.columns) == ["outcome", "role", "mu_star", "mu_star_conf", "mu", "sigma", "seed_share"]
    assert (idx.mu_star >= idx.mu.abs() - 1e-9).all() and (idx.sigma >= 0).all()
    # money in moves the fund's end balance more than the recession's depth does
    mu_star = idx.mu_star
    assert mu_star["fund.contributions[0].annual_total"] > mu_star["demand.recession.depth"]


def test_sample_based_sensitivity_on_a_latin_hypercube_with_seed_noise_apart(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, design="lhs", samples=24, replications=2,
                      levers={"fund.contributions[0].annual_total": {"low": 50000, "high": 400000}},
                      uncertainties={"demand.recession.depth": {"low": 0.0, "high": 0.2}})
    out = tmp_path / "out"
    assert run_sweep(load_spec(spec), out, workers=2).ran == 48
    result = CliRunner().invoke(app, ["sensitivity", str(out), "--outcome", "fund_balance", "--out",
                                      str(tmp_path / "idx.csv"), "--chart", str(tmp_path / "c.html")])
    assert result.exit_code == 0, result.stderr
    idx = pd.read_csv(tmp_path / "idx.csv").set_index("parameter")
    assert list(idx.columns) == ["outcome", "role", "S1", "S1_conf", "seed_share"]
    # the employers' contribution drives the fund's end balance far more than the recession's depth
    assert idx.loc["fund.contributions[0].annual_total", "S1"] > idx.loc["demand.recession.depth", "S1"]
    assert 0 <= idx.seed_share.iloc[0] < 0.5
    assert "First-order index (sample-based)" in (tmp_path / "c.html").read_text()


def test_repeated_sobol_points_count_once_in_discovery(tmp_path: Path) -> None:
    """Sobol's sample repeats design points when factors have few levels: each distinct run is
    run once, and PRIM counts it once (the notebook's check at full size)."""
    spec = write_spec(tmp_path, design="sobol", samples=2, replications=1)
    report = run_sweep(load_spec(spec), tmp_path / "out", workers=2)
    points = len(sim.sweep.load(tmp_path / "out", kind="horizon").point.unique())
    assert report.total < points  # some points repeat
    importlib.import_module("sim.sweep.discovery")  # imported: sim.sweep.discover stays the function
    found = sim.sweep.discover(tmp_path / "out", "fund_balance", 0.0)
    assert sim.sweep.discover(tmp_path / "out", "fund_balance", 0.0).runs == found.runs
    assert found.runs == report.total


@pytest.mark.parametrize(("outcome", "threshold", "above", "text"), [
    ("fund_balance", 215_000.37, True, "fund_balance is at least $215,000"),
    ("fund_balance", -2_500_000.0, False, "fund_balance is at most -$2,500,000"),
    ("placement_rate", 0.4567, True, "placement_rate is at least 45.7%"),
    ("placements", 12_345.6, True, "placements is at least 12,346 people"),
])
def test_discovery_thresholds_read_as_a_person_writes_them(outcome: str, threshold: float, above: bool,
                                                           text: str) -> None:
    from sim.sweep.discovery import Discovery

    d = Discovery(outcome, threshold, above, runs=10, hits=4, coverage=0.5, density=0.8, mass=0.3,
                  restrictions=(), units={})
    assert d.target_text() == text and "e+" not in d.sentence()


def test_robustness_ranks_policies_by_regret_across_worlds(reference: tuple[Path, pd.DataFrame],
                                                           tmp_path: Path) -> None:
    """The reference sweep crosses 2 contribution levels (policies) with 2 recession depths (worlds)."""
    from sim.sweep.regret import robustness

    folder = reference[0]
    frame = robustness(folder, "fund_balance", threshold=0.0)
    assert list(frame.policy) == ["fund.contributions[0].annual_total=250000",
                                  "fund.contributions[0].annual_total=60000"]  # more money in, more left
    assert (frame.worlds == 2).all() and frame.max_regret.iloc[0] == 0 and frame.max_regret.iloc[1] > 0
    # regret is computed from the cells by hand: best policy's mean across seeds minus this one's
    h = sim.sweep.load(folder, kind="horizon")
    h = h[(h.metric == "fund_balance") & (h.sector == "all") & (h.group == "all")]
    cells = h.groupby(["fund.contributions[0].annual_total", "demand.recession.depth"]).value.mean().unstack()
    assert np.isclose(frame.max_regret.iloc[1], (cells.loc[250000] - cells.loc[60000]).max())
    assert frame.satisficing.between(0, 1).all()
    result = CliRunner().invoke(app, ["robustness", str(folder), "--outcome", "fund_balance",
                                      "--threshold", "0", "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.stderr
    assert "Least regret on fund_balance: fund.contributions[0].annual_total=250000" in result.stdout
    assert len(pd.read_csv(tmp_path / "r.csv")) == 2
    neutral = CliRunner().invoke(app, ["robustness", str(folder), "--outcome", "quits"])
    assert neutral.exit_code == 2 and "--above/--below" in neutral.stderr

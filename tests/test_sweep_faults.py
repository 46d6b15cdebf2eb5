"""Faults a sweep must survive: only its main process killed (SIGKILL, SIGTERM), damaged run
files, a damaged manifest, engine code changed between a sweep and its resume."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_sweep_common import write_spec

import sim.sweep

ROOT = Path(__file__).resolve().parent.parent
THREE = {"demand.recession.depth": {"levels": [0.02, 0.1, 0.2]}}


def _fundsim(*args: str, timeout: float = 120, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True,
                          timeout=timeout, **kw)  # type: ignore[call-overload]


def _cmd(spec: Path, out: Path, *more: str) -> list[str]:
    return [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out), *more]


def _run_files(out: Path) -> list[Path]:
    runs = out / "runs"
    return sorted(p for p in runs.glob("*.parquet") if not p.name.startswith(".")) if runs.is_dir() else []


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_only_the_main_process_leaves_no_worker_and_resume_proceeds(tmp_path: Path, sig: int) -> None:
    spec = write_spec(tmp_path, replications=3, uncertainties=THREE)  # 2 x 3 points x 3 seeds = 18 runs
    out = tmp_path / "out"
    proc = subprocess.Popen(_cmd(spec, out, "--workers", "2"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    kids: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            kids = _children(proc.pid)
            if len(kids) == 2 and len(_run_files(out)) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None and len(kids) == 2, "the sweep ended before it could be killed"
        os.kill(proc.pid, sig)  # the main process only, as a scheduler or `kill` would
        proc.wait(timeout=60)
        deadline = time.monotonic() + 15
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [k for k in kids if _alive(k)]
    finally:
        with_group = [k for k in kids if _alive(k)]
        if proc.poll() is None or with_group:
            os.killpg(proc.pid, signal.SIGKILL)  # this test's own session only
        proc.communicate(timeout=30)
    assert survivors == [], f"pool workers outlived the killed sweep: {survivors}"
    if sig == signal.SIGTERM:
        assert proc.returncode == 130
        assert json.loads((out / "manifest.json").read_text())["state"] == "interrupted"
    done = len(_run_files(out))
    assert 2 <= done < 18
    resumed = subprocess.run(_cmd(spec, out, "--workers", "2"), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} already done" in resumed.stdout
    assert sim.sweep.status(out)["remaining"] == 0


def _damage(path: Path, how: str, rng: random.Random) -> None:
    data = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(len(data))))
    else:  # one byte flipped
        i = rng.randrange(len(data))
        path.write_bytes(data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:])


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished 8-run sweep (its folder is copied, never changed)."""
    tmp = tmp_path_factory.mktemp("finished")
    spec = write_spec(tmp)
    out = tmp / "out"
    done = subprocess.run(_cmd(spec, out, "--workers", "2"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return spec, out


def test_damaged_run_files_are_reported_left_out_and_run_again(finished: tuple[Path, Path],
                                                               tmp_path: Path) -> None:
    spec, clean = finished
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    reference = sim.sweep.load(clean)
    files = _run_files(out)
    rng = random.Random(7)
    for f, how in zip(files, ["empty", "truncated", "garbage", "flip"], strict=False):
        _damage(f, how, rng)

    status = _fundsim("sweep", "status", str(out))
    assert status.returncode == 0, status.stderr
    assert "4 of 8 runs done, 4 remaining" in status.stdout and "4 damaged" in status.stdout
    for args in (["sweep", "summary", str(out)],
                 ["discover", str(out), "--outcome", "fund_balance", "--threshold", "0"]):
        r = _fundsim(*args)
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr and "ArrowInvalid" not in r.stderr + r.stdout
        assert "4 run file(s)" in r.stderr and "damaged" in r.stderr
    assert sim.sweep.load(out).run_id.nunique() == 4

    resumed = subprocess.run(_cmd(spec, out, "--workers", "2"), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "4 run now" in resumed.stdout and "4 damaged run file(s)" in resumed.stderr
    # not a terminal: progress comes as plain lines, not a redrawn bar
    assert "tiny: 0 of 4 runs finished" in resumed.stderr and "tiny: 4 of 4 runs finished" in resumed.stderr
    assert "\r" not in resumed.stderr and "\x1b[" not in resumed.stderr
    import pandas as pd

    pd.testing.assert_frame_equal(sim.sweep.load(out), reference)


def test_sixty_byte_flips_in_run_files_are_never_served(finished: tuple[Path, Path], tmp_path: Path) -> None:
    _, clean = finished
    rng = random.Random(2026)
    flipped = 0
    for round_ in range(8):  # 8 copies of the 8-run sweep, one random bit flipped in every run file
        out = tmp_path / f"copy{round_}"
        shutil.copytree(clean, out)
        for f in _run_files(out):
            _damage(f, "flip", rng)
            flipped += 1
        assert sim.sweep.status(out)["done"] == 0
        assert sim.sweep.load(out).empty
    assert flipped >= 60


@pytest.mark.parametrize("manifest", ["[1, 2]", '{"runs": 5}', '{"sweep_digest": "x", "runs": [{"seed": 1}]}',
                                      "{", '"text"'])
def test_a_manifest_of_the_wrong_shape_is_a_clear_error(finished: tuple[Path, Path], tmp_path: Path,
                                                        manifest: str) -> None:
    spec, clean = finished
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    (out / "manifest.json").write_text(manifest)
    for args in (["sweep", "status", str(out)], ["sweep", "summary", str(out)],
                 ["discover", str(out), "--outcome", "fund_balance", "--threshold", "0"]):
        r = _fundsim(*args)
        assert r.returncode == 1, (args, r.stderr)
        assert "Traceback" not in r.stderr and "manifest" in r.stderr, r.stderr
        assert len(r.stderr) < 1000
    # the sweep command writes the manifest anew; every run is still recognised by its id
    again = subprocess.run(_cmd(spec, out), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "8 already done" in again.stdout
    assert sim.sweep.status(out)["done"] == 8


def test_nan_threshold_is_refused(finished: tuple[Path, Path]) -> None:
    _, out = finished
    for bad in ("nan", "inf"):
        r = _fundsim("discover", str(out), "--outcome", "fund_balance", "--threshold", bad)
        assert r.returncode == 2 and "--threshold: must be a finite number" in r.stderr, r.stderr


def test_resuming_with_changed_engine_code_is_refused_then_fresh_starts_over(tmp_path: Path) -> None:
    """A copy of the package, its engine edited between the sweep and its resume."""
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "sim", pkg / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(pkg)}  # run from tmp_path: `-m` puts the cwd first on sys.path
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    first = subprocess.run(_cmd(spec, out, "--workers", "1"), capture_output=True, text=True, timeout=300,
                           env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert sim.sweep.status(out)["done"] == 8

    # the engine changes: a model constant (the same shape of change a developer makes)
    model = pkg / "sim" / "engine" / "model.py"
    model.write_text(model.read_text() + "\n# changed engine\n")
    again = subprocess.run(_cmd(spec, out, "--workers", "1"), capture_output=True, text=True, timeout=300,
                           env=env, cwd=tmp_path)
    assert again.returncode == 1
    assert "other engine code" in again.stderr and "--fresh" in again.stderr, again.stderr
    assert len(_run_files(out)) == 8  # nothing touched

    # a change outside the engine (the CLI, the app, reports) is not a model change
    tool = pkg / "sim" / "cli" / "output.py"
    tool.write_text(tool.read_text() + "\n# tool\n")
    fresh = subprocess.run(_cmd(spec, out, "--workers", "1", "--fresh"), capture_output=True, text=True,
                           timeout=300, env=env, cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert "8 run now" in fresh.stdout and "0 already done" in fresh.stdout
    resumed = subprocess.run(_cmd(spec, out, "--workers", "1"), capture_output=True, text=True, timeout=300,
                             env=env, cwd=tmp_path)
    assert resumed.returncode == 0 and "8 already done" in resumed.stdout, resumed.stderr
    assert len(_run_files(out)) == 8


def test_a_half_written_temporary_is_never_a_run(finished: tuple[Path, Path], tmp_path: Path) -> None:
    """A `.tmp-*.parquet` a killed writer left (or one being written now) is neither done nor
    damaged, and the next sweep removes it (the flaky resume test read such a file)."""
    spec, clean = finished
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    whole = _run_files(out)[0]
    half = out / "runs" / f".tmp-4242-{whole.name}"
    half.write_bytes(whole.read_bytes()[:100])
    st = sim.sweep.status(out)
    assert (st["done"], st["remaining"], st["damaged"]) == (8, 0, 0)
    assert sim.sweep.load(out).run_id.nunique() == 8
    again = subprocess.run(_cmd(spec, out, "--workers", "1"), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "8 already done" in again.stdout, again.stderr
    assert not half.exists()


def test_one_engine_hash_keys_the_run_cache_calibration_and_sweeps(tmp_path: Path) -> None:
    """Editing the engine changes the key of all three stores at once; editing a tool (the CLI,
    the sweep code) changes none of them."""
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "sim", pkg / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    probe = ("import sim.runcache, sim.calibration.smm, sim.sweep.engine, sim.codehash as c; "
             "print(sim.runcache.code_version(), sim.calibration.smm.engine_code(), "
             "sim.sweep.engine.engine_code(), c.engine_code())")

    def keys() -> list[str]:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(pkg)}, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    before = keys()
    assert before[1] == before[2] == before[3]  # calibration and sweeps: the one hash itself
    for tool in ("cli/output.py", "sweep/charts.py", "app/__init__.py"):
        path = pkg / "sim" / tool
        path.write_text(path.read_text() + "\n# a tool changed\n")
    assert keys() == before
    model = pkg / "sim" / "engine" / "model.py"
    model.write_text(model.read_text() + "\n# the engine changed\n")
    after = keys()
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert after[1] == after[2] == after[3]

"""A sweep killed with SIGKILL part-way resumes: no lost run, no duplicate, no partial file, and
the same results as a sweep that was never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from test_sweep_common import write_spec

import sim.sweep
from sim.sweep.engine import run_sweep
from sim.sweep.spec import load_spec


def _run_files(folder: Path) -> list[Path]:
    runs = folder / "runs"  # dot-files are temporaries of a write in progress, not runs
    return sorted(p for p in runs.glob("*.parquet") if not p.name.startswith(".")) if runs.is_dir() else []


def test_sigkill_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, replications=2,
                      uncertainties={"demand.recession.depth": {"levels": [0.02, 0.1, 0.2]}})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(_run_files(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep's own session: only what this test started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    killed_at = _run_files(out)
    assert 3 <= len(killed_at) < 12
    for f in killed_at:  # every file on disk is whole
        assert pd.read_parquet(f).shape[0] > 0
    assert sim.sweep.status(out)["remaining"] == 12 - len(killed_at)

    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(killed_at)} already done" in resumed.stdout
    files = _run_files(out)
    assert len(files) == 12 and set(killed_at) <= set(files)
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]  # no temporaries left
    frame = sim.sweep.load(out)
    assert not frame.duplicated(["point", "seed", "month", "metric", "sector", "group"]).any()

    clean = tmp_path / "clean"
    run_sweep(load_spec(spec), clean, workers=2)
    pd.testing.assert_frame_equal(frame, sim.sweep.load(clean))
    assert sim.sweep.status(out) == {**sim.sweep.status(clean)}

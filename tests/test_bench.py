"""benchmarks/bench.py runs as a user runs it and keeps its JSON keys (figures are not checked:
speed is measured by the benchmark, not asserted by tests)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"
KEYS = {"workers", "months", "firms", "providers", "setup_s", "steps_s", "collect_s", "metric_rows",
        "worker_steps_per_s", "peak_rss_mb", "python"}  # kept from before: tools read them


def _bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH), "--workers", "1500", "--months", "12", "--repeat", "1",
                           *args], capture_output=True, text=True, timeout=600)


def test_json_keeps_its_keys_and_adds_the_full_run_and_first_run():
    done = _bench("--json")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(row) >= KEYS and {"first_run_s", "full_run_s", "full_worker_steps_per_s", "runs",
                                 "shared_cpu_s", "world_cpu_s", "fund_cpu_s"} <= set(row)
    assert row["shared_cpu_s"] >= max(row["world_cpu_s"], row["fund_cpu_s"]) > 0
    assert row["workers"] == 1500 and row["months"] == 12 and row["worker_steps_per_s"] > 0


@pytest.mark.skipif(importlib.util.find_spec("starsim") is None, reason="starsim is an optional extra")
def test_starsim_side_by_side():
    done = _bench("--starsim", "--no-full")
    assert done.returncode == 0, done.stderr
    assert "starsim steps/s" in done.stdout and "x" in done.stdout.splitlines()[1]

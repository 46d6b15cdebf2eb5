"""benchmarks/sweep_bench.py runs as a user runs it, at a tiny size (figures are not checked:
speed is measured on a quiet machine, not asserted by tests)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "sweep_bench.py"


def test_ceiling_run_warms_up_first_and_reports_pool_efficiency() -> None:
    done = subprocess.run([sys.executable, str(BENCH), "--ceiling", "--runs", "4", "--n-workers", "300",
                           "--months", "12", "--repeats", "1", "--min-seconds", "0.2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("warm-up: first run") and "a warm run" in lines[0]  # before any timing
    assert lines[1].startswith("4 runs per measurement")
    assert [x.split(":")[0] for x in lines[2:4]] == ["ceiling, python", "ceiling, engine"]
    efficiency = re.search(r"pool efficiency: (\d+)% of this machine's own two-process ceiling "
                           r"\((\d+\.\d\d)x of (\d+\.\d\d)x\)", done.stdout)
    assert efficiency, done.stdout
    scaling = re.search(r"scaling 1 -> 2 workers: (\d+\.\d\d)x", done.stdout)
    assert scaling and scaling.group(1) == efficiency.group(2)


def test_runs_are_chosen_long_enough_to_time() -> None:
    spec = importlib.util.spec_from_file_location("sweep_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.choose_runs(None, warm_run=0.5, min_seconds=30) == 60  # 30 s of work in one process
    assert bench.choose_runs(None, warm_run=0.7, min_seconds=30) == 44  # rounded up to an even count
    assert bench.choose_runs(None, warm_run=100, min_seconds=30) == 4  # never fewer than 4
    assert bench.choose_runs(10, warm_run=0.01, min_seconds=30) == 10  # as asked

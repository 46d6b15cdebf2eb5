"""Time `fundsim report` right after the app computed the same comparison (issue 15's goal: ≤ 5 s).

    python benchmarks/report_bench.py [--repeats 3] [--busy N] [--json]

In a fresh, empty run cache it first simulates the app's default comparison as `make app` does
(`sim.app.launch.precompute`: 8 seeds, the baseline region), then times, each in a new process as
a grant writer types it:
  report pdf       `fundsim report scenarios/no_fund.yaml scenarios/baseline.yaml --out r.pdf`
                   (every run read from the cache), `--repeats` times: each try and the median
  four formats     the same with `--format pdf,xlsx,html,csv` in one call
with the wall time and the CPU time of the process and its helpers (user + system).
`--busy N` keeps N other processes spinning at normal priority throughout (a loaded machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from common import busy, show  # noqa: E402  (benchmarks/common.py)

FUNDSIM = [sys.executable, "-m", "sim.cli"]
PAIR = ["scenarios/no_fund.yaml", "scenarios/baseline.yaml"]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (the command and every process it started) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--busy", type=int, default=0,
                    help="other processes kept busy at normal priority while measuring (a loaded machine)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result: dict[str, object] = {"busy processes": args.busy}
    with busy(args.busy), tempfile.TemporaryDirectory(prefix="fundsim-report-bench-") as tmp:
        env = {**os.environ, "FUNDSIM_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("FUNDSIM_APP_OVERRIDES", None)
        env.pop("FUNDSIM_APP_SEEDS", None)
        app = [sys.executable, "-c", "from sim.app.launch import precompute; precompute(lambda s: None)"]
        result["app precompute (empty cache) s"], _ = timed(app, env)
        walls, cpus = [], []
        for i in range(args.repeats):
            out = Path(tmp) / f"r{i}.pdf"
            wall, cpu = timed([*FUNDSIM, "report", *PAIR, "--out", str(out)], env)
            if not out.is_file() or out.stat().st_size < 10_000:
                raise SystemExit(f"no PDF was written to {out}")
            walls.append(wall)
            cpus.append(cpu)
        result["report pdf after app, each try s"] = [round(w, 2) for w in walls]
        result["report pdf after app, median s"] = statistics.median(walls)
        result["report pdf after app, CPU median s"] = statistics.median(cpus)
        wall, cpu = timed([*FUNDSIM, "report", *PAIR, "--out", str(Path(tmp) / "all.pdf"),
                           "--format", "pdf,xlsx,html,csv"], env)
        result["four formats after app s"], result["four formats CPU s"] = wall, cpu
    show(result, args.json, width=40)


if __name__ == "__main__":
    main()

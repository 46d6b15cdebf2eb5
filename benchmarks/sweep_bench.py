"""Sweep throughput: runs per second on 1 and 2 local worker processes, and the scaling factor.

    python benchmarks/sweep_bench.py [--runs 16] [--workers-list 1 2] [--n-workers 5000] [--months 60]

Each configuration runs the same grid (a fresh output folder each time, so nothing is skipped).
The pool's start-up (importing the engine in each worker) is part of the measured time."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sim.sweep.engine import run_sweep
from sim.sweep.spec import plan_from_data

ROOT = Path(__file__).resolve().parents[1]


def spec(runs: int, n_workers: int, months: int) -> dict:
    replications = 2
    points = max(1, runs // replications)
    levels = [round(50_000 + 300_000 * i / max(1, points - 1)) for i in range(points)]
    return {
        "name": "bench", "base": str(ROOT / "scenarios" / "baseline.yaml"), "design": "grid",
        "replications": replications,
        "levers": {"fund.contributions[0].annual_total": {"levels": levels}},
        "outcomes": ["fund_balance", "placements"], "horizon_months": months,
        "region": {"n_workers": n_workers, "n_firms": max(20, n_workers // 50), "n_providers": 3},
        "set": {"outputs.counterfactual": False},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--workers-list", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--n-workers", type=int, default=5000, help="people in the simulated region")
    ap.add_argument("--months", type=int, default=60)
    args = ap.parse_args()
    plan = plan_from_data(spec(args.runs, args.n_workers, args.months), "<bench>", None)
    rates = {}
    for w in args.workers_list:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            report = run_sweep(plan, Path(tmp), workers=w)
            seconds = time.perf_counter() - t0
        if report.failed:
            sys.exit(f"{len(report.failed)} runs failed: {report.failed[0]['error']}")
        rates[w] = report.ran / seconds
        print(f"{w} worker(s): {report.ran} runs in {seconds:.1f} s = {rates[w]:.2f} runs/s", flush=True)
    base = args.workers_list[0]
    for w in args.workers_list[1:]:
        print(f"scaling {base} -> {w} workers: {rates[w] / rates[base]:.2f}x")


if __name__ == "__main__":
    main()

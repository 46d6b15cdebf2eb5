"""Benchmark: worker-steps per second and peak memory of the baseline rules at a given size.

    python benchmarks/bench.py --workers 100000 --months 120          # readable table
    python benchmarks/bench.py --workers 1000000 --months 120 --json  # one JSON object

Each size runs in a fresh process so peak memory (ru_maxrss) belongs to that size alone. The
region scales with the worker count (firms and providers in the baseline's proportions). Only
the scenario's model is stepped (no counterfactual twin), so the figure is the engine's own
speed; a full `sim.run` with the counterfactual does about twice the work."""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(workers: int, months: int, seed: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from sim.engine.model import FundModel
    from sim.scenario.loader import load_scenario

    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    scale = workers / base.region.n_workers
    region = base.region.model_copy(update={
        "n_workers": workers,
        "n_firms": max(3, round(base.region.n_firms * scale)),
        "n_providers": max(len(base.region.sectors), round(base.region.n_providers * scale)),
    })
    scenario = base.model_copy(update={"region": region, "horizon_months": months})
    t0 = time.perf_counter()
    model = FundModel(scenario, seed)
    t1 = time.perf_counter()
    for _ in range(months):
        model.step()
    t2 = time.perf_counter()
    model.rec.finish()
    frame = model.rec.frame()
    t3 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "workers": workers, "months": months, "firms": region.n_firms,
        "providers": region.n_providers, "setup_s": round(t1 - t0, 3), "steps_s": round(t2 - t1, 3),
        "collect_s": round(t3 - t2, 3), "metric_rows": len(frame),
        "worker_steps_per_s": round(workers * months / (t2 - t1)),
        "peak_rss_mb": round(peak_mb, 1), "python": platform.python_version(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[10_000, 100_000],
                    help="population sizes to measure (each in its own process)")
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object per size")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.workers[0], args.months, args.seed)))
        return
    rows = []
    for n in args.workers:
        out = subprocess.run([sys.executable, __file__, "--child", "--workers", str(n), "--months",
                              str(args.months), "--seed", str(args.seed)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    print(f"{'workers':>10} {'months':>6} {'steps (s)':>10} {'worker-steps/s':>15} {'peak MB':>9}")
    for r in rows:
        print(f"{r['workers']:>10,} {r['months']:>6} {r['steps_s']:>10.2f} "
              f"{r['worker_steps_per_s']:>15,} {r['peak_rss_mb']:>9.0f}")


if __name__ == "__main__":
    main()

"""Benchmark: worker-steps per second and peak memory of the baseline rules at given sizes.

    python benchmarks/bench.py                                   # 20k and 100k workers, a table
    python benchmarks/bench.py --workers 1000000 --months 120 --json
    python benchmarks/bench.py --workers 20000 100000 --starsim  # Starsim's SIS model beside it

Each size runs in a fresh process, so peak memory (ru_maxrss) belongs to that size alone. The
region scales with the worker count (firms and providers in the baseline's proportions). Two
figures per size, each the best of `--repeat` runs after a first run that is reported apart
(`first_run_s`: loading the compiled kernels from their disk cache, or compiling them if the
cache is cold):
- engine: only the scenario's model is stepped (`steps_s`, `worker_steps_per_s`);
- full run: `sim.run`, the scenario with its no-fund counterfactual in lockstep, as the app and
  reports run it (`full_run_s`; `full_worker_steps_per_s` counts both worlds);
- app seed: what the committee app computes per seed (issue 16),
  `run_shared([no_fund, baseline], seed)` (the no-fund world stepped once, the fund scenario
  reading its twin trace), timed as this process's CPU time (`shared_cpu_s`, the median of the
  runs; `world_cpu_s` and `fund_cpu_s` its two halves): less sensitive to other work on a shared
  machine than wall time. Its target is 1.0 s at 20,000 workers and 120 months on a quiet
  machine (8 seeds on two cores within the app's 10 s).
`--starsim` runs Starsim's SIS disease on a random network with births and deaths, monthly
steps, at the same sizes and months (needs `pip install starsim`; not a fundsim dependency)."""

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


def _scenario(workers: int, months: int, preset: str = "baseline.yaml"):
    sys.path.insert(0, str(ROOT))
    from sim.scenario.loader import load_scenario

    base = load_scenario(ROOT / "scenarios" / preset)
    scale = workers / base.region.n_workers
    region = base.region.model_copy(update={
        "n_workers": workers,
        "n_firms": max(3, round(base.region.n_firms * scale)),
        "n_providers": max(len(base.region.sectors), round(base.region.n_providers * scale)),
    })
    return base.model_copy(update={"region": region, "horizon_months": months})


def _engine(scenario, seed: int) -> dict:
    from sim.engine.model import FundModel

    t0 = time.perf_counter()
    model = FundModel(scenario, seed)
    t1 = time.perf_counter()
    for _ in range(scenario.horizon_months):
        model.step()
    t2 = time.perf_counter()
    model.rec.finish()
    frame = model.rec.frame()
    t3 = time.perf_counter()
    return {"setup_s": t1 - t0, "steps_s": t2 - t1, "collect_s": t3 - t2, "metric_rows": len(frame)}


def measure(workers: int, months: int, seed: int, repeat: int, full: bool) -> dict:
    import sim

    scenario = _scenario(workers, months)
    t = time.perf_counter()
    _engine(scenario, seed)
    first = time.perf_counter() - t
    best = min((_engine(scenario, seed + 1 + i) for i in range(repeat)), key=lambda r: r["steps_s"])
    out = {
        "workers": workers, "months": months, "firms": scenario.region.n_firms,
        "providers": scenario.region.n_providers, "first_run_s": round(first, 3),
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in best.items()},
        "worker_steps_per_s": round(workers * months / best["steps_s"]), "runs": repeat,
    }
    if full:
        times = []
        for i in range(repeat):
            t = time.perf_counter()
            sim.run(scenario, seed + 1 + i)
            times.append(time.perf_counter() - t)
        out["full_run_s"] = round(min(times), 3)
        out["full_worker_steps_per_s"] = round(2 * workers * months / min(times))
    # Peak memory of the engine and sim.run, as before the app-seed figure was added (its runs
    # keep two results at once, which would raise the peak).
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    if full:
        out.update({k: round(v, 3) for k, v in _shared_cpu(workers, months, seed, repeat).items()})
    out["python"] = platform.python_version()
    return out


def _shared_cpu(workers: int, months: int, seed: int, repeat: int) -> dict[str, float]:
    """Median CPU seconds of run_shared([no_fund, baseline], seed) after a first (untimed) run
    (`shared_cpu_s`), and of its two halves: the no-fund world stepped for its results and
    trace (`world_cpu_s`, run_world) and the fund run reading that trace (`fund_cpu_s`). The
    halves are timed apart as run_shared runs them, one after the other."""
    import statistics

    from sim.engine.runner import run, run_world

    no_fund, fund = _scenario(workers, months, "no_fund.yaml"), _scenario(workers, months)
    run(fund, seed, twin=run_world(no_fund, seed)[1])
    world, fund_run = [], []
    for i in range(repeat):
        t0 = time.process_time()
        trace = run_world(no_fund, seed + 1 + i)[1]
        t1 = time.process_time()
        run(fund, seed + 1 + i, twin=trace)
        world.append(t1 - t0)
        fund_run.append(time.process_time() - t1)
    return {"shared_cpu_s": statistics.median([w + f for w, f in zip(world, fund_run, strict=True)]),
            "world_cpu_s": statistics.median(world), "fund_cpu_s": statistics.median(fund_run)}


def measure_starsim(workers: int, months: int, seed: int, repeat: int) -> dict:
    import starsim as ss

    def once(s: int) -> float:
        sim = ss.Sim(n_agents=workers, diseases="sis", networks="random",
                     demographics=[ss.Births(), ss.Deaths()], start=2000, stop=2000 + months / 12,
                     dt=1 / 12, rand_seed=s, verbose=0)
        sim.init()
        t = time.perf_counter()
        sim.run()
        return time.perf_counter() - t

    first = once(seed)
    best = min(once(seed + 1 + i) for i in range(repeat))
    return {"model": f"starsim {ss.__version__} SIS", "workers": workers, "months": months,
            "first_run_s": round(first, 3), "steps_s": round(best, 3), "runs": repeat,
            "worker_steps_per_s": round(workers * months / best),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}


def _child(kind: str, n: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--workers", str(n), "--months", str(args.months),
           "--seed", str(args.seed), "--repeat", str(args.repeat)]
    if args.no_full:
        cmd.append("--no-full")
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench: the {kind} run at {n:,} workers failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[20_000, 100_000],
                    help="population sizes to measure (each in its own process)")
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per figure (the best is kept)")
    ap.add_argument("--no-full", action="store_true", help="skip sim.run with the counterfactual")
    ap.add_argument("--starsim", action="store_true", help="also run Starsim's SIS model at each size")
    ap.add_argument("--json", action="store_true", help="print one JSON object per size")
    ap.add_argument("--child", choices=["fundsim", "starsim"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "fundsim":
        print(json.dumps(measure(args.workers[0], args.months, args.seed, args.repeat, not args.no_full)))
        return
    if args.child == "starsim":
        print(json.dumps(measure_starsim(args.workers[0], args.months, args.seed, args.repeat)))
        return
    rows = []
    for n in args.workers:
        row = _child("fundsim", n, args)
        if args.starsim:
            row["starsim"] = _child("starsim", n, args)
        rows.append(row)
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    head = (f"{'workers':>10} {'months':>6} {'first (s)':>9} {'engine (s)':>10} {'worker-steps/s':>15} "
            f"{'sim.run (s)':>11} {'both worlds/s':>14} {'app seed CPU (s)':>16} {'peak MB':>8}")
    print(head + ("  starsim steps/s  ratio" if args.starsim else ""))
    for r in rows:
        line = (f"{r['workers']:>10,} {r['months']:>6} {r['first_run_s']:>9.2f} {r['steps_s']:>10.2f} "
                f"{r['worker_steps_per_s']:>15,} {r.get('full_run_s', float('nan')):>11.2f} "
                f"{r.get('full_worker_steps_per_s', 0):>14,} {r.get('shared_cpu_s', float('nan')):>16.2f} "
                f"{r['peak_rss_mb']:>8.0f}")
        if "starsim" in r:
            s = r["starsim"]
            ratio = r["worker_steps_per_s"] / s["worker_steps_per_s"]
            line += f"  {s['worker_steps_per_s']:>15,}  {ratio:.2f}x"
        print(line)
    print(f"best of {args.repeat} after a first run; machine load (1, 5, 15 min): {_load()}")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()

"""Compile the engine's kernels ahead of first use: `python -m sim.engine.jit`.

numba compiles a kernel for each argument signature on first call and caches the machine code on
disk beside its source (`sim/engine/__pycache__`, or NUMBA_CACHE_DIR). Running a small region
with its no-fund twin calls every kernel with the argument types real runs use, so `make app`
and `make test` pay the compile once at install and no run waits for the compiler later."""

from __future__ import annotations

import time


def warm() -> float:
    """Run a small scenario (every kernel, real argument types); returns the seconds it took."""
    from sim.engine.runner import run
    from sim.scenario.loader import apply_overrides
    from sim.scenario.schema import Scenario

    t0 = time.perf_counter()
    # The schema's defaults have a fund and its twin; apprentices and externs make every kernel run.
    small = {"region.n_workers": 600, "region.n_firms": 12, "region.n_providers": 3, "horizon_months": 30,
             "training.apprenticeship_share": 0.3, "phases.system_development_months": 1,
             "phases.programme_design_months": 1}
    run(apply_overrides(Scenario(), small), seed=1)
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"fundsim: engine kernels compiled and cached ({warm():.1f} s)")

"""Finished runs kept on disk, shared by the app and the reports, so a comparison seen before
is read instead of simulated.

A run is stored at `<cache>/<code version>/<scenario key>/<seed>.pkl` (sim.runstore). The
scenario key hashes every parameter except the name and description (an edited copy that ends up
identical to a preset reuses its runs); the code version is the engine's source hash
(sim.codehash), so a change to the model never serves stale numbers, and two checkouts of
different engine code sharing one cache folder never see each other's runs. Each file starts with
a checksum of its contents (a damaged file is run again, never served). Files are written under a
temporary name and renamed, so a page stopped mid-run leaves only whole files, and the next run
resumes from them. A cache folder that cannot be written (read-only, or a file in the way) only
costs speed. What is missing is simulated on worker processes (sim.runplan)."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.results import Results
from sim.runplan import simulate
from sim.runstore import (
    MAGIC,
    CachedResults,
    Stored,
    as_cached,
    code_version,
    exists,
    read_run,
    run_file,
    scenario_key,
    write_run,
)
from sim.scenario.schema import Scenario

__all__ = ["MAGIC", "CachedResults", "Progress", "RunCache", "code_version", "counterfactual_runs",
           "default_cache_dir", "ensure_runs", "scenario_key"]
MEMORY_RUNS = 64
KEEP_VERSIONS = 3  # engine versions whose runs stay on disk
Progress = Callable[[int, int, str], None]  # (done, total, what) -> None
# Runs yield the processor to the page that started them: an early answer is drawn, and the
# browser on the same machine paints it, while both cores simulate.
WORKER_NICENESS = 5


class RunCache:
    """Finished runs on disk, with the most recent also kept in memory."""

    def __init__(self, folder: Path, keep_versions: int = KEEP_VERSIONS) -> None:
        self.root = Path(folder) / code_version()
        self.memory: OrderedDict[tuple[str, int], CachedResults] = OrderedDict()
        self._prune(Path(folder), keep_versions)

    def _prune(self, folder: Path, keep: int) -> None:
        """Drop runs of all but the `keep` most recently used engine versions (disk stays bounded)."""
        if not folder.is_dir():
            return
        try:
            versions = [d for d in folder.iterdir() if d.is_dir() and d != self.root and len(d.name) == 16]
            olds = sorted(versions, key=lambda d: d.stat().st_mtime, reverse=True)[max(keep - 1, 0):]
        except OSError:
            return
        for d in olds:
            shutil.rmtree(d, ignore_errors=True)

    def path(self, key: str, seed: int) -> Path:
        return run_file(self.root, key, seed)

    def get(self, scenario: Scenario, seed: int) -> CachedResults | None:
        key = scenario_key(scenario)
        hit = self.memory.get((key, seed))
        if hit is None:
            p = self.path(key, seed)
            loaded = read_run(p)
            if loaded is None:
                return None
            hit = self._remember(key, seed, loaded)
        self.memory.move_to_end((key, seed))
        return dataclasses.replace(hit, scenario=scenario)

    def put(self, result: Results) -> CachedResults:
        key = scenario_key(result.scenario)
        app = as_cached(result).prepare()
        write_run(self.path(key, result.seed), app)
        return self._remember(key, result.seed, app)

    def load(self, stored: Stored) -> CachedResults:
        """A run a worker process stored itself (see `_run_and_store`), read back."""
        loaded = read_run(self.path(stored.key, stored.seed))
        if loaded is None:
            raise RuntimeError("a finished run could not be read back from the run cache "
                               f"({self.path(stored.key, stored.seed)}): was the folder removed meanwhile?")
        return self._remember(stored.key, stored.seed, loaded)

    def _remember(self, key: str, seed: int, result: Results) -> CachedResults:
        kept = self.memory[(key, seed)] = as_cached(result)
        while len(self.memory) > MEMORY_RUNS:
            self.memory.popitem(last=False)
        return kept

    def missing(self, scenarios: Sequence[Scenario], seeds: Sequence[int]) -> int:
        """How many runs are neither in memory nor on disk."""
        todo = {(scenario_key(s), int(seed)) for s in scenarios for seed in seeds}
        return sum(1 for k, seed in todo if (k, seed) not in self.memory and not exists(self.path(k, seed)))


def ensure_runs(cache: RunCache, scenarios: Sequence[Scenario], seeds: Sequence[int], *, workers: int = 2,
                progress: Progress | None = None) -> list[list[CachedResults]]:
    """Every scenario's runs on `seeds` (seed order), simulating only what the cache lacks;
    identical scenarios run once; jobs go seed by seed. `progress(done, total, what)` follows each
    finished run."""
    seeds = [int(s) for s in seeds]
    jobs: dict[tuple[str, int], tuple[Scenario, int]] = {}
    # Seed by seed across scenarios: every scenario's first seed finishes first, so the page can
    # show a paired answer long before all runs are done.
    for seed in seeds:
        for s in scenarios:
            key = (scenario_key(s), seed)
            if key not in jobs and cache.get(s, seed) is None:
                jobs[key] = (s, seed)
    count = 0
    made: dict[tuple[str, int], CachedResults] = {}  # kept here too: a read-only cache stores nothing

    def finished(r: Results | Stored) -> None:
        nonlocal count
        if isinstance(r, Stored):
            key, r = (r.key, r.seed), cache.load(r)
            made[key] = r
        else:
            key = (scenario_key(r.scenario), int(r.seed))
            made[key] = cache.put(r)
        if key not in jobs:
            return  # a no-fund world stepped for its twin: kept, not one of the runs asked for
        count += 1
        if progress is not None:
            progress(count, len(jobs), f"{r.scenario.name}, seed {r.seed}")

    simulate(list(jobs.values()), workers, finished, cache.root)
    out = []
    for s in scenarios:
        key = scenario_key(s)
        runs = [cache.get(s, seed) or _renamed(made.get((key, seed)), s) for seed in seeds]
        out.append([r for r in runs if r is not None])
    return out


def _renamed(result: CachedResults | None, scenario: Scenario) -> CachedResults | None:
    return None if result is None else dataclasses.replace(result, scenario=scenario)


def counterfactual_runs(cache: RunCache, scenarios: Sequence[Scenario], results: Sequence[list[Results]],
                        seeds: Sequence[int], *, workers: int = 2, progress: Progress | None = None,
                        ) -> list[list[CachedResults]]:
    """Each scenario's no-fund counterfactual runs: a no-fund scenario is its own; otherwise
    the same world without the fund, read from (or added to) the cache."""
    from sim.scenario.worlds import world_key

    own = {world_key(s): rs for s, rs in zip(scenarios, results, strict=True) if not s.fund.enabled}
    need = [s.counterfactual() for s in scenarios if s.fund.enabled and world_key(s) not in own]
    extra = ensure_runs(cache, need, seeds, workers=workers, progress=progress) if need else []
    for s, rs in zip(need, extra, strict=True):
        own.setdefault(world_key(s), rs)
    return [rs if not s.fund.enabled else own[world_key(s)] for s, rs in zip(scenarios, results, strict=True)]


def default_cache_dir() -> Path:
    """Where runs are kept unless told otherwise: FUNDSIM_CACHE_DIR, else ~/.cache/fundsim (the
    app and `fundsim report` share it, so a report after the app reads the app's runs)."""
    return Path(os.environ.get("FUNDSIM_CACHE_DIR") or Path.home() / ".cache" / "fundsim")

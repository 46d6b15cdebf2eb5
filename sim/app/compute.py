"""Runs for the app, kept on disk so a warm start reads instead of simulating.

A run is stored at `<cache>/<code version>/<scenario key>/<seed>.pkl`. The scenario key hashes
every parameter except the name and description (an edited copy that ends up identical to a
preset reuses its runs); the code version hashes the engine's source, so a change to the model
never serves stale numbers. Files are written under a temporary name and renamed, so a page
stopped mid-run leaves only whole files, and the next run resumes from them."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import shutil
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sim.processes import process_pool
from sim.results import Results
from sim.scenario.schema import Scenario

PACKAGE = Path(__file__).resolve().parents[1]
CACHE_FORMAT = "app-results-1"  # bump when what is stored changes
# Source that cannot change a run's numbers (faces of the engine, and tools around it).
NOT_ENGINE = ("app/", "report/", "sweep/", "calibration/", "cli", "docs.py", "charts.py")
MEMORY_RUNS = 64
KEEP_VERSIONS = 3  # engine versions whose runs stay on disk
Progress = Callable[[int, int, str], None]  # (done, total, what) -> None


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the engine's source: every module that can change a run's numbers."""
    import sim

    h = hashlib.sha256((sim.__version__ + CACHE_FORMAT).encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(NOT_ENGINE):
            continue
        h.update(rel.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class AppResults(Results):
    """A run that keeps its horizon values and month-by-metric tables once computed: the KPI
    cards, paired differences, equity gaps and charts all read them, on every rerun of the page.
    They are stored with the run, so a warm start does not recompute them."""

    horizons: dict[tuple[str, str], pd.Series] = field(default_factory=dict, repr=False, compare=False)
    wides: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def horizon(self, sector: str = "all", group: str = "all") -> pd.Series:
        key = (sector, group)
        if key not in self.horizons:
            self.horizons[key] = super().horizon(sector, group)
        return self.horizons[key]

    def wide(self, sector: str = "all", group: str = "all") -> pd.DataFrame:
        """month x metric for one (sector, group) cell."""
        key = (sector, group)
        if key not in self.wides:
            m = self.metrics
            cell = m[(m.sector == sector) & (m.group == group)]
            self.wides[key] = cell.pivot(index="month", columns="metric", values="value").sort_index()
        return self.wides[key]

    def series(self, metric: str, sector: str = "all", group: str = "all") -> pd.Series:
        wide = self.wide(sector, group)
        if metric not in wide:
            return pd.Series(dtype=float, name="value")
        return wide[metric].rename("value")

    def prepare(self) -> AppResults:
        """Compute what the page reads: totals and each worker group."""
        for group in ["all", *sorted(g for g in self.metrics.group.unique() if g != "all")]:
            self.horizon("all", group)
            self.wide("all", group)
        return self


def _app(result: Results) -> AppResults:
    if isinstance(result, AppResults):
        return result
    return AppResults(**{f.name: getattr(result, f.name) for f in dataclasses.fields(Results)})


def scenario_key(scenario: Scenario) -> str:
    """Every parameter that changes a run (not the name or the description)."""
    data = scenario.model_dump(mode="json")
    data.pop("name", None)
    data.pop("description", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:20]


class RunCache:
    """Finished runs on disk, with the most recent also kept in memory."""

    def __init__(self, folder: Path, keep_versions: int = KEEP_VERSIONS) -> None:
        self.root = Path(folder) / code_version()
        self.memory: OrderedDict[tuple[str, int], AppResults] = OrderedDict()
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
        return self.root / key / f"{int(seed)}.pkl"

    def get(self, scenario: Scenario, seed: int) -> AppResults | None:
        key = scenario_key(scenario)
        hit = self.memory.get((key, seed))
        if hit is None:
            p = self.path(key, seed)
            if not p.is_file():
                return None
            try:
                with p.open("rb") as f:
                    hit = pickle.load(f)  # our own files, written by put() below
            except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
                p.unlink(missing_ok=True)  # a damaged file is simply run again
                return None
            hit = self._remember(key, seed, hit)
        self.memory.move_to_end((key, seed))
        return dataclasses.replace(hit, scenario=scenario)

    def put(self, result: Results) -> None:
        key = scenario_key(result.scenario)
        app = _app(result).prepare()
        target = self.path(key, result.seed)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as f:
                pickle.dump(app, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only cache only costs speed
        self._remember(key, result.seed, app)

    def _remember(self, key: str, seed: int, result: Results) -> AppResults:
        kept = self.memory[(key, seed)] = _app(result)
        while len(self.memory) > MEMORY_RUNS:
            self.memory.popitem(last=False)
        return kept

    def missing(self, scenarios: Sequence[Scenario], seeds: Sequence[int]) -> int:
        """How many runs are neither in memory nor on disk."""
        todo = {(scenario_key(s), int(seed)) for s in scenarios for seed in seeds}
        return sum(1 for k, seed in todo if (k, seed) not in self.memory and not self.path(k, seed).is_file())


def _simulate(jobs: list[tuple[Scenario, int]], workers: int, done: Callable[[Results], None]) -> None:
    """Run (scenario, seed) jobs, calling `done` as each finishes (in any order).

    Worker processes are forked: under Streamlit the page script is the `__main__` module, and a
    spawned worker would run the whole page again. If the page stops (a rerun), pending jobs are
    cancelled; finished ones are already stored."""
    from sim.runner import run  # the engine (and Mesa) load only when something must be simulated

    if workers <= 1 or len(jobs) <= 1:
        for scenario, seed in jobs:
            done(run(scenario, seed))
        return
    pool = process_pool(min(workers, len(jobs)))
    try:
        futures = [pool.submit(run, scenario, seed) for scenario, seed in jobs]
        for fut in as_completed(futures):
            done(fut.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def ensure_runs(cache: RunCache, scenarios: Sequence[Scenario], seeds: Sequence[int], *, workers: int = 2,
                progress: Progress | None = None) -> list[list[AppResults]]:
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

    def finished(r: Results) -> None:
        nonlocal count
        cache.put(r)
        count += 1
        if progress is not None:
            progress(count, len(jobs), f"{r.scenario.name}, seed {r.seed}")

    _simulate(list(jobs.values()), workers, finished)
    out = []
    for s in scenarios:
        runs = [cache.get(s, seed) for seed in seeds]
        out.append([r for r in runs if r is not None])
    return out


def counterfactual_runs(cache: RunCache, scenarios: Sequence[Scenario], results: Sequence[list[Results]],
                        seeds: Sequence[int], *, workers: int = 2, progress: Progress | None = None,
                        ) -> list[list[AppResults]]:
    """Each scenario's no-fund counterfactual runs: a no-fund scenario is its own; otherwise
    the same world without the fund, read from (or added to) the cache."""
    from sim.report.data import world_key

    own = {world_key(s): rs for s, rs in zip(scenarios, results, strict=True) if not s.fund.enabled}
    need = [s.counterfactual() for s in scenarios if s.fund.enabled and world_key(s) not in own]
    extra = ensure_runs(cache, need, seeds, workers=workers, progress=progress) if need else []
    for s, rs in zip(need, extra, strict=True):
        own.setdefault(world_key(s), rs)
    return [rs if not s.fund.enabled else own[world_key(s)] for s, rs in zip(scenarios, results, strict=True)]

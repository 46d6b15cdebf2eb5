"""Finished runs kept on disk, shared by the app and the reports, so a comparison seen before
is read instead of simulated.

A run is stored at `<cache>/<code version>/<scenario key>/<seed>.pkl`. The scenario key hashes
every parameter except the name and description (an edited copy that ends up identical to a
preset reuses its runs); the code version is the engine's source hash (sim.codehash), so a change
to the model never serves stale numbers, and two checkouts of different engine code sharing one
cache folder never see each other's runs. Each file starts with a checksum of its contents (a
damaged file is run again, never served). Files are written under a temporary name and renamed,
so a page stopped mid-run leaves only whole files, and the next run resumes from them. A cache
folder that cannot be written (read-only, or a file in the way) only costs speed."""

from __future__ import annotations

import contextlib
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
from typing import TYPE_CHECKING

import pandas as pd

from sim.codehash import engine_code
from sim.processes import process_pool, stop_pool
from sim.results import Results
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.engine.twin_store import TwinStore

CACHE_FORMAT = "cached-results-3"  # bump when what is stored changes
MAGIC = b"fundsim-run\n"  # then the sha256 of the pickle, then the pickle
MEMORY_RUNS = 64
KEEP_VERSIONS = 3  # engine versions whose runs stay on disk
Progress = Callable[[int, int, str], None]  # (done, total, what) -> None
# Runs yield the processor to the page that started them: an early answer is drawn, and the
# browser on the same machine paints it, while both cores simulate.
WORKER_NICENESS = 5


@lru_cache(maxsize=1)
def code_version() -> str:
    """The cache's folder name: the engine's source hash (sim.codehash) and the storage format."""
    return hashlib.sha256(f"{engine_code()}+{CACHE_FORMAT}".encode()).hexdigest()[:16]


@dataclass
class CachedResults(Results):
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

    def prepare(self) -> CachedResults:
        """Compute what the page reads: totals and each worker group."""
        for group in ["all", *sorted(g for g in self.metrics.group.unique() if g != "all")]:
            self.horizon("all", group)
            self.wide("all", group)
        return self


def _app(result: Results) -> CachedResults:
    if isinstance(result, CachedResults):
        return result
    return CachedResults(**{f.name: getattr(result, f.name) for f in dataclasses.fields(Results)})


def _read(path: Path) -> CachedResults | None:
    """A stored run, or None if there is none, or it cannot be trusted: a file that is damaged
    (its checksum does not match: a flipped byte is never served as a different number), of
    another format, or holds anything but a run. Such a file is removed and the run made again."""
    try:
        with path.open("rb") as f:
            raw = f.read()
    except OSError:  # missing, or the cache is unreadable: the run is simply made again
        return None
    body = raw[len(MAGIC) + 32:]
    ok = raw.startswith(MAGIC) and hashlib.sha256(body).digest() == raw[len(MAGIC):len(MAGIC) + 32]
    result: object = None
    if ok:
        try:
            result = pickle.loads(body)  # our own bytes, checked against the checksum we wrote
        except Exception:  # an unpicklable body (from an older fundsim, say)
            result = None
    if isinstance(result, Results):
        return _app(result)
    with contextlib.suppress(OSError):
        path.unlink()
    return None


def _write(target: Path, result: CachedResults) -> bool:
    """Store a run (checksum, then pickle), atomically; a read-only or broken cache folder only
    costs speed, never an error (False)."""
    body = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            f.write(MAGIC + hashlib.sha256(body).digest() + body)
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


def run_file(root: Path, key: str, seed: int) -> Path:
    """Where a run of scenario `key` on `seed` is kept under a cache's folder (`RunCache.root`)."""
    return root / key / f"{int(seed)}.pkl"


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
            loaded = _read(p)
            if loaded is None:
                return None
            hit = self._remember(key, seed, loaded)
        self.memory.move_to_end((key, seed))
        return dataclasses.replace(hit, scenario=scenario)

    def put(self, result: Results) -> CachedResults:
        key = scenario_key(result.scenario)
        app = _app(result).prepare()
        _write(self.path(key, result.seed), app)
        return self._remember(key, result.seed, app)

    def load(self, stored: Stored) -> CachedResults:
        """A run a worker process stored itself (see `_run_and_store`), read back."""
        loaded = _read(self.path(stored.key, stored.seed))
        if loaded is None:
            raise RuntimeError("a finished run could not be read back from the run cache "
                               f"({self.path(stored.key, stored.seed)}): was the folder removed meanwhile?")
        return self._remember(stored.key, stored.seed, loaded)

    def _remember(self, key: str, seed: int, result: Results) -> CachedResults:
        kept = self.memory[(key, seed)] = _app(result)
        while len(self.memory) > MEMORY_RUNS:
            self.memory.popitem(last=False)
        return kept

    def missing(self, scenarios: Sequence[Scenario], seeds: Sequence[int]) -> int:
        """How many runs are neither in memory nor on disk."""
        todo = {(scenario_key(s), int(seed)) for s in scenarios for seed in seeds}
        return sum(1 for k, seed in todo if (k, seed) not in self.memory and not _exists(self.path(k, seed)))


@dataclass(frozen=True)
class Stored:
    """A run a worker process wrote to the cache itself: the main process reads the file back,
    which costs it a fraction of receiving the run and storing it (it serves the page meanwhile)."""

    key: str
    seed: int


def _run_and_store(fn: Callable[..., list[Results]], args: tuple, root: Path) -> list[Results | Stored]:
    """Run a task in a worker and store its runs under `root` (a cache's folder); a run that could
    not be stored (a read-only cache) is sent back whole."""
    out: list[Results | Stored] = []
    for r in fn(*args):
        app = _app(r).prepare()
        key = scenario_key(r.scenario)
        out.append(Stored(key, int(r.seed)) if _write(run_file(root, key, r.seed), app) else app)
    return out


def _exists(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a cache folder that is not searchable
        return False


def _simulate(jobs: list[tuple[Scenario, int]], workers: int, done: Callable[[Results | Stored], None],
              root: Path) -> None:
    """Run (scenario, seed) jobs, calling `done` as each finishes (in any order); runs made in
    worker processes are stored there under `root` (the cache's folder) and handed over as
    `Stored`.

    Scenarios of one no-fund world share its run on each seed: the world is stepped once, its
    months written to memory-backed files (sim.engine.twin_stream), and each fund run reads them,
    in another worker, side by side with the world (the first answer waits for the longer run,
    not for both). The traces are kept (sim.engine.twin_store), so a later fund run of the same
    world and seed, such as an edited proposal, reads its twin instead of stepping the world
    again. A world stepped only for its twin is handed to `done` too (as the scenario's
    counterfactual), so its run is kept. Where no trace can be kept (no room), the jobs of a world
    and seed run together in one worker (run_shared), as before.

    Worker processes are forked: under Streamlit the page script is the `__main__` module, and a
    spawned worker would run the whole page again. If the page stops (a rerun), runs in progress
    are stopped and pending ones cancelled; finished ones are already stored."""
    if not jobs:
        return
    # The engine (and Mesa) load only when something must be simulated.
    from sim.engine import twin_store

    store = twin_store.store()
    plan, worlds = _plan(jobs, store)
    try:
        if workers <= 1 or len(plan) <= 1:
            for fn, args in plan:
                for r in fn(*args):
                    done(r)
            return
        _in_pool(plan, worlds, min(workers, len(plan)), done, root)
    finally:
        store.trim()


Task = tuple[Callable[..., list[Results]], tuple]


def _plan(jobs: list[tuple[Scenario, int]], store: TwinStore) -> tuple[list[Task], dict[int, int]]:
    """The tasks for `jobs`: per world and seed, the world (unless its whole trace is kept and its
    own run is not asked for), then its fund runs reading its trace; run_shared where no trace can
    be kept. Also each fund task's world task (by place in the plan).

    Order: the first seed's world and fund runs first, side by side (the first answer); after
    that each world goes one seed ahead of the fund runs that read it, so those mostly read a
    whole trace rather than wait on it, and the last two tasks are fund runs that finish
    together rather than one core idling while the other ends alone."""
    from sim.engine import twin_stream
    from sim.engine.runner import run_shared
    from sim.scenario.worlds import world_key

    groups: dict[tuple[str, int], list[Scenario]] = {}
    for scenario, seed in jobs:
        groups.setdefault((world_key(scenario), seed), []).append(scenario)
    plan: list[Task] = []
    worlds: dict[int, int] = {}  # a fund task's place in the plan -> its world task's
    held: list[tuple[Task, int | None]] = []  # the previous world's fund runs, with their world's place

    def put_held() -> None:
        for task, at in held:
            if at is not None:
                worlds[len(plan)] = at
            plan.append(task)
        held.clear()

    for g, ((world, seed), scenarios) in enumerate(groups.items()):
        funds = [s for s in scenarios if s.fund.enabled]
        own = next((s for s in scenarios if not s.fund.enabled), None)  # the world's run, if asked for
        folder = store.finished(world, seed) if own is None else None
        at = None  # the world task's place in the plan
        if folder is None and funds:
            w = own or funds[0]
            folder = store.reserve(world, seed, w.horizon_months, w.region.n_workers, w.region.n_firms)
            if folder is not None:
                at = len(plan)
                plan.append((twin_stream.world_task, (w, seed, folder)))
        put_held()  # the previous world's fund runs, now that this world is under way
        if folder is None:  # no fund run, or no room for a trace
            plan.append((run_shared, (scenarios, seed, True)))
            continue
        # One task for all of the world's fund runs: the pipe's bytes are for one reader (two
        # readers would split them and each would think the world stopped early).
        held.append(((twin_stream.fund_task, (funds, seed, folder)), at))
        if g == 0:  # the first answer: the first world's fund runs at once, beside it
            put_held()
    put_held()
    return plan, worlds


def _in_pool(plan: list[Task], worlds: dict[int, int], workers: int,
             done: Callable[[Results | Stored], None], root: Path) -> None:
    """The plan's tasks in worker processes, in order (a fund run's world is always taken before
    it, so a fund run never waits for a world that has not started)."""
    from sim.engine.twin_stream import TwinStopped

    pool = process_pool(workers, niceness=WORKER_NICENESS)
    try:
        futures = [pool.submit(_run_and_store, fn, args, root) for fn, args in plan]
        place = {f: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            error = fut.exception()
            world = futures[worlds[place[fut]]] if place[fut] in worlds else None
            if isinstance(error, TwinStopped) and world is not None and world.exception() is not None:
                raise world.exception()  # type: ignore[misc]  # the world's own error explains it
            for r in fut.result():
                done(r)
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()


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

    _simulate(list(jobs.values()), workers, finished, cache.root)
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

"""How missing runs are scheduled on worker processes: per world and seed, the no-fund world and
the fund runs that read its months side by side (sim.engine.twin_stream), each worker storing its
own runs in the cache's folder (sim.runstore) and handing back only where they are."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import as_completed
from pathlib import Path
from typing import TYPE_CHECKING

from sim.processes import process_pool, stop_pool
from sim.results import Results
from sim.runstore import Stored, as_cached, run_file, scenario_key, write_run
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.engine.twin_store import TwinStore

# Runs yield the processor to the page that started them: an early answer is drawn, and the
# browser on the same machine paints it, while both cores simulate.
WORKER_NICENESS = 5
Task = tuple[Callable[..., list[Results]], tuple]


def _run_and_store(fn: Callable[..., list[Results]], args: tuple, root: Path) -> list[Results | Stored]:
    """Run a task in a worker and store its runs under `root` (a cache's folder); a run that could
    not be stored (a read-only cache) is sent back whole."""
    out: list[Results | Stored] = []
    for r in fn(*args):
        app = as_cached(r).prepare()
        key = scenario_key(r.scenario)
        out.append(Stored(key, int(r.seed)) if write_run(run_file(root, key, r.seed), app) else app)
    return out


def simulate(jobs: list[tuple[Scenario, int]], workers: int, done: Callable[[Results | Stored], None],
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
    tasks, worlds = plan(jobs, store)
    try:
        if workers <= 1 or len(tasks) <= 1:
            for fn, args in tasks:
                for r in fn(*args):
                    done(r)
            return
        _in_pool(tasks, worlds, min(workers, len(tasks)), done, root)
    finally:
        store.trim()


def plan(jobs: list[tuple[Scenario, int]], store: TwinStore) -> tuple[list[Task], dict[int, int]]:
    """The tasks for `jobs`: per world and seed, the world (unless its whole trace is kept and its
    own run is not asked for), then its fund runs reading its trace; run_shared where no trace can
    be kept. Also each fund task's world task (by place in the tasks).

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
    tasks: list[Task] = []
    worlds: dict[int, int] = {}  # a fund task's place in the tasks -> its world task's
    held: list[tuple[Task, int | None]] = []  # the previous world's fund runs, with their world's place

    def put_held() -> None:
        for task, at in held:
            if at is not None:
                worlds[len(tasks)] = at
            tasks.append(task)
        held.clear()

    for g, ((world, seed), scenarios) in enumerate(groups.items()):
        funds = [s for s in scenarios if s.fund.enabled]
        own = next((s for s in scenarios if not s.fund.enabled), None)  # the world's run, if asked for
        folder = store.finished(world, seed) if own is None else None
        at = None  # the world task's place in the tasks
        if folder is None and funds:
            w = own or funds[0]
            folder = store.reserve(world, seed, w.horizon_months, w.region.n_workers, w.region.n_firms)
            if folder is not None:
                at = len(tasks)
                tasks.append((twin_stream.world_task, (w, seed, folder)))
        put_held()  # the previous world's fund runs, now that this world is under way
        if folder is None:  # no fund run, or no room for a trace
            tasks.append((run_shared, (scenarios, seed, True)))
            continue
        # One task for all of the world's fund runs: the pipe's bytes are for one reader (two
        # readers would split them and each would think the world stopped early).
        held.append(((twin_stream.fund_task, (funds, seed, folder)), at))
        if g == 0:  # the first answer: the first world's fund runs at once, beside it
            put_held()
    put_held()
    return tasks, worlds


def _in_pool(tasks: list[Task], worlds: dict[int, int], workers: int,
             done: Callable[[Results | Stored], None], root: Path) -> None:
    """The planned tasks in worker processes, in order (a fund run's world is always taken before
    it, so a fund run never waits for a world that has not started)."""
    from sim.engine.twin_stream import TwinStopped

    pool = process_pool(workers, niceness=WORKER_NICENESS)
    try:
        futures = [pool.submit(_run_and_store, fn, args, root) for fn, args in tasks]
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

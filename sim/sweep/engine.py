"""Running a sweep: every (point, seed) on local processes or an existing Dask cluster.

Both engines call the same pure function, `execute(task)`, and hand its table back to this
process, which alone writes files (Dask workers need not share a disk with it). So a run's file
is the same whichever engine ran it, and whichever order runs finish in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.codehash import engine_code
from sim.processes import process_pool, stop_pool, usable_cores
from sim.results import horizon_cells
from sim.scenario.schema import Scenario
from sim.sweep import store
from sim.sweep.design import make_points
from sim.sweep.spec import Plan

Progress = Callable[[int, int], None]  # (finished now, total to run)


@dataclass(frozen=True)
class RunTask:
    run_id: str
    seed: int
    params: dict[str, Any]
    scenario: Scenario
    outcomes: tuple[str, ...]


@dataclass
class SweepReport:
    total: int
    skipped: int
    damaged: int = 0  # run files found damaged, run again
    ran: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def execute(task: RunTask) -> pd.DataFrame:
    """Run one (point, seed): the horizon value of every metric, for the totals and for every
    sector and worker group the run reports (so equity can be studied across a sweep), and the
    monthly series of the kept outcomes (sector and group `all`), tagged with the run id, the
    seed and the parameter values."""
    res = sim.run(task.scenario, task.seed)
    m = res.metrics
    horizon = horizon_cells(m)
    cells = [("all", "all"), *sorted(c for c in horizon if c != ("all", "all"))]
    parts = []
    for sector, group in cells:
        h = horizon[(sector, group)]
        parts.append(pd.DataFrame({"month": pd.array([pd.NA] * len(h), dtype="Int64"), "metric": h.index,
                                   "sector": sector, "group": group, "value": h.to_numpy(dtype=float)}))
    monthly = m[m.metric.isin(task.outcomes) & (m.sector == "all") & (m.group == "all")]
    parts.append(monthly[["month", "metric", "sector", "group", "value"]].astype({"month": "Int64"}))
    frame = pd.concat(parts, ignore_index=True)
    frame["value"] = frame["value"].astype(float)
    frame.insert(0, "seed", int(task.seed))
    frame.insert(0, "run_id", task.run_id)
    for path, value in task.params.items():  # a whole section or rule list is stored as JSON text
        frame[path] = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value
    return frame


RUN_FORMAT = "run-2"  # bump when what a run file holds changes


def model_version(plan: Plan) -> str:
    """What made the runs: the engine's source hash, the run file format and the base scenario."""
    return f"{engine_code()}+{RUN_FORMAT}+{plan.base.digest()}"


def build(plan: Plan) -> tuple[dict[str, Any], list[RunTask]]:
    """The manifest (spec, design points, run ids) and one task per distinct run."""
    points = make_points(plan)
    version = model_version(plan)
    outcomes = tuple(plan.spec.outcomes)
    runs, tasks, seen = [], [], set()
    for i, (values, key, scenario) in enumerate(zip(points.values, points.keys, points.scenarios,
                                                    strict=True)):
        for seed in plan.seeds:
            rid = store.run_id(key, seed, version)
            runs.append({"run_id": rid, "point": i, "seed": seed})
            if rid not in seen:
                seen.add(rid)
                tasks.append(RunTask(rid, seed, values, scenario, outcomes))
    manifest = {
        "format": 1, "name": plan.name, "spec_file": plan.source, "sweep_digest": plan.digest(),
        "model_version": version, "engine_code": engine_code(), "spec": plan.spec.model_dump(mode="json"),
        "base_scenario": plan.base.model_dump(mode="json"),
        "factors": [{"path": f.path, "role": f.role, "unit": f.unit, "integer": f.integer,
                     "levels": list(f.levels) if f.levels is not None else None,
                     "low": f.low, "high": f.high} for f in plan.factors],
        "design": plan.spec.design, "seeds": plan.seeds, "outcomes": list(outcomes),
        **({"policies": plan.policies} if plan.policies else {}),
        "points": [{"point": i, "params": v, **({"unit": [float(x) for x in points.unit[i]]}
                                                 if points.unit is not None else {})}
                   for i, v in enumerate(points.values)],
        "runs": runs,
    }
    return manifest, tasks


def local_workers(asked: int | None) -> int:
    """Local worker processes: as asked, but never more than the cores (more only adds overhead)."""
    cores = usable_cores()
    return cores if asked is None else max(1, min(asked, cores))


# --- engines: each yields (task, table or exception) as runs finish --------------------------------

Outcome = tuple[RunTask, "pd.DataFrame | BaseException"]


def local_engine(tasks: list[RunTask], workers: int) -> Iterator[Outcome]:
    if workers <= 1 or len(tasks) <= 1:
        for t in tasks:
            try:
                yield t, execute(t)
            except Exception as e:
                yield t, e
        return
    import sim.engine.runner  # noqa: F401  imported before the pool starts, so forked workers start warm

    pool = process_pool(min(workers, len(tasks)))
    try:
        pending: dict[Future[pd.DataFrame], RunTask] = {pool.submit(execute, t): t for t in tasks}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                task = pending.pop(fut)
                try:
                    yield task, fut.result()
                except BrokenProcessPool:
                    raise store.SweepError("a worker process died (out of memory, or killed); the runs "
                                           "already finished are saved: rerun the same command to resume"
                                           ) from None
                except Exception as e:
                    yield task, e
    except BaseException:
        stop_pool(pool)  # interrupted: runs in progress would only be thrown away
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def dask_engine(tasks: list[RunTask], address: str, connect_timeout: float = 15.0) -> Iterator[Outcome]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise store.SweepError("--scheduler needs Dask: pip install 'fundsim[sweep]'") from None
    try:
        client = Client(address, timeout=f"{connect_timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise store.SweepError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    try:
        futures = {client.submit(execute, t, key=f"fundsim-run-{t.run_id}", pure=False): t for t in tasks}
        for fut in as_completed(list(futures), loop=client.loop):
            task = futures[fut]
            try:
                yield task, fut.result()
            except Exception as e:
                yield task, e
            fut.release()
    finally:
        client.close()


# --- the sweep ------------------------------------------------------------------------------------

def _compatible(folder: Path, manifest: dict[str, Any], fresh: bool) -> None:
    """Refuse to resume another sweep, or this sweep with runs made by other engine code."""
    if not (folder / store.MANIFEST).exists():
        return
    try:
        old = store.read_manifest(folder)
    except store.SweepError:
        return  # a damaged manifest is written anew: run ids alone say which files are this sweep's
    if old.get("engine_code") != manifest["engine_code"]:
        done = len(store.done_ids(folder))
        if fresh or not done:
            store.discard_runs(folder)
            return
        raise store.SweepError(
            f"{folder} holds {done} run(s) made by other engine code (engine "
            f"{old.get('engine_code', 'unknown')}, now {manifest['engine_code']}): the model changed since "
            "this sweep started, and mixing runs of two models would give wrong results. Add --fresh to "
            "discard those runs and start over, or use another --out folder")
    if old.get("sweep_digest") != manifest["sweep_digest"]:
        raise store.SweepError(
            f"{folder} holds another sweep ({old.get('name')}, digest {old.get('sweep_digest')}; this one is "
            f"{manifest['sweep_digest']}): the spec, its base scenario or fundsim changed since it "
            "started. Use another --out folder, or delete this one to start over")


def run_sweep(plan: Plan, folder: Path, *, workers: int | None = None, scheduler: str | None = None,
              progress: Progress | None = None, connect_timeout: float = 15.0, fresh: bool = False,
              ) -> SweepReport:
    """Run every (point, seed) not yet on disk; returns what was done. Resumable at any moment.
    `fresh`: discard runs made by other engine code instead of refusing to resume."""
    t0 = time.perf_counter()
    manifest, tasks = build(plan)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / store.RUNS).mkdir(exist_ok=True)
    with store.locked(folder):
        _compatible(folder, manifest, fresh)
        store.clean_temporaries(folder)
        done, bad = store.runfiles.scan(folder / store.RUNS)
        todo = [t for t in tasks if t.run_id not in done]
        report = SweepReport(total=len(tasks), skipped=len(tasks) - len(todo),
                             damaged=len(set(bad) & {t.run_id for t in tasks}))
        store.write_manifest(folder, {**manifest, "state": "running", "failed": []})
        state = "interrupted"
        try:
            if progress:
                progress(0, len(todo))
            engine = (dask_engine(todo, scheduler, connect_timeout) if scheduler
                      else local_engine(todo, local_workers(workers)))
            for task, result in engine:
                if isinstance(result, BaseException):
                    report.failed.append({"run_id": task.run_id, "seed": str(task.seed),
                                          "params": str(task.params),
                                          "error": f"{type(result).__name__}: {result}"})
                else:
                    store.write_run(folder, task.run_id, result)
                    report.ran += 1
                if progress:
                    progress(report.ran + len(report.failed), len(todo))
            state = "failed" if report.failed else "complete"
        finally:
            store.write_manifest(folder, {**manifest, "state": state, "failed": report.failed})
    report.seconds = time.perf_counter() - t0
    return report

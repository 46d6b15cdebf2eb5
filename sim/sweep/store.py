"""Storage that loses nothing: one Parquet file per finished run, plus `manifest.json`.

`DIR/runs/<run_id>.parquet` is written to a temporary name in the same folder, flushed to disk
and renamed over (os.replace is atomic), so a reader, Ctrl-C, a crashed worker or SIGKILL only
ever leaves whole files; each has a checksum of its bytes beside it (sim.sweep.runfiles), so a file
damaged later is detected and run again. A run id hashes the run's parameter values, its seed and
the model version (the engine's source hash, the run format and the base scenario's digest):
rerunning skips finished runs, and two points that happen to share parameters share one run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario.errors import Problem, ScenarioError
from sim.sweep import runfiles
from sim.sweep.manifest import manifest_shape_problems

MANIFEST = "manifest.json"
RUNS = "runs"
LOCK = ".lock"
TMP_PREFIX = runfiles.TMP_PREFIX
BASE_COLUMNS = ["run_id", "seed", "month", "metric", "sector", "group", "value"]


class SweepError(Exception):
    """A sweep could not go on (not the user's input): exit 1 with this message."""


def run_id(params: dict[str, Any], seed: int, model_version: str) -> str:
    text = json.dumps({"params": params, "seed": int(seed), "model": model_version},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], None], *, sync_dir: bool = True) -> Path:
    """Write through `write(tmp)` to a temporary name beside `path`, fsync, then rename: a crash
    leaves the old file or the new one, never half of one (temporaries are cleaned on resume)."""
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_dir:
        _fsync_dir(path.parent)
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def write_run(folder: Path, rid: str, frame: pd.DataFrame) -> Path:
    """Write one run's table atomically as runs/<rid>.parquet, with its checksum."""
    target = folder / RUNS / f"{rid}.parquet"
    return runfiles.write(target, frame, atomic_write)


def done_ids(folder: Path) -> set[str]:
    """The runs whose files are whole (checked against their checksums)."""
    return runfiles.scan(folder / RUNS)[0]


def damaged(folder: Path) -> dict[str, str]:
    """{run id: why} for run files that are not whole: they count as not done."""
    return runfiles.scan(folder / RUNS)[1]


def discard_runs(folder: Path) -> int:
    """Remove every run file (a fresh start in the same folder)."""
    runs = folder / RUNS
    return runfiles.remove(list(runs.glob("*.parquet")) if runs.is_dir() else [])


def clean_temporaries(folder: Path) -> int:
    """Remove temporary files a killed sweep left behind (never whole runs)."""
    n = 0
    for p in (folder / RUNS).glob(f"{TMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One sweep at a time per folder: a second one would only duplicate work.

    A POSIX record lock (lockf), not flock: forked pool workers do not inherit it, and the kernel
    drops it the moment the owning process dies, however it dies, so a killed sweep never leaves
    the folder locked."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            raise SweepError(f"another sweep is running in {folder} (it holds {folder / LOCK}); "
                             "wait for it or stop it first") from None
        yield
    finally:
        os.close(fd)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, checked to have the shape every reader relies on (SweepError if not)."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ScenarioError([Problem("DIR", f"no sweep here ({MANIFEST} not found)", str(folder))])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise SweepError(f"{path}: not a readable manifest ({type(e).__name__}: {str(e)[:200]})") from None
    wrong = manifest_shape_problems(data)
    if wrong:
        raise SweepError(f"{path}: not a fundsim sweep manifest ({'; '.join(wrong)}); rerun the sweep "
                         "command to write it again, or use another folder")
    return data


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    manifest = {**manifest, "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    atomic_write_bytes(folder / MANIFEST, json.dumps(manifest, indent=1, default=str).encode())


def status(folder: Path) -> dict[str, Any]:
    """Done and remaining runs, read from the files on disk (the truth after any crash)."""
    m = read_manifest(folder)
    wanted = {r["run_id"] for r in m["runs"]}
    good, bad = runfiles.scan(folder / RUNS)
    done = good & wanted
    failed = {f["run_id"] for f in m.get("failed", [])} - done
    return {"name": m.get("name"), "total": len(wanted), "done": len(done),
            "remaining": len(wanted) - len(done), "failed": len(failed), "state": m.get("state"),
            "points": len(m["points"]), "seeds": len(m["seeds"]), "damaged": len(set(bad) & wanted)}


def points_frame(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per design point: point, then one column per varied parameter."""
    return pd.DataFrame([{"point": p["point"], **p["params"]} for p in manifest["points"]])


def load(folder: str | os.PathLike[str], kind: str = "all") -> pd.DataFrame:
    """Every finished run as one tidy DataFrame: point, run_id, seed, month, metric, sector,
    group, value, then one column per varied parameter.

    `month` is <NA> on the horizon rows (one value per metric over the whole horizon: flows
    summed, stocks at the end, rates over the horizon); other rows are the monthly series of the
    spec's outcomes. kind: "all", "horizon" (horizon rows only) or "monthly"."""
    if kind not in ("all", "horizon", "monthly"):
        raise ValueError(f"kind must be 'all', 'horizon' or 'monthly', not {kind!r}")
    folder = Path(folder)
    m = read_manifest(folder)
    names = [f["path"] for f in m["factors"]]
    frames = []
    for rid in sorted({r["run_id"] for r in m["runs"]}):
        path = folder / RUNS / f"{rid}.parquet"
        if not path.is_file():
            continue
        try:
            f = runfiles.read(path)
        except runfiles.DamagedRun:
            continue  # left out (`status` counts it, the next run of the sweep redoes it)
        if kind == "horizon":
            f = f[f["month"].isna()]
        elif kind == "monthly":
            f = f[f["month"].notna()]
        frames.append(f)
    columns = ["point", *BASE_COLUMNS, *names]
    if not frames:
        return pd.DataFrame(columns=columns)
    runs = pd.concat(frames, ignore_index=True)
    index = pd.DataFrame([{"point": r["point"], "run_id": r["run_id"]} for r in m["runs"]])
    out = index.merge(runs, on="run_id", how="inner")
    return out.reindex(columns=columns).sort_values(["point", "seed", "metric", "month"],
                                                    kind="stable", ignore_index=True)

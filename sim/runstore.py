"""How one finished run is kept on disk: its file (`<cache>/<code version>/<scenario key>/<seed>.pkl`),
its checksummed format, and the scenario key and code version that name it. Shared by the run
cache (sim.runcache) and the worker processes that store their own runs (sim.runplan)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sim.codehash import engine_code
from sim.results import Results, aggregate
from sim.scenario.schema import Scenario

CACHE_FORMAT = "cached-results-3"  # bump when what is stored changes
MAGIC = b"fundsim-run\n"  # then the sha256 of the pickle, then the pickle


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
        """`Results.horizon`, from the cell's month-by-metric table (kept anyway): the same
        numbers (tested on every preset's cells) for a third of the time of a second pivot."""
        key = (sector, group)
        if key not in self.horizons:
            self.horizons[key] = aggregate(self.wide(sector, group))
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


def as_cached(result: Results) -> CachedResults:
    if isinstance(result, CachedResults):
        return result
    return CachedResults(**{f.name: getattr(result, f.name) for f in dataclasses.fields(Results)})


def read_run(path: Path) -> CachedResults | None:
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
        return as_cached(result)
    with contextlib.suppress(OSError):
        path.unlink()
    return None


def write_run(target: Path, result: CachedResults) -> bool:
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


@dataclass(frozen=True)
class Stored:
    """A run a worker process wrote to the cache itself: the main process reads the file back,
    which costs it a fraction of receiving the run and storing it (it serves the page meanwhile)."""

    key: str
    seed: int


def exists(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a cache folder that is not searchable
        return False

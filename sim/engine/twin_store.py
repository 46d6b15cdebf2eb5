"""The no-fund worlds' traces this process has recorded, kept in memory-backed files
(sim.engine.twin_stream), so that a later fund run of the same world and seed (an edited proposal,
another proposal) reads its twin instead of stepping the world again: after an edit, each seed
costs one run, not two.

Bounded: beyond MAX_TRACES the least recently used are dropped. Each reservation gets a folder of
its own, so a world process left running by a stopped page can never mark a newer trace of the
same world and seed as written. The folders go with the process (removed at exit, or by the next
fundsim process if this one was killed)."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path

from sim.engine import twin_stream

MAX_TRACES = 24  # about 12 MB each at 20,000 people over 120 months: 300 MB of memory at most


class TwinStore:
    def __init__(self) -> None:
        self.limit = MAX_TRACES
        self.folder = twin_stream.new_folder()
        self.traces: OrderedDict[str, Path] = OrderedDict()

    @staticmethod
    def key(world: str, seed: int) -> str:
        return f"{world}-{int(seed)}"

    def finished(self, world: str, seed: int) -> Path | None:
        """The folder of a whole trace of this world and seed, if one is kept."""
        key = self.key(world, seed)
        path = self.traces.get(key)
        if path is None or not (path / twin_stream.DONE).exists():
            return None
        self.traces.move_to_end(key)
        return path

    def reserve(self, world: str, seed: int, months: int, people: int, firms: int) -> Path | None:
        """A new folder for this world and seed's trace (replacing any kept one), or None if there
        is no room for it (the caller then steps the twin the old way)."""
        key = self.key(world, seed)
        self._drop(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=self.folder))
        except OSError:
            return None
        try:
            twin_stream.create(path, months, people, firms)
        except OSError:
            shutil.rmtree(path, ignore_errors=True)
            return None
        self.traces[key] = path
        return path

    def trim(self) -> None:
        """Drop the least recently used traces beyond the limit (after a batch of runs: the
        batch's own traces are the most recent)."""
        while len(self.traces) > self.limit:
            self._drop(next(iter(self.traces)))

    def _drop(self, key: str) -> None:
        path = self.traces.pop(key, None)
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.traces.clear()


_STORE: dict[int, TwinStore] = {}


def store() -> TwinStore:
    """This process's store (a forked child gets its own, never its parent's)."""
    pid = os.getpid()
    if pid not in _STORE:
        _STORE[pid] = TwinStore()
        atexit.register(_close, pid)
    return _STORE[pid]


def _close(pid: int) -> None:
    if os.getpid() == pid:  # atexit handlers are inherited by forked children: only the owner removes
        with contextlib.suppress(KeyError):
            _STORE.pop(pid).close()

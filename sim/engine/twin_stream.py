"""A seed's no-fund world and the fund runs that read its twin trace, side by side in two
processes instead of one after the other.

The world's process writes its trace into files both processes map (`mapped_trace`), and after
each month sends one byte down a named pipe (`Signal`); the fund run reads month t only after the
t-th byte (`StreamedTwin`). The pipe's write and read order the two processes' memory, so the fund
run never reads a month before it is whole, on any processor. What the fund run reads is the same
trace `run_shared` records, at the same months: results are identical.

The first answer of a comparison then waits for the longer of the two runs rather than their sum
(the app's first seed). If the world's process never connects (it was not started), the fund run
steps its own twin instead (the same results, at the old speed); if it stops midway, the fund run
stops with an error naming it."""

from __future__ import annotations

import contextlib
import errno
import os
import select
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.engine.counterfactual import TwinTrace, unpack_state, world_key
from sim.results import Results
from sim.scenario.schema import Scenario

CONNECT_SECONDS = 10.0  # how long a fund run waits for its world's process to start writing
FIFO, DONE = "months.fifo", "done"  # the pipe; a file the world's process leaves once every month is written
MONTHLY = ("earnings", "state", "unemployed", "surplus", "tuition", "outside")  # TwinTrace's rows by month


class TwinStopped(RuntimeError):
    """The world's process stopped before it wrote every month."""


class TwinNotStarted(RuntimeError):
    """The world's process did not start writing within CONNECT_SECONDS."""


def root() -> Path:
    """Where streamed traces are kept: in memory where the system has it (/dev/shm)."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


def new_folder() -> Path:
    """A private folder for one streamed trace. Folders left by a process that was killed before
    it could remove them are removed here."""
    base = root()
    for old in base.glob("fundsim-twin-*"):
        pid = old.name.split("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"fundsim-twin-{os.getpid()}-", dir=base))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def create(folder: Path, months: int, people: int, firms: int) -> None:
    """Make the trace's files (zeros, at full size) and the pipe, before either process starts.
    The files' space is claimed now (OSError if there is none), so a full memory disk is an
    error here, not a crash (SIGBUS) of the process writing into the mapped file later."""
    blank = TwinTrace.empty("", 0, months, people, firms)  # the dtypes and shapes (zeros cost no memory)
    for name in MONTHLY:
        path, like = folder / f"{name}.npy", getattr(blank, name)
        np.lib.format.open_memmap(path, mode="w+", dtype=like.dtype, shape=like.shape).flush()
        fd = os.open(path, os.O_RDWR)
        try:
            if hasattr(os, "posix_fallocate"):
                os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
        finally:
            os.close(fd)
    os.mkfifo(folder / FIFO)


def mapped_trace(folder: Path, world: str, seed: int, writable: bool) -> TwinTrace:
    """The trace in `folder` (see `create`), mapped: the world's process writes it, fund runs read it."""
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r+" if writable else "r") for name in MONTHLY}
    return TwinTrace(world=world, seed=int(seed), final_status=np.zeros(arrays["state"].shape[1], np.int8),
                     **arrays)


class Signal:
    """The world's side of the pipe: one byte per finished month. Writing never blocks or fails
    the world's run: before a fund run opens the pipe the bytes are held back; if it goes away,
    signalling stops."""

    def __init__(self, folder: Path) -> None:
        self.path, self.fd, self.owed, self.gone = folder / FIFO, -1, 0, False

    def month_done(self) -> None:
        self.owed += 1
        if self.gone:
            return
        if self.fd < 0:
            try:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:  # ENXIO: no reader yet; anything else: nobody will read
                if e.errno != errno.ENXIO:
                    self.gone = True
                return
        try:
            self.owed -= os.write(self.fd, b"\x01" * self.owed)
        except BlockingIOError:
            pass
        except OSError:  # the fund run's process went away: keep running the world
            self.gone = True

    def close(self) -> None:
        if self.fd >= 0:
            if self.owed and not self.gone:  # a reader that connected late gets what it is owed
                with contextlib.suppress(OSError):
                    os.set_blocking(self.fd, True)
                    os.write(self.fd, b"\x01" * self.owed)
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


class StreamedTwin:
    """What `run` reads of the twin (like TwinTrace), each month once the world has written it."""

    def __init__(self, folder: Path, world: str, seed: int, months: int) -> None:
        self.trace = mapped_trace(folder, world, seed, writable=False)
        self.done = folder / DONE
        self.world, self.seed, self.months = world, int(seed), months
        self.ready, self.connected = 0, False
        self.fd = os.open(folder / FIFO, os.O_RDONLY | os.O_NONBLOCK)

    def connect(self) -> None:
        """Wait until the world's process is writing (its first month), or raise TwinNotStarted."""
        self._wait(1, deadline=time.monotonic() + CONNECT_SECONDS)

    def _wait(self, month: int, deadline: float | None = None) -> None:
        # Until a writer has connected, select() does not wake for end of file (Linux reports a
        # hang-up only for a writer that came and went), so poll briefly and look for the file
        # a finished world leaves.
        while self.ready < month:
            if not self.connected and self.done.exists():  # the world finished before we opened
                self._drain()
                self.connected, self.ready = True, self.months
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise TwinNotStarted("the no-fund world's process did not start within "
                                     f"{CONNECT_SECONDS:g} s")
            readable, _, _ = select.select([self.fd], [], [], 60.0 if self.connected else 0.005)
            got = os.read(self.fd, 4096) if readable else None
            if got:
                self.connected = True
                self.ready += len(got)
            elif got is not None and self.connected:  # end of file: the writer closed the pipe early
                raise TwinStopped(f"the no-fund world's process stopped after month {self.ready} of "
                                  f"{self.months}")
            # else: no writer yet, or a slow month on a loaded machine; keep waiting

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while os.read(self.fd, 4096):
                pass

    def month(self, month: int) -> tuple[np.ndarray, int, np.ndarray, float, float]:
        self._wait(month)
        return self.trace.month(month)

    def people(self, month: int) -> tuple[np.ndarray, np.ndarray]:
        self._wait(month)
        return self.trace.people(month)

    @property
    def final_status(self) -> np.ndarray:
        """Each person's status in the world's last month (what TwinTrace keeps as final_status)."""
        self._wait(self.months)
        return np.ascontiguousarray(unpack_state(self.trace.state[self.months - 1])[0])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def world_task(scenario: Scenario, seed: int, folder: Path) -> list[Results]:
    """Run a no-fund world (see run_world), writing its trace into `folder` month by month."""
    from sim.engine.runner import run_world

    trace = mapped_trace(folder, world_key(scenario), seed, writable=True)
    signal = Signal(folder)
    try:
        result, _ = run_world(scenario, seed, trace=trace, on_month=signal.month_done)
        for name in MONTHLY:
            getattr(trace, name).flush()
        (folder / DONE).touch()
    finally:
        signal.close()
    return [result]


def fund_task(scenarios: list[Scenario], seed: int, folder: Path) -> list[Results]:
    """Run scenarios of one world with a fund, reading the world's trace as `world_task` writes it.
    If that process never starts, each run steps its own twin (identical results)."""
    from sim.engine.runner import run

    twin = StreamedTwin(folder, world_key(scenarios[0]), seed, scenarios[0].horizon_months)
    try:
        try:
            twin.connect()
        except TwinNotStarted:
            return [run(s, seed) for s in scenarios]
        return [run(s, seed, twin=twin) if s.outputs.counterfactual else run(s, seed) for s in scenarios]
    finally:
        twin.close()

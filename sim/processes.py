"""The one way fundsim starts local worker processes (runs by seed, sweeps, the app).

Workers die with the process that started them: on Linux each forked worker asks the kernel for
SIGKILL when its parent goes (prctl PR_SET_PDEATHSIG), so killing only the main process (kill -9,
or the SIGTERM a scheduler or container sends) leaves no idle worker behind holding files or
memory. Elsewhere the pool's own shutdown is all there is."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return  # no libc to ask: the pool's shutdown still stops workers on a normal exit
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


_FROZE_FOR_FORK = [False]  # whether the fork under way froze the heap (and so unfreezes it)


def _freeze_for_fork() -> None:
    # A heap someone else froze (a caller preparing its own forks) is left as they keep it.
    _FROZE_FOR_FORK[0] = gc.get_freeze_count() == 0
    if _FROZE_FOR_FORK[0]:
        gc.freeze()


def _unfreeze_after_fork() -> None:
    if _FROZE_FOR_FORK[0]:
        gc.unfreeze()


# A forked child shares its parent's memory until either writes to it. Python's cyclic garbage
# collector writes to every object it examines, so a child's first full collection would copy
# the whole inherited heap (pandas, the scenarios, the runs read so far) page by page, and walk
# it, for nothing: the child never frees its parent's objects. So every fork happens with the
# heap frozen (`gc.freeze`: out of the collector's sight, in the child for good) and the parent
# unfreezes at once (its objects are collected as before). As the Python documentation advises
# for fork without exec; in a report this was a third of the helpers' collection time.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_freeze_for_fork, after_in_parent=_unfreeze_after_fork)


def _worker_start(parent: int, niceness: int = 0, collect: bool = True) -> None:
    # Ctrl-C is the parent's to handle: workers stop quietly when it shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if niceness > 0:
        with contextlib.suppress(OSError, AttributeError):
            os.nice(niceness)
    if not collect:
        gc.disable()
    _die_with_parent(parent)


def process_pool(workers: int, niceness: int = 0, collect: bool = True) -> ProcessPoolExecutor:
    """A pool of `workers` processes, forked where the platform can. Importing Mesa forces the
    'spawn' start method on the whole interpreter (mesa/batchrunner.py), so without an explicit
    context every worker would import the engine afresh (about a second each, which eats the
    gain of a second worker), and under Streamlit a spawned worker would run the page again.

    The pool must be created (and its first job submitted) from a thread that outlives it: the
    kernel's parent-death signal follows the thread that forked the worker. `niceness` lowers the
    workers' scheduling priority, so a process serving people (the app's page, its browser) is
    not kept waiting by the runs it started; the runs lose nothing when the machine is otherwise
    idle. `collect=False` turns the cyclic garbage collector off in the workers: for helpers
    that do one short task and end (a report's layouts), where a collection only walks what the
    task made just before the process frees it all by ending."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=functools.partial(_worker_start, os.getpid(), niceness, collect))


def usable_cores() -> int:
    """The cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Terminated(KeyboardInterrupt):
    """SIGTERM, delivered as an interruption so the work in hand stops the way Ctrl-C stops it."""


@contextlib.contextmanager
def sigterm_stops_cleanly() -> Iterator[None]:
    """While inside, SIGTERM (what schedulers and containers send) raises `Terminated` in the main
    thread: pools shut down, state files are written, the lock is released, as after Ctrl-C.
    Outside the main thread (where handlers cannot be set) this does nothing."""
    def handler(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now, killing runs in progress (on Ctrl-C or SIGTERM: the main process should not
    wait minutes for runs whose results it will not keep)."""
    pool.shutdown(wait=False, cancel_futures=True)
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.terminate()

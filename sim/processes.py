"""The one way fundsim starts local worker processes (runs by seed, sweeps, the app)."""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle: workers stop quietly when it shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes, forked where the platform can. Importing Mesa forces the
    'spawn' start method on the whole interpreter (mesa/batchrunner.py), so without an explicit
    context every worker would import the engine afresh (about a second each, which eats the
    gain of a second worker), and under Streamlit a spawned worker would run the page again."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_ignore_sigint)

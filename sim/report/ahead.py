"""Report work done ahead in forked helper processes, overlapping the main process's own: the
PDF appendix laid out while the runs are read, the charts drawn (and, for a PDF, their pages laid
out) while the tables are built.

On two cores this takes the charts (about a second and a half, with their pages' layout) and the
appendix's layout (about one and a half) off the main process's path. Each result is used only
for exactly the input it was made from: a layout is looked up by the HTML itself, chart jobs are
sent whole, and printed charts pages are kept with the style sheet they were printed with.
Helpers are forked with `sim.processes.process_pool`, so they die with the main process;
`stop_all` ends any left over.

vl-convert runs its JavaScript engine in threads of its own, which a forked child does not
inherit (it would wait for them forever): a chart helper is forked only while this process has not
loaded vl-convert, and starts its own engine at once, before it is given anything to draw."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from sim.processes import process_pool, stop_pool
from sim.report.printing import pdf_bytes

_CHART_HELPER: list[ProcessPoolExecutor] = []  # at most one, started and warming
_LAYOUTS: dict[str, tuple[ProcessPoolExecutor, Future[bytes]]] = {}
_AT_EXIT: list[bool] = []  # stop_all is registered once
_LOCK = threading.Lock()  # the app may print two reports at once, from two threads


def _key(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def start_chart_helper(warm: Callable[[], object] | None = None) -> bool:
    """Fork the chart helper now (idempotent) and let it start: `warm` (a module-level function,
    sim.report.figures.warm by default: start vl-convert); False where it cannot be forked
    safely (this process has loaded vl-convert)."""
    with _LOCK:
        if _CHART_HELPER:
            return True
    pool = _new_chart_helper(warm)
    if pool is None:
        return False
    with _LOCK:
        _CHART_HELPER.append(pool)
    return True


def _new_chart_helper(warm: Callable[[], object] | None = None) -> ProcessPoolExecutor | None:
    if "vl_convert" in sys.modules:
        return None
    if warm is None:
        from sim.report import figures

        warm = figures.warm
    pool = process_pool(1, collect=False)
    pool.submit(warm)  # forks the helper now
    _stop_at_exit()
    return pool


def _take_chart_helper() -> ProcessPoolExecutor | None:
    """The helper started ahead, or a new one; None where none can be forked safely."""
    with _LOCK:
        if _CHART_HELPER:
            return _CHART_HELPER.pop()
    return _new_chart_helper()


T = TypeVar("T")


def draw_charts_later(draw: Callable[..., T], *args: Any, parallel: bool) -> Callable[[], T]:
    """Start `draw(*args)` in the chart helper (sim.report.html.draw_and_print_charts: draw the
    charts and, for a PDF, lay out their pages) and return a function that waits for its result.
    Without a helper (one core, or vl-convert already loaded here) the function does the work
    itself when called."""
    pool = _take_chart_helper() if parallel else None
    if pool is None:
        return lambda: draw(*args)
    pending = pool.submit(draw, *args)

    def wait() -> T:
        try:
            return pending.result()
        finally:
            pool.shutdown()

    return wait


def start_layout(html: str) -> None:
    """Start laying out `html` as PDF in a helper process (idempotent for the same HTML)."""
    key = _key(html)
    with _LOCK:
        if key in _LAYOUTS:
            return
    pool = process_pool(1, collect=False)  # forked outside the lock: a child must not start with it held
    pending = pool.submit(pdf_bytes, html)
    with _LOCK:
        duplicate = key in _LAYOUTS
        if not duplicate:
            _LAYOUTS[key] = (pool, pending)
    if duplicate:  # another thread started the same layout meanwhile
        stop_pool(pool)
    _stop_at_exit()


def layout(html: str) -> bytes:
    """`html` as PDF: the helper's result if its layout was started, else laid out here."""
    with _LOCK:
        started = _LAYOUTS.pop(_key(html), None)
    if started is None:
        return pdf_bytes(html)
    pool, pending = started
    try:
        return pending.result()
    finally:
        pool.shutdown()


def _stop_at_exit() -> None:
    with _LOCK:
        if not _AT_EXIT:
            atexit.register(stop_all)
            _AT_EXIT.append(True)


def stop_all() -> None:
    """End every helper not yet used (work started for a document that was not written)."""
    with _LOCK:
        pools = [*_CHART_HELPER, *(pool for pool, _ in _LAYOUTS.values())]
        _CHART_HELPER.clear()
        _LAYOUTS.clear()
    for pool in pools:
        with contextlib.suppress(Exception):
            stop_pool(pool)

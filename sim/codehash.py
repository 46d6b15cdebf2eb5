"""One hash of the engine's source code, shared by everything that keeps results across runs:
the run cache (app and reports), calibration's stored evaluations and sweep run ids. Results
made by other engine code are never served, replayed or mixed into a resumed sweep.

The hash covers every module under sim/ that can change a run's numbers; the faces of the
engine and the tools around it (listed in NOT_ENGINE) are left out, so editing a chart or a CLI
message does not throw away every cached run."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # the sim/ folder
# Paths relative to sim/, by prefix: code that reads results but never makes them.
NOT_ENGINE = ("app/", "report/", "sweep/", "calibration/", "cli", "docs.py", "charts.py", "runcache.py",
              "runplan.py", "runstore.py", "codehash.py", "processes.py", "economics.py", "economics_text.py",
              "alerts.py")


def engine_files(package: Path = PACKAGE) -> list[Path]:
    """The engine's source files, in a stable order."""
    return [p for p in sorted(package.rglob("*.py"))
            if not p.relative_to(package).as_posix().startswith(NOT_ENGINE)]


@lru_cache(maxsize=1)
def engine_code() -> str:
    """16 hex digits identifying the engine's source (file names and contents)."""
    h = hashlib.sha256()
    for path in engine_files():
        h.update(path.relative_to(PACKAGE).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]

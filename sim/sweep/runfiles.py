"""One Parquet file per finished run, with a checksum of its bytes beside it, so that a file that
is empty, truncated, garbage or has one flipped byte is never taken for a finished run: it is
reported, left out of every analysis and run again on resume.

`runs/<run_id>.parquet` stays the run's table (DESIGN section 8); `runs/<run_id>.sha256` holds the
sha256 of its bytes. The checksum is written first and the table renamed into place last, so a
crash between the two leaves a checksum without a table (ignored), never a table that passes
unchecked."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TMP_PREFIX = ".tmp-"
SUM = ".sha256"


class DamagedRun(Exception):
    """A run file that cannot be trusted; the message says why."""


def checksum_path(path: Path) -> Path:
    return path.with_suffix(SUM)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(path: Path, frame: pd.DataFrame, atomic_write: Callable[..., Path]) -> Path:
    """Write `frame` as `path` with its checksum, each through `atomic_write(target, write_to_tmp)`."""
    def table(tmp: Path) -> None:
        frame.to_parquet(tmp, index=False)
        atomic_write(checksum_path(path), lambda t: t.write_text(file_digest(tmp) + "\n"), sync_dir=False)

    return atomic_write(path, table, sync_dir=False)


def verify(path: Path) -> str | None:
    """Why the run file cannot be trusted, or None if its bytes match their checksum."""
    try:
        stored = checksum_path(path).read_text(encoding="ascii").strip()
        if path.stat().st_size == 0:
            return "empty file"
        if file_digest(path) != stored:
            return "contents do not match their checksum (truncated, overwritten or altered)"
    except (OSError, UnicodeDecodeError):
        return "no readable checksum beside it"
    return None


def read(path: Path) -> pd.DataFrame:
    """A run file's table, checked against its checksum; DamagedRun if it is not whole."""
    why = verify(path)
    if why is not None:
        raise DamagedRun(why)
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError):
        raise DamagedRun("not a readable Parquet file") from None


def scan(runs: Path) -> tuple[set[str], dict[str, str]]:
    """(ids of whole run files, {id: why} for damaged ones) in a runs/ folder. Dot-files are
    temporaries of a write in progress, never runs."""
    good: set[str] = set()
    bad: dict[str, str] = {}
    if not runs.is_dir():
        return good, bad
    for p in runs.glob("*.parquet"):
        if p.name.startswith("."):
            continue
        why = verify(p)
        if why is None:
            good.add(p.stem)
        else:
            bad[p.stem] = why
    return good, bad


def remove(paths: list[Path]) -> int:
    """Remove run files and their checksums; how many runs went."""
    n = 0
    for p in paths:
        with contextlib.suppress(OSError):
            os.unlink(p)
            n += 1
        with contextlib.suppress(OSError):
            os.unlink(checksum_path(p))
    return n

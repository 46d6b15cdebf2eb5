"""A loaded machine for the benchmarks: `with busy(n):` keeps n other processes spinning at normal
priority (another program, a second user's sweep) and stops them (SIGKILL) afterwards."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

SPIN = "while True:\n    sum(i * i for i in range(10_000))"


@contextlib.contextmanager
def busy(n: int) -> Iterator[None]:
    procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()

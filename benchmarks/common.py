"""What the benchmarks share: a loaded machine (`with busy(n):` keeps n other processes spinning at
normal priority, as another program or a second user's sweep would, and stops them with SIGKILL
afterwards) and how a result is printed."""

from __future__ import annotations

import contextlib
import json
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


def show(result: dict[str, object], as_json: bool, width: int = 48) -> None:
    """One line per figure (seconds to two decimals), or the whole result as JSON."""
    if as_json:
        print(json.dumps(result, indent=2))
        return
    for k, v in result.items():
        print(f"{k:{width}s} {v:.2f}" if isinstance(v, float) else f"{k:{width}s} {v}")

"""Answers while runs finish: which seeds every scenario already has (paired differences need the
same seeds on both sides), and a progress line with the time left, from the pace so far."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.runcache import CachedResults, Progress, RunCache
from sim.scenario.schema import Scenario

__all__ = ["Pace", "Progress", "Redraw", "shared_runs"]
REDRAW_SECONDS = 2.0  # at most one early redraw this often: drawing costs the runs time too


def shared_runs(cache: RunCache, scenarios: Sequence[Scenario], seeds: Sequence[int],
                ) -> list[list[CachedResults]]:
    """Each scenario's finished runs on the seeds that every scenario has finished (seed order)."""
    found = [{int(seed): cache.get(s, int(seed)) for seed in seeds} for s in scenarios]
    common = [int(seed) for seed in seeds if all(f[int(seed)] is not None for f in found)]
    return [[f[seed] for seed in common] for f in found]  # type: ignore[misc]


@dataclass
class Pace:
    """Time left for `total` runs, from the time the finished ones took."""

    total: int
    workers: int = 1
    started: float = field(default_factory=time.monotonic)

    def text(self, done: int) -> str:
        if done <= 0:
            return (f"Simulating {self.total} runs on {self.workers} process(es). The first answer appears "
                    "when each scenario has one run; the ranges tighten as the others finish.")
        elapsed = time.monotonic() - self.started
        left = elapsed / done * (self.total - done)
        return f"Simulated {done} of {self.total} runs in {elapsed:.0f} s · about {_seconds(left)} left"

    def fraction(self, done: int) -> float:
        return min(max(done / max(self.total, 1), 0.0), 1.0)


def _seconds(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"


@dataclass
class Redraw:
    """When to draw an early answer: on the first seed all scenarios share, then at most every
    REDRAW_SECONDS while more seeds arrive (never for the last: the full page follows)."""

    seeds: int
    shown: int = 0
    last: float = 0.0

    def due(self, shared: int) -> bool:
        if shared <= self.shown or shared >= self.seeds:
            return False
        now = time.monotonic()
        if self.shown and now - self.last < REDRAW_SECONDS:
            return False
        self.shown, self.last = shared, now
        return True

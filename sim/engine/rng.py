"""One named random stream per stochastic process, all spawned from one seed.

Streams are keyed by name, not by creation order, so adding a process never shifts the draws of
another. Two scenarios run with the same seed therefore share people, firms and shocks (common
random numbers), and their differences are effects of the rules, not luck."""

from __future__ import annotations

import zlib

import numpy as np

from sim.engine.kernels import below, key_of, uniforms, uniforms_at

STREAMS = (
    "population", "firms", "providers", "demand",  # drawn once or independently of the fund
    "quits", "job_to_job", "matching", "olf", "applications", "admission",
    "progress", "externships", "externship_hires", "incumbents", "apprentices", "employability",
    "matching_slots", "job_to_job_slots",  # counter-based draws of the month (MonthlyLuck.key)
    # careers (sim.scenario.careers) and firms' apprenticeship offers
    "careers", "provider_placement", "promotions", "linkage", "apprentice_offers",
    "training_plans",  # per firm: whether it files a training plan (levy-grant conditions)
    "age",  # counter-based, month 0: each person's age at the start
    "credential",  # counter-based: whether a fund course start gives a credential
    "traits",  # counter-based, keyed by the group's name: membership of further groups
    "graduate_keeps",  # counter-based: whether a host keeps its graduate
)


_CRC = {name: zlib.crc32(name.encode()) for name in STREAMS}  # each stream's number, once


def _crc(name: str) -> int:
    crc = _CRC.get(name)
    if crc is None:
        raise KeyError(f"unknown random stream {name!r}; declare it in sim.engine.rng.STREAMS")
    return crc


class Streams:
    """`streams["quits"]` is the generator for quits in this run."""

    def __init__(self, seed: int) -> None:
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer (you gave {seed!r})")
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in STREAMS:
            raise KeyError(f"unknown random stream {name!r}; declare it in sim.engine.rng.STREAMS")
        gen = self._gens.get(name)
        if gen is None:
            key = zlib.crc32(name.encode())
            gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,))))
            self._gens[name] = gen
        return gen

    def monthly(self, name: str, month: int, n: int) -> np.ndarray:
        """One uniform per person for process `name` in `month`, the same in every scenario run
        with this seed whatever else happened: person i's luck is common to both runs."""
        if name not in STREAMS:
            raise KeyError(f"unknown random stream {name!r}; declare it in sim.engine.rng.STREAMS")
        # Counter-based: a hash of (seed, process, month, person), no generator to build per
        # process and month, and the same number for a person whatever else the run drew.
        return uniforms(self.seed, _crc(name), month, n)


class MonthlyLuck:
    """This month's per-person uniforms, one array per process, drawn on first use (Streams.monthly).
    A phase is handed the month's luck explicitly; `candidates` narrows a rule to the people
    whose draw is below the highest probability anyone faces, so the rule checks fewer rows and
    decides exactly as if it had checked everybody."""

    def __init__(self, streams: Streams, month: int, n: int) -> None:
        self.streams, self.month, self.n = streams, month, n
        self._u: dict[str, np.ndarray] = {}

    def at(self, name: str, idx: np.ndarray) -> np.ndarray:
        """The uniforms of people `idx` for process `name` (the same as draw(name)[idx])."""
        u = self._u.get(name)
        if u is not None:
            return u[idx]
        return uniforms_at(self.streams.seed, _crc(name), self.month, np.asarray(idx, dtype=np.int64))

    def draw(self, name: str) -> np.ndarray:
        u = self._u.get(name)
        if u is None:
            u = self._u[name] = self.streams.monthly(name, self.month, self.n)
        return u

    def key(self, name: str) -> np.uint64:
        """The month's key for draws that are not one per person (slot draws, rounding): a
        kernel takes its i-th uniform from it, so they too are a function of seed, process,
        month and draw number, not of what else the run drew."""
        return np.uint64(key_of(self.streams.seed, _crc(name), self.month))

    def candidates(self, name: str, p_max: float) -> np.ndarray:
        u = self._u.get(name)
        if u is not None:
            return np.flatnonzero(u < p_max)
        return below(self.streams.seed, _crc(name), self.month, self.n, float(p_max))

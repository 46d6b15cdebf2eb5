"""The no-fund twin, stepped once per world and seed and shared.

Every scenario with a fund is compared, month by month, with the same people and shocks without
the fund (common random numbers). Scenarios that differ only in their fund rules share that
world: its twin is the same run for all of them, so a comparison, report or sweep steps it once
per seed (`TwinTrace`) instead of once per scenario. Results are identical either way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.engine.workers import UNEMPLOYED
from sim.scenario.worlds import world_key  # re-exported: the engine keys its twins by it

__all__ = ["Twin", "TwinTrace", "twin_state", "unpack_state", "world_key"]

RUNG_SHIFT = 3  # a twin state packs status (0..5, three bits) and the credential rung above it


def twin_state(status: np.ndarray, rung: np.ndarray) -> np.ndarray:
    """Each person's status and highest credential in one int8 (status | rung << 3): what the
    impact table and the panel read of the twin, at an eighth of the earnings' memory."""
    return (status.astype(np.int8) | (rung.astype(np.int8) << RUNG_SHIFT)).astype(np.int8)


def unpack_state(state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(status, rung) from `twin_state`."""
    return state & ((1 << RUNG_SHIFT) - 1), state >> RUNG_SHIFT


@dataclass
class TwinTrace:
    """What the comparison reads of the no-fund world, month by month (month t at row t - 1)."""

    world: str
    seed: int
    earnings: np.ndarray  # (months, people) float32: each person's earnings
    state: np.ndarray  # (months, people) int8: each person's status and credential (twin_state)
    unemployed: np.ndarray  # (months,) people unemployed
    surplus: np.ndarray  # (months, firms) each firm's surplus
    tuition: np.ndarray  # (months,) $ people paid providers themselves
    outside: np.ndarray  # (months,) $ other public programmes paid providers (outside the fund)
    final_status: np.ndarray  # (people,) status at the end

    @staticmethod
    def empty(world: str, seed: int, months: int, people: int, firms: int) -> TwinTrace:
        return TwinTrace(world=world, seed=int(seed), earnings=np.zeros((months, people), np.float32),
                         state=np.zeros((months, people), np.int8),
                         unemployed=np.zeros(months, np.int64), surplus=np.zeros((months, firms)),
                         tuition=np.zeros(months), outside=np.zeros(months),
                         final_status=np.zeros(people, np.int8))

    def record(self, month: int, earnings: np.ndarray, status: np.ndarray, rung: np.ndarray,
               surplus: np.ndarray, tuition: float, outside: float) -> None:
        t = month - 1
        self.earnings[t] = earnings
        self.state[t] = twin_state(status, rung)
        self.unemployed[t] = int((status == UNEMPLOYED).sum())
        self.surplus[t] = surplus
        self.tuition[t] = tuition
        self.outside[t] = outside
        self.final_status = status.copy()

    def month(self, month: int) -> tuple[np.ndarray, int, np.ndarray, float, float]:
        t = month - 1
        return (self.earnings[t], int(self.unemployed[t]), self.surplus[t], float(self.tuition[t]),
                float(self.outside[t]))

    def people(self, month: int) -> tuple[np.ndarray, np.ndarray]:
        """Each person's earnings and packed status and credential (twin_state) in `month`."""
        return self.earnings[month - 1], self.state[month - 1]

    @property
    def nbytes(self) -> int:
        return self.earnings.nbytes + self.state.nbytes + self.surplus.nbytes + self.final_status.nbytes


class Twin(Protocol):
    """What a fund run reads of its twin: a whole TwinTrace, or one still being written by another
    process (sim.engine.twin_stream.StreamedTwin)."""

    world: str
    seed: int

    def month(self, month: int) -> tuple[np.ndarray, int, np.ndarray, float, float]: ...

    def people(self, month: int) -> tuple[np.ndarray, np.ndarray]: ...

    @property
    def final_status(self) -> np.ndarray: ...

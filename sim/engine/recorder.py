"""The monthly recorder: every metric of the registry (sim.outcomes) in one array, counted per
(sector, group) cell with np.bincount and summed to the `all` rows, so a metric is recorded once
and is available by sector, by group and in total. Rates are kept as numerator and denominator
and turned into rates once, at the end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.kernels_measure import add_cells
from sim.labels import labels
from sim.outcomes import INDEX, REGISTRY

_NONE = np.zeros(0)


class Recorder:
    """Monthly values in one array: (month, metric, sector+1, group+1); index -1 = all."""

    def __init__(self, months: int, sectors: list[str], groups: tuple[str, ...]) -> None:
        self.sectors, self.groups = list(sectors), tuple(groups)
        self.S, self.G = len(sectors), len(groups)
        self.data = np.zeros((months, len(REGISTRY), self.S + 1, self.G + 1))
        self.month = 0
        self._key = np.zeros(0, dtype=np.int64)

    def bind(self, sector: np.ndarray, group: np.ndarray) -> None:
        self._key = sector.astype(np.int64) * self.G + group

    @property
    def cell_key(self) -> np.ndarray:
        """Each person's (sector, group) cell: sector * G + group."""
        return self._key

    def add_cells(self, name: str, cells: np.ndarray) -> None:
        """Add a (S + 1, G + 1) array of values by cell, margins included."""
        self.data[self.month, INDEX[name]] += cells

    def count(self, name: str, idx: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Add people `idx` (optionally weighted, e.g. by dollars) to a metric, by cell."""
        if len(idx):
            w = _NONE if weights is None else np.asarray(weights, dtype=np.float64)
            add_cells(self.data[self.month, INDEX[name]], self._key, np.asarray(idx, dtype=np.int64), w,
                      weights is not None, self.S, self.G)

    def total(self, name: str, value: float) -> None:
        self.data[self.month, INDEX[name], -1, -1] += value

    def by_sector(self, name: str, values: np.ndarray, total: float | None = None) -> None:
        """Sector-level values (e.g. vacancies); `all` is their sum unless `total` is given."""
        self.data[self.month, INDEX[name], : self.S, -1] += values
        self.data[self.month, INDEX[name], -1, -1] += values.sum() if total is None else total

    def set_cells(self, name: str, cells: np.ndarray) -> None:
        self.data[self.month, INDEX[name]] = cells

    def finish(self) -> None:
        """Turn numerators and denominators into rates (monthly, or cumulative to date)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            for m in REGISTRY:
                if m.agg != "rate":
                    continue
                num, den = self.data[:, INDEX[m.num]], self.data[:, INDEX[m.den]]
                if m.cumulative:
                    num, den = np.cumsum(num, axis=0), np.cumsum(den, axis=0)
                self.data[:, INDEX[m.name]] = np.where(den > 0, num / den, np.nan)

    def frame(self) -> pd.DataFrame:
        """Tidy metrics: month, metric, sector, group, value (sector/group `all` for totals)."""
        T, K, S1, G1 = self.data.shape
        sectors = [*self.sectors, "all"]
        groups = [*self.groups, "all"]
        # The (metric, sector, group) cells kept, the same every month: a metric by cell, or its total.
        metric, si, gi = np.meshgrid(np.arange(K), np.arange(S1), np.arange(G1), indexing="ij")
        by_cell = np.array([m.cells for m in REGISTRY])
        keep = np.flatnonzero(by_cell[metric] | ((si == S1 - 1) & (gi == G1 - 1)))
        metric, si, gi = metric.reshape(-1)[keep], si.reshape(-1)[keep], gi.reshape(-1)[keep]
        return pd.DataFrame({
            "month": np.repeat(np.arange(T), len(keep)) + 1,
            "metric": labels([m.name for m in REGISTRY], np.tile(metric, T)),
            "sector": labels(sectors, np.tile(si, T)),
            "group": labels(groups, np.tile(gi, T)),
            "value": self.data.reshape(T, K * S1 * G1)[:, keep].reshape(-1),
        })

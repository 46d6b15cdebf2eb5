"""The monthly recorder: every metric of the registry (sim.outcomes) in one array, counted per
(sector, group) cell with np.bincount and summed to the `all` rows, so a metric is recorded once
and is available by sector, by group and in total. Rates are kept as numerator and denominator
and turned into rates once, at the end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.kernels_measure import add_cells_batch
from sim.labels import labels
from sim.outcomes import INDEX, REGISTRY

_NONE = np.zeros(0)


class Recorder:
    """Monthly values in one array: (month, metric, sector+1, group+1); index -1 = all.

    `count` only notes who is counted; the notes are added in one compiled call, in the order
    they were made, the next time `data` is read or written (a month has about 36 counts: one
    call instead of 36 saves their per-call overhead). A write to a metric with counts pending
    adds them first, so each cell gets the same additions in the same order as if each count
    had been added at once."""

    def __init__(self, months: int, sectors: list[str], groups: tuple[str, ...]) -> None:
        self.sectors, self.groups = list(sectors), tuple(groups)
        self.S, self.G = len(sectors), len(groups)
        self._data = np.zeros((months, len(REGISTRY), self.S + 1, self.G + 1))
        self.month = 0
        self._key = np.zeros(0, dtype=np.int64)
        # counts not yet added: their people, weights, and (month, metric, people, weights) sizes
        self._people: list[np.ndarray] = []
        self._weights: list[np.ndarray] = []
        self._entries: list[tuple[int, int, int, int]] = []
        self._pending_metrics: set[int] = set()
        self._indices: dict[tuple[str, ...], np.ndarray] = {}  # metrics' rows, by their names

    @property
    def data(self) -> np.ndarray:
        """The values, every count noted so far included."""
        if self._entries:
            self._flush()
        return self._data

    def _flush(self) -> None:
        entries = np.array(self._entries, dtype=np.int64)
        people = np.concatenate(self._people).astype(np.int64, copy=False)
        weights = np.concatenate(self._weights) if self._weights else _NONE
        self._people, self._weights, self._entries = [], [], []
        self._pending_metrics = set()
        add_cells_batch(self._data, self._key, people, weights, entries, self.S, self.G)

    def bind(self, sector: np.ndarray, group: np.ndarray) -> None:
        """Count people in these (sector, group) cells from now on; counts already noted are added
        in the cells they were noted in."""
        if self._entries:
            self._flush()
        self._key = sector.astype(np.int64) * self.G + group

    @property
    def cell_key(self) -> np.ndarray:
        """Each person's (sector, group) cell: sector * G + group."""
        return self._key

    def add_cells(self, name: str, cells: np.ndarray) -> None:
        """Add a (S + 1, G + 1) array of values by cell, margins included."""
        self._row(name)[...] += cells

    def count(self, name: str, idx: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Add people `idx` (optionally weighted, e.g. by dollars) to a metric, by cell. The
        arrays are read when the counts are added (see the class): callers hand over fresh
        arrays and do not change them afterwards."""
        if len(idx):
            metric = INDEX[name]
            self._people.append(idx)
            if weights is None:
                self._entries.append((self.month, metric, len(idx), 0))
            else:
                self._weights.append(np.asarray(weights, dtype=np.float64))
                self._entries.append((self.month, metric, len(idx), len(idx)))
            self._pending_metrics.add(metric)

    def _row(self, name: str) -> np.ndarray:
        """This month's (S + 1, G + 1) cells of a metric, its pending counts added."""
        metric = INDEX[name]
        if metric in self._pending_metrics:
            self._flush()
        return self._data[self.month, metric]

    def _rows(self, names: tuple[str, ...]) -> np.ndarray:
        """The metrics' rows (distinct names), their pending counts added first."""
        rows = self._indices.get(names)
        if rows is None:
            rows = self._indices[names] = np.array([INDEX[n] for n in names], dtype=np.int64)
        if self._pending_metrics and not self._pending_metrics.isdisjoint(rows.tolist()):
            self._flush()
        return rows

    def add_many(self, names: tuple[str, ...], cells: np.ndarray) -> None:
        """`add_cells` for several metrics (distinct names) at once: cells[i] to names[i]."""
        self._data[self.month, self._rows(names)] += cells

    def totals(self, values: dict[str, float]) -> None:
        """`total` for several metrics (distinct names) at once."""
        self._data[self.month, self._rows(tuple(values)), -1, -1] += np.array(list(values.values()))

    def sum_of(self, names: tuple[str, ...]) -> np.ndarray:
        """The sum of this month's cells of several metrics (distinct names)."""
        return self._data[self.month, self._rows(names)].sum(axis=0)

    def total(self, name: str, value: float) -> None:
        self._row(name)[-1, -1] += value

    def by_sector(self, name: str, values: np.ndarray, total: float | None = None) -> None:
        """Sector-level values (e.g. vacancies); `all` is their sum unless `total` is given."""
        row = self._row(name)
        row[: self.S, -1] += values
        row[-1, -1] += values.sum() if total is None else total

    def set_cells(self, name: str, cells: np.ndarray) -> None:
        self._row(name)[...] = cells

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
            "metric": labels([m.name for m in REGISTRY], metric, repeat=T),
            "sector": labels(sectors, si, repeat=T),
            "group": labels(groups, gi, repeat=T),
            "value": self.data.reshape(T, K * S1 * G1)[:, keep].reshape(-1),
        })

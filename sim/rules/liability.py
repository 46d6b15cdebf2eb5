"""Who owes how much of an employer contribution: size bands (exemption thresholds and reduced
rates on head count or annual payroll), smoothing (a firm moves up a band only after its size has
reached it N years in a row), and a minimum and maximum per employee. One `Liability` section is
shared by every employer contribution (payroll levy, per-employee levy, train-or-pay,
bonus-malus), so a real scheme's liability rules are written once, the same way, whatever the
levy's base.

France: `bands: [{from_size: 0, scale: 0.55}, {from_size: 11, scale: 1}]` on head count with
`smoothing_years: 5` (0.55% under 11 staff, 1% at 11+ after five consecutive years at 11+);
Malaysia: `[{from_size: 0, scale: 0}, {from_size: 5, scale: 0.5}, {from_size: 10, scale: 1}]`.
"""

from __future__ import annotations

import itertools
from typing import Literal

import numpy as np
from pydantic import model_validator

from sim.scenario.params import Section, param


class Band(Section):
    """Firms whose size is at least `from_size` (and below the next band's) owe `scale` times
    the rule's full amount (0 = exempt)."""

    from_size: float = param(0.0, unit="employees, or $ of annual payroll (see measure)", ge=0,
                             le=1e12, role="lever",
                             description="Smallest size in this band (the first band starts at 0).")
    scale: float = param(1.0, unit="share of the full amount", ge=0, le=1, role="lever",
                         description="Share of the full contribution firms in this band owe (0 = exempt).")


class Liability(Section):
    measure: Literal["head_count", "annual_payroll"] = param(
        "head_count", unit="choice", role="lever",
        description="What the size bands are measured on: staff on the pay bill, or the annual pay "
                    "bill ($, twelve times the month's).")
    bands: tuple[Band, ...] = param(
        (Band(),), unit="bands", role="lever",
        description="Size bands, smallest first (one band from 0 at scale 1 = every liable firm owes "
                    "the full amount).")
    smoothing_years: int = param(
        0, unit="years", ge=0, le=20, role="lever",
        description="A firm owes a higher band's amount only after its size (yearly average) has "
                    "reached that band in each of this many completed years (0 = this month's size).")
    min_per_employee_annual: float = param(
        0.0, unit="$ per employee-year", ge=0, le=1e6, role="lever",
        description="Least a liable, non-exempt firm owes per employee (0 = no minimum).")
    max_per_employee_annual: float = param(
        0.0, unit="$ per employee-year", ge=0, le=1e7, role="lever",
        description="Most a firm owes per employee (0 = no maximum).")

    @model_validator(mode="after")
    def _check(self) -> Liability:
        starts = [b.from_size for b in self.bands]
        if not starts:
            raise ValueError("bands: give at least one band, from_size 0 (scale 1 = everyone owes in full)")
        if starts[0] != 0:
            raise ValueError(f"bands: the first band must start at from_size 0 (it starts at {starts[0]:g}), "
                             "so every firm is in a band")
        if any(b <= a for a, b in itertools.pairwise(starts)):
            raise ValueError(f"bands: from_size must increase from band to band (you gave {starts})")
        hi, lo = self.max_per_employee_annual, self.min_per_employee_annual
        if hi > 0 and lo > hi:
            raise ValueError(f"min_per_employee_annual ({lo:g}) is above max_per_employee_annual ({hi:g})")
        if self.smoothing_years and len(self.bands) < 2:
            raise ValueError("smoothing_years needs two or more size bands (bands) to move between")
        return self

    @property
    def banded(self) -> bool:
        return any(b.scale != 1 for b in self.bands)

    @property
    def active(self) -> bool:
        return self.banded or self.min_per_employee_annual > 0 or self.max_per_employee_annual > 0

    def band_of(self, size: np.ndarray) -> np.ndarray:
        """Each firm's band index for a size measure (firms x ...)."""
        return np.searchsorted(np.array([b.from_size for b in self.bands]), size, side="right") - 1

    def scale(self, size_now: np.ndarray, size_years: np.ndarray) -> np.ndarray:
        """Share of the full amount each firm owes. `size_now`: this month's measure per firm;
        `size_years`: (completed years, firms), oldest first, the yearly average measure (the first
        row stands for the years before the run). With smoothing a firm is in the lowest band any
        of its last N years was in, so it moves up only after N years in a row at the higher size
        (and down after one year below)."""
        if not self.banded:
            return np.ones(size_now.shape[0])
        if self.smoothing_years == 0:
            band = self.band_of(size_now)
        else:
            n = self.smoothing_years
            rows = size_years[-n:]
            if rows.shape[0] < n:  # before the run: the firm had its first year's size
                rows = np.concatenate([np.repeat(size_years[:1], n - rows.shape[0], axis=0), rows])
            band = self.band_of(rows).min(axis=0)
        return np.array([b.scale for b in self.bands])[band]

    def apply(self, dollars: np.ndarray, staff: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """The firm's amount after its band's scale and the per-employee minimum and maximum
        (monthly: the annual amounts / 12 per employee)."""
        out = dollars * scale
        if self.min_per_employee_annual > 0:
            out = np.where(scale > 0, np.maximum(out, self.min_per_employee_annual / 12.0 * staff), out)
        if self.max_per_employee_annual > 0:
            out = np.minimum(out, self.max_per_employee_annual / 12.0 * staff)
        return out

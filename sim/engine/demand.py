"""Sector labour demand: trend x (1 + cycle) x autoregressive shocks x scripted recession.

The whole path is drawn at the start from the `demand` stream alone, so every scenario run
with the same seed faces the same cycle and shocks (the fund cannot change the weather)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class DemandPath:
    index: np.ndarray  # (months + 1, sectors): demand relative to month 0 (before any shock)
    trend: np.ndarray  # (months + 1, sectors): the trend component alone
    recession: np.ndarray  # (months + 1,): 1 while the scripted recession is under way

    def gap(self, t: int) -> np.ndarray:
        """Demand relative to trend minus one, per sector (negative in a downturn)."""
        return self.index[t] / self.trend[t] - 1.0


def recession_profile(scenario: Scenario, months: int) -> np.ndarray:
    """Share of full recession depth felt each month: a linear fall to the trough over the
    recession, then a linear recovery."""
    rec = scenario.demand.recession
    out = np.zeros(months + 1)
    if not rec.enabled:
        return out
    t = np.arange(months + 1)
    falling = (t >= rec.start_month) & (t < rec.start_month + rec.duration_months)
    out[falling] = (t[falling] - rec.start_month + 1) / rec.duration_months
    end = rec.start_month + rec.duration_months
    rising = (t >= end) & (t < end + rec.recovery_months)
    out[rising] = 1.0 - (t[rising] - end + 1) / (rec.recovery_months + 1)
    return out


def demand_path(scenario: Scenario, rng: np.random.Generator) -> DemandPath:
    months = scenario.horizon_months
    sectors = scenario.region.sectors
    t = np.arange(months + 1)[:, None]
    growth = np.array([s.trend_growth_annual for s in sectors])
    amp = np.array([s.cycle_amplitude for s in sectors])
    period = np.array([s.cycle_period_months for s in sectors])
    phase = np.array([s.cycle_phase_months for s in sectors])
    rho = np.array([s.shock_persistence for s in sectors])
    sd = np.array([s.shock_sd for s in sectors])
    sens = np.array([s.recession_sensitivity for s in sectors])

    trend = (1.0 + growth) ** (t / 12.0)
    cycle = 1.0 + amp * (np.sin(2 * np.pi * (t + phase) / period) - np.sin(2 * np.pi * phase / period))
    eps = rng.standard_normal((months + 1, len(sectors))) * sd
    shock = np.zeros_like(eps)
    for m in range(1, months + 1):  # AR(1): a short loop over months, not people
        shock[m] = rho * shock[m - 1] + eps[m]
    rec = recession_profile(scenario, months)
    depth = scenario.demand.recession.depth
    index = trend * cycle * np.exp(shock) * (1.0 - depth * sens * rec[:, None])
    return DemandPath(index=np.maximum(index, scenario.demand.index_floor), trend=trend,
                      recession=(rec > 0).astype(np.int8))

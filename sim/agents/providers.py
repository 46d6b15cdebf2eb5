"""Training providers: Mesa agents with their numbers in a `ProviderTable`. A provider admits
applicants up to capacity, ranking them by the revenue it expects (which is where creaming
comes from when prices lean on outcomes), adjusts capacity to lagged funded demand, and is
reviewed on its measured placement rate."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.scenario.schema import Scenario


@dataclass
class ProviderTable:
    sector: np.ndarray  # int8
    quality: np.ndarray  # float64 log-odds shift in completion and placement
    capacity: np.ndarray  # float64 intake seats per month at full implementation
    suspended_until: np.ndarray  # int64 month
    demand_history: list[np.ndarray]  # funded applicants routed to each provider, per month
    grant_pipeline: list[np.ndarray]  # seats bought by capacity grants, arriving after the lag
    window_completers: np.ndarray  # fund completers since the last review
    window_placements: np.ndarray
    enrolments: np.ndarray  # totals over the run
    enrolments_hts: np.ndarray
    completions: np.ndarray
    fund_completions: np.ndarray  # completers of fund-paid courses and apprenticeships
    placements: np.ndarray
    revenue_cents: np.ndarray
    suspensions: np.ndarray

    @property
    def n(self) -> int:
        return int(self.sector.shape[0])


def new_providers(scenario: Scenario, rng: np.random.Generator) -> ProviderTable:
    n = scenario.region.n_providers
    n_sectors = len(scenario.region.sectors)
    # Every sector gets at least one provider when there are enough; the rest follow shares.
    shares = np.array([s.employment_share for s in scenario.region.sectors])
    base = np.arange(n) % n_sectors if n >= n_sectors else rng.choice(n_sectors, n, p=shares)
    sector = base.astype(np.int8)
    z = np.zeros(n, np.int64)
    return ProviderTable(
        sector=sector, quality=rng.normal(0.0, scenario.providers.quality_sd, n),
        capacity=np.full(n, float(scenario.providers.seats_per_month)),
        suspended_until=np.full(n, -1, np.int64), demand_history=[], grant_pipeline=[],
        window_completers=z.copy(), window_placements=z.copy(), enrolments=z.copy(),
        enrolments_hts=z.copy(), completions=z.copy(), fund_completions=z.copy(), placements=z.copy(),
        revenue_cents=z.copy(), suspensions=z.copy(),
    )


class ProviderAgent(mesa.Agent):
    """One training provider; its state is row `idx` of the model's ProviderTable."""

    def __init__(self, model: mesa.Model, idx: int) -> None:
        super().__init__(model)
        self.idx = idx

    @property
    def table(self) -> ProviderTable:
        return self.model.provider_table

    @property
    def eligible(self) -> bool:
        return bool(self.table.suspended_until[self.idx] < self.model.month)


def rank_within(groups: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rank of each item within its group, best score first (0 = best). Ties keep input order."""
    order = np.lexsort((-score, groups))
    g = groups[order]
    starts = np.searchsorted(g, g, side="left")
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - starts
    return ranks


def review(table: ProviderTable, scenario: Scenario, month: int) -> np.ndarray:
    """Performance review: providers whose measured placement rate in the window falls below
    the minimum (with enough completers to judge) lose eligibility for a while."""
    p = scenario.providers
    judged = table.window_completers >= p.min_reviewed_completers
    rate = table.window_placements / np.maximum(table.window_completers, 1)
    fail = judged & (rate < p.min_placement_rate) & (table.suspended_until < month)
    table.suspended_until[fail] = month + p.suspension_months
    table.suspensions += fail
    table.window_completers[:] = 0
    table.window_placements[:] = 0
    return fail


def adjust_capacity(table: ProviderTable, scenario: Scenario, grant_seats: np.ndarray) -> None:
    """Capacity follows funded demand with a lag; capacity grants add seats after the lag."""
    p = scenario.providers
    lag = p.capacity_lag_months
    table.grant_pipeline.append(grant_seats)
    if len(table.grant_pipeline) > lag:
        table.capacity += table.grant_pipeline.pop(0)
    if len(table.demand_history) > lag:
        lagged = table.demand_history[-1 - lag]
        floor = 0.25 * scenario.providers.seats_per_month
        table.capacity = np.maximum(floor, table.capacity + p.capacity_adjustment * (lagged - table.capacity))
    if len(table.demand_history) > 4 * (lag + 1):
        del table.demand_history[0]

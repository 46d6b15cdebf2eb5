"""Training providers: Mesa agents with their numbers in a `ProviderTable`. A provider admits
applicants up to capacity, ranking them by the revenue it expects (which is where creaming
comes from when prices lean on outcomes), adjusts capacity to lagged funded demand, and is
reviewed on its measured placement rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import kernels_training
from sim.engine.rows import RowAgent
from sim.ledger import PROVIDER, PUBLIC, Ledger, account, to_cents
from sim.scenario.programmes import Providers as ProviderRules
from sim.scenario.schema import Scenario


@dataclass
class ProviderTable:
    sector: np.ndarray  # int8
    quality: np.ndarray  # float64 log-odds shift in completion and placement
    placement_z: np.ndarray  # float64 ~ N(0, 1): wage and stability of the jobs it places people into
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


def new_providers(scenario: Scenario, rng: np.random.Generator,
                  placement_rng: np.random.Generator) -> ProviderTable:
    """Providers by sector, their completion quality from the `providers` stream and their
    placement quality from its own `provider_placement` stream (so adding it shifted nothing)."""
    n = scenario.region.n_providers
    n_sectors = len(scenario.region.sectors)
    # Every sector gets at least one provider when there are enough; the rest follow shares.
    shares = np.array([s.employment_share for s in scenario.region.sectors])
    base = np.arange(n) % n_sectors if n >= n_sectors else rng.choice(n_sectors, n, p=shares)
    sector = base.astype(np.int8)
    z = np.zeros(n, np.int64)
    return ProviderTable(
        sector=sector, quality=rng.normal(0.0, scenario.providers.quality_sd, n),
        placement_z=placement_rng.standard_normal(n),
        capacity=np.full(n, float(scenario.providers.seats_per_month)),
        suspended_until=np.full(n, -1, np.int64), demand_history=[], grant_pipeline=[],
        window_completers=z.copy(), window_placements=z.copy(), enrolments=z.copy(),
        enrolments_hts=z.copy(), completions=z.copy(), fund_completions=z.copy(), placements=z.copy(),
        revenue_cents=z.copy(), suspensions=z.copy(),
    )


class ProviderAgent(RowAgent):
    """One training provider; its state is row `idx` of the ProviderTable it was given. Its
    performance review is its own verb, run over the AgentSet at each review month."""

    table: ProviderTable

    @property
    def capacity(self) -> float:
        return float(self.table.capacity[self.idx])

    @property
    def quality(self) -> float:
        return float(self.table.quality[self.idx])

    def eligible(self, month: int) -> bool:
        return bool(self.table.suspended_until[self.idx] < month)

    def measured_placement_rate(self) -> float:
        t, i = self.table, self.idx
        return float(t.window_placements[i] / max(t.window_completers[i], 1))

    def review(self, rules: ProviderRules, month: int) -> bool:
        """Performance review: a provider whose measured placement rate in the window falls
        below the minimum (with enough completers to judge) loses eligibility for a while. The
        window starts again either way. Returns whether it failed."""
        t, i = self.table, self.idx
        judged = t.window_completers[i] >= rules.min_reviewed_completers
        fail = bool(judged and self.measured_placement_rate() < rules.min_placement_rate
                    and t.suspended_until[i] < month)
        if fail:
            t.suspended_until[i] = month + rules.suspension_months
            t.suspensions[i] += 1
        t.window_completers[i] = 0
        t.window_placements[i] = 0
        return fail


def placement_quality(table: ProviderTable, scenario: Scenario,
                      provider: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The log wage factor and log stability of the jobs providers `provider` place people into
    (sim.scenario.careers: provider_wage_sd, provider_stability_sd)."""
    z = table.placement_z[provider]
    c = scenario.careers
    return c.provider_wage_sd * z, c.provider_stability_sd * z


def receive_outside_grants(table: ProviderTable, ledger: Ledger, month: int, provider: np.ndarray,
                           dollars: np.ndarray) -> float:
    """Other public programmes pay providers their share of the tuition of training outside
    the fund (sim.scenario.careers.outside_tuition_cover). Returns the $ paid."""
    per = np.bincount(provider, weights=dollars, minlength=table.n)
    payees = np.flatnonzero(per)
    ledger.record(month, account(PUBLIC), account(PROVIDER, payees), "outside_grant", to_cents(per[payees]))
    return float(per.sum())


def rank_within(groups: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rank of each item within its group, best score first (0 = best). Ties keep input order."""
    return kernels_training.rank_within(np.asarray(groups, dtype=np.int64), score)


def adjust_capacity(table: ProviderTable, scenario: Scenario, grant_seats: np.ndarray) -> None:
    """Capacity follows funded demand with a lag; capacity grants add seats after the lag."""
    p = scenario.providers
    lag = p.capacity_lag_months
    table.grant_pipeline.append(grant_seats)
    if len(table.grant_pipeline) > lag:
        table.capacity += table.grant_pipeline.pop(0)
    if len(table.demand_history) > lag:
        lagged = table.demand_history[-1 - lag]
        floor = p.capacity_floor_share * p.seats_per_month
        table.capacity = np.maximum(floor, table.capacity + p.capacity_adjustment * (lagged - table.capacity))
    if len(table.demand_history) > 4 * (lag + 1):
        del table.demand_history[0]


def plan_capacity(table: ProviderTable, budget: np.ndarray, seat_cost: float) -> None:
    """During programme design, providers size up for the budget the fund announces: the seats
    it would buy at `seat_cost` ($ a seat, supports included), shared by the sector's providers."""
    seats = budget / seat_cost
    per = np.bincount(table.sector, minlength=len(budget))
    planned = seats[table.sector] / np.maximum(per[table.sector], 1)
    if table.demand_history:
        table.demand_history[-1] = table.demand_history[-1] + planned

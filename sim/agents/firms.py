"""Firms: Mesa agents whose numbers live in column arrays (`FirmTable`), so that rules over all
firms (vacancies, training decisions, membership) are whole-array operations while each firm
stays an individual agent with its own size, sector and history."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.scenario.schema import Scenario

SIZE_CLASS_EDGES = (10, 50, 250, 1000)  # employees: 1-9, 10-49, 50-249, 250-999, 1000+
SIZE_CLASSES = ("1-9", "10-49", "50-249", "250-999", "1000+")


@dataclass
class FirmTable:
    sector: np.ndarray  # int8
    size0: np.ndarray  # float64 head count at trend demand in month 0
    eligible: np.ndarray  # bool: may be a member (all, unless a pilot limits it)
    member: np.ndarray  # bool
    headcount: np.ndarray  # int64, this month
    payroll: np.ndarray  # float64 $ this month
    vacancies: np.ndarray  # int64 (firms, 4 levels)
    room: np.ndarray  # float64 (firms, 4 levels): wanted minus held posts (externs count), last count
    own_training_spend: np.ndarray  # float64 $ this month
    training_rate: np.ndarray  # float64 share of staff trained per year at own cost
    levy_paid_total: np.ndarray  # int64 cents
    refunded_total: np.ndarray  # int64 cents
    contributions_total: np.ndarray  # int64 cents
    contribution_recent: np.ndarray  # float64 $ per month a firm would pay as a member (last review)
    benefit_recent: np.ndarray  # float64 $ per month a firm expects from membership (last review)
    lost_trained: np.ndarray  # int64: trained workers hired away from this firm
    coinvest_cost: np.ndarray  # float64 $ this month

    @property
    def n(self) -> int:
        return int(self.sector.shape[0])

    def size_class(self) -> np.ndarray:
        return np.searchsorted(np.array(SIZE_CLASS_EDGES), np.maximum(self.size0, 1), side="right")


def new_firms(scenario: Scenario, employed_by_sector: np.ndarray, rng: np.random.Generator) -> FirmTable:
    """Firms per sector in proportion to employment, sizes heavy-tailed (Pareto), scaled so
    each sector's firms hold its employed workers."""
    r = scenario.region
    shares = np.array([s.employment_share for s in r.sectors])
    counts = np.maximum(1, np.floor(shares / shares.sum() * r.n_firms)).astype(int)
    counts[np.argmax(counts)] += r.n_firms - counts.sum()
    sector = np.repeat(np.arange(len(counts)), counts).astype(np.int8)
    raw = rng.pareto(scenario.firms.size_pareto_alpha, r.n_firms) + 1.0
    raw = np.minimum(raw, 1e4)  # a single firm cannot hold a whole sector of a small region
    size0 = np.zeros(r.n_firms)
    for s in range(len(counts)):
        m = sector == s
        size0[m] = raw[m] / raw[m].sum() * max(employed_by_sector[s], 1)
    n = r.n_firms
    return FirmTable(
        sector=sector, size0=size0, eligible=np.ones(n, bool), member=np.zeros(n, bool),
        headcount=np.zeros(n, np.int64), payroll=np.zeros(n), vacancies=np.zeros((n, 4), np.int64),
        room=np.zeros((n, 4)),        own_training_spend=np.zeros(n), training_rate=np.zeros(n),
        levy_paid_total=np.zeros(n, np.int64), refunded_total=np.zeros(n, np.int64),
        contributions_total=np.zeros(n, np.int64), contribution_recent=np.zeros(n),
        benefit_recent=np.zeros(n), lost_trained=np.zeros(n, np.int64), coinvest_cost=np.zeros(n),
    )


class FirmAgent(mesa.Agent):
    """One employer. Its state is row `idx` of the model's FirmTable."""

    def __init__(self, model: mesa.Model, idx: int) -> None:
        super().__init__(model)
        self.idx = idx

    @property
    def table(self) -> FirmTable:
        return self.model.firm_table

    @property
    def sector(self) -> str:
        return self.model.scenario.region.sectors[int(self.table.sector[self.idx])].name

    @property
    def headcount(self) -> int:
        return int(self.table.headcount[self.idx])

    @property
    def member(self) -> bool:
        return bool(self.table.member[self.idx])

    def joins(self, hurdle: float) -> bool:
        """Would this firm join a voluntary fund now? (The same rule as `membership_decisions`.)"""
        return bool(membership_decisions(self.table, hurdle)[self.idx])


def membership_decisions(firms: FirmTable, hurdle: float) -> np.ndarray:
    """Voluntary membership: join when the benefit a firm expects from the fund exceeds its
    contribution by the hurdle. Non-members still hire fund graduates (free riding)."""
    return firms.eligible & (firms.benefit_recent > hurdle * np.maximum(firms.contribution_recent, 1.0))


def own_training_rates(scenario: Scenario, firms: FirmTable, retention_months: np.ndarray,
                       wage_gain: np.ndarray, cost: np.ndarray, subsidy_share: np.ndarray) -> np.ndarray:
    """Share of staff a firm trains per year at its own cost (Becker/Stevens): the firm keeps
    part of the productivity gain only while the worker stays, so poaching risk (shorter
    expected retention) lowers training; a fund grant lowers the firm's cost."""
    f = scenario.firms
    keep = max(f.productivity_to_wage_gain - 1.0, 0.0) * wage_gain  # $ per month to the firm
    ratio = keep * retention_months / np.maximum(cost * (1.0 - subsidy_share), 1.0)
    k = 2.0
    return f.own_training_max_rate * ratio**k / (ratio**k + f.own_training_hurdle**k)

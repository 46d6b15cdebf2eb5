"""Employers decide apprenticeships (issue 14, docs/ODD.md 7.27): whether a firm takes an
apprentice, and whether the host keeps its graduate at completion, each checked in isolation
and through a scripted recession, paired by seed as in tests/test_careers.py (whose small
region and helpers these share)."""

from __future__ import annotations

from typing import Any

import numpy as np
from test_careers import LOOSE_P, SEEDS, build, greater

from sim.engine import firms as fm
from sim.engine.model import FundModel
from sim.engine.runner import run
from sim.scenario.schema import Scenario

# --- 7.27 employers decide apprenticeships ------------------------------------------------------------

def test_firms_take_fewer_apprentices_when_demand_is_expected_to_fall_unless_subsidised() -> None:
    sc = build(**{"training.apprenticeship_share": 0.5})
    model = FundModel(sc, 1)
    k, f = model.k, model.firms
    flat = np.zeros(k.n_sectors)
    falling = np.full(k.n_sectors, -0.2)

    def chance(growth: np.ndarray, subsidy: float) -> np.ndarray:
        return fm.apprentice_acceptance(sc, f, k.portability, k.quit_mult, growth, subsidy)

    assert np.all(chance(falling, 0.0) < chance(flat, 0.0))
    assert np.all(chance(falling, 0.5) > chance(flat, 0.0))
    index = np.array([[1.0, 1.0], [1.0, 1.0], [0.97, 1.0]])
    np.testing.assert_allclose(fm.demand_outlook(index, 2, 12, lookback=2),
                               [0.97**6 - 1, 0.0])


def test_apprenticeship_starts_fall_with_expected_demand_and_recover_with_a_subsidy() -> None:
    """Per fund start, fewer apprenticeships begin in a recession (firms see falling demand
    and fewer openings); a wage subsidy brings more firms to take apprentices."""
    rec = {"enabled": True, "start_month": 18, "duration_months": 18, "depth": 0.2, "recovery_months": 12}
    common = {"training.apprenticeship_share": 0.5, "training.apprenticeship_months": 12}

    def per_start(**extra: Any) -> np.ndarray:
        sc = build(horizon=40, **common, **extra)
        out = []
        for s in SEEDS[:3]:
            r = run(sc, s)
            a, b = r.series("apprenticeship_starts"), r.series("fund_enrolments")
            out.append(a.loc[20:36].sum() / b.loc[20:36].sum())
        return np.array(out)

    calm = per_start()
    slump = per_start(**{"demand.recession": rec})
    subsidised = per_start(**{"demand.recession": rec, "fund.apprentice_wage_subsidy": 0.6})
    assert greater(calm, slump) < LOOSE_P
    assert greater(subsidised, slump) < LOOSE_P


def test_hosts_keep_fewer_graduates_without_a_post_or_when_demand_is_falling() -> None:
    """The keep decision at completion: a host with a post for the graduate keeps her more
    often than not; one over-staffed at her level, or expecting demand to fall, less often; a
    higher value of a graduate over an outside hire, more often."""
    sc = build(**{"training.apprenticeship_share": 0.5})
    model = FundModel(sc, 1)
    k, f = model.k, model.firms
    firm = np.flatnonzero(f.headcount > 20)[:10]
    assert len(firm) == 10
    level = np.ones(len(firm), dtype=np.int64)
    flat, falling = np.zeros(k.n_sectors), np.full(k.n_sectors, -0.2)

    def keep(scenario: Scenario, room: float, growth: np.ndarray) -> np.ndarray:
        f.room[firm, 1] = room
        return fm.keep_chance(scenario, f, firm, level, k.level_shares, k.portability, k.quit_mult, growth)

    calm = keep(sc, 0.5, flat)  # half a post to spare at her level: a post for her
    assert np.all((calm > 0.5) & (calm < 1.0))
    assert np.all(keep(sc, -2.0, flat) < calm)
    assert np.all(keep(sc, 0.5, falling) < calm)
    valued = build(**{"training.apprenticeship_share": 0.5, "careers.graduate_productivity_premium": 0.2})
    assert np.all(keep(valued, 0.5, flat) > calm)


def kept_share(r: Any, months: slice) -> float:
    done = r.series("apprenticeship_completions").loc[months].sum()
    assert done > 10
    return 1.0 - r.series("apprenticeship_graduates_released").loc[months].sum() / done


def test_graduates_kept_share_falls_in_a_recession() -> None:
    """Hosts keep a smaller share of their graduates while demand falls than in the year
    before the recession, seed by seed; released graduates look for work."""
    common = {"training.apprenticeship_share": 0.5, "training.apprenticeship_months": 12}
    rec = {"enabled": True, "start_month": 30, "duration_months": 12, "depth": 0.2, "recovery_months": 12}
    sc = build(horizon=48, **common, **{"demand.recession": rec})
    before, during = [], []
    for s in SEEDS[:3]:
        r = run(sc, s)
        before.append(kept_share(r, slice(18, 29)))
        during.append(kept_share(r, slice(32, 44)))
    assert greater(np.array(before), np.array(during)) < LOOSE_P

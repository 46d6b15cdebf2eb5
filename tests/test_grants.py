"""Grants to employers: tiered refund shares (firm size, course level, trainee group and age), the
hourly wage subsidy for time in training with its annual cap, and the annual cap per firm on
every grant. Rules are checked on hand cases; the engine is checked on what the ledger paid."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from sim.engine.model import FundModel
from sim.engine.workers import PROG_INCUMBENT
from sim.ledger import to_cents
from sim.rules.grants import EmployerGrants, FirmGrantCap
from sim.scenario.schema import Scenario
from tests.test_payment_flows import step_with_hooks

SME_AND_40_PLUS = [  # first match wins
    {"kind": "share_tier", "share": 0.9, "firm_size_max": 49},
    {"kind": "share_tier", "share": 0.7, "who": {"age_min": 40}},
    {"kind": "share_tier", "share": 0.6, "rung_min": 3},
]
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "grants.yaml").read_text())


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_grant_case(case: dict[str, Any]) -> None:
    assert case.get("why") and ("grants" in case) != ("cap" in case), case["name"]
    expect = case["expect"]
    if "grants" in case:
        g = EmployerGrants.model_validate(case["grants"])
        i = case["inputs"]
        n = len(i["rung"])
        got = g.refund_for(i["default"], np.asarray(i.get("price", [1000.0] * n), dtype=np.float64),
                           np.asarray(i["firm_size"]), np.asarray(i["rung"]),
                           np.asarray(i.get("group", [0] * n), dtype=np.int8), np.asarray(i["age"]))
        assert got.tolist() == pytest.approx(expect["refund"], abs=1e-9)
        return
    cap = case["cap"]
    used = np.asarray(cap["used"], dtype=np.int64)
    paid = FirmGrantCap.trim(np.asarray(cap["cents"], dtype=np.int64), used, float(cap["cap_annual"]))
    assert paid.tolist() == expect["paid"]
    assert used.tolist() == expect["used"]


def test_firm_share_is_the_default_without_tiers_and_averages_typical_trainees_with() -> None:
    prices = np.array([5000.0, 8000.0, 12000.0])
    assert EmployerGrants().firm_share(0.5, np.array([5, 500]), prices) == 0.5
    g = EmployerGrants.model_validate({"tiers": SME_AND_40_PLUS})
    small, large = g.firm_share(0.5, np.array([5, 500]), prices).tolist()
    assert small == pytest.approx(0.9)
    # large: ages 20, 30, 45, 60 x rungs 1-3: 45 and 60 -> 0.7 (6 cells); 20, 30 at rung 3 -> 0.6
    # (2 cells); the other 4 -> 0.5
    assert large == pytest.approx((6 * 0.7 + 2 * 0.6 + 4 * 0.5) / 12)


@pytest.mark.parametrize(("tier", "message"), [
    ({"kind": "share_tier", "firm_size_min": 50, "firm_size_max": 10},
     "firm_size_min (50) is above firm_size_max (10)"),
    ({"kind": "amount_tier", "rung_min": 3, "rung_max": 1}, "rung_min (3) is above rung_max (1)"),
    ({"kind": "share_tier", "share": 1.5}, "less than or equal to 1"),
])
def test_bad_tiers_are_rejected_naming_the_field(tier: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)) as err:
        Scenario.model_validate({"fund": {"grants": {"tiers": [tier]}}})
    assert "fund.grants.tiers.0" in str(err.value)  # names the field


# --- in the engine ------------------------------------------------------------------------------

REGION = {"n_workers": 3000, "n_firms": 60, "n_providers": 4}


def build(small_dict: Callable[..., dict[str, Any]], grants: dict[str, Any],
          horizon: int = 36) -> Scenario:
    data = small_dict("baseline.yaml", horizon_months=horizon, **REGION)
    data["fund"]["grants"] = grants
    data["outputs"] = {"counterfactual": False}
    return Scenario.model_validate(data)


def firm_year(led: pd.DataFrame, categories: set[str]) -> pd.Series:
    rows = led[led.category.isin(categories) & led.payee.str.startswith("firm:")]
    return rows.groupby([rows.payee, (rows.month - 1) // 12]).amount_cents.sum()


def test_tiered_incumbent_grants_refund_each_seat_at_its_share(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    sc = build(small_scenario_dict, {"tiers": SME_AND_40_PLUS})
    model = FundModel(sc, seed=5)
    expected: dict[tuple[int, str], int] = {}
    used: set[float] = set()

    def check(m: FundModel) -> None:  # right after train_incumbents: this month's new seats
        p, f = m.workers, m.firms
        new = np.flatnonzero((p.prog_kind == PROG_INCUMBENT) & (p.last_start == m.month))
        if not m.fund_active or len(new) == 0:
            return
        firm = p.employer[new]
        share = np.select([f.headcount[firm] <= 49, p.age_years(m.month, new) >= 40, p.prog_rung[new] == 3],
                          [0.9, 0.7, 0.6], 0.5)
        used.update(share[f.member[firm]].tolist())
        refund = np.where(f.member[firm], m.k.price[p.prog_rung[new] - 1] * share, 0.0)
        per = np.bincount(firm, weights=refund, minlength=f.n) * m.fund.grant_fill
        for i in np.flatnonzero(per > 0):
            expected[(m.month, f"firm:{i}")] = int(to_cents(per[i]))

    for _ in range(sc.horizon_months):
        step_with_hooks(model, {"move_between_jobs": check})
    led = model.ledger.to_frame()
    rows = led[led.category == "incumbent_grant"]
    got = {(int(r.month), r.payee): int(r.amount_cents) for r in rows.itertuples()}
    assert len(got) > 30, "too few incumbent grants for the test to mean anything"
    assert got.keys() == expected.keys()
    off = [k for k in got if abs(got[k] - expected[k]) > 1]  # to_cents of a sum vs a sum of parts
    assert not off, [(k, got[k], expected[k]) for k in off[:5]]
    assert used == {0.9, 0.7, 0.6, 0.5}, f"not every tier was used: {sorted(used)}"


def test_hourly_wage_subsidy_pays_training_hours_up_to_its_annual_cap(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    sc = build(small_scenario_dict, {"hourly_wage_subsidy": 4.5, "training_hours_monthly": 20,
                                     "hourly_subsidy_cap_annual": 1_000.0})
    model = FundModel(sc, seed=2)
    for _ in range(sc.horizon_months):
        model.step()
    per = firm_year(model.ledger.to_frame(), {"training_wage_subsidy"})
    assert len(per) > 10, "too few firms got the subsidy for the test to mean anything"
    assert ((per % 9_000 == 0) | (per == 100_000)).all()  # $90 a trainee-month, or the cap
    assert per.max() == 100_000, "the cap never bound: make it smaller or the region bigger"
    assert (per <= 100_000).all()


def test_firm_cap_bounds_every_grant_a_firm_gets_in_a_year(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    grants = {"hourly_wage_subsidy": 10.0, "firm_cap_annual": 2_500.0}
    sc = build(small_scenario_dict, grants)
    model = FundModel(sc, seed=2)
    for _ in range(sc.horizon_months):
        model.step()
    led = model.ledger.to_frame()
    every = {"incumbent_grant", "training_wage_subsidy", "externship_subsidy", "apprentice_subsidy"}
    per = firm_year(led, every)
    assert per.max() == 250_000, "the cap never bound"
    assert (per <= 250_000).all()
    uncapped = Scenario.model_validate({**sc.model_dump(), "fund": {
        **sc.model_dump()["fund"], "grants": {"hourly_wage_subsidy": 10.0}}})
    free = FundModel(uncapped, seed=2)
    for _ in range(sc.horizon_months):
        free.step()
    assert firm_year(free.ledger.to_frame(), every).max() > 250_000  # without it, some firm gets more

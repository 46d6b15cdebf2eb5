"""Bonus-malus on a stock of trainees (issue 13 item 11) in whole runs: what a user meets in the
ledger at each assessment year's end, counted by hand from the run, and firms hosting more
apprentices when short years cost them. The rule's arithmetic is in tests/cases/contributions.yaml."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from sim.engine.model import FundModel
from sim.engine.workers import APPRENTICE
from sim.ledger import to_cents
from sim.outcomes import INDEX
from sim.scenario.checks import rule_warnings
from sim.scenario.schema import Scenario
from tests.conftest import small_dict
from tests.test_payment_flows import step_with_hooks

STOCK = {"kind": "bonus_malus_stock", "counts": ["apprenticeship"], "target_per_staff": 0.02,
         "malus_per_unit": 6_000.0, "bonus_per_unit": 2_000.0}


def build(rule: dict[str, Any] | None, horizon: int = 36, **training: Any) -> Scenario:
    data = small_dict(horizon_months=horizon, n_workers=3000, n_firms=60)
    data["outputs"] = {"counterfactual": False}
    data["fund"]["membership"] = "compulsory"
    data["fund"]["contributions"] = [{"kind": "payroll_levy", "rate": 0.01},
                                     *([rule] if rule is not None else [])]
    data["training"] = {**data.get("training", {}), "apprenticeship_share": 0.5, **training}
    return Scenario.model_validate(data)


def test_firms_pay_for_apprentice_years_short_of_target_and_are_paid_for_those_over_it() -> None:
    sc = build(STOCK)
    model = FundModel(sc, 2)
    n = model.firms.n
    months = {"appr": np.zeros(n), "staff": np.zeros(n)}
    expected: dict[int, np.ndarray] = {}

    def count(m: FundModel) -> None:  # this month's apprentices and staff, by hand
        p = m.workers
        hosted = (p.status == APPRENTICE) & (p.employer >= 0)
        months["appr"] += np.bincount(p.employer[hosted], minlength=n)
        months["staff"] += m.firms.staff
        if m.month % 12 == 0:
            units = months["appr"] / 12 - 0.02 * months["staff"] / 12
            expected[m.month] = to_cents(np.where(units < 0, -units * 6_000.0, -units * 2_000.0))
            months["appr"][:], months["staff"][:] = 0, 0

    for _ in range(sc.horizon_months):
        step_with_hooks(model, {"fund_collects": count})
    led = model.ledger.to_frame()
    for month, cents in expected.items():
        rows = led[led.month == month]
        malus = rows[rows.category == "stock_malus"]
        bonus = rows[rows.category == "stock_bonus"]
        got = np.zeros(n, dtype=np.int64)
        np.add.at(got, [int(a.split(":")[1]) for a in malus.payer], malus.amount_cents.to_numpy())
        np.subtract.at(got, [int(a.split(":")[1]) for a in bonus.payee], bonus.amount_cents.to_numpy())
        assert got.tolist() == cents.tolist(), f"month {month}"
    assert (led.category == "stock_malus").any() and (led.category == "stock_bonus").any()
    assert set(led[led.category.str.startswith("stock_")].month) <= {12, 24, 36}


def test_a_malus_on_apprentice_years_makes_firms_host_more_apprentices() -> None:
    def starts(rule: dict[str, Any] | None) -> float:
        sc = build(rule)
        model = FundModel(sc, 2)
        for _ in range(sc.horizon_months):
            model.step()
        return float(model.rec.data[:, :, -1, -1][:, INDEX["apprenticeship_starts"]].sum())

    without, with_malus = starts(None), starts({**STOCK, "malus_per_unit": 30_000.0})
    assert with_malus > without * 1.1, (without, with_malus)


@pytest.mark.parametrize(("change", "words"), [
    ({"counts": []}, "counts: name at least one programme type"),
    ({"counts": ["apprenticeship", "apprenticeship"]}, "each programme type once"),
    ({"counts": ["course"]}, "counts"),
    ({"malus_per_unit": 0.0, "bonus_per_unit": 0.0}, "both 0"),
    ({"target_per_staff": 2.0}, "target_per_staff"),
])
def test_bad_stock_rules_are_refused_with_the_field_named(change: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        build({**STOCK, **change})


def test_a_stock_of_apprentices_where_none_start_is_a_warning() -> None:
    sc = build(STOCK, apprenticeship_share=0.0)
    assert any("every firm's stock is 0" in w.message for w in rule_warnings(sc))
    assert not any("stock" in w.message for w in rule_warnings(build(STOCK)))

"""Social finance: pay-for-success and income-share agreements. Repayment rules on hand cases
(tests/cases/social_finance.yaml); in runs, investors pay providers for the seats they finance,
are repaid only on outcomes (pay-for-success) or out of participants' income above the
threshold (income shares), never beyond the caps, and the fund's money is conserved."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from sim.engine.model import FundModel
from sim.engine.workers import EMPLOYED
from sim.rules.social_finance import Financed, FinancingT
from sim.scenario.schema import Scenario
from tests.test_payment_flows import step_with_checks

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "social_finance.yaml").read_text())
RULE = TypeAdapter(FinancingT)
DEFAULTS = {"price_cents": 500_000, "months": 6, "employed": True, "earnings": 0.0, "repaid_cents": 0}


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_repayment_case(case: dict[str, Any]) -> None:
    assert case.get("why"), case["name"]
    rule = RULE.validate_python(case["rule"])
    i = case["inputs"]
    n = len(i["start"])
    col = {k: np.asarray(i.get(k, [d] * n)) for k, d in DEFAULTS.items()}
    fin = Financed(month=i["month"], start=np.asarray(i["start"]),
                   price_cents=col["price_cents"].astype(np.int64), months=col["months"].astype(np.int64),
                   employed=col["employed"].astype(bool), earnings=col["earnings"].astype(np.float64),
                   repaid_cents=col["repaid_cents"].astype(np.int64))
    got = rule.repayments(fin)
    assert np.issubdtype(got.dtype, np.integer)
    assert got.tolist() == case["expect"]["cents"]


def test_at_most_one_financing_rule_and_bad_values_name_the_field() -> None:
    two = [{"kind": "pay_for_success"}, {"kind": "income_share"}]
    with pytest.raises(ValidationError, match="at most 1 item"):
        Scenario.model_validate({"fund": {"financing": two}})
    with pytest.raises(ValidationError, match=re.escape("fund.financing.0.pay_for_success.control_rate")):
        Scenario.model_validate({"fund": {"financing": [{"kind": "pay_for_success", "control_rate": 2}]}})


REGION = {"n_workers": 3000, "n_firms": 60, "n_providers": 4}


def run(small_dict: Callable[..., dict[str, Any]], rule: dict[str, Any], seed: int = 1,
        check: Callable[[FundModel], None] | None = None) -> FundModel:
    data = small_dict("baseline.yaml", horizon_months=48, **REGION)
    data["outputs"] = {"counterfactual": False}
    data["fund"]["financing"] = [rule]
    sc = Scenario.model_validate(data)
    model = FundModel(sc, seed)
    for _ in range(sc.horizon_months):
        step_with_checks(model, check or (lambda m: None))
    return model


def test_pay_for_success_investors_fund_seats_and_are_repaid_only_on_outcomes(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    rule = {"kind": "pay_for_success", "capital": 400_000, "measure_months": 12, "outcome_payment": 8_000,
            "control_rate": 0.3, "max_return": 0.1}
    expected: dict[int, int] = {}

    def count(m: FundModel) -> None:  # cohorts measured this month, counted by hand
        book = m.fund.investors
        measured = book.start == m.month - 12
        if not measured.any():
            return
        employed = measured & (m.workers.status[book.person] == EMPLOYED)
        n, hits = int(measured.sum()), int(employed.sum())
        beyond = max(0.0, hits - 0.3 * n)
        if hits and beyond > 0:
            each = int(np.floor(800_000 * beyond / hits + 1e-9))
            expected[m.month] = min(each * hits, book.cap_left())

    model = run(small_scenario_dict, rule, check=count)
    led = model.ledger.to_frame()
    book = model.fund.investors
    assert len(book.person) > 20, "too few financed seats for the test to mean anything"
    assert book.committed <= 40_000_000  # within the capital
    to_providers = led[led.payer == "investors"]
    assert set(to_providers.payee.str.split(":").str[0]) == {"provider"}
    assert to_providers.amount_cents.sum() == book.invested > 0
    back = led[led.category == "pfs_repayment"]
    assert (back.payer == "fund").all() and (back.payee == "investors").all()
    assert back.groupby("month").amount_cents.sum().to_dict() == {k: v for k, v in expected.items() if v}
    assert book.repaid <= book.invested * 1.1


def test_income_share_participants_repay_above_the_threshold_up_to_the_cap(
        small_scenario_dict: Callable[..., dict[str, Any]]) -> None:
    rule = {"kind": "income_share", "capital": 400_000, "income_share": 0.1, "threshold_annual": 30_000,
            "cap_multiple": 1.2, "years": 3}
    model = run(small_scenario_dict, rule)
    led = model.ledger.to_frame()
    book = model.fund.investors
    rows = led[led.category == "isa_repayment"]
    assert len(rows) > 50 and (rows.payee == "investors").all()
    assert rows.payer.str.match(r"^participant:\d+$").all()
    assert "fund" not in set(rows.payer) | set(rows.payee)  # the fund is no party to the repayments
    per = rows.groupby(rows.payer.str.split(":").str[1].astype(int)).amount_cents.sum()
    price = dict(zip(book.person.tolist(), book.price.tolist(), strict=True))
    assert all(per[i] <= np.floor(price[i] * 1.2) for i in per.index)
    assert any(per[i] == np.floor(price[i] * 1.2) for i in per.index), "the cap never bound"
    assert set(per.index) <= set(book.person.tolist())


def test_a_dated_investor_share_is_the_financing_window_and_each_seat_keeps_its_starting_share() -> None:
    steps = [{"from": 1, "value": 0}, {"from": 13, "value": 1.0}, {"from": 25, "value": 0.5},
             {"from": 37, "value": 0}]
    rule = RULE.validate_python({"kind": "pay_for_success", "investor_share": steps})
    opened = [rule.open(m) for m in (1, 12, 13, 24, 25, 36, 37)]
    assert opened == [False, False, True, True, True, True, False]
    assert rule.share_at(np.array([12, 13, 30, 40])).tolist() == [0.0, 1.0, 0.5, 0.0]
    with pytest.raises(ValidationError, match=r"(?s)investor_share.*step 2.*between 0 and 1"):
        RULE.validate_python({"kind": "pay_for_success",
                              "investor_share": [{"from": 1, "value": 0}, {"from": 13, "value": 1.5}]})

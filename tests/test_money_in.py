"""Money-in rules in whole runs: levy bases, dated levers, liability (size bands, smoothing,
per-employee minimum and maximum) and firms' training response. The rules' own arithmetic is in
tests/cases/contributions.yaml; these check what a user meets in a run's ledger and metrics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.model import FundModel
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario_dict
from sim.scenario.schema import Scenario
from tests.conftest import small_dict


def levy_run(rule: dict[str, Any], horizon: int = 24, seed: int = 3, **extra: Any) -> pd.DataFrame:
    """The ledger of a small baseline region whose only money in is `rule`."""
    data = small_dict(horizon_months=horizon)
    data["fund"]["contributions"] = [rule]
    data["fund"]["membership"] = "compulsory"
    data["outputs"] = {"counterfactual": False}
    for key, value in extra.items():
        data[key] = {**data.get(key, {}), **value}
    return sim.run(Scenario.model_validate(data), seed).ledger


def paid_by_month(ledger: pd.DataFrame, category: str) -> pd.Series:
    rows = ledger[(ledger.category == category) & (ledger.payee == "fund")]
    return rows.groupby("month").amount_cents.sum()


def test_a_wage_cap_above_every_wage_levies_exactly_the_uncapped_base() -> None:
    """Issue 13 item 3: the capped base used to be counted at collection time and the uncapped one
    from last month's pay bill, so a cap no wage reaches still changed the levy ($2.95M v $3.01M)."""
    plain = levy_run({"kind": "payroll_levy", "rate": 0.01})
    capped = levy_run({"kind": "payroll_levy", "rate": 0.01, "wage_cap_annual": 9_000_000})
    a, b = paid_by_month(plain, "levy"), paid_by_month(capped, "levy")
    assert a.sum() > 0
    pd.testing.assert_series_equal(a, b)


def test_a_binding_wage_cap_levies_less() -> None:
    plain = paid_by_month(levy_run({"kind": "payroll_levy", "rate": 0.01}), "levy").sum()
    capped = paid_by_month(levy_run({"kind": "payroll_levy", "rate": 0.01, "wage_cap_annual": 20_000}),
                           "levy").sum()
    assert 0 < capped < plain


def test_a_dated_rate_holiday_collects_nothing_in_its_months() -> None:
    """A levy holiday from month 7 to 12 (dated rate): nothing collected then, the same as the
    plain rate before and after."""
    dated = [{"from": 1, "value": 0.01}, {"from": 7, "value": 0.0}, {"from": 13, "value": 0.01}]
    holiday = paid_by_month(levy_run({"kind": "payroll_levy", "rate": dated}), "levy")
    plain = paid_by_month(levy_run({"kind": "payroll_levy", "rate": 0.01}), "levy")
    assert not set(range(7, 13)) & set(holiday.index)
    before = [m for m in range(1, 7) if m in plain.index]
    assert before and (holiday.loc[before] == plain.loc[before]).all()
    assert set(range(13, 25)) <= set(holiday.index)


def test_non_employee_payments_are_a_levy_base() -> None:
    """A levy on payments to non-employees collects nothing where sectors pay none, and the
    sector's share of payroll times the rate where they do (compared in the months before the
    fund spends, when the runs' pay bills are still the same; to a cent per firm)."""
    rule = {"kind": "payroll_levy", "rate": 0.01, "base": "contractors"}
    assert paid_by_month(levy_run(rule), "levy").sum() == 0
    data = small_dict()
    shares = {"sectors": [{**s, "non_employee_pay_share": 0.5} for s in data["region"]["sectors"]]}
    firms = data["region"]["n_firms"]
    early = [1, 2]
    on_payroll = paid_by_month(levy_run({"kind": "payroll_levy", "rate": 0.01}), "levy").loc[early]
    contractors = paid_by_month(levy_run(rule, region=shares), "levy").loc[early]
    assert (abs(contractors - 0.5 * on_payroll) <= firms).all()
    both = paid_by_month(levy_run({**rule, "base": "payroll_and_contractors"}, region=shares), "levy")
    assert (abs(both.loc[early] - 1.5 * on_payroll) <= firms).all()


def firm_levy(ledger: pd.DataFrame, category: str = "levy") -> pd.DataFrame:
    rows = ledger[(ledger.category == category) & (ledger.payee == "fund")]
    return rows.assign(firm=rows.payer.str.removeprefix("firm:").astype(int))


def test_exempt_band_pays_nothing_and_reduced_band_pays_its_share() -> None:
    """Head-count bands: under 10 staff exempt, 10-49 half, 50+ in full."""
    bands = [{"from_size": 0, "scale": 0}, {"from_size": 10, "scale": 0.5}, {"from_size": 50, "scale": 1}]
    rule = {"kind": "per_employee_levy", "amount_annual": 1200, "liability": {"bands": bands}}
    data = small_dict(horizon_months=12)
    data["fund"]["contributions"] = [rule]
    data["outputs"] = {"counterfactual": False}
    model = FundModel(Scenario.model_validate(data), 5)
    model.step()
    staff = model.firms.staff.copy()  # the pay bill month 2 levies
    model.step()
    led = model.ledger.to_frame()
    got = firm_levy(led[led.month == 2]).set_index("firm").amount_cents
    small, mid, big = staff < 10, (staff >= 10) & (staff < 50), staff >= 50
    assert small.any() and mid.any() and big.any()
    assert not set(np.flatnonzero(small)) & set(got.index)
    expect = np.where(mid, 0.5, 1.0) * 100.0 * staff * 100  # $100 a month per employee, in cents
    for i in np.flatnonzero(~small):
        assert got.loc[i] == round(expect[i])


@pytest.mark.parametrize(("liability", "message"), [
    ({"bands": [{"from_size": 5, "scale": 0}]},
     "fund.contributions[0].liability: bands: the first band must start at from_size 0 (it starts at 5)"),
    ({"bands": [{"from_size": 0, "scale": 0}, {"from_size": 10, "scale": 1}, {"from_size": 10, "scale": 1}]},
     "fund.contributions[0].liability: bands: from_size must increase"),
    ({"min_per_employee_annual": 500, "max_per_employee_annual": 100},
     "fund.contributions[0].liability: min_per_employee_annual (500) is above max_per_employee_annual (100)"),
    ({"smoothing_years": 5}, "fund.contributions[0].liability: smoothing_years needs two or more size bands"),
    ({"bands": []}, "fund.contributions[0].liability: bands: give at least one band"),
    ({"bands": [{"from_size": 0, "scale": 1.5}]},
     "fund.contributions[0].liability.bands[0].scale: must be between 0 and 1"),
])
def test_bad_liability_rules_name_the_field(liability: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario_dict({"fund": {"contributions": [{"kind": "payroll_levy", "liability": liability}]}})
    assert str(err.value).startswith(message), str(err.value)


def incumbent_training(rules: list[dict[str, Any]], seed: int = 4) -> tuple[float, float]:
    """(incumbent upskilling starts over the run, $ firms spent on training their own staff)."""
    data = small_dict(horizon_months=36)
    data["fund"]["contributions"] = rules
    data["outputs"] = {"counterfactual": False}
    r = sim.run(Scenario.model_validate(data), seed)
    own = r.ledger[r.ledger.category == "own_training"].amount_cents.sum() / 100
    return r.horizon()["incumbent_enrolments"], own


LEVY = {"kind": "payroll_levy", "rate": 0.005}


@pytest.mark.parametrize("rule", [
    {"kind": "train_or_pay", "required_share": 0.01},
    {"kind": "levy_grant_refund", "refund_share": 0.8, "reimbursement_rate": 0.8},
    {"kind": "bonus_malus", "target_trained_share": 0.1, "malus_rate": 0.01, "bonus_rate": 0.005},
], ids=["train_or_pay", "levy_grant_refund", "bonus_malus"])
def test_firms_train_more_when_a_money_in_rule_rewards_training(rule: dict[str, Any]) -> None:
    """Issue 13 item 13, paired (same seed, same people): the same fund with and without a rule
    that rewards training firms do at their own cost. Firms weigh what they would remit, reclaim
    or be charged, so their own training rises."""
    without = incumbent_training([LEVY])
    with_rule = incumbent_training([LEVY, rule])
    assert with_rule[0] > without[0] * 1.05, (with_rule, without)
    assert with_rule[1] > without[1], (with_rule, without)


def test_train_or_pay_training_stops_at_what_the_requirement_pays_for() -> None:
    """A tiny requirement pays for almost no training: training barely moves; a large one moves it
    a lot more (firms train up to the requirement, not without limit)."""
    base = incumbent_training([LEVY])[0]
    tiny = incumbent_training([LEVY, {"kind": "train_or_pay", "required_share": 0.0001}])[0]
    large = incumbent_training([LEVY, {"kind": "train_or_pay", "required_share": 0.02}])[0]
    assert tiny - base < 0.2 * (large - base), (base, tiny, large)


def test_earmarks_route_their_share_of_each_months_income_to_their_own_account() -> None:
    """Issue 13 item 6: 30% of the levy leaves the region (a national fund) and 10% of employer
    money goes to a separate pot, every month, each to its own ledger account; the rest stays in
    the pool. The dated share of the national fund drops to 0 from month 13."""
    marks = [{"name": "national", "share": [{"from": 1, "value": 0.3}, {"from": 13, "value": 0.0}],
              "income": "levy", "destination": "out_of_region"},
             {"name": "reserve_pot", "share": 0.1, "income": "employers"}]
    led = levy_run(LEVY, horizon=18, fund={"earmarks": marks})
    levy = paid_by_month(led, "levy")
    out = led[led.category == "transfer_out"]
    pot = led[led.category == "earmark"]
    assert set(out.payee) == {"earmark:0"} and set(pot.payee) == {"earmark:1"}
    assert (out.payer == "fund").all() and (pot.payer == "fund").all()
    national = out.groupby("month").amount_cents.sum()
    assert list(national.index) == list(range(1, 13))
    assert ((national - 0.3 * levy.loc[national.index]).abs() <= 0.5).all()
    kept = pot.groupby("month").amount_cents.sum()
    assert ((kept - 0.1 * levy.loc[kept.index]).abs() <= 0.5).all()
    assert list(kept.index) == list(levy.index)


def test_earmark_shares_of_one_income_cannot_exceed_it() -> None:
    marks = [{"name": "a", "share": [{"from": 1, "value": 0.5}, {"from": 7, "value": 0.8}]},
             {"name": "b", "share": 0.3}]
    message = r"fund: earmarks: the shares of employers income add up to 1\.1 in month 7"
    with pytest.raises(ScenarioError, match=message):
        load_scenario_dict({"fund": {"earmarks": marks}})


def test_an_annual_train_or_pay_is_settled_at_each_years_end_only() -> None:
    """Issue 13 item 4: assessed over the year, the obligation is paid in months 12 and 24 only,
    and less than month by month (a firm's busy training months make up for its idle ones)."""
    rule = {"kind": "train_or_pay", "required_share": 0.01}
    monthly = paid_by_month(levy_run(rule), "train_or_pay")
    annual = paid_by_month(levy_run({**rule, "assessment": "annual"}), "train_or_pay")
    assert list(annual.index) == [12, 24]
    assert len(monthly) > 12
    assert 0 < annual.sum() < monthly.sum()


def test_lapsing_refund_entitlements_return_less_levy_than_carrying_them_forward() -> None:
    refund = {"kind": "levy_grant_refund", "refund_share": 0.5, "reimbursement_rate": 1.0}

    def refunded(unused: str) -> int:
        led = levy_run(LEVY, horizon=36, fund={"contributions": [LEVY, {**refund, "unused": unused}]})
        return int(led[led.category == "levy_refund"].amount_cents.sum())

    kept, lapsed = refunded("carry_forward"), refunded("lapse")
    assert 0 < lapsed < kept


def test_levy_grants_go_only_to_firms_that_filed_a_plan_and_filing_rises_with_value() -> None:
    """Issue 13 item 5: grants back only for firms that filed a training plan for the year; a
    firm files with probability V / (V + plan_cost), so a costlier plan means fewer filers."""
    grant = {"kind": "levy_grant_refund", "refund_share": 0.8, "reimbursement_rate": 1.0,
             "requires_plan": True}

    def run(cost: float) -> tuple[np.ndarray, pd.DataFrame]:
        data = small_dict(horizon_months=24)
        data["fund"]["contributions"] = [LEVY, {**grant, "plan_cost": cost}]
        data["outputs"] = {"counterfactual": False}
        model = FundModel(Scenario.model_validate(data), 3)
        for _ in range(14):
            model.step()
        return model.firms.plan_filed.copy(), model.ledger.to_frame()

    filed, led = run(500.0)
    back = led[(led.category == "levy_refund") & (led.month >= 13)]
    payees = set(back.payee.str.removeprefix("firm:").astype(int))
    assert payees and payees <= set(np.flatnonzero(filed))
    costly, _ = run(50_000.0)
    assert 0 < costly.sum() < filed.sum()
    assert not (costly & ~filed).any()  # the same luck: whoever files at the high cost files at the low


def test_only_firms_that_filed_a_plan_count_on_the_levy_grant_when_deciding_to_train() -> None:
    from pydantic import TypeAdapter

    from sim.rules.contributions import ContributionRule
    from tests.test_rules import contribution_context

    rule = TypeAdapter(ContributionRule).validate_python(
        {"kind": "levy_grant_refund", "refund_share": 0.5, "reimbursement_rate": 0.8, "requires_plan": True})
    ctx = contribution_context({"levy_paid_total": [100_000, 100_000, 0], "plan_filed": [True, False, True]})
    assert rule.training_pull(ctx).subsidy.tolist() == [0.8, 0.0, 0.0]  # the third has no levy to reclaim


def test_lapsed_levy_is_awarded_to_providers_by_their_trainees_placements() -> None:
    """Issue 13 item 5: levy that firms did not reclaim (lapsed at a year end) goes, as
    discretionary grants, to providers in proportion to their fund trainees placed over the year
    (a year without placements awards nothing: the money stays in the pool)."""
    refund = {"kind": "levy_grant_refund", "refund_share": 0.8, "reimbursement_rate": 1.0, "unused": "lapse"}
    data = small_dict(horizon_months=36)
    data["fund"]["contributions"] = [LEVY, refund]
    data["fund"]["discretionary"] = {"share": 1.0, "criterion": "placements"}
    data["outputs"] = {"counterfactual": False}
    model = FundModel(Scenario.model_validate(data), 3)
    for _ in range(24):
        model.step()
    placed_before, lapsed_before = model.providers.placements.copy(), int(model.firms.lapsed_total.sum())
    for _ in range(12):
        model.step()
    placed = model.providers.placements - placed_before  # the third year's placements
    lapsed = int(model.firms.lapsed_total.sum()) - lapsed_before  # lapsed at the end of year 3
    led = model.ledger.to_frame()
    grants = led[led.category == "discretionary_grant"]
    assert set(grants.month) <= {12, 24, 36}  # awarded only at year ends
    grants = grants[grants.month == 36]
    assert placed.sum() > 0 and lapsed > 0 and len(grants) > 0
    paid = grants.set_index(grants.payee.str.removeprefix("provider:").astype(int)).amount_cents
    expect = np.floor(lapsed * placed / placed.sum())
    np.testing.assert_array_equal(paid.reindex(range(model.providers.n), fill_value=0).to_numpy(), expect)

"""Money-in, money-out and reserve rules, tested against hand-computed cases kept as data.

The cases live in tests/cases/{contributions,payments,reserves}.yaml; each states its arithmetic
in `why`. This file only builds the rule from its YAML (through the same discriminated unions a
scenario file uses), fills in the context defaults, runs the rule and compares.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from sim.rules.contributions import RULES, ContributionContext, ContributionRule
from sim.rules.payments import PaymentEvent, PaymentRuleT, PaymentSchedule
from sim.rules.reserves import ReserveContext, ReservePolicy
from sim.scenario.people import trait_bit

CASES = Path(__file__).parent / "cases"

CONTRIBUTION = TypeAdapter(ContributionRule)
PAYMENT = TypeAdapter(PaymentRuleT)
RESERVE = TypeAdapter(ReservePolicy)


def load(name: str, allowed: set[str]) -> list[dict[str, Any]]:
    cases = yaml.safe_load((CASES / name).read_text())
    assert isinstance(cases, list) and cases, f"{name}: expected a non-empty list of cases"
    names = [c.get("name") for c in cases]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, f"{name}: duplicate case names {sorted(dupes)}"
    for case in cases:
        unknown = set(case) - allowed
        assert not unknown, f"{name}: case {case.get('name')!r} has unknown keys {sorted(unknown)}"
        assert case.get("name") and case.get("why"), f"{name}: every case needs a name and a why"
        assert "expect" in case, f"{name}: case {case['name']!r} has no expect"
    return cases


def params(cases: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in cases]


def union_kinds(union: Any) -> set[str]:
    """The `kind` of every member of an Annotated[Union[...], Field(discriminator='kind')]."""
    members = typing.get_args(typing.get_args(union)[0])
    return {m.model_fields["kind"].default for m in members}


CONTRIBUTION_CASES = load("contributions.yaml", {"name", "rule", "inputs", "expect", "why"})
PAYMENT_CASES = load("payments.yaml", {"name", "rule", "schedule", "inputs", "expect", "why"})
RESERVE_CASES = load("reserves.yaml", {"name", "rule", "inputs", "expect", "why"})

# --- money in -------------------------------------------------------------------------------------

PER_FIRM: dict[str, tuple[Any, Any]] = {  # input -> (dtype, default per firm)
    "headcount": (np.int64, 10),
    "payroll": (np.float64, 0.0),
    "liable": (bool, True),
    "own_training_spend": (np.float64, 0.0),
    "trained_share_12m": (np.float64, 0.0),
    "expected_benefit": (np.float64, 0.0),
    "coinvest_cost": (np.float64, 0.0),
    "levy_paid_total": (np.int64, 0),
    "refunded_total": (np.int64, 0),
    "staff": (np.int64, None),  # default: the head count
    "contractor_payments": (np.float64, 0.0),
    "account_paid": (np.float64, 0.0),
    "levy_by_firm": (np.int64, 0),
    "year_payroll": (np.float64, None),  # default: this month's payroll
    "year_training_spend": (np.float64, None),  # default: this month's training spend
    "lapsed_total": (np.int64, 0),
    "plan_filed": (bool, False),
    "firm_luck": (np.float64, 1.0),  # a uniform of 1 is never below a probability: nobody files
    "year_staff_months": (np.float64, None),  # default: a whole year of today's staff
}
# 2-D: (years, months or programme types, firms)
YEARLY = ("staff_years", "payroll_years", "spend_history", "year_trainee_months")
SCALARS: dict[str, Any] = {
    "month": 0,
    "employer_cents": 0,
    "levy_cents": 0,
    "module_months": (3, 6, 12),
    "base_completion": (0.8, 0.7, 0.5),
    "start_cost_by_rung": (0.0, 0.0, 0.0),
}


def contribution_context(inputs: dict[str, Any]) -> ContributionContext:
    inputs = dict(inputs)
    unknown = set(inputs) - set(PER_FIRM) - set(SCALARS) - set(YEARLY) - {"wages"}
    assert not unknown, f"unknown inputs {sorted(unknown)}"
    wages = inputs.pop("wages", None)
    lengths = {len(v) for k, v in inputs.items() if k in PER_FIRM}
    if wages is not None:
        lengths.add(len(wages))
    assert len(lengths) <= 1, f"per-firm inputs disagree on the number of firms: {sorted(lengths)}"
    n = lengths.pop() if lengths else 1

    arrays: dict[str, np.ndarray] = {}
    for key, (dtype, default) in PER_FIRM.items():
        if key in inputs:
            value = inputs[key]
        elif wages is not None and key == "headcount":
            value = [len(w) for w in wages]
        elif wages is not None and key == "payroll":
            value = [float(sum(w)) for w in wages]
        elif key == "staff":
            value = arrays["headcount"]
        elif key == "year_payroll":
            value = arrays["payroll"]
        elif key == "year_training_spend":
            value = arrays["own_training_spend"]
        elif key == "year_staff_months":
            value = arrays["staff"] * 12.0
        else:
            value = [default] * n
        arrays[key] = np.asarray(value, dtype=dtype)

    def capped_payroll(cap_annual: float) -> np.ndarray:
        assert wages is not None, "a wage-capped rule needs per-employee `wages` in the case inputs"
        monthly_cap = cap_annual / 12.0
        return np.array([sum(min(float(w), monthly_cap) for w in firm) for firm in wages])

    scalars = {k: inputs.get(k, v) for k, v in SCALARS.items()}
    return ContributionContext(
        month=int(scalars["month"]),
        capped_payroll=capped_payroll,
        start_cost_by_rung=np.asarray(scalars["start_cost_by_rung"], dtype=np.float64),
        module_months=tuple(int(m) for m in scalars["module_months"]),
        base_completion=tuple(float(c) for c in scalars["base_completion"]),
        employer_cents=int(scalars["employer_cents"]),
        levy_cents=int(scalars["levy_cents"]),
        **{k: np.asarray(inputs[k], dtype=np.float64) for k in YEARLY if k in inputs},
        **arrays,
    )


@pytest.mark.parametrize("case", params(CONTRIBUTION_CASES))
def test_contribution(case: dict[str, Any]) -> None:
    rule = CONTRIBUTION.validate_python(case["rule"])
    got = rule.collect(contribution_context(case.get("inputs") or {}))
    expect = case["expect"]
    assert np.issubdtype(got.firm_cents.dtype, np.integer), got.firm_cents.dtype
    assert isinstance(got.public_cents, (int, np.integer)), type(got.public_cents)
    assert got.firm_cents.tolist() == expect["firm_cents"]
    assert int(got.public_cents) == expect.get("public_cents", 0)
    accounts = None if got.account_cents is None else got.account_cents.tolist()
    assert accounts == expect.get("account_cents")
    lapsed = None if got.lapsed_cents is None else got.lapsed_cents.tolist()
    assert lapsed == expect.get("lapsed_cents")


# --- money out ------------------------------------------------------------------------------------

EVENT: dict[str, tuple[Any, Any]] = {  # input -> (dtype, default per participant)
    "price_cents": (np.int64, 100_000),
    "months": (np.int64, 6),
    "retained": (bool, True),
    "wage_gain": (np.float64, 0.0),
    "continuous": (bool, True),
    "group": (np.int8, 0),
    "age": (np.int64, 30),
    "start": (np.int64, 1),  # the month each contract started (dated amounts are read at it)
}


def payment_event(inputs: dict[str, Any]) -> PaymentEvent:
    inputs = dict(inputs)
    groups = inputs.pop("in_groups", None)
    unknown = set(inputs) - set(EVENT)
    assert not unknown, f"unknown inputs {sorted(unknown)}"
    lengths = {len(v) for v in inputs.values()}
    assert len(lengths) <= 1, f"per-participant inputs disagree on their length: {sorted(lengths)}"
    n = lengths.pop() if lengths else 1
    if groups is not None:
        n = len(groups)
    event = PaymentEvent(**{k: np.asarray(inputs.get(k, [d] * n), dtype=t) for k, (t, d) in EVENT.items()})
    masks = [sum(trait_bit(g) for g in names) for names in (groups or [[]] * n)]
    event.traits = np.array(masks, dtype=np.int64)
    return event


@pytest.mark.parametrize("case", params([c for c in PAYMENT_CASES if "rule" in c]))
def test_payment_rule(case: dict[str, Any]) -> None:
    rule = PAYMENT.validate_python(case["rule"])
    expect = case["expect"]
    got = rule.due(payment_event(case.get("inputs") or {}))
    assert np.issubdtype(got.dtype, np.integer), got.dtype
    assert got.tolist() == expect["cents"]
    if "month_offset" in expect:
        assert rule.month_offset == expect["month_offset"]
    if "month_offsets" in expect:
        assert list(rule.month_offsets) == expect["month_offsets"]
    if "trigger" in expect:
        assert rule.trigger == expect["trigger"]
    if "outcome_based" in expect:
        assert rule.outcome_based is expect["outcome_based"]


@pytest.mark.parametrize("case", params([c for c in PAYMENT_CASES if "schedule" in c]))
def test_payment_schedule(case: dict[str, Any]) -> None:
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(ValidationError, match=re.escape(expect["error"])):
            PaymentSchedule.model_validate(case["schedule"])
        return
    checks = {"outcome_share", "price_multiplier", "clawback_month_offset", "contract_value_cents",
              "last_outcome_month", "cells"}
    assert set(expect) & checks, f"nothing to check; expect one of {sorted(checks)}"
    schedule = PaymentSchedule.model_validate(case["schedule"])
    if "outcome_share" in expect:  # a sum of decimal shares: equal up to float rounding
        assert schedule.outcome_share == pytest.approx(expect["outcome_share"], abs=1e-12)
    if "price_multiplier" in expect:
        hard = np.asarray(case["inputs"]["hard_to_serve"], dtype=bool)
        assert schedule.price_multiplier(hard).tolist() == expect["price_multiplier"]
    if "clawback_month_offset" in expect:
        assert schedule.clawback.month_offset == expect["clawback_month_offset"]
    if "contract_value_cents" in expect:  # what an open contract may cost in all (commitments)
        inputs = case["inputs"]
        price = np.asarray(inputs["price_cents"], dtype=np.int64)
        group = np.asarray(inputs.get("group", [0] * len(price)), dtype=np.int8)
        age = np.asarray(inputs.get("age", [30] * len(price)), dtype=np.int64)
        start = np.asarray(inputs["start"]) if "start" in inputs else None
        got = schedule.contract_value_cents(price, group, age, start)
        assert got.tolist() == expect["contract_value_cents"]
    if "cells" in expect:  # the kinds of participant the validation checks, (group, first, last age)
        assert [list(c) for c in schedule.cells()] == expect["cells"]
    if "last_outcome_month" in expect:
        assert schedule.last_outcome_month() == expect["last_outcome_month"]


def test_payment_cases_are_one_shape_or_the_other() -> None:
    for case in PAYMENT_CASES:
        assert ("rule" in case) != ("schedule" in case), f"{case['name']}: give exactly one of rule, schedule"


# --- reserves -------------------------------------------------------------------------------------

RESERVE_DEFAULTS: dict[str, Any] = {"uncommitted": 0.0, "income_avg": 0.0, "downturn": False, "month": 0}


@pytest.mark.parametrize("case", params(RESERVE_CASES))
def test_reserve(case: dict[str, Any]) -> None:
    inputs = case.get("inputs") or {}
    unknown = set(inputs) - set(RESERVE_DEFAULTS)
    assert not unknown, f"unknown inputs {sorted(unknown)}"
    policy = RESERVE.validate_python(case["rule"])
    budget = policy.budget(ReserveContext(**{**RESERVE_DEFAULTS, **inputs}))
    # Budgets are dollars (floats), not cents: equal to a hundredth of a cent.
    assert budget == pytest.approx(case["expect"]["budget"], rel=0, abs=1e-4)
    assert budget >= 0


# --- every rule has a case ------------------------------------------------------------------------


def test_every_contribution_rule_has_a_case() -> None:
    kinds = {cls.model_fields["kind"].default for cls in RULES}
    assert kinds == union_kinds(ContributionRule), "RULES and the ContributionRule union disagree"
    covered = {c["rule"]["kind"] for c in CONTRIBUTION_CASES}
    assert not kinds - covered, f"contribution rules without a case: {sorted(kinds - covered)}"


def test_every_payment_rule_has_a_case() -> None:
    covered = {c["rule"]["kind"] for c in PAYMENT_CASES if "rule" in c}
    missing = union_kinds(PaymentRuleT) - covered
    assert not missing, f"payment rules without a case: {sorted(missing)}"


def test_every_reserve_policy_has_a_case() -> None:
    covered = {c["rule"]["kind"] for c in RESERVE_CASES}
    missing = union_kinds(ReservePolicy) - covered
    assert not missing, f"reserve policies without a case: {sorted(missing)}"

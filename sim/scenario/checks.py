"""Warnings, not errors: rules that are valid but can never fire in the scenario they are in
(a retention tranche when no seat is fund-bought, a top-up with no levy, a grant after the
horizon, a dated step that starts after it). Each face calls `rule_warnings` and shows the
result: `fundsim validate`, the app's notices, the reports. Rule-specific reasons live in the
rule classes (`idle_reason`); this module only gathers the facts and the schedule-wide ones."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sim.rules.money_in import ScenarioFacts
from sim.scenario.dated import is_dated
from sim.scenario.errors import Problem
from sim.scenario.schema import Scenario

NO_SEATS = ("no seat is fund-bought (fund.incumbent_budget_share is 1: the whole training budget goes "
            "to incumbent-worker grants, paid when training starts)")


def facts(sc: Scenario) -> ScenarioFacts:
    rules = sc.fund.contributions
    return ScenarioFacts(
        horizon=sc.horizon_months,
        employer_money=any(r.charges_employers for r in rules),
        levy=any(r.is_levy for r in rules),
        fund_seats=sc.fund.incumbent_budget_share < 1.0,
        contractor_payments=any(s.non_employee_pay_share > 0 for s in sc.region.sectors),
        apprenticeships=sc.training.apprenticeship_share > 0 and sc.fund.incumbent_budget_share < 1.0,
        externships=sc.training.externship_share > 0 and sc.fund.incumbent_budget_share < 1.0,
    )


def rule_warnings(sc: Scenario) -> list[Problem]:
    """Every rule of `sc` that cannot fire, as Problems (path and plain words). A scenario with
    no fund has none: its rules are off by design."""
    if not sc.fund.enabled:
        return []
    f, known = sc.fund, facts(sc)
    out: list[Problem] = []
    for i, rule in enumerate(f.contributions):
        path = f"fund.contributions[{i}]"
        reason = rule.idle_reason(known)
        if reason:
            out.append(Problem(path, f"{rule.kind} can never fire: {reason}"))
    paying = [(i, r) for i, r in enumerate(f.payments.rules) if r.share > 0]
    if paying and not known.fund_seats:
        kinds = ", ".join(r.kind for _, r in paying)
        out.append(Problem("fund.payments.rules", f"no provider payment rule can fire ({kinds}): {NO_SEATS}"))
    for i, rule in paying:
        if known.fund_seats and rule.month_offset >= known.horizon:
            out.append(Problem(f"fund.payments.rules[{i}]",
                               f"{rule.kind} falls due {rule.month_offset} months after placement, not "
                               f"within the horizon ({known.horizon} months)"))
    claw = f.payments.clawback
    if claw.share > 0 and not known.fund_seats:
        out.append(Problem("fund.payments.clawback", "can never fire: no seat is fund-bought "
                                                     "(fund.incumbent_budget_share is 1)"))
    if _positive(f.discretionary.share) and not any(r.lapses_entitlements for r in f.contributions):
        out.append(Problem("fund.discretionary.share", "can never fire: no levy-grant entitlement can lapse "
                                                       "(no levy_grant_refund with unused: lapse)"))
    if f.accounts.enabled and not known.levy:
        out.append(Problem("fund.accounts", "employer accounts are kept but no rule is a levy, so "
                                            "nothing is ever credited to them"))
    if f.externship_wage_subsidy > 0 and sc.training.externship_share == 0:
        out.append(Problem("fund.externship_wage_subsidy", "can never fire: training.externship_share is 0 "
                                                           "(no externships)"))
    if f.apprentice_wage_subsidy > 0 and (sc.training.apprenticeship_share == 0 or not known.fund_seats):
        out.append(Problem("fund.apprentice_wage_subsidy", "can never fire: no fund-bought apprenticeships "
                                                           "(training.apprenticeship_share is 0, or no "
                                                           "seat is fund-bought)"))
    for name in type(sc).model_fields:  # every dated lever, wherever it is (rules, grants, ...)
        value = getattr(sc, name)
        if isinstance(value, BaseModel):
            out += _late_steps(value, name, known.horizon)
    return out


def _positive(value: Any) -> bool:
    return any(s.value > 0 for s in value) if is_dated(value) else value > 0


def _late_steps(section: BaseModel, path: str, horizon: int) -> list[Problem]:
    """Dated steps of a section's levers (and its sub-sections' and rule lists') that start after
    the horizon."""
    out: list[Problem] = []
    for name in type(section).model_fields:
        value: Any = getattr(section, name)
        if isinstance(value, BaseModel):
            out += _late_steps(value, f"{path}.{name}", horizon)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, BaseModel) for v in value) \
                and not is_dated(value):
            for i, item in enumerate(value):
                out += _late_steps(item, f"{path}.{name}[{i}]", horizon)
        elif is_dated(value):
            for i, step in enumerate(value):
                if step.start > horizon:
                    out.append(Problem(f"{path}.{name}[{i}]", f"starts in month {step.start}, after the "
                                                              f"horizon ({horizon} months): never in force"))
    return out

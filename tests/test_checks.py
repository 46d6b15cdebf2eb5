"""Warnings when a rule cannot fire (sim/scenario/checks.py, issue 13 item 14): valid scenarios
whose rules never fire get a warning naming the field, in `fundsim validate` (exit 0), the app's
notices and the reports' risks; the presets carry none except where the preset says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sim.scenario.checks import rule_warnings
from sim.scenario.loader import load_scenario, load_scenario_dict
from tests.conftest import SCENARIOS


def warnings_of(data: dict[str, Any]) -> list[str]:
    return [p.format() for p in rule_warnings(load_scenario_dict(data))]


def fund(**fields: Any) -> dict[str, Any]:
    return {"horizon_months": 60, "fund": fields}


@pytest.mark.parametrize(("data", "expected"), [
    (fund(incumbent_budget_share=1.0),
     "fund.payments.rules: no provider payment rule can fire (upfront, monthly_instalments, on_completion, "
     "on_placement, on_retention): no seat is fund-bought"),
    (fund(contributions=[{"kind": "public_grant"}, {"kind": "public_top_up"}]),
     "fund.contributions[1]: public_top_up can never fire: no levy rule, so there is no levy to top up"),
    (fund(contributions=[{"kind": "public_grant"}, {"kind": "public_match"}]),
     "fund.contributions[1]: public_match can never fire: no rule collects employer money"),
    (fund(contributions=[{"kind": "matched_contributions"}, {"kind": "levy_grant_refund"}]),
     "fund.contributions[1]: levy_grant_refund can never fire: no levy rule"),
    (fund(contributions=[{"kind": "public_grant", "start_month": 61}]),
     "fund.contributions[0]: public_grant can never fire: start_month 61 is after the horizon (60 months)"),
    (fund(contributions=[{"kind": "public_grant", "start_month": 30, "end_month": 20}]),
     "fund.contributions[0]: public_grant can never fire: end_month 20 is before start_month 30"),
    (fund(contributions=[{"kind": "seed_grant", "month": 70}]),
     "fund.contributions[0]: seed_grant can never fire: month 70 is after the horizon"),
    (fund(contributions=[{"kind": "payroll_levy", "base": "contractors"}]),
     "fund.contributions[0]: payroll_levy can never fire: levies payments to non-employees, but every "
     "sector's non_employee_pay_share is 0"),
    (fund(contributions=[{"kind": "payroll_levy", "liability": {"bands": [{"from_size": 0, "scale": 0}]}}]),
     "fund.contributions[0]: payroll_levy can never fire: every liability band has scale 0"),
    (fund(contributions=[{"kind": "payroll_levy",
                          "rate": [{"from": 1, "value": 0.01}, {"from": 61, "value": 0}]}]),
     "fund.contributions[0].rate[1]: starts in month 61, after the horizon (60 months): never in force"),
    # a dated money-out amount, found wherever it is (not only in money-in rules)
    (fund(payments={"rules": [{"kind": "upfront", "share": 1.0},
                              {"kind": "on_completion", "share": 0.0,
                               "amount": [{"from": 1, "value": 0}, {"from": 72, "value": 500}]}]}),
     "fund.payments.rules[1].amount[1]: starts in month 72, after the horizon (60 months): never in force"),
    (fund(discretionary={"share": 0.5}),
     "fund.discretionary.share: can never fire: no levy-grant entitlement can lapse"),
    (fund(accounts={"enabled": True}),
     "fund.accounts: employer accounts are kept but no rule is a levy"),
    ({"horizon_months": 60, "training": {"externship_share": 0.0}, "fund": {"externship_wage_subsidy": 0.5}},
     "fund.externship_wage_subsidy: can never fire: training.externship_share is 0"),
    (fund(payments={"rules": [{"kind": "upfront", "share": 0.5}, {"kind": "on_retention", "share": 0.5,
                                                                   "day": 1825}]}),
     "fund.payments.rules[1]: on_retention falls due 60 months after placement, not within the horizon"),
])
def test_a_rule_that_cannot_fire_is_named(data: dict[str, Any], expected: str) -> None:
    found = warnings_of(data)
    assert any(w.startswith(expected) for w in found), found


def test_rules_that_can_fire_give_no_warning() -> None:
    assert warnings_of({}) == []  # the default scenario
    assert warnings_of(fund(contributions=[{"kind": "payroll_levy"}, {"kind": "public_top_up"},
                                          {"kind": "levy_grant_refund"}])) == []
    assert warnings_of({"fund": {"enabled": False, "incumbent_budget_share": 1.0}}) == []  # no fund: off


# deadweight_incumbent_grants spends everything on incumbent grants by design and inherits the
# baseline's provider schedule, which therefore never fires (the warning says so).
EXPECTED = {"deadweight_incumbent_grants.yaml": ["fund.payments.rules: no provider payment rule can fire"]}


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_presets_have_no_rule_that_cannot_fire(path: Path) -> None:
    found = [p.format() for p in rule_warnings(load_scenario(path))]
    expected = EXPECTED.get(path.name, [])
    assert len(found) == len(expected), found
    assert all(f.startswith(e) for f, e in zip(found, expected, strict=True)), found


def test_the_faces_show_the_warning(tmp_path: Path) -> None:
    """`fundsim validate` prints it and exits 0; the app's notices and the reports' risks carry it."""
    from sim.app.notices import rule_notices

    path = tmp_path / "idle.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: idle\n"
                    "fund:\n  incumbent_budget_share: 1.0\n")
    done = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{path}: warning: fund.payments.rules: no provider payment rule can fire" in done.stdout
    sc = load_scenario(path)
    notes = rule_notices(["idle"], [sc])
    assert [n.level for n in notes] == ["warning"]
    assert notes[0].text().startswith("A rule cannot fire: fund.payments.rules: no provider payment rule")


def test_the_report_lists_a_rule_that_cannot_fire_among_its_risks() -> None:
    from sim.report.data import compute_report_data
    from sim.report.headlines import risks
    from sim.scenario.schema import Scenario
    from tests.conftest import small_dict

    d = small_dict(horizon_months=12)
    d["name"] = "idle"
    d["fund"]["incumbent_budget_share"] = 1.0
    data = compute_report_data([Scenario.model_validate(d)], [1], workers=1)
    found = [line for line in risks(data) if "a rule cannot fire" in line]
    assert len(found) == 1 and "fund.payments.rules: no provider payment rule can fire" in found[0], found

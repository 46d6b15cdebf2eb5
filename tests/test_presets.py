"""Every preset of the scenario library (issue 4) validates, runs at a small region size, and
opens with the comment a committee needs: what it represents, its sources, an "as of" date and
what was simplified."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from tests.conftest import small_dict

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

PRESETS = (
    "voluntary_matched.yaml", "uk_levy.yaml", "ca_etp.yaml", "wioa_pay_for_performance.yaml",
    "outcomes_heavy.yaml", "outcomes_heavy_adjusted.yaml", "recession_countercyclical.yaml",
    "recession_procyclical.yaml", "equity_supports.yaml", "gjc_pilot_to_scale.yaml",
    "deadweight_incumbent_grants.yaml", "fr_opco.yaml", "my_hrd_corp.yaml", "uk_2020_incentives.yaml",
    "ma_pathways_pfs.yaml", "career_impact_bond.yaml",
)
ALL = ("baseline.yaml", "no_fund.yaml", *PRESETS)


def header(path: Path) -> str:
    """The comment block a file opens with (leading `#` lines), as one string."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


@pytest.mark.parametrize("name", ALL)
def test_preset_validates(name: str) -> None:
    sc = load_scenario(SCENARIOS / name)
    assert sc.name == Path(name).stem
    assert sc.description.strip()


@pytest.mark.parametrize("name", PRESETS)
def test_preset_extends_the_baseline_and_opens_with_its_documentation(name: str) -> None:
    path = SCENARIOS / name
    text = header(path)
    assert len(text) > 200, "the opening comment says what the preset represents"
    assert re.search(r"\bRepresents:", text), "says what it represents"
    assert re.search(r"\bSources?:", text), "cites its sources"
    assert re.search(r"\bAs of:\s*\S", text), "states an 'as of' date"
    assert re.search(r"\bSimplified:", text), "says what was simplified"
    assert re.search(r"\bCurrency:|no (currency )?conversion", text), "says how currency is handled"
    body = path.read_text(encoding="utf-8")
    assert re.search(r"^extends: \S+\.yaml$", body, re.M), "a diff over the baseline (extends:)"


@pytest.mark.parametrize("name", PRESETS)
def test_preset_runs(name: str) -> None:
    data = small_dict(name, horizon_months=36, n_workers=1500, n_firms=30, n_providers=4)
    data["outputs"] = {"counterfactual": False}
    r = sim.run(Scenario.model_validate(data), 1)
    h = r.horizon()
    assert np.isfinite(h["fund_balance"])
    assert r.series("fund_balance").min() >= -Scenario.model_validate(data).fund.credit_line - 0.01
    assert h["enrolments"] > 0


def test_presets_carry_the_real_figures() -> None:
    """The headline numbers of shared/schemes.md are in the presets."""
    uk = load_scenario(SCENARIOS / "uk_levy.yaml").fund
    levy, top_up, coinvest = uk.contributions
    assert (levy.kind, levy.rate, levy.allowance_annual) == ("payroll_levy", 0.005, 15_000 * 1.27)
    assert (top_up.kind, top_up.rate) == ("public_top_up", 0.1)
    assert (coinvest.kind, coinvest.employer_share) == ("co_investment", 0.05)
    assert uk.accounts.enabled and uk.accounts.expiry_months == 24
    shares = {(r.kind, getattr(r, "day", None)): r.share for r in uk.payments.rules}
    assert shares[("monthly_instalments", None)] / shares[("on_completion", None)] == pytest.approx(4.0)
    incentives = [(r.day, r.payee, r.amount, r.who.age_min, r.who.age_max)
                  for r in uk.payments.rules if r.kind == "after_start"]
    assert sorted(incentives) == sorted((day, payee, 500 * 1.27, 16, 18) for day in (90, 365)
                                        for payee in ("provider", "employer"))
    assert uk.grants.account_pays_apprenticeships and not uk.grants.account_pays_courses

    etp = load_scenario(SCENARIOS / "ca_etp.yaml").fund
    (tax,) = etp.contributions
    assert (tax.rate, tax.wage_cap_annual) == (0.001, 7000)
    assert etp.incumbent_budget_share < 1.0  # some seats are fund-bought, so the 90-day tranche fires
    assert [(r.kind, r.day) for r in etp.payments.rules] == [("on_retention", 90)]

    wioa = load_scenario(SCENARIOS / "wioa_pay_for_performance.yaml").fund
    assert wioa.payments.outcome_share_cap == 0.1
    assert wioa.payments.outcome_share == pytest.approx(0.1)

    heavy = load_scenario(SCENARIOS / "outcomes_heavy.yaml").fund.payments
    adjusted = load_scenario(SCENARIOS / "outcomes_heavy_adjusted.yaml").fund.payments
    assert heavy.outcome_share >= 0.8
    assert adjusted.rules == heavy.rules
    assert adjusted.hard_to_serve_price_multiplier > heavy.hard_to_serve_price_multiplier == 1.0

    counter = load_scenario(SCENARIOS / "recession_countercyclical.yaml")
    pro = load_scenario(SCENARIOS / "recession_procyclical.yaml")
    assert counter.demand.recession.enabled and pro.demand.recession == counter.demand.recession
    assert (counter.fund.reserves.kind, pro.fund.reserves.kind) == ("countercyclical", "procyclical")

    assert load_scenario(SCENARIOS / "voluntary_matched.yaml").fund.membership == "voluntary"
    gjc = load_scenario(SCENARIOS / "gjc_pilot_to_scale.yaml")
    assert gjc.rollout.enabled and any(c.kind == "seed_grant" for c in gjc.fund.contributions)

"""The money-in presets' distinguishing mechanics fire (issue 13): each test runs the preset and
finds in its ledger the thing that makes it that scheme (ca_etp's 90-day payment, uk_levy's
top-up in the payer's account, fr_opco's bands and smoothing, my_hrd_corp's exempt firms)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import sim
from sim.engine.model import FundModel
from sim.scenario.loader import apply_overrides, load_scenario
from sim.scenario.schema import Scenario
from tests.conftest import SCENARIOS


def preset(name: str, months: int, workers: int = 20_000, firms: int = 300, **more: str) -> Scenario:
    return apply_overrides(load_scenario(SCENARIOS / name), {
        "horizon_months": str(months), "region.n_workers": str(workers), "region.n_firms": str(firms),
        "outputs.counterfactual": "false", **more})


def by_category(ledger: pd.DataFrame) -> pd.Series:
    return ledger.groupby("category").amount_cents.sum()


def test_ca_etp_pays_its_90_day_retention_tranche() -> None:
    """Until issue 13 the whole budget went to incumbent grants: no seat was fund-bought and the
    headline payment (100% at day 90 of retention) never fired in 60 months."""
    led = sim.run(preset("ca_etp.yaml", 36), 1).ledger
    paid = by_category(led)
    assert paid.get("provider_retention", 0) > 0
    assert paid.get("incumbent_grant", 0) > paid["provider_retention"]  # still mostly incumbent training
    levy = led[led.category == "levy"]
    assert len(levy) and (levy.amount_cents <= 7 * 100 / 12 * 20_000).all()


def test_uk_levy_top_up_goes_to_the_payers_account() -> None:
    """The 10% top-up is credited to each levy payer's own account (not the pool): its accounts
    hold 10% more levy money than the same run with the top-up in the pool, to the cent, at the
    end of month 2 (before any expiry or spending changes the paths)."""
    def accounts(into: str) -> tuple[np.ndarray, pd.DataFrame]:
        top_up = {"fund.contributions[1].into_accounts": into}
        sc = preset("uk_levy.yaml", 12, workers=3000, firms=60, **top_up)
        model = FundModel(sc, 2)
        model.step()
        model.step()
        return model.fund.accounts.balances(), model.ledger.to_frame()

    with_top_up, led = accounts("true")
    pooled, _ = accounts("false")
    top_up = led[led.category == "public_top_up"].amount_cents.sum()
    assert top_up > 0
    assert with_top_up.sum() - pooled.sum() == top_up
    payers = with_top_up > pooled
    assert payers.any() and (pooled[~payers] == with_top_up[~payers]).all()


def levy_month(name: str, month: int, workers: int = 6000, firms: int = 150,
               seed: int = 3) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """(each firm's levy cents in `month`, the pay bill it was levied on, the staff on it, the
    yearly staff history then) from a run of preset `name`."""
    model = FundModel(preset(name, max(12, month + 1), workers=workers, firms=firms), seed)
    for _ in range(month - 1):
        model.step()
    f = model.firms
    payroll, staff, years = f.payroll.copy(), f.staff.copy(), np.array(f.staff_years)
    model.step()
    led = model.ledger.to_frame()
    levy = led[(led.month == month) & (led.category == "levy")]
    per_firm = levy.groupby(levy.payer.str.removeprefix("firm:").astype(int)).amount_cents.sum()
    return per_firm.reindex(range(f.n), fill_value=0), payroll, staff, years


def cents(x: np.ndarray) -> np.ndarray:
    return np.floor(np.abs(x) * 100 + 0.5) * np.sign(x)  # half away from zero, as the ledger rounds


def test_fr_opco_pays_by_size_band_with_five_year_smoothing() -> None:
    """Under 11 staff 0.55% + 0.68%, 11+ 1% + 0.68% of the pay bill; the higher rate only after
    five years in a row at 11+ (years before the run count as the firm's first size), so a firm
    that has grown past 11 during the run still pays the lower rate."""
    paid, payroll, staff, years = levy_month("fr_opco.yaml", 37)
    assert len(years) == 4  # the year before the run and three completed years
    high = (years >= 11).all(axis=0)  # 11+ in every known year (the first stands for earlier ones)
    expect = cents(0.01 * np.where(high, 1.0, 0.55) * payroll) + cents(0.0068 * payroll)
    np.testing.assert_array_equal(paid.to_numpy(), expect)
    assert (~high & (staff >= 11)).any(), "a firm grown past 11 staff still pays the lower rate"
    assert (high & (staff >= 11)).any() and (staff < 11).any()


def test_my_hrd_corp_exempts_small_firms_and_refunds_levy_for_training() -> None:
    """Under 5 staff pay nothing, 5-9 pay 0.5%, 10+ 1% of the pay bill; firms reclaim their levy
    as grants for their staff's training, never more than they paid."""
    paid, payroll, staff, _ = levy_month("my_hrd_corp.yaml", 6, firms=800)
    scale = np.select([staff < 5, staff < 10], [0.0, 0.5], 1.0)
    np.testing.assert_array_equal(paid.to_numpy(), cents(0.01 * scale * payroll))
    assert (staff < 5).any() and ((staff >= 5) & (staff < 10)).any() and (staff >= 10).any()
    assert (paid[staff < 5] == 0).all()

    led = sim.run(preset("my_hrd_corp.yaml", 36, workers=6000, firms=150), 3).ledger
    levy = led[led.category == "levy"].groupby("payer").amount_cents.sum()
    back = led[led.category == "levy_refund"].groupby("payee").amount_cents.sum()
    assert back.sum() > 0.5 * levy.sum()  # most levy comes back as training grants
    assert (back.reindex(levy.index, fill_value=0) <= levy).all()
    assert set(back.index) <= set(levy.index)  # only payers reclaim

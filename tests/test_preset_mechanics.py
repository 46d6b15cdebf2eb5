"""Each real-scheme preset's distinguishing mechanics fire in a run: England's 16-18 incentives
reach that age band only and levy money pays no short course (uk_levy); the 2020 hiring
incentive pays employers by age band for starts in its window only (uk_2020_incentives);
investors fund providers and are repaid only for outcomes beyond the control group
(ma_pathways_pfs); participants repay only out of income above the threshold, never beyond the
cap (career_impact_bond).

The presets run at a small size; where an age band would be too rare there to test, the age
mix is tilted toward the young (a test setting, said where it is done)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from sim.engine.model import FundModel
from sim.engine.workers import APPRENTICE, EMPLOYED
from sim.ledger import to_cents
from sim.outcomes import INDEX
from sim.scenario.schema import Scenario
from tests.conftest import small_dict
from tests.test_payment_flows import step_with_checks, step_with_hooks

REGION = {"n_workers": 4000, "n_firms": 80, "n_providers": 6}
YOUNG = {"band_edges": [16, 19, 25, 50, 67], "band_shares": [0.3, 0.3, 0.2, 0.2]}  # test setting


def build(preset: str, horizon: int = 48, **updates: Any) -> Scenario:
    data = small_dict(preset, horizon_months=horizon, **REGION)
    data["outputs"] = {"counterfactual": False}
    data["phases"] = {"system_development_months": 6, "programme_design_months": 6}  # as the presets
    for key, value in updates.items():
        node = data
        *parents, leaf = key.split(".")
        for k in parents:
            node = node[k]
        node[leaf] = value
    return Scenario.model_validate(data)


def by_month(model: FundModel, category: str) -> dict[int, int]:
    led = model.ledger.to_frame()
    rows = led[led.category == category]
    return {int(m): int(c) for m, c in rows.groupby("month").amount_cents.sum().items()}


def incentives_by_hand(m: FundModel, window: tuple[int, int] | None) -> tuple[int, int]:
    """(provider cents, employer cents) the after-start incentives owe this month, person by
    person: open contracts 3 or 12 months after their start (days 90 and 365)."""
    p = m.workers
    open_ = np.flatnonzero(p.contract_price > 0)
    since = m.month - p.contract_start[open_]
    due = open_[(since == 3) | (since == 12)]
    age = p.age_years(p.contract_start[due].astype(np.int32), due)
    start = p.contract_start[due]
    has_employer = (p.employer[due] >= 0) & np.isin(p.status[due], (APPRENTICE, EMPLOYED))
    teen = (age >= 16) & (age <= 18)
    provider = 63_500 * int(teen.sum())
    employer = 63_500 * teen
    if window is not None:
        inside = (start >= window[0]) & (start <= window[1])
        employer = employer + np.where(inside & (age >= 16) & (age <= 24), 127_000, 0)
        employer = employer + np.where(inside & (age >= 25), 95_250, 0)
    return provider, int(employer[has_employer].sum())


def run_counting(sc: Scenario, window: tuple[int, int] | None, seed: int = 1
                 ) -> tuple[FundModel, dict[int, int], dict[int, int]]:
    model = FundModel(sc, seed)
    provider: dict[int, int] = {}
    employer: dict[int, int] = {}

    def count(m: FundModel) -> None:
        prov, emp = incentives_by_hand(m, window)
        if prov:
            provider[m.month] = prov
        if emp:
            employer[m.month] = emp

    for _ in range(sc.horizon_months):
        step_with_checks(model, count)
    return model, provider, employer


def test_uk_levy_incentives_reach_16_to_18_year_olds_only_and_levy_money_no_short_course() -> None:
    sc = build("uk_levy.yaml", ages=YOUNG)
    model, provider, employer = run_counting(sc, window=None)
    assert sum(provider.values()) > 0 and sum(employer.values()) > 0, "no 16-18 apprentice reached day 90"
    assert by_month(model, "provider_after_start") == provider
    assert by_month(model, "employer_incentive") == employer
    led = model.ledger.to_frame()
    assert "incumbent_grant" not in set(led.category), "levy money refunded a short course"
    assert (led.category == "own_training").any(), "firms still buy short courses, with their own money"
    # the levy accounts pay for apprenticeships: with that switched off, more account money is left
    off = build("uk_levy.yaml", ages=YOUNG, **{"fund.grants": {"account_pays_courses": False,
                                                             "account_pays_apprenticeships": False}})
    unspent = FundModel(off, 1)
    for _ in range(off.horizon_months):
        unspent.step()
    assert model.fund.accounts.total() < unspent.fund.accounts.total()


def test_uk_levy_funds_apprenticeship_starts_from_its_first_year_out_of_the_accounts() -> None:
    # England: levy payers spend their accounts from the first month and other employers start
    # apprentices with 95% public co-investment; nobody waits for account money to expire.
    sc = build("uk_levy.yaml")
    model = FundModel(sc, 1)
    drawn: dict[int, int] = {}

    def note(m: FundModel) -> None:  # what the accounts paid for apprentices since the last collection
        drawn[m.month] = int(m.fund.host_account_paid.sum())

    for _ in range(sc.horizon_months):
        step_with_hooks(model, {"fund_collects": note})
    starts = model.rec.data[:, :, -1, -1][:, INDEX["apprenticeship_starts"]]
    year1 = slice(12, 24)  # implementation starts after 6 + 6 months of set-up
    assert starts[year1].sum() >= 30, f"only {starts[year1].sum():.0f} apprenticeship starts in year 1"
    assert starts[12] > 0, "no apprenticeship started in the first month of implementation"
    # accounts paid for apprentices before any money had been in them 24 months (the expiry)
    assert sum(drawn[m] for m in range(13, 25)) > 0
    assert by_month(model, "co_investment"), "no employer co-invested"
    # funding follows an employer's hire: every fund start is an apprenticeship at a host
    enrolled = model.rec.data[:, :, -1, -1][:, INDEX["fund_enrolments"]]
    assert (enrolled == starts).all()


def test_unhosted_apprenticeship_starts_are_courses_unless_the_scheme_funds_only_hires() -> None:
    def counts(**updates: Any) -> tuple[float, float, FundModel]:
        sc = build("uk_levy.yaml", horizon=30, **updates)
        model = FundModel(sc, 1)
        for _ in range(sc.horizon_months):
            model.step()
        d = model.rec.data[:, :, -1, -1]
        return d[:, INDEX["fund_enrolments"]].sum(), d[:, INDEX["apprenticeship_starts"]].sum(), model

    enrolled, hosted, _ = counts()
    assert enrolled == hosted > 0
    as_courses = {**small_dict("uk_levy.yaml")["training"], "unhosted_apprenticeships": "course"}
    enrolled, hosted, _ = counts(training=as_courses)
    assert enrolled > hosted > 0, "no start went ahead as a course without a host"
    # investors commit to a seat before its host is known: the combination is refused, by name
    with pytest.raises(ValidationError, match=r"training\.unhosted_apprenticeships: 'not_funded' cannot"):
        build("uk_levy.yaml", **{"fund.financing": [{"kind": "pay_for_success"}]})


def test_uk_levy_payers_whose_account_runs_dry_co_invest_5_percent_of_the_rest() -> None:
    sc = build("uk_levy.yaml")
    model = FundModel(sc, 1)
    owed: dict[int, np.ndarray] = {}
    expected: dict[int, int] = {}

    def note(m: FundModel) -> None:  # the apprentices' training paid since the last collection
        owed[m.month] = m.fund.host_paid - m.fund.host_account_paid

    charged: dict[int, int] = {}

    def check(m: FundModel) -> None:  # after the collection: 5% of what the account did not pay
        payer = m.firms.levy_paid_total > 0
        cents = to_cents(0.05 * np.where(payer, owed[m.month], 0) / 100.0)
        if cents.sum():
            expected[m.month] = int(cents.sum())
            charged[m.month] = int((cents > 0).sum())

    for _ in range(sc.horizon_months):
        step_with_hooks(model, {"fund_collects": note, "fund_pays": check})
    led = model.ledger.to_frame()
    payers = {f"firm:{i}" for i in np.flatnonzero(model.firms.levy_paid_total > 0)}
    rows = led[(led.category == "co_investment") & led.payer.isin(payers)]
    got = {int(m): int(c) for m, c in rows.groupby("month").amount_cents.sum().items()}
    assert got and set(got) == set(expected), "levy payers with a dry account did not co-invest 5%"
    # the engine sums dollars before rounding each firm's 5% to the cent, this check cents: a firm's
    # half-cent may round the other way
    assert all(abs(got[m] - expected[m]) <= charged[m] for m in got), (got, expected)
    # with the flag off they never co-invest: the pool pays what their accounts cannot
    off = build("uk_levy.yaml", **{"fund.contributions": [
        *sc.model_dump(by_alias=True)["fund"]["contributions"][:2],
        {"kind": "co_investment", "employer_share": 0.05, "levy_payers_beyond_account": False}]})
    plain = FundModel(off, 1)
    for _ in range(off.horizon_months):
        plain.step()
    led = plain.ledger.to_frame()
    assert not ((led.category == "co_investment") & led.payer.isin(payers)).any()


def test_uk_2020_incentive_pays_employers_by_age_band_for_starts_in_its_window_only() -> None:
    sc = build("uk_2020_incentives.yaml", ages=YOUNG)
    model, _, employer = run_counting(sc, window=(13, 18))
    paid = by_month(model, "employer_incentive")
    assert paid == employer
    # the window: payments for 2020 starts fall in months 16-21 (day 90) and 25-30 (day 365)
    outside = {m: c for m, c in paid.items() if not (16 <= m <= 21 or 25 <= m <= 30)}
    _, _, teen_only = run_counting(build("uk_levy.yaml", ages=YOUNG), window=None)
    assert sum(paid.values()) > sum(outside.values()) > 0  # the 16-18 payments go on outside it
    assert any(16 <= m <= 21 for m in paid) and any(25 <= m <= 30 for m in paid)
    assert sum(teen_only.values()) < sum(paid.values())


def test_ma_pathways_investors_fund_providers_and_are_repaid_only_for_outcomes_beyond_control() -> None:
    sc = build("ma_pathways_pfs.yaml")
    expected: dict[int, int] = {}

    def count(m: FundModel) -> None:  # each cohort measured this month, by hand
        book = m.fund.investors
        measured = book.start == m.month - 12
        employed = measured & (m.workers.status[book.person] == EMPLOYED)
        n, hits = int(measured.sum()), int(employed.sum())
        beyond = hits - 0.5 * n
        if hits and beyond > 0:
            expected[m.month] = int(np.floor(4_000_000 * beyond / hits + 1e-9)) * hits

    model = FundModel(sc, 1)
    for _ in range(sc.horizon_months):
        step_with_checks(model, count)
    book = model.fund.investors
    assert len(book.person) > 30 and book.invested > 0
    assert by_month(model, "investor_provider_payment")  # investors, not the fund, paid providers
    repaid = by_month(model, "pfs_repayment")
    assert repaid == expected and repaid, "no cohort beat the control group"
    assert book.repaid <= book.invested * 1.207
    # a programme no better than its control group repays investors nothing
    flat = build("ma_pathways_pfs.yaml", **{"fund.financing": [{**sc.fund.financing[0].model_dump(),
                                                                "control_rate": 1.0}]})
    nothing = FundModel(flat, 1)
    for _ in range(flat.horizon_months):
        nothing.step()
    assert nothing.fund.investors.invested > 0 and nothing.fund.investors.repaid == 0
    assert not by_month(nothing, "pfs_repayment")


def test_career_impact_bond_participants_repay_only_above_the_threshold_and_up_to_the_cap() -> None:
    sc = build("career_impact_bond.yaml", horizon=72)
    earnings: dict[tuple[int, int], float] = {}

    def note(m: FundModel) -> None:  # last month's earnings, which the repayments read
        book = m.fund.investors
        for i in book.person.tolist():
            earnings[(m.month, i)] = float(m.workers.earnings[i])

    model = FundModel(sc, 2)
    for _ in range(sc.horizon_months):
        step_with_checks(model, note)
    led = model.ledger.to_frame()
    rows = led[led.category == "isa_repayment"]
    assert len(rows) > 20, "too few repayments for the test to mean anything"
    per: dict[int, int] = defaultdict(int)
    for r in rows.itertuples():
        i = int(r.payer.split(":")[1])
        e = earnings[(int(r.month), i)]
        assert e > 40_000 / 12, f"participant {i} repaid in month {r.month} earning ${e:.0f} a month"
        assert r.amount_cents <= int(np.floor((e - 40_000 / 12) * 0.1 * 100 + 1e-6))
        per[i] += int(r.amount_cents)
    book = model.fund.investors
    # A person trained twice holds two agreements: each is capped at 1.5x its own price, and the
    # ledger's repayments by a person are what her agreements record as repaid.
    assert (book.repaid_each <= np.floor(book.price * 1.5)).all()
    held: dict[int, int] = defaultdict(int)
    for i, repaid in zip(book.person.tolist(), book.repaid_each.tolist(), strict=True):
        held[i] += int(repaid)
    assert all(per[i] == held[i] for i in per)
    assert "fund" not in set(rows.payer) | set(rows.payee)

"""Unit tests of the money machinery: the ledger (sim/ledger.py), the fund's purse with its
credit line and arrears, and per-employer levy accounts (sim/engine/fund.py)."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.fund import EmployerAccounts, FundAgent
from sim.ledger import (
    ADMIN,
    BANK,
    FIRM,
    FUND,
    PROVIDER,
    PUBLIC,
    SPAN,
    WORKERS,
    Ledger,
    account,
    account_name,
)
from sim.scenario.fund import EmployerAccounts as FundAccounts
from sim.scenario.fund import Fund as FundRules


class Stub(mesa.Model):
    """A model for the FundAgent to belong to; the fund is handed its ledger and rules."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.ledger = Ledger()


def fund_with(balance_cents: int = 0, credit_line: float = 0.0, n_firms: int = 3,
              expiry: int | None = None) -> tuple[Stub, FundAgent]:
    model = Stub()
    accounts = FundAccounts(enabled=expiry is not None, expiry_months=expiry or 24)
    fund = FundAgent(model, model.ledger, FundRules(credit_line=credit_line, accounts=accounts), n_firms)
    fund.month = 1
    if balance_cents:
        fund.receive(account(PUBLIC), balance_cents, "seed_grant", "public")
    return model, fund


def net_into_fund(ledger: pd.DataFrame) -> int:
    return int(ledger.loc[ledger.payee == "fund", "amount_cents"].sum()
               - ledger.loc[ledger.payer == "fund", "amount_cents"].sum())


# --- Ledger ------------------------------------------------------------------------------------

def test_account_names() -> None:
    assert account_name(int(account(FUND))) == "fund"
    assert account_name(int(account(PUBLIC))) == "public"
    assert account_name(int(account(WORKERS))) == "workers"
    assert account_name(int(account(ADMIN))) == "admin"
    assert account_name(int(account(BANK))) == "bank"
    assert account_name(int(account(FIRM, 7))) == "firm:7"
    assert account_name(int(account(FIRM, 0))) == "firm:0"
    assert account_name(int(account(PROVIDER, 3))) == "provider:3"
    assert account_name(int(account(FIRM, SPAN - 1))) == f"firm:{SPAN - 1}"
    codes = account(PROVIDER, np.arange(4))
    assert codes.dtype == np.int64
    assert [account_name(c) for c in codes] == [f"provider:{i}" for i in range(4)]
    assert len({int(account(k)) for k in (FUND, PUBLIC, WORKERS, ADMIN, BANK)}) == 5


def test_record_drops_zero_rows() -> None:
    led = Ledger()
    led.record(2, account(FUND), account(PROVIDER, np.arange(4)), "provider_upfront", [0, 500, 0, 7])
    led.record(2, account(PUBLIC), account(FUND), "public_match", 0)
    led.record(3, account(FIRM, np.arange(3)), account(FUND), "levy", np.zeros(3, np.int64))
    frame = led.to_frame()
    assert frame.to_dict("records") == [
        {"month": 2, "payer": "fund", "payee": "provider:1", "category": "provider_upfront",
         "amount_cents": 500},
        {"month": 2, "payer": "fund", "payee": "provider:3", "category": "provider_upfront",
         "amount_cents": 7},
    ]


def test_empty_ledger_has_the_columns_and_types() -> None:
    led = Ledger()
    led.record(1, account(FUND), account(ADMIN), "administration", 0)
    frame = led.to_frame()
    assert frame.empty
    assert list(frame.columns) == ["month", "payer", "payee", "category", "amount_cents"]
    assert frame.month.dtype == np.int64 and frame.amount_cents.dtype == np.int64


def test_record_rejects_negative_amounts_and_books_nothing() -> None:
    led = Ledger()
    with pytest.raises(ValueError, match="negative"):
        led.record(1, account(FUND), account(FIRM, np.arange(3)), "levy_refund", [100, -1, 5])
    with pytest.raises(ValueError, match="negative"):
        led.record(1, account(FIRM, 0), account(FUND), "levy", -250)
    assert led.to_frame().empty


def test_to_frame_keeps_order_months_categories_and_types() -> None:
    led = Ledger()
    led.record(1, account(FIRM, np.array([4, 9])), account(FUND), "levy", np.array([1000, 2000]))
    led.record(1, account(PUBLIC), account(FUND), "public_match", 3000)
    led.record(2, account(FUND), account(WORKERS), "stipends", 400)
    led.record(2, account(FIRM, 4), account(FUND), "levy", 10)
    frame = led.to_frame()
    assert frame.month.tolist() == [1, 1, 1, 2, 2]
    assert frame.payer.tolist() == ["firm:4", "firm:9", "public", "fund", "firm:4"]
    assert frame.payee.tolist() == ["fund", "fund", "fund", "workers", "fund"]
    assert frame.category.tolist() == ["levy", "levy", "public_match", "stipends", "levy"]
    assert frame.amount_cents.tolist() == [1000, 2000, 3000, 400, 10]
    assert frame.amount_cents.dtype == np.int64 and frame.month.dtype == np.int64
    assert net_into_fund(frame) == 1000 + 2000 + 3000 - 400 + 10


def test_record_copies_its_inputs() -> None:
    led = Ledger()
    payees = account(PROVIDER, np.array([0, 1]))
    cents = np.array([100, 200], dtype=np.int64)
    led.record(1, account(FUND), payees, "provider_completion", cents)
    payees[:] = account(ADMIN)
    cents[:] = 1
    frame = led.to_frame()
    assert frame.payee.tolist() == ["provider:0", "provider:1"]
    assert frame.amount_cents.tolist() == [100, 200]


# --- FundAgent: receiving, paying, credit line, arrears ------------------------------------------

def test_receive_and_pay_within_the_balance() -> None:
    model, fund = fund_with()
    fund.receive(account(FIRM, np.arange(3)), np.array([100_00, 50_00, 0]), "levy", "employers")
    assert fund.balance == 150_00 and fund.income["employers"] == 150_00
    paid = fund.pay(account(PROVIDER, np.array([0, 1])), np.array([60_00, 40_00]), "provider_upfront",
                    "providers")
    assert paid.tolist() == [60_00, 40_00]
    assert fund.balance == 50_00 and fund.spend["providers"] == 100_00
    assert fund.arrears == [] and fund.arrears_total() == 0
    frame = model.ledger.to_frame()
    assert len(frame) == 4  # the zero levy row is dropped
    assert net_into_fund(frame) == fund.balance


def test_pay_never_goes_beyond_the_balance_without_a_credit_line() -> None:
    model, fund = fund_with(balance_cents=1_000)
    paid = fund.pay(account(PROVIDER, np.arange(3)), np.array([1_000, 500, 500]), "provider_completion",
                    "providers")
    assert paid.sum() <= 1_000
    assert (paid >= 0).all() and (paid <= [1_000, 500, 500]).all()
    assert paid.tolist() == [500, 250, 250]  # pro rata
    assert fund.balance == 0
    assert fund.arrears_total() == 1_000
    assert net_into_fund(model.ledger.to_frame()) == fund.balance
    # nothing left: the next payment is all arrears, and no zero rows are booked
    rows = len(model.ledger.to_frame())
    assert fund.pay(account(ADMIN), 300, "administration", "admin").tolist() == [0]
    assert len(model.ledger.to_frame()) == rows
    assert fund.arrears_total() == 1_300 and fund.balance == 0


def test_pay_uses_the_credit_line_and_stops_there() -> None:
    _, fund = fund_with(balance_cents=2_000, credit_line=30.0)  # $30 = 3,000 cents
    assert fund.credit_line == 3_000 and fund.headroom() == 5_000
    paid = fund.pay(account(WORKERS), 4_000, "stipends", "supports")
    assert paid.tolist() == [4_000] and fund.balance == -2_000
    assert fund.headroom() == 1_000
    paid = fund.pay(account(WORKERS), 2_500, "stipends", "supports")
    assert paid.tolist() == [1_000]
    assert fund.balance == -3_000 == -fund.credit_line
    assert fund.arrears_total() == 1_500
    assert fund.headroom() == 0


def test_arrears_are_settled_later_when_money_comes_in() -> None:
    model, fund = fund_with(balance_cents=600)
    providers = account(PROVIDER, np.array([0, 1]))
    fund.pay(providers, np.array([800, 400]), "provider_placement", "providers")
    owed = fund.arrears_total()
    assert owed == 600 and fund.balance == 0
    fund.month = 2
    fund.settle_arrears()  # still nothing to pay with: the arrears stay
    assert fund.arrears_total() == owed and fund.balance == 0
    fund.receive(account(PUBLIC), 250, "public_grant", "public")
    fund.settle_arrears()  # partly, pro rata (rounding down may leave a cent per payee unspent)
    paid_now = 250 - fund.balance
    assert 0 <= fund.balance < 2 and fund.arrears_total() == owed - paid_now
    fund.month = 3
    fund.receive(account(PUBLIC), 10_000, "public_grant", "public")
    fund.settle_arrears()  # in full
    assert fund.arrears_total() == 0 and fund.arrears == []
    assert fund.balance == 250 + 10_000 - owed
    frame = model.ledger.to_frame()
    to_providers = frame[frame.payer == "fund"].groupby("payee").amount_cents.sum()
    assert to_providers.to_dict() == {"provider:0": 800, "provider:1": 400}  # paid exactly once, in full
    assert set(frame[frame.payer == "fund"].category) == {"provider_placement"}
    assert frame[(frame.payer == "fund") & (frame.month == 3)].amount_cents.sum() == owed - paid_now
    assert net_into_fund(frame) == fund.balance


def test_paying_nothing_books_nothing() -> None:
    model, fund = fund_with(balance_cents=100)
    assert fund.pay(account(ADMIN), 0, "administration", "admin").tolist() == [0]
    assert fund.pay(account(PROVIDER, np.arange(0)), np.zeros(0, np.int64), "x", "providers").size == 0
    assert fund.balance == 100 and fund.arrears == []
    assert len(model.ledger.to_frame()) == 1


@settings(max_examples=200, deadline=None)
@given(
    ops=st.lists(st.one_of(
        st.tuples(st.just("receive"), st.lists(st.integers(0, 10**7), min_size=1, max_size=4)),
        st.tuples(st.just("pay"), st.lists(st.integers(0, 10**7), min_size=1, max_size=6)),
        st.tuples(st.just("settle"), st.just([0])),
    ), max_size=25),
    credit_line=st.sampled_from([0.0, 0.01, 1.0, 12_345.67]) | st.floats(0, 1e6),
)
def test_fund_purse_invariants_over_random_operations(ops: list, credit_line: float) -> None:
    """Whatever happens: payments never exceed what was due nor the headroom, the balance never
    goes below minus the credit line, what is not paid is owed, and the ledger explains the
    balance to the cent."""
    model, fund = fund_with(credit_line=credit_line)
    owed_total = 0  # everything ever asked for
    for month, (op, amounts) in enumerate(ops, start=1):
        fund.month = month
        cents = np.array(amounts, dtype=np.int64)
        if op == "receive":
            fund.receive(account(FIRM, np.arange(len(cents))), cents, "levy", "employers")
        elif op == "pay":
            room = fund.headroom()
            payees = account(PROVIDER, np.arange(len(cents)))
            paid = fund.pay(payees, cents, "provider_upfront", "providers")
            owed_total += int(cents.sum())
            assert paid.shape == cents.shape
            assert (paid >= 0).all() and (paid <= cents).all()
            assert int(paid.sum()) <= room
        else:
            room = fund.headroom()
            before = fund.balance
            fund.settle_arrears()
            assert before - fund.balance <= room
        assert fund.balance >= -fund.credit_line
        assert sum(fund.income.values()) - sum(fund.spend.values()) == fund.balance
    frame = model.ledger.to_frame()
    assert (frame.amount_cents > 0).all()
    assert net_into_fund(frame) == fund.balance
    paid_out = int(frame.loc[frame.payer == "fund", "amount_cents"].sum())
    assert paid_out + fund.arrears_total() == owed_total


# --- Employer accounts -------------------------------------------------------------------------

def test_accounts_credit_and_balances() -> None:
    acc = EmployerAccounts(n_firms=3, expiry_months=4)
    acc.credit(np.array([100, 0, 50]))
    acc.credit(np.array([1, -20, 0]))  # negative amounts are not credits
    assert acc.balances().tolist() == [101, 0, 50]
    assert acc.total() == 151


def test_accounts_spend_oldest_money_first() -> None:
    acc = EmployerAccounts(n_firms=2, expiry_months=3)
    acc.credit(np.array([100, 10]))  # vintage A
    assert acc.roll() == 0
    acc.credit(np.array([50, 10]))  # vintage B
    drawn = acc.spend(np.array([120, 5]))
    assert drawn.tolist() == [120, 5]
    # firm 0: all of A (100) then 20 of B; firm 1: 5 of A
    assert acc.vintages[:, 0].tolist() == [0, 0, 30]
    assert acc.vintages[:, 1].tolist() == [0, 5, 10]
    assert acc.balances().tolist() == [30, 15]


def test_accounts_spend_at_most_the_balance_and_never_negative() -> None:
    acc = EmployerAccounts(n_firms=3, expiry_months=2)
    acc.credit(np.array([100, 100, 100]))
    want = np.array([150, -40, 0])
    drawn = acc.spend(want)
    assert drawn.tolist() == [100, 0, 0]
    assert want.tolist() == [150, -40, 0]  # the request is not modified
    assert acc.balances().tolist() == [0, 100, 100]
    assert (acc.vintages >= 0).all()


def test_accounts_money_expires_after_expiry_months() -> None:
    expiry = 3
    acc = EmployerAccounts(n_firms=2, expiry_months=expiry)
    acc.credit(np.array([70, 30]))  # credited in month 1 (after month 1's roll)
    expired = [acc.roll() for _ in range(expiry)]  # the rolls opening months 2, 3, 4
    assert expired == [0, 0, 100]
    assert acc.total() == 0 and acc.balances().tolist() == [0, 0]


def test_accounts_partly_spent_money_expires_net_of_spending() -> None:
    acc = EmployerAccounts(n_firms=1, expiry_months=2)
    acc.credit(np.array([100]))
    assert acc.roll() == 0
    acc.credit(np.array([40]))
    assert acc.spend(np.array([30])).tolist() == [30]  # from the older 100
    assert acc.roll() == 70  # the rest of the older vintage expires
    assert acc.total() == 40
    assert acc.roll() == 40
    assert acc.total() == 0


def test_fund_rolls_its_accounts_each_month() -> None:
    _, fund = fund_with(n_firms=2, expiry=1)
    assert fund.accounts is not None
    fund.accounts.credit(np.array([500, 0]))
    fund.open_month(fund.month + 1)
    assert fund.expired_cents == 500 and fund.accounts.total() == 0
    _, no_accounts = fund_with(n_firms=2, expiry=None)
    assert no_accounts.accounts is None
    no_accounts.open_month(2)
    assert no_accounts.expired_cents == 0


def test_fund_month_totals_and_income_average() -> None:
    _, fund = fund_with()
    for amount in (1_200, 2_400, 3_600):
        fund.open_month(fund.month + 1)
        assert dict(fund.income) == {} and dict(fund.spend) == {}
        fund.receive(account(PUBLIC), amount, "public_grant", "public")
        fund.close_month()
    assert fund.income_history == [1_200, 2_400, 3_600]
    assert fund.income_avg(2) == pytest.approx(30.0)  # $ per month over the last two months
    assert fund.income_avg() == pytest.approx(24.0)

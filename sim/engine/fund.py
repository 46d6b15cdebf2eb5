"""The fund's purse: a Mesa agent that holds the balance, books every transfer in the ledger, and
never pays out more than it holds (plus its credit line). What it cannot pay now becomes arrears,
owed first next month and reported as a liability. What the fund does with its money, month by
month, is in sim.engine.fund_flows."""

from __future__ import annotations

from collections import defaultdict

import mesa
import numpy as np

from sim.engine.financing import InvestorBook
from sim.ledger import FUND, Ledger, account
from sim.rules.grants import FirmGrantCap
from sim.scenario.fund import Fund as FundRules

INCOME_FAMILIES = ("employers", "public", "other")
SPEND_FAMILIES = ("providers", "supports", "admin", "employers", "other")


class EmployerAccounts:
    """Per-firm levy accounts with monthly vintages; the oldest vintage expires into the pool."""

    def __init__(self, n_firms: int, expiry_months: int) -> None:
        self.vintages = np.zeros((expiry_months, n_firms), dtype=np.int64)  # row 0 = oldest

    def credit(self, cents: np.ndarray) -> None:
        self.vintages[-1] += np.maximum(cents, 0)

    def spend(self, firm_cents: np.ndarray) -> np.ndarray:
        """Draw up to `firm_cents` from each firm's account, oldest money first; return drawn."""
        want = np.maximum(firm_cents, 0).astype(np.int64)
        drawn = np.zeros_like(want)
        for row in self.vintages:  # a few dozen vintages, vectorised over firms
            take = np.minimum(row, want - drawn)
            row -= take
            drawn += take
        return drawn

    def roll(self) -> int:
        """Start a new month: expire the oldest vintage; return the cents that expired."""
        expired = int(self.vintages[0].sum())
        self.vintages[:-1] = self.vintages[1:]
        self.vintages[-1] = 0
        return expired

    def total(self) -> int:
        return int(self.vintages.sum())

    def balances(self) -> np.ndarray:
        return self.vintages.sum(axis=0)


class FundAgent(mesa.Agent):
    def __init__(self, model: mesa.Model, ledger: Ledger, rules: FundRules, n_firms: int) -> None:
        super().__init__(model)
        self.ledger = ledger
        self.rules = rules  # the scenario's fund section: money in, payments, reserves, supports
        self.month = 0
        credit_line = rules.credit_line
        accounts_expiry = rules.accounts.expiry_months if rules.accounts.enabled else None
        self.balance = 0  # cents
        self.credit_line = int(round(credit_line * 100))
        self.income: dict[str, int] = defaultdict(int)  # this month, cents by family
        self.spend: dict[str, int] = defaultdict(int)
        self.income_history: list[int] = []  # total income per month, cents
        self.arrears: list[tuple[np.ndarray, np.ndarray, str, str]] = []
        self.accounts = EmployerAccounts(n_firms, accounts_expiry) if accounts_expiry else None
        self.expired_cents = 0
        self.budget_scale = 1.0  # < 1 while a pilot runs
        self.grant_budget = 0.0  # $ the pool may pay in incumbent grants this month
        self.grant_fill = 1.0  # share of last month's grant claims the pool paid (firms learn it)
        self.start_cost_by_rung = np.zeros(3)  # $ of fund-paid starts last month, per rung
        self.starts_cost_now = np.zeros(3)  # the same, accruing this month
        self.rollout_log: list[tuple[int, float, bool]] = []  # (month, placement rate, passed)
        self.lapsed_this_year = 0  # cents of levy-grant entitlement lapsed since the last award
        self.placements_mark = np.zeros(0, dtype=np.int64)  # providers' placements at the last award
        self.completions_mark = np.zeros(0, dtype=np.int64)  # providers' fund completions then
        self.grant_cap = FirmGrantCap(n_firms)  # each firm's grants this run year, for the caps
        # Apprenticeship training the fund paid providers per host firm since money was last
        # collected, and the part the hosts' levy accounts paid (cents): what co-investment reads.
        self.host_paid = np.zeros(n_firms, dtype=np.int64)
        self.host_account_paid = np.zeros(n_firms, dtype=np.int64)
        self.investors = InvestorBook(rules.financing[0]) if rules.financing else None

    # -- money in and out ----------------------------------------------------------------
    def receive(self, payer: np.ndarray | int, cents: np.ndarray | int, category: str,
                family: str) -> None:
        cents = np.atleast_1d(np.asarray(cents, dtype=np.int64))
        self.ledger.record(self.month, payer, account(FUND), category, cents)
        total = int(cents.sum())
        self.balance += total
        self.income[family] += total

    def headroom(self) -> int:
        return max(0, self.balance + self.credit_line)

    def pay(self, payee: np.ndarray | int, cents: np.ndarray | int, category: str,
            family: str) -> np.ndarray:
        """Pay what is due, pro rata when the fund is short; the rest becomes arrears."""
        cents = np.atleast_1d(np.asarray(cents, dtype=np.int64))
        payee = np.asarray(payee, dtype=np.int64)  # one account, or one per amount
        if payee.ndim and payee.shape != cents.shape:
            payee = np.broadcast_to(payee, cents.shape)
        want = int(cents.sum())
        if want <= 0:
            return np.zeros_like(cents)
        room = self.headroom()
        paid = cents if want <= room else (cents * (room / want)).astype(np.int64)
        self.ledger.record(self.month, account(FUND), payee, category, paid)
        total = want if paid is cents else int(paid.sum())
        self.balance -= total
        self.spend[family] += total
        if paid is not cents:  # paid in full: nothing short
            short = cents - paid
            if short.any():
                self.arrears.append((np.broadcast_to(payee, cents.shape).copy(), short, category, family))
        return paid

    def settle_arrears(self) -> None:
        owed, self.arrears = self.arrears, []
        for payee, cents, category, family in owed:
            self.pay(payee, cents, category, family)

    def arrears_total(self) -> int:
        return int(sum(int(c.sum()) for _, c, _, _ in self.arrears))

    # -- monthly bookkeeping -------------------------------------------------------------
    def open_month(self, month: int) -> None:
        self.month = month
        self.starts_cost_now = np.zeros(3)
        self.grant_cap.open(month)
        self.income.clear()
        self.spend.clear()
        if self.accounts is not None:
            self.expired_cents = self.accounts.roll()

    def close_month(self) -> None:
        self.income_history.append(sum(self.income.values()))
        self.start_cost_by_rung = self.starts_cost_now

    def income_avg(self, months: int = 12) -> float:
        """Trailing average monthly income in dollars."""
        recent = self.income_history[-months:]
        return (sum(recent) / len(recent) / 100.0) if recent else 0.0

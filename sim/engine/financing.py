"""Social finance in the run: which new fund seats investors finance, their part of each
provider payment (investors -> provider, bypassing the fund), and the repayments (fund ->
investors on measured outcomes under pay-for-success; participant -> investors out of income
under an income-share agreement). The rules are sim/rules/social_finance.py.

The book keeps one row per financed seat (sparse: only financed people), so the population
carries a single flag, `contract_financed`, for the open contract."""

from __future__ import annotations

import numpy as np

from sim.engine.workers import EMPLOYED, Population
from sim.ledger import INVESTORS, PARTICIPANT, PROVIDER, Ledger, account
from sim.rules.social_finance import Financed, Financing


class InvestorBook:
    """Investors' capital, the seats they financed and what they were repaid (cents)."""

    def __init__(self, rule: Financing) -> None:
        self.rule = rule
        self.committed = 0  # seat values financed
        self.invested = 0  # paid to providers so far
        self.repaid = 0  # repaid to investors so far
        self.person = np.zeros(0, dtype=np.int64)
        self.start = np.zeros(0, dtype=np.int64)
        self.months = np.zeros(0, dtype=np.int64)
        self.price = np.zeros(0, dtype=np.int64)
        self.repaid_each = np.zeros(0, dtype=np.int64)

    def pick(self, p: Population, idx: np.ndarray, value: np.ndarray, month: int) -> np.ndarray:
        """Of candidates `idx` (best first) with seat values `value` ($), those investors
        finance: covered, within the capital left and the participant cap."""
        rule = self.rule
        take = np.zeros(len(idx), dtype=bool)
        if not rule.open(month) or len(idx) == 0:
            return take
        ok = rule.who.matches(p.group[idx], p.age_years(month, idx), p.traits[idx])
        cents = np.where(ok, np.rint(value * 100), 0).astype(np.int64)
        left = int(round(rule.capital * 100)) - self.committed
        slots = rule.participants_max - len(self.person)
        take = ok & (np.cumsum(cents) <= left) & (np.cumsum(ok) <= slots)
        self.committed += int(cents[take].sum())
        return take

    def open(self, p: Population, idx: np.ndarray, month: int) -> None:
        """Financed seats `idx` whose contracts just opened."""
        p.contract_financed[idx] = True
        self.person = np.concatenate([self.person, idx])
        self.start = np.concatenate([self.start, np.full(len(idx), month)])
        self.months = np.concatenate([self.months, p.prog_months[idx].astype(np.int64)])
        self.price = np.concatenate([self.price, p.contract_price[idx]])
        self.repaid_each = np.concatenate([self.repaid_each, np.zeros(len(idx), dtype=np.int64)])

    def investor_part(self, p: Population, idx: np.ndarray, cents: np.ndarray) -> np.ndarray:
        """Cents of each payment `cents` (for people `idx`) that investors make."""
        share = self.rule.share_at(p.contract_start[idx])  # the share the seat started under
        return np.where(p.contract_financed[idx], np.floor(cents * share), 0).astype(np.int64)

    def pay_providers(self, ledger: Ledger, month: int, provider: np.ndarray, cents: np.ndarray,
                      revenue: np.ndarray) -> None:
        per = np.bincount(provider, weights=cents.astype(np.float64), minlength=len(revenue))
        per = np.rint(per).astype(np.int64)
        payees = np.flatnonzero(per)
        if len(payees):
            ledger.record(month, account(INVESTORS), account(PROVIDER, payees), "investor_provider_payment",
                          per[payees])
            revenue[payees] += per[payees]
            self.invested += int(per.sum())

    def due(self, p: Population, month: int) -> np.ndarray:
        """Repayments due this month per financed seat (cents)."""
        who = self.person
        fin = Financed(month=month, start=self.start, price_cents=self.price, months=self.months,
                       employed=p.status[who] == EMPLOYED, earnings=p.earnings[who].astype(np.float64),
                       repaid_cents=self.repaid_each)
        return self.rule.repayments(fin)

    def cap_left(self) -> int:
        """Cents the payer may still repay: capital invested plus the maximum return, less repaid."""
        max_return = getattr(self.rule, "max_return", 0.0)
        return max(0, int(np.floor(self.invested * (1.0 + max_return))) - self.repaid)


def settle(book: InvestorBook, ledger: Ledger, month: int, p: Population, pay_fund) -> None:
    """This month's repayments to investors: by the fund (through `pay_fund(cents, category)`,
    within the cap) or by each participant (a ledger row per participant)."""
    if len(book.person) == 0:
        return
    due = book.due(p, month)
    if book.rule.payer == "fund":
        total = min(int(due.sum()), book.cap_left())
        if total > 0:
            pay_fund(total, "pfs_repayment")
            book.repaid += total
        return
    paying = np.flatnonzero(due > 0)
    if len(paying):
        ledger.record(month, account(PARTICIPANT, book.person[paying]), account(INVESTORS), "isa_repayment",
                      due[paying])
        book.repaid_each[paying] += due[paying]
        book.repaid += int(due[paying].sum())

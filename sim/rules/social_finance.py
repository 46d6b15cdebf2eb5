"""Social finance: investors pay providers up front for some fund seats and are repaid later,
by the payer on measured outcomes (pay-for-success) or by the participants out of their income
(income-share agreements). Investors and participants are ledger accounts (`investors`,
`participant:<id>`).

A financing rule has two verbs: `covers` (which new fund seats investors finance, within their
capital and the participant cap) and `repayments` (what falls due this month, in cents, and who
pays it). The engine (sim/engine/financing.py) moves the money."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, Union

import numpy as np
from pydantic import Field

from sim.ledger import floor_cents
from sim.scenario.dated import DatedFloat, at, at_each
from sim.scenario.params import Section, param
from sim.scenario.people import Who

SOCIALFINANCE = "socialfinance.org (pay-for-success and career impact bond programme pages)"


@dataclass
class Financed:
    """The financed participants checked this month. `start`: month of the financed start;
    `price_cents`: the seat's price; `employed`: employed now; `earnings`: $ earned last month;
    `repaid_cents`: what each has repaid so far (income shares)."""

    month: int
    start: np.ndarray
    price_cents: np.ndarray
    months: np.ndarray
    employed: np.ndarray
    earnings: np.ndarray
    repaid_cents: np.ndarray


class Financing(Section):
    payer: ClassVar[str]  # "fund" (the payer repays) or "participant"
    capital: float = param(1_000_000.0, unit="$", ge=0, le=1e10, role="lever",
                           description="Capital investors commit to pay providers for financed seats.",
                           source=SOCIALFINANCE)
    investor_share: DatedFloat = param(
        1.0, unit="share of provider payments", ge=0, le=1, role="lever", dated=True,
        description="Share of each provider payment for a financed seat that investors make "
                    "instead of the fund. Dated: the share in force in the month the seat started; "
                    "investors finance new starts only in months where it is above 0 (their "
                    "window, e.g. [{from: 1, value: 0}, {from: 13, value: 1}, {from: 49, value: 0}]).")
    participants_max: int = param(1_000_000, unit="people", ge=1, le=10_000_000, role="lever",
                                  description="Most participants investors finance.")
    who: Who = Field(default_factory=Who, description="Participants investors may finance.")

    def open(self, month: int) -> bool:
        """Investors finance new starts this month."""
        return at(self.investor_share, month) > 0

    def share_at(self, start: np.ndarray) -> np.ndarray:
        """Investors' share of the payments for seats that started in months `start`."""
        return at_each(self.investor_share, start)

    def repayments(self, fin: Financed) -> np.ndarray:
        """Cents due this month from (or for) each financed participant in `fin`."""
        raise NotImplementedError


class PayForSuccess(Financing):
    """The payer repays investors for each financed participant employed `measure_months`
    after the start, beyond the share a control group would have reached anyway; total
    repayments stop at the capital invested plus `max_return`."""

    kind: Literal["pay_for_success"] = "pay_for_success"
    payer: ClassVar[str] = "fund"
    measure_months: int = param(12, unit="months", ge=1, le=120, role="lever",
                                description="Months after the start when a participant's employment "
                                            "is measured.")
    outcome_payment: float = param(10_000.0, unit="$ per outcome", ge=0, le=1e6, role="lever",
                                   description="Paid to investors for each participant employed at "
                                               "the measure beyond the control group's rate.",
                                   source=SOCIALFINANCE)
    control_rate: float = param(0.5, unit="share", ge=0, le=1, role="uncertainty",
                                description="Share of a comparable control group employed at the "
                                            "measure (outcomes are paid only above it).",
                                source="assumption; the evaluation's control group measures it")
    max_return: float = param(0.05, unit="share of capital", ge=0, le=5, role="lever",
                              description="Most investors earn above their capital back in all.",
                              source=SOCIALFINANCE)

    def repayments(self, fin: Financed) -> np.ndarray:
        """Per cohort measured this month: outcome_payment x max(0, employed - control_rate x
        measured), split equally over the cohort's employed (floored to the cent)."""
        due = np.zeros(len(fin.start), dtype=np.int64)
        measured = fin.month - fin.start == self.measure_months
        n, hits = int(measured.sum()), int((measured & fin.employed).sum())
        beyond = max(0.0, hits - self.control_rate * n)
        if hits == 0 or beyond <= 0:
            return due
        each = floor_cents(self.outcome_payment * 100 * beyond / hits)
        due[measured & fin.employed] = each
        return due


class IncomeShare(Financing):
    """Participants pay no tuition; from the month after their programme's planned end, for
    `years`, each repays `income_share` of earnings above `threshold_annual`, until the total
    reaches `cap_multiple` times the seat's price."""

    kind: Literal["income_share"] = "income_share"
    payer: ClassVar[str] = "participant"
    income_share: float = param(0.1, unit="share of income above the threshold", ge=0, le=0.5,
                                role="lever", description="Share of income above the threshold repaid.",
                                source=SOCIALFINANCE)
    threshold_annual: float = param(40_000.0, unit="$ per year", ge=0, le=1e6, role="lever",
                                    description="Income below which nothing is repaid.",
                                    source="career impact bonds: about $40,000 a year (socialfinance.org)")
    cap_multiple: float = param(1.5, unit="ratio", ge=0, le=10, role="lever",
                                description="Most a participant repays, as a multiple of the seat's price.",
                                source=SOCIALFINANCE)
    years: int = param(5, unit="years", ge=1, le=20, role="lever",
                       description="Years after training during which repayments are due.",
                       source=SOCIALFINANCE)

    def repayments(self, fin: Financed) -> np.ndarray:
        since_end = fin.month - (fin.start + fin.months)
        window = (since_end >= 1) & (since_end <= 12 * self.years)
        above = np.maximum(fin.earnings - self.threshold_annual / 12.0, 0.0)
        due = floor_cents(above * self.income_share * 100)
        cap = floor_cents(fin.price_cents * self.cap_multiple)
        return np.where(window, np.minimum(due, np.maximum(cap - fin.repaid_cents, 0)), 0)


FinancingT = Annotated[Union[PayForSuccess, IncomeShare], Field(discriminator="kind")]

"""Payment rules (tranches): how a seat's price, or a money amount, is paid over time and on
results. Each rule has a `trigger` (start, monthly, completion, placement, retention, after
start) and one verb, `due(event)`, returning cents per participant for the participants that hit
the trigger this month, for those it covers (`who`). The schedule that combines them is in
sim.rules.payments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from sim.ledger import floor_cents
from sim.scenario.dated import DatedFloat, at_each, highest
from sim.scenario.params import Section, param
from sim.scenario.people import Who

Trigger = Literal["start", "monthly", "completion", "placement", "retention", "after_start"]
DAYS_PER_MONTH = 365.25 / 12


def months_after(day: int) -> int:
    """The month (after the anchor event) in which day `day` falls, at least 1."""
    return max(1, int(round(day / DAYS_PER_MONTH)))


@dataclass
class PaymentEvent:
    """Participants hitting a trigger this month. `price_cents`: each one's contracted price;
    `months`: programme length; `retained`: still employed (retention events);
    `wage_gain`: relative wage gain since before training (retention events);
    `continuous`: employed at every monthly count since placement (retention events);
    `group`, `age`: worker group and age in whole years at the fund start (rules for some
    people only read them); `start`: the month each one's fund contract started (a dated
    amount is read at it: a contract's terms are those in force when it started)."""

    price_cents: np.ndarray
    months: np.ndarray
    retained: np.ndarray | None = None
    wage_gain: np.ndarray | None = None
    continuous: np.ndarray | None = None
    group: np.ndarray | None = None
    age: np.ndarray | None = None
    traits: np.ndarray | None = None
    start: np.ndarray | None = None


class PaymentRule(Section):
    trigger: ClassVar[Trigger]
    outcome_based: ClassVar[bool] = False
    category: ClassVar[str] = "provider_payment"
    share: float = param(0.0, unit="share of price", ge=0, le=1, role="lever",
                         description="Share of the seat price this rule pays.")
    amount: DatedFloat = param(
        0.0, unit="$ per participant", ge=0, le=200_000, role="lever", dated=True,
        description="Money amount this tranche pays per participant, on top of its share of the "
                    "price (a fixed-amount tranche sets share 0); a rule paid in several "
                    "instalments splits it equally. Dated: the amount in force in the month the "
                    "participant's fund start happened (a time-limited incentive is 0 outside "
                    "its window).",
        source="lever; fixed-amount tranches as in the UK's 2020 apprentice incentive (GOV.UK)",
    )
    who: Who = Field(default_factory=Who,
                     description="Participants this tranche is paid for (groups, age at the start).")

    @property
    def month_offset(self) -> int:
        """Months after the trigger's anchor event when the payment falls due."""
        return 0

    @property
    def month_offsets(self) -> tuple[int, ...]:
        """Months after the anchor event of each payment (one per payment, repeats allowed)."""
        return (self.month_offset,)

    @property
    def has_amount(self) -> bool:
        """The rule pays a money amount to someone at some time."""
        return highest(self.amount) > 0

    def amount_cents(self, start: np.ndarray | int | None) -> np.ndarray | int:
        """Cents of the amount for contracts that started in months `start` (a plain amount
        needs no months)."""
        if not isinstance(self.amount, tuple):
            return int(round(self.amount * 100))
        assert start is not None, "a dated amount is read at each contract's start month"
        return np.rint(at_each(self.amount, start) * 100).astype(np.int64)

    def value_cents(self, price_cents: np.ndarray, start: np.ndarray | int | None = None) -> np.ndarray:
        """Fractional cents this rule pays in total per participant at most (all payments)."""
        return price_cents * self.share + self.amount_cents(start)

    def promised(self, price_cents: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
        """Cents of one of its payments, owed until it falls due (the liability)."""
        return np.floor(price_cents * self.share) + self.amount_cents(start)


    def due(self, ev: PaymentEvent) -> np.ndarray:
        """Cents due per participant of `ev`: what the rule pays, for those it covers."""
        cents = self.pays(ev)
        if self.who.everyone:
            return cents
        assert ev.group is not None and ev.age is not None
        return np.where(self.who.matches(ev.group, ev.age, ev.traits), cents, 0)

    def pays(self, ev: PaymentEvent) -> np.ndarray:
        return floor_cents(ev.price_cents * self.share) + self.amount_cents(ev.start)


class Upfront(PaymentRule):
    """Paid when the seat is contracted, before training starts."""

    kind: Literal["upfront"] = "upfront"
    trigger: ClassVar[Trigger] = "start"
    category: ClassVar[str] = "provider_upfront"


class OnEnrolment(PaymentRule):
    """Paid when enrolment is verified at the start of training."""

    kind: Literal["on_enrolment"] = "on_enrolment"
    trigger: ClassVar[Trigger] = "start"
    category: ClassVar[str] = "provider_enrolment"


class MonthlyInstalments(PaymentRule):
    """Equal instalments for each month a participant stays in training."""

    kind: Literal["monthly_instalments"] = "monthly_instalments"
    trigger: ClassVar[Trigger] = "monthly"
    category: ClassVar[str] = "provider_instalment"

    def pays(self, ev: PaymentEvent) -> np.ndarray:
        whole = ev.price_cents * self.share + self.amount_cents(ev.start)
        return floor_cents(whole / np.maximum(ev.months, 1))


class OnCompletion(PaymentRule):
    """Paid when the participant completes the programme (earning its credential, if it gives one)."""

    kind: Literal["on_completion"] = "on_completion"
    trigger: ClassVar[Trigger] = "completion"
    category: ClassVar[str] = "provider_completion"


class OnPlacement(PaymentRule):
    """Paid when a completer is hired within the placement window."""

    kind: Literal["on_placement"] = "on_placement"
    trigger: ClassVar[Trigger] = "placement"
    outcome_based: ClassVar[bool] = True
    category: ClassVar[str] = "provider_placement"


class AfterPlacement(PaymentRule):
    """Base of outcome payments checked `day` days after placement."""

    trigger: ClassVar[Trigger] = "retention"
    outcome_based: ClassVar[bool] = True
    day: int = param(365, unit="days", ge=1, le=1825, role="lever",
                     description="Days after placement the check happens.")
    continuous: bool = param(
        False, unit="flag", role="lever",
        description="Pay only if the person was employed at every monthly count since placement, "
                    "not just on the day of the check.",
        source="lever; social impact bonds pay on sustained employment (socialfinance.org)",
    )

    @property
    def month_offset(self) -> int:
        return months_after(self.day)

    def kept(self, ev: PaymentEvent) -> np.ndarray:
        """Who meets the employment condition: employed at the check (and throughout, if
        `continuous`)."""
        assert ev.retained is not None
        if self.continuous:
            assert ev.continuous is not None
            return ev.retained & ev.continuous
        return ev.retained


class OnRetention(AfterPlacement):
    """Paid if the placed person is still employed `day` days after placement."""

    kind: Literal["on_retention"] = "on_retention"
    category: ClassVar[str] = "provider_retention"

    def pays(self, ev: PaymentEvent) -> np.ndarray:
        return np.where(self.kept(ev), super().pays(ev), 0)


class WageGainBonus(AfterPlacement):
    """Paid if the placed person's wage has risen by at least `min_gain` by `day`."""

    kind: Literal["wage_gain_bonus"] = "wage_gain_bonus"
    category: ClassVar[str] = "provider_wage_bonus"
    min_gain: float = param(0.1, unit="share of prior wage", ge=0, le=5, role="lever",
                            description="Wage gain that earns the bonus.")

    def pays(self, ev: PaymentEvent) -> np.ndarray:
        assert ev.wage_gain is not None
        ok = self.kept(ev) & (ev.wage_gain >= self.min_gain)
        return np.where(ok, super().pays(ev), 0)


class RecurringOutcome(AfterPlacement):
    """Paid `times` times, every `every_days` days from day `day` after placement, each time the
    placed person meets the employment condition; share and amount are split equally across the
    payments (outcome-rate cards of social impact bonds pay quarterly on sustained work)."""

    kind: Literal["recurring_outcome"] = "recurring_outcome"
    category: ClassVar[str] = "provider_outcome_recurring"
    day: int = param(91, unit="days", ge=1, le=1825, role="lever",
                     description="Days after placement of the first check.")
    every_days: int = param(91, unit="days", ge=7, le=730, role="lever",
                            description="Days between checks.")
    times: int = param(4, unit="payments", ge=1, le=60, role="lever",
                       description="Number of checks (each pays its part if the condition holds).")

    @property
    def month_offset(self) -> int:
        return max(self.month_offsets)

    @property
    def month_offsets(self) -> tuple[int, ...]:
        return tuple(months_after(self.day + j * self.every_days) for j in range(self.times))

    def promised(self, price_cents: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
        return np.floor((price_cents * self.share + self.amount_cents(start)) / self.times)

    def pays(self, ev: PaymentEvent) -> np.ndarray:
        each = floor_cents((ev.price_cents * self.share + self.amount_cents(ev.start)) / self.times)
        return np.where(self.kept(ev), each, 0)


class AfterStart(PaymentRule):
    """Paid `day` days after the fund start to the provider or the employer (an apprentice's
    host), if the participant has not dropped out (the contract is still open): incentives such
    as England's day-90 and day-365 apprenticeship payments. An employer payment is a money
    amount (share 0); a time-limited incentive is a dated amount, 0 outside its window of starts
    (e.g. `amount: [{from: 1, value: 0}, {from: 13, value: 1270}, {from: 19, value: 0}]`)."""

    kind: Literal["after_start"] = "after_start"
    trigger: ClassVar[Trigger] = "after_start"
    day: int = param(90, unit="days", ge=1, le=1825, role="lever",
                     description="Days after the start the payment falls due.")
    payee: Literal["provider", "employer"] = param(
        "provider", unit="choice", role="lever",
        description="Who is paid: the provider, or the participant's employer (apprentices' hosts; "
                    "participants with no employer then are not paid).",
    )

    @model_validator(mode="after")
    def _employer_amounts(self) -> AfterStart:
        if self.payee == "employer" and self.share > 0:
            raise ValueError("a payment to the employer is a money amount: set share to 0 and give amount")
        return self

    @property
    def category(self) -> str:  # type: ignore[override]
        return "employer_incentive" if self.payee == "employer" else "provider_after_start"

    @property
    def month_offset(self) -> int:
        return months_after(self.day)


PaymentRuleT = Annotated[
    Union[Upfront, OnEnrolment, MonthlyInstalments, OnCompletion, OnPlacement, OnRetention,
          WageGainBonus, RecurringOutcome, AfterStart],
    Field(discriminator="kind"),
]

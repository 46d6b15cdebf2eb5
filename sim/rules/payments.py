"""Money out to providers: the payment schedule of a fund seat, its tranches (the rules, in
sim.rules.tranches, read from here too), prices by group, clawback and whom the fund seats.

A tranche pays a share of the seat's price, a money amount, or both, for the participants it
covers. The schedule checks, for every kind of participant the fund may seat (worker group, age
range, further group), that the shares sum to 1 (at most 1 with money amounts) and stay under
the outcome cap, and values a seat (commitments, the admission budget, providers' expected
revenue). Outcome payments that fall due after a placement are booked as liabilities when the
placement happens."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from pydantic import Field, model_validator

from sim.rules.tranches import (
    DAYS_PER_MONTH,
    AfterPlacement,
    AfterStart,
    MonthlyInstalments,
    OnCompletion,
    OnEnrolment,
    OnPlacement,
    OnRetention,
    PaymentEvent,
    PaymentRule,
    PaymentRuleT,
    RecurringOutcome,
    Trigger,
    Upfront,
    WageGainBonus,
    months_after,
)
from sim.scenario.params import Section, param
from sim.scenario.people import Eligibility, Who, trait_bit

__all__ = [  # the rules are defined in sim.rules.tranches and read from here too
    "DAYS_PER_MONTH", "AfterPlacement", "AfterStart", "Clawback", "MonthlyInstalments", "OnCompletion",
    "OnEnrolment", "OnPlacement", "OnRetention", "PaymentEvent", "PaymentRule", "PaymentRuleT",
    "PaymentSchedule", "RecurringOutcome", "Trigger", "Upfront", "WageGainBonus", "months_after",
]


class Clawback(Section):
    """If a placed person is not employed at the check, the provider repays a share of the
    placement payment."""

    share: float = param(0.0, unit="share of placement payment", ge=0, le=1, role="lever",
                         description="Share of the placement tranche repaid when retention fails.")
    day: int = param(90, unit="days", ge=1, le=1825, role="lever",
                     description="Days after placement the clawback check happens.")

    @property
    def month_offset(self) -> int:
        return months_after(self.day)


def _default_rules() -> list:
    return [Upfront(share=0.2), MonthlyInstalments(share=0.3), OnCompletion(share=0.2),
            OnPlacement(share=0.2), OnRetention(share=0.1, day=365)]


class PaymentSchedule(Section):
    """How providers are paid for a fund seat: the tranches, prices by group, clawback."""

    rules: list[PaymentRuleT] = Field(default_factory=_default_rules, min_length=1,
                                      description="Tranches; their shares must sum to 1 (at most 1 "
                                                  "when tranches also pay money amounts).")
    hard_to_serve_price_multiplier: float = param(
        1.0, unit="ratio", ge=0.5, le=5.0, role="lever",
        description="Price of a seat for a hard-to-serve participant relative to others.",
    )
    clawback: Clawback = Field(default_factory=Clawback)
    outcome_share_cap: float = param(
        1.0, unit="share of price", ge=0.0, le=1.0, role="lever",
        description="Most of the price that may be paid on outcomes (placement, retention, wages).",
        source="lever; WIOA's 10% cap (20 CFR 683.500) is what its preset sets",
    )

    third_party_share_apprenticeships: float = param(
        0.0, unit="share of provider payments", ge=0.0, le=1.0, role="lever",
        description="Share of each provider payment for an apprentice (while the apprenticeship runs) "
                    "that a third party pays instead of the fund, e.g. publicly funded vocational "
                    "schools (ledger: public -> provider).",
    )
    eligible: Eligibility = Field(default_factory=Eligibility,
                                  description="Whom the fund buys seats for (others may pay their own way).")

    @model_validator(mode="after")
    def _shares(self) -> PaymentSchedule:
        # Every kind of participant the fund may seat (worker group x age range) must be paid
        # for by tranches whose shares sum to 1 (at most 1 with money amounts).
        for group, lo, hi, traits in self.cells():
            rules = self.rules_for(group, lo, traits)
            who = f" for {('hard-to-serve' if group else 'job-ready')} people aged {lo}-{hi}"
            names = [n for n in self.trait_names() if traits & trait_bit(n)]
            who += f" in {', '.join(names)}" if names else ""
            who = "" if self.untargeted else who
            total = sum(r.share for r in rules)
            if any(r.has_amount for r in rules):
                if total > 1.0 + 1e-6:
                    raise ValueError(f"payment rule shares{who} must sum to at most 1 when tranches "
                                     f"pay money amounts (they sum to {total:.4f})")
            elif abs(total - 1.0) > 1e-6:
                raise ValueError(f"payment rule shares{who} must sum to 1 (they sum to {total:.4f}), "
                                 f"or give tranches money amounts")
            outcome = sum(r.share for r in rules if r.outcome_based)
            if outcome > self.outcome_share_cap + 1e-9:
                raise ValueError(
                    f"outcome-based shares{who} sum to {outcome:.3f}, above outcome_share_cap "
                    f"{self.outcome_share_cap:.3f}"
                )
        return self

    @property
    def untargeted(self) -> bool:
        return all(r.who.everyone for r in self.rules)

    def trait_names(self) -> list[str]:
        """The further groups the rules and the eligibility refer to."""
        return sorted({w.in_group for w in [r.who for r in self.rules] + [self.eligible] if w.in_group})

    def cells(self) -> list[tuple[int, int, int, int]]:
        """(group, first age, last age, further-group mask) of each kind of participant the
        rules and eligibility tell apart, for those the fund may seat."""
        whos: list[Who] = [r.who for r in self.rules] + [self.eligible]
        cuts = sorted({0, 121} | {w.age_min for w in whos} | {w.age_max + 1 for w in whos})
        bits = [trait_bit(n) for n in self.trait_names()]
        masks = sorted({sum(b for j, b in enumerate(bits) if k >> j & 1) for k in range(2 ** len(bits))})
        out = []
        for group in (0, 1):
            for lo, nxt in pairwise(cuts):
                for mask in masks:
                    if self.eligible.matches(np.array([group]), np.array([lo]), np.array([mask]))[0]:
                        out.append((group, lo, nxt - 1, mask))
        return out

    def rules_for(self, group: int, age: int, traits: int = 0) -> list[PaymentRule]:
        g, a, t = np.array([group]), np.array([age]), np.array([traits])
        return [r for r in self.rules if r.who.matches(g, a, t)[0]]

    @property
    def has_amounts(self) -> bool:
        return any(r.has_amount for r in self.rules)

    @property
    def simple(self) -> bool:
        """Shares of one price, summing to 1, for everyone: a seat is worth its price."""
        return not self.has_amounts and self.untargeted

    def seat_value(self, price: np.ndarray, outcome_odds: np.ndarray | float | None = None,
                   group: np.ndarray | None = None, age: np.ndarray | None = None,
                   start: np.ndarray | int | None = None, traits: np.ndarray | None = None) -> np.ndarray:
        """$ the schedule pays for seats of `price` ($) for people of `group` and `age` whose
        training starts in month `start`: all of it, or with outcome tranches weighted by
        `outcome_odds` (what a provider expects: then payments to employers are left out)."""
        if self.simple and outcome_odds is None:
            return price
        dollars = np.asarray(price, dtype=np.float64)
        total = np.zeros_like(dollars)
        for rule in self.rules:
            if outcome_odds is not None and getattr(rule, "payee", "provider") != "provider":
                continue
            part = rule.value_cents(dollars * 100, start) / 100
            if rule.outcome_based and outcome_odds is not None:
                part = part * outcome_odds
            if not rule.who.everyone:
                assert group is not None and age is not None
                part = np.where(rule.who.matches(group, age, traits), part, 0.0)
            total = total + part
        return total

    def contract_value_cents(self, price_cents: np.ndarray, group: np.ndarray | None = None,
                             age: np.ndarray | None = None, start: np.ndarray | None = None,
                             traits: np.ndarray | None = None) -> np.ndarray:
        """Cents the contracts at `price_cents` may cost in all (for commitments)."""
        if self.simple:
            return price_cents
        return np.floor(self.seat_value(np.asarray(price_cents) / 100, None, group, age, start, traits) * 100
                        + 1e-6).astype(np.int64)

    @property
    def outcome_share(self) -> float:
        return float(sum(r.share for r in self.rules if r.outcome_based))

    def by_trigger(self, trigger: Trigger) -> list[PaymentRule]:
        return [r for r in self.rules if r.trigger == trigger]

    def last_outcome_month(self) -> int:
        """Months after placement of the last retention check or clawback: contracts close then."""
        offsets = [max(rule.month_offsets) for rule in self.by_trigger("retention")]
        offsets.append(self.clawback.month_offset if self.clawback.share > 0 else 0)
        return max(offsets)

    def price_multiplier(self, hard_to_serve: np.ndarray) -> np.ndarray:
        return np.where(hard_to_serve, self.hard_to_serve_price_multiplier, 1.0)

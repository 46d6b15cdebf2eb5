"""Money-in rules of the public purse: match, top-up, bridge, recurring grant and seed grant.
Each returns public cents (firms pay nothing under them)."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from sim.ledger import round_cents, to_cents
from sim.rules.money_in import Collection, ContributionContext, Rule, ScenarioFacts
from sim.scenario.dated import DatedFloat, at
from sim.scenario.params import param


class PublicMatch(Rule):
    """The public purse matches employer money at a rate, up to an annual cap."""

    kind: Literal["public_match"] = "public_match"
    charges_employers: ClassVar[bool] = False
    reads_employer_payments: ClassVar[bool] = True
    category: ClassVar[str] = "public_match"
    rate: DatedFloat = param(1.0, unit="$ per employer $", ge=0, le=10, role="lever",
                        dated=True, description="Public dollars per employer dollar.")
    annual_cap: DatedFloat = param(0.0, unit="$ per year", ge=0, le=1e10, role="lever",
                              dated=True, description="Most the match pays in a year (0 = no cap).")

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        if facts.employer_money:
            return None
        return "no rule collects employer money, so there is nothing to match"

    def collect(self, ctx: ContributionContext) -> Collection:
        cents = int(round_cents(at(self.rate, ctx.month) * max(ctx.employer_cents, 0)))
        cap = at(self.annual_cap, ctx.month)
        if cap > 0:
            cents = min(cents, int(cap * 100 / 12))
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64), public_cents=cents)


class PublicTopUp(Rule):
    """A government top-up on levy money (England: 10%)."""

    kind: Literal["public_top_up"] = "public_top_up"
    charges_employers: ClassVar[bool] = False
    reads_employer_payments: ClassVar[bool] = True
    category: ClassVar[str] = "public_top_up"
    rate: DatedFloat = param(0.1, unit="share of levy", ge=0, le=5, role="lever",
                        dated=True, description="Top-up per dollar of levy collected.")
    into_accounts: bool = param(
        False, unit="flag", role="lever",
        description="Credit each payer's top-up to its own employer account (where accounts are "
                    "kept) instead of the pool.",
        source="England: the 10% top-up is added to the employer's apprenticeship service account "
               "(gov.uk apprenticeship funding rules; shared/schemes.md)")

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        return None if facts.levy else "no levy rule, so there is no levy to top up"

    def collect(self, ctx: ContributionContext) -> Collection:
        rate = at(self.rate, ctx.month)
        zero = np.zeros_like(ctx.headcount, dtype=np.int64)
        if self.into_accounts:  # per payer, so each account gets its own top-up
            per_firm = round_cents(rate * np.maximum(ctx.levy_by_firm, 0)).astype(np.int64)
            return Collection(firm_cents=zero, public_cents=int(per_firm.sum()), account_cents=per_firm)
        return Collection(firm_cents=zero, public_cents=int(round_cents(rate * max(ctx.levy_cents, 0))))


class PublicBridge(Rule):
    """Public money bridges a share of the cost of long or high-risk credentials."""

    kind: Literal["public_bridge"] = "public_bridge"
    charges_employers: ClassVar[bool] = False
    category: ClassVar[str] = "public_bridge"
    share: DatedFloat = param(0.5, unit="share of seat cost", ge=0, le=1, role="lever",
                         dated=True, description="Public share of the price of bridged credentials.")
    min_months: int = param(6, unit="months", ge=1, le=60, role="lever",
                            description="Credentials at least this long are bridged.")
    max_completion: float = param(0.6, unit="share", ge=0, le=1, role="lever",
                                  description="Credentials with completion at most this are bridged.")

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        if not facts.fund_seats:
            return ("no seat is fund-bought (fund.incumbent_budget_share is 1), so there are no "
                    "fund starts to bridge")
        return None

    def collect(self, ctx: ContributionContext) -> Collection:
        eligible = np.array([m >= self.min_months or c <= self.max_completion
                             for m, c in zip(ctx.module_months, ctx.base_completion, strict=True)])
        cost = float(ctx.start_cost_by_rung[eligible].sum())
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64),
                          public_cents=int(to_cents(at(self.share, ctx.month) * cost)))


class PublicGrant(Rule):
    """A recurring public appropriation (e.g. a WIOA allocation), paid monthly in a window. The
    amount may be dated (a cut from a month on); the window still bounds it."""

    kind: Literal["public_grant"] = "public_grant"
    charges_employers: ClassVar[bool] = False
    category: ClassVar[str] = "public_grant"
    annual_amount: DatedFloat = param(1_000_000.0, unit="$ per year", ge=0, le=1e10, role="lever",
                                 dated=True, description="Public money per year.")
    start_month: int = param(1, unit="month", ge=1, le=600, role="lever",
                             description="First month paid (months count from 1).")
    end_month: int = param(600, unit="month", ge=0, le=600, role="lever",
                           description="Last month paid.")

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        if self.end_month < self.start_month:
            return f"end_month {self.end_month} is before start_month {self.start_month}: never paid"
        if self.start_month > facts.horizon:
            return f"start_month {self.start_month} is after the horizon ({facts.horizon} months): never paid"
        return None

    def collect(self, ctx: ContributionContext) -> Collection:
        on = self.start_month <= ctx.month <= self.end_month
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64),
                          public_cents=int(to_cents(at(self.annual_amount, ctx.month) / 12.0)) if on else 0)


class SeedGrant(Rule):
    """A one-off grant (government or industry association) that seeds a pilot."""

    kind: Literal["seed_grant"] = "seed_grant"
    charges_employers: ClassVar[bool] = False
    category: ClassVar[str] = "seed_grant"
    amount: float = param(500_000.0, unit="$", ge=0, le=1e10, role="lever",
                          description="Size of the seed grant.")
    month: int = param(1, unit="month", ge=1, le=600, role="lever",
                       description="Month the grant arrives (months count from 1).")

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        if self.month > facts.horizon:
            return f"month {self.month} is after the horizon ({facts.horizon} months): never paid"
        return None

    def collect(self, ctx: ContributionContext) -> Collection:
        cents = int(to_cents(self.amount)) if ctx.month == self.month else 0
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64), public_cents=cents)

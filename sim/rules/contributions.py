"""Money-in rules. Each is a small class with its parameters and one verb, `collect(ctx)`,
which returns what each firm pays this month (signed cents: negative = the fund pays the firm)
and what the public purse pays. A committee's new rule is one new class added to `RULES`.
Employer rules are here; the public purse's in sim.rules.public_money; the interface and base
classes in sim.rules.money_in (re-exported here)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Union

import numpy as np
from pydantic import Field

from sim.ledger import floor_cents, to_cents
from sim.rules.money_in import (
    Collection,
    ContributionContext,
    EmployerRule,
    Rule,
    ScenarioFacts,
    TrainingPull,
)
from sim.rules.public_money import PublicBridge, PublicGrant, PublicMatch, PublicTopUp, SeedGrant
from sim.rules.training_stock import StockBonusMalus
from sim.scenario.dated import DatedFloat, at
from sim.scenario.params import param

__all__ = ["RULES", "Collection", "ContributionContext", "ContributionRule", "EmployerRule", "PublicBridge",
           "PublicGrant", "PublicMatch", "PublicTopUp", "Rule", "SeedGrant",
           "TrainingPull"]


class NoContribution(Rule):
    """Employers pay nothing."""

    kind: Literal["none"] = "none"
    charges_employers: ClassVar[bool] = False

    def collect(self, ctx: ContributionContext) -> Collection:
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64))


class PayrollLevy(EmployerRule):
    """A share of the pay bill, above an allowance, with an optional per-employee wage cap and
    a reduction for small firms (UK apprenticeship levy, California training tax). The base may
    add (or be) payments to non-employees (subcontractors, freelancers)."""

    kind: Literal["payroll_levy"] = "payroll_levy"
    category: ClassVar[str] = "levy"
    is_levy: ClassVar[bool] = True
    rate: DatedFloat = param(0.005, unit="share of payroll", ge=0, le=0.2, role="lever",
                        dated=True, description="Levy rate on the (capped) pay bill.")
    allowance_annual: DatedFloat = param(0.0, unit="$ per year", ge=0, le=1e9, role="lever",
                                    dated=True, description="Levy allowance deducted from each firm's bill.")
    wage_cap_annual: DatedFloat = param(0.0, unit="$ per employee-year", ge=0, le=1e7, role="lever",
                                   dated=True, description="Only wages up to this are levied (0 = no cap).")
    small_firm_employees: int = param(0, unit="employees", ge=0, le=100_000, role="lever",
                                      description="Firms below this head count get the reduction.")
    small_firm_reduction: DatedFloat = param(0.0, unit="share", ge=0, le=1, role="lever",
                                        dated=True, description="Share of the levy small firms are spared.")
    base: Literal["payroll", "payroll_and_contractors", "contractors"] = param(
        "payroll", unit="choice", role="lever",
        description="What is levied: the (capped) pay bill, the pay bill plus payments to "
                    "non-employees (subcontractors, freelancers), or those payments alone.")

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        if self.base == "contractors" and not facts.contractor_payments:
            return ("levies payments to non-employees, but every sector's non_employee_pay_share "
                    "is 0: it collects nothing")
        return super().idle_reason(facts)

    def collect(self, ctx: ContributionContext) -> Collection:
        m = ctx.month
        cap = at(self.wage_cap_annual, m)
        base = ctx.capped_payroll(cap) if cap > 0 else ctx.payroll
        if self.base == "contractors":
            base = ctx.contractor_payments
        elif self.base == "payroll_and_contractors":
            base = base + ctx.contractor_payments
        due = np.maximum(0.0, at(self.rate, m) * base - at(self.allowance_annual, m) / 12.0)
        small = ctx.staff < self.small_firm_employees
        return self._charge(ctx, np.where(small, due * (1 - at(self.small_firm_reduction, m)), due))


class PerEmployeeLevy(EmployerRule):
    """A flat amount per employee (on the pay bill: full-time equivalents) per year."""

    kind: Literal["per_employee_levy"] = "per_employee_levy"
    category: ClassVar[str] = "levy"
    is_levy: ClassVar[bool] = True
    amount_annual: DatedFloat = param(100.0, unit="$ per employee-year", ge=0, le=1e5, role="lever",
                                 dated=True, description="Levy per employee per year.")

    def collect(self, ctx: ContributionContext) -> Collection:
        return self._charge(ctx, ctx.staff * at(self.amount_annual, ctx.month) / 12.0)


class MatchedContributions(Rule):
    """Members share an agreed annual budget in proportion to size or to expected benefit."""

    kind: Literal["matched_contributions"] = "matched_contributions"
    category: ClassVar[str] = "member_contribution"
    annual_total: DatedFloat = param(1_500_000.0, unit="$ per year", ge=0, le=1e10, role="lever",
                                dated=True, description="What all members together contribute in a year.")
    basis: Literal["size", "expected_benefit"] = param(
        "size", unit="choice", role="lever",
        description="Split the total by head count or by expected benefit from the fund.")
    size_exponent: float = param(1.0, unit="elasticity", ge=0, le=2, role="lever",
                                 description="Shares follow head count to this power (1 = pro rata).")

    def collect(self, ctx: ContributionContext) -> Collection:
        if self.basis == "size":
            weight = np.power(ctx.headcount.astype(np.float64), self.size_exponent)
        else:
            weight = np.maximum(ctx.expected_benefit, 0.0)
        weight = np.where(ctx.liable, weight, 0.0)
        total = weight.sum()
        if total <= 0:  # no willing payer: split by head count among the liable
            weight = np.where(ctx.liable, ctx.headcount.astype(np.float64), 0.0)
            total = max(weight.sum(), 1.0)
        return self._firms(ctx, at(self.annual_total, ctx.month) / 12.0 * weight / total)


class TrainOrPay(EmployerRule):
    """Firms that spend at least a share of payroll on training owe nothing; the shortfall is
    paid to the fund."""

    kind: Literal["train_or_pay"] = "train_or_pay"
    category: ClassVar[str] = "train_or_pay"
    is_levy: ClassVar[bool] = True
    required_share: DatedFloat = param(0.01, unit="share of payroll", ge=0, le=0.2, role="lever",
                                  dated=True, description="Training spend that frees a firm from paying.")
    assessment: Literal["monthly", "annual"] = param(
        "monthly", unit="choice", role="lever",
        description="Settle the obligation every month on the month's payroll and training, or once "
                    "a year (months 12, 24, ...) on the year's, at the share then in force.")

    def collect(self, ctx: ContributionContext) -> Collection:
        if self.assessment == "monthly":
            return self._firms(ctx, np.maximum(0.0, self.requirement(ctx) - ctx.own_training_spend))
        if not ctx.year_end:
            return Collection(firm_cents=np.zeros(ctx.headcount.shape[0], dtype=np.int64))
        need = 12.0 * self.requirement(ctx, ctx.year_payroll / 12.0)
        return self._firms(ctx, np.maximum(0.0, need - ctx.year_training_spend))

    def requirement(self, ctx: ContributionContext, payroll: np.ndarray | None = None) -> np.ndarray:
        """$ of training a month that frees each firm from paying: the share of (a month's)
        payroll, scaled by the firm's band and held within the per-employee minimum and maximum."""
        need = at(self.required_share, ctx.month) * (ctx.payroll if payroll is None else payroll)
        if not self.liability.active:
            return need
        return self.liability.apply(need, ctx.staff, self.liable_scale(ctx))

    def training_pull(self, ctx: ContributionContext) -> TrainingPull:
        # Training up to the requirement costs a liable firm nothing extra: it would pay the
        # shortfall to the fund otherwise.
        free = np.where(ctx.liable, self.requirement(ctx), 0.0)
        return TrainingPull(free_spend=free, subsidy=np.zeros_like(free), per_trainee=np.zeros_like(free))


class LevyGrantRefund(Rule):
    """A share of each firm's levy comes back when it trains; what is not claimed stays in the
    pooled (discretionary) fund."""

    kind: Literal["levy_grant_refund"] = "levy_grant_refund"
    category: ClassVar[str] = "levy_refund"
    refund_category: ClassVar[str] = "levy_refund"
    refund_share: DatedFloat = param(0.5, unit="share of levy paid", ge=0, le=1, role="lever",
                                dated=True, description="Most of its levy a firm can reclaim.")
    reimbursement_rate: DatedFloat = param(0.8, unit="share of training spend", ge=0, le=1, role="lever",
                                      dated=True, description="Share of a firm's training spend refunded.")
    assessment: Literal["monthly", "annual"] = param(
        "monthly", unit="choice", role="lever",
        description="Settle claims every month on the month's training, or once a year (months 12, "
                    "24, ...) on the year's.")
    unused: Literal["carry_forward", "lapse"] = param(
        "carry_forward", unit="choice", role="lever",
        description="What a firm has not reclaimed by a year's end (months 12, 24, ...): kept for "
                    "later years, or lapsed to the pool.")
    claim_within_months: int = param(
        0, unit="months", ge=0, le=12, role="lever",
        description="With annual assessment, only training done in the last this many months of the "
                    "year can still be claimed at its end (a claim deadline; 0 = none).")
    requires_plan: bool = param(
        False, unit="flag", role="lever",
        description="Pay grants only to firms that filed a training plan for the year (a compliance "
                    "act; firms decide at each year's first month).")
    plan_cost: float = param(
        2_000.0, unit="$ per year", ge=0, le=1e7, role="uncertainty",
        description="What filing a training plan costs a firm (time, paperwork). A firm files with "
                    "probability V / (V + plan_cost), V = the year's levy it could reclaim (the "
                    "refund share of twelve times this month's levy).")
    charges_employers: ClassVar[bool] = False
    refunds_levy: ClassVar[bool] = True

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        if not facts.levy:
            return "no levy rule, so there is no levy to reclaim"
        return None

    @property
    def needs_firm_luck(self) -> bool:
        return self.requires_plan

    @property
    def lapses_entitlements(self) -> bool:
        return self.unused == "lapse"

    def collect(self, ctx: ContributionContext) -> Collection:
        m = ctx.month
        n = ctx.headcount.shape[0]
        if self.assessment == "monthly":
            spend = ctx.own_training_spend
        elif not ctx.year_end:
            spend = np.zeros(n)
        elif self.claim_within_months:  # training older than the deadline can no longer be claimed
            spend = np.minimum(ctx.year_training_spend, ctx.spend_last(self.claim_within_months))
        else:
            spend = ctx.year_training_spend
        room = self.headroom(ctx)
        filed, plans = ctx.plan_filed, None
        if self.requires_plan and ctx.year_start and ctx.firm_luck is not None:  # (no luck: a what-if)
            filed = plans = self.files_plan(ctx)
        if self.requires_plan:
            spend = np.where(filed, spend, 0.0)
        refund = np.minimum(room, to_cents(at(self.reimbursement_rate, m) * spend))
        lapsed = room - refund if self.unused == "lapse" and ctx.year_end else None
        return Collection(firm_cents=-refund, lapsed_cents=lapsed, plans_filed=plans)

    def files_plan(self, ctx: ContributionContext) -> np.ndarray:
        """Which firms file a training plan this year: more likely the more levy they can reclaim."""
        value = at(self.refund_share, ctx.month) * 12.0 * np.maximum(ctx.levy_by_firm, 0) / 100.0
        p = np.where(value > 0, value / np.maximum(value + self.plan_cost, 1e-9), 0.0)
        return ctx.firm_luck < p

    def headroom(self, ctx: ContributionContext) -> np.ndarray:
        """Cents of its levy each firm may still reclaim (less what has lapsed)."""
        share = at(self.refund_share, ctx.month)
        return np.maximum(0, floor_cents(share * ctx.levy_paid_total) - ctx.refunded_total - ctx.lapsed_total)

    def training_pull(self, ctx: ContributionContext) -> TrainingPull:
        # A firm with levy left to reclaim (and, where a plan is required, that filed one) gets the
        # reimbursement rate back on each training dollar.
        room = (self.headroom(ctx) > 0) & (ctx.plan_filed if self.requires_plan else True)
        zero = np.zeros(room.shape[0])
        back = np.where(room, at(self.reimbursement_rate, ctx.month), 0.0)
        return TrainingPull(free_spend=zero, subsidy=back, per_trainee=zero)


class BonusMalus(EmployerRule):
    """Firms below a training target pay a surcharge on payroll; firms above it get a bonus."""

    kind: Literal["bonus_malus"] = "bonus_malus"
    reads_training_share: ClassVar[bool] = True
    category: ClassVar[str] = "training_malus"
    refund_category: ClassVar[str] = "training_bonus"
    target_trained_share: DatedFloat = param(0.05, unit="share of staff per year", ge=0.001, le=1,
                                        role="lever", dated=True, description="Training target per firm.")
    malus_rate: DatedFloat = param(0.002, unit="share of payroll", ge=0, le=0.1, role="lever",
                              dated=True, description="Surcharge at zero training (scaled by the shortfall).")
    bonus_rate: DatedFloat = param(0.001, unit="share of payroll", ge=0, le=0.1, role="lever",
                              dated=True, description="Bonus at twice the target (scaled by the excess).")

    def collect(self, ctx: ContributionContext) -> Collection:
        m = ctx.month
        target = at(self.target_trained_share, m)
        gap = (target - ctx.trained_share_12m) / target
        dollars = np.where(gap > 0, at(self.malus_rate, m) * np.clip(gap, 0, 1),
                           -at(self.bonus_rate, m) * np.clip(-gap, 0, 1)) * ctx.payroll
        return self._charge(ctx, dollars)

    def training_pull(self, ctx: ContributionContext) -> TrainingPull:
        # A trainee counts for 12 months and moves the firm's gap by 1 / (target x staff): below
        # the target each month saves the malus rate on that share of the month's pay bill;
        # between the target and twice it, it earns the bonus rate instead.
        m = ctx.month
        target = at(self.target_trained_share, m)
        staff = np.maximum(ctx.staff.astype(np.float64), 1.0)
        per_unit = 12.0 * ctx.payroll / (target * staff)  # a year of pay bill per trainee's gap
        rate = np.where(ctx.trained_share_12m < target, at(self.malus_rate, m),
                        np.where(ctx.trained_share_12m < 2 * target, at(self.bonus_rate, m), 0.0))
        value = np.where(ctx.liable, rate * per_unit, 0.0)
        return TrainingPull(free_spend=np.zeros_like(value), subsidy=np.zeros_like(value), per_trainee=value)


class CoInvestment(Rule):
    """Firms that pay no levy pay a small share of their staff's fund-paid training; the public
    purse pays the rest (England: 5% employer, 95% government). Optionally levy payers do the
    same on the part their employer account did not pay (England: an account that runs dry)."""

    kind: Literal["co_investment"] = "co_investment"
    category: ClassVar[str] = "co_investment"
    employer_share: DatedFloat = param(0.05, unit="share of training cost", ge=0, le=1, role="lever",
                                  dated=True, description="Non-levy employer's share of its training cost.")
    levy_payers_beyond_account: bool = param(
        False, unit="flag", role="lever",
        description="Levy payers also co-invest on the training cost their employer account did "
                    "not pay (when it runs dry).",
        source="England: levy-paying employers whose account funds run out co-invest 5% "
               "(gov.uk apprenticeship funding rules, co-investment; from April 2019)")

    def collect(self, ctx: ContributionContext) -> Collection:
        share = at(self.employer_share, ctx.month)
        non_levy = ctx.levy_paid_total == 0
        cost = np.where(non_levy, ctx.coinvest_cost, 0.0)
        if self.levy_payers_beyond_account:
            cost = np.where(non_levy, cost, np.maximum(ctx.coinvest_cost - ctx.account_paid, 0.0))
        firm = to_cents(share * cost)
        public = to_cents((1 - share) * cost)
        return Collection(firm_cents=firm, public_cents=int(public.sum()))


RULES = (NoContribution, PayrollLevy, PerEmployeeLevy, MatchedContributions, TrainOrPay,
         LevyGrantRefund, BonusMalus, StockBonusMalus, CoInvestment, PublicMatch, PublicTopUp, PublicBridge,
         PublicGrant, SeedGrant)

ContributionRule = Annotated[
    Union[NoContribution, PayrollLevy, PerEmployeeLevy, MatchedContributions, TrainOrPay,
          LevyGrantRefund, BonusMalus, StockBonusMalus, CoInvestment, PublicMatch, PublicTopUp, PublicBridge,
          PublicGrant, SeedGrant],
    Field(discriminator="kind"),
]

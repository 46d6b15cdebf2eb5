"""Money-in rules. Each is a small class with its parameters and one verb, `collect(ctx)`,
which returns what each firm pays this month (signed cents: negative = the fund pays the firm)
and what the public purse pays. A committee's new rule is one new class added to `RULES`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal, Union

import numpy as np
from pydantic import Field

from sim.ledger import floor_cents, round_cents, to_cents
from sim.rules.liability import Liability
from sim.scenario.dated import DatedFloat, at
from sim.scenario.params import Section, param


@dataclass
class ContributionContext:
    """What a money-in rule may read this month. Arrays are per firm; money in dollars unless
    the name says cents. The levy bases (`staff`, `payroll`, `capped_payroll`,
    `contractor_payments`) all describe the same pay period, the last month's pay bill, so a
    levy with a wage cap above every wage has exactly the base of one without."""

    month: int
    headcount: np.ndarray  # staff holding posts this month (splits of an agreed budget)
    payroll: np.ndarray  # $ paid in wages in the pay period
    capped_payroll: Callable[[float], np.ndarray]  # annual per-employee cap -> the period's payroll
    liable: np.ndarray  # bool: firms the fund may charge (members, or all when compulsory)
    own_training_spend: np.ndarray  # $ the firm spent on training this month
    trained_share_12m: np.ndarray  # share of staff who started training in the last 12 months
    expected_benefit: np.ndarray  # $ per month a firm expects from membership
    coinvest_cost: np.ndarray  # $ of fund-paid training for this firm's staff this month
    levy_paid_total: np.ndarray  # cents of levy paid to date
    refunded_total: np.ndarray  # cents of levy refunded to date
    start_cost_by_rung: np.ndarray  # $ of fund-paid starts this month per rung
    module_months: tuple[int, int, int]
    base_completion: tuple[float, float, float]
    staff: np.ndarray | None = None  # staff on the pay period's pay bill (default: headcount)
    contractor_payments: np.ndarray | None = None  # $ paid to non-employees in the pay period
    staff_years: np.ndarray | None = None  # (years, firms) yearly average staff, oldest first
    payroll_years: np.ndarray | None = None  # (years, firms) annual pay bills, oldest first
    employer_cents: int = 0  # employer money collected earlier this month by earlier rules
    levy_cents: int = 0  # the levy part of it
    notes: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.staff is None:
            self.staff = self.headcount
        if self.contractor_payments is None:
            self.contractor_payments = np.zeros(self.headcount.shape[0])
        if self.staff_years is None:
            self.staff_years = self.staff[None, :].astype(np.float64)
        if self.payroll_years is None:
            self.payroll_years = 12.0 * self.payroll[None, :]


@dataclass
class TrainingPull:
    """What a rule offers a firm for training at its own cost, for its training decision, per
    firm: `free_spend` ($ a month of training that costs the firm nothing extra, because it would
    pay the same to the fund otherwise), `subsidy` (the share of each training dollar the rule
    gives back) and `per_trainee` ($ the rule saves or pays the firm per extra trainee)."""

    free_spend: np.ndarray
    subsidy: np.ndarray
    per_trainee: np.ndarray


@dataclass
class Collection:
    firm_cents: np.ndarray  # signed, per firm
    public_cents: int = 0


class Rule(Section):
    """Base of money-in rules. `category` labels ledger rows; `is_levy` marks compulsory
    levy-like income (employer accounts, top-ups and refunds apply to it)."""

    category: ClassVar[str] = "contribution"
    refund_category: ClassVar[str] = "contribution_refund"  # ledger label when the fund pays back
    is_levy: ClassVar[bool] = False
    # Rules that read what employers paid earlier this month run after the employer rules.
    reads_employer_payments: ClassVar[bool] = False
    # Rules that read the share of staff a firm trained in the last 12 months (costly to count).
    reads_training_share: ClassVar[bool] = False

    def collect(self, ctx: ContributionContext) -> Collection:  # pragma: no cover - abstract
        raise NotImplementedError

    def training_pull(self, ctx: ContributionContext) -> TrainingPull | None:
        """What the rule offers firms that train at their own cost (None: nothing)."""
        return None

    def _firms(self, ctx: ContributionContext, dollars: np.ndarray) -> Collection:
        return Collection(firm_cents=np.where(ctx.liable, to_cents(dollars), 0))


class EmployerRule(Rule):
    """An employer contribution whose liability (size bands, smoothing, minimum and maximum per
    employee) is set by its `liability` section (sim.rules.liability)."""

    liability: Liability = Field(default_factory=Liability)

    def _charge(self, ctx: ContributionContext, dollars: np.ndarray) -> Collection:
        if self.liability.active:
            dollars = self.liability.apply(dollars, ctx.staff, self.liable_scale(ctx))
        return self._firms(ctx, dollars)

    def liable_scale(self, ctx: ContributionContext) -> np.ndarray:
        """Share of the full amount each firm owes under the size bands (1 without bands)."""
        if self.liability.measure == "head_count":
            return self.liability.scale(ctx.staff.astype(np.float64), ctx.staff_years)
        return self.liability.scale(12.0 * ctx.payroll, ctx.payroll_years)


class NoContribution(Rule):
    """Employers pay nothing."""

    kind: Literal["none"] = "none"

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

    def collect(self, ctx: ContributionContext) -> Collection:
        return self._charge(ctx, np.maximum(0.0, self.requirement(ctx) - ctx.own_training_spend))

    def requirement(self, ctx: ContributionContext) -> np.ndarray:
        """$ of training a month that frees each firm from paying (its liability applied)."""
        need = at(self.required_share, ctx.month) * ctx.payroll
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

    def collect(self, ctx: ContributionContext) -> Collection:
        m = ctx.month
        claim = to_cents(at(self.reimbursement_rate, m) * ctx.own_training_spend)
        return Collection(firm_cents=-np.minimum(self.headroom(ctx), claim))

    def headroom(self, ctx: ContributionContext) -> np.ndarray:
        """Cents of its levy each firm may still reclaim."""
        share = at(self.refund_share, ctx.month)
        return np.maximum(0, floor_cents(share * ctx.levy_paid_total) - ctx.refunded_total)

    def training_pull(self, ctx: ContributionContext) -> TrainingPull:
        # A firm with levy left to reclaim gets the reimbursement rate back on each training dollar.
        room = self.headroom(ctx) > 0
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
    purse pays the rest (England: 5% employer, 95% government)."""

    kind: Literal["co_investment"] = "co_investment"
    category: ClassVar[str] = "co_investment"
    employer_share: DatedFloat = param(0.05, unit="share of training cost", ge=0, le=1, role="lever",
                                  dated=True, description="Non-levy employer's share of its training cost.")

    def collect(self, ctx: ContributionContext) -> Collection:
        share = at(self.employer_share, ctx.month)
        non_levy = ctx.levy_paid_total == 0
        firm = to_cents(np.where(non_levy, share * ctx.coinvest_cost, 0.0))
        public = to_cents(np.where(non_levy, (1 - share) * ctx.coinvest_cost, 0.0))
        return Collection(firm_cents=firm, public_cents=int(public.sum()))


class PublicMatch(Rule):
    """The public purse matches employer money at a rate, up to an annual cap."""

    kind: Literal["public_match"] = "public_match"
    reads_employer_payments: ClassVar[bool] = True
    category: ClassVar[str] = "public_match"
    rate: DatedFloat = param(1.0, unit="$ per employer $", ge=0, le=10, role="lever",
                        dated=True, description="Public dollars per employer dollar.")
    annual_cap: DatedFloat = param(0.0, unit="$ per year", ge=0, le=1e10, role="lever",
                              dated=True, description="Most the match pays in a year (0 = no cap).")

    def collect(self, ctx: ContributionContext) -> Collection:
        cents = int(round_cents(at(self.rate, ctx.month) * max(ctx.employer_cents, 0)))
        cap = at(self.annual_cap, ctx.month)
        if cap > 0:
            cents = min(cents, int(cap * 100 / 12))
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64), public_cents=cents)


class PublicTopUp(Rule):
    """A government top-up on levy money (England: 10%)."""

    kind: Literal["public_top_up"] = "public_top_up"
    reads_employer_payments: ClassVar[bool] = True
    category: ClassVar[str] = "public_top_up"
    rate: DatedFloat = param(0.1, unit="share of levy", ge=0, le=5, role="lever",
                        dated=True, description="Top-up per dollar of levy collected.")

    def collect(self, ctx: ContributionContext) -> Collection:
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64),
                          public_cents=int(round_cents(at(self.rate, ctx.month) * max(ctx.levy_cents, 0))))


class PublicBridge(Rule):
    """Public money bridges a share of the cost of long or high-risk credentials."""

    kind: Literal["public_bridge"] = "public_bridge"
    category: ClassVar[str] = "public_bridge"
    share: DatedFloat = param(0.5, unit="share of seat cost", ge=0, le=1, role="lever",
                         dated=True, description="Public share of the price of bridged credentials.")
    min_months: int = param(6, unit="months", ge=1, le=60, role="lever",
                            description="Credentials at least this long are bridged.")
    max_completion: float = param(0.6, unit="share", ge=0, le=1, role="lever",
                                  description="Credentials with completion at most this are bridged.")

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
    category: ClassVar[str] = "public_grant"
    annual_amount: DatedFloat = param(1_000_000.0, unit="$ per year", ge=0, le=1e10, role="lever",
                                 dated=True, description="Public money per year.")
    start_month: int = param(1, unit="month", ge=1, le=600, role="lever",
                             description="First month paid (months count from 1).")
    end_month: int = param(600, unit="month", ge=0, le=600, role="lever",
                           description="Last month paid.")

    def collect(self, ctx: ContributionContext) -> Collection:
        on = self.start_month <= ctx.month <= self.end_month
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64),
                          public_cents=int(to_cents(at(self.annual_amount, ctx.month) / 12.0)) if on else 0)


class SeedGrant(Rule):
    """A one-off grant (government or industry association) that seeds a pilot."""

    kind: Literal["seed_grant"] = "seed_grant"
    category: ClassVar[str] = "seed_grant"
    amount: float = param(500_000.0, unit="$", ge=0, le=1e10, role="lever",
                          description="Size of the seed grant.")
    month: int = param(1, unit="month", ge=1, le=600, role="lever",
                       description="Month the grant arrives (months count from 1).")

    def collect(self, ctx: ContributionContext) -> Collection:
        cents = int(to_cents(self.amount)) if ctx.month == self.month else 0
        return Collection(firm_cents=np.zeros_like(ctx.headcount, dtype=np.int64), public_cents=cents)


RULES = (NoContribution, PayrollLevy, PerEmployeeLevy, MatchedContributions, TrainOrPay,
         LevyGrantRefund, BonusMalus, CoInvestment, PublicMatch, PublicTopUp, PublicBridge,
         PublicGrant, SeedGrant)

ContributionRule = Annotated[
    Union[NoContribution, PayrollLevy, PerEmployeeLevy, MatchedContributions, TrainOrPay,
          LevyGrantRefund, BonusMalus, CoInvestment, PublicMatch, PublicTopUp, PublicBridge,
          PublicGrant, SeedGrant],
    Field(discriminator="kind"),
]

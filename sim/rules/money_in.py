"""The interface every money-in rule implements: what a rule may read this month
(`ContributionContext`), what it returns (`Collection`), what it offers firms that train
(`TrainingPull`), and the base classes (`Rule`; `EmployerRule`, whose liability is set by its
`liability` section). The rules themselves are in sim.rules.contributions (employers) and
sim.rules.public_money (the public purse)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from pydantic import Field

from sim.ledger import to_cents
from sim.rules.liability import Liability
from sim.scenario.params import Section

# Programme types a stock of trainees can count, in the order of ContributionContext's
# `year_trainee_months` rows: apprentices a firm hosts, its staff in the upskilling it sends them
# on, and fund course completers it hosts as externs (full-time course trainees hold no job, so a
# course reaches a firm through its externship).
STOCK_KINDS = ("apprenticeship", "incumbent", "externship")


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
    account_paid: np.ndarray | None = None  # $ of the coinvest_cost paid from employer accounts
    levy_by_firm: np.ndarray | None = None  # cents of levy each firm paid earlier this month
    year_payroll: np.ndarray | None = None  # $ of payroll levied so far this assessment year
    year_training_spend: np.ndarray | None = None  # $ of own training so far this assessment year
    lapsed_total: np.ndarray | None = None  # cents of levy refund entitlement lapsed to date
    plan_filed: np.ndarray | None = None  # bool: the firm filed a training plan this year
    firm_luck: np.ndarray | None = None  # one uniform per firm this month (stream training_plans)
    spend_history: np.ndarray | None = None  # (12, firms) own training $ by month % 12, this month's included
    # (3, firms) trainee-months this assessment year by programme type (STOCK_KINDS), this
    # month's included, and staff-months on the pay bill likewise (bonus-malus on a stock)
    year_trainee_months: np.ndarray | None = None
    year_staff_months: np.ndarray | None = None
    employer_cents: int = 0  # employer money collected earlier this month by earlier rules
    levy_cents: int = 0  # the levy part of it
    public_cents: int = 0  # public money collected earlier this month
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
        if self.account_paid is None:
            self.account_paid = np.zeros(self.headcount.shape[0])
        if self.levy_by_firm is None:
            self.levy_by_firm = np.zeros(self.headcount.shape[0], dtype=np.int64)
        if self.year_payroll is None:
            self.year_payroll = self.payroll.copy()
        if self.year_training_spend is None:
            self.year_training_spend = self.own_training_spend.copy()
        if self.lapsed_total is None:
            self.lapsed_total = np.zeros(self.headcount.shape[0], dtype=np.int64)
        if self.plan_filed is None:
            self.plan_filed = np.zeros(self.headcount.shape[0], dtype=bool)
        if self.year_trainee_months is None:
            self.year_trainee_months = np.zeros((len(STOCK_KINDS), self.headcount.shape[0]))
        if self.year_staff_months is None:
            self.year_staff_months = self.staff.astype(np.float64)
        if self.spend_history is None:
            self.spend_history = np.zeros((12, self.headcount.shape[0]))
            self.spend_history[self.month % 12] = self.own_training_spend

    def spend_last(self, months: int) -> np.ndarray:
        """$ of own training each firm did in the last `months` months (this one included, at most 12)."""
        rows = [(self.month - k) % 12 for k in range(min(months, 12))]
        return self.spend_history[rows].sum(axis=0)

    @property
    def year_start(self) -> bool:
        """Months 1, 13, 25, ...: the first month of an assessment year."""
        return self.month % 12 == 1

    @property
    def year_end(self) -> bool:
        """Months 12, 24, ...: the end of an assessment year (months count from 1)."""
        return self.month > 0 and self.month % 12 == 0


@dataclass
class TrainingPull:
    """What a rule offers a firm for training at its own cost, for its training decision, per
    firm: `free_spend` ($ a month of training that costs the firm nothing extra, because it would
    pay the same to the fund otherwise), `subsidy` (the share of each training dollar the rule
    gives back) and `per_trainee` ($ the rule saves or pays the firm per extra trainee);
    `per_apprentice_month` ($ it saves or pays the firm per month it hosts an apprentice, for the
    host's decision; None = nothing)."""

    free_spend: np.ndarray
    subsidy: np.ndarray
    per_trainee: np.ndarray
    per_apprentice_month: np.ndarray | None = None


@dataclass(frozen=True)
class ScenarioFacts:
    """What a rule needs to know about the scenario around it to tell whether it can fire at all
    (for warnings, sim.scenario.checks)."""

    horizon: int  # months simulated
    employer_money: bool  # some rule collects money from employers
    levy: bool  # some rule is a levy
    fund_seats: bool  # the fund buys course seats (not the whole budget on incumbent grants)
    contractor_payments: bool  # some sector pays non-employees
    apprenticeships: bool = True  # some fund starts become apprenticeships
    externships: bool = True  # some fund completers are offered externships
    incumbent_training: bool = True  # firms may send staff on upskilling


@dataclass
class Collection:
    firm_cents: np.ndarray  # signed, per firm
    public_cents: int = 0
    # Of the public money, cents credited to each firm's employer account (where accounts are
    # kept), e.g. a levy top-up that belongs to the payer; None = all of it to the pool.
    account_cents: np.ndarray | None = None
    # Cents of refund entitlement that lapse this month (per firm; None = nothing lapses).
    lapsed_cents: np.ndarray | None = None
    # Which firms filed a training plan for the year starting this month (None = no filing now).
    plans_filed: np.ndarray | None = None


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
    # Rules that read the year's stock of trainees (trainee-months by programme type).
    reads_training_stock: ClassVar[bool] = False
    # Rules that may charge employers (not the public purse's rules, refunds or "none").
    charges_employers: ClassVar[bool] = True
    # Rules whose payments to firms give back levy (they count against what a firm may reclaim);
    # they run after the levies, so they can read this month's levy.
    refunds_levy: ClassVar[bool] = False

    @property
    def needs_firm_luck(self) -> bool:
        """The rule draws one uniform per firm this month (ctx.firm_luck)."""
        return False

    @property
    def lapses_entitlements(self) -> bool:
        """Entitlements under the rule can lapse to the pool (Collection.lapsed_cents)."""
        return False

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        """Why the rule can never fire in this scenario (None: it can)."""
        return None

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

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        bands = self.liability.bands
        if bands and all(b.scale == 0 for b in bands):
            return "every liability band has scale 0, so no firm owes anything"
        return None

    def _charge(self, ctx: ContributionContext, dollars: np.ndarray) -> Collection:
        if self.liability.active:
            dollars = self.liability.apply(dollars, ctx.staff, self.liable_scale(ctx))
        return self._firms(ctx, dollars)

    def liable_scale(self, ctx: ContributionContext) -> np.ndarray:
        """Share of the full amount each firm owes under the size bands (1 without bands)."""
        if self.liability.measure == "head_count":
            return self.liability.scale(ctx.staff.astype(np.float64), ctx.staff_years)
        return self.liability.scale(12.0 * ctx.payroll, ctx.payroll_years)

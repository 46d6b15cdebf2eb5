"""Schema section for the fund: who pays (money-in rules), how providers are paid (payment
schedule), what else it buys, and how it behaves over the cycle (reserve policy)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.rules.contributions import ContributionRule, MatchedContributions, PublicMatch
from sim.rules.grants import EmployerGrants
from sim.rules.payments import PaymentSchedule
from sim.rules.reserves import CounterCyclical, ReservePolicy
from sim.rules.social_finance import FinancingT
from sim.scenario.dated import DatedFloat, at
from sim.scenario.params import Section, param


class EmployerAccounts(Section):
    """Levy money credited to each payer's own account, spendable only on its own staff's
    training, expiring after a while into the pooled fund (England's levy accounts)."""

    enabled: bool = param(False, unit="flag", role="lever",
                          description="Keep levy in per-employer accounts instead of one pool.")
    expiry_months: int = param(24, unit="months", ge=1, le=120, role="lever",
                               description="Unspent account money expires into the pool after this.",
                               source="gov.uk apprenticeship funding rules: 24 months (schemes.md)")


class Earmark(Section):
    """A share of the month's income routed out of the pool into its own ledger account
    (`earmark:<i>`): a separate pot the pool cannot spend, or a transfer out of the region (a
    national fund)."""

    name: str = Field("national_fund", pattern=r"^[a-z][a-z0-9_]{0,31}$",
                      description="The pot's name (lower case, digits, underscore).")
    share: DatedFloat = param(0.1, unit="share of income", ge=0, le=1, role="lever", dated=True,
                              description="Share of the month's income routed to this pot.")
    income: Literal["employers", "levy", "all"] = param(
        "employers", unit="choice", role="lever",
        description="The income the share is taken of: employer money, levy only, or all money "
                    "collected under the money-in rules (employers and public).")
    destination: Literal["pot", "out_of_region"] = param(
        "pot", unit="choice", role="lever",
        description="A separate pot (ledger category earmark) or a transfer out of the region "
                    "(ledger category transfer_out).")

    @property
    def category(self) -> str:
        return "earmark" if self.destination == "pot" else "transfer_out"


class DiscretionaryGrants(Section):
    """Levy that firms did not reclaim (refund entitlements lapsed at a year end) awarded, once a
    year, to training providers by a stated criterion: their fund trainees' post-programme
    employment."""

    share: DatedFloat = param(
        0.0, unit="share of lapsed levy", ge=0, le=1, role="lever", dated=True,
        description="Share of the year's lapsed levy-grant entitlements awarded to providers at the "
                    "year end (months 12, 24, ...; 0 = none: it stays in the pool).")
    criterion: Literal["placements", "placement_rate"] = param(
        "placements", unit="choice", role="lever",
        description="Split among providers by their fund trainees placed in jobs over the year, or "
                    "by those placements per fund completer.")


class Supports(Section):
    childcare_monthly: float = param(0.0, unit="$ per month", ge=0, le=10_000, role="lever",
                                     description="Childcare stipend for trainees who need it.")
    transport_monthly: float = param(0.0, unit="$ per month", ge=0, le=5_000, role="lever",
                                     description="Transport stipend for trainees who need it.")
    coverage: float = param(1.0, unit="share", ge=0, le=1, role="lever",
                            description="Share of the need a stipend removes as a barrier.")
    reach_apprentices: bool = param(
        False, unit="flag", role="lever",
        description="Childcare and transport stipends also reach fund-paid apprentices who need "
                    "them (and lower their dropout as they do trainees').",
    )


class Fund(Section):
    enabled: bool = param(True, unit="flag", role="lever",
                          description="A regional fund exists (false = the no-fund counterfactual).")
    membership: Literal["compulsory", "voluntary"] = param(
        "compulsory", unit="choice", role="lever",
        description="Whether every firm is a member or each decides whether to join.",
    )
    contributions: list[ContributionRule] = Field(
        default_factory=lambda: [MatchedContributions(), PublicMatch(rate=1.0)],
        description="Money-in rules, applied in order each month.",
    )
    accounts: EmployerAccounts = Field(default_factory=EmployerAccounts)
    discretionary: DiscretionaryGrants = Field(default_factory=DiscretionaryGrants)
    earmarks: list[Earmark] = Field(
        default_factory=list,
        description="Shares of income routed out of the pool each month, after collection.")
    payments: PaymentSchedule = Field(default_factory=PaymentSchedule)
    supports: Supports = Field(default_factory=Supports)
    grants: EmployerGrants = Field(default_factory=EmployerGrants)
    financing: list[FinancingT] = Field(
        default_factory=list, max_length=1,
        description="Social finance: investors finance some fund seats and are repaid on outcomes "
                    "(pay_for_success) or out of participants' income (income_share); at most one.",
    )
    externship_wage_subsidy: float = param(
        0.5, unit="share of extern wage", ge=0, le=1, role="lever",
        description="Share of an extern's wage the fund pays the host firm.",
    )
    apprentice_wage_subsidy: float = param(
        0.0, unit="share of apprentice wage", ge=0, le=1, role="lever",
        description="Share of an apprentice's wage the fund pays the employer.",
    )
    incumbent_grant_share: float = param(
        0.5, unit="share of training cost", ge=0, le=1, role="lever",
        description="Share of members' incumbent-training costs the fund reimburses.",
    )
    incumbent_budget_share: float = param(
        0.25, unit="share of training budget", ge=0, le=1, role="lever",
        description="Most of each month's training budget spent on incumbent-worker grants.",
    )
    capacity_grants_annual: float = param(
        0.0, unit="$ per year", ge=0, le=1e9, role="lever",
        description="Grants for shared facilities, equipment and instructors.",
    )
    capacity_grant_cost_per_seat: float = param(
        20_000.0, unit="$ per monthly seat", ge=100, le=1e7, role="uncertainty",
        description="Capacity grant money that adds one seat a month of provider capacity.",
    )
    admin_share: float = param(
        0.05, unit="share of income", ge=0, le=0.5, role="lever",
        description="Administration cost as a share of income.",
    )
    reserves: ReservePolicy = Field(default_factory=CounterCyclical)
    credit_line: float = param(
        0.0, unit="$", ge=0, le=1e10, role="lever",
        description="How far the fund may go below zero (0 = never).",
    )
    interest_rate_annual: float = param(
        0.0, unit="share per year", ge=0, le=0.2, role="uncertainty",
        description="Interest earned on a positive balance (and paid on a negative one).",
    )
    allocation: Literal["demand", "equal"] = param(
        "demand", unit="choice", role="lever",
        description="Split training across sectors by the shared demand signal or equally.",
    )

    @model_validator(mode="after")
    def _earmarks_fit(self) -> Fund:
        names = [e.name for e in self.earmarks]
        if len(set(names)) != len(names):
            raise ValueError(f"earmarks: names must differ (you gave {names})")
        for income in ("employers", "levy", "all"):  # every income dollar routed at most once
            same = [e.share for e in self.earmarks if e.income == income]
            months = sorted({1, *(s.start for v in same if isinstance(v, tuple) for s in v)})
            for m in months:
                total = sum(at(v, m) for v in same)
                if total > 1 + 1e-12:
                    raise ValueError(f"earmarks: the shares of {income} income add up to {total:g} in "
                                     f"month {m}; at most 1")
        return self


"""Money-out rules for employers: what share of a firm's training cost the fund refunds (tiered
by firm size, worker age and group, and course level), an hourly subsidy of the wages of staff
while they train, and an annual cap on everything one firm receives in grants and subsidies.

Refunds are per seat; `refund_for` returns each seat's refund and `FirmGrantCap` keeps each
firm's running total for the year so every grant (incumbent grants, wage subsidies of externs,
apprentices and trainees) is trimmed to what is left under the cap."""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from sim.scenario.params import Section, param
from sim.scenario.people import Who

SINGAPORE = ("lever; tiers as in SkillsFuture Singapore course-fee funding: a baseline share, "
             "more for SMEs (Enhanced Training Support for SMEs) and for trainees aged 40+ "
             "(Mid-career Enhanced Subsidy) (ssg.gov.sg; check current rates)")
ABSENTEE = ("SkillsFuture Singapore absentee payroll funding: $4.50 an hour of training, capped "
            "at $100,000 per enterprise per calendar year")


class GrantTier(Section):
    """One tier of the incumbent-training grant: the refund for seats it matches. The first tier
    that matches a seat sets its refund; seats no tier matches get `fund.incumbent_grant_share`
    of their price."""

    firm_size_min: int = param(0, unit="employees", ge=0, le=1_000_000, role="lever",
                               description="Smallest firm (head count) the tier applies to.")
    firm_size_max: int = param(1_000_000, unit="employees", ge=0, le=1_000_000, role="lever",
                               description="Largest firm (head count) the tier applies to.")
    rung_min: int = param(1, unit="rung", ge=1, le=3, role="lever",
                          description="Lowest course level it applies to (1 entry, 2 mid, 3 advanced).")
    rung_max: int = param(3, unit="rung", ge=1, le=3, role="lever",
                          description="Highest course level it applies to.")
    who: Who = Field(default_factory=Who, description="Trainees it applies to (groups, age).")

    @model_validator(mode="after")
    def _ranges(self) -> GrantTier:
        if self.firm_size_min > self.firm_size_max:
            raise ValueError(f"firm_size_min ({self.firm_size_min}) is above firm_size_max "
                             f"({self.firm_size_max})")
        if self.rung_min > self.rung_max:
            raise ValueError(f"rung_min ({self.rung_min}) is above rung_max ({self.rung_max})")
        return self

    def matches(self, firm_size: np.ndarray, rung: np.ndarray, group: np.ndarray,
                age: np.ndarray, traits: np.ndarray | None = None) -> np.ndarray:
        return ((firm_size >= self.firm_size_min) & (firm_size <= self.firm_size_max)
                & (rung >= self.rung_min) & (rung <= self.rung_max) & self.who.matches(group, age, traits))

    def refund(self, price: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class ShareTier(GrantTier):
    """Refunds a share of the seat's price."""

    kind: Literal["share_tier"] = "share_tier"
    share: float = param(0.5, unit="share of training cost", ge=0, le=1, role="lever",
                         description="Share of the seat's price the fund refunds the firm.",
                         source=SINGAPORE)

    def refund(self, price: np.ndarray) -> np.ndarray:
        return price * self.share


class AmountTier(GrantTier):
    """Refunds a money amount per seat, never more than its price."""

    kind: Literal["amount_tier"] = "amount_tier"
    amount: float = param(1000.0, unit="$ per seat", ge=0, le=200_000, role="lever",
                          description="Money the fund refunds the firm per seat (at most the price).",
                          source="lever; per-trainee amounts as in the Canada-Ontario Job Grant "
                                 "(ontario.ca; check current amounts)")

    def refund(self, price: np.ndarray) -> np.ndarray:
        return np.minimum(price, self.amount)


GrantTierT = Annotated[Union[ShareTier, AmountTier], Field(discriminator="kind")]


class EmployerGrants(Section):
    """Grants and subsidies to employers beyond the flat incumbent-grant share."""

    tiers: list[GrantTierT] = Field(
        default_factory=list,
        description="Tiers of the incumbent-training grant, first match wins (none: "
                    "incumbent_grant_share of every seat's price).",
    )
    hourly_wage_subsidy: float = param(
        0.0, unit="$ per training hour", ge=0, le=500, role="lever",
        description="Paid to a member firm for each hour its staff spend in training it sends "
                    "them on (absentee payroll).", source=ABSENTEE,
    )
    training_hours_monthly: float = param(
        20.0, unit="hours per trainee-month", ge=0, le=200, role="uncertainty",
        description="Hours a part-time incumbent trainee spends in training each month.",
        source="assumption: a module of 3-8 months part-time at about a day a week",
    )
    hourly_subsidy_cap_annual: float = param(
        0.0, unit="$ per firm per year", ge=0, le=1e9, role="lever",
        description="Most one firm receives in hourly wage subsidies in a year (0 = no cap).",
        source=ABSENTEE,
    )
    firm_cap_annual: float = param(
        0.0, unit="$ per firm per year", ge=0, le=1e9, role="lever",
        description="Most one firm receives in all grants and wage subsidies from the pool in a "
                    "run year (0 = no cap; its own levy-account money is not a grant).",
        source="lever; per-employer annual caps as in SkillsFuture Singapore's absentee payroll "
               "($100,000 per enterprise per calendar year)",
    )

    account_pays_courses: bool = param(
        True, unit="flag", role="lever",
        description="Money in a firm's levy account refunds its incumbent (short-course) training.",
    )
    account_pays_apprenticeships: bool = param(
        False, unit="flag", role="lever",
        description="Money in a firm's levy account pays the providers of its apprentices first "
                    "(the pool pays the rest).",
        source="England: levy funds pay only for apprenticeship training and assessment (gov.uk "
               "apprenticeship funding rules)",
    )

    apprentice_subsidy_school_only: bool = param(
        False, unit="flag", role="lever",
        description="The apprentice wage subsidy is paid only for the months an apprentice spends "
                    "at school (training.apprentice_school_share), not for months at work.",
    )

    @property
    def tiered(self) -> bool:
        return bool(self.tiers)

    def firm_share(self, default: float, firm_size: np.ndarray, prices: np.ndarray) -> np.ndarray | float:
        """The share of a seat's price a firm of `firm_size` expects back for a typical trainee
        (when deciding how much to train): the mean over course levels 1-3 (prices `prices`) and
        ages 20, 30, 45 and 60 of a job-ready trainee in no further group (assumption: firms plan
        for their typical staff, not each trainee)."""
        if not self.tiers:
            return default
        rung, age = (a.ravel()[None, :] for a in np.meshgrid([1, 2, 3], [20, 30, 45, 60]))
        price = np.asarray(prices, dtype=np.float64)[rung - 1]
        refund = self.refund_for(default, price, np.asarray(firm_size)[:, None], rung,
                                 np.zeros_like(rung), age)
        return (refund / price).mean(axis=1)

    def refund_for(self, default: float, price: np.ndarray, firm_size: np.ndarray, rung: np.ndarray,
                   group: np.ndarray, age: np.ndarray, traits: np.ndarray | None = None) -> np.ndarray:
        """$ refunded per seat: its first matching tier's refund, else `default` x price (arrays
        broadcast, so a firms x seats table works too)."""
        shape = np.broadcast_shapes(np.shape(price), np.shape(firm_size), np.shape(rung),
                                    np.shape(group), np.shape(age))
        price = np.broadcast_to(np.asarray(price, dtype=np.float64), shape)
        refund = price * default
        unset = np.ones(shape, dtype=bool)
        for tier in self.tiers:
            mask = np.zeros_like(rung) if traits is None else traits
            hit = unset & tier.matches(firm_size, rung, group, age, mask)
            refund = np.where(hit, tier.refund(price), refund)
            unset &= ~hit
        return refund


class FirmGrantCap:
    """Each firm's grants and subsidies so far this run year (cents), and what a cap leaves."""

    def __init__(self, n_firms: int) -> None:
        self.year = -1
        self.total = np.zeros(n_firms, dtype=np.int64)
        self.hourly = np.zeros(n_firms, dtype=np.int64)

    def open(self, month: int) -> None:
        year = (month - 1) // 12
        if year != self.year:
            self.year = year
            self.total[:] = 0
            self.hourly[:] = 0

    @staticmethod
    def trim(cents: np.ndarray, used: np.ndarray, cap_annual: float) -> np.ndarray:
        """`cents` per firm cut to what is left under `cap_annual` ($; 0 = no cap); books it."""
        if cap_annual <= 0:
            used += cents
            return cents
        left = np.maximum(int(round(cap_annual * 100)) - used, 0)
        out = np.minimum(cents, left)
        used += out
        return out

"""Reserve policies: how much the fund may newly commit to training this month.

The fund commits a seat's whole expected cost when it starts, and only from uncommitted money
(balance + credit line - money already promised), so it never promises what it cannot pay.
A policy decides how much of that uncommitted money to commit now, with one verb, `budget`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Union

from pydantic import Field

from sim.scenario.params import Section, param


@dataclass
class ReserveContext:
    uncommitted: float  # $ balance + credit line - outstanding commitments - liabilities
    income_avg: float  # $ per month, trailing 12 months
    downturn: bool  # sector demand is below trend by more than the threshold
    month: int


class ProCyclical(Section):
    """Spend what comes in: commit everything uncommitted, keep no reserve."""

    kind: Literal["procyclical"] = "procyclical"

    def budget(self, ctx: ReserveContext) -> float:
        return max(0.0, ctx.uncommitted)


class CounterCyclical(Section):
    """Build a reserve in good times; in a downturn draw on it to keep (or raise) training."""

    kind: Literal["countercyclical"] = "countercyclical"
    target_months: float = param(
        6.0, unit="months of income", ge=0, le=60, role="lever",
        description="Reserve kept back in good times, in months of average income.",
    )
    downturn_boost: float = param(
        0.2, unit="share", ge=0, le=5, role="lever",
        description="Extra commitments in a downturn, relative to average income.",
    )
    pace: float = param(
        1.0, unit="months of income", ge=0.1, le=24, role="lever",
        description="Steady commitments in a good month, in months of average income.",
    )
    release_months: float = param(
        12.0, unit="months", ge=1, le=120, role="lever",
        description="In good times, money above the target is released over this many months.",
    )
    drawdown_months: float = param(
        12.0, unit="months", ge=1, le=120, role="lever",
        description="In a downturn, the reserve is drawn down over this many months.",
    )

    def budget(self, ctx: ReserveContext) -> float:
        income, free = ctx.income_avg, max(ctx.uncommitted, 0.0)
        if ctx.downturn:  # keep training: boosted income plus a share of the reserve
            want = (1 + self.downturn_boost) * income + free / self.drawdown_months
            return max(0.0, min(ctx.uncommitted, want))
        spare = ctx.uncommitted - self.target_months * income
        steady = self.pace * income
        return max(0.0, min(spare, steady + max(spare - steady, 0.0) / self.release_months))


ReservePolicy = Annotated[Union[CounterCyclical, ProCyclical], Field(discriminator="kind")]

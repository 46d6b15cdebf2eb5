"""Bonus-malus on a stock of trainees (issue 13 item 11): over each assessment year a firm's
trainee-years of the programme types that count (e.g. apprentice-years employed) are set against
a target proportional to its size; each unit below it costs a malus paid to the fund, each unit
above it earns a bonus paid by the fund (France's contribution supplémentaire à
l'apprentissage is the malus side of such a rule). The flow version, on the share of staff who
started training, is `bonus_malus` (sim.rules.contributions)."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import model_validator

from sim.rules.money_in import (
    STOCK_KINDS,
    Collection,
    ContributionContext,
    EmployerRule,
    ScenarioFacts,
    TrainingPull,
)
from sim.scenario.dated import DatedFloat, at
from sim.scenario.params import param

StockKind = Literal["apprenticeship", "incumbent", "externship"]


class StockBonusMalus(EmployerRule):
    """At each assessment year's end (months 12, 24, ...): stock = the firm's trainee-months of
    the counted types over the year / 12 (trainee-years); target = target_per_staff x its staff-
    months over the year / 12 (its average head count on the pay bill); a firm below target pays
    malus_per_unit per trainee-year short, one above it is paid bonus_per_unit per trainee-year
    over (at the values in force at the year's end)."""

    kind: Literal["bonus_malus_stock"] = "bonus_malus_stock"
    reads_training_stock: ClassVar[bool] = True
    category: ClassVar[str] = "stock_malus"
    refund_category: ClassVar[str] = "stock_bonus"
    counts: tuple[StockKind, ...] = param(
        ("apprenticeship",), unit="choice", role="lever",
        description="Programme types whose trainees count in the stock: apprentices the firm hosts, "
                    "its staff in upskilling it sends them on, fund course completers it hosts as "
                    "externs (course trainees themselves hold no job).")
    target_per_staff: DatedFloat = param(
        0.05, unit="trainee-years per employee-year", ge=0, le=1, role="lever", dated=True,
        description="Each firm's target: this many trainee-years over the year per employee on its "
                    "pay bill (the year's average).",
        source="France: firms of 250+ staff owe the CSA unless 5% of their staff are in work-study "
               "contracts (Code général des impôts art. 1609 quinvicies)")
    malus_per_unit: DatedFloat = param(
        3_000.0, unit="$ per trainee-year", ge=0, le=1e6, role="lever", dated=True,
        description="What a firm pays the fund for each trainee-year it is short of its target.")
    bonus_per_unit: DatedFloat = param(
        1_000.0, unit="$ per trainee-year", ge=0, le=1e6, role="lever", dated=True,
        description="What the fund pays a firm for each trainee-year above its target.")

    @model_validator(mode="after")
    def _sensible(self) -> StockBonusMalus:
        if not self.counts:
            raise ValueError("counts: name at least one programme type that counts in the stock "
                             f"({', '.join(STOCK_KINDS)})")
        if len(set(self.counts)) != len(self.counts):
            raise ValueError(f"counts: each programme type once (you gave {list(self.counts)})")
        if self.malus_per_unit == 0 and self.bonus_per_unit == 0:
            raise ValueError("malus_per_unit and bonus_per_unit are both 0: the rule would never pay or "
                             "charge anything; set at least one")
        return self

    def idle_reason(self, facts: ScenarioFacts) -> str | None:
        present = {"apprenticeship": facts.apprenticeships, "externship": facts.externships,
                   "incumbent": facts.incumbent_training}
        if not any(present[k] for k in self.counts):
            return (f"counts only {', '.join(self.counts)}, and the scenario has none (training."
                    "apprenticeship_share or externship_share is 0, or no seat is fund-bought): every "
                    "firm's stock is 0")
        return super().idle_reason(facts)

    def rows(self) -> list[int]:
        return [STOCK_KINDS.index(k) for k in self.counts]

    def stock_years(self, ctx: ContributionContext) -> np.ndarray:
        assert ctx.year_trainee_months is not None
        return ctx.year_trainee_months[self.rows()].sum(axis=0) / 12.0

    def target_years(self, ctx: ContributionContext) -> np.ndarray:
        assert ctx.year_staff_months is not None
        return at(self.target_per_staff, ctx.month) * ctx.year_staff_months / 12.0

    def collect(self, ctx: ContributionContext) -> Collection:
        if not ctx.year_end:
            return Collection(firm_cents=np.zeros(ctx.headcount.shape[0], dtype=np.int64))
        m = ctx.month
        units = self.stock_years(ctx) - self.target_years(ctx)
        per_unit = np.where(units < 0, at(self.malus_per_unit, m), at(self.bonus_per_unit, m))
        dollars = -units * per_unit  # short: a positive charge; over: a negative one (a bonus)
        return self._charge(ctx, dollars)

    def training_pull(self, ctx: ContributionContext) -> TrainingPull:
        # A trainee-month adds 1/12 of a unit: while the firm is behind its target's pace (the
        # year so far) it saves the malus, ahead of it it earns the bonus. An upskilled employee
        # counts for a module's months; an apprentice for each month hosted.
        m = ctx.month
        behind = self.stock_years(ctx) < self.target_years(ctx)
        rate = np.where(behind, at(self.malus_per_unit, m), at(self.bonus_per_unit, m)) / 12.0
        rate = np.where(ctx.liable, rate, 0.0)
        zero = np.zeros_like(rate)
        module = float(np.mean(ctx.module_months))
        incumbent = rate * module if "incumbent" in self.counts else zero
        apprentice = rate if "apprenticeship" in self.counts else zero
        return TrainingPull(free_spend=zero, subsidy=zero, per_trainee=incumbent,
                            per_apprentice_month=apprentice)

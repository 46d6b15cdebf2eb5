"""Impact by time since first fund start: each participant against their own no-fund twin (the
same person and shocks without the fund: common random numbers), month by month after their
first fund-paid start, split by programme kind, by provider and by worker group.

This is the table every trial report has (earnings and employment of the treatment group minus
the control group by quarter or year after random assignment). Here the control is each
participant's own twin, so the difference is the effect on the same person, not a group mean.
Sums are kept per (months since start, split cell); means are taken once, when read
(sim.results.impact_curve), so months pool into years exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.kernels_measure import impact_add, impact_people
from sim.engine.workers import (
    GROUPS,
    PROG_APPRENTICESHIP,
    PROG_COURSE,
    PROG_INCUMBENT,
    Population,
)
from sim.labels import STR, labels

# Programme kinds by the code of Population.prog_kind. A new kind (e.g. credential-only) is one
# more entry here; until then it is reported as `kind_<code>`, never pooled with another kind.
PROGRAMME_NAMES: dict[int, str] = {PROG_COURSE: "course", PROG_APPRENTICESHIP: "apprenticeship",
                                   PROG_INCUMBENT: "incumbent_upskilling"}
KIND_COLUMNS = 16  # programme kind codes 0..15 have a column of their own


def programme_name(code: int) -> str:
    return "none" if code == 0 else PROGRAMME_NAMES.get(code, f"kind_{code}")


# What is summed per (months since start, cell); the table's columns after its keys.
QUANTITIES = ("participants", "earnings", "twin_earnings", "employed", "twin_employed",
              "credentialed", "twin_credentialed")
COLUMNS = ("months_since_start", "year", "split", "value", *QUANTITIES)
DESCRIPTIONS = {
    "months_since_start": "Months since the participant's first fund-paid start (1 = the month of "
                          "that start).",
    "year": "Year since the first start: months 1-12 are year 1.",
    "split": "The breakdown: `all`, `kind` (programme kind at the first start), `provider` (its "
             "provider), `group` (worker group) or `cohort` (the run year of the first start: one "
             "cohort followed over time is a balanced panel).",
    "value": "The cell of the breakdown: `all`, a kind name, a provider id, a group name or a cohort year.",
    "participants": "Participants counted in the month (participant-months when pooled). Fund "
                    "starters (courses, apprenticeships) in every split; incumbents upskilled with "
                    "a fund grant only in the `kind` split (`incumbent_upskilling`, from the month "
                    "of their first such start), so `all` is the trials' intent-to-treat group.",
    "earnings": "Their earnings this month ($, summed).",
    "twin_earnings": "The same people's earnings in the no-fund twin ($, summed).",
    "employed": "How many of them are on a payroll (employed or apprentice).",
    "twin_employed": "How many of the same people are on a payroll in the twin.",
    "credentialed": "How many hold a credential above the rung they held at their first start.",
    "twin_credentialed": "How many of the same people hold one in the twin (above the twin's rung at "
                         "that month): credential receipt without the fund, e.g. training paid elsewhere.",
}


class ImpactTracker:
    """Running sums of participants' outcomes against the twin by months since first start."""

    def __init__(self, months: int, people: int, providers: int) -> None:
        self.K, self.P, self.G, self.Y = KIND_COLUMNS, providers, len(GROUPS), (months + 11) // 12
        self.C = 1 + self.K + self.P + self.G + self.Y  # all, kinds, providers, groups, cohorts
        self.months = months
        self.sums = np.zeros((len(QUANTITIES), months * self.C))
        self.kind = np.zeros(people, dtype=np.int8)
        self.provider = np.zeros(people, dtype=np.int16)
        self.base_rung = np.zeros(people, dtype=np.int8)
        self.twin_base_rung = np.zeros(people, dtype=np.int8)
        self.first_upskill = np.full(people, -1, dtype=np.int32)  # first grant-paid upskilling start

    def record(self, p: Population, month: int, twin_earnings: np.ndarray, twin_state: np.ndarray) -> None:
        """Add this month's participants (after `first_fund_month` is set for new ones), and
        the incumbents upskilled with a fund grant (`upskilled`), who are not fund starters:
        they count in their programme kind's row only, so `all` and the other splits stay the
        trials' intent-to-treat group of fund starters."""
        part, inc = impact_people(p.participant, p.upskilled, self.first_upskill, month)
        if len(part):
            self._add(p, part, p.first_fund_month[part], month, twin_earnings, twin_state, every_split=True)
        if len(inc):
            self._add(p, inc, self.first_upskill[inc], month, twin_earnings, twin_state, every_split=False)

    def _add(self, p: Population, part: np.ndarray, first: np.ndarray, month: int, twin_earnings: np.ndarray,
             twin_state: np.ndarray, every_split: bool) -> None:
        """Each person's quantities (QUANTITIES' order) to her cells, one row per split: all,
        kind, provider, group, cohort (or kind only); newcomers' kind, provider and rungs first."""
        bad = impact_add(self.sums, part, first, month, every_split, p.earnings, twin_earnings, p.status,
                         twin_state, p.rung, p.prog_kind, p.prog_provider, p.group, self.kind, self.provider,
                         self.base_rung, self.twin_base_rung, self.K, self.P, self.G, self.C)
        if bad >= 0:
            raise ValueError(f"programme kind code {bad}: sim.engine.impact counts codes below "
                             f"{KIND_COLUMNS}")

    def frame(self) -> pd.DataFrame:
        """The impact table (COLUMNS): one row per month since start and cell with participants."""
        sums = self.sums.reshape(len(QUANTITIES), self.months, self.C)
        m, c = np.nonzero(sums[0] > 0)
        order = np.lexsort((m, c))  # cells in their natural order (providers by number), then months
        m, c = m[order], c[order]
        kinds = [programme_name(i) for i in range(self.K)]
        split = ["all"] + ["kind"] * self.K + ["provider"] * self.P + ["group"] * self.G + ["cohort"] * self.Y
        value = ["all", *kinds, *map(str, range(self.P)), *GROUPS, *map(str, range(1, self.Y + 1))]
        out = {"months_since_start": m + 1, "year": m // 12 + 1,
               "split": labels(split, c), "value": labels(value, c)}
        for q, name in enumerate(QUANTITIES):
            out[name] = sums[q, m, c]
        return pd.DataFrame(out, columns=list(COLUMNS))


def empty_frame() -> pd.DataFrame:
    """The impact table of a run without a twin: no rows (not zeros: nothing was measured)."""
    kinds = {"split": STR, "value": STR, "months_since_start": "int64", "year": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=kinds.get(c, "float64")) for c in COLUMNS})

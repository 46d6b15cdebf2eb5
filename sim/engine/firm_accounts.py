"""Per-firm training accounts: what hosting apprentices cost and earned each training firm.

An employer's return to an apprenticeship (Mühlemann & Wolter 2014; Hogarth et al. 2012) is the
apprentice's output minus their wage and the firm's share of training costs, plus fund
subsidies, during the apprenticeship; then the value of the graduate it keeps over the outside
hire it would otherwise recruit: more output or a lower wage, and a longer stay. The accounts
follow each firm month by month (value added per person as in sim.engine.measure.firm_surplus)
and discount the net at the reports' rate (`outputs.discount_rate_annual`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.derived import Derived
from sim.engine.workers import APPRENTICE, EMPLOYED, Population
from sim.scenario.schema import Scenario

# Monthly per-firm flows, in this order (rows of TrainingAccounts.flows).
FLOWS = ("apprentice_starts", "apprentice_months", "apprentice_wages", "apprentice_output",
         "graduates", "graduates_kept", "graduate_months", "graduate_output", "graduate_wages",
         "graduate_leavers", "outside_months", "outside_output", "outside_wages", "outside_leavers")
_F = {name: i for i, name in enumerate(FLOWS)}

DESCRIPTIONS = {
    "firm": "Firm id (as in `Results.firms`).",
    "sector": "The firm's sector.",
    "apprentice_starts": "Apprentices it took on.",
    "apprentice_months": "Apprentice-months it hosted.",
    "apprentice_wages": "Wages it paid its apprentices ($).",
    "apprentice_output": "Value its apprentices produced ($: a trainee's share of a skilled "
                         "worker's output).",
    "subsidies": "Apprentice wage subsidies the fund paid it ($, ledger `apprentice_subsidy`).",
    "co_investment": "Co-investment it paid the fund for its staff's fund-paid training ($, ledger "
                     "`co_investment`).",
    "graduates": "Apprentices who completed with it.",
    "graduates_kept": "Graduates on its payroll at the end of the month they completed.",
    "graduate_months": "Months its graduates worked for it after completing.",
    "graduate_output_per_month": "Value a kept graduate produced per month ($).",
    "graduate_wage_per_month": "Wage of a kept graduate per month ($).",
    "graduate_leave_rate": "Share of its graduates leaving it per month (1 / expected stay in months).",
    "outside_output_per_month": "Value per month of its skilled staff (level 1+) who are not its graduates "
                                "(the outside hires a graduate stands in for; $), from its first "
                                "apprentice on.",
    "outside_wage_per_month": "Their wage per month ($).",
    "outside_leave_rate": "Their monthly leaving rate.",
    "npv": "Discounted net value of training ($ at month 0): apprentice output - wages - co-investment "
           "+ subsidies, plus each graduate-month's surplus (output - wage) over an outside hire's at "
           "this firm (its sector's other training firms' if it has none), discounted at "
           "`outputs.discount_rate_annual`.",
    "return_on_cost": "npv / discounted cost (apprentice wages plus co-investment).",
}
COLUMNS = tuple(DESCRIPTIONS)


def output_of(p: Population, idx: np.ndarray, sc: Scenario, k: Derived) -> np.ndarray:
    """Value people `idx` produce this month at their job ($), as sim.engine.kernels.firm_surplus
    counts it (trainees - apprentices, externs - at the trainee output share; skill, the job's
    match quality and an unlinked credential's premium share scale it as they scale wages)."""
    r = np.minimum(p.rung[idx], 3)
    pr = 0.5 * (k.prem[p.job_level[idx]] + k.prem[r])
    pr = np.where(p.linked[idx], pr, sc.careers.unlinked_premium_share * pr)
    base = (k.base_wage_f[p.sector[idx]] * p.wage_effect[idx] * k.tenure_growth[p.tenure[idx]]
            * p.output_factor(k, idx) * p.job_mult[idx])
    prod = (base.astype(np.float64) * (1.0 / sc.firms.labour_share + sc.firms.productivity_to_wage_gain * pr))
    return np.where(p.status[idx] == EMPLOYED, prod, sc.firms.trainee_output_share * prod)


class TrainingAccounts:
    """Per-firm totals of apprentice hosting and of the graduates kept, and their values
    discounted to month 0 (what the NPV needs), so memory is a few rows per firm, not a month x
    firm table."""

    def __init__(self, months: int, firms: int, people: int, discount_rate_annual: float) -> None:
        self.F = firms
        self.totals = np.zeros((len(FLOWS), firms))
        self.pv = np.zeros((len(FLOWS), firms))  # the same flows, each month discounted to month 0
        self.rate = discount_rate_annual
        self.graduated_from = np.full(people, -1, dtype=np.int32)  # the firm that trained them
        self.prev_employer = np.full(people, -1, dtype=np.int32)  # on a skilled payroll last month at
        self.hosted = np.zeros(firms, dtype=bool)  # has hosted an apprentice: a training firm

    def discount(self, month: np.ndarray | int) -> np.ndarray | float:
        """Money in month m is divided by (1 + rate)^(m / 12), as the reports' NPVs (sim.economics)."""
        return (1.0 + self.rate) ** (-np.asarray(month, dtype=np.float64) / 12.0)

    def record(self, p: Population, sc: Scenario, k: Derived, month: int,
               graduates: np.ndarray, hosts: np.ndarray) -> None:
        """The month's flows, at its close. `graduates`: apprentices who completed this month,
        `hosts` their training firms."""
        F, d = self.F, float(self.discount(month))

        def add(name: str, firms: np.ndarray, weights: np.ndarray | None = None) -> None:
            flow = np.bincount(firms, weights=weights, minlength=F)
            self.totals[_F[name]] += flow
            self.pv[_F[name]] += d * flow

        appr = np.flatnonzero(p.status == APPRENTICE)
        firm = p.employer[appr]
        self.hosted[firm] = True
        if not self.hosted.any():
            return  # no training firm yet: nothing to account for
        add("apprentice_starts", firm[p.prog_left[appr] == p.prog_months[appr]])
        add("apprentice_months", firm)
        add("apprentice_wages", firm, p.wage[appr])
        add("apprentice_output", firm, output_of(p, appr, sc, k))
        self.graduated_from[graduates] = hosts
        add("graduates", hosts)
        kept = (p.status[graduates] == EMPLOYED) & (p.employer[graduates] == hosts)
        add("graduates_kept", hosts[kept])
        # Staff are followed at training firms only (what the accounts compare graduates with).
        emp = np.flatnonzero((p.status == EMPLOYED) & (p.job_level >= 1))
        emp = emp[self.hosted[p.employer[emp]]]
        at = p.employer[emp]
        own = self.graduated_from[emp] == at
        g, o = emp[own], emp[~own]
        add("graduate_months", at[own])
        add("graduate_output", at[own], output_of(p, g, sc, k))
        add("graduate_wages", at[own], p.wage[g])
        add("outside_months", at[~own])
        add("outside_output", at[~own], output_of(p, o, sc, k))
        add("outside_wages", at[~own], p.wage[o])
        # Leavers: on a firm's skilled payroll last month, not with it now (quit, laid off, moved).
        was = np.flatnonzero(self.prev_employer >= 0)
        left = was[p.employer[was] != self.prev_employer[was]]
        firm_left = self.prev_employer[left]
        mine = self.graduated_from[left] == firm_left
        add("graduate_leavers", firm_left[mine])
        add("outside_leavers", firm_left[~mine])
        self.prev_employer[:] = -1
        self.prev_employer[emp] = at

    def frame(self, firm_sector: np.ndarray, ledger: pd.DataFrame) -> pd.DataFrame:
        """One row per firm that hosted an apprentice (COLUMNS)."""
        total = {name: self.totals[i] for i, name in enumerate(FLOWS)}
        pv = {name: self.pv[i] for i, name in enumerate(FLOWS)}
        subsidies, pv_subsidies = self._ledger_by_firm(ledger, "apprentice_subsidy", "payee")
        coinvest, pv_coinvest = self._ledger_by_firm(ledger, "co_investment", "payer")
        with np.errstate(invalid="ignore", divide="ignore"):
            def per(num: np.ndarray, den: np.ndarray) -> np.ndarray:
                return np.where(den > 0, num / den, np.nan)

            out_surplus = per(total["outside_output"] - total["outside_wages"], total["outside_months"])
            # A firm with no skilled outside staff compares with its sector's other training firms.
            S = int(firm_sector.max(initial=0)) + 1
            sec = {n: np.bincount(firm_sector, weights=total[n], minlength=S)
                   for n in ("outside_output", "outside_wages", "outside_months")}
            sec_surplus = per(sec["outside_output"] - sec["outside_wages"], sec["outside_months"])
            benchmark = np.where(np.isnan(out_surplus), sec_surplus[firm_sector], out_surplus)
            benchmark = np.nan_to_num(benchmark)
            pv_cost = pv["apprentice_wages"] + pv_coinvest
            npv = (pv["apprentice_output"] - pv_cost + pv_subsidies
                   + pv["graduate_output"] - pv["graduate_wages"] - pv["graduate_months"] * benchmark)
            trained = np.flatnonzero(total["apprentice_months"] > 0)
            frame = pd.DataFrame({
                "firm": trained, "sector": firm_sector[trained],
                "apprentice_starts": total["apprentice_starts"][trained],
                "apprentice_months": total["apprentice_months"][trained],
                "apprentice_wages": total["apprentice_wages"][trained],
                "apprentice_output": total["apprentice_output"][trained],
                "subsidies": subsidies[trained], "co_investment": coinvest[trained],
                "graduates": total["graduates"][trained], "graduates_kept": total["graduates_kept"][trained],
                "graduate_months": total["graduate_months"][trained],
                "graduate_output_per_month": per(total["graduate_output"], total["graduate_months"])[trained],
                "graduate_wage_per_month": per(total["graduate_wages"], total["graduate_months"])[trained],
                "graduate_leave_rate": per(total["graduate_leavers"], total["graduate_months"])[trained],
                "outside_output_per_month": per(total["outside_output"], total["outside_months"])[trained],
                "outside_wage_per_month": per(total["outside_wages"], total["outside_months"])[trained],
                "outside_leave_rate": per(total["outside_leavers"], total["outside_months"])[trained],
                "npv": npv[trained], "return_on_cost": per(npv, pv_cost)[trained],
            })
        return frame[list(COLUMNS)]

    def _ledger_by_firm(self, ledger: pd.DataFrame, category: str,
                        side: str) -> tuple[np.ndarray, np.ndarray]:
        """Dollars of a ledger category paid to (`payee`) or by (`payer`) each firm: the total and
        its value discounted to month 0."""
        rows = ledger[(ledger.category == category) & ledger[side].astype(str).str.startswith("firm:")]
        if len(rows) == 0:
            return np.zeros(self.F), np.zeros(self.F)
        firm = rows[side].astype(str).str.slice(5).astype(int).to_numpy()
        dollars = rows.amount_cents.to_numpy() / 100.0
        pv = dollars * self.discount(rows.month.to_numpy())
        return (np.bincount(firm, weights=dollars, minlength=self.F),
                np.bincount(firm, weights=pv, minlength=self.F))

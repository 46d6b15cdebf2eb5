"""Numbers derived once from a scenario and used every month (arrays per sector or rung)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logit

from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Derived:
    n_sectors: int
    employment_share: np.ndarray  # (S,)
    base_wage: np.ndarray  # (S,) $ per month, basic job
    quit_mult: np.ndarray  # (S,)
    portability: np.ndarray  # (S,)
    contractor_share: np.ndarray  # (S,) payments to non-employees per $ of payroll
    level_shares: np.ndarray  # (S, 4)
    prem: np.ndarray  # (4,) wage premium by job level, 0 for basic
    months: np.ndarray  # (3,) module length by rung
    price: np.ndarray  # (3,) $ contracted price per seat by rung (before group multipliers)
    base_logit: np.ndarray  # (3,) completion log-odds by rung
    appr_logit: float
    annuity: float  # years-equivalent of a wage gain over the decision horizon, discounted
    last_outcome_month: int  # months after placement of the last retention check
    base_wage_f: np.ndarray  # float32 copies for the hot path
    prem_mult: np.ndarray  # float32 1 + prem
    monthly_growth: np.float32  # wage growth per month of tenure
    tenure_growth: np.ndarray  # (1024,) wage multiplier by months of tenure (a lookup, not pow)
    unlinked_mult: np.ndarray  # (4,) float32 1 + prem x the share an unlinked credential is paid
    experience_growth: np.ndarray  # (1024,) float32 wage factor by months of occupational experience
    skill_depreciation: np.float32  # monthly skill factor out of work
    skill_restoration: np.float32  # monthly growth of a depreciated skill factor in work

    @staticmethod
    def of(sc: Scenario) -> Derived:
        sectors = sc.region.sectors
        t = sc.training
        cohort = t.cohort_size_aligned if t.system_alignment else t.cohort_size_fragmented
        price = (np.array(t.module_cost) + t.cohort_fixed_cost / cohort) * (1 + sc.providers.margin)
        r = sc.workers.discount_rate_annual
        h = sc.workers.decision_horizon_years
        annuity = h if r == 0 else (1 - (1 + r) ** -h) / r
        shares = np.array([s.employment_share for s in sectors])
        return Derived(
            n_sectors=len(sectors),
            employment_share=shares / shares.sum(),
            base_wage=np.array([s.base_wage_monthly for s in sectors]),
            quit_mult=np.array([s.quit_multiplier for s in sectors]),
            portability=np.array([s.credential_portability for s in sectors]),
            contractor_share=np.array([s.non_employee_pay_share for s in sectors]),
            level_shares=np.array([s.level_shares for s in sectors]),
            prem=np.array([0.0, *sc.labour.rung_wage_premium]),
            months=np.array(t.module_months, dtype=np.int64),
            price=price,
            base_logit=logit(np.clip(np.array(t.base_completion), 1e-4, 1 - 1e-4)),
            appr_logit=float(logit(np.clip(t.apprentice_completion, 1e-4, 1 - 1e-4))),
            annuity=float(annuity),
            last_outcome_month=sc.fund.payments.last_outcome_month(),
            base_wage_f=np.array([s.base_wage_monthly for s in sectors], dtype=np.float32),
            prem_mult=(1.0 + np.array([0.0, *sc.labour.rung_wage_premium])).astype(np.float32),
            monthly_growth=np.float32((1.0 + sc.labour.tenure_wage_growth_annual) ** (1 / 12)),
            tenure_growth=((1.0 + sc.labour.tenure_wage_growth_annual)
                           ** (np.arange(1_024) / 12.0)).astype(np.float32),
            unlinked_mult=(1.0 + np.array([0.0, *sc.labour.rung_wage_premium])
                           * sc.careers.unlinked_premium_share).astype(np.float32),
            experience_growth=((1.0 + sc.careers.experience_wage_growth_annual)
                               ** (np.minimum(np.arange(1_024), sc.careers.experience_growth_months) / 12.0)
                               ).astype(np.float32),
            skill_depreciation=np.float32((1.0 - sc.careers.skill_depreciation_annual) ** (1 / 12)),
            skill_restoration=np.float32((1.0 + sc.careers.skill_restoration_annual) ** (1 / 12)),
        )

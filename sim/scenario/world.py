"""Schema sections for the world the fund acts in: region, sectors, demand, workers and firms
(the labour market's flows are in sim.scenario.labour). Defaults are starting values;
`calibration/` documents how they are tuned."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.params import Section, param

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Inside = Annotated[float, Field(gt=0.0, lt=1.0)]  # a Beta mean: neither 0 nor 1

JOLTS_2019 = "BLS JOLTS release Sep 10 2019 (Jul 2019 data); shared/calibration CAL01-CAL03"


class Sector(Section):
    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,31}$",
        description="Sector identifier used in results (lower case, digits, underscore).",
    )
    employment_share: float = param(
        0.34, unit="share", ge=0.01, le=1.0, role="constant",
        description="Share of the region's workers attached to this sector (shares sum to 1).",
    )
    base_wage_monthly: float = param(
        4200.0, unit="$ per month", ge=500, le=50_000, role="constant",
        description="Monthly wage of an uncredentialed entry job in this sector.",
        source="assumption (order of magnitude of BLS OEWS 2023 sector medians)",
    )
    quit_multiplier: float = param(
        1.0, unit="ratio", ge=0.1, le=5.0, role="uncertainty",
        description="Sector quit rate relative to the average private-sector job (JOLTS total private).",
        source="BLS JOLTS Table 4 sector ratios (CAL04: manufacturing ~0.7, health ~0.85); it: assumption",
    )
    trend_growth_annual: float = param(
        0.01, unit="share per year", ge=-0.2, le=0.3, role="uncertainty",
        description="Trend growth of the sector's labour demand.",
    )
    cycle_amplitude: float = param(
        0.03, unit="share", ge=0.0, le=0.5, role="uncertainty",
        description="Amplitude of the periodic business cycle in demand.",
    )
    cycle_period_months: int = param(
        69, unit="months", ge=6, le=360, role="uncertainty",
        description="Length of one business cycle (expansion plus contraction).",
        source="NBER post-war means: expansion ~58 + contraction ~11 months (CAL06)",
    )
    cycle_phase_months: int = param(
        0, unit="months", ge=0, le=360, role="uncertainty",
        description="Where in its cycle the sector starts.",
    )
    shock_persistence: float = param(
        0.9, unit="AR(1) coefficient", ge=0.0, lt=1.0, role="uncertainty",
        description="Persistence of monthly demand shocks.",
    )
    shock_sd: float = param(
        0.01, unit="share", ge=0.0, le=0.2, role="uncertainty",
        description="Standard deviation of the monthly demand shock innovation.",
    )
    recession_sensitivity: float = param(
        1.0, unit="ratio", ge=0.0, le=3.0, role="uncertainty",
        description="How strongly a scripted recession hits this sector (1 = full depth).",
    )
    credential_portability: float = param(
        0.6, unit="share", ge=0.0, le=1.0, role="uncertainty",
        description="Share of a credential's value that firms other than the trainer recognise.",
        source="assumption (Acemoglu & Pischke 1998: certification raises outside value)",
    )
    non_employee_pay_share: float = param(
        0.0, unit="share of payroll", ge=0.0, le=2.0, role="uncertainty",
        description="What a firm pays non-employees (subcontractors, freelancers) per $ of its "
                    "payroll: the base of a levy on payments to non-employees.",
        source="assumption (0 = no such payments; set per sector where a levy taxes them)",
    )
    level_shares: tuple[Share, Share, Share, Share] = param(
        (0.45, 0.30, 0.17, 0.08), unit="shares", role="constant",
        description="Shares of jobs at level basic, entry, mid, advanced (level k needs rung k).",
    )

    @model_validator(mode="after")
    def _levels_sum_to_one(self) -> Sector:
        if any(s < 0 for s in self.level_shares) or abs(sum(self.level_shares) - 1) > 1e-6:
            raise ValueError("level_shares must be four non-negative shares that sum to 1")
        return self


def _default_sectors() -> list[Sector]:
    return [
        Sector(name="health_care", employment_share=0.40, base_wage_monthly=3900,
               quit_multiplier=0.85, credential_portability=0.7),
        Sector(name="manufacturing", employment_share=0.35, base_wage_monthly=4300,
               quit_multiplier=0.7, credential_portability=0.5, cycle_amplitude=0.05),
        Sector(name="it", employment_share=0.25, base_wage_monthly=5600,
               quit_multiplier=1.0, credential_portability=0.8, trend_growth_annual=0.02),
    ]


class Region(Section):
    n_workers: int = param(
        20_000, unit="people", ge=100, le=5_000_000, role="constant",
        description="Working-age people attached to the region's critical sectors.",
    )
    n_firms: int = param(
        300, unit="firms", ge=3, le=500_000, role="constant",
        description="Employers in the critical sectors.",
    )
    n_providers: int = param(
        8, unit="providers", ge=1, le=2_000, role="constant",
        description="Training providers (colleges, non-profits, private trainers).",
    )
    sectors: list[Sector] = Field(
        default_factory=_default_sectors, min_length=1, max_length=12,
        description="The critical sectors of the region.",
    )
    hard_to_serve_share: float = param(
        0.3, unit="share", ge=0.0, le=0.9, role="uncertainty",
        description="Share of people in the hard-to-serve group (barriers, under-represented).",
    )
    initial_unemployment_rate: float = param(
        0.05, unit="share", ge=0.0, le=0.5, role="uncertainty",
        description="Unemployment rate at the start.",
        source="BLS LNS14000000 pre-recession range 4.4-5.0% (CAL07)",
    )
    initial_out_of_labour_force: float = param(
        0.05, unit="share", ge=0.0, le=0.5, role="uncertainty",
        description="Share of the pool out of the labour force at the start.",
    )
    initial_credential_share: float = param(
        0.45, unit="share", ge=0.0, le=1.0, role="uncertainty",
        description="Share of people who already hold at least an entry credential.",
    )

    @model_validator(mode="after")
    def _check(self) -> Region:
        total = sum(s.employment_share for s in self.sectors)
        if abs(total - 1.0) > 0.01:
            raise ValueError(f"sector employment_share values must sum to 1 (they sum to {total:.3f})")
        names = [s.name for s in self.sectors]
        if len(set(names)) != len(names):
            raise ValueError("sector names must be unique")
        if self.n_firms > self.n_workers:
            raise ValueError("n_firms cannot exceed n_workers")
        return self


class Recession(Section):
    enabled: bool = param(False, unit="flag", role="uncertainty",
                          description="Script a recession on top of the cycle.")
    start_month: int = param(36, unit="month", ge=0, le=600, role="uncertainty",
                             description="Month the scripted recession begins.")
    duration_months: int = param(
        18, unit="months", ge=1, le=120, role="uncertainty",
        description="Length of the scripted recession.",
        source="NBER: Dec 2007-Jun 2009 contraction lasted 18 months (CAL06)",
    )
    depth: float = param(
        0.08, unit="share of demand", ge=0.0, le=0.6, role="uncertainty",
        description="Fall in labour demand at the trough.",
        source="assumption sized to the 2007-09 rise in unemployment 5.0 -> 10.0% (CAL07)",
    )
    recovery_months: int = param(24, unit="months", ge=0, le=120, role="uncertainty",
                                 description="Months demand takes to climb back after the trough.")


class Demand(Section):
    recession: Recession = Field(default_factory=Recession)
    downturn_threshold: float = param(
        0.03, unit="share", ge=0.0, le=0.5, role="constant",
        description="Demand index this far below trend counts as a downturn (alerts, reserves).",
    )
    index_floor: float = param(
        0.05, unit="index", ge=0.0, le=1.0, role="constant",
        description="Lowest a sector's demand index may fall (shocks cannot wipe a sector out).",
    )


class Workers(Section):
    months_between_starts: int = param(
        6, unit="months", ge=0, le=60, role="constant",
        description="Months after a training start before the same person may apply again.",
    )
    gain_weight_portable: float = param(
        0.5, unit="share", ge=0.0, le=1.0, role="uncertainty",
        description="Share of a credential's wage gain a person counts only in proportion to its "
                    "portability (the rest counts in full).",
    )
    decision_scale_wage_months: float = param(
        1.5, unit="months of basic wage", ge=0.1, le=24.0, role="uncertainty",
        description="Net gain (in months of a basic wage) that moves a person's will to train by "
                    "one logit: how sharply the decision follows the net gain.",
    )
    out_of_labour_force_application_factor: float = param(
        0.5, unit="ratio", ge=0.0, le=1.0, role="uncertainty",
        description="Application propensity of people out of the labour force relative to others.",
    )
    initial_credential_multiplier: tuple[float, float] = param(
        (1.15, 0.5), unit="ratio", role="uncertainty",
        description="Chance of holding a credential at the start relative to the regional share: "
                    "others, hard-to-serve.",
    )
    initial_rung_shares: tuple[float, float, float] = param(
        (0.6, 0.3, 0.1), unit="shares", role="uncertainty",
        description="Highest rung of people holding a credential at the start: entry, mid, advanced.",
    )
    initial_tenure_mean_months: float = param(
        48.0, unit="months", ge=1.0, le=240.0, role="uncertainty",
        description="Mean tenure with the current employer at the start (geometric, capped at 240).",
    )
    aptitude_gap_hard_to_serve: float = param(
        0.5, unit="standard deviations", ge=0.0, le=3.0, role="uncertainty",
        description="Mean latent aptitude of the hard-to-serve group below the others.",
    )
    childcare_need: tuple[Share, Share] = param(
        (0.10, 0.40), unit="share", role="uncertainty",
        description="Share needing childcare to train: (others, hard-to-serve).",
    )
    transport_need: tuple[Share, Share] = param(
        (0.08, 0.30), unit="share", role="uncertainty",
        description="Share needing transport help to train: (others, hard-to-serve).",
    )
    employability_mean: tuple[Inside, Inside] = param(
        (0.5, 0.35), unit="weight", role="uncertainty",
        description="Mean employability, the weight employers give a job seeker when choosing "
                    "whom to hire (drawn once per person from a Beta): (others, hard-to-serve).",
        source="assumption: heterogeneous job finding (much of the fall in exit rates with "
               "spell length is heterogeneity: Alvarez, Borovickova & Shimer 2016); sized with "
               "credential_holdout_months to placement 50-75% (CAL16: Q2 employment 64-68%)",
    )
    employability_concentration: float = param(
        2.0, unit="Beta a + b", ge=0.1, le=1000.0, role="uncertainty",
        description="Concentration of the employability Beta (lower = more dispersed job finding).",
    )
    credential_holdout_months: int = param(
        6, unit="months", ge=0, le=24, role="uncertainty",
        description="Months of a completer's placement window during which she accepts only jobs "
                    "at her credential's level (a reservation wage above lower jobs' wages); "
                    "capped by the window.",
        source="assumption (reservation wages rise with skills: McCall 1970, Mortensen 1986)",
    )
    search_months_after_training: float = param(
        3.0, unit="months", ge=0.0, le=24.0, role="uncertainty",
        description="Months of job search an employed applicant expects after a full-time course, "
                    "weighed as wages forgone when deciding to leave the job to train.",
        source="calibrated (CAL09: it sets who applies, hence the impact as a share of "
               "counterfactual earnings); bounds from BLS median spells (~2 months, 2019) and "
               "60-75% placed within 6 months (CAL16)",
    )
    application_rate: float = param(
        0.04, unit="share per month", ge=0.0, le=1.0, role="uncertainty",
        description="Monthly chance an eligible person weighs up training at all.",
    )
    barrier_cost_monthly: float = param(
        500.0, unit="$ per month", ge=0, le=10_000, role="uncertainty",
        description="Money-equivalent cost of an unsupported childcare or transport barrier.",
    )
    decision_horizon_years: float = param(
        5.0, unit="years", ge=0.5, le=40, role="uncertainty",
        description="Years over which a person weighs the wage gain from a credential.",
    )
    discount_rate_annual: float = param(
        0.10, unit="share per year", ge=0.0, le=1.0, role="uncertainty",
        description="Rate at which people discount future wage gains.",
    )
    liquidity_cost_factor: float = param(
        3.0, unit="ratio", ge=1.0, le=20.0, role="uncertainty",
        description="How much heavier a dollar of tuition weighs for someone paying it themselves.",
    )
    wage_dispersion: float = param(
        0.25, unit="log points (sd)", ge=0.0, le=1.0, role="uncertainty",
        description="Standard deviation of individual wage effects.",
    )


class Firms(Section):
    size_draw_cap: float = param(
        1e4, unit="ratio", ge=1.0, le=1e7, role="constant",
        description="Largest firm size drawn, relative to the smallest (Pareto draws are cut here "
                    "so that one firm cannot hold a whole sector of a small region).",
    )
    decision_discount_monthly: float = param(
        0.01, unit="share per month", ge=0.0, le=0.1, role="uncertainty",
        description="Discount rate firms apply to the months a trained worker is expected to stay.",
        source="assumption (about 12.7% a year: a firm's cost of capital with risk)",
    )
    decision_horizon_months: int = param(
        120, unit="months", ge=12, le=600, role="constant",
        description="Horizon over which a firm counts a trained worker's expected stay.",
    )
    wage_cost_share_while_training: float = param(
        0.25, unit="share of monthly wage", ge=0.0, le=1.0, role="uncertainty",
        description="Wages a firm pays per month of an incumbent's part-time training, as a share "
                    "of a basic wage (counted in its training cost).",
    )
    skilled_opening_share: float = param(
        0.03, unit="openings per employee", ge=0.0, le=0.5, role="uncertainty",
        description="Skilled openings a firm expects per employee before any vacancy is posted "
                    "(first membership decision; floor of the pipeline a firm is told about).",
    )
    recruiting_cost_saved_share: float = param(
        0.5, unit="share of turnover cost", ge=0.0, le=1.0, role="uncertainty",
        description="Share of the cost of a hire a firm saves when it hires a fund graduate.",
    )
    training_response_steepness: float = param(
        2.0, unit="exponent", ge=0.5, le=10.0, role="uncertainty",
        description="How sharply a firm's own training rate rises with the return-to-cost ratio "
                    "(Hill exponent).",
    )
    trainee_output_share: float = param(
        0.5, unit="share", ge=0.0, le=1.0, role="uncertainty",
        description="Output of an apprentice or extern relative to a regular worker at the same level.",
    )
    size_pareto_alpha: float = param(
        1.1, unit="tail index", ge=0.5, le=5.0, role="uncertainty",
        description="Tail index of the firm-size distribution.",
        source="Axtell 2001 (Science 293): US firm sizes Zipf, alpha ~1.06",
    )
    productivity_to_wage_gain: float = param(
        2.0, unit="ratio", ge=0.0, le=5.0, role="uncertainty",
        description="Productivity gain of training relative to its wage gain (firm keeps half).",
        source="Dearden, Reed & Van Reenen 2006: +0.6% VA vs +0.3% wages per 1pp trained (CAL15)",
    )
    labour_share: float = param(
        0.6, unit="share", ge=0.2, le=0.95, role="constant",
        description="Wages as a share of value added (productivity = wage / labour share).",
    )
    turnover_cost_share: float = param(
        0.21, unit="share of annual wage", ge=0.0, le=2.0, role="uncertainty",
        description="Cost to a firm of replacing a worker who leaves.",
        source="Boushey & Glynn 2012, Center for American Progress (CAL14)",
    )
    own_training_max_rate: float = param(
        0.10, unit="share of staff per year", ge=0.0, le=1.0, role="uncertainty",
        description="Most incumbents a firm trains at its own cost in a year when it pays off.",
    )
    own_training_hurdle: float = param(
        1.0, unit="ratio", ge=0.1, le=10.0, role="uncertainty",
        description="Return-to-cost ratio at which a firm trains half its maximum.",
    )
    membership_hurdle: float = param(
        1.0, unit="ratio", ge=0.1, le=10.0, role="uncertainty",
        description="Benefit-to-contribution ratio a firm needs to join a voluntary fund.",
    )
    membership_review_months: int = param(
        12, unit="months", ge=1, le=60, role="constant",
        description="How often firms reconsider voluntary membership.",
    )
    externship_host_share: float = param(
        0.5, unit="share", ge=0.0, le=1.0, role="uncertainty",
        description="Share of member firms with openings willing to host externs.",
    )

"""Schema section for the labour market's flows: quits, layoffs, job-to-job moves, matching and
promotion up the skill rungs. Defaults are starting values; `calibration/` documents how they
are tuned."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.params import Section, param
from sim.scenario.world import JOLTS_2019

Premium = Annotated[float, Field(ge=0.0, le=5.0)]


class LabourMarket(Section):
    quit_cycle_bounds: tuple[float, float] = param(
        (0.2, 3.0), unit="multiplier", role="constant",
        description="Lowest and highest multiplier the cycle may put on quits and job-to-job moves.",
    )
    layoff_cyclicality: float = param(
        2.0, unit="elasticity", ge=0.0, le=10.0, role="uncertainty",
        description="Rise in layoffs per unit of demand below trend (multiplier 1 - this x gap).",
    )
    layoff_cycle_bounds: tuple[float, float] = param(
        (0.5, 3.0), unit="multiplier", role="constant",
        description="Lowest and highest multiplier the cycle may put on layoffs.",
    )
    quit_rate: float = param(
        0.006, unit="share per month", ge=0.0, le=0.2, role="uncertainty",
        description="Monthly quits into non-employment, average private-sector job (sector multiplier 1).",
        source="assumption: JOLTS quits 2.2%/month (CAL01) minus job-to-job moves",
    )
    job_to_job_rate: float = param(
        0.016, unit="share per month", ge=0.0, le=0.2, role="uncertainty",
        description="Monthly employer-to-employer moves of an untrained worker (sector multiplier 1).",
        source="Fallick & Fleischman 2001: ~2%/month prime-age (CAL05)",
    )
    layoff_rate: float = param(
        0.012, unit="share per month", ge=0.0, le=0.2, role="uncertainty",
        description="Monthly layoffs and discharges at trend demand.", source=JOLTS_2019,
    )
    layoff_adjustment_speed: float = param(
        0.25, unit="share per month", ge=0.0, le=1.0, role="uncertainty",
        description="Share of a firm's over-staffing shed each month in a downturn.",
    )
    quit_cyclicality: float = param(
        0.0, unit="elasticity", ge=0.0, le=10.0, role="uncertainty",
        description="Extra rise of quits and job-to-job moves per unit of demand above trend, on "
                    "top of their response to tightness (0: tightness carries the cycle).",
    )
    quit_tightness_elasticity: float = param(
        0.5, unit="elasticity", ge=0.0, le=3.0, role="uncertainty",
        description="Elasticity of quits and job-to-job moves to the sector's labour-market "
                    "tightness (vacancies per job seeker) relative to its running mean.",
        source="1 - matching elasticity (Petrongolo & Pissarides 2001): an employed searcher "
               "meets vacancies at the job-finding rate A theta^(1-a) of the matching function",
    )
    matching_efficiency: float = param(
        0.6, unit="matches per month", ge=0.01, le=5.0, role="uncertainty",
        description="Scale A of the matching function M = A * S^a * V^(1-a).",
    )
    matching_elasticity: float = param(
        0.5, unit="elasticity", ge=0.05, le=0.95, role="constant",
        description="Elasticity a of matches to job seekers.",
        source="Petrongolo & Pissarides 2001 (JEL 39(2)): 0.5-0.7",
    )
    poaching_intensity: float = param(
        1.0, unit="multiplier", ge=0.0, le=10.0, role="uncertainty",
        description="Extra job-to-job hazard of credentialed workers, per unit of portability.",
    )
    poaching_wage_premium: float = param(
        0.08, unit="share of wage", ge=0.0, le=1.0, role="uncertainty",
        description="Wage premium a poaching firm offers a credentialed worker.",
    )
    tenure_wage_growth_annual: float = param(
        0.02, unit="share per year", ge=0.0, le=0.2, role="uncertainty",
        description="Wage growth with each year of tenure at the same employer.",
    )
    rung_wage_premium: tuple[Premium, Premium, Premium] = param(
        (0.10, 0.22, 0.40), unit="share of base wage", role="uncertainty",
        description="Wage premium of a job at level entry, mid, advanced over a basic job.",
        source="MDRC WorkAdvance year-2 earnings +14% (CAL09) for the entry rung",
    )
    out_of_labour_force_rate: float = param(
        0.01, unit="share per month", ge=0.0, le=0.5, role="uncertainty",
        description="Monthly exits from unemployment to out of the labour force.",
    )
    reentry_rate: float = param(
        0.05, unit="share per month", ge=0.0, le=1.0, role="uncertainty",
        description="Monthly re-entry from out of the labour force into job search.",
    )
    unemployment_benefit_monthly: float = param(
        1600.0, unit="$ per month", ge=0, le=20_000, role="constant",
        description="Public benefit paid to an unemployed person (for the public return).",
    )
    tax_rate: float = param(
        0.2, unit="share of earnings", ge=0.0, le=0.8, role="constant",
        description="Taxes on earnings (for the public return).",
    )
    marginal_cost_of_public_funds: float = param(
        1.3, unit="$ per public $", ge=1.0, le=3.0, role="uncertainty",
        description="Welfare cost of a dollar of public money (1 + the excess burden of taxes "
                    "that raise it), applied to the public net gain in total surplus.",
        source="Dahlby 2008, The Marginal Cost of Public Funds (MIT Press); Browning 1987 "
               "(AER 77(1)): 1.1-1.5 for US taxes; 1.3 as in many CBA guides",
    )

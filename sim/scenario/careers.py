"""Schema section for what happens to people's careers over the years after training: promotion
on the job, employer-linked credentials, providers' placement quality, skill depreciation and
credential lapse, and work while training. Each number is a mechanism's size; 0 switches the
mechanism off (a factor of 1 for the multipliers)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.params import Section, param

Hazard = Annotated[float, Field(ge=0.0, le=0.5)]

PROMOTION_SOURCE = ("assumption: about 8-17% a year of workers whose credential proves the next "
                    "level, the order of annual promotion rates in US panels (Pergamit & Veum "
                    "1999, ILR Review 52(4); McCue 1996, JOLE 14(2))")


class Careers(Section):
    promotion_rate_monthly: tuple[Hazard, Hazard, Hazard] = param(
        (0.015, 0.010, 0.007), unit="share per month", role="uncertainty",
        description="Monthly chance that an employee whose credential proves a higher level than "
                    "her job is promoted into an opening at her employer one level up, once her "
                    "tenure reaches `promotion_tenure_months`: into entry, mid, advanced jobs.",
        source=PROMOTION_SOURCE,
    )
    promotion_tenure_months: int = param(
        12, unit="months", ge=0, le=120, role="uncertainty",
        description="Tenure at which the promotion hazard reaches its full rate (it rises "
                    "linearly from 0 at hire): employers promote people they have seen work.",
    )
    experience_promotion_factor: float = param(
        0.25, unit="ratio", ge=0.0, le=1.0, role="uncertainty",
        description="Promotion hazard of a credentialed employee whose job is already at her "
                    "credential's level, relative to one whose credential proves the next level "
                    "(experience on a career ladder carries her up; without a credential there "
                    "is no ladder: hazard 0).",
        source="assumption (career ladders of sector programmes, whose gains persist or grow "
               "for years: Roder & Elliott 2019, Project QUEST nine-year follow-up)",
    )
    experience_wage_growth_annual: float = param(
        0.02, unit="share per year", ge=0.0, le=0.1, role="uncertainty",
        description="Wage growth per year of occupational experience: months worked in skilled "
                    "jobs (entry level and up), at any employer, on top of tenure growth. It "
                    "follows the worker to her next skilled job and is lost, with the level's "
                    "premium, as her skills depreciate out of work.",
        source="Kambourov & Manovskii 2009, IER 50(1): eight years of occupational tenure "
               "raise wages 12-20%, about 1.5-2.3% a year, more than employer tenure does",
    )
    experience_growth_months: int = param(
        96, unit="months", ge=0, le=1023, role="uncertainty",
        description="Months of occupational experience after which it no longer raises wages "
                    "(a concave experience profile, flat beyond).",
        source="Kambourov & Manovskii 2009 (returns measured over eight years of occupational tenure)",
    )
    fund_linked_share: float = param(
        1.0, unit="share of fund starts", ge=0.0, le=1.0, role="lever",
        description="Share of fund-paid courses designed with employers (a sector partnership: "
                    "employer-set curriculum and hiring commitments). Incumbent upskilling and "
                    "apprenticeships are always employer-linked; self-paid courses never are.",
        source="Good Jobs Challenge: industry-led sector partnerships (shared/seeds, GJC design)",
    )
    unlinked_premium_share: float = param(
        0.5, unit="share of the level premium", ge=0.0, le=1.0, role="uncertainty",
        description="Share of a job level's wage premium that a person whose highest credential "
                    "was earned without employer involvement is paid (1 = worth as much as a "
                    "linked credential).",
        source="assumption: sector programmes with employer involvement raise earnings far more "
               "than generic occupational training (Katz, Roth, Hendra & Schaberg 2022, JOLE "
               "40(S1); Card, Kluve & Weber 2018, JEEA 16(3))",
    )
    unlinked_hiring_weight: float = param(
        0.7, unit="ratio", ge=0.01, le=1.0, role="uncertainty",
        description="Weight hiring firms give a job seeker whose highest credential is unlinked, "
                    "relative to the same person with a linked credential (no hiring commitment, "
                    "a curriculum employers did not set).",
        source="assumption (same sources as unlinked_premium_share)",
    )
    provider_wage_sd: float = param(
        0.05, unit="log points (sd)", ge=0.0, le=0.5, role="uncertainty",
        description="Spread across providers of the wage of the jobs they place completers into "
                    "(a provider's placement quality multiplies a placed completer's wage by "
                    "exp(sd x z), z ~ N(0, 1) per provider).",
        source="assumption within the WorkAdvance site range of impacts, 0 to +26% (CAL09)",
    )
    provider_stability_sd: float = param(
        0.15, unit="log points (sd)", ge=0.0, le=2.0, role="uncertainty",
        description="How much a provider's placement quality lowers the quit and layoff hazards "
                    "of the jobs it places completers into (hazard x exp(-sd x z), same z).",
        source="assumption (job-match quality lowers separations: Jovanovic 1979, JPE 87(5))",
    )
    skill_depreciation_annual: float = param(
        0.04, unit="share per year", ge=0.0, le=0.5, role="uncertainty",
        description="Fall per year out of paid work (unemployed or out of the labour force) in "
                    "the share a person keeps of the skills a job level pays for: its premium "
                    "and her occupational experience (a basic job pays for none, so people "
                    "without a skilled job or credential have nothing to lose).",
        source="assumption in the range of the depreciation of human capital during career "
               "interruptions (Mincer & Ofek 1982, JHR 17(1); Edin & Gustavsson 2008, ILR "
               "Review 61(2))",
    )
    skill_restoration_annual: float = param(
        0.10, unit="share per year", ge=0.0, le=2.0, role="uncertainty",
        description="Growth of depreciated skills (the share kept) per year back in work or "
                    "training, up to 1 (lost skill is restored faster than it was lost).",
        source="assumption (Mincer & Ofek 1982: wages rebound quickly after re-entry)",
    )
    credential_lapse_months: int = param(
        24, unit="months", ge=0, le=600, role="uncertainty",
        description="Consecutive months out of paid work after which a person's highest "
                    "credential lapses one rung (0 = credentials never lapse).",
        source="42 CFR 483.35(d) (required retraining): a nurse aide with 24 consecutive "
               "months without paid nursing work must retrain or retest",
    )
    part_time_work_share: float = param(
        0.3, unit="share of trainees", ge=0.0, le=1.0, role="uncertainty",
        description="Share of full-time course trainees who left a job to train and keep part-time "
                    "work while training (a trait drawn once per person).",
        source="assumption (many sector-programme trainees work while in training; MDRC "
               "WorkAdvance and Project QUEST reports)",
    )
    part_time_earnings_share: float = param(
        0.4, unit="share of prior wage", ge=0.0, le=1.0, role="uncertainty",
        description="Earnings of a trainee who keeps part-time work, as a share of the wage of "
                    "the job she left (on top of any stipend).",
    )
    outside_tuition_cover: float = param(
        0.5, unit="share of tuition", ge=0.0, le=1.0, role="uncertainty",
        description="Share of the tuition of training outside the fund paid by other public "
                    "programmes (Pell grants, WIOA training accounts), so people without a fund "
                    "seat, in the no-fund twin too, train later elsewhere (catch-up).",
        source="assumption sized toward the control group's credential receipt in Project "
               "QUEST, 49.1% against 72.6% (CAL08; Elliott & Roder 2017)",
    )
    fund_outreach_factor: float = param(
        2.0, unit="ratio", ge=1.0, le=10.0, role="lever",
        description="How much more often the fund's target group (people out of work and the "
                    "hard-to-serve) weighs up fund training than others, through the "
                    "programmes' recruitment (1 = no targeted outreach).",
        source="assumption (sector programmes recruit low-income, unemployed or low-wage adults: "
               "WorkAdvance eligibility, Hendra et al. 2016)",
    )
    # Employers' apprenticeship decisions (sim.engine.firms.apprentice_acceptance)
    apprentice_supervision_cost_share: float = param(
        0.37, unit="share of the job's monthly wage", ge=0.0, le=2.0, role="uncertainty",
        description="Monthly cost to a host firm of training an apprentice (instructors' and "
                    "staff time, materials), as a share of the wage of the job trained for.",
        source="assumption informed by BIBB cost-benefit surveys of German apprenticeship "
               "(apprentice pay is roughly 60% of firms' gross costs, training staff most of "
               "the rest): 0.6 x 0.38 / 0.62",
    )
    graduate_productivity_premium: float = param(
        0.05, unit="share of output", ge=0.0, le=1.0, role="uncertainty",
        description="Output of a graduate the training firm keeps over an outside hire at the "
                    "same level (she knows the firm's ways), counted over her expected stay.",
        source="calibrated (CAL13: what a graduate is worth to her host sets the share of "
               "graduates kept; calibration/calibrated.yaml); the mechanism from Acemoglu & "
               "Pischke 1998, QJE 113(1): firms gain from what they know of the workers they trained",
    )
    graduate_outlook_months: int = param(
        12, unit="months", ge=1, le=60, role="uncertainty",
        description="Months ahead a host looks at its demand when it decides, at completion, "
                    "whether to keep the graduate it trained (the months it may have to carry "
                    "her without a post, at most).",
        source="assumption (firms' hiring plans look about a year ahead)",
    )
    apprentice_decision_scale_months: float = param(
        3.0, unit="months of the job's wage", ge=0.1, le=60.0, role="uncertainty",
        description="Net value of an apprenticeship (in months of the job's wage) that moves a "
                    "firm's will to take one by one logit: how sharply offers follow value.",
    )

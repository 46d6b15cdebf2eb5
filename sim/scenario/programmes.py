"""Schema sections for what is trained and by whom: credential modules, externships,
apprenticeships, providers, programme phases and the pilot-to-scale rollout."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sim.scenario.params import Section, param

Months = Annotated[int, Field(ge=1, le=60)]
Dollars = Annotated[float, Field(ge=0.0, le=200_000.0)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]

CAL10 = "Pathways to Work clearinghouse provider costs $6,000-$10,500 per participant (CAL10)"


class Training(Section):
    incumbent_barrier_weight: float = param(
        0.5, unit="ratio", ge=0.0, le=1.0, role="uncertainty",
        description="Weight of unmet barriers on an incumbent's part-time training at the workplace "
                    "relative to full-time training.",
    )
    module_months: tuple[Months, Months, Months] = param(
        (3, 5, 8), unit="months", role="constant",
        description="Full-time length of the entry, mid and advanced credential modules.",
        source="MDRC WorkAdvance training 4-32 weeks, average 13 (CAL09); longer rungs assumed",
    )
    module_cost: tuple[Dollars, Dollars, Dollars] = param(
        (5000.0, 8000.0, 12000.0), unit="$ per seat", role="uncertainty",
        description="Provider's variable cost per seat of the entry, mid and advanced modules.",
        source=CAL10,
    )
    cohort_fixed_cost: float = param(
        30_000.0, unit="$ per cohort", ge=0, le=2_000_000, role="uncertainty",
        description="Fixed cost of running one cohort (instructor, room, curriculum upkeep).",
    )
    cohort_size_fragmented: int = param(
        12, unit="seats", ge=1, le=500, role="uncertainty",
        description="Typical cohort when each provider and firm runs its own programme.",
    )
    cohort_size_aligned: int = param(
        24, unit="seats", ge=1, le=500, role="uncertainty",
        description="Typical cohort when the fund pools cohorts across providers and firms.",
    )
    system_alignment: bool = param(
        True, unit="flag", role="lever",
        description="The fund pools cohorts across providers (fewer duplicate programmes).",
    )
    base_completion: tuple[Share, Share, Share] = param(
        (0.75, 0.70, 0.65), unit="share of starters", role="uncertainty",
        description="Completion of an average starter with no barriers, per module.",
        source="Project QUEST credential receipt 72.6% of treatment group (CAL08)",
    )
    aptitude_effect: float = param(
        0.8, unit="log-odds per sd", ge=0.0, le=5.0, role="uncertainty",
        description="How much latent aptitude raises the odds of completing.",
    )
    barrier_effect: float = param(
        0.9, unit="log-odds", ge=0.0, le=5.0, role="uncertainty",
        description="How much each unmet childcare or transport barrier lowers completion odds.",
    )
    earn_and_learn_effect: float = param(
        0.4, unit="log-odds", ge=0.0, le=5.0, role="uncertainty",
        description="How much paid earn-and-learn (apprenticeship) raises completion odds.",
    )
    placement_window_months: int = param(
        6, unit="months", ge=1, le=24, role="constant",
        description="A hire within this many months of completing counts as a placement.",
    )
    externship_share: float = param(
        0.4, unit="share of completers", ge=0.0, le=1.0, role="lever",
        description="Share of fund completers offered an externship with a host firm.",
    )
    externship_months: int = param(
        2, unit="months", ge=1, le=12, role="constant",
        description="Length of an externship.",
    )
    externship_conversion: float = param(
        0.85, unit="share", ge=0.0, le=1.0, role="uncertainty",
        description="Chance an extern proves a fit, so a host that still wants the post hires her.",
        source="assumption: a trial in a held post, so above open-market placement (the host "
               "observes the work: Pallais 2014, AER 104(11)); German firms keep 61-77% of "
               "their apprentices (CAL13)",
    )
    apprenticeship_share: float = param(
        0.0, unit="share of fund starts", ge=0.0, le=1.0, role="lever",
        description="Share of fund-paid starts that are paid apprenticeships at a member firm.",
    )
    unhosted_apprenticeships: Literal["course", "not_funded"] = param(
        "course", unit="choice", role="lever",
        description="A fund start drawn to be an apprenticeship that finds no willing member firm "
                    "with an opening this month: goes ahead as a full-time course the fund pays, or "
                    "is not bought at all (funding follows an employer's hire).",
        source="England: apprenticeship funding pays only for an apprentice an employer has taken on "
               "(gov.uk apprenticeship funding rules); 'course' is an assumption",
    )
    apprenticeship_months: int = param(
        24, unit="months", ge=6, le=60, role="constant",
        description="Length of a paid apprenticeship.",
    )
    apprentice_wage_share: float = param(
        0.6, unit="share of job wage", ge=0.2, le=1.0, role="constant",
        description="Apprentice wage as a share of the wage of the job trained for.",
        source="apprentice schedules: ~50-75% at start rising to 85-95% (CAL12)",
    )
    apprentice_completion: float = param(
        0.55, unit="share of starters", ge=0.05, le=1.0, role="uncertainty",
        description="Completion of an average apprentice.",
        source="England achievement rates 54-58%; US ~50% (CAL11)",
    )
    no_credential_share: float = param(
        0.0, unit="share of fund course starts", ge=0.0, le=1.0, role="lever",
        description="Share of fund-paid course starts in programmes that give no credential (job "
                    "readiness, short courses): completing one raises no rung.",
    )
    apprentice_school_share: float = param(
        0.0, unit="share of apprenticeship months", ge=0.0, le=1.0, role="lever",
        description="Share of an apprenticeship's months spent at school rather than at work "
                    "(alternance); school months are spread evenly over the apprenticeship.",
        source="lever; dual systems alternate school and firm (e.g. France's apprentissage, "
               "Germany's Berufsschule one to two days a week)",
    )
    stipend_monthly: float = param(
        0.0, unit="$ per month", ge=0, le=10_000, role="lever",
        description="Living stipend paid by the fund to full-time trainees.",
    )


class Providers(Section):
    capacity_floor_share: float = param(
        0.25, unit="share of starting capacity", ge=0.0, le=1.0, role="constant",
        description="Capacity a provider keeps however little funded demand it sees.",
    )
    planned_support_monthly: float = param(
        200.0, unit="$ per trainee-month", ge=0.0, le=10_000.0, role="uncertainty",
        description="Stipend and supports providers expect the fund to pay per trainee-month when "
                    "they size up for its announced budget in programme design.",
    )
    seats_per_month: int = param(
        14, unit="seats per provider-month", ge=0, le=10_000, role="uncertainty",
        description="Starting intake capacity of one provider in full implementation.",
    )
    quality_sd: float = param(
        0.3, unit="log-odds (sd)", ge=0.0, le=3.0, role="uncertainty",
        description="Spread of provider quality in completion odds.",
    )
    creaming_sensitivity: float = param(
        3.0, unit="ratio", ge=0.0, le=20.0, role="uncertainty",
        description="How strongly providers select applicants by expected revenue.",
    )
    screening_accuracy: float = param(
        0.7, unit="correlation", ge=0.0, le=1.0, role="uncertainty",
        description="How well a provider's intake screen reads an applicant's aptitude.",
    )
    capacity_adjustment: float = param(
        0.1, unit="share per month", ge=0.0, le=1.0, role="uncertainty",
        description="Share of the gap between funded demand and capacity closed each month.",
    )
    capacity_lag_months: int = param(
        6, unit="months", ge=0, le=36, role="uncertainty",
        description="Delay before funding changes (or capacity grants) change capacity.",
    )
    review_months: int = param(
        12, unit="months", ge=1, le=60, role="lever",
        description="How often the fund reviews each provider's outcomes.",
    )
    min_placement_rate: float = param(
        0.3, unit="share", ge=0.0, le=1.0, role="lever",
        description="Measured placement rate below which a provider loses eligibility.",
    )
    min_reviewed_completers: int = param(
        10, unit="people", ge=1, le=10_000, role="constant",
        description="Fewest completers in a review window for a review to count.",
    )
    suspension_months: int = param(
        12, unit="months", ge=1, le=120, role="lever",
        description="How long a provider that fails review stays ineligible.",
    )
    margin: float = param(
        0.1, unit="share of cost", ge=0.0, le=1.0, role="uncertainty",
        description="Provider margin included in the contracted price per seat.",
    )


class Phases(Section):
    system_development_months: int = param(
        6, unit="months", ge=0, le=120, role="lever",
        description="Partners sign up and the fund collects; nothing is trained.",
        source="Good Jobs Challenge phase structure (shared/schemes.md)",
    )
    programme_design_months: int = param(
        6, unit="months", ge=0, le=120, role="lever",
        description="Curricula are built; providers size capacity for the fund's announced budget.",
        source="Good Jobs Challenge phase structure (shared/schemes.md)",
    )


class Rollout(Section):
    enabled: bool = param(False, unit="flag", role="lever",
                          description="Start as a pilot with a few firms and scale on results.")
    pilot_firms: int = param(10, unit="firms", ge=1, le=100_000, role="lever",
                             description="Firms in the pilot (the largest join first).")
    stage_months: int = param(12, unit="months", ge=1, le=120, role="lever",
                              description="Months between scale-up reviews.")
    gate_placement_rate: float = param(
        0.5, unit="share", ge=0.0, le=1.0, role="lever",
        description="Placement rate a stage must reach before the fund scales up.",
    )
    scale_factor: float = param(
        2.0, unit="ratio", ge=1.0, le=20.0, role="lever",
        description="Membership and budget multiply by this at each passed review.",
    )
    pilot_budget_share: float = param(
        0.25, unit="share", ge=0.01, le=1.0, role="lever",
        description="Share of the full training budget spent during the pilot stage.",
    )

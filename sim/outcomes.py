"""The metric registry: every output's name, unit, aggregation and direction, read by the
engine's recorder (sim.engine.recorder), the results layer and every face. Rates are stored as
numerator and denominator; their value over the horizon is sum(num) / sum(den)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    agg: str  # flow (sum over horizon) | stock (value at the end) | rate (sum num / sum den)
    description: str
    direction: int = 0  # +1 more is better, -1 less is better, 0 neutral
    num: str | None = None  # rates: numerator and denominator metric names
    den: str | None = None
    cumulative: bool = False  # rates whose monthly value is cumulative to date
    cells: bool = True  # reported by sector and group (False: totals only)


M = Metric
REGISTRY: tuple[Metric, ...] = (
    # counts (people), by sector and group
    M("enrolments", "people", "flow", "Training starts of any payer (fund, firm, self).", 1),
    M("fund_enrolments", "people", "flow", "Training starts paid by the fund.", 1),
    M("incumbent_enrolments", "people", "flow", "Incumbent-worker upskilling starts.", 1),
    M("apprenticeship_starts", "people", "flow", "Paid apprenticeships started.", 1),
    M("completions", "people", "flow", "Credentials earned.", 1),
    M("dropouts", "people", "flow", "People who left training without the credential.", -1),
    M("credential_rate", "share", "rate", "Credentials among people leaving training.", 1,
      num="completions", den="training_exits"),
    M("training_exits", "people", "flow", "Completions plus dropouts."),
    M("externship_starts", "people", "flow", "Externships started.", 1),
    M("externship_completions", "people", "flow", "Externships ended."),
    M("externship_hires", "people", "flow", "Externs hired by their host.", 1),
    M("externship_hire_rate", "share", "rate", "Externs hired by their host at the end.", 1,
      num="externship_hires", den="externship_completions"),
    M("placements", "people", "flow", "Completers hired within the placement window.", 1),
    M("placement_exits", "people", "flow", "Completers placed or whose window closed."),
    M("placement_rate", "share", "rate", "Completers placed within the window.", 1,
      num="placements", den="placement_exits"),
    M("nonextern_placements", "people", "flow", "Placements of completers without an externship."),
    M("nonextern_exits", "people", "flow", "Completers without an externship, placed or not."),
    M("retained_6m", "people", "flow", "Placed people still employed 6 months later."),
    M("retention_cohort_6m", "people", "flow", "Placed people reaching 6 months since placement."),
    M("retention_6m", "share", "rate", "Placed people employed 6 months after placement.", 1,
      num="retained_6m", den="retention_cohort_6m"),
    M("retained_12m", "people", "flow", "Placed people still employed 12 months later."),
    M("retention_cohort_12m", "people", "flow", "Placed people reaching 12 months since placement."),
    M("retention_12m", "share", "rate", "Placed people employed 12 months after placement.", 1,
      num="retained_12m", den="retention_cohort_12m"),
    M("median_wage_participants", "$ per month", "stock",
      "Median monthly wage of employed fund participants.", 1),
    M("earnings_diff_participants", "$", "flow",
      "Participants' earnings minus the same people's earnings without the fund."),
    M("participant_months", "people", "flow", "Fund participants (so far) counted each month."),
    M("earnings_diff_year2", "$", "flow",
      "Participants' earnings minus the counterfactual's, in months 13-24 after their first fund start."),
    M("cf_earnings_year2", "$", "flow",
      "The same participants' counterfactual earnings in months 13-24 after their first fund start."),
    M("earnings_gain_vs_counterfactual", "$ per participant-month", "rate",
      "Participants' monthly earnings gain over the no-fund counterfactual (intent to treat).", 1,
      num="earnings_diff_participants", den="participant_months"),
    M("trainee_months", "people", "flow", "Fund participants in full-time training, counted each month."),
    M("earnings_diff_in_training", "$", "flow",
      "Earnings minus the counterfactual's of participants while in full-time training."),
    M("earnings_gain_in_training", "$ per trainee-month", "rate",
      "Participants' monthly earnings gain over the counterfactual while in full-time training "
      "(negative: lock-in).", 1, num="earnings_diff_in_training", den="trainee_months"),
    M("former_trainee_months", "people", "flow",
      "Fund participants not in full-time training, counted each month."),
    M("earnings_diff_after_training", "$", "flow",
      "Earnings minus the counterfactual's of participants out of full-time training."),
    M("earnings_gain_after_training", "$ per participant-month", "rate",
      "Participants' monthly earnings gain over the counterfactual once out of full-time training.",
      1, num="earnings_diff_after_training", den="former_trainee_months"),
    M("unemployed", "people", "stock", "People unemployed (searching)."),
    M("labour_force", "people", "stock", "People employed, searching, training or in externships."),
    M("unemployment_rate", "share", "rate", "Unemployed as a share of the labour force.", -1,
      num="unemployed", den="labour_force"),
    M("quits", "people", "flow", "Quits into non-employment."),
    M("layoffs", "people", "flow", "Layoffs and discharges."),
    M("job_to_job_moves", "people", "flow", "Employer-to-employer moves (including poaching)."),
    M("employed", "people", "stock", "People on a payroll (employed or apprentice)."),
    M("job_leavers_to_training", "people", "flow",
      "Employed people who left their job for full-time training."),
    M("payroll_entries", "people", "flow",
      "Everyone who joined a payroll from outside one: job seekers hired, apprentices taken on, externs "
      "hired by their host. Entries minus exits is the month's change in `employed`."),
    M("payroll_exits", "people", "flow",
      "Everyone who left a payroll for none: quits, layoffs, apprentice dropouts, apprenticeship "
      "graduates their training firm did not keep, and job leavers to full-time training (job-to-job "
      "moves stay on a payroll)."),
    M("apprenticeship_completions", "people", "flow", "Apprentices who finished their apprenticeship."),
    M("apprenticeship_graduates_kept", "people", "flow",
      "Apprenticeship graduates on their training firm's payroll at the end of the month they finished."),
    M("apprenticeship_graduates_released", "people", "flow",
      "Apprenticeship graduates their training firm did not keep: they left its payroll to look for work."),
    M("apprenticeship_dropouts", "people", "flow", "Apprentices who left before finishing."),
    M("fund_completions", "people", "flow", "Credentials earned in fund-paid programmes."),
    M("fund_dropouts", "people", "flow", "Dropouts from fund-paid programmes."),
    M("poached_trained_workers", "people", "flow", "Trained workers hired away by another firm.", -1),
    M("free_rider_index", "share", "stock",
      "Share of employed trained workers working for a firm that did not pay for their training "
      "(fund-trained: a firm outside the fund).", 0, cells=False),
    M("hard_to_serve_enrolments", "people", "flow", "Fund starts from the hard-to-serve group."),
    M("hard_to_serve_share", "share", "rate", "Share of fund starts from the hard-to-serve group.", 1,
      num="hard_to_serve_enrolments", den="fund_enrolments"),
    # sector level
    M("vacancies", "openings", "stock", "Openings posted this month.", -1),
    M("hires", "people", "flow", "Hires of job seekers from unemployment (matching)."),
    M("fill_rate", "share", "rate", "Hires from unemployment as a share of openings posted.", 1,
      num="hires", den="vacancies"),
    M("skill_gap", "openings", "stock", "Openings at credentialed levels left unfilled.", -1),
    M("training_pipeline", "people", "stock", "People in full-time training or externships."),
    M("skill_gap_forecast", "openings", "stock",
      "Skilled openings left unfilled after the pipeline's expected completers (6-month view).", -1),
    M("demand_index", "index", "stock", "Labour demand relative to month 0."),
    # fund, totals only
    M("fund_balance", "$", "stock", "Fund balance at the end of the month.", 1, cells=False),
    M("fund_liabilities", "$", "stock", "Outcome payments earned but not yet due, plus arrears.",
      -1, cells=False),
    M("fund_commitments", "$", "stock", "Expected future payments on seats already started.",
      0, cells=False),
    M("fund_income_employers", "$", "flow", "Income from employers.", 0, cells=False),
    M("fund_income_public", "$", "flow", "Income from public money.", 0, cells=False),
    M("fund_income_other", "$", "flow", "Clawbacks and interest.", 0, cells=False),
    M("fund_spend_providers", "$", "flow", "Payments to providers.", 0, cells=False),
    M("fund_spend_supports", "$", "flow", "Stipends and supportive services.", 0, cells=False),
    M("fund_spend_admin", "$", "flow", "Administration.", -1, cells=False),
    M("fund_spend_employers", "$", "flow", "Grants, subsidies and refunds to employers.", 0, cells=False),
    M("fund_spend_other", "$", "flow", "Interest on a negative balance.", -1, cells=False),
    M("fund_expired_account_funds", "$", "flow", "Employer-account money that expired to the pool.",
      0, cells=False),
    M("fund_placements", "people", "flow", "Placements of fund-paid completers.", 1),
    M("fund_placement_exits", "people", "flow", "Fund completers placed or whose window closed."),
    M("fund_training_spend", "$", "flow", "Provider payments plus supports.", 0, cells=False),
    M("cost_per_placement", "$ per placement", "rate", "Fund training spend per fund placement.",
      -1, num="fund_training_spend", den="fund_placements", cumulative=True, cells=False),
    M("employer_net_gain", "$", "flow",
      "Employers' surplus gain over the counterfactual plus fund payments to them, minus contributions.",
      0, cells=False),
    M("employer_roi", "$ per $ contributed", "rate",
      "Employer net return per dollar contributed, to date.", 1,
      num="employer_net_gain", den="fund_income_employers", cumulative=True, cells=False),
    M("public_net_gain", "$", "flow",
      "Added taxes and benefit savings over the counterfactual, minus public money.", 0, cells=False),
    M("public_roi", "$ per $ of public money", "rate", "Public net return per public dollar, to date.",
      1, num="public_net_gain", den="fund_income_public", cumulative=True, cells=False),
    M("total_surplus_change", "$", "flow",
      "Total surplus over the counterfactual: workers' after-tax earnings minus lost benefits and "
      "tuition, employers' net gain, the fund's income minus spending, and the public net gain "
      "weighted by the marginal cost of public funds (grants and levies are transfers; admin, "
      "training and the excess burden of public money are costs).", 1, cells=False),
    M("firms_in_fund", "firms", "stock", "Member firms.", 1, cells=False),
    M("providers_eligible", "providers", "stock", "Providers not suspended by review.", 0, cells=False),
)
BY_NAME = {m.name: m for m in REGISTRY}
INDEX = {m.name: i for i, m in enumerate(REGISTRY)}


# Recorded only against the no-fund twin: NaN (unknown), not zero, in a run without one.
TWIN_METRICS = ("earnings_diff_participants", "employer_net_gain", "public_net_gain",
                "total_surplus_change", "earnings_diff_in_training", "earnings_diff_after_training",
                "trainee_months", "former_trainee_months", "earnings_diff_year2", "cf_earnings_year2")
assert set(TWIN_METRICS) <= {m.name for m in REGISTRY}

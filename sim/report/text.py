"""Numbers and plain sentences for the executive summary (PDF/HTML), from the headline economics."""

from __future__ import annotations

import math

from sim.economics_text import figure_text, headline_sentence, returns_sentence, stated, with_range
from sim.report.data import ReportData
from sim.report.headlines import comparisons, describe, risks, summary_horizons

SHOWN_RISKS = 5  # a one-minute summary names the first few; the count says what is left out
YEAR_WORDS = {1: "one year", 3: "three years", 5: "five years", 10: "ten years"}


def fmt(value: float, unit: str, *, signed: bool = False) -> str:
    """A value for prose and tables: shares as percentages, dollars with $, counts rounded."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = ("+" if value > 0 else "-" if value < 0 else "") if signed else ("-" if value < 0 else "")
    v = abs(float(value))
    if unit == "share":
        return f"{sign}{100 * v:.1f}%"
    if unit.startswith("$"):
        return f"{sign}${v:,.2f}" if v < 10 else f"{sign}${v:,.0f}"
    if unit == "index":
        return f"{sign}{v:.2f}"
    return f"{sign}{v:,.0f}"


def fmt_points(value: float) -> str:
    """A difference between two shares, in percentage points."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{abs(100 * value):.1f} percentage points"


def fmt_range(central: float, low: float, high: float, unit: str, *, signed: bool = False) -> str:
    """`1,240 (90% range 1,150 to 1,330)`."""
    return (f"{fmt(central, unit, signed=signed)} (90% range {fmt(low, unit, signed=signed)} to "
            f"{fmt(high, unit, signed=signed)})")


def headline_year(data: ReportData) -> int | None:
    """The chosen summary year if the horizon reaches it, else the longest headline year in it."""
    years = data.years
    if not years:
        return None
    return data.years_chosen if data.years_chosen in years else max(years)


def _paragraph(data: ReportData, months: int) -> str:
    """What the rules buy over months 1..months, at what cost, and their returns: in full for the
    first scenario against no fund, in one sentence for each other comparison (a one-minute read)."""
    out: list[str] = []
    for i, h in enumerate(comparisons(data, months)):
        out.append(headline_sentence(h))
        if h.comparator_is_no_fund and i == 0:
            gross = stated(h["gross_cost_per_placement"], "$")[0]
            out.append(f"It adds {figure_text(h, 'additional_credentials')} credentials and "
                       f"{figure_text(h, 'additional_employed', signed=True)} people employed in the region "
                       f"at the end. The fund spends {figure_text(h, 'fund_spending')} in all, "
                       f"{stated(h['cost_per_participant'], '$')[0]} per participant"
                       + (f", and {gross} of training per fund placement (gross: it counts people who "
                          "would have been placed anyway)." if gross != "n/a" else "."))
            out.append(returns_sentence(h))
        elif h.has_fund:
            npv = h["npv_society"]
            versus = "" if h.comparator_is_no_fund else f" from {h.comparator}'s"
            out.append(f"Its net present value to society{versus}: {with_range(npv, '$', signed=True)}.")
    return " ".join(out)


def executive_summary(data: ReportData) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs a funder reads in a minute: the rules, what they buy at the
    chosen horizon and at 10 years (or the run's end), the risks, and what the ranges mean."""
    if data.horizon_months < 12:
        return [("Projections", "The horizon is shorter than one year, so no projections are reported.")]
    rules = " ".join(f"{run.label}: {describe(run) or 'no description given.'}" for run in data.runs)
    parts = [("The rules compared", rules)]
    for months in summary_horizons(data):
        parts.append((f"Over {_years(months)}", _paragraph(data, months)))
    found = risks(data)
    shown = " ".join(found[:SHOWN_RISKS]) + (f" (and {len(found) - SHOWN_RISKS} more kinds of alert)"
                                             if len(found) > SHOWN_RISKS else "")
    none = ("No alert was raised in any run (participation dips, outcomes below their thresholds, or "
            "reserves running low).")
    parts.append(("Risks the runs flag", shown if found else none))
    parts.append(("How sure", f"Every range is the 5th to 95th percentile across {len(data.seeds)} simulated "
                  "futures (seeds), with differences paired by seed (same people and shocks); numbers are "
                  "rounded to what that range supports. Ranges show the model's randomness, not the "
                  "uncertainty in its assumptions: the key assumptions page lists those that matter most."))
    return parts


def _years(months: int) -> str:
    return f"{months // 12} year{'s' * (months != 12)}" if months % 12 == 0 else f"{months} months"

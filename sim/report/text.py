"""Numbers and plain sentences for the executive summary (PDF/HTML)."""

from __future__ import annotations

import math

import pandas as pd

from sim.report.data import ReportData

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
    """Five years if the horizon reaches it, else the longest headline year that exists."""
    years = data.years
    if not years:
        return None
    return 5 if 5 in years else max(years)


def _row(head: pd.DataFrame, scenario: str, metric: str, year: int) -> pd.Series | None:
    sel = head[(head.scenario == scenario) & (head.metric == metric) & (head.year == year)]
    return None if sel.empty else sel.iloc[0]


def executive_summary(data: ReportData, head: pd.DataFrame) -> list[str]:
    """Plain sentences about the first scenario, then each comparison."""
    year = headline_year(data)
    if year is None:
        return ["The horizon is shorter than one year, so no projections are reported."]
    first = data.first
    label = first.label
    when = f"Over {YEAR_WORDS.get(year, f'{year} years')}"
    out: list[str] = []

    def r(metric: str, scenario: str = label) -> pd.Series | None:
        return _row(head, scenario, metric, year)

    place, cost = r("fund_placements"), r("cost_per_placement")
    if first.scenario.fund.enabled and place is not None:
        s = (f"{when} the fund is projected to place {fmt(place.central, 'people')} people (90% range "
             f"{fmt(place.low, 'people')} to {fmt(place.high, 'people')})")
        if cost is not None and not math.isnan(cost.central):
            s += f" at {fmt(cost.central, cost.unit)} per placement"
        out.append(s + ".")
        enrol, hts, comp = r("fund_enrolments"), r("hard_to_serve_share"), r("completions")
        if enrol is not None and comp is not None:
            s = (f"It is projected to start {fmt(enrol.central, 'people')} people in fund-paid training "
                 f"(90% range {fmt(enrol.low, 'people')} to {fmt(enrol.high, 'people')})")
            if hts is not None and not math.isnan(hts.central):
                s += f", {fmt(hts.central, 'share')} of them from the hard-to-serve group"
            out.append(s + f", and {fmt(comp.central, 'people')} credentials are projected to be earned "
                       "(by all trainees).")
        ret = r("retention_12m")
        if ret is not None and not math.isnan(ret.central):
            out.append(f"Of the people placed, {fmt_range(ret.central, ret.low, ret.high, 'share')} are "
                       "projected to still be employed 12 months later.")
        bal, liab = r("fund_balance"), r("fund_liabilities")
        if bal is not None and liab is not None:
            out.append(f"At the end of year {year} the fund is projected to hold "
                       f"{fmt_range(bal.central, bal.low, bal.high, '$')}, against "
                       f"{fmt(liab.central, '$')} of outcome payments already earned but not yet due.")
        gain, roi = r("earnings_gain_vs_counterfactual"), r("employer_roi")
        if gain is not None and not math.isnan(gain.central):
            word = "more" if gain.central >= 0 else "less"
            out.append("Compared with the same region without the fund (same people, same shocks), "
                       f"participants are projected to earn {fmt(abs(gain.central), '$')} a month {word} "
                       f"(90% range {fmt(gain.low, '$', signed=True)} to "
                       f"{fmt(gain.high, '$', signed=True)} a month).")
        if roi is not None and not math.isnan(roi.central):
            verb = "gain" if roi.central >= 0 else "lose"
            out.append(f"Employers are projected to {verb} {fmt(abs(roi.central), '$ per $')} net per dollar "
                       f"contributed, after the productivity and turnover effects measured against no fund "
                       f"(90% range {fmt(roi.low, '$ per $', signed=True)} to "
                       f"{fmt(roi.high, '$ per $', signed=True)}).")
    unemp = r("unemployment_rate")
    if unemp is not None and not math.isnan(unemp.vs_no_fund_central) and first.scenario.fund.enabled:
        word = "lower" if unemp.vs_no_fund_central < 0 else "higher"
        out.append(f"The unemployment rate over the period is {fmt(unemp.central, 'share')}, "
                   f"{fmt_points(unemp.vs_no_fund_central)} {word} than without the fund.")
    elif unemp is not None:
        out.append(f"The unemployment rate over the period is projected at "
                   f"{fmt_range(unemp.central, unemp.low, unemp.high, 'share')}.")
    for run in data.runs[1:]:
        d = r("fund_placements", run.label)
        if d is None or math.isnan(d.diff_central):
            continue
        word = "more" if d.diff_central >= 0 else "fewer"
        out.append(f"Under {run.label}, the fund would place {fmt(abs(d.diff_central), 'people')} {word} "
                   f"people than under {label} (paired by seed; 90% range "
                   f"{fmt(d.diff_low, 'people', signed=True)} to {fmt(d.diff_high, 'people', signed=True)}).")
    out.append(f"Ranges are the 5th to 95th percentile across {len(data.seeds)} simulated futures "
               "(seeds); they show the model's randomness, not the uncertainty in its assumptions.")
    return out

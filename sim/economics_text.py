"""The headline economics in words: numbers rounded to what the seeds support, and the sentences
the app's headline and the reports' executive summary print (one function each, so the app, the
PDF, the workbook and the CSV state the same numbers).

Rounding: a figure and its 90% range are rounded to one step, a power of ten no finer than a
fifth of the range's width nor than 1/200 of the value (so at most about three significant
figures): 1,156 (1,130 to 1,181) reads "1,160 (90% range 1,130 to 1,180)", and a range narrower
than the rounding is not printed as "$2,849,999 to $2,850,001"."""

from __future__ import annotations

import math

from sim.economics import BY_FIGURE, STAKEHOLDERS, Estimate, Headline

NO_FUND_NAME = "the same region with no fund"
MINUS = "\u2212"  # the minus sign: a line never breaks between it and its number (a hyphen may)


def step_for(e: Estimate, *, finest: float = 1.0) -> float:
    """The rounding step for a figure and its range (a power of ten, at least `finest`)."""
    width = e.high - e.low if math.isfinite(e.low) and math.isfinite(e.high) else 0.0
    target = max(width / 5.0, abs(e.central) / 200.0 if math.isfinite(e.central) else 0.0, finest)
    return 10.0 ** math.floor(math.log10(target))


def number(value: float, unit: str, step: float, *, signed: bool = False) -> str:
    """One value rounded to `step`: money with $ (millions as $2.85M), counts with separators,
    ratios with two decimals at most."""
    if value is None or not math.isfinite(value):
        return "n/a"
    v = round(value / step) * step
    sign = ("+" if v > 0 else MINUS if v < 0 else "") if signed else (MINUS if v < 0 else "")
    v = abs(v)
    decimals = max(0, -math.floor(math.log10(step)))
    if unit == "$":
        if v >= 1e6:
            d = max(0, -math.floor(math.log10(step / 1e6)))
            return f"{sign}${v / 1e6:,.{min(d, 2)}f}M"
        return f"{sign}${v:,.{decimals}f}"
    return f"{sign}{v:,.{decimals}f}"


def stated(e: Estimate, unit: str, *, signed: bool = False) -> tuple[str, str, str]:
    """(central, low, high) as printed, rounded to one step."""
    finest = 0.01 if unit == "ratio" else 1.0
    step = step_for(e, finest=finest)
    return (number(e.central, unit, step, signed=signed), number(e.low, unit, step, signed=signed),
            number(e.high, unit, step, signed=signed))


def with_range(e: Estimate, unit: str, *, signed: bool = False) -> str:
    """`$2.85M (90% range $2.70M to $3.01M)`; a range that rounds to one value is said so."""
    c, lo, hi = stated(e, unit, signed=signed)
    if lo == "n/a" or hi == "n/a":
        return f"{c} (no range: some runs have nothing to divide by)" if c != "n/a" else c
    if lo == hi:
        return f"{c} (about the same in every run)"
    return f"{c} (90% range {lo} to {hi})"


def figure_text(h: Headline, name: str, *, signed: bool = False) -> str:
    return with_range(h[name], BY_FIGURE[name].unit, signed=signed)


def _magnitude(e: Estimate, unit: str) -> str:
    """The central value without its sign, rounded as its range is."""
    return stated(Estimate(abs(e.central), e.low, e.high), unit)[0]


def _range(e: Estimate, unit: str) -> str:
    _, lo, hi = stated(e, unit, signed=True)
    return f"90% range {lo} to {hi}" if lo != hi else "about the same in every run"


def headline_sentence(h: Headline, *, scenario_name: str | None = None,
                      comparator_name: str | None = None) -> str:
    """The answer in one sentence: placements added, at what fund spending each, and what the
    fund holds at the end, all over the stated horizon against the stated comparator."""
    name = scenario_name or h.scenario
    other = comparator_name or (NO_FUND_NAME if h.comparator_is_no_fund else h.comparator)
    place, spend = h["additional_placements"], h["additional_spending"]
    people = _magnitude(place, "people")
    if people == "0" and _range(place, "people") == "about the same in every run":
        s = f"Over {h.horizon_text}, {name} places as many people in jobs as {other} (in every run)"
    elif place.clear:
        more = "more" if place.central > 0 else "fewer"
        s = (f"Over {h.horizon_text}, {name} places {people} {more} people in jobs than {other} "
             f"({_range(place, 'people')})")
    else:
        s = (f"Over {h.horizon_text}, {name} makes no clear difference to the number of people placed "
             f"in jobs compared with {other} ({people} {'more' if place.central >= 0 else 'fewer'} on "
             f"average; {_range(place, 'people')})")
    per = h["spending_per_additional_placement"]
    if place.clear and place.central > 0 and spend.central > 0 and math.isfinite(per.central):
        s += f", at {stated(per, '$')[0]} of fund spending per additional placement"
    elif spend.clear:
        s += (f", with the fund spending {_magnitude(spend, '$')} "
              f"{'more' if spend.central > 0 else 'less'}")
    bal = h["fund_balance_end"]
    if h.has_fund and math.isfinite(bal.central):
        s += f", and the fund ends with {stated(bal, '$')[0]}"
    return s + "."


def returns_sentence(h: Headline) -> str:
    """Net present values by stakeholder and benefit-cost ratios, discounting stated."""
    npvs = ", ".join(f"{s} {stated(h[f'npv_{s}'], '$', signed=True)[0]}" for s in STAKEHOLDERS)
    soc = h["npv_society"]
    ratios = ", ".join(f"{s} {stated(h[f'bcr_{s}'], 'ratio')[0]}" for s in STAKEHOLDERS[1:]
                       if math.isfinite(h[f"bcr_{s}"].central))
    text = (f"Discounted at {100 * h.discount_rate:g}% a year, net present values are: {npvs} "
            f"({_range(soc, '$')} for society, with public dollars weighted {h.mcpf:g}: the marginal cost "
            "of public funds)")
    return text + (f"; benefit-cost ratios: {ratios}." if ratios else ".")

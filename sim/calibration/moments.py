"""Calibration moments: one small function per target, each computing from simulated output the
quantity its source published, measured the way the source measured it.

Every function takes the results of one scenario variant over several seeds and returns one
number in the target's unit. Seeds are pooled as the sources pool people: flows are summed over
seeds and months before a ratio is taken, so a rate is sum(events) / sum(exposure). Two kinds
differ: quits and job-to-job moves divide by employment weighted by each sector's quit multiplier
(the total-private mix the national figures measure), and the recession moments read the path of
all seeds' regions pooled month by month."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.results import Results

Moment = Callable[[Sequence[Results]], float]
MOMENTS: dict[str, Moment] = {}
BURN_IN_MONTHS = 12  # the first year carries the initial draw's transients, not the economy's


def moment(fn: Moment) -> Moment:
    MOMENTS[fn.__name__] = fn
    return fn


def _wide(r: Results, sector: str = "all") -> pd.DataFrame:
    m = r.metrics
    m = m[(m.sector == sector) & (m.group == "all")]
    return m.pivot_table(index="month", columns="metric", values="value", aggfunc="first", dropna=False)


def expansion_months(r: Results) -> np.ndarray:
    """Months in an expansion, as JOLTS figures quoted for 2007 and 2019 are: after the burn-in,
    with aggregate demand at least as high as twelve months before (the cycle's upswing or
    plateau, never a downturn)."""
    d = _wide(r)["demand_index"].to_numpy()
    months = np.arange(1, len(d) + 1)
    rising = np.zeros(len(d), dtype=bool)
    rising[12:] = d[12:] >= d[:-12]
    return months[rising & (months > BURN_IN_MONTHS)]


def _pooled(results: Sequence[Results], num: Sequence[str], den: Sequence[str],
            months: Callable[[Results], np.ndarray], sector: str = "all") -> float:
    """sum over seeds and months of the numerator metrics / the same of the denominators."""
    top = bottom = 0.0
    for r in results:
        w = _wide(r, sector).reindex(months(r))
        top += float(np.nansum(w[list(num)].to_numpy()))
        bottom += float(np.nansum(w[list(den)].to_numpy()))
    return top / bottom if bottom > 0 else float("nan")


def _jolts(results: Sequence[Results], flows: Sequence[str], sector: str = "all") -> float:
    """A JOLTS-style rate: events as a % of employment, per month, over expansion months."""
    return 100.0 * _pooled(results, flows, ["employed"], expansion_months, sector)


# --- labour-market flows (JOLTS; Fallick & Fleischman) --------------------------------------------

def _standardised(results: Sequence[Results], flows: Sequence[str]) -> float:
    """A JOLTS-style rate of the average private-sector job: each sector's events over its
    employment weighted by its quit multiplier. The multipliers are JOLTS ratios of a sector's
    quits to total private (CAL04), and the region holds only a few (low-quit) sectors, so its raw
    rate is not the total-private rate the national figures measure; this is."""
    top = bottom = 0.0
    for r in results:
        for s in r.scenario.region.sectors:
            w = _wide(r, s.name).reindex(expansion_months(r))
            top += float(np.nansum(w[list(flows)].to_numpy()))
            bottom += s.quit_multiplier * float(np.nansum(w["employed"].to_numpy()))
    return 100.0 * top / bottom if bottom > 0 else float("nan")


QUITS = ["quits", "job_to_job_moves"]  # JOLTS quits count every voluntary separation


@moment
def quits_rate(results: Sequence[Results]) -> float:
    """Quits (job-to-job moves included) at the total-private sector mix."""
    return _standardised(results, QUITS)


@moment
def layoffs_rate(results: Sequence[Results]) -> float:
    return _jolts(results, ["layoffs"])


@moment
def hires_rate(results: Sequence[Results]) -> float:
    """JOLTS hires: every addition to a payroll (from unemployment, from another employer, an
    extern taken on by the host, an apprentice signed)."""
    return _jolts(results, ["hires", "job_to_job_moves", "externship_hires", "apprenticeship_starts"])


@moment
def job_to_job_rate(results: Sequence[Results]) -> float:
    """Job-to-job moves follow the sector quit multiplier, so they too are taken at the national
    (all-employed) mix Fallick & Fleischman measured."""
    return _standardised(results, ["job_to_job_moves"])


def _sector_quits_ratio(results: Sequence[Results], sector: str) -> float:
    return _jolts(results, QUITS, sector) / quits_rate(results)


@moment
def quits_ratio_manufacturing(results: Sequence[Results]) -> float:
    return _sector_quits_ratio(results, "manufacturing")


@moment
def quits_ratio_health_care(results: Sequence[Results]) -> float:
    return _sector_quits_ratio(results, "health_care")


# --- recession (BLS unemployment rate, 2007-09) ---------------------------------------------------

def _recession_window(r: Results) -> tuple[int, int]:
    rec = r.scenario.demand.recession
    if not rec.enabled:
        raise ValueError("this moment needs a variant with demand.recession.enabled: true")
    return rec.start_month, rec.start_month + rec.duration_months + rec.recovery_months + 12


def _pooled_unemployment(results: Sequence[Results]) -> tuple[np.ndarray, int, int]:
    """The unemployment rate (%) of all seeds' regions pooled, month by month, and the recession
    window. BLS measures the nation, an aggregate of many regions whose own shocks average out;
    each seed is one region, so the pooled path is the model's national counterpart (a single
    region's path swings by a point or more with its own demand shocks)."""
    unemployed = sum(_wide(r)["unemployed"].to_numpy() for r in results)
    labour_force = sum(_wide(r)["labour_force"].to_numpy() for r in results)
    windows = {_recession_window(r) for r in results}
    if len(windows) != 1:
        raise ValueError("every run must script the same recession")
    start, end = windows.pop()
    return 100.0 * unemployed / labour_force, start, end


@moment
def unemployment_pre_recession(results: Sequence[Results]) -> float:
    """Mean unemployment rate (%) over the 12 months before the recession starts."""
    u, start, _ = _pooled_unemployment(results)
    return float(u[max(start - 12, 0):start].mean())


@moment
def unemployment_recession_rise(results: Sequence[Results]) -> float:
    """Peak unemployment rate (%) in and after the recession minus the pre-recession level, in
    percentage points (BLS: 4.4-5.0% before, 10.0% at the peak of Oct 2009)."""
    u, start, end = _pooled_unemployment(results)
    return float(u[start:end].max() - u[max(start - 12, 0):start].mean())


# --- sector programmes (Project QUEST, WorkAdvance, Pathways clearinghouse) -----------------------

def _horizon(r: Results) -> np.ndarray:
    return np.arange(1, r.scenario.horizon_months + 1)


@moment
def credential_receipt_fund_starters(results: Sequence[Results]) -> float:
    """% of fund starters whose programme ended with the credential (dropouts included)."""
    return 100.0 * _pooled(results, ["fund_completions"], ["fund_completions", "fund_dropouts"], _horizon)


@moment
def earnings_impact_year2(results: Sequence[Results]) -> float:
    """Intent-to-treat earnings impact (%) in year 2 after the first fund start: everyone who
    started (dropouts included) against the same people in the no-fund counterfactual."""
    return 100.0 * _pooled(results, ["earnings_diff_year2"], ["cf_earnings_year2"], _horizon)


def _enrolled_before_last_year(r: Results) -> np.ndarray:
    return np.arange(1, max(r.scenario.horizon_months - 12, 1) + 1)


@moment
def cost_per_participant(results: Sequence[Results]) -> float:
    """Fund spending on providers and supports per fund starter ($). Starts of the last year are
    left out: most of their payments fall after the horizon."""
    spend = starts = 0.0
    for r in results:
        w = _wide(r)
        spend += float(w[["fund_spend_providers", "fund_spend_supports"]].to_numpy().sum())
        starts += float(w["fund_enrolments"].reindex(_enrolled_before_last_year(r)).sum())
    return spend / starts if starts > 0 else float("nan")


# --- apprenticeships (DfE achievement rates; Helmer & Altstadt) -----------------------------------

def _settled(r: Results) -> np.ndarray:
    """Months after the first apprentices could have finished: before then only dropouts exit,
    which would bias completion among starters down."""
    ph, tr = r.scenario.phases, r.scenario.training
    first = ph.system_development_months + ph.programme_design_months + tr.apprenticeship_months
    return np.arange(first + 1, r.scenario.horizon_months + 1)


@moment
def apprenticeship_completion(results: Sequence[Results]) -> float:
    """% of apprenticeship starters who complete (exits after the first possible completion)."""
    return 100.0 * _pooled(results, ["apprenticeship_completions"],
                           ["apprenticeship_completions", "apprenticeship_dropouts"], _settled)


@moment
def graduates_kept_share(results: Sequence[Results]) -> float:
    """% of apprenticeship graduates their training firm keeps at completion (BIBB's
    Übernahmequote): graduates not released / graduates, after the first could have finished."""
    released = _pooled(results, ["apprenticeship_graduates_released"], ["apprenticeship_completions"],
                       _settled)
    return 100.0 * (1.0 - released)

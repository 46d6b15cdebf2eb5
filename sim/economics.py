"""The headline economics: what a scenario buys against a comparator, at a stated horizon.

Computed once here and read by every face of the product (the app's headline sentence, the
PDF/HTML executive summary, the workbook, the CSV and the CLI), so they cannot disagree.

A comparison is a scenario's runs against a comparator's runs on the same seeds: its no-fund
twin (the same region and shocks with the fund switched off) or the reference scenario. Every
figure is computed per seed and then summarised across seeds (mean, and the 5th to 95th
percentile: the range 90% of the simulated futures fall in), so each difference is paired by
seed (common random numbers). Figures are over months 1..H of the run, H = the horizon.

Additional figures are differences from the comparator (what the rules add); gross figures
(`fund_placements`, `gross_cost_per_placement`, ...) count everything the fund paid for,
including people who would have trained or found work anyway, and are kept beside them, named
as such. Net present values discount month m by (1 + r)^(m/12) with r =
`outputs.discount_rate_annual`; the public's dollars are weighted by
`labour.marginal_cost_of_public_funds` in the social total, as the engine's
`total_surplus_change` does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.results import Results
    from sim.scenario.schema import Scenario

LOW_Q, HIGH_Q = 5.0, 95.0  # every range: the 5th to 95th percentile across seeds
SPEND = ("fund_spend_providers", "fund_spend_supports", "fund_spend_admin", "fund_spend_employers",
         "fund_spend_other")
# Social costs: real resources the fund uses (grants to employers are transfers, counted in
# the employers' gain instead), net of clawbacks and interest it earns.
SOCIAL_SPEND = ("fund_spend_providers", "fund_spend_supports", "fund_spend_admin", "fund_spend_other")
STAKEHOLDERS = ("participants", "employers", "public", "society")
FRAME_COLUMNS = ["scenario", "comparator", "horizon_months", "horizon", "figure", "label", "unit", "kind",
                 "central", "low", "high", "discount_rate", "seeds"]


@dataclass(frozen=True)
class Figure:
    """What a headline figure is: its id (a column of the per-seed table), plain label, unit."""

    name: str
    label: str
    unit: str
    kind: str  # "additional" (a paired difference), "ratio", "gross" (the scenario alone), "npv", "bcr"


FIGURES: tuple[Figure, ...] = (
    Figure("additional_placements", "Additional placements in jobs", "people", "additional"),
    Figure("additional_credentials", "Additional credentials earned", "credentials", "additional"),
    Figure("additional_employed", "Additional people employed at the end (whole region)", "people",
           "additional"),
    Figure("additional_spending", "Additional fund spending", "$", "additional"),
    Figure("spending_per_additional_placement", "Fund spending per additional placement", "$",
           "ratio"),
    Figure("spending_per_additional_credential", "Fund spending per additional credential", "$",
           "ratio"),
    Figure("cost_per_participant", "Fund spending per participant (gross)", "$", "gross"),
    Figure("participants", "Fund participants (gross: everyone who started fund-paid training)",
           "people", "gross"),
    Figure("fund_placements", "Placements of fund-paid trainees (gross)", "people", "gross"),
    Figure("gross_cost_per_placement", "Fund spending per fund placement (gross)", "$", "gross"),
    Figure("fund_spending", "Fund spending, all categories (gross)", "$", "gross"),
    Figure("fund_balance_end", "Fund balance at the end", "$", "gross"),
    Figure("fund_liabilities_end", "Outcome payments earned but not yet due, at the end", "$", "gross"),
    *(Figure(f"npv_{s}", f"Net present value: {s}", "$", "npv") for s in STAKEHOLDERS),
    *(Figure(f"bcr_{s}", f"Benefit-cost ratio: {s}", "ratio", "bcr") for s in STAKEHOLDERS),
)
BY_FIGURE = {f.name: f for f in FIGURES}


@dataclass(frozen=True)
class Estimate:
    """A figure across seeds: mean, the 5th and 95th percentiles, and the per-seed values."""

    central: float
    low: float
    high: float
    per_seed: tuple[float, ...] = ()

    @property
    def clear(self) -> bool:
        """True when the 90% range excludes zero (the direction is not in doubt)."""
        return bool(np.isfinite(self.low) and np.isfinite(self.high) and (self.low > 0 or self.high < 0))


@dataclass(frozen=True)
class Headline:
    """One scenario against one comparator at one horizon."""

    scenario: str
    comparator: str
    comparator_is_no_fund: bool
    horizon_months: int
    seeds: tuple[int, ...]
    discount_rate: float
    mcpf: float
    figures: dict[str, Estimate] = field(default_factory=dict)
    has_fund: bool = True  # the scenario has a fund (a no-fund scenario has no balance to speak of)

    def __getitem__(self, name: str) -> Estimate:
        return self.figures[name]

    @property
    def horizon_text(self) -> str:
        """`10 years`, `1 year`, or `30 months` for a horizon that is not whole years."""
        m = self.horizon_months
        if m % 12:
            return f"{m} months"
        return f"{m // 12} year{'s' * (m != 12)}"


def is_no_fund_twin(comparator: Scenario, scenario: Scenario) -> bool:
    """True when `comparator` is `scenario`'s own world without a fund, so a sentence may call it
    "the same region with no fund" (a no-fund scenario of another region is named as itself)."""
    from sim.scenario.worlds import world_key

    return not comparator.fund.enabled and world_key(comparator) == world_key(scenario)


def horizon_for(years: int | None, run_months: int) -> int:
    """Months 1..H for a horizon in years, capped at the run's end (None: the run's end)."""
    return run_months if years is None else min(12 * int(years), run_months)


def _wide(r: Results) -> pd.DataFrame:
    """month x metric for the totals; the run cache keeps it with the run (`CachedResults.wide`)."""
    wide = getattr(r, "wide", None)
    if callable(wide):
        return wide()
    m = r.metrics
    m = m[(m.sector == "all") & (m.group == "all")]
    return m.pivot(index="month", columns="metric", values="value").sort_index()


def _col(w: pd.DataFrame, name: str) -> np.ndarray:
    return w[name].fillna(0.0).to_numpy(dtype=float) if name in w else np.zeros(len(w))


def _last(w: pd.DataFrame, name: str) -> float:
    return float(w[name].iloc[-1]) if name in w and len(w) else 0.0


def seed_values(r: Results, months: int) -> dict[str, float]:
    """One run's base quantities over months 1..months (the inputs of every headline figure)."""
    w = _wide(r).loc[1:months]
    sc = r.scenario
    spend = sum(_col(w, n) for n in SPEND)
    out = {
        "placements": float(_col(w, "placements").sum()),
        "credentials": float(_col(w, "completions").sum()),
        "employed_end": _last(w, "employed"),
        "fund_spending": float(spend.sum()),
        "fund_placements": float(_col(w, "fund_placements").sum()),
        "fund_training_spend": float(_col(w, "fund_training_spend").sum()),
        # participant_months counts every person who has been a participant, each month: the
        # last month's count is the number of participants so far.
        "participants": _last(w, "participant_months"),
        "fund_balance_end": _last(w, "fund_balance"),
        "fund_liabilities_end": _last(w, "fund_liabilities"),
    }
    if not sc.fund.enabled:  # a world without a fund is its own counterfactual: nothing gained
        out.update({f"{k}_{s}": 0.0 for s in STAKEHOLDERS for k in ("npv", "cost")})
        return out
    month = w.index.to_numpy(dtype=float)
    disc = (1.0 + sc.outputs.discount_rate_annual) ** (-month / 12.0)
    mcpf = sc.labour.marginal_cost_of_public_funds

    def pv(values: np.ndarray) -> float:
        return float((values * disc).sum())

    lock_in = _col(w, "earnings_diff_in_training")
    public_in = _col(w, "fund_income_public")
    social_cost = (sum(_col(w, n) for n in SOCIAL_SPEND) - _col(w, "fund_income_other")
                   + (mcpf - 1.0) * public_in)
    out.update({
        # Participants give up earnings while in full-time training (lock-in) and gain after it.
        "npv_participants": pv(_col(w, "earnings_diff_participants")),
        "cost_participants": max(-pv(lock_in), 0.0),
        "npv_employers": pv(_col(w, "employer_net_gain")),
        "cost_employers": pv(_col(w, "fund_income_employers")),
        "npv_public": pv(_col(w, "public_net_gain")),
        "cost_public": pv(public_in),
        "npv_society": pv(_col(w, "total_surplus_change")),
        "cost_society": pv(social_cost),
    })
    return out


def seed_table(results: Sequence[Results], months: int) -> pd.DataFrame:
    """seed x base quantity over months 1..months."""
    return pd.DataFrame.from_dict({int(r.seed): seed_values(r, months) for r in results}, orient="index")


def estimate(values: np.ndarray | pd.Series) -> Estimate:
    v = np.asarray(values, dtype=float)
    ok = v[np.isfinite(v)]
    if len(ok) == 0:
        return Estimate(np.nan, np.nan, np.nan, tuple(v.tolist()))
    low, high = np.percentile(ok, [LOW_Q, HIGH_Q])
    return Estimate(float(ok.mean()), float(low), float(high), tuple(v.tolist()))


def _ratio(num: pd.Series, den: pd.Series) -> Estimate:
    """num / den: the central value is mean(num) / mean(den), which stays finite when one seed's
    denominator is near zero; the range is across per-seed ratios, and only when every seed's
    denominator is positive (otherwise a seed's ratio is meaningless and the range is n/a)."""
    mean_den = float(den.mean())
    central = float(num.mean()) / mean_den if mean_den > 0 else np.nan
    if (den > 0).all():
        per = (num / den).to_numpy(dtype=float)
        low, high = np.percentile(per, [LOW_Q, HIGH_Q])
        return Estimate(central, float(low), float(high), tuple(per.tolist()))
    return Estimate(central, np.nan, np.nan, ())


def compare(scenario: pd.DataFrame, comparator: pd.DataFrame) -> dict[str, Estimate]:
    """Every headline figure from two seed tables (same seeds): differences paired by seed."""
    seeds = scenario.index.intersection(comparator.index)
    if len(seeds) == 0:
        raise ValueError("the scenario and its comparator share no seed; compare runs on the same seeds")
    b, a = scenario.loc[seeds], comparator.loc[seeds]
    d = b - a
    out = {
        "additional_placements": estimate(d.placements),
        "additional_credentials": estimate(d.credentials),
        "additional_employed": estimate(d.employed_end),
        "additional_spending": estimate(d.fund_spending),
        "spending_per_additional_placement": _ratio(d.fund_spending, d.placements),
        "spending_per_additional_credential": _ratio(d.fund_spending, d.credentials),
        "cost_per_participant": _ratio(b.fund_spending, b.participants),
        "participants": estimate(b.participants),
        "fund_placements": estimate(b.fund_placements),
        "gross_cost_per_placement": _ratio(b.fund_training_spend, b.fund_placements),
        "fund_spending": estimate(b.fund_spending),
        "fund_balance_end": estimate(b.fund_balance_end),
        "fund_liabilities_end": estimate(b.fund_liabilities_end),
    }
    for s in STAKEHOLDERS:
        npv, cost = d[f"npv_{s}"], d[f"cost_{s}"]
        out[f"npv_{s}"] = estimate(npv)
        # Benefits / costs = (NPV + costs) / costs: above 1 exactly when the NPV is positive.
        out[f"bcr_{s}"] = _ratio(npv + cost, cost)
    return out


def headline(scenario: Scenario, label: str, results: Sequence[Results], comparator_label: str,
             comparator: Sequence[Results], *, months: int, comparator_is_no_fund: bool) -> Headline:
    """The headline economics of `results` against `comparator` over months 1..months."""
    a, b = seed_table(comparator, months), seed_table(results, months)
    return Headline(scenario=label, comparator=comparator_label, comparator_is_no_fund=comparator_is_no_fund,
                    horizon_months=months, seeds=tuple(int(s) for s in b.index.intersection(a.index)),
                    discount_rate=scenario.outputs.discount_rate_annual,
                    mcpf=scenario.labour.marginal_cost_of_public_funds, figures=compare(b, a),
                    has_fund=scenario.fund.enabled)


def headline_frame(items: Sequence[Headline]) -> pd.DataFrame:
    """Tidy rows for the workbook and the CSV: one per headline and figure."""
    rows = []
    for h in items:
        for f in FIGURES:
            e = h.figures.get(f.name)
            if e is None:
                continue
            rows.append({"scenario": h.scenario, "comparator": h.comparator,
                         "horizon_months": h.horizon_months, "horizon": h.horizon_text, "figure": f.name,
                         "label": f.label, "unit": f.unit,
                         "kind": f.kind, "central": e.central, "low": e.low, "high": e.high,
                         "discount_rate": h.discount_rate, "seeds": len(h.seeds)})
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def society_npv_at(results: Sequence[Results], months: int, *, rate: float | None = None,
                   mcpf: float | None = None) -> Estimate:
    """Society's net present value against the no-fund twin under another discount rate or
    marginal cost of public funds, without re-running: the engine's total surplus weights the
    public's net gain by the MCPF, so changing it adds (MCPF' - MCPF) x the public net gain."""
    values = []
    for r in results:
        sc = r.scenario
        if not sc.fund.enabled:
            values.append(0.0)
            continue
        w = _wide(r).loc[1:months]
        month = w.index.to_numpy(dtype=float)
        disc = (1.0 + (sc.outputs.discount_rate_annual if rate is None else rate)) ** (-month / 12.0)
        extra = 0.0 if mcpf is None else mcpf - sc.labour.marginal_cost_of_public_funds
        total = _col(w, "total_surplus_change") + extra * _col(w, "public_net_gain")
        values.append(float((total * disc).sum()))
    return estimate(np.array(values))

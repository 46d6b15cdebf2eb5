"""The report's view of the headline economics (sim.economics): which comparisons, at which
horizons, the risks the runs flag, and each scenario described in words. Computed once per
report (kept in `ReportData.cache`) and read by every format."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from sim.economics import BY_FIGURE, Headline, headline, headline_frame, horizon_for, is_no_fund_twin
from sim.economics_text import headline_sentence, with_range
from sim.report.data import ReportData, ScenarioRuns, per_report


def summary_horizons(data: ReportData) -> list[int]:
    """Months for the executive summary: the chosen horizon, then 10 years (or the run's end)."""
    chosen = horizon_for(data.years_chosen, data.horizon_months)
    end = horizon_for(10, data.horizon_months)
    return sorted({chosen, end})


def table_horizons(data: ReportData) -> list[int]:
    """Months for the workbook and CSV: each headline year in the run, the summary's, the end."""
    return sorted({*(12 * y for y in data.years), *summary_horizons(data), data.horizon_months})


def comparisons(data: ReportData, months: int) -> list[Headline]:
    """Each scenario with a fund against its no-fund twin, then each later scenario against the
    first (the reference), all over months 1..months."""
    key = f"headlines:{months}"
    if key in data.cache:
        return data.cache[key]
    out: list[Headline] = []
    for run in data.runs:
        cf = run.counterfactual
        if run.scenario.fund.enabled and cf is not None and cf is not run.results:
            out.append(headline(run.scenario, run.label, run.results, "no fund", cf, months=months,
                                comparator_is_no_fund=True))
    ref = data.first
    for run in data.runs[1:]:
        if run.counterfactual is ref.results or ref.counterfactual is run.results:
            continue  # one of the pair is the other's no-fund twin: already said above, not again reversed
        out.append(headline(run.scenario, run.label, run.results, ref.label, ref.results, months=months,
                            comparator_is_no_fund=is_no_fund_twin(ref.scenario, run.scenario)))
    data.cache[key] = out
    return out


def all_comparisons(data: ReportData) -> list[Headline]:
    return [h for m in table_horizons(data) for h in comparisons(data, m)]


def risks(data: ReportData) -> list[str]:
    """Rules that can never fire in a scenario (sim.scenario.checks), then the alerts
    (sim.alerts) each scenario's runs raise, one line per kind: how many runs raise it, from
    which month, and the first run's message."""
    from sim.alerts import alerts
    from sim.scenario.checks import rule_warnings

    lines: list[str] = []
    for run in data.runs:
        lines += [f"{run.label}: a rule cannot fire: {p.format()}" for p in rule_warnings(run.scenario)]
        seen: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for r in run.results:
            for kind, group in _first_of_kind(alerts(r)).items():
                seen[kind].append(group)
        for kind in sorted(seen, key=lambda k: min(m for m, _ in seen[k])):
            month, message = min(seen[kind])
            n = len(seen[kind])
            lines.append(f"{run.label}, in {n} of {len(run.results)} runs (first in month {month}): "
                         f"{message}")
    return lines


def _first_of_kind(found: list) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for a in found:
        out.setdefault(a.kind, (a.month, a.message))
    return out


def describe(run: ScenarioRuns) -> str:
    """What a scenario is: its own description, or, for a copy edited from a preset (whose
    description would still be the preset's), the preset and what was changed, in words."""
    base = run.base
    if base is None:
        return run.scenario.description.strip()
    from sim.app.diff import rule_diff  # the app's plain-words rule diff: one wording everywhere

    changes = rule_diff(base, run.scenario)
    own = run.scenario.description.strip()
    lead = own if own and own != base.description.strip() else base.description.strip()
    lead = (lead + " ") if lead else ""
    if not changes:
        return f"{lead}(The {base.name} preset, unchanged.)"
    return f"{lead}Changed from the {base.name} preset: " + "; ".join(changes) + "."


@per_report
def headline_table(data: ReportData) -> pd.DataFrame:
    """Every headline figure of every comparison at every table horizon, with the figure as
    printed (`stated`) and the comparison's headline sentence: the workbook's and CSV's table."""
    items = all_comparisons(data)
    frame = headline_frame(items)
    sentences = {(h.scenario, h.comparator, h.horizon_months): headline_sentence(h) for h in items}
    by = {(h.scenario, h.comparator, h.horizon_months): h for h in items}
    frame["stated"] = [with_range(by[(r.scenario, r.comparator, r.horizon_months)][r.figure],
                                  BY_FIGURE[r.figure].unit,
                                  signed=BY_FIGURE[r.figure].kind in ("additional", "npv"))
                       for r in frame.itertuples()]
    frame["sentence"] = [sentences[(r.scenario, r.comparator, r.horizon_months)] for r in frame.itertuples()]
    return frame

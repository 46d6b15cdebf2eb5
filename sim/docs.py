"""Reference tables for docs/, generated from the code so they cannot drift from it.

`parameters_markdown()` is every scenario parameter (from the schema via `iter_parameters`), and
`metrics_markdown()` every metric of the registry in `sim.outcomes`. `python -m sim.docs`
rewrites docs/parameters.md and docs/metrics.md; tests/test_docs.py fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.outcomes import REGISTRY, TWIN_METRICS
from sim.scenario.params import ASSUMPTION, iter_parameters
from sim.scenario.schema import Scenario

DOCS = Path(__file__).resolve().parent.parent / "docs"
PARAM_COLUMNS = ("path", "default", "unit", "min", "max", "role", "source", "description")
METRIC_COLUMNS = ("metric", "unit", "over the horizon", "better", "breakdown", "description")
REGENERATE = "python -m sim.docs"


def _cell(value: Any) -> str:
    """One table cell: numbers without float noise, flags in lower case, tuples as lists."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, (list, tuple)):
        return json.dumps([v if isinstance(v, (int, float, str)) else str(v) for v in value])
    return str(value)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(columns: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_esc(c) for c in row) + " |" for row in rows]
    return lines


def is_assumption(source: str) -> bool:
    """True when a parameter's source is, or starts with, the word "assumption"."""
    return source.strip().lower().startswith(ASSUMPTION)


def parameters_markdown() -> str:
    """docs/parameters.md: one row per parameter of the default scenario (list items per item)."""
    rows = iter_parameters(Scenario())
    n_assumed = sum(is_assumption(r["source"]) for r in rows)
    head = [
        f"<!-- Generated from the scenario schema by `{REGENERATE}`. Do not edit by hand. -->",
        "",
        "# Scenario parameters and their sources",
        "",
        f"Every parameter of the default scenario (`sim.scenario.schema.Scenario()`), {len(rows)} rows. "
        "Lists (sectors, money-in rules, payment tranches) appear item by item, e.g. "
        "`region.sectors[0].base_wage_monthly`. `min`/`max` are the validation bounds (blank: none, "
        "or the bounds are per element of a tuple). Role: *lever* = a rule the committee chooses; "
        "*uncertainty* = the world (demand, behaviour, uptake); *constant* = structure.",
        "",
        f"**{n_assumed} of the {len(rows)} values have the source \"assumption\"** (or a source that "
        "starts with it): they are starting values awaiting calibration (issue: calibration) against "
        "the public targets in `shared/calibration/targets.csv`. Identifier and selector fields "
        "(`name`, `description`, `kind`) are not declared with `param()` and so carry no unit or "
        "source.",
        "",
    ]
    body = [[_cell(r["path"]), _cell(r["value"]), _cell(r["unit"]), _cell(r["min"]), _cell(r["max"]),
             _cell(r["role"]), _cell(r["source"]), _cell(r["description"])] for r in rows]
    return "\n".join(head + _table(PARAM_COLUMNS, body)) + "\n"


_AGG = {"flow": "sum", "stock": "value in the last month", "rate": "sum(num) / sum(den)"}
_BETTER = {1: "higher", -1: "lower", 0: ""}


def metrics_markdown() -> str:
    """docs/metrics.md: one row per metric of `sim.outcomes.REGISTRY`, in registry order."""
    body = []
    for m in REGISTRY:
        over = _AGG[m.agg]
        if m.agg == "rate":
            over = f"sum({m.num}) / sum({m.den})"
            if m.cumulative:
                over += "; monthly values are cumulative to date"
        body.append([m.name, m.unit, f"{m.agg}: {over}", _BETTER[m.direction],
                     "sector x group" if m.cells else "total only", m.description])
    head = [
        f"<!-- Generated from sim.outcomes.REGISTRY by `{REGENERATE}`. Do not edit by hand. -->",
        "",
        "# Metrics",
        "",
        f"The {len(REGISTRY)} metrics a run records each month (`Results.metrics`: month, metric, sector, "
        "group, value; `all` rows are totals). *flow*: recorded per month, summed over the horizon; "
        "*stock*: a month-end (or monthly) level, the last month's value over the horizon; *rate*: "
        "stored as numerator and denominator and reported as their ratio (monthly, and over the "
        "horizon as the ratio of sums). Breakdown *sector x group*: available by sector and by worker "
        "group where the quantity is counted per person; sector-level quantities (vacancies, skill "
        "gap, demand) have sector rows only. Metrics built against the no-fund counterfactual ("
        + ", ".join(f"`{m}`" for m in TWIN_METRICS) + ", and the rates built on them) are "
        "NaN when the run has no counterfactual. Fund metrics are dollars.",
        "",
    ]
    return ("\n".join(head + _table(METRIC_COLUMNS, body)) + "\n\n" + headline_markdown() + "\n"
            + tables_markdown())


def headline_markdown() -> str:
    """The headline economics section of docs/metrics.md: what each figure is, gross vs
    additional, and the discounting (the figure table is generated from `sim.economics.FIGURES`)."""
    from sim.economics import FIGURES

    rows = [[f.name, f.unit, f.kind, f.label] for f in FIGURES]
    text = ["## Headline economics (the app's headline, every report, the CLI)", "",
            " ".join(HEADLINE_INTRO.split()), "", " ".join(GROSS_ADDITIONAL.split()), "",
            " ".join(DISCOUNTING.split()), "", " ".join(ROUNDING.split()), ""]
    return "\n".join(text + _table(("figure", "unit", "kind", "label"), rows)) + "\n"


HEADLINE_INTRO = """
`sim.economics` computes these once, for a scenario against a comparator (its no-fund twin: the same
region, people and shocks with the fund switched off; or the reference scenario), over months 1..H of
the run, H the stated horizon (1, 3, 5 or 10 years, or the run's end). Every figure is computed per
seed and then summarised across seeds: the mean, and the 5th to 95th percentile ("90% range").
Differences are paired by seed (common random numbers), so a range shows how much the *effect* varies
across simulated futures, not how much two unrelated runs differ."""
GROSS_ADDITIONAL = """
**Gross or additional.** A *gross* figure counts everything the fund paid for: its placements, its
participants, its spending per fund placement (`gross_cost_per_placement`: provider payments and
supports per placement of a fund-paid completer, as the registry's `cost_per_placement`). Some of
those people would have trained or found work without the fund, and the fund also pays
administration and employers. An *additional* figure is the difference from the comparator:
`additional_placements` counts all placements in the region (fund-paid or not) minus the
comparator's, so people who would have been placed anyway cancel out, and displacement (a trainee
taking a job someone else would have had) is counted too. `spending_per_additional_placement` is all
fund spending (providers, supports, administration, payments to employers, interest) over the
additional placements, as a ratio of the means across seeds (its range is across the per-seed ratios,
and only when every seed adds placements). It is higher than the gross cost per placement, and it is
the figure to compare with other uses of the money. `additional_employed` is the whole region's
employment at the horizon's end minus the comparator's (the engine does not record employment of
participants alone at a date)."""
DISCOUNTING = """
**Net present value and benefit-cost ratio.** Money in month m is divided by (1 + r)^(m/12), r =
`outputs.discount_rate_annual` (3% real by default: OMB Circular A-4 and A-94; HM Treasury's Green
Book uses 3.5%). Against the no-fund twin: *participants* = their earnings minus the same people's
earnings without the fund (`earnings_diff_participants`; their cost is the earnings given up while in
full-time training); *employers* = `employer_net_gain` (surplus gain plus fund payments to them minus
contributions; cost = contributions); *public* = `public_net_gain` (added taxes and benefit savings
minus public money; cost = public money); *society* = `total_surplus_change`, in which transfers
cancel and public dollars are weighted by `labour.marginal_cost_of_public_funds` (cost = the fund's
spending on providers, supports, administration and interest, less clawbacks, plus the excess burden
(MCPF - 1) of the public money). The benefit-cost ratio is (NPV + cost) / cost, so it is above 1
exactly when the NPV is positive. Against another scenario, the NPV is the difference of the two
scenarios' NPVs (each against its own no-fund twin) and the ratio is incremental. Gains after the
horizon are not counted: a short horizon understates programmes whose earnings gains come after the
training. The report's key assumptions page recomputes society's NPV at 0% and 7% and with an MCPF of
1.0 and 1.5 from the same runs."""
ROUNDING = """
**Rounding.** Printed figures and their ranges are rounded to one step, a power of ten no finer than
a fifth of the range's width nor than 1/200 of the value: "1,160 (90% range 1,130 to 1,180)". The
workbook and the CSV keep the exact values beside the printed text."""


def tables_markdown() -> str:
    """The results tables beside the metrics (impact by time since start, training accounts) and
    the opt-in person-level panel: each column from the description its module declares."""
    from sim.engine import firm_accounts, impact, panel

    text = ["## Impact by time since first fund start (`Results.impact`)", "", " ".join(IMPACT.split()), ""]
    text += _table(("column", "meaning"), [[c, d] for c, d in impact.DESCRIPTIONS.items()])
    text += ["", "## Firms' training accounts (`Results.training_accounts`)", "",
             " ".join(ACCOUNTS.split()), ""]
    text += _table(("column", "meaning"), [[c, d] for c, d in firm_accounts.DESCRIPTIONS.items()])
    text += ["", "## Person-level panel (opt-in)", "", " ".join(PANEL.split()), ""]
    text += _table(("column", "type", "meaning"),
                   [[c, str(panel.SCHEMA.field(c).type), d] for c, d in panel.DESCRIPTIONS.items()])
    text += ["", "## Labour flows", "", " ".join(FLOWS.split())]
    return "\n".join(text) + "\n"


IMPACT = """
Each fund participant (everyone who started fund-paid training: intent to treat) is compared month
by month with the same person in the no-fund twin (the same people and shocks without the fund), by
months since their first fund-paid start, as trial reports show treatment minus control by quarter or
year after random assignment. One row per month since start and cell of a breakdown (`split`): all
participants, programme kind at the first start (course, apprenticeship), provider, worker group,
and start cohort (the run year of the first start). Incumbent upskilling appears only when the
fund itself pays the seat: a grant that refunds an employer part of its own training does not make
its staff participants (the model has no such seat today), and a credential-only kind appears once
the programme kinds include one (until named in `sim.engine.impact.PROGRAMME_NAMES` it shows as
`kind_<code>`). Columns are
sums, so months pool into years exactly: `sim.results.impact_curve(runs, by="year", split="kind")`
gives per seed and year the earnings gain ($ per month), the employment gain (share on a payroll minus
the twin's), and credential receipt here and in the twin (a credential above the rung held at the
start; in the twin, training paid by someone else). `sim.charts.impact_chart` draws the earnings gain
by year with its 90% range across seeds. The panel is unbalanced: month m counts participants whose
first start was at least m months before the horizon's end, so late years rest on early cohorts
(fewer people, wider ranges); `split="cohort"` follows one start year as a balanced panel.
Without a twin (no fund, or `outputs.counterfactual: false`) the table
has no rows: nothing is claimed. `fundsim run` writes it to `impact.parquet` (with scenario and
seed)."""
ACCOUNTS = """
One row per firm that hosted an apprentice, over the run: what hosting cost and earned it (Mühlemann
and Wolter 2014 measure employers' net cost of apprenticeship this way: apprentice output minus wages
and training costs, then the value of the graduate kept over an outside hire). Output is value added
as the firms' surplus counts it (`firm_surplus`: a trainee produces `firms.trainee_output_share` of a
skilled worker). Graduates are compared with the firm's skilled staff (level 1 and up) who are not its
graduates: output and wage per month and the monthly leaving rate (1 / expected stay). Subsidies and
co-investment come from the ledger (co-investment covers all the firm's fund-paid training). The NPV
discounts at `outputs.discount_rate_annual` and counts only months in the run: a graduate's later
years are not valued. `fundsim run` writes it to `training_accounts.parquet`."""
PANEL = """
Person x month, written as the run goes (one Parquet row group per month, so memory holds one month
of people): `sim.run(scenario, seed, panel="panel.parquet")` or `fundsim run SCENARIO --panel`
(`DIR/panel/seed-S.parquet`; each seed then steps its own twin, with the same results). Rows = people
x months. The twin's columns are the same person in the no-fund world (-1 / NaN without a twin).
Size: 36 bytes per row before compression (20,000 people x 120 months: 2.4 million rows)."""
FLOWS = """
By sector and worker group, each month (in the metrics above): `hires` (job seekers hired from
unemployment), `quits`, `layoffs`, `job_to_job_moves`, `apprenticeship_starts`,
`apprenticeship_completions`, `apprenticeship_graduates_kept`, `apprenticeship_graduates_released`,
`job_leavers_to_training`, and the payroll balance: `payroll_entries` (hires + apprenticeship starts +
externs hired by their host) minus `payroll_exits` (quits + layoffs + apprentice dropouts + graduates
not kept + job leavers to training) equals the month's change in `employed` in every sector and group
cell (tests/test_outputs.py checks it, so a new way onto or off a payroll must be counted in one of
them: sim.engine.measure.PAYROLL_ENTRIES and PAYROLL_EXITS)."""


def write(docs_dir: Path = DOCS) -> list[Path]:
    """Write docs/parameters.md and docs/metrics.md; return the paths written."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in (("parameters.md", parameters_markdown()), ("metrics.md", metrics_markdown())):
        path = docs_dir / name
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":
    for written in write():
        print(f"wrote {written}")

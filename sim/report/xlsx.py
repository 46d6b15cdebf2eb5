"""The Excel workbook (XlsxWriter): Summary, Annual projections, Fund flows, Outcomes by group,
Employers, Impact since start, Training accounts, Assumptions, Provenance. Frozen headers,
number formats by unit, native charts.

The workbook's `created` property is the report's date, so two workbooks of the same inputs
differ only in that date (and the Provenance sheet's date cell)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.report import employers as employers_mod
from sim.report import since_start, tables
from sim.report.data import ReportData
from sim.report.headlines import headline_table, summary_horizons
from sim.report.safe import safe_text

Col = tuple[str, str, str]  # (frame column, header, format: a unit, "unit" = the row's unit, or "text")


class _Formats:
    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.header = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True,
                                     "valign": "top"})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.note = wb.add_format({"italic": True, "font_color": "#555555", "text_wrap": True})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self._num = {
            "share": wb.add_format({"num_format": "0.0%"}),
            "money": wb.add_format({"num_format": "$#,##0;-$#,##0"}),
            "ratio": wb.add_format({"num_format": "$#,##0.00;-$#,##0.00"}),
            "count": wb.add_format({"num_format": "#,##0"}),
            "decimal": wb.add_format({"num_format": "#,##0.00"}),
            "text": None,
        }

    def number(self, unit: str) -> Any:
        if unit == "share":
            return self._num["share"]
        if unit.startswith("$ per $"):
            return self._num["ratio"]
        if unit.startswith("$"):
            return self._num["money"]
        if unit in ("index", "decimal"):
            return self._num["decimal"]
        if unit == "text":
            return None
        return self._num["count"]


def _value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _table(ws: Any, f: _Formats, frame: pd.DataFrame, cols: list[Col], row0: int = 0,
           widths: dict[int, float] | None = None) -> int:
    """Write a header and rows from row0; return the row after the table."""
    for j, (_, header, _) in enumerate(cols):
        ws.write_string(row0, j, safe_text(header), f.header)
    for i, rec in enumerate(frame.to_dict("records"), start=row0 + 1):
        for j, (key, _, kind) in enumerate(cols):
            v = _value(rec.get(key))
            fmt = f.number(str(rec.get("unit", "")) if kind == "unit" else kind)
            if v is None:
                ws.write_blank(i, j, None, fmt)
            elif isinstance(v, str):
                ws.write_string(i, j, safe_text(v), f.wrap if len(v) > 40 else None)
            else:
                ws.write(i, j, v, fmt)
    for j, (_, header, _) in enumerate(cols):
        ws.set_column(j, j, (widths or {}).get(j, max(12, min(len(header) + 2, 40))))
    return row0 + 1 + len(frame)


def _sheet(wb: Any, name: str, f: _Formats, frame: pd.DataFrame, cols: list[Col],
           freeze_cols: int = 2, widths: dict[int, float] | None = None) -> Any:
    ws = wb.add_worksheet(name)
    end = _table(ws, f, frame, cols, 0, widths)
    ws.freeze_panes(1, freeze_cols)
    if len(frame):
        ws.autofilter(0, 0, end - 1, len(cols) - 1)
    return ws


def _headline(wb: Any, f: _Formats, data: ReportData) -> None:
    """First sheet: the headline sentences at the summary's horizons, then every headline figure
    (mean, 5th and 95th percentile across seeds, and as printed in the PDF) at every horizon."""
    table = headline_table(data)
    ws = wb.add_worksheet("Headline economics")
    ws.write(0, 0, "Headline economics", f.title)
    row = 2
    chosen = set(summary_horizons(data))
    for sentence in dict.fromkeys(table.loc[table.horizon_months.isin(chosen), "sentence"]):
        ws.merge_range(row, 0, row, 8, safe_text(sentence), f.wrap)
        ws.set_row(row, 32)
        row += 1
    ws.merge_range(row + 1, 0, row + 1, 8, "Additional = difference from the comparator, paired by seed; "
                   "gross = everything the fund paid for. Net present values discount month m by "
                   "(1 + rate)^(m/12); benefit-cost ratio = (NPV + costs) / costs. See docs/metrics.md.",
                   f.note)
    ws.set_row(row + 1, 30)
    cols: list[Col] = [("scenario", "Scenario", "text"), ("comparator", "Compared with", "text"),
                       ("horizon", "Horizon", "text"), ("label", "Figure", "text"), ("unit", "Unit", "text"),
                       ("central", "Central (mean)", "unit"), ("low", "Low (5th pct)", "unit"),
                       ("high", "High (95th pct)", "unit"), ("stated", "As printed", "text"),
                       ("figure", "Figure id", "text")]
    start = row + 3
    end = _table(ws, f, table.assign(unit=table.unit.map(lambda u: "decimal" if u == "ratio" else u)), cols,
                 start, {0: 18, 1: 18, 2: 10, 3: 46, 4: 10, 8: 34, 9: 30})
    ws.autofilter(start, 0, end - 1, len(cols) - 1)
    ws.freeze_panes(start + 1, 0)


def _summary(wb: Any, f: _Formats, data: ReportData, head: pd.DataFrame) -> None:
    first = data.first.label
    cols: list[Col] = [("scenario", "Scenario", "text"), ("metric", "Metric", "text"),
                       ("description", "What it measures", "text"), ("unit", "Unit", "text"),
                       ("year", "Through year", "count"), ("central", "Central (mean)", "unit"),
                       ("low", "Low (5th pct)", "unit"), ("high", "High (95th pct)", "unit"),
                       ("diff_central", f"Difference from {first}", "unit"),
                       ("diff_low", "Difference low", "unit"), ("diff_high", "Difference high", "unit"),
                       ("vs_no_fund_central", "Difference from no fund", "unit"),
                       ("vs_no_fund_low", "No-fund difference low", "unit"),
                       ("vs_no_fund_high", "No-fund difference high", "unit")]
    from sim.outcomes import BY_NAME

    frame = head.assign(description=head.metric.map(lambda m: BY_NAME[m].description))
    _sheet(wb, "Summary", f, frame, cols, freeze_cols=2, widths={0: 18, 1: 30, 2: 44})


def _annual(wb: Any, f: _Formats, data: ReportData, annual: pd.DataFrame) -> None:
    cols: list[Col] = [("scenario", "Scenario", "text"), ("metric", "Metric", "text"),
                       ("unit", "Unit", "text"), ("year", "Year", "count"),
                       ("months", "Months in year", "count"),
                       ("low", "Low (5th pct)", "unit"), ("central", "Central (mean)", "unit"),
                       ("high", "High (95th pct)", "unit")]
    ws = _sheet(wb, "Annual projections", f, annual, cols, widths={0: 22, 1: 30, 2: 20})
    chart = wb.add_chart({"type": "line"})
    for label in dict.fromkeys(annual.scenario):
        rows = annual.index[(annual.scenario == label) & (annual.metric == "placements")]
        if len(rows) == 0:
            continue
        r0, r1 = int(rows[0]) + 1, int(rows[-1]) + 1  # +1: the header row
        chart.add_series({"name": f"{label} (central)", "categories": ["Annual projections", r0, 3, r1, 3],
                          "values": ["Annual projections", r0, 6, r1, 6], "marker": {"type": "circle"}})
        if label == data.first.label:
            for col, name in ((5, "low"), (7, "high")):
                chart.add_series({"name": f"{label} ({name})",
                                  "categories": ["Annual projections", r0, 3, r1, 3],
                                  "values": ["Annual projections", r0, col, r1, col],
                                  "line": {"dash_type": "dash", "width": 1}})
    chart.set_title({"name": "Placements per year (central, with the first scenario's 90% range)"})
    chart.set_x_axis({"name": "Year"})
    chart.set_y_axis({"name": "people", "num_format": "#,##0"})
    chart.set_size({"width": 720, "height": 360})
    ws.insert_chart("J2", chart)


def _fund_flows(wb: Any, f: _Formats, data: ReportData, flows: pd.DataFrame, ledger: pd.DataFrame) -> None:
    names = {"fund_income_employers": "Income: employers", "fund_income_public": "Income: public",
             "fund_income_other": "Income: other", "fund_spend_providers": "Spend: providers",
             "fund_spend_supports": "Spend: supports", "fund_spend_admin": "Spend: administration",
             "fund_spend_employers": "Spend: employers", "fund_spend_other": "Spend: other"}
    cols: list[Col] = [("scenario", "Scenario", "text"), ("year", "Year", "count"),
                       *[(k, v, "$") for k, v in names.items()], ("net_flow", "Net flow", "$"),
                       ("balance_central", "Balance at year end (mean)", "$"),
                       ("balance_low", "Balance low (5th pct)", "$"),
                       ("balance_high", "Balance high (95th pct)", "$"),
                       ("liabilities_central", "Liabilities at year end", "$"),
                       ("balance_less_liabilities", "Balance less liabilities", "$")]
    ws = wb.add_worksheet("Fund flows")
    end = _table(ws, f, flows, cols, 0, {0: 22})
    ws.freeze_panes(1, 2)
    row = end + 2
    ws.write(row, 0, "The fund's ledger by category (dollars, mean across seeds)", f.title)
    lcols: list[Col] = [("scenario", "Scenario", "text"), ("year", "Year", "count"),
                        ("direction", "Direction", "text"), ("category", "Category", "text"),
                        ("dollars", "Dollars", "$")]
    _table(ws, f, ledger, lcols, row + 1, {0: 22})
    if flows.empty:
        return
    bal = wb.add_chart({"type": "line"})
    for label in dict.fromkeys(flows.scenario):
        rows = flows.index[flows.scenario == label]
        r0, r1 = int(rows[0]) + 1, int(rows[-1]) + 1
        bal.add_series({"name": f"{label}", "categories": ["Fund flows", r0, 1, r1, 1],
                        "values": ["Fund flows", r0, 11, r1, 11], "marker": {"type": "circle"}})
        bal.add_series({"name": f"{label} liabilities", "categories": ["Fund flows", r0, 1, r1, 1],
                        "values": ["Fund flows", r0, 14, r1, 14], "line": {"dash_type": "dash"}})
    bal.set_title({"name": "Fund balance and liabilities at year end"})
    bal.set_y_axis({"num_format": "$#,##0"})
    bal.set_x_axis({"name": "Year"})
    bal.set_size({"width": 720, "height": 340})
    ws.insert_chart(row + 1, 7, bal)
    rows = flows.index[flows.scenario == flows.scenario.iloc[0]]
    r0, r1 = int(rows[0]) + 1, int(rows[-1]) + 1
    flow = wb.add_chart({"type": "column", "subtype": "stacked"})
    for j, name in enumerate(names.values(), start=2):
        flow.add_series({"name": name, "categories": ["Fund flows", r0, 1, r1, 1],
                         "values": ["Fund flows", r0, j, r1, j]})
    flow.set_title({"name": f"Income and spending by year: {flows.scenario.iloc[0]}"})
    flow.set_y_axis({"num_format": "$#,##0"})
    flow.set_size({"width": 720, "height": 340})
    ws.insert_chart(row + 19, 7, flow)


IMPACT_NOTE = ("Each fund participant against the same person in the no-fund twin (the same people and "
               "luck without the fund), by year since their first fund-paid start: means over the year's "
               "participant-months, then the mean and 5th-95th percentile range across runs. Breakdowns: all "
               "participants, programme kind, provider, worker group, start cohort (a run year). Late years "
               "rest on early starters only. The monthly sums are in the CSV export (impact.csv); see "
               "docs/metrics.md.")
ACCOUNTS_NOTE = ("One row per run (seed) and firm that hosted an apprentice: what hosting cost and "
                 "earned it. Graduates are compared with the firm's skilled staff who are not its graduates "
                 "(outside hires). NPV discounts at outputs.discount_rate_annual and counts only months in "
                 "the run. See docs/metrics.md.")


def _noted_sheet(wb: Any, name: str, f: _Formats, frame: pd.DataFrame, cols: list[Col], note: str,
                 widths: dict[int, float], freeze_cols: int = 2) -> None:
    """A sheet whose table is headed by a note (what the rows are): note, blank row, table."""
    ws = wb.add_worksheet(name)
    ws.merge_range(0, 0, 0, 9, note, f.note)
    ws.set_row(0, 62)
    end = _table(ws, f, frame, cols, 2, widths)
    ws.freeze_panes(3, freeze_cols)
    if len(frame):
        ws.autofilter(2, 0, end - 1, len(cols) - 1)
    else:
        ws.write(3, 0, "No rows: no scenario here has fund participants and a no-fund twin.", f.note)


def _impact(wb: Any, f: _Formats, data: ReportData) -> None:
    band = (("earnings_gain", "Earnings gain", "$ per participant-month", "$"),
            ("employment_gain", "Employment gain", "share employed minus the twin's", "share"),
            ("credential_gain", "Credential gain", "share minus the twin's", "share"))
    cols: list[Col] = [("scenario", "Scenario", "text"), ("split", "Breakdown", "text"),
                       ("cell", "Cell", "text"), ("year", "Year since first start", "count"),
                       ("seeds", "Runs (seeds)", "count"),
                       ("participants", "Participant-months (mean)", "decimal")]
    for m, words, unit_words, unit in band:
        cols += [(m, f"{words} ({unit_words}), mean", unit), (f"{m}_low", f"{words} low (5th pct)", unit),
                 (f"{m}_high", f"{words} high (95th pct)", unit)]
    cols += [("credential_rate", "Credential rate (share holding one gained since the start)", "share"),
             ("twin_credential_rate", "Twin's credential rate (share)", "share")]
    _noted_sheet(wb, "Impact since start", f, since_start.impact_by_year(data), cols, IMPACT_NOTE,
                 {0: 22, 1: 11, 2: 18, 3: 11}, freeze_cols=4)


def _accounts(wb: Any, f: _Formats, data: ReportData) -> None:
    cols: list[Col] = [
        ("scenario", "Scenario", "text"), ("seed", "Run (seed)", "count"), ("firm", "Firm id", "count"),
        ("sector", "Sector", "text"), ("apprentice_starts", "Apprentice starts (people)", "count"),
        ("apprentice_months", "Apprentice-months", "count"),
        ("apprentice_wages", "Apprentice wages ($)", "$"),
        ("apprentice_output", "Apprentice output ($)", "$"),
        ("subsidies", "Wage subsidies from the fund ($)", "$"),
        ("co_investment", "Co-investment paid ($)", "$"),
        ("graduates", "Graduates (people)", "count"), ("graduates_kept", "Graduates kept (people)", "count"),
        ("graduate_months", "Graduate-months at the firm", "count"),
        ("graduate_output_per_month", "Graduate output ($ per month)", "$"),
        ("graduate_wage_per_month", "Graduate wage ($ per month)", "$"),
        ("graduate_leave_rate", "Graduate leaving rate (share per month)", "share"),
        ("outside_output_per_month", "Outside hire output ($ per month)", "$"),
        ("outside_wage_per_month", "Outside hire wage ($ per month)", "$"),
        ("outside_leave_rate", "Outside hire leaving rate (share per month)", "share"),
        ("npv", "Net value of training, NPV ($ at month 0)", "$"),
        ("return_on_cost", "Return on cost (NPV per $ of cost)", "decimal")]
    frame = since_start.training_accounts(data)
    if "sector" in frame:
        frame = frame.assign(sector=frame["sector"].astype(str))
    _noted_sheet(wb, "Training accounts", f, frame, cols, ACCOUNTS_NOTE, {0: 22, 3: 14}, freeze_cols=3)


def write_xlsx(data: ReportData, path: Path, head: pd.DataFrame | None = None) -> None:
    """Write the workbook to `path` (the caller makes it atomic)."""
    import xlsxwriter

    head = tables.headline(data) if head is None else head
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": data.title, "author": "fundsim", "company": "",
                       "comments": "Projections from fundsim; see the Provenance sheet.",
                       "created": data.created.replace(tzinfo=None)})
    f = _Formats(wb)
    _headline(wb, f, data)
    _summary(wb, f, data, head)
    _annual(wb, f, data, tables.annual(data))
    _fund_flows(wb, f, data, tables.fund_flows(data), tables.ledger_categories(data))
    gcols: list[Col] = [("scenario", "Scenario", "text"), ("metric", "Metric", "text"),
                        ("unit", "Unit", "text"), ("group", "Group", "text"),
                        ("central", "Central (mean)", "unit"),
                        ("low", "Low (5th pct)", "unit"), ("high", "High (95th pct)", "unit")]
    _sheet(wb, "Outcomes by group", f, tables.by_group(data), gcols, widths={0: 22, 1: 30, 3: 30})
    emp = employers_mod.employers(data)
    ecols: list[Col] = [("scenario", "Scenario", "text"), ("size_class", "Size class (employees)", "text"),
                        ("firms", "Firms (mean)", "decimal"), ("contributions", "Contributions paid", "$"),
                        ("fund_payments_received", "Fund payments received", "$"),
                        ("net_cash_to_fund", "Net paid to fund", "$"),
                        ("surplus_gain", "Surplus gain vs no fund", "$"),
                        ("net_gain", "Net gain (surplus + payments - contributions)", "$"),
                        ("own_training_spend", "Own training spending", "$"),
                        ("trained_lost_to_poaching", "Trained workers lost to other firms", "decimal"),
                        ("trained_hired_from_others", "Trained workers hired from other firms", "decimal"),
                        ("fund_trained_hired", "…of them fund-trained", "decimal")]
    ws = _sheet(wb, "Employers", f, emp, ecols, widths={0: 22, 1: 16})
    ws.merge_range(len(emp) + 2, 0, len(emp) + 5, 8, employers_mod.NOTE, f.note)
    _impact(wb, f, data)
    _accounts(wb, f, data)
    params = tables.parameters(data)
    pcols: list[Col] = [("path", "Parameter", "text"), ("unit", "Unit", "text"), ("role", "Role", "text"),
                        ("description", "Description", "text"), ("source", "Source", "text"),
                        ("min", "Min", "decimal"), ("max", "Max", "decimal"),
                        *[(r.label, f"Value: {r.label}", "text") for r in data.runs]]
    _sheet(wb, "Assumptions", f, params, pcols, freeze_cols=1, widths={0: 42, 3: 60, 4: 40})
    prov: list[Col] = [("item", "Item", "text"), ("value", "Value", "text")]
    _sheet(wb, "Provenance", f, tables.provenance(data), prov, freeze_cols=1, widths={0: 28, 1: 90})
    wb.close()

"""Reports opened as a user would: the workbook read back with openpyxl, the PDF's text extracted
and its pages rendered to images, the HTML checked for network references."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import small_dict

from sim.economics import headline
from sim.economics_text import headline_sentence
from sim.report import write_report
from sim.report.data import ReportData, compute_report_data
from sim.results import summarize
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario

SEEDS = [1, 2]  # small region, short horizon, two seeds: the module computes its runs once
HORIZON = 36  # three years: the Summary reports years 1 and 3 only


@pytest.fixture(scope="module")
def data() -> ReportData:
    base = Scenario.model_validate(small_dict(horizon_months=HORIZON))
    d = small_dict(horizon_months=HORIZON)
    d["name"] = "double_match"
    d["fund"]["contributions"][1]["rate"] = 2.0
    return compute_report_data([base, Scenario.model_validate(d)], SEEDS, workers=2,
                               created=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def outputs(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    return {fmt_: write_report(data, fmt_, folder / name)
            for fmt_, name in (("xlsx", "r.xlsx"), ("pdf", "r.pdf"), ("html", "r.html"), ("csv", "r.zip"))}


def _sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    out = []
    for r in rows[1:]:  # the first table: up to the first empty row
        if all(v is None for v in r):
            break
        out.append(dict(zip(rows[0], r, strict=False)))
    return out


def _table_under_note(path: Path, sheet: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A sheet whose table starts under a note (row 1) and a blank row: its headers and rows."""
    import openpyxl

    rows = list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    head = [str(h) for h in rows[2] if h is not None]
    return head, [dict(zip(head, r, strict=False)) for r in rows[3:] if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def levy_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportData, Path]:
    """England's levy (apprentices, so firms have training accounts) in a small region, 2 runs."""
    levy = Scenario.model_validate(small_dict("uk_levy.yaml", horizon_months=HORIZON))
    data = compute_report_data([levy], SEEDS, workers=2, created=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    return data, write_report(data, "xlsx", tmp_path_factory.mktemp("levy") / "levy.xlsx")


def test_workbook_shows_participants_against_their_twin_by_year_since_start(levy_book) -> None:
    """The Impact sheet's year-1 row for all participants is the runs' own impact table pooled
    over months 1-12 (sums of earnings minus the twin's, over participant-months), averaged over
    runs, with units in its headers and money and shares formatted as such."""
    import openpyxl

    data, path = levy_book
    head, rows = _table_under_note(path, "Impact since start")
    assert "Earnings gain ($ per participant-month), mean" in head
    assert "Employment gain (share employed minus the twin's), mean" in head
    row = _find(rows, Scenario="uk_levy", Breakdown="all", Cell="all", **{"Year since first start": 1})
    gains, months = [], []
    for res in data.first.results:
        t = res.impact[(res.impact.split == "all") & (res.impact.months_since_start <= 12)]
        gains.append((t.earnings.sum() - t.twin_earnings.sum()) / t.participants.sum())
        months.append(t.participants.sum())
    assert row["Runs (seeds)"] == len(SEEDS)
    assert row["Participant-months (mean)"] == pytest.approx(np.mean(months))
    assert row["Earnings gain ($ per participant-month), mean"] == pytest.approx(np.mean(gains))
    low, high = row["Earnings gain low (5th pct)"], row["Earnings gain high (95th pct)"]
    assert min(gains) <= low <= high <= max(gains)
    assert {r["Breakdown"] for r in rows} == {"all", "kind", "provider", "group", "cohort"}
    ws = openpyxl.load_workbook(path)["Impact since start"]
    col = {c.value: c.column_letter for c in ws[3]}
    money = "Earnings gain ($ per participant-month), mean"
    share = head[head.index(money) + 3]
    assert share.startswith("Employment gain (share")
    assert "$" in ws[f"{col[money]}4"].number_format and "%" in ws[f"{col[share]}4"].number_format
    assert ws.freeze_panes == "E4" and "CSV export (impact.csv)" in ws["A1"].value


def test_workbook_lists_every_training_firms_account(levy_book) -> None:
    data, path = levy_book
    head, rows = _table_under_note(path, "Training accounts")
    assert {"Apprentice wages ($)", "Net value of training, NPV ($ at month 0)",
            "Graduate leaving rate (share per month)", "Return on cost (NPV per $ of cost)"} <= set(head)
    accounts = [res.training_accounts for res in data.first.results]
    assert sum(len(a) for a in accounts) > 0  # the levy's apprentices: firms that trained
    assert len(rows) == sum(len(a) for a in accounts)
    for seed, a in zip(SEEDS, accounts, strict=True):
        mine = [r for r in rows if r["Run (seed)"] == seed]
        assert sorted(r["Firm id"] for r in mine) == sorted(a.firm.tolist())
        assert sum(r["Net value of training, NPV ($ at month 0)"] for r in mine) == pytest.approx(a.npv.sum())
        assert sum(r["Apprentice starts (people)"] for r in mine) == a.apprentice_starts.sum()
    assert all(isinstance(r["Sector"], str) for r in rows)


def _find(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    hits = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    assert len(hits) == 1, (match, len(hits))
    return hits[0]


def test_workbook_has_every_sheet_frozen_headers_and_charts(outputs: dict[str, Path]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(outputs["xlsx"])
    assert wb.sheetnames == ["Headline economics", "Summary", "Annual projections", "Fund flows",
                             "Outcomes by group", "Employers", "Impact since start", "Training accounts",
                             "Assumptions", "Provenance"]
    assert wb["Summary"].freeze_panes == "C2"
    assert wb["Summary"]["F2"].number_format != "General"
    with zipfile.ZipFile(outputs["xlsx"]) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) >= 3


def test_summary_equals_engine_summary(data: ReportData, outputs: dict[str, Path]) -> None:
    rows = _sheet_rows(outputs["xlsx"], "Summary")
    assert {r["Through year"] for r in rows} == {1, 3}  # no 5- or 10-year rows in a 3-year horizon
    base, other = data.runs
    engine = summarize(base.results).set_index("metric")
    for metric in ("fund_placements", "completions", "placement_rate", "cost_per_placement", "fund_balance"):
        row = _find(rows, Scenario="baseline", Metric=metric, **{"Through year": 3})
        assert row["Central (mean)"] == pytest.approx(engine.loc[metric, "mean"], rel=1e-12)
        assert row["Low (5th pct)"] == pytest.approx(engine.loc[metric, "p05"], rel=1e-12)
        assert row["High (95th pct)"] == pytest.approx(engine.loc[metric, "p95"], rel=1e-12)
    diff = [b.horizon()["fund_placements"] - a.horizon()["fund_placements"]
            for a, b in zip(base.results, other.results, strict=True)]
    row = _find(rows, Scenario="double_match", Metric="fund_placements", **{"Through year": 3})
    assert row["Difference from baseline"] == pytest.approx(np.mean(diff))
    no_fund = [r.horizon()["placements"] - c.horizon()["placements"]
               for r, c in zip(base.results, base.counterfactual, strict=True)]
    row = _find(rows, Scenario="baseline", Metric="unemployment_rate", **{"Through year": 3})
    assert row["Difference from no fund"] is not None
    assert np.isfinite(no_fund).all()


def test_annual_fund_flows_and_employers_match_runs(data: ReportData, outputs: dict[str, Path]) -> None:
    base = data.first
    annual = _sheet_rows(outputs["xlsx"], "Annual projections")
    year1 = np.mean([r.series("placements").loc[1:12].sum() for r in base.results])
    row = _find(annual, Scenario="baseline", Metric="placements", Year=1)
    assert row["Central (mean)"] == pytest.approx(year1)
    assert {r["Scenario"] for r in annual} >= {"baseline", "double_match", "baseline (no fund)"}
    flows = _sheet_rows(outputs["xlsx"], "Fund flows")
    end = np.mean([r.series("fund_balance").loc[36] for r in base.results])
    assert _find(flows, Scenario="baseline", Year=3)["Balance at year end (mean)"] == pytest.approx(end)
    employers = _sheet_rows(outputs["xlsx"], "Employers")
    paid = np.mean([r.horizon()["fund_income_employers"] for r in base.results])
    total = _find(employers, Scenario="baseline", **{"Size class (employees)": "all firms"})
    assert total["Contributions paid"] == pytest.approx(paid, rel=1e-9)
    firms = sum(r["Firms (mean)"] for r in employers if r["Scenario"] == "baseline"
                and r["Size class (employees)"] != "all firms")
    assert firms == pytest.approx(base.scenario.region.n_firms)
    # Gains by size class add up to the engine's employer net gain measured against no fund.
    net = np.mean([r.horizon()["employer_net_gain"] for r in base.results])
    assert total["Net gain (surplus + payments - contributions)"] == pytest.approx(net, rel=1e-6, abs=1.0)
    by_class = sum(r["Surplus gain vs no fund"] for r in employers if r["Scenario"] == "baseline"
                   and r["Size class (employees)"] != "all firms")
    assert by_class == pytest.approx(total["Surplus gain vs no fund"], rel=1e-9)


def test_assumptions_and_provenance(data: ReportData, outputs: dict[str, Path]) -> None:
    params = _sheet_rows(outputs["xlsx"], "Assumptions")
    expected = iter_parameters(data.first.scenario)
    assert len(params) >= len(expected)
    row = _find(params, Parameter="region.n_workers")
    assert row["Value: baseline"] == 1500 and row["Unit"] == "people" and row["Description"]
    prov = {r["Item"]: r["Value"] for r in _sheet_rows(outputs["xlsx"], "Provenance")}
    assert prov["created (UTC)"] == "2026-01-02 03:04:05"
    assert data.first.scenario.digest() in prov["scenario baseline"]
    assert prov["seeds"].startswith("2: 1, 2")
    assert re.fullmatch(r"[0-9a-f]{40}|unknown", prov["code revision"])


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)


def test_pdf_states_the_headline_numbers(data: ReportData, outputs: dict[str, Path]) -> None:
    text = _pdf_text(outputs["pdf"])
    base = data.first
    h = headline(base.scenario, "baseline", base.results, "no fund", base.counterfactual, months=HORIZON,
                 comparator_is_no_fund=True)
    assert headline_sentence(h) in text
    assert headline_sentence(h).startswith("Over 3 years, baseline ")
    # Against the first scenario, the other states its difference without repeating the first's.
    other = data.runs[1]
    vs = headline(other.scenario, "double_match", other.results, "baseline", base.results, months=HORIZON,
                  comparator_is_no_fund=False)
    assert headline_sentence(vs) in text
    for heading in ("Executive summary", "Headline economics", "Key assumptions", "Methodology",
                    "Appendix: every assumption", "Limitations", "Sources", "Page 2 of"):
        assert heading in text
    assert "region.n_workers" in text  # the appendix names every parameter by its path


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_pdf_chart_pages_are_not_blank(outputs: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image
    from pypdf import PdfReader

    pages = PdfReader(outputs["pdf"]).pages
    chart_pages = [i + 1 for i, p in enumerate(pages) if "band: 5th to 95th percentile" in p.extract_text()]
    assert chart_pages
    for n in chart_pages:
        subprocess.run(["pdftoppm", "-r", "40", "-f", str(n), "-l", str(n), "-png", str(outputs["pdf"]),
                        str(tmp_path / f"p{n}")], check=True)
        image = Image.open(next(tmp_path.glob(f"p{n}*.png"))).convert("L")
        dark = np.asarray(image) < 200
        assert dark.mean() > 0.02, f"page {n} looks blank ({dark.mean():.3%} ink)"
        colour = np.asarray(Image.open(next(tmp_path.glob(f"p{n}*.png"))).convert("RGB")).astype(int)
        assert (np.ptp(colour, axis=2) > 60).mean() > 0.002, f"page {n} has no coloured chart marks"


def test_html_is_self_contained(outputs: dict[str, Path]) -> None:
    html = outputs["html"].read_text(encoding="utf-8")
    assert html.count("<svg") >= 5
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", html, re.I)
    assert "@import" not in html and "<script" not in html.lower()
    assert "Over 3 years, baseline places" in html
    assert "by year since their first fund-paid start" in html  # the impact curve's caption


def test_csv_zip_holds_the_tidy_tables(data: ReportData, outputs: dict[str, Path]) -> None:
    import pandas as pd

    with zipfile.ZipFile(outputs["csv"]) as z:
        names = set(z.namelist())
        assert {"summary.csv", "annual_projections.csv", "fund_flows.csv", "employers.csv", "assumptions.csv",
                "provenance.csv", "metrics.csv", "outcomes_by_group.csv"} <= names
        summary = pd.read_csv(z.open("summary.csv"))
        metrics = pd.read_csv(z.open("metrics.csv"))
        impact = pd.read_csv(z.open("impact.csv"))
    assert {"scenario", "seed", "months_since_start", "earnings", "twin_earnings"} <= set(impact.columns)
    assert "baseline" in set(impact.scenario) and (impact.participants > 0).all()
    assert list(metrics.columns) == ["scenario", "seed", "month", "metric", "sector", "group", "value"]
    row = summary[(summary.scenario == "baseline") & (summary.metric == "fund_placements")
                  & (summary.year == 3)]
    assert row.central.iloc[0] == pytest.approx(summarize(data.first.results).set_index("metric")
                                                .loc["fund_placements", "mean"])


Word = tuple[str, float, float, float, float]  # text, xMin, yMin, xMax, yMax


def _pdf_words(path: Path, tmp_path: Path) -> list[tuple[int, float, float, list[Word]]]:
    """Per page: number, width, height and every word with its box, from `pdftotext -bbox-layout`."""
    from xml.etree import ElementTree as ET

    out = tmp_path / "bbox.html"
    subprocess.run(["pdftotext", "-bbox-layout", str(path), str(out)], check=True)
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", out.read_text(encoding="utf-8")))
    x = "{http://www.w3.org/1999/xhtml}"
    pages = []
    for n, page in enumerate(root.iter(f"{x}page"), start=1):
        words = [(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                 for w in page.iter(f"{x}word")]
        pages.append((n, float(page.get("width")), float(page.get("height")), words))
    return pages


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_every_word_lies_on_its_page_and_the_body_names_no_metric_id(outputs: dict[str, Path],
                                                                     tmp_path: Path) -> None:
    from sim.outcomes import REGISTRY

    ids = {m.name for m in REGISTRY if "_" in m.name}  # the others are plain words ("placements")
    pages = _pdf_words(outputs["pdf"], tmp_path)
    appendix = next(n for n, _, _, words in pages if any(w[0] == "Appendix:" for w in words))
    for n, width, height, words in pages:
        off = [w[0] for w in words if w[1] < -0.5 or w[3] > width + 0.5 or w[2] < -0.5 or w[4] > height + 0.5]
        assert not off, f"page {n}: words outside the {width:.0f} x {height:.0f} page: {off[:8]}"
        if n < appendix:
            named = [w[0] for w in words if w[0].strip(".,;:()") in ids]
            assert not named, f"page {n} names metric ids instead of labels: {named[:8]}"
    assert any(w > h for _, w, h, _ in pages), "wide tables get landscape pages"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_pdf_body_and_appendix_are_one_file_each_numbered(data: ReportData, outputs: dict[str, Path],
                                                          tmp_path: Path) -> None:
    """The body and the appendix are printed apart (in parallel) and joined: every page is in the
    file once, in order, the body numbered "Page k of M" and the appendix "Appendix, page k of N",
    M + N pages in all, with the report's title kept. On one core they are printed in turn."""
    from dataclasses import replace

    from pypdf import PdfReader

    def footers(path: Path) -> list[str]:
        out = []
        for n in range(1, len(PdfReader(path).pages) + 1):
            text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
                                  capture_output=True, text=True, check=True).stdout
            found = re.findall(r"(Appendix, page \d+ of \d+|Page \d+ of \d+)", text)
            out.append(found[-1] if found else "")
        return out

    pdf = outputs["pdf"]
    reader = PdfReader(pdf)
    seen = footers(pdf)
    body = [f for f in seen if f.startswith("Page")]
    tail = [f for f in seen if f.startswith("Appendix")]
    assert seen[0] == "" and body and tail and seen == ["", *body, *tail], seen
    m, k = len(body) + 1, len(tail)
    assert body == [f"Page {i} of {m}" for i in range(2, m + 1)]
    assert tail == [f"Appendix, page {i} of {k}" for i in range(1, k + 1)]
    assert "Appendix: every assumption" in subprocess.run(
        ["pdftotext", "-f", str(m + 1), "-l", str(m + 1), str(pdf), "-"], capture_output=True, text=True,
        check=True).stdout
    assert reader.metadata.title == data.title
    import sim.report.html as html_mod

    one_core = tmp_path / "one_core.pdf"
    real = html_mod.usable_cores
    html_mod.usable_cores = lambda: 1  # the machine's cores, not a part of the report
    try:
        write_report(replace(data, cache={}), "pdf", one_core)
    finally:
        html_mod.usable_cores = real
    assert footers(one_core) == seen


def test_paper_size_letter_by_default_or_a4(data: ReportData, outputs: dict[str, Path],
                                            tmp_path: Path) -> None:
    from dataclasses import replace

    from pypdf import PdfReader

    first = PdfReader(outputs["pdf"]).pages[0].mediabox
    assert (round(float(first.width)), round(float(first.height))) == (612, 792)
    a4 = write_report(replace(data, paper="a4", cache={}), "pdf", tmp_path / "a4.pdf")
    box = PdfReader(a4).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_a_scenario_named_like_a_formula_is_text_in_csv_and_xlsx(data: ReportData, tmp_path: Path) -> None:
    import csv
    import io
    from dataclasses import replace

    import openpyxl

    evil = '=HYPERLINK("http://example.com/?x","click")'
    bad = replace(data, runs=[replace(data.runs[0], label=evil), *data.runs[1:]], cache={})
    zpath = write_report(bad, "csv", tmp_path / "t.zip")
    with zipfile.ZipFile(zpath) as z:
        for name in z.namelist():
            cells = [c for row in csv.reader(io.StringIO(z.read(name).decode())) for c in row]
            assert not [c for c in cells if c.startswith(("=", "@", "\t", "\r")) or c.startswith("+H")], name
            if name == "summary.csv":
                assert "'" + evil in cells
    wb = openpyxl.load_workbook(write_report(bad, "xlsx", tmp_path / "t.xlsx"))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
              if isinstance(c.value, str)]
    assert "'" + evil in values and evil not in values
    assert all(ws.cell(1, 1).data_type != "f" for ws in wb.worksheets)


def test_an_edited_scenario_is_described_by_its_changes(data: ReportData) -> None:
    from dataclasses import replace

    from sim.report.headlines import describe
    from sim.report.html import render_html

    base, edited = data.runs[0].scenario, data.runs[1].scenario  # double_match: one contribution rate changed
    same_words = edited.model_copy(update={"description": base.description})
    run = replace(data.runs[1], scenario=same_words, base=base)
    text = describe(run)
    assert f"Changed from the {base.name} preset: " in text
    from sim.app.diff import where

    # The changed rate in words (where it is: the rule by its kind; old value -> new value) after
    # what the preset is.
    assert where("fund.contributions[public_match].rate") in text and "instead of" in text
    assert text.startswith(base.description)  # what the preset is, then what the edit changed
    html = render_html(replace(data, runs=[data.runs[0], run], cache={}))
    assert "Changed from the baseline preset" in html


def test_an_app_edited_preset_is_described_by_its_changes_without_being_told() -> None:
    """The app names an edited copy "<preset> (edited)"; the report finds the preset itself."""
    from sim.report.data import report_data_from_results
    from sim.report.headlines import describe
    from sim.scenario.loader import apply_overrides, load_scenario

    preset = load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml")
    edited = apply_overrides(preset, {"name": '"baseline (edited)"', "fund.admin_share": "0.07"})
    fake = [type("R", (), {"seed": 1, "scenario": edited})()]
    data = report_data_from_results([edited], [fake], [fake])
    text = describe(data.first)
    assert text.startswith(preset.description)  # what the preset is, then what the edit changed
    assert "Changed from the baseline preset: " in text and "7%" in text


STRANDED = ("Over 10 years, baseline places 1,000 more people in jobs than the same region with no fund (90% "
            "range +960 to +1,030), at $28,100 of fund spending per additional placement, and the fund ends "
            "with $1.9M. It adds 1,900 (90% range 1,860 to 1,950) credentials and +20 (90% range 0 to +60) "
            "people employed in the region at the end. The fund spends $28.1M (90% range $27.7M to $28.6M) "
            "in all, $11,500 per participant, and $11,240 of training per fund placement (gross: it counts "
            "people who would have been placed anyway). Discounted at 3% a year, net present values are: "
            "participants +$28M, employers +$14M, public +$1M, society +$39M (90% range +$31M to +$56M for "
            "society, with public dollars weighted 1.3: the marginal cost of public funds); benefit-cost "
            "ratios: employers 2.1, public 1.1, society 3.2.")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_summary_paragraph_leaves_no_word_stranded_on_a_line(tmp_path: Path) -> None:
    """A paragraph from a real baseline report, printed as the report prints it: WeasyPrint once
    left "who" alone on a line because of a no-wrap span further on. Every line but the last
    holds several words; signed amounts stay whole and read as typed."""
    import weasyprint

    from sim.report.html import PAPER_SIZES, TEMPLATES, unbroken_print

    css = (TEMPLATES / "report.css").read_text(encoding="utf-8").replace("PAPER", PAPER_SIZES["letter"])
    html = (f"<html><head><style>{css}</style></head><body><section class='page summary'>"
            f"<p>{unbroken_print(STRANDED)}</p></section></body></html>")
    pdf = tmp_path / "p.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    assert len(lines) > 3
    assert all(len(ln.split()) >= 4 for ln in lines[:-1]), lines
    assert " ".join(lines) == STRANDED


def test_the_title_names_the_proposal_not_a_no_fund_reference_listed_first() -> None:
    """`fundsim report no_fund.yaml baseline.yaml` is a report on the baseline fund: its title
    must not read "projections: no_fund"."""
    d = small_dict(horizon_months=12)
    d["name"], d["fund"]["enabled"] = "current_rules", False
    proposal = small_dict(horizon_months=12)
    proposal["name"] = "proposal"
    data = compute_report_data([Scenario.model_validate(d), Scenario.model_validate(proposal)], [1],
                               workers=1)
    assert data.title == "Training fund projections: proposal"


def test_the_appendix_needs_no_run_so_it_can_be_printed_before_the_runs_are_read(data: ReportData) -> None:
    """`fundsim report` starts laying out the appendix from the scenarios alone; it is used only
    if it is the appendix of the finished report, so the two must be the same document."""
    from sim.report.data import report_outline
    from sim.report.html import render_html

    outline = report_outline([r.scenario for r in data.runs], created=data.created, title=data.title,
                             years=data.years_chosen, paper=data.paper, bases=[r.base for r in data.runs])
    assert all(not r.results for r in outline.runs)
    assert render_html(outline, part="appendix") == render_html(data, part="appendix")


def test_charts_drawn_in_the_helper_are_the_charts_drawn_here(data: ReportData, tmp_path: Path) -> None:
    """The chart helper (forked, while the main process builds the tables) draws exactly what the
    main process would, and prints the same charts pages. Run in a fresh process: a process that
    has loaded vl-convert (as this one may have, for another test) does not fork a chart helper."""
    import pickle
    import sys

    from sim.report import figures

    jobs = tmp_path / "jobs.pkl"
    jobs.write_bytes(pickle.dumps(figures.chart_jobs(data)))
    script = (
        "import pickle, sys\n"
        "from sim.report import ahead, figures\n"
        f"jobs = pickle.loads(open({str(jobs)!r}, 'rb').read())\n"
        "import io\n"
        "from pypdf import PdfReader\n"
        "from sim.report.html import NO_FOOTERS_CSS, TEMPLATES, charts_html, draw_and_print_charts\n"
        "from sim.report.printing import load_weasyprint, pdf_bytes\n"
        "load_weasyprint()\n"
        "css = (TEMPLATES / 'report.css').read_text().replace('PAPER', 'A4') + NO_FOOTERS_CSS\n"
        "assert ahead.start_chart_helper(), 'no chart helper'\n"
        "helped, printed = ahead.draw_charts_later(draw_and_print_charts, jobs, css, 't', parallel=True)()\n"
        "here = figures.draw(jobs)\n"
        "assert helped == here, 'the helper drew other charts'\n"
        "assert len(here) >= 5 and all(c['svg'].startswith('<svg') for c in here)\n"
        "assert printed[0] == css, 'printed with another style sheet'\n"
        "mine = pdf_bytes(charts_html(here, css, 't'))\n"
        "pages = [PdfReader(io.BytesIO(b)).pages for b in (printed[1], mine)]\n"
        "assert len(pages[0]) == len(pages[1]) >= 2\n"
        "assert [p.extract_text() for p in pages[0]] == [p.extract_text() for p in pages[1]]\n"
        "assert [p.mediabox for p in pages[0]] == [p.mediabox for p in pages[1]]\n"
        "print('same', len(here))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("same")


def _appendix_rows(page: str) -> list[list[tuple[str, int]]]:
    """The appendix table's rows as (cell text, columns spanned), header first."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[tuple[str, int]]] = []
            self.inside = False
            self.cell: list[str] | None = None
            self.span = 1

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "table" and ("class", "params") in attrs:
                self.inside = True
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag in ("td", "th"):
                self.cell, self.span = [], int(dict(attrs).get("colspan") or 1)

        def handle_endtag(self, tag: str) -> None:
            if tag == "table":
                self.inside = False
            elif self.inside and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(("".join(self.cell), self.span))
                self.cell = None

        def handle_data(self, text: str) -> None:
            if self.cell is not None:
                self.cell.append(text)

    parser = Rows()
    parser.feed(page)
    return parser.rows


def test_the_appendix_shows_every_parameter_of_every_scenario_with_unit_description_and_source(
        data: ReportData) -> None:
    """Every parameter of every scenario, in one row: a value the scenarios share printed once
    across their columns, a value that differs printed in each scenario's column, the unit in
    brackets after the value, then the description and the source."""
    import json

    from sim.report.html import render_html

    rows = _appendix_rows(render_html(data, part="appendix"))
    labels = [r.label for r in data.runs]
    assert [text for text, _ in rows[0]] == ["Parameter", *labels, "Description", "Source"]
    table = {}
    for row in rows[1:]:
        cells = [text for text, span in row for _ in range(span)]  # one column per scenario
        assert len(cells) == 3 + len(labels), row
        assert cells[0] not in table, f"{cells[0]} listed twice"
        table[cells[0]] = (cells, row)
    spanned = differing = 0
    for i, run in enumerate(data.runs):
        for p in iter_parameters(run.scenario):
            value = p["value"]
            text = ("true" if value else "false") if isinstance(value, bool) else (
                str(value) if isinstance(value, (int, float, str)) else json.dumps(value, default=str))
            cells, row = table[p["path"]]
            expected = f"{text} ({p['unit']})" if text and p["unit"] else text
            assert cells[1 + i] == expected, (p["path"], cells)
            assert cells[-2:] == [p["description"], p["source"]]
            if i == 0:
                spanned += len(row) == 4
                differing += len(row) == 3 + len(labels)
    assert len(table) == len({p["path"] for r in data.runs for p in iter_parameters(r.scenario)})
    # The scenarios differ in the employers' match rate: one cell each; most values are shared.
    rate = table["fund.contributions[1].rate"][1]
    assert [span for _, span in rate[1:3]] == [1, 1] and rate[1][0] != rate[2][0]
    assert differing >= 2 and spanned > 10 * differing


def test_the_reports_charts_are_valid_vega_lite(data: ReportData) -> None:
    """The charts are written as Vega-Lite and drawn without validating it (Altair and its
    validation cost time on every report): here each is validated against the Vega-Lite schema,
    and is the chart Altair makes of it."""
    import altair as alt

    from sim import charts
    from sim.report import figures

    makers = {"band": charts.band_chart, "impact": charts.impact_chart, "difference": charts.difference_chart}
    jobs = figures.chart_jobs(data)
    assert {job.kind for job in jobs} == set(makers) and len(jobs) >= 5
    for job in jobs:
        spec = makers[job.kind](job.frame, **job.options)
        chart = alt.LayerChart.from_dict(spec, validate=True)  # raises if invalid
        assert chart.to_dict(validate=True)["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert charts.to_svg(chart) == charts.to_svg(spec)


def test_a_chart_with_missing_values_has_nulls_in_its_data() -> None:
    """Vega-Lite's JSON has no NaN: a missing value is null (as Altair writes it), and the chart
    is drawn with the point left out."""
    import pandas as pd

    from sim import charts

    nan = float("nan")
    frame = pd.DataFrame({"scenario": ["a", "a", "a"], "month": [1, 2, 3], "central": [1.0, nan, 3.0],
                          "low": [0.5, nan, 2.5], "high": [1.5, nan, 3.5]})
    spec = charts.band_chart(frame, title="t", y_title="y")
    values = spec["data"]["values"]
    assert values[1]["central"] is None and values[0]["central"] == 1.0 and values[2]["month"] == 3
    assert charts.to_svg(spec).startswith("<svg")


def test_chart_bands_are_the_percentiles_across_seeds_months_with_missing_seeds_too(data: ReportData) -> None:
    """A chart's band is, month by month, the 5th and 95th percentile of the seeds' values and its
    line their mean, ignoring seeds with no value that month (cost per placement has none before
    a run's first placement): whether every seed has a value or not."""
    import pandas as pd

    from sim.charts import band_frame

    runs = [(r.label, r.results) for r in data.runs]
    partial = 0
    for metric in ("cost_per_placement", "placements", "unemployment_rate"):
        frame = band_frame(runs, metric)
        for label, results in runs:
            wide = pd.concat([r.series(metric, "all", "all") for r in results], axis=1).sort_index()
            got = frame[frame.scenario == label].set_index("month")
            for month, row in got.iterrows():
                v = wide.loc[month].to_numpy(dtype=float)
                partial += bool(np.isnan(v).any())
                assert row.central == pytest.approx(np.nanmean(v))
                assert [row.low, row.high] == pytest.approx(list(np.nanpercentile(v, [5, 95])))
    assert partial > 0  # the case with missing seeds was met


def test_a_seed_table_is_the_same_stacked_or_aligned_by_label(data: ReportData) -> None:
    """One scenario's runs share their metrics, so their windows are stacked as one array; runs
    whose metrics differ are aligned by label, a missing metric left empty."""
    import pandas as pd

    from sim.report import tables

    runs = data.runs[1].results
    stacked = tables.seed_table(runs, 1, 24)
    aligned = pd.DataFrame.from_dict({r.seed: tables._window(r, "all", "all", 1, 24) for r in runs},
                                     orient="index")
    pd.testing.assert_frame_equal(stacked, aligned)
    assert list(stacked.index) == [r.seed for r in runs] and stacked.notna().any().all()

    class Fewer:  # a run that lacks one metric the others have
        def __init__(self, run: Any) -> None:
            self.seed = 99
            self._run = run

        def wide(self, sector: str = "all", group: str = "all") -> pd.DataFrame:
            return tables._wide(self._run, sector, group).drop(columns="placements")

    mixed = tables.seed_table([runs[0], Fewer(runs[0])], 1, 24)
    assert np.isnan(mixed.loc[99, "placements"]) and mixed.loc[runs[0].seed, "placements"] >= 0
    assert mixed.loc[99, "completions"] == mixed.loc[runs[0].seed, "completions"]


def test_a_long_chart_title_is_wrapped_to_the_charts_width() -> None:
    """Vega draws a title on one line and a printed chart is clipped at its own edge: the impact
    chart's title ("<scenario>: earnings gain over the same people without the fund, by
    programme") ran off the page. A long title is drawn as lines within the chart's width."""
    import pandas as pd

    from sim import charts

    frame = pd.DataFrame({"scenario": ["s"] * 2, "cell": ["course"] * 2, "year": [1, 2],
                          "central": [1.0, 2.0], "low": [0.5, 1.5], "high": [1.5, 2.5], "seeds": [8, 8]})
    title = "a_long_scenario_name: earnings gain over the same people without the fund, by programme"
    spec = charts.impact_chart(frame, title=title, width=560)
    lines = spec["title"]
    assert isinstance(lines, list) and len(lines) >= 2 and " ".join(lines) == title
    assert all(len(line) * charts.TITLE_PX_PER_CHARACTER <= 560 for line in lines)
    svg = charts.to_svg(spec)
    assert all(f">{line}<" in svg for line in lines)
    short = charts.band_chart(frame.rename(columns={"year": "month"}), title="Short", y_title="y")
    assert short["title"] == "Short"
    assert charts.impact_chart(frame, title=title, width="container")["title"] == title  # the app's: one line

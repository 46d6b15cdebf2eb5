"""The projection report as one self-contained HTML document (inline CSS and SVG charts, no
network references), and the same document printed to PDF with WeasyPrint."""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from markupsafe import Markup, escape

from sim.processes import usable_cores
from sim.report import ahead, figures, sections, tables
from sim.report import employers as employers_mod
from sim.report.data import ReportData
from sim.report.headlines import describe
from sim.report.printing import join_pdfs, load_weasyprint, pdf_bytes
from sim.report.text import executive_summary, fmt, headline_year

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAPER_SIZES = {"letter": "letter", "a4": "A4"}
REPORT_METRICS = ("fund_enrolments", "completions", "fund_placements", "placement_rate", "retention_12m",
                  "cost_per_placement", "earnings_gain_vs_counterfactual", "unemployment_rate",
                  "fund_balance", "fund_liabilities", "employer_roi", "public_roi")
COMPARE_METRICS = ("enrolments", "completions", "placements", "fund_placements", "unemployment_rate",
                   "fill_rate", "poached_trained_workers", "cost_per_placement", "fund_balance")


def _cells(frame: pd.DataFrame, cols: list[tuple[str, str]]) -> list[list[str]]:
    """Formatted table rows; `cols` = (column, unit or "unit" for the row's unit or "text")."""
    rows = []
    for rec in frame.to_dict("records"):
        row = []
        for key, kind in cols:
            v = rec.get(key)
            if kind == "text":
                row.append("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
            else:
                row.append(fmt(v, str(rec.get("unit", "")) if kind == "unit" else kind,
                               signed=key.startswith(("diff", "vs_"))))
        rows.append(row)
    return rows


def appendix_context(data: ReportData) -> dict[str, Any]:
    """What the appendix page needs: the scenarios and every parameter, nothing simulated
    (computed once per report data)."""
    if "appendix" not in data.cache:
        params = tables.parameters(data)
        cells = _cells(params, [("path", "text"), ("unit", "text"), ("description", "text"),
                                ("source", "text"), *[(r.label, "text") for r in data.runs]])
        data.cache["appendix"] = {
            "title": data.title,
            "params": [{"path": path, "values": shared_values(values, unit), "description": description,
                        "source": source} for path, unit, description, source, *values in cells],
            "scenarios": [{"label": r.label, "description": describe(r), "digest": r.scenario.digest()}
                          for r in data.runs],
        }
    return data.cache["appendix"]


def shared_values(values: list[str], unit: str) -> list[tuple[str, int]]:
    """One appendix row's values, one per scenario, as (text, columns spanned): a value that
    consecutive scenarios share is printed once across their columns, and the unit follows each
    value in brackets. (Nearly every parameter is the same in every scenario: this halves the
    appendix's table cells, which are most of WeasyPrint's work on it, and shows at a glance
    which values differ.)"""
    out: list[tuple[str, int]] = []
    for value in values:
        text = f"{value} ({unit})" if value and unit else value
        if out and out[-1][0] == text:
            out[-1] = (text, out[-1][1] + 1)
        else:
            out.append((text, 1))
    return out


def render_charts(data: ReportData) -> list[dict[str, str]]:
    """SVG charts with 90% bands across seeds, plus a paired-difference chart."""
    return figures.draw(figures.chart_jobs(data))


def start_charts(data: ReportData, *, print_css: str | None = None) -> None:
    """Start drawing the charts in the chart helper (where there are two cores), once per report
    data. With `print_css` (the PDF's style sheet) the helper also lays out the charts pages."""
    if "charts" not in data.cache and "charts_pending" not in data.cache:
        data.cache["charts_pending"] = ahead.draw_charts_later(
            draw_and_print_charts, figures.chart_jobs(data), print_css, data.title,
            parallel=usable_cores() >= 2)


def context(data: ReportData, *, with_charts: bool = True) -> dict[str, Any]:
    """Everything the template shows, computed once per report data (kept in `data.cache`: the
    PDF and the HTML of one call share it). The charts are drawn in a helper process (where
    there are two cores) while the tables are built here; `with_charts=False` does not wait
    for them (the PDF's parts other than the charts pages have none)."""
    if "context" in data.cache:
        out = data.cache["context"]
        return {**out, "charts": _charts(data)} if with_charts else out
    start_charts(data)
    head = tables.headline(data)
    first = data.first.scenario
    region = first.region
    year = headline_year(data)
    params = tables.parameters(data)
    sources = sorted({s for s in params.source.dropna() if s and s != "assumption"})
    flows = tables.fund_flows(data)
    emp = employers_mod.employers(data)
    out = {
        "data": data, "title": data.title, "date": data.created.strftime("%d %B %Y"),
        "region": (f"{region.n_workers:,} working-age people, {region.n_firms:,} employers and "
                   f"{region.n_providers:,} training providers in "
                   f"{', '.join(s.name.replace('_', ' ') for s in region.sectors)}"),
        "summary": executive_summary(data), "years": data.years,
        "headline_tables": sections.headline_tables(data),
        "projections": sections.projections(data, head, REPORT_METRICS),
        "headline_year": year, "first": data.first.label,
        "comparison": sections.comparison_rows(data, head, COMPARE_METRICS, year) if year else [],
        "flows": _cells(flows, [("scenario", "text"), ("year", "count"), ("fund_income_employers", "$"),
                                ("fund_income_public", "$"), ("fund_spend_providers", "$"),
                                ("fund_spend_supports", "$"), ("fund_spend_admin", "$"),
                                ("fund_spend_employers", "$"), ("balance_central", "$"),
                                ("liabilities_central", "$")]),
        "groups": sections.group_table(data),
        "employers": _cells(emp, [("scenario", "text"), ("size_class", "text"), ("firms", "count"),
                                  ("contributions", "$"), ("fund_payments_received", "$"),
                                  ("surplus_gain", "$"), ("net_gain", "$"),
                                  ("own_training_spend", "$"), ("trained_lost_to_poaching", "count"),
                                  ("trained_hired_from_others", "count")]),
        "employers_note": employers_mod.NOTE,
        "levers": sections.differing_levers(data),
        "valuation": sections.valuation_sensitivity(data),
        "n_assumed": int((params.role == "uncertainty").sum()),
        "sources": sources,
        "provenance": _cells(tables.provenance(data), [("item", "text"), ("value", "text")]),
        **appendix_context(data),
    }
    data.cache["context"] = out
    return {**out, "charts": _charts(data)} if with_charts else out


def _charts(data: ReportData) -> list[dict[str, str]]:
    """The charts: waited for (drawn in a helper) or drawn here, once per report data. Charts
    pages the helper printed are kept by the style sheet they were printed with."""
    if "charts" not in data.cache:
        pending = data.cache.pop("charts_pending", None)
        if pending is None:
            data.cache["charts"] = render_charts(data)
        else:
            data.cache["charts"], printed = pending()
            if printed is not None:
                data.cache["charts_pdf"] = printed
    return data.cache["charts"]


def warm_chart_helper(printing: bool) -> None:
    """The chart helper's start, before it is given anything to draw: vl-convert started and,
    for a PDF (`printing`: it lays out the charts pages), WeasyPrint and the template loaded."""
    figures.warm()
    if printing:
        load_weasyprint()
        compile_printed_template()


def draw_and_print_charts(jobs: list[figures.ChartJob], print_css: str | None,
                          title: str) -> tuple[list[dict[str, str]], tuple[str, bytes] | None]:
    """The charts (`figures.draw`) and, with `print_css`, the printed report's charts pages laid
    out as PDF: what the chart helper does, so the pages are laid out where the charts are."""
    charts = figures.draw(jobs)
    if print_css is None:
        return charts, None
    return charts, (print_css, pdf_bytes(charts_html(charts, print_css, title)))


def charts_html(charts: list[dict[str, str]], css: str, title: str) -> str:
    """The printed charts pages alone (the part `charts` of the template)."""
    return _env("charts").get_template("report.html.j2").render(css=css, part="charts", charts=charts,
                                                                 title=title)


SIGNED = re.compile(r"([\u2212+]\$?[\d][\d,.]*[MK]?)")


def unbroken(text: str) -> Markup:
    """Escaped text whose signed numbers (`−$1.5M`) never break across lines (a line may break
    between a sign and a dollar sign)."""
    return Markup(SIGNED.sub(r'<span class="nb">\1</span>', str(escape(text))))


WORD_JOINER = "\u2060"


def unbroken_print(text: str) -> Markup:
    """The same for WeasyPrint, with an invisible word joiner after the sign: its line breaker
    mishandles no-wrap spans (a later one can strand a word alone on a line before it), and the
    joiner is neither drawn nor extracted from the PDF."""
    return Markup(SIGNED.sub(lambda m: m.group(1)[0] + WORD_JOINER + m.group(1)[1:], str(escape(text))))


# The appendix is printed as its own document and numbered as such ("Appendix, page 3 of 11").
APPENDIX_PAGES_CSS = """
@page { @bottom-center { content: "Appendix, page " counter(page) " of " counter(pages); } }
@page :first { @bottom-center { content: "Appendix, page " counter(page) " of " counter(pages); }
               @bottom-left { content: "fundsim projection report"; } }
"""


Part = Literal["all", "front", "charts", "back", "appendix"]
# The printed body's parts carry no footers: they are laid out apart (in parallel), so neither
# knows the body's page count; the footers are printed afterwards, one page each (`footers_html`).
NO_FOOTERS_CSS = "@page { @bottom-center { content: none; } @bottom-left { content: none; } }\n"


def _env(part: str) -> Any:
    """The template's environment: one for the HTML export, one for the printed parts (their
    signed numbers are kept whole differently). Made once per process, so the template is
    compiled once (about 0.05 s each time), not for every part."""
    return _environment(printed=part != "all")


@functools.cache
def _environment(*, printed: bool) -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["unbroken"] = unbroken_print if printed else unbroken
    env.filters["svg_uri"] = svg_uri
    return env


def compile_printed_template() -> None:
    """Compile the printed parts' template now (`fundsim report` does, before it forks its
    helpers, so they have it compiled too)."""
    _env("front").get_template("report.html.j2")


def _css(data: ReportData) -> str:
    # The paper size is the one thing in the style sheet that varies (`--paper letter|a4`).
    return (TEMPLATES / "report.css").read_text(encoding="utf-8").replace("PAPER", PAPER_SIZES[data.paper])


def render_html(data: ReportData, part: Part = "all") -> str:
    """The report as HTML: all of it (the HTML export), or one part the PDF prints apart (in
    parallel): the front (cover to projections), the charts, the back (fund flows to key
    assumptions) or the appendix. The HTML export carries its charts as inline SVG; the printed
    charts are SVG images (`data:` URLs), which WeasyPrint reads with its XML parser instead of
    tokenising every chart element as HTML, for the same drawing."""
    env, css = _env(part), _css(data)
    if part == "appendix":
        return env.get_template("report.html.j2").render(css=css + APPENDIX_PAGES_CSS, part=part,
                                                         **appendix_context(data))
    if part == "charts":
        return charts_html(_charts(data), print_css(data), data.title)
    if part in ("front", "back"):
        css += NO_FOOTERS_CSS
    return env.get_template("report.html.j2").render(css=css, part=part,
                                                     **context(data, with_charts=part == "all"))


def print_css(data: ReportData) -> str:
    """The style sheet of the printed body's parts (laid out apart, footers printed later)."""
    return _css(data) + NO_FOOTERS_CSS


def footers_html(data: ReportData, landscape: list[bool]) -> str:
    """The body's footers alone, on as many pages as the body has, each the same way round as
    the body's page: "Page k of N" and the report's name, none on the cover (the style sheet's
    own rules, so they look as they would in one document)."""
    pages = "".join(f'<section class="{"page" if i else "first"}{" wide" if wide else ""}"></section>'
                    for i, wide in enumerate(landscape))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>{_css(data)}</style></head>'
            f"<body>{pages}</body></html>")


def svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def write_html(data: ReportData, path: Path) -> None:
    path.write_text(render_html(data), encoding="utf-8", newline="\n")


def start_appendix(data: ReportData) -> None:
    """Start laying out the appendix now, in a helper process (where there are two cores): it
    needs only the scenarios (`sim.report.data.report_outline`), so `fundsim report` starts it
    before reading the runs. `write_pdf` uses it if the appendix it prints is the same HTML."""
    if usable_cores() >= 2:
        ahead.start_layout(render_html(data, part="appendix"))


def write_pdf(data: ReportData, path: Path) -> None:
    """The body's three parts and the appendix are laid out at the same time, in helper processes
    where there are two cores (the appendix, every parameter of every scenario, was started
    first; the charts pages are laid out by the chart helper, which drew them), then joined into
    one file, with the body's page footers printed on it last."""
    load_weasyprint()  # before the fork, so the helper has it

    parallel = usable_cores() >= 2
    start_charts(data, print_css=print_css(data))  # first: the charts are the longest chain
    appendix = render_html(data, part="appendix")
    back = render_html(data, part="back")  # needs no chart: started while the charts are drawn
    if parallel:
        ahead.start_layout(appendix)
        ahead.start_layout(back)
    front = ahead.layout(render_html(data, part="front"))
    parts = [front, _charts_pdf(data), ahead.layout(back)]
    # The footers are laid out here while the appendix's helper may still be at work.
    path.write_bytes(join_pdfs(parts, lambda wide: pdf_bytes(footers_html(data, wide)),
                               lambda: ahead.layout(appendix)))


def _charts_pdf(data: ReportData) -> bytes:
    """The printed charts pages: the chart helper's, if it printed them with this report's style
    sheet, else laid out here."""
    _charts(data)
    printed = data.cache.get("charts_pdf")
    css = print_css(data)
    if printed is not None and printed[0] == css:
        return printed[1]
    return ahead.layout(render_html(data, part="charts"))

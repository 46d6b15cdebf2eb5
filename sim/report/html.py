"""The projection report as one self-contained HTML document (inline CSS and SVG charts, no
network references), and the same document printed to PDF with WeasyPrint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from sim import charts
from sim.outcomes import BY_NAME
from sim.processes import process_pool, usable_cores
from sim.report import employers as employers_mod
from sim.report import sections, tables
from sim.report.data import ReportData
from sim.report.headlines import comparisons, describe
from sim.report.text import executive_summary, fmt, headline_year

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAPER_SIZES = {"letter": "letter", "a4": "A4"}
REPORT_METRICS = ("fund_enrolments", "completions", "fund_placements", "placement_rate", "retention_12m",
                  "cost_per_placement", "earnings_gain_vs_counterfactual", "unemployment_rate",
                  "fund_balance", "fund_liabilities", "employer_roi", "public_roi")
COMPARE_METRICS = ("enrolments", "completions", "placements", "fund_placements", "unemployment_rate",
                   "fill_rate", "poached_trained_workers", "cost_per_placement", "fund_balance")


CHARTS = (  # metric, title, y title, y format, cumulative, with the counterfactual
    ("placements", "People placed in jobs after training, to date", "people", ",.0f", True, True),
    ("fund_placements", "Placements of fund-paid trainees, to date", "people", ",.0f", True, False),
    ("unemployment_rate", "Unemployment rate", "share", ".1%", False, True),
    ("fund_balance", "Fund balance at month end", "$", "$,.0f", False, False),
    ("cost_per_placement", "Cost per placement, to date", "$ per placement", "$,.0f", False, False),
)


def render_charts(data: ReportData) -> list[dict[str, str]]:
    """SVG charts with 90% bands across seeds, plus a paired-difference chart."""
    runs = [(r.label, r.results) for r in data.runs]
    with_cf = tables.all_runs(data)
    out = []
    for metric, title, y_title, y_format, cumulative, cf in CHARTS:
        frame = charts.band_frame(with_cf if cf else runs, metric, cumulative=cumulative)
        if frame.empty:
            continue
        note = ""
        if metric == "cost_per_placement":
            frame, note = _clip_early_spikes(frame)
        chart = charts.band_chart(frame, title=title, y_title=y_title, y_format=y_format)
        out.append({"title": title, "svg": charts.to_svg(chart),
                    "caption": f"{BY_NAME[metric].description} Line: mean across {len(data.seeds)} seeds; "
                               f"band: 5th to 95th percentile.{note}"})
    impact, by, title = charts.impact_overview(runs)
    if not impact.empty:
        chart = charts.impact_chart(impact, title=title, y_title="$ per month", by=by)
        out.append({"title": "Impact over time", "svg": charts.to_svg(chart),
                    "caption": "Fund participants' monthly earnings minus the same people's earnings without "
                               "the fund (common random numbers), by year since their first fund-paid "
                               f"start. Line: mean across {len(data.seeds)} seeds; band: 5th to 95th "
                               "percentile. Later years rest on the earliest starters only."})
    diff = _difference_frame(data)
    if not diff.empty:
        year = headline_year(data)
        chart = charts.difference_chart(diff, title=f"Additional placements in jobs through year {year}",
                                       width=300)
        out.append({"title": "Paired differences", "svg": charts.to_svg(chart),
                    "caption": "All placements in the region (fund-paid or not), each bar one scenario minus "
                               "its comparator on the same seeds (common random numbers); line: 90% range."})
    return out


def _clip_early_spikes(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Cost per placement to date is huge in the first months (spending starts before the first
    placements): cap the axis at twice the final value so the rest of the run is readable."""
    final = frame.groupby("scenario")["central"].last().max()
    if not np.isfinite(final) or final <= 0:
        return frame, ""
    cap = 2.0 * float(final)
    if float(frame["high"].max()) <= cap:
        return frame, ""
    clipped = frame.assign(**{c: frame[c].clip(upper=cap) for c in ("low", "central", "high")})
    return clipped, (f" Early months, when few people have been placed yet, are cut at {fmt(cap, '$')} "
                     "(twice the final value) so the rest of the run stays readable.")


def _difference_frame(data: ReportData) -> pd.DataFrame:
    """Additional placements (all placements) of each comparison at the summary's horizon."""
    year = headline_year(data)
    if year is None:
        return pd.DataFrame()
    rows = []
    for h in comparisons(data, 12 * year):
        e = h["additional_placements"]
        other = "no fund" if h.comparator_is_no_fund else h.comparator
        rows.append({"label": f"{h.scenario} minus {other}", "central": e.central, "low": e.low,
                     "high": e.high})
    return pd.DataFrame(rows)


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
    """What the appendix page needs: the scenarios and every parameter, nothing simulated."""
    params = tables.parameters(data)
    return {
        "title": data.title,
        "params": _cells(params, [("path", "text"), *[(r.label, "text") for r in data.runs],
                                  ("unit", "text"), ("description", "text"), ("source", "text")]),
        "scenarios": [{"label": r.label, "description": describe(r), "digest": r.scenario.digest()}
                      for r in data.runs],
    }


def context(data: ReportData) -> dict[str, Any]:
    head = tables.headline(data)
    first = data.first.scenario
    region = first.region
    year = headline_year(data)
    params = tables.parameters(data)
    sources = sorted({s for s in params.source.dropna() if s and s != "assumption"})
    flows = tables.fund_flows(data)
    emp = employers_mod.employers(data)
    return {
        "data": data, "title": data.title, "date": data.created.strftime("%d %B %Y"),
        "region": (f"{region.n_workers:,} working-age people, {region.n_firms:,} employers and "
                   f"{region.n_providers:,} training providers in "
                   f"{', '.join(s.name.replace('_', ' ') for s in region.sectors)}"),
        "summary": executive_summary(data), "years": data.years,
        "headline_tables": sections.headline_tables(data),
        "projections": sections.projections(data, head, REPORT_METRICS),
        "headline_year": year, "first": data.first.label,
        "comparison": sections.comparison_rows(data, head, COMPARE_METRICS, year) if year else [],
        "charts": render_charts(data),
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


def render_html(data: ReportData, part: Literal["all", "main", "appendix"] = "all") -> str:
    """The report as HTML: all of it (the HTML export), or the body or the appendix alone (the PDF
    prints them apart, in parallel)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["unbroken"] = unbroken if part == "all" else unbroken_print
    # The paper size is the one thing in the style sheet that varies (`--paper letter|a4`).
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8").replace("PAPER", PAPER_SIZES[data.paper])
    if part == "appendix":
        return env.get_template("report.html.j2").render(css=css + APPENDIX_PAGES_CSS, part=part,
                                                         **appendix_context(data))
    return env.get_template("report.html.j2").render(css=css, part=part, **context(data))


def write_html(data: ReportData, path: Path) -> None:
    path.write_text(render_html(data), encoding="utf-8", newline="\n")


def write_pdf(data: ReportData, path: Path) -> None:
    """The body and the appendix are laid out at the same time, in two processes where there are
    two cores (the appendix, every parameter of every scenario, is nearly half of WeasyPrint's
    work), then joined into one file."""
    import weasyprint  # noqa: F401 - imported before the fork, so the helper process has it

    appendix = render_html(data, part="appendix")
    pool = process_pool(1) if usable_cores() >= 2 else None
    try:
        pending = pool.submit(pdf_bytes, appendix) if pool is not None else None
        body = pdf_bytes(render_html(data, part="main"))
        tail = pending.result() if pending is not None else pdf_bytes(appendix)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    path.write_bytes(join_pdfs(body, tail))


def pdf_bytes(html: str) -> bytes:
    import weasyprint

    # No base URL and a fetcher that refuses everything: the document must not reach out.
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def join_pdfs(first: bytes, second: bytes) -> bytes:
    """One PDF: `first`'s pages, metadata and bookmarks, then `second`'s pages and bookmarks."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    head = PdfReader(io.BytesIO(first))
    writer.append(head)
    writer.append(PdfReader(io.BytesIO(second)))
    if head.metadata:
        writer.add_metadata({k: v for k, v in head.metadata.items() if isinstance(v, str)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    if url.startswith("data:"):
        import weasyprint

        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"the report refers to an external resource: {url}")

"""`fundsim report`: run scenarios on common seeds (with their no-fund counterfactual) and write
an Excel workbook, a PDF or self-contained HTML report, or CSV tables.

Registered on the main app by `sim/cli/main.py`; heavy modules are imported only when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.report import FORMATS, SUFFIXES, ReportError, check_target


def _infer_format(fmt: str | None, out: Path) -> str:
    if fmt:
        return fmt.lower()
    for name, suffixes in SUFFIXES.items():
        if out.suffix.lower() in suffixes:
            return name
    raise ReportError([f"--format: give one of {', '.join(FORMATS)} (cannot tell it from {str(out)!r})"])


def report(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario YAML file(s); the first is the reference.",
                                                   show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Report file: .xlsx, .pdf, .html, or .zip/.csv for CSV.",
                                      show_default=False)],
    fmt: Annotated[str | None, typer.Option(
        "--format", help=f"One of {', '.join(FORMATS)} (default: from the --out suffix).",
        show_default=False)] = None,
    seeds: Annotated[int, typer.Option("--seeds", help="Number of seeds.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="First seed; seeds run S, S+1, ..., S+N-1.")] = 1,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    title: Annotated[str, typer.Option("--title", help="Report title (default: the first scenario's).")] = "",
) -> None:
    """Projections with 90% ranges for grant writers: xlsx, pdf, html or csv.

    Every scenario and its no-fund counterfactual run on the same seeds. A failure leaves no
    half-written file; bad options or scenarios exit 2 before anything is simulated."""
    from sim.cli import common as cli
    from sim.report import write_report
    from sim.report.data import report_data_from_results
    from sim.scenario.sets import load_all, unique_names

    with cli.guard():
        cli.check_options(seeds, seed, workers)
        try:
            kind = _infer_format(fmt, out)
            target = check_target(kind, out)
        except ReportError as e:
            raise cli.InputError(e.lines) from None
        loaded = load_all(scenarios)  # every file's problems before running anything
        seed_list = list(range(seed, seed + seeds))
        labels = unique_names(loaded)
        results = cli.simulate(list(zip(labels, loaded, strict=True)), seed_list, workers)
        data = report_data_from_results(loaded, results, workers=workers, title=title)
        written = write_report(data, kind, target)
        typer.echo(f"Report written to {written}")

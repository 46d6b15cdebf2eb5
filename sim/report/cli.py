"""`fundsim report`: run scenarios on common seeds (with their no-fund counterfactual) and write
an Excel workbook, a PDF or self-contained HTML report, or CSV tables (several in one call).

Runs are read from, and added to, the run cache the app uses (`sim.runcache`, keyed by the
scenario, seed and engine code), so a report after the app computed the same comparison does not
simulate again. Registered on the main app by `sim/cli/main.py`; heavy modules are imported only when
it runs."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from sim.report import FORMATS, SUFFIXES, ReportError, check_target

if TYPE_CHECKING:
    from sim.report.data import ReportData
    from sim.scenario.schema import Scenario

YEARS = (1, 3, 5, 10)
PAPERS = ("letter", "a4")


def default_workers() -> int:
    """The cores this process may use (a container's or scheduler's limit, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def targets(fmt: str | None, out: Path) -> list[tuple[str, Path]]:
    """(format, file) pairs. One format writes to --out; several (`pdf,xlsx`) write --out with each
    format's suffix (`.zip` for csv). Without --format, the suffix of --out says which."""
    if not fmt:
        for name, suffixes in SUFFIXES.items():
            if out.suffix.lower() in suffixes:
                return [(name, out)]
        raise ReportError([f"--format: give one of {', '.join(FORMATS)} (cannot tell it from {str(out)!r})"])
    kinds = list(dict.fromkeys(k.strip().lower() for k in fmt.split(",") if k.strip()))
    bad = [k for k in kinds if k not in FORMATS]
    if bad or not kinds:
        raise ReportError([f"--format: must be one of {', '.join(FORMATS)} (several: comma-separated; "
                           f"you gave {fmt[:80]!r})"])
    if len(kinds) == 1:
        return [(kinds[0], out)]
    return [(k, out.with_suffix(SUFFIXES[k][-1] if k == "csv" else SUFFIXES[k][0])) for k in kinds]


def _progress(stream: TextIO | None = None) -> Callable[[int, int, str], None]:
    """Plain lines on stderr when it is not a terminal (logs, CI, schedulers); one updating line
    on a terminal."""
    err = stream or sys.stderr
    tty = bool(getattr(err, "isatty", lambda: False)())

    def show(done: int, total: int, what: str) -> None:
        text = f"simulated {done} of {total}: {what}"
        if tty:
            err.write("\r" + text[:100].ljust(100) + ("\n" if done == total else ""))
        else:
            err.write(text + "\n")
        err.flush()

    return show


def report(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario YAML file(s); the first is the reference.",
                                                   show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Report file: .xlsx, .pdf, .html, or .zip/.csv for CSV. "
                                      "With several formats, each gets its own suffix.", show_default=False)],
    fmt: Annotated[str | None, typer.Option(
        "--format", help=f"One or more of {', '.join(FORMATS)}, comma-separated (default: from the --out "
        "suffix). Several formats simulate once.", show_default=False)] = None,
    seeds: Annotated[int, typer.Option("--seeds", help="Number of seeds.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="First seed; seeds run S, S+1, ..., S+N-1.")] = 1,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Worker processes (default: the cores available).", show_default=False)] = None,
    years: Annotated[int, typer.Option("--years", help="The executive summary's first horizon in years: "
                                       "1, 3, 5 or 10 (then 10 years or the run's end).")] = 5,
    paper: Annotated[str, typer.Option("--paper", help="PDF paper size: letter or a4.")] = "letter",
    cache: Annotated[bool, typer.Option(
        "--cache/--no-cache", help="Read and keep runs in the run cache (FUNDSIM_CACHE_DIR, default "
        "~/.cache/fundsim), shared with the app.")] = True,
    title: Annotated[str, typer.Option("--title", help="Report title (default: the first scenario's).")] = "",
) -> None:
    """Projections with 90% ranges for grant writers: xlsx, pdf, html or csv.

    Every scenario and its no-fund counterfactual run on the same seeds. A failure leaves no
    half-written file; bad options or scenarios exit 2 before anything is simulated."""
    from sim.cli import common as cli

    n_workers = default_workers() if workers is None else workers
    with cli.guard():
        cli.check_options(seeds, seed, n_workers)
        problems = []
        if years not in YEARS:
            problems.append(f"--years: must be one of {', '.join(map(str, YEARS))} (you gave {years})")
        if paper.lower() not in PAPERS:
            problems.append(f"--paper: must be letter or a4 (you gave {paper[:40]!r})")
        try:
            pairs = targets(fmt, out)
            for kind, path in pairs:
                check_target(kind, path)
        except ReportError as e:
            problems.extend(e.lines)
        if problems:
            raise cli.InputError(problems)
        kinds = {kind for kind, _ in pairs}
        data = _report_data(scenarios, list(range(seed, seed + seeds)), n_workers, cache=cache, years=years,
                            paper=paper.lower(), title=title, pdf="pdf" in kinds,
                            charts=bool(kinds & {"pdf", "html"}))
        from sim.report import ahead, write_report

        try:
            for kind, path in pairs:
                typer.echo(f"Report written to {write_report(data, kind, path)}")
        finally:
            ahead.stop_all()  # helpers started for a document that was not written
        from sim.economics_text import headline_sentence
        from sim.report.headlines import comparisons, summary_horizons

        for months in summary_horizons(data):  # the report's headline, as its summary states it
            for h in comparisons(data, months):
                typer.echo(headline_sentence(h))


def _report_data(paths: list[str], seed_list: list[int], workers: int, *, cache: bool, years: int, paper: str,
                 title: str, pdf: bool = False, charts: bool = False) -> ReportData:
    """Load the scenarios, read or simulate their runs. For a PDF or HTML report, work that needs
    no run starts first, in helper processes: the chart renderer's start-up and the PDF
    appendix's layout (sim.report.ahead) overlap reading the runs."""
    from sim.report.data import report_data_from_results, report_outline
    from sim.runcache import RunCache, counterfactual_runs, default_cache_dir, ensure_runs
    from sim.scenario.sets import load_all

    loaded = load_all(paths)  # every file's problems before running anything
    bases = [_extended_preset(p) for p in paths]
    if charts or pdf:
        import functools

        from sim.report import ahead, html
        from sim.report.printing import load_weasyprint

        if html.usable_cores() >= 2:
            # Forked first, before anything starts a thread here: the charts are the report's
            # longest chain, and the helper loads WeasyPrint and starts vl-convert on the other
            # core while this process loads WeasyPrint and its templates (about 0.4 s).
            ahead.start_chart_helper(functools.partial(html.warm_chart_helper, pdf))

        if pdf:
            load_weasyprint()  # before the appendix's helper is forked, so it has it
            html.compile_printed_template()
            html.start_appendix(report_outline(loaded, title=title, years=years, paper=paper, bases=bases))
    store = RunCache(default_cache_dir() if cache else Path(_scratch()))
    show = _progress()
    results = ensure_runs(store, loaded, seed_list, workers=workers, progress=show)
    cfs = counterfactual_runs(store, loaded, results, seed_list, workers=workers, progress=show)
    return report_data_from_results(loaded, results, cfs, workers=workers, title=title, years=years,
                                    paper=paper, bases=bases)


def _scratch() -> str:
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="fundsim-report-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _extended_preset(path: str) -> Scenario | None:
    """The scenario a file `extends:` when the file does not describe itself: the report then
    describes it by what it changes, not by the parent's description."""
    import yaml

    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import load_scenario

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("extends"), str) or "description" in raw:
        return None
    try:
        return load_scenario(Path(path).parent / raw["extends"])
    except (ScenarioError, OSError, ValueError):  # the file itself loaded; only its description is lost
        return None

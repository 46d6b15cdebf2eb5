"""Exports for grant writers: an Excel workbook, a PDF or self-contained HTML report, and CSV tables.

    from sim.report import build_report, write_report, report_data_from_results
    build_report([scenario], seeds=range(1, 9), fmt="pdf", path="report.pdf")   # runs, then writes
    data = report_data_from_results([scenario], [cached_results])              # the app's cache
    write_report(data, "xlsx", "projections.xlsx")

Every file is written under a temporary name in the target folder and renamed when complete,
so a failure never leaves a half-written report."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.report.data import ReportData, compute_report_data, report_data_from_results

if TYPE_CHECKING:
    from sim.results import Results
    from sim.scenario.schema import Scenario

FORMATS = ("xlsx", "pdf", "html", "csv")
SUFFIXES = {"xlsx": (".xlsx",), "pdf": (".pdf",), "html": (".html", ".htm"), "csv": (".csv", ".zip")}

__all__ = ["FORMATS", "ReportData", "ReportError", "build_report", "check_target", "compute_report_data",
           "report_data_from_results", "write_report"]


class ReportError(ValueError):
    """Invalid report options (format, output path): `field: message` lines."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def check_target(fmt: str, path: str | os.PathLike[str]) -> Path:
    """Check the format and output path before any simulation; every problem at once."""
    problems = []
    p = Path(path)
    if fmt not in FORMATS:
        problems.append(f"--format: must be one of {', '.join(FORMATS)} (you gave {fmt!r})")
    elif p.suffix.lower() not in SUFFIXES[fmt]:
        problems.append(f"--out: a {fmt} report needs a file name ending in {' or '.join(SUFFIXES[fmt])} "
                        f"(you gave {str(p)!r})")
    folder = p.parent if str(p.parent) else Path(".")
    if "\0" in str(p):
        problems.append("--out: contains a NUL character")
    elif p.exists() and p.is_dir():
        problems.append(f"--out: is a folder, not a file ({str(p)!r})")
    elif not folder.is_dir():
        problems.append(f"--out: the folder {str(folder)!r} does not exist")
    elif not os.access(folder, os.W_OK | os.X_OK):
        problems.append(f"--out: cannot write in the folder {str(folder)!r} (permission denied)")
    elif p.exists() and not os.access(p, os.W_OK):
        problems.append(f"--out: the file {str(p)!r} exists and is read-only")
    if problems:
        raise ReportError(problems)
    return p


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_report(data: ReportData, fmt: str, path: str | os.PathLike[str]) -> Path:
    """Write one report in `fmt` (xlsx, pdf, html, csv) to `path`; return the path."""
    target = check_target(fmt, path)
    if fmt == "xlsx":
        from sim.report.xlsx import write_xlsx

        _atomic(target, lambda p: write_xlsx(data, p))
    elif fmt in ("pdf", "html"):
        from sim.report import html

        _atomic(target, lambda p: (html.write_pdf if fmt == "pdf" else html.write_html)(data, p))
    elif target.suffix.lower() == ".zip":
        from sim.report.csvout import write_csv_zip

        _atomic(target, lambda p: write_csv_zip(data, p))
    else:
        from sim.report.csvout import write_csv_files

        write_csv_files(data, target)
    return target


def build_report(scenarios: Sequence[Scenario], seeds: Sequence[int], fmt: str, path: str | os.PathLike[str],
                 *, workers: int = 1, results: Sequence[Sequence[Results]] | None = None,
                 on_done: Callable[[Results], None] | None = None, title: str = "") -> Path:
    """Run (or reuse `results` for) every scenario on `seeds`, with the no-fund counterfactual,
    and write the report. The target is checked before anything is simulated."""
    check_target(fmt, path)
    if results is not None:
        data = report_data_from_results(scenarios, results, workers=workers, title=title)
    else:
        data = compute_report_data(scenarios, seeds, workers=workers, on_done=on_done, title=title)
    return write_report(data, fmt, path)

"""`fundsim report` from the shell: bad input exits 2 and leaves no file; the same inputs give the
same report apart from the date."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = f"""extends: {ROOT / "scenarios" / "baseline.yaml"}
name: tiny
horizon_months: 24
region: {{n_workers: 1500, n_firms: 30, n_providers: 3}}
phases: {{system_development_months: 1, programme_design_months: 1}}
"""


def fundsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False)


@pytest.fixture(autouse=True)
def run_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Reports read and fill the run cache: a fresh one per test, never the user's."""
    folder = tmp_path_factory.mktemp("run-cache")
    monkeypatch.setenv("FUNDSIM_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "tiny.yaml" and p.name != "bad.yaml")


def test_unknown_format_exits_2(tiny: Path, tmp_path: Path) -> None:
    done = fundsim("report", tiny, "--format", "docx", "--out", tmp_path / "r.docx", "--seeds", "1")
    assert done.returncode == 2
    assert "--format: must be one of xlsx, pdf, html, csv" in done.stderr
    assert _leftovers(tmp_path) == []


def test_wrong_suffix_and_missing_folder_exit_2(tiny: Path, tmp_path: Path) -> None:
    done = fundsim("report", tiny, "--format", "pdf", "--out", tmp_path / "r.xlsx", "--seeds", "1")
    assert done.returncode == 2 and "--out: a pdf report needs a file name ending in .pdf" in done.stderr
    done = fundsim("report", tiny, "--out", tmp_path / "missing" / "r.pdf", "--seeds", "1")
    assert done.returncode == 2 and "does not exist" in done.stderr
    assert "Traceback" not in done.stderr
    assert _leftovers(tmp_path) == []


def test_invalid_scenario_exits_2_with_field_messages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("n_workers: 1500", "n_workers: -5"), encoding="utf-8")
    done = fundsim("report", bad, "--out", tmp_path / "r.xlsx", "--seeds", "1")
    assert done.returncode == 2
    assert "region.n_workers" in done.stderr
    assert _leftovers(tmp_path) == []


def test_same_inputs_same_report_apart_from_the_date(tiny: Path, tmp_path: Path) -> None:
    import openpyxl

    for name in ("a.xlsx", "b.xlsx"):
        done = fundsim("report", tiny, "--seeds", "1", "--out", tmp_path / name)
        assert done.returncode == 0, done.stderr
        assert "Report written to" in done.stdout
    a, b = (openpyxl.load_workbook(tmp_path / n, read_only=True) for n in ("a.xlsx", "b.xlsx"))
    assert a.sheetnames == b.sheetnames
    for sheet in a.sheetnames:
        rows_a = list(a[sheet].iter_rows(values_only=True))
        rows_b = list(b[sheet].iter_rows(values_only=True))
        if sheet == "Provenance":  # the date differs; nothing else may
            rows_a = [r for r in rows_a if r[0] != "created (UTC)"]
            rows_b = [r for r in rows_b if r[0] != "created (UTC)"]
        assert rows_a == rows_b, sheet
    assert _leftovers(tmp_path) == ["a.xlsx", "b.xlsx"]


def test_csv_report_from_the_shell(tiny: Path, tmp_path: Path) -> None:
    done = fundsim("report", tiny, "--seeds", "1", "--format", "csv", "--out", tmp_path / "tables.csv")
    assert done.returncode == 0, done.stderr
    names = _leftovers(tmp_path)
    assert "tables.csv" in names and "tables.annual_projections.csv" in names
    assert not [n for n in names if n.endswith(".tmp")]
    done = fundsim("report", tiny, "--seeds", "1", "--out", tmp_path / "tables.zip")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "tables.zip") as z:
        assert "summary.csv" in z.namelist()


def test_several_formats_simulate_once_print_plain_progress_and_reuse_the_cache(tiny: Path,
                                                                               tmp_path: Path) -> None:
    import time

    done = fundsim("report", tiny, "--seeds", "2", "--format", "pdf,xlsx", "--out", tmp_path / "r.pdf")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.pdf").is_file() and (tmp_path / "r.xlsx").is_file()
    # Not a terminal: one plain line per finished run; the scenario on 2 seeds, simulated once for
    # both formats. Its no-fund twin is stepped with it and kept, so it is not simulated again.
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("simulated ")]
    assert "\r" not in done.stderr and len(lines) == 2, done.stderr
    assert "Over 2 years, tiny places" in done.stdout  # the headline, as the summary states it
    assert lines[-1].startswith("simulated 2 of 2")
    start = time.perf_counter()
    again = fundsim("report", tiny, "--seeds", "2", "--format", "xlsx", "--out", tmp_path / "again.xlsx")
    assert again.returncode == 0, again.stderr
    assert "simulated" not in again.stderr  # every run came from the cache
    assert time.perf_counter() - start < 60
    # A PDF from cached runs never loads the engine (Mesa, numba, scipy: seconds of imports).
    code = ("import sys, runpy\nsys.argv = ['fundsim'] + sys.argv[1:]\n"
            "try:\n    runpy.run_module('sim.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in ('mesa', 'numba', 'scipy')"
            " or m.startswith('sim.engine.')))")
    pdf = subprocess.run([sys.executable, "-c", code, "report", str(tiny), "--seeds", "2", "--out",
                          str(tmp_path / "cached.pdf")],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert (tmp_path / "cached.pdf").is_file(), pdf.stderr
    assert "LOADED []" in pdf.stdout, pdf.stdout[-400:]


def test_bad_years_and_paper_exit_2_before_simulating(tiny: Path, tmp_path: Path) -> None:
    done = fundsim("report", tiny, "--years", "7", "--paper", "legal", "--out", tmp_path / "r.pdf")
    assert done.returncode == 2
    assert "--years: must be one of 1, 3, 5, 10" in done.stderr
    assert "--paper: must be letter or a4" in done.stderr
    assert "simulated" not in done.stderr and _leftovers(tmp_path) == []


def test_workers_default_to_the_cores_this_process_may_use() -> None:
    import os

    from sim.report.cli import default_workers

    assert default_workers() == len(os.sched_getaffinity(0))
    help_text = fundsim("report", "--help").stdout
    assert "default: the cores" in help_text


def test_compare_prints_the_headline_sentence(tiny: Path, tmp_path: Path) -> None:
    """`fundsim compare` ends with the same headline sentence the app and the reports print; a
    no-fund scenario of the same region is "the same region with no fund", another region's is named."""
    off = tmp_path / "off.yaml"
    off.write_text(f"extends: {tiny}\nname: tiny_off\nfund: {{enabled: false}}\n", encoding="utf-8")
    done = fundsim("compare", off, tiny, "--seeds", "2")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "Over 2 years, tiny places" in text and "than the same region with no fund (90% range" in text
    assert "Discounted at 3% a year, net present values are: participants" in text
    other = fundsim("compare", ROOT / "scenarios" / "no_fund.yaml", tiny, "--seeds", "1")
    assert other.returncode == 0, other.stderr
    assert "than no_fund" in " ".join(other.stdout.split())

"""Downloads: the compared scenarios as YAML files (a ZIP, one full file each), the results as
one CSV (every metric per scenario with its 90% range and the paired difference from the
reference), and the Excel and PDF reports (sim.report) made from the runs already on screen."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from sim.report import report_data_from_results, write_report
from sim.results import Results, paired_difference, summarize
from sim.scenario.loader import scenario_to_yaml
from sim.scenario.schema import Scenario

FIXED_TIME = (2000, 1, 1, 0, 0, 0)
CSV_COLUMNS = ["scenario", "role", "metric", "unit", "mean", "p05", "p50", "p95", "diff_vs_reference",
               "diff_low_90", "diff_high_90", "n_seeds"]


def file_stem(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_") or "scenario"


def scenarios_zip(labels: Sequence[str], scenarios: Sequence[Scenario]) -> bytes:
    """One full YAML file per scenario (loadable on its own), in compare order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (label, s) in enumerate(zip(labels, scenarios, strict=True)):
            head = "# reference scenario\n" if i == 0 else f"# compared with {labels[0]}\n"
            info = zipfile.ZipInfo(f"{i + 1}_{file_stem(label)}.yaml", FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, head + scenario_to_yaml(s))
    return buf.getvalue()


def results_table(labels: Sequence[str], runs: Sequence[Sequence[Results]]) -> pd.DataFrame:
    """Every metric of every scenario over the horizon, with the paired difference from the first."""
    parts = []
    for i, (label, rs) in enumerate(zip(labels, runs, strict=True)):
        s = summarize(rs)
        s.insert(0, "role", "reference" if i == 0 else "compared")
        s.insert(0, "scenario", label)
        if i:
            d = paired_difference(runs[0], rs).set_index("metric")
            s["diff_vs_reference"] = s["metric"].map(d["diff_mean"])
            s["diff_low_90"] = s["metric"].map(d["diff_low"])
            s["diff_high_90"] = s["metric"].map(d["diff_high"])
        s["n_seeds"] = len(rs)
        parts.append(s)
    return pd.concat(parts, ignore_index=True).reindex(columns=CSV_COLUMNS)


def results_csv(labels: Sequence[str], runs: Sequence[Sequence[Results]]) -> bytes:
    return results_table(labels, runs).to_csv(index=False).encode("utf-8")


def report_bytes(fmts: Sequence[str], scenarios: Sequence[Scenario], runs: Sequence[Sequence[Results]],
                 counterfactuals: Sequence[Sequence[Results]], title: str = "", years: int | None = None,
                 bases: Sequence[Scenario | None] | None = None, paper: str = "letter",
                 step: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """Reports (xlsx, pdf) from the runs already computed, each written to a temporary file, at
    the horizon the page's headline shows (`years`), each edited scenario described by what
    changed from the preset it was edited from (`bases`), on `paper` (letter or a4). The report's
    numbers are computed once for all formats; `step(fmt)` is called before each is written."""
    extra: dict = {} if years is None else {"years": int(years)}
    data = report_data_from_results(list(scenarios), [list(r) for r in runs],
                                    [list(c) for c in counterfactuals], title=title, bases=bases, paper=paper,
                                    **extra)
    out = {}
    with tempfile.TemporaryDirectory(prefix="fundsim-report-") as tmp:
        for fmt in fmts:
            if step is not None:
                step(fmt)
            path = Path(tmp) / f"report.{fmt}"
            write_report(data, fmt, path)
            out[fmt] = path.read_bytes()
    return out

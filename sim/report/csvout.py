"""CSV export: the report's tidy tables as CSV files.

`--out NAME.zip` writes one ZIP archive holding `summary.csv`, `headline_economics.csv` (every
headline figure per comparison and horizon, with the sentence the app and the PDF print),
`annual_projections.csv`, `fund_flows.csv`,
`fund_ledger.csv`, `outcomes_by_group.csv`, `employers.csv`, `assumptions.csv`,
`provenance.csv`, the raw `metrics.csv` (scenario, seed, month, metric, sector, group, value;
counterfactual runs labelled "<scenario> (no fund)"), `impact.csv` (participants against their
no-fund twin by months since first fund start) and `training_accounts.csv` (per training firm);
its entries carry a fixed timestamp.
`--out NAME.csv` writes the summary to NAME.csv and every other table beside it as
NAME.<table>.csv (e.g. `report.annual_projections.csv`). Either way every file is written under a
temporary name first and renamed only when all are complete."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pandas as pd

from sim.report import employers as employers_mod
from sim.report import tables
from sim.report.data import ReportData
from sim.report.headlines import headline_table
from sim.report.safe import safe_frame

FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def csv_tables(data: ReportData, head: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    metrics = []
    for label, results in tables.all_runs(data):
        for r in results:
            m = r.metrics.copy()
            m.insert(0, "seed", int(r.seed))
            m.insert(0, "scenario", label)
            metrics.append(m)
    frames = {
        "summary": tables.headline(data) if head is None else head,
        "headline_economics": headline_table(data),
        "annual_projections": tables.annual(data),
        "fund_flows": tables.fund_flows(data),
        "fund_ledger": tables.ledger_categories(data),
        "outcomes_by_group": tables.by_group(data),
        "employers": employers_mod.employers(data),
        "assumptions": tables.parameters(data),
        "provenance": tables.provenance(data),
        "metrics": pd.concat(metrics, ignore_index=True),
        "impact": _tagged(data, "impact"),
        "training_accounts": _tagged(data, "training_accounts"),
    }
    return {name: safe_frame(frame) for name, frame in frames.items()}


def _tagged(data: ReportData, table: str) -> pd.DataFrame:
    """A results table (impact by time since start, firms' training accounts) of every scenario
    and seed, with scenario and seed columns first."""
    parts = []
    for r in data.runs:
        for res in r.results:
            t = getattr(res, table).copy()
            t.insert(0, "seed", int(res.seed))
            t.insert(0, "scenario", r.label)
            parts.append(t)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["scenario", "seed"])


def write_csv_zip(data: ReportData, path: Path, head: pd.DataFrame | None = None) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, frame in csv_tables(data, head).items():
            buf = io.StringIO()
            frame.to_csv(buf, index=False, lineterminator="\n")
            info = zipfile.ZipInfo(f"{name}.csv", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue())


def sibling_paths(path: Path) -> dict[str, Path]:
    """Where `--out NAME.csv` puts each table: the summary at NAME.csv, the rest beside it."""
    names = ["summary", "headline_economics", "annual_projections", "fund_flows", "fund_ledger",
             "outcomes_by_group", "employers", "assumptions", "provenance", "metrics", "impact",
             "training_accounts"]
    return {n: path if n == "summary" else path.with_name(f"{path.stem}.{n}.csv") for n in names}


def write_csv_files(data: ReportData, path: Path, head: pd.DataFrame | None = None) -> list[Path]:
    """NAME.csv plus siblings; all or nothing (temporary names, then renames)."""
    targets = sibling_paths(path)
    frames = csv_tables(data, head)
    temps: dict[Path, Path] = {}
    try:
        for name, target in targets.items():
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temps[tmp] = target
            frames[name].to_csv(tmp, index=False, lineterminator="\n")
        for tmp, target in temps.items():
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return list(targets.values())

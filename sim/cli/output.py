"""Printing and writing for the CLI: rich tables, parameter tables, tidy frames, atomic files."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.results import Results

METRICS_COLUMNS = ["scenario", "seed", "month", "metric", "sector", "group", "value"]
LEDGER_COLUMNS = ["scenario", "seed", "month", "payer", "payee", "category", "amount_cents"]
SUMMARY_COLUMNS = ["metric", "unit", "mean", "p05", "p50", "p95"]
COMPARISON_COLUMNS = ["scenario", "reference", "metric", "unit", "a_mean", "b_mean", "diff_mean",
                      "diff_low", "diff_high", "p_value", "n_seeds"]
PARAM_COLUMNS = ["path", "value", "unit", "min", "max", "role", "source", "description"]

# The metrics worth a line in a printed summary (all of them go to summary.csv).
KEY_METRICS = (
    "enrolments", "completions", "credential_rate", "placements", "placement_rate", "retention_12m",
    "median_wage_participants", "earnings_gain_vs_counterfactual", "unemployment_rate", "fill_rate",
    "poached_trained_workers", "hard_to_serve_share", "fund_balance", "fund_income_employers",
    "fund_income_public", "fund_spend_providers", "fund_spend_admin", "cost_per_placement",
    "employer_roi", "public_roi", "firms_in_fund",
)


def console(stderr: bool = False) -> Console:
    """A console that does not squeeze tables to 80 columns when output is piped."""
    c = Console(stderr=stderr)
    return c if c.is_terminal else Console(stderr=stderr, width=max(c.width, 200))


def safe_dirname(name: str) -> str:
    """A scenario name made safe as one folder name (`out/<name>`)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"
    return cleaned[:80]


# --- numbers -----------------------------------------------------------------------------------

def fmt(value: float, unit: str, signed: bool = False) -> str:
    """A value in its unit: shares as %, money as $ (millions as M), ratios with 2 decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "share":
        value, suffix, digits = value * 100, " pp" if signed else "%", 1
    elif unit.startswith("$") and abs(value) >= 1e6:
        value, suffix, digits = value / 1e6, "M", 2
    elif unit.startswith("$ per $") or unit == "index":
        suffix, digits = "", 2 if unit.startswith("$") else 3
    else:  # money and counts
        suffix, digits = "", 0 if unit.startswith("$") or abs(value) >= 100 else 1
    value = round(value, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    dollar = "$" if unit.startswith("$") and not unit.startswith("$ per $") else ""
    return f"{sign}{dollar}{abs(value):,.{digits}f}{suffix}"


def fmt_p(p: float) -> str:
    if p is None or math.isnan(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _key_rows(frame: pd.DataFrame) -> pd.DataFrame:
    keyed = frame[frame.metric.isin(KEY_METRICS)].copy()
    keyed["_order"] = keyed.metric.map({m: i for i, m in enumerate(KEY_METRICS)})
    return keyed.sort_values("_order")


# --- printed tables ----------------------------------------------------------------------------

def summary_table(summary: pd.DataFrame, title: str) -> Table:
    """Key metrics over the horizon: mean and the 5-95% range across seeds."""
    t = Table(title=title, title_justify="left")
    t.add_column("Metric", no_wrap=True)
    t.add_column("Unit")
    t.add_column("Mean", justify="right")
    t.add_column("5–95% range", justify="right")
    for r in _key_rows(summary).itertuples():
        if all(math.isnan(v) for v in (r.mean, r.p05, r.p95)):
            continue  # e.g. returns without a counterfactual: not measured, not zero
        spread = "" if r.p05 == r.p95 else f"{fmt(r.p05, r.unit)} to {fmt(r.p95, r.unit)}"
        t.add_row(r.metric, r.unit, fmt(r.mean, r.unit), spread)
    return t


def comparison_table(diff: pd.DataFrame, title: str, confidence: float) -> Table:
    """Paired differences (B minus A) of the key metrics, with their interval and p-value."""
    t = Table(title=title, title_justify="left")
    t.add_column("Metric", no_wrap=True)
    t.add_column("Unit")
    t.add_column("Reference", justify="right")
    t.add_column("This", justify="right")
    t.add_column("Difference", justify="right")
    t.add_column(f"{confidence:.0%} interval", justify="right")
    t.add_column("p", justify="right")
    for r in _key_rows(diff).itertuples():
        if math.isnan(r.a_mean) and math.isnan(r.b_mean):
            continue
        interval = "" if math.isnan(r.diff_low) else \
            f"{fmt(r.diff_low, r.unit, signed=True)} to {fmt(r.diff_high, r.unit, signed=True)}"
        t.add_row(r.metric, r.unit, fmt(r.a_mean, r.unit), fmt(r.b_mean, r.unit),
                  fmt(r.diff_mean, r.unit, signed=True), interval, fmt_p(r.p_value))
    return t


# --- parameters --------------------------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str)
    return str(value)


def params_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{c: _cell(r.get(c)) for c in PARAM_COLUMNS} for r in rows], columns=PARAM_COLUMNS)


def params_markdown(frame: pd.DataFrame) -> str:
    """A GitHub markdown table (pipes and line breaks inside cells escaped)."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(PARAM_COLUMNS) + " |", "|" + "---|" * len(PARAM_COLUMNS)]
    lines += ["| " + " | ".join(esc(str(v)) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def params_table(frame: pd.DataFrame, title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for c in PARAM_COLUMNS:
        wraps = c in ("value", "source", "description")  # long lists and citations wrap
        t.add_column(c, no_wrap=not wraps, overflow="fold", max_width=40 if c == "value" else None)
    for row in frame.itertuples(index=False):
        t.add_row(*(escape(str(v)) for v in row))
    return t


# --- tidy frames across seeds ------------------------------------------------------------------

def tag(results: Sequence[Results], label: str, attr: str, columns: list[str]) -> pd.DataFrame:
    """Concatenate one frame per seed with `scenario` and `seed` columns, in exactly `columns`."""
    parts = []
    for r in results:
        df = getattr(r, attr).copy()
        df.insert(0, "seed", int(r.seed))
        df.insert(0, "scenario", label)
        parts.append(df)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:  # an engine change, not a user error: fail rather than write NaN columns
        raise RuntimeError(f"run results lack the {attr} columns {missing}")
    frame = frame[columns].copy()
    frame["seed"] = frame["seed"].astype("int64")
    frame["month"] = frame["month"].astype("int64")
    if "amount_cents" in frame:
        frame["amount_cents"] = frame["amount_cents"].astype("int64")
    return frame


def providers_frame(results: Sequence[Results], label: str) -> pd.DataFrame:
    return tables_frame(results, label, "providers")


def tables_frame(results: Sequence[Results], label: str, attr: str) -> pd.DataFrame:
    """A results table (providers, impact, training_accounts) of every seed, with `scenario` and
    `seed` columns first."""
    parts = []
    for r in results:
        df = getattr(r, attr).copy()
        df.insert(0, "seed", int(r.seed))
        df.insert(0, "scenario", label)
        parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["scenario", "seed"])


# --- atomic files ------------------------------------------------------------------------------

def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary name in the same folder, then rename: never a half file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    write_atomic(path, lambda p: frame.to_parquet(p, index=False))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_atomic(path, lambda p: frame.to_csv(p, index=False))


def write_text(text: str, path: Path) -> None:
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8", newline="\n"))

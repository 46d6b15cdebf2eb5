"""The workbook's tables of participants' gains by year since their first fund-paid start and of
training firms' accounts: the same runs as the CSV export's impact.csv and training_accounts.csv
(docs/metrics.md), laid out as the other sheets are (a range across seeds, units in headers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.report.data import HIGH_Q, LOW_Q, ReportData

SPLITS = ("all", "kind", "provider", "group", "cohort")  # sim.results.impact_curve's breakdowns
MEASURES = ("earnings_gain", "employment_gain", "credential_gain")  # each with a 90% range
RATES = ("credential_rate", "twin_credential_rate")
IMPACT_COLUMNS = ["scenario", "split", "cell", "year", "seeds", "participants",
                  *[f"{m}{s}" for m in MEASURES for s in ("", "_low", "_high")], *RATES]


def _band(values: np.ndarray) -> tuple[float, float, float]:
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    low, high = np.percentile(v, [LOW_Q, HIGH_Q])
    return float(v.mean()), float(low), float(high)


def impact_by_year(data: ReportData) -> pd.DataFrame:
    """Per scenario with fund participants, breakdown, cell and year since first start: the mean
    across seeds of participant-months and of the gains over the no-fund twin (earnings in $ per
    participant-month, employment and credentials as shares), with the 5th-95th percentile range
    across seeds. A scenario without a twin (no fund) has no rows: nothing is claimed."""
    from sim.results import impact_curve

    rows = []
    for run in data.runs:
        for split in SPLITS:
            curve = impact_curve(run.results, by="year", split=split)
            for (cell, year), g in curve.groupby(["value", "year"], sort=True):
                row = {"scenario": run.label, "split": split, "cell": str(cell).replace("_", " "),
                       "year": int(year), "seeds": int(len(g)),
                       "participants": float(g["participants"].mean())}
                for m in MEASURES:
                    row[m], row[f"{m}_low"], row[f"{m}_high"] = _band(g[m].to_numpy(dtype=float))
                for r in RATES:
                    row[r] = float(np.nanmean(g[r].to_numpy(dtype=float)))
                rows.append(row)
    return pd.DataFrame(rows, columns=IMPACT_COLUMNS)


def training_accounts(data: ReportData) -> pd.DataFrame:
    """Every training firm's account (one row per scenario, seed and firm that hosted an
    apprentice), as sim's Results.training_accounts holds it."""
    parts = []
    for run in data.runs:
        for res in run.results:
            t = res.training_accounts.copy()
            t.insert(0, "seed", int(res.seed))
            t.insert(0, "scenario", run.label)
            parts.append(t)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["scenario", "seed"])

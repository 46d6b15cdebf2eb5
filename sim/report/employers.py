"""What employers paid and what they gained, by firm size class.

Attributable from the run's records: contributions (ledger rows from `firm:<id>` to the fund),
fund payments to firms (grants, subsidies, refunds: ledger rows from the fund to `firm:<id>`),
firms' own training spending (ledger `own_training`), and trained workers moving between size
classes (the poaching matrix: who paid for the training x who hired the worker away).
The surplus gain (value added - wages - turnover costs - own training, against the same firm in
the no-fund counterfactual) is measured per firm by the engine (`Results.firms`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.labels import SIZE_CLASSES
from sim.report.data import ReportData, per_report
from sim.results import Results

NOTE = ("Contributions, fund payments and own training spending are summed from the ledger per firm "
        "and grouped by the firm's size class (head count at the start). Trained workers lost and "
        "gained come from the poaching matrix. The surplus gain is each firm's value added minus "
        "wages, turnover costs and own training, against the same firm without the fund (same "
        "people and shocks); net gain = surplus gain + fund payments received - contributions.")
COLUMNS = ["scenario", "size_class", "firms", "contributions", "fund_payments_received", "net_cash_to_fund",
           "surplus_gain", "net_gain", "own_training_spend", "trained_lost_to_poaching",
           "trained_hired_from_others", "fund_trained_hired"]


def _size_classes(r: Results) -> np.ndarray:
    """Each firm's size class index (head count at the start), from the run's firm table."""
    index = {name: i for i, name in enumerate(SIZE_CLASSES)}
    return r.firms["size_class"].map(index).to_numpy(dtype=np.int64)


def _by_class(firm: pd.Series, rows: np.ndarray, dollars: np.ndarray, classes: np.ndarray,
              n_classes: int) -> np.ndarray:
    """Dollars of the ledger `rows` summed by the size class of the firm named in `firm`."""
    # "firm:17" -> 17, parsed by Arrow (a NumPy cast goes through Python objects, value by value);
    # only this column's chosen rows are taken, not the whole ledger's (its text columns are slow).
    ids = firm[rows].str.slice(5).astype("int64[pyarrow]").to_numpy(dtype=np.int64)
    return np.bincount(classes[ids], weights=dollars[rows], minlength=n_classes)


def _one_seed(r: Results, names: list[str]) -> dict[str, np.ndarray]:
    k = len(names)
    classes = _size_classes(r)
    led = r.ledger
    payer, payee = led.payer, led.payee
    firm_pays = payer.str.startswith("firm:").to_numpy(dtype=bool)
    to_fund = firm_pays & (payee == "fund").to_numpy(dtype=bool)
    from_fund = (payer == "fund").to_numpy(dtype=bool) & payee.str.startswith("firm:").to_numpy(dtype=bool)
    own = firm_pays & (led.category == "own_training").to_numpy(dtype=bool)
    dollars = led.amount_cents.to_numpy() / 100.0
    pm = r.poaching.set_index("trained_by").reindex(columns=names, fill_value=0)
    firm_rows = pm.reindex(names, fill_value=0)
    return {
        "firms": np.bincount(classes, minlength=k).astype(float),
        "contributions": _by_class(payer, to_fund, dollars, classes, k),
        "fund_payments_received": _by_class(payee, from_fund, dollars, classes, k),
        "own_training_spend": _by_class(payer, own, dollars, classes, k),
        "surplus_gain": np.bincount(classes, weights=r.firms["surplus_gain"].to_numpy(dtype=float),
                                    minlength=k),
        "trained_lost_to_poaching": firm_rows.sum(axis=1).to_numpy(dtype=float),
        "trained_hired_from_others": pm.sum(axis=0).to_numpy(dtype=float),
        "fund_trained_hired": (pm.loc["fund"].to_numpy(dtype=float) if "fund" in pm.index
                               else np.zeros(k)),
    }


@per_report
def employers(data: ReportData) -> pd.DataFrame:
    """Per scenario and size class, means across seeds over the whole horizon, plus an all-firms
    row; net gain = surplus gain over the counterfactual + fund payments - contributions."""
    names = list(SIZE_CLASSES)
    rows: list[dict[str, Any]] = []
    for run in data.runs:
        per_seed = [_one_seed(r, names) for r in run.results]
        mean = {key: np.mean([p[key] for p in per_seed], axis=0) for key in per_seed[0]}
        for i, name in enumerate(names):
            row: dict[str, Any] = {"scenario": run.label, "size_class": name}
            row.update({key: float(v[i]) for key, v in mean.items()})
            rows.append(_net(row))
        total: dict[str, Any] = {"scenario": run.label, "size_class": "all firms"}
        total.update({key: float(v.sum()) for key, v in mean.items()})
        rows.append(_net(total))
    return pd.DataFrame(rows, columns=COLUMNS)


def _net(row: dict[str, Any]) -> dict[str, Any]:
    row["net_cash_to_fund"] = row["contributions"] - row["fund_payments_received"]
    row["net_gain"] = row["surplus_gain"] + row["fund_payments_received"] - row["contributions"]
    return row

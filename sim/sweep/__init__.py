"""Scenario sweeps: designs over levers and uncertainties, local or Dask execution, resumable
Parquet storage, summaries, sensitivity indices and scenario discovery.

Names are imported lazily so that `fundsim --help` stays fast."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY = {
    "load": "sim.sweep.store", "status": "sim.sweep.store", "load_spec": "sim.sweep.spec",
    "plan_from_data": "sim.sweep.spec", "run_sweep": "sim.sweep.engine", "summary": "sim.sweep.analysis",
    "sensitivity": "sim.sweep.analysis", "interactions": "sim.sweep.analysis",
    "discover": "sim.sweep.discovery", "robustness": "sim.sweep.regret",
}
__all__ = ["discover", "interactions", "load", "load_spec", "plan_from_data", "robustness", "run_sweep",
           "sensitivity", "status", "summary"]

if TYPE_CHECKING:
    from sim.sweep.analysis import interactions, sensitivity, summary
    from sim.sweep.discovery import discover
    from sim.sweep.engine import run_sweep
    from sim.sweep.regret import robustness
    from sim.sweep.spec import load_spec, plan_from_data
    from sim.sweep.store import load, status


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")

"""fundsim: an agent-based simulator of regional training funds.

The stable interface (DESIGN.md section 8): `load_scenario`, `run`, `Results`. Names are
imported lazily so that quick commands (`fundsim schema`, `validate`) start fast."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
_LAZY = {
    "Results": "sim.results", "run": "sim.engine.runner", "run_many": "sim.engine.runner",
    "ScenarioError": "sim.scenario.errors", "load_scenario": "sim.scenario.loader",
    "Scenario": "sim.scenario.schema",
}
__all__ = ["Results", "Scenario", "ScenarioError", "__version__", "load_scenario", "run", "run_many"]

if TYPE_CHECKING:
    from sim.engine.runner import run, run_many
    from sim.results import Results
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import load_scenario
    from sim.scenario.schema import Scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")

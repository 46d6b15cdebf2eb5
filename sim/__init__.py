"""fundsim: an agent-based simulator of regional training funds.

The stable interface (DESIGN.md section 8): `load_scenario`, `run`, `Results`."""

from sim.results import Results
from sim.runner import run, run_many
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

__version__ = "0.1.0"
__all__ = ["Results", "Scenario", "ScenarioError", "__version__", "load_scenario", "run", "run_many"]

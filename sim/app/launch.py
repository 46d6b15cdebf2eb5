"""Start the app's server with the page's imports already done: `python -m sim.app.launch [streamlit
run options]` is `streamlit run app.py [options]`, except that the engine, pandas, Altair and the
rest are imported while the server starts rather than while the first visitor waits (about a
second of a warm start on these machines). Streamlit runs the page in this same process, so the
page's own imports then find everything loaded."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from sim.app.serve import ROOT

# What the page imports on its first run, directly or through sim.app (measured with sys.modules).
PRELOAD = (
    "numpy", "pandas", "pyarrow", "pyarrow.parquet", "scipy.stats", "altair", "yaml", "pydantic",
    "mesa", "sim.engine.runner", "sim.report.data", "sim.alerts", "sim.charts", "sim.runcache",
    "sim.app.charts", "sim.app.chart_data", "sim.app.diff", "sim.app.editor", "sim.app.exports",
    "sim.app.headline", "sim.app.notices", "sim.app.progress", "sim.app.share",
    "sim.app.kpis", "sim.app.rule_lists", "sim.app.session", "sim.app.settings", "sim.app.sources",
    "sim.app.state", "sim.app.ui", "sim.app.views",
)


def preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    # Streamlit looks for a leading emoji in every alert with non-ASCII text ("·"); the first
    # look loads its emoji catalogue and compiles a large pattern (0.4 s), so do it now.
    from streamlit.string_util import extract_leading_emoji

    extract_leading_emoji("warm · up")
    # The engine's compiled kernels load from their disk cache on first call (about a second):
    # a small run now, so neither the first visitor nor the forked workers (which inherit them) wait.
    from sim.engine.jit import warm

    warm()


def precompute(say: Callable[[str], None] = print) -> int:
    """Simulate the page's default comparison into the run cache before serving, unless it is
    there already: the committee's first view is then read from disk, not simulated while they
    wait (any other comparison is simulated as they ask for it). Off with
    FUNDSIM_APP_PRECOMPUTE=0. Returns how many runs were simulated. Bad settings are left for the
    page to explain (it shows them in words)."""
    if os.environ.get("FUNDSIM_APP_PRECOMPUTE", "1").strip() == "0":
        return 0
    from sim.app import session
    from sim.app.settings import SettingsError, settings
    from sim.runcache import RunCache, ensure_runs
    from sim.scenario.errors import ScenarioError

    try:
        cfg = settings()
        scenarios = session.build(session.from_link(None, cfg).comparison, cfg)
    except (SettingsError, ScenarioError):
        return 0
    cache = RunCache(Path(cfg.cache_dir))
    missing = cache.missing(scenarios, cfg.seeds)
    if not missing:
        return 0
    say(f"fundsim: simulating the default comparison once ({missing} runs), so the page opens at once")

    def show(done: int, total: int, what: str) -> None:
        say(f"fundsim: simulated {done} of {total}: {what}")

    ensure_runs(cache, scenarios, cfg.seeds, workers=cfg.workers, progress=show)
    return missing


def main(argv: list[str] | None = None) -> None:
    preload()
    precompute()
    from streamlit.web import cli

    cli.main(args=["run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)],
             prog_name="streamlit")


if __name__ == "__main__":
    main()

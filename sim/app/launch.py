"""Start the app's server with the page's imports already done: `python -m sim.app.launch [streamlit
run options]` is `streamlit run app.py [options]`, except that the engine, pandas, Altair and the
rest are imported while the server starts rather than while the first visitor waits (about a
second of a warm start on these machines). Streamlit runs the page in this same process, so the
page's own imports then find everything loaded."""

from __future__ import annotations

import importlib
import sys

from sim.app.serve import ROOT

# What the page imports on its first run, directly or through sim.app (measured with sys.modules).
PRELOAD = (
    "numpy", "pandas", "pyarrow", "pyarrow.parquet", "scipy.stats", "altair", "yaml", "pydantic",
    "mesa", "sim.engine.runner", "sim.report.data", "sim.alerts", "sim.charts", "sim.runcache",
    "sim.app.charts", "sim.app.chart_data", "sim.app.diff", "sim.app.editor", "sim.app.exports",
    "sim.app.headline", "sim.app.notices", "sim.app.progress",
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


def main(argv: list[str] | None = None) -> None:
    preload()
    from streamlit.web import cli

    cli.main(args=["run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)],
             prog_name="streamlit")


if __name__ == "__main__":
    main()

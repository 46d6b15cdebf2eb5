"""The `fundsim` command line (entry point `sim.cli.main:main`).

main.py    the app and the engine's commands: validate, schema, params, run, compare
common.py  what every command shares: input errors, the exit-code guard, option checks, simulating
output.py  tables and files the commands write (rich tables, CSV, Parquet)

The sweep, report and calibration commands live with their faces (sim/sweep/cli.py,
sim/report/cli.py, sim/calibration/cli.py) and import common.py only; main.py registers them."""

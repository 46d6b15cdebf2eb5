"""The `fundsim` command line: validate, schema, params, run, compare; registers sweep, status,
summary, sensitivity, discover (sim/sweep/cli.py), report (sim/report/cli.py) and calibrate
(sim/calibration/cli.py), which share the helpers in sim/cli/common.py.

Exit codes: 0 ok; 2 invalid input (`field: message` lines on stderr); 1 other error;
130 interrupted. User errors never show a Python traceback."""

from __future__ import annotations

import gc
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from sim.calibration import cli as _calibration_cli
from sim.cli.common import (
    CONFIDENCE,
    Lazy,
    SeedOpt,
    SeedsOpt,
    WorkersOpt,
    check_options,
    err,
    fail,
    guard,
    out,
    output_folder,
    seed_text,
    simulate,
)
from sim.report.cli import report as _report_cmd
from sim.scenario.checks import rule_warnings
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides, load_scenario, scenario_to_yaml
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario
from sim.scenario.sets import load_all, unique_names
from sim.sweep import cli as _sweep_cli

if TYPE_CHECKING:
    from sim.results import Results

pd = Lazy("pandas")
_results = Lazy("sim.results")

app = typer.Typer(
    name="fundsim", add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Agent-based simulator of regional training funds.",
)


class Role(StrEnum):
    lever = "lever"
    uncertainty = "uncertainty"
    constant = "constant"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    markdown = "markdown"


# --- commands ----------------------------------------------------------------------------------

@app.command()
def validate(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario YAML file(s).", show_default=False)],
) -> None:
    """Check scenario files; print each problem with its field path and file line, and warn of
    rules that are valid but can never fire in the scenario (exit 0 on warnings)."""
    bad = False
    with guard():
        for path in scenarios:
            try:
                s = load_scenario(path)
            except ScenarioError as e:
                bad = True
                for line in e.lines():
                    err(line)
                continue
            typer.echo(f"{path}: valid ({s.name}, {s.digest()})")
            for problem in rule_warnings(s):  # valid, but a rule can never fire: a warning
                typer.echo(f"{path}: warning: {problem.format()}")
    if bad:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the scenario JSON Schema."""
    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command()
def params(
    scenario: Annotated[str | None, typer.Argument(help="Scenario file (default: schema defaults).")] = None,
    role: Annotated[Role | None, typer.Option("--role", help="Only parameters with this role.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """The parameter table: path, value, unit, bounds, role, source, description."""
    with guard():
        s = load_scenario(scenario) if scenario else Scenario()
        rows = [r for r in iter_parameters(s) if role is None or r["role"] == role.value]
        frame = out.params_frame(rows)
        if fmt is Format.csv:
            typer.echo(frame.to_csv(index=False), nl=False)
        elif fmt is Format.markdown:
            typer.echo(out.params_markdown(frame), nl=False)
        else:
            title = f"Parameters of {s.name}" if scenario else "Parameters (schema defaults)"
            title += f", role {role.value}" if role else ""
            out.console().print(out.params_table(frame, escape(title)))


@app.command("run")
def run_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario YAML file.", show_default=False)],
    seeds: SeedsOpt = 8,
    seed: SeedOpt = 1,
    workers: WorkersOpt = 1,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: out/NAME of scenario).", show_default=False)] = None,
    sets: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a parameter, path=value (YAML value); repeatable.")] = None,
    panel: Annotated[bool, typer.Option(
        "--panel", help="Also write the person-level panel (person x month, with the no-fund twin's "
                        "status and earnings) to DIR/panel/seed-S.parquet.")] = False,
) -> None:
    """Run a scenario on N seeds; write metrics, ledger, summary, impact by time since start and
    firms' training accounts; print the summary."""
    with guard():
        overrides = check_options(seeds, seed, workers, sets or [])
        seed_list = list(range(seed, seed + seeds))
        s = load_scenario(scenario)
        s = apply_overrides(s, overrides) if overrides else s
        folder = output_folder(out_dir or Path("out") / out.safe_dirname(s.name))
        if panel:  # each seed steps its own twin, writing the panel as it goes (the same results)
            from sim.engine import runner

            results = runner.run_many(s, seed_list, workers, panel_dir=folder / "panel")
        else:
            results = simulate([(s.name, s)], seed_list, workers)[0]
        summary = _results.summarize(results)
        for name, columns in (("metrics", out.METRICS_COLUMNS), ("ledger", out.LEDGER_COLUMNS)):
            out.write_parquet(out.tag(results, s.name, name, columns), folder / f"{name}.parquet")
        for name in ("impact", "training_accounts"):
            out.write_parquet(out.tables_frame(results, s.name, name), folder / f"{name}.parquet")
        out.write_csv(summary, folder / "summary.csv")
        out.write_csv(out.providers_frame(results, s.name), folder / "providers.csv")
        out.write_text(scenario_to_yaml(s), folder / "scenario.yaml")
        title = f"{s.name} — {seed_text(seed_list)}, {s.horizon_months} months, digest {s.digest()}"
        con = out.console()
        con.print(out.summary_table(summary, escape(title)))
        con.print(f"Results written to {escape(str(folder))}/", highlight=False)


@app.command()
def compare(
    scenarios: Annotated[list[str], typer.Argument(help="Two or more scenario files; the first is the "
                                                   "reference.", show_default=False)],
    seeds: SeedsOpt = 8,
    seed: SeedOpt = 1,
    workers: WorkersOpt = 1,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write comparison.csv and metrics.parquet "
                                                 "here.", show_default=False)] = None,
) -> None:
    """Run scenarios on the same seeds; print paired differences against the first."""
    with guard():
        if len(scenarios) < 2:
            raise fail("SCENARIO", "compare needs at least two scenario files", len(scenarios))
        check_options(seeds, seed, workers)
        seed_list = list(range(seed, seed + seeds))
        loaded = load_all(scenarios)  # every file's problems before running anything
        folder = output_folder(out_dir) if out_dir is not None else None
        labels = unique_names(loaded)
        runs = simulate(list(zip(labels, loaded, strict=True)), seed_list, workers)
        con = out.console()
        diffs = []
        for label, res in zip(labels[1:], runs[1:], strict=True):
            d = _results.paired_difference(runs[0], res, confidence=CONFIDENCE)
            d.insert(0, "reference", labels[0])
            d.insert(0, "scenario", label)
            diffs.append(d)
            title = f"{label} minus {labels[0]} — {seed_text(seed_list)}, paired by seed"
            con.print(out.comparison_table(d, escape(title), CONFIDENCE))
        for line in _headlines(labels, loaded, runs):  # the same sentences as the app and the reports
            con.print(escape(line), highlight=False)
        if folder is not None:
            table = pd.concat(diffs, ignore_index=True).reindex(columns=out.COMPARISON_COLUMNS)
            metrics = pd.concat([out.tag(r, label, "metrics", out.METRICS_COLUMNS)
                                 for label, r in zip(labels, runs, strict=True)], ignore_index=True)
            out.write_csv(table, folder / "comparison.csv")
            out.write_parquet(metrics, folder / "metrics.parquet")
            con.print(f"Results written to {escape(str(folder))}/", highlight=False)


def _headlines(labels: list[str], scenarios: list[Scenario], runs: list[list[Results]]) -> list[str]:
    """Each later scenario against the first at the run's end: the headline sentence and returns."""
    from sim.economics import headline, is_no_fund_twin
    from sim.economics_text import headline_sentence, returns_sentence

    months = min(s.horizon_months for s in scenarios)
    out = []
    for label, s, res in zip(labels[1:], scenarios[1:], runs[1:], strict=True):
        h = headline(s, label, res, labels[0], runs[0], months=months,
                     comparator_is_no_fund=is_no_fund_twin(scenarios[0], s))
        out.append(headline_sentence(h) + (" " + returns_sentence(h) if h.has_fund else ""))
    return out


# sweep, sweep status|summary, sensitivity, discover: defined in sim/sweep/cli.py (lazy imports too)
_sweep_cli.register(app)


# `fundsim report`: defined in sim/report/cli.py (importing it loads no heavy modules)
app.command("report")(_report_cmd)

# `fundsim calibrate`: defined in sim/calibration/cli.py (lazy imports too)
_calibration_cli.register(app)


def main() -> None:
    """Console entry point: no traceback for interrupts or internal errors unless FUNDSIM_DEBUG is set."""
    try:
        app(prog_name="fundsim")
    except KeyboardInterrupt:
        err("interrupted")
        sys.exit(130)
    except Exception as e:
        if os.environ.get("FUNDSIM_DEBUG"):
            raise
        err(f"error: internal error: {type(e).__name__}: {e}")
        err("(set FUNDSIM_DEBUG=1 to see the traceback, and please report it)")
        sys.exit(1)
    finally:
        # The command is done and the process is about to end: the interpreter's last garbage
        # collection would walk every object the command made (after a report, the runs and
        # their tables: 0.4-0.6 s of a 5 s command) only to free what the exit frees anyway.
        # Exit handlers still run and output is still flushed.
        gc.freeze()


if __name__ == "__main__":
    main()

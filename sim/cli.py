"""The `fundsim` command line: validate, schema, params, run, compare, sweep, sensitivity, discover.

Exit codes: 0 ok; 2 invalid input (`field: message` lines on stderr); 1 other error;
130 interrupted. User errors never show a Python traceback."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sim.calibration import cli as _calibration_cli
from sim.report.cli import report as _report_cmd
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides, load_scenario, scenario_to_yaml
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario
from sim.scenario.sets import load_all, unique_names
from sim.sweep import cli as _sweep_cli

if TYPE_CHECKING:
    from sim.results import Results


class _Lazy:
    """A module imported on first use: `fundsim schema` and `validate` should not pay for
    pandas, pyarrow and the engine."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> object:
        return getattr(importlib.import_module(self._name), attr)


out = _Lazy("sim.cli_output")
pd = _Lazy("pandas")
_results = _Lazy("sim.results")
_runner = _Lazy("sim.runner")

MAX_SEEDS = 10_000
MAX_SEED = 2**32 - 1
CONFIDENCE = 0.9

app = typer.Typer(
    name="fundsim", add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Agent-based simulator of regional training funds.",
)


class InputError(Exception):
    """Invalid options or arguments found by the CLI itself, all reported at once: exit 2."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def _problem(field: str, message: str, given: object = None) -> str:
    return f"{field}: {message}" + (f" (you gave {given!r})" if given is not None else "")


def _fail(field: str, message: str, given: object = None) -> InputError:
    return InputError([_problem(field, message, given)])


class Role(StrEnum):
    lever = "lever"
    uncertainty = "uncertainty"
    constant = "constant"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    markdown = "markdown"


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _os_message(e: OSError) -> str:
    what = e.strerror or str(e)
    return f"{e.filename}: {what}" if e.filename else what


@contextmanager
def _guard(interrupted: str = "interrupted") -> Iterator[None]:
    """Turn expected failures into messages and exit codes."""
    try:
        yield
    except ScenarioError as e:
        for line in e.lines():
            _err(line)
        raise typer.Exit(2) from None
    except InputError as e:
        for line in e.lines:
            _err(line)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        _err(interrupted)
        raise typer.Exit(130) from None
    except OSError as e:
        _err(f"error: {_os_message(e)}")
        raise typer.Exit(1) from None


# --- shared steps ------------------------------------------------------------------------------

def _check_options(seeds: int, seed: int, workers: int, sets: Sequence[str] = ()) -> dict[str, str]:
    """Check the numeric options and parse `--set path=value` items; every problem at once."""
    problems = []
    if not 1 <= seeds <= MAX_SEEDS:
        problems.append(_problem("--seeds", f"must be between 1 and {MAX_SEEDS}", seeds))
    if not 0 <= seed <= MAX_SEED:
        problems.append(_problem("--seed", f"must be between 0 and {MAX_SEED}", seed))
    if workers < 1:
        problems.append(_problem("--workers", "must be at least 1", workers))
    overrides: dict[str, str] = {}
    for item in sets:
        path, eq, value = item.partition("=")
        if eq and path.strip():
            overrides[path.strip()] = value
        else:
            problems.append(_problem("--set", "write it as path=value, e.g. fund.admin_share=0.08", item))
    if problems:
        raise InputError(problems)
    return overrides


def _out_dir(path: Path) -> Path:
    """Create the output folder (and parents) before any long run, and check it is writable."""
    if "\0" in str(path):
        raise _fail("--out", "contains a NUL character", str(path))
    if path.exists() and not path.is_dir():
        raise _fail("--out", "is a file, not a folder", str(path))
    path.mkdir(parents=True, exist_ok=True)
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied (cannot write here)", str(path))
    return path


def _simulate(items: list[tuple[str, Scenario]], seeds: list[int], workers: int) -> list[list[Results]]:
    """Every scenario on the same seeds; one progress bar on stderr (when it is a terminal)."""
    total = len(items) * len(seeds)
    err = Console(stderr=True)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err, transient=True,
                        disable=total <= 1 or not err.is_terminal)
    done: list[list[Results]] = []
    with progress:
        task = progress.add_task("simulating", total=total)
        for label, scenario in items:
            progress.update(task, description=escape(label))
            done.append(_runner.run_many(scenario, seeds, workers=workers,
                                 on_done=lambda _r: progress.advance(task)))
    return done


def _seed_text(seeds: list[int]) -> str:
    n = len(seeds)
    return f"{n} seed{'s' * (n != 1)} ({seeds[0]}" + (f"–{seeds[-1]})" if n > 1 else ")")


SeedsOpt = Annotated[int, typer.Option("--seeds", help=f"Number of seeds, 1 to {MAX_SEEDS}.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="First seed; seeds run S, S+1, ..., S+N-1.")]
WorkersOpt = Annotated[int, typer.Option("--workers", help="Worker processes.")]


# --- commands ----------------------------------------------------------------------------------

@app.command()
def validate(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario YAML file(s).", show_default=False)],
) -> None:
    """Check scenario files; print each problem with its field path and file line."""
    bad = False
    with _guard():
        for path in scenarios:
            try:
                s = load_scenario(path)
            except ScenarioError as e:
                bad = True
                for line in e.lines():
                    _err(line)
                continue
            typer.echo(f"{path}: valid ({s.name}, {s.digest()})")
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
    with _guard():
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
) -> None:
    """Run a scenario on N seeds; write metrics, ledger, summary; print the summary."""
    with _guard():
        overrides = _check_options(seeds, seed, workers, sets or [])
        seed_list = list(range(seed, seed + seeds))
        s = load_scenario(scenario)
        s = apply_overrides(s, overrides) if overrides else s
        folder = _out_dir(out_dir or Path("out") / out.safe_dirname(s.name))
        results = _simulate([(s.name, s)], seed_list, workers)[0]
        summary = _results.summarize(results)
        for name, columns in (("metrics", out.METRICS_COLUMNS), ("ledger", out.LEDGER_COLUMNS)):
            out.write_parquet(out.tag(results, s.name, name, columns), folder / f"{name}.parquet")
        out.write_csv(summary, folder / "summary.csv")
        out.write_csv(out.providers_frame(results, s.name), folder / "providers.csv")
        out.write_text(scenario_to_yaml(s), folder / "scenario.yaml")
        title = f"{s.name} — {_seed_text(seed_list)}, {s.horizon_months} months, digest {s.digest()}"
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
    with _guard():
        if len(scenarios) < 2:
            raise _fail("SCENARIO", "compare needs at least two scenario files", len(scenarios))
        _check_options(seeds, seed, workers)
        seed_list = list(range(seed, seed + seeds))
        loaded = load_all(scenarios)  # every file's problems before running anything
        folder = _out_dir(out_dir) if out_dir is not None else None
        labels = unique_names(loaded)
        runs = _simulate(list(zip(labels, loaded, strict=True)), seed_list, workers)
        con = out.console()
        diffs = []
        for label, res in zip(labels[1:], runs[1:], strict=True):
            d = _results.paired_difference(runs[0], res, confidence=CONFIDENCE)
            d.insert(0, "reference", labels[0])
            d.insert(0, "scenario", label)
            diffs.append(d)
            title = f"{label} minus {labels[0]} — {_seed_text(seed_list)}, paired by seed"
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
        _err("interrupted")
        sys.exit(130)
    except Exception as e:
        if os.environ.get("FUNDSIM_DEBUG"):
            raise
        _err(f"error: internal error: {type(e).__name__}: {e}")
        _err("(set FUNDSIM_DEBUG=1 to see the traceback, and please report it)")
        sys.exit(1)


if __name__ == "__main__":
    main()

"""The sweep commands: `fundsim sweep SPEC --out DIR`, `sweep status|summary DIR`, `sensitivity`,
`discover`. Registered on the main app by `register(app)`; heavy modules load on first use.

Exit codes as for every fundsim command: 0 ok, 2 invalid input (`path: message` lines on stderr),
1 other error, 130 interrupted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from sim.scenario.errors import Problem, ScenarioError

SCHEMES = ("tcp://", "tls://", "ws://", "wss://", "ucx://", "inproc://")


class _RunByDefault(TyperGroup):
    """`fundsim sweep SPEC ...` means `fundsim sweep run SPEC ...`; `status` and `summary` are
    subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "SPEC --out DIR [--workers N] [--scheduler tcp://HOST:PORT]\n"
                              f"       {ctx.command_path} status|summary DIR")


sweep_app = typer.Typer(
    cls=_RunByDefault, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Run a sweep (fundsim sweep SPEC --out DIR), or read one (status, summary).")


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _bad(field: str, message: str, given: Any = None) -> ScenarioError:
    return ScenarioError([Problem(field, message, given)])


@contextmanager
def _guard() -> Iterator[None]:
    """The main CLI's guard, plus sweep-store errors (exit 1) and a resume hint on Ctrl-C."""
    from sim.cli import common as cli
    from sim.sweep.store import SweepError

    with cli.guard(interrupted="interrupted: finished runs are saved; rerun the same command to resume"):
        try:
            yield
        except SweepError as e:
            _err(f"error: {e}")
            raise typer.Exit(1) from None


def _console() -> Any:
    from sim.cli.output import console

    return console()


def _number(v: Any) -> str:
    if v is None:
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f != f:
        return "—"
    return f"{f:,.0f}" if abs(f) >= 1e4 else f"{f:.4g}"


def _print_frame(frame: Any, title: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left")
    for c in frame.columns:
        table.add_column(escape(str(c)), justify="right" if frame[c].dtype.kind in "fiu" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(escape(_number(v)) for v in row))
    _console().print(table)


def _folder(path: Path, must_exist: bool = True) -> Path:
    if path.exists() and not path.is_dir():
        raise _bad("DIR", "is a file, not a folder", str(path))
    if must_exist and not path.is_dir():
        raise _bad("DIR", "no such folder", str(path))
    return path


def _write_csv(frame: Any, path: Path) -> None:
    from sim.sweep.store import atomic_write_bytes

    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, frame.to_csv(index=False).encode())


DirArg = Annotated[Path, typer.Argument(help="The sweep's output folder.", show_default=False)]


@sweep_app.command("run")
def run(
    spec: Annotated[str, typer.Argument(help="Sweep spec YAML.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Output folder (created if missing).",
                                      show_default=False)],
    workers: Annotated[int | None, typer.Option("--workers", help="Local worker processes (default: "
                                                "the number of cores).", show_default=False)] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Run on an existing Dask cluster, "
                                                  "tcp://HOST:PORT.", show_default=False)] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="If DIR holds runs made by other engine code, "
                                        "discard them and start over (by default that is refused).")] = False,
) -> None:
    """Run every (design point, seed) not yet on disk; rerun to resume."""
    from sim.processes import sigterm_stops_cleanly

    with _guard(), sigterm_stops_cleanly():
        problems = []
        if workers is not None and workers < 1:
            problems.append(Problem("--workers", "must be at least 1", workers))
        if scheduler is not None and not scheduler.startswith(SCHEMES):
            problems.append(Problem("--scheduler", "write the address as tcp://HOST:PORT", scheduler))
        if scheduler is not None and workers is not None:
            problems.append(Problem("--workers", "applies to local runs; with --scheduler the cluster's "
                                    "workers run the sweep"))
        if problems:
            raise ScenarioError(problems)
        from sim.sweep.engine import local_workers, run_sweep
        from sim.sweep.spec import load_spec

        plan = load_spec(spec)
        folder = _folder(out, must_exist=False)
        if scheduler is None and workers is not None and local_workers(workers) < workers:
            _err(f"note: --workers {workers} is more than this machine's {local_workers(workers)} core(s); "
                 f"using {local_workers(workers)}")
        report = _with_progress(lambda progress: run_sweep(plan, folder, workers=workers, scheduler=scheduler,
                                                          progress=progress, fresh=fresh), plan.name)
        where = f"on {scheduler}" if scheduler else f"on {local_workers(workers)} local worker(s)"
        if report.damaged:
            _err(f"note: {report.damaged} damaged run file(s) (empty, truncated or altered) were run again")
        typer.echo(f"sweep {plan.name}: {report.total} runs — {report.ran} run now {where}, "
                   f"{report.skipped} already done, {len(report.failed)} failed — {report.seconds:.1f} s; "
                   f"results in {folder}/")
        if report.failed:
            for f in report.failed[:5]:
                _err(f"failed: run {f['run_id']} (seed {f['seed']}, {f['params']}): {f['error']}")
            _err("rerun the same command to retry the failed runs")
            raise typer.Exit(1)


def _with_progress(job: Any, name: str) -> Any:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    err = Console(stderr=True)
    if not err.is_terminal:  # a log file or a pipe: plain lines, about one per 10% of the runs
        return job(_plain_progress(name))
    bar = Progress(TextColumn(escape(name)), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("ETA"), TimeRemainingColumn(), console=err, transient=True,
                   disable=not err.is_terminal)
    with bar:
        task = bar.add_task("runs", total=None)
        return job(lambda done, total: bar.update(task, completed=done, total=total))


def _plain_progress(name: str) -> Any:
    import time

    t0 = time.monotonic()
    shown = {"step": -1}

    def report(done: int, total: int) -> None:
        step = 10 * done // total if total else 10
        if step == shown["step"] and done != total:
            return
        shown["step"] = step
        typer.echo(f"{name}: {done} of {total} runs finished ({time.monotonic() - t0:.0f} s)", err=True)

    return report


def _warn_damaged(folder: Path) -> None:
    from sim.sweep.store import damaged

    bad = damaged(folder)
    if bad:
        _err(f"warning: {len(bad)} run file(s) in {folder}/runs are damaged ({next(iter(bad.values()))}) "
             "and left out; rerun the sweep command to run them again")


@sweep_app.command("status")
def status(folder: DirArg) -> None:
    """Runs done and remaining (read from the files on disk)."""
    with _guard():
        from sim.sweep.store import status as read_status

        s = read_status(_folder(folder))
        typer.echo(f"{s['name']}: {s['done']} of {s['total']} runs done, {s['remaining']} remaining "
                   f"({s['points']} points x {s['seeds']} seeds; last state: {s['state']}"
                   + (f"; {s['failed']} failed" if s["failed"] else "")
                   + (f"; {s['damaged']} damaged file(s), counted as remaining: rerun the sweep command"
                      if s["damaged"] else "") + ")")


@sweep_app.command("summary")
def summary(
    folder: DirArg,
    outcome: Annotated[list[str] | None, typer.Option("--outcome", help="Metric(s) to show (default: "
                                                      "the spec's outcomes).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the table as CSV.",
                                             show_default=False)] = None,
) -> None:
    """Per design point: the mean and 90% interval across seeds of each outcome."""
    with _guard():
        from sim.sweep.analysis import summary as summarize

        table = summarize(_folder(folder), outcome or None)
        _warn_damaged(folder)
        for name, part in table.groupby("outcome", sort=False):
            shown = part.drop(columns="outcome")
            shown["90% interval"] = [f"{_number(lo)} to {_number(hi)}"
                                     for lo, hi in zip(shown.pop("low"), shown.pop("high"), strict=True)]
            _print_frame(shown, f"{name}: mean across seeds and 90% interval (5th to 95th percentile)")
        if out is not None:
            _write_csv(table, out)


def sensitivity(
    folder: DirArg,
    outcome: Annotated[list[str] | None, typer.Option("--outcome", help="Metric(s) to analyse (default: "
                                                      "the spec's outcomes).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the indices as CSV.",
                                             show_default=False)] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write a chart: .html (Altair) or "
                                               ".png/.svg/.pdf (matplotlib).", show_default=False)] = None,
) -> None:
    """Sobol (first and total order, and second order if sampled), Morris, or for lhs and grid
    sweeps sample-based first-order indices per outcome, with 90% confidence intervals, and the
    share of variance that is seed noise."""
    with _guard():
        from sim.sweep.analysis import sensitivity as analyse
        from sim.sweep.analysis import wide_intervals

        indices = analyse(_folder(folder), outcome or None)
        _warn_damaged(folder)
        for name, part in indices.groupby("outcome", sort=False):
            _print_frame(part.drop(columns="outcome"), f"Sensitivity of {name} (90% confidence intervals; "
                         "seed_share: the share of run-to-run variance that is seed noise)")
        pairs = _interactions(folder, outcome or None)
        for line in wide_intervals(indices) + (wide_intervals(pairs) if pairs is not None else []):
            _err(f"note: {line}")
        if out is not None:
            _write_csv(indices, out)
            if pairs is not None:
                _write_csv(pairs, out.with_name(f"{out.stem}-second-order{out.suffix or '.csv'}"))
                typer.echo(f"second-order indices written to {out.stem}-second-order{out.suffix or '.csv'}")
        if chart is not None:
            from sim.sweep.charts import sensitivity_chart

            chart.parent.mkdir(parents=True, exist_ok=True)
            sensitivity_chart(indices, chart)
            typer.echo(f"chart written to {chart}")


def _interactions(folder: Path, outcomes: list[str] | None) -> Any:
    """A second-order sweep's S2 table, printed per outcome (None for any other sweep)."""
    from sim.sweep.analysis import has_second_order, interactions
    from sim.sweep.store import read_manifest

    if not has_second_order(read_manifest(folder)):
        return None
    pairs = interactions(folder, outcomes)
    for name, part in pairs.groupby("outcome", sort=False):
        _print_frame(part.drop(columns="outcome"), f"Second-order Sobol indices of {name}: pairs acting "
                     "together, beyond each alone (90% confidence intervals)")
    return pairs


def discover(
    folder: DirArg,
    outcome: Annotated[str, typer.Option("--outcome", help="The metric of the target.", show_default=False)],
    threshold: Annotated[float, typer.Option("--threshold", help="The target value.", show_default=False)],
    above: Annotated[bool, typer.Option("--above/--below", help="Target met at or above (default) or at "
                                        "or below the threshold.")] = True,
    density: Annotated[float, typer.Option("--density", help="The share of runs in the box that must "
                                           "meet the target.")] = 0.8,
    boxes: Annotated[int, typer.Option("--boxes", help="Boxes to look for, one after another (each "
                                       "among the runs the earlier ones left).")] = 1,
    out: Annotated[Path | None, typer.Option("--out", help="Write the box(es) as CSV.",
                                             show_default=False)] = None,
    trajectory: Annotated[Path | None, typer.Option("--trajectory", help="Write each box's peeling "
                                                    "trajectory (coverage, density, mass per step) as CSV.",
                                                    show_default=False)] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write the coverage-density trade-off "
                                               "chart: .html (Altair) or .png/.svg/.pdf (matplotlib).",
                                               show_default=False)] = None,
) -> None:
    """Scenario discovery (PRIM): which parameter ranges meet the target, with coverage and density,
    and the trade-off between the two along the peeling trajectory."""
    with _guard():
        from sim.sweep.discovery import discover_boxes, discovery_frame, tradeoff_frame

        found = discover_boxes(_folder(folder), outcome, threshold, above=above, density=density, boxes=boxes)
        _warn_damaged(folder)
        for d in found:
            typer.echo(d.sentence())
        frame = discovery_frame(found)
        if len(frame):
            _print_frame(frame, "PRIM box" if boxes == 1 else "PRIM boxes")
            if out is not None:
                _write_csv(frame, out)
        steps = tradeoff_frame(found)
        if len(steps):
            _print_frame(steps.assign(chosen=steps.chosen.map({True: "<- this box", False: ""})),
                         "Peeling trajectory: each step buys density with coverage (chosen: the box "
                         "taken)")
        if trajectory is not None:
            _write_csv(steps, trajectory)
        if chart is not None:
            from sim.sweep.charts import tradeoff_chart

            chart.parent.mkdir(parents=True, exist_ok=True)
            tradeoff_chart(steps, chart)
            typer.echo(f"chart written to {chart}")


def robustness(
    folder: DirArg,
    outcome: Annotated[str, typer.Option("--outcome", help="The metric to judge policies by.",
                                         show_default=False)],
    threshold: Annotated[float | None, typer.Option("--threshold", help="A target: also show the share of "
                                                    "worlds in which each policy meets it (satisficing).",
                                                    show_default=False)] = None,
    above: Annotated[bool | None, typer.Option("--above/--below", help="Which way is better (default: the "
                                               "metric's own direction).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the table as CSV.",
                                             show_default=False)] = None,
) -> None:
    """Regret and satisficing: each policy (lever values) across the worlds (uncertainty values)."""
    with _guard():
        from sim.outcomes import BY_NAME
        from sim.sweep.regret import robustness as judge
        from sim.sweep.regret import robustness_sentence

        frame = judge(_folder(folder), outcome, threshold, above)
        _warn_damaged(folder)
        _print_frame(frame, f"Robustness of each policy on {outcome} (mean across seeds in each world; "
                     "regret: behind the best policy in that world)")
        unit = BY_NAME[outcome].unit if outcome in BY_NAME else ""
        typer.echo(robustness_sentence(frame, outcome, threshold, unit))
        if out is not None:
            _write_csv(frame, out)


def register(app: typer.Typer) -> None:
    """Add `sweep` (with `status` and `summary`), `sensitivity`, `discover` and `robustness`."""
    app.add_typer(sweep_app, name="sweep")
    app.command("sensitivity")(sensitivity)
    app.command("discover")(discover)
    app.command("robustness")(robustness)

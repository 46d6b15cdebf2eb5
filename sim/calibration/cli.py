"""`fundsim calibrate`: fit the free parameters to the public targets (simulated method of
moments), or, with --evaluate, recompute every target from fresh simulations and write the fit
table. Registered on the main app by `register(app)`; the engine loads on first use.

Exit codes as for every fundsim command: 0 ok, 2 invalid input (`field: message` lines),
1 other error, 130 interrupted (evaluations so far stay in the state folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

MAX_BUDGET = 100_000
METHODS = ("least-squares", "nelder-mead")  # as sim.calibration.smm.METHODS


def _seed_list(default: list[int], seeds: int | None, seed: int | None) -> list[int]:
    from sim.cli.common import InputError, seed_problems

    problems = seed_problems(1 if seeds is None else seeds, 0 if seed is None else seed)
    if problems:
        raise InputError(problems)
    if seeds is None and seed is None:
        return list(default)
    first = default[0] if seed is None else seed
    return list(range(first, first + (len(default) if seeds is None else seeds)))


def _print_fit(fit: Any, title: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    from sim.cli.output import console

    table = Table(title=escape(title), title_justify="left")
    for c, j in (("id", "left"), ("low", "right"), ("high", "right"), ("simulated", "right"),
                 ("in band", "left")):
        table.add_column(c, justify=j)  # type: ignore[arg-type]
    for r in fit.itertuples(index=False):
        table.add_row(r.id, f"{r.low:.4g}", f"{r.high:.4g}", f"{r.simulated:.4g}",
                      "yes" if r.in_band else "[bold red]no[/]")
    console().print(table)


def calibrate(
    scenario: Annotated[str | None, typer.Argument(
        help="Scenario to calibrate or evaluate (default: scenarios/baseline.yaml).",
        show_default=False)] = None,
    evaluate: Annotated[bool, typer.Option("--evaluate", help="Only recompute every target from fresh "
                                           "simulations and write the fit table.")] = False,
    budget: Annotated[int, typer.Option("--budget", help="Candidate evaluations on the optimiser's path "
                                        "(replayed ones count).")] = 60,
    targets: Annotated[Path | None, typer.Option("--targets", help="Targets spec (default: "
                                                 "calibration/targets.yaml).", show_default=False)] = None,
    seeds: Annotated[int | None, typer.Option("--seeds", help="Number of seeds (default: the spec's).",
                                              show_default=False)] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="First seed (default: the spec's).",
                                             show_default=False)] = None,
    method: Annotated[str, typer.Option("--method", help="Optimiser: least-squares (trust-region "
                                        "reflective) or nelder-mead.")] = "least-squares",
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    state: Annotated[Path | None, typer.Option("--state", help="Folder of stored evaluations (default: "
                                               "calibration/.state).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="calibrate: the calibrated values (default: "
                                             "calibration/calibrated.yaml); --evaluate: FIT.csv.",
                                             show_default=False)] = None,
) -> None:
    """Calibrate the free parameters to the public targets, or evaluate the fit (--evaluate)."""
    from sim.calibration.targets import DEFAULT_SCENARIO, DEFAULT_SPEC, ROOT
    from sim.cli import common as cli

    state_dir = state or ROOT / "calibration" / ".state"
    with cli.guard(interrupted=f"interrupted: evaluations so far are saved in {state_dir}; "
                    "rerun the same command to resume"):
        problems = []
        if not 1 <= budget <= MAX_BUDGET:
            problems.append(cli.problem("--budget", f"must be between 1 and {MAX_BUDGET}", budget))
        if workers < 1:
            problems.append(cli.problem("--workers", "must be at least 1", workers))
        if method not in METHODS:
            problems.append(cli.problem("--method", f"must be one of {', '.join(METHODS)}", method))
        if problems:
            raise cli.InputError(problems)
        from sim.calibration.targets import check_against, load_spec
        from sim.engine.runner import run_many
        from sim.scenario.loader import load_scenario

        spec = load_spec(targets or DEFAULT_SPEC)
        sc = load_scenario(scenario or DEFAULT_SCENARIO)
        check_against(spec, sc)
        seed_list = _seed_list(spec.evaluate_seeds if evaluate else spec.seeds, seeds, seed)

        def runs(s: Any, sd: list[int]) -> Any:
            return run_many(s, sd, workers=workers)

        if evaluate:
            _evaluate(spec, sc, seed_list, runs, out)
        else:
            _calibrate(spec, sc, seed_list, runs, budget, method, state_dir,
                       out or ROOT / "calibration" / "calibrated.yaml")


def _evaluate(spec: Any, sc: Any, seeds: list[int], run_many: Any, out: Path | None) -> None:
    from sim.calibration.output import fit_table
    from sim.calibration.simulate import measure, variant_scenarios
    from sim.cli.common import err
    from sim.cli.output import write_csv

    fit = fit_table(spec, measure(spec, variant_scenarios(sc, spec), seeds, run_many))
    _print_fit(fit, f"Calibration targets — {sc.name}, seeds {seeds[0]}–{seeds[-1]}: "
                    f"{int(fit.in_band.sum())} of {len(fit)} in band")
    if spec.not_produced:
        err("not produced by the model (see calibration/targets.yaml): "
             + ", ".join(t.id for t in spec.not_produced))
    if out is not None:
        write_csv(fit, out)
        typer.echo(f"Fit written to {out}")


def _calibrate(spec: Any, sc: Any, seeds: list[int], run_many: Any, budget: int, method: str,
               state_dir: Path, out: Path) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sim.calibration.output import fit_table, write_calibrated
    from sim.calibration.smm import Calibrator
    from sim.cli.common import err

    console = Console(stderr=True)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=not console.is_terminal)
    with progress:
        task = progress.add_task("calibrating", total=budget)

        def on_eval(ev: Any, n: int, best: Any) -> None:
            how = "replayed" if ev.cached else "simulated"
            progress.update(task, completed=n, description=f"best distance {best.distance:.3f}")
            if not console.is_terminal:
                err(f"evaluation {n}/{budget} ({how}): distance {ev.distance:.4f}, "
                     f"best {best.distance:.4f}")

        outcome = Calibrator(spec, sc, seeds, run_many, state_dir, on_eval).run(budget, method=method)
    write_calibrated(out, spec, sc, outcome, seeds, budget, method)
    fit = fit_table(spec, outcome.best.moments)
    _print_fit(fit, f"Best of {outcome.evaluations} evaluations ({outcome.replayed} replayed), "
                    f"distance {outcome.best.distance:.4f}, seeds {seeds}")
    for fp, v in zip(spec.free_parameters, outcome.best.x, strict=True):
        typer.echo(f"  {fp.path} = {v:.5g}")
    typer.echo(f"Calibrated values written to {out}; check the fit on fresh seeds with "
               "`fundsim calibrate --evaluate`")


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate)

"""What every `fundsim` command shares: the input error and its `field: message` lines, the guard
that turns expected failures into exit codes (never a traceback), the seed and worker checks,
the output folder check, simulating several scenarios on common seeds with progress, and lazy
imports (`fundsim schema` and `validate` should not pay for pandas, pyarrow and the engine).
Imported by the command modules (sim/cli/main.py, sim/sweep/cli.py, sim/report/cli.py,
sim/calibration/cli.py); it imports none of them."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sim.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from sim.results import Results
    from sim.scenario.schema import Scenario


class Lazy:
    """A module imported on first use."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> object:
        return getattr(importlib.import_module(self._name), attr)


out = Lazy("sim.cli.output")
runner = Lazy("sim.engine.runner")

MAX_SEEDS = 10_000
MAX_SEED = 2**32 - 1
CONFIDENCE = 0.9


class InputError(Exception):
    """Invalid options or arguments found by the CLI itself, all reported at once: exit 2."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def problem(field: str, message: str, given: object = None) -> str:
    return f"{field}: {message}" + (f" (you gave {given!r})" if given is not None else "")


def fail(field: str, message: str, given: object = None) -> InputError:
    return InputError([problem(field, message, given)])


def err(text: str) -> None:
    typer.echo(text, err=True)


def os_message(e: OSError) -> str:
    what = e.strerror or str(e)
    return f"{e.filename}: {what}" if e.filename else what


@contextmanager
def guard(interrupted: str = "interrupted") -> Iterator[None]:
    """Turn expected failures into messages and exit codes."""
    try:
        yield
    except ScenarioError as e:
        for line in e.lines():
            err(line)
        raise typer.Exit(2) from None
    except InputError as e:
        for line in e.lines:
            err(line)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err(interrupted)
        raise typer.Exit(130) from None
    except OSError as e:
        err(f"error: {os_message(e)}")
        raise typer.Exit(1) from None


def seed_problems(seeds: int, seed: int) -> list[str]:
    """The one check of `--seeds N` and `--seed S` (every command that takes them)."""
    problems = []
    if not 1 <= seeds <= MAX_SEEDS:
        problems.append(problem("--seeds", f"must be between 1 and {MAX_SEEDS}", seeds))
    if not 0 <= seed <= MAX_SEED:
        problems.append(problem("--seed", f"must be between 0 and {MAX_SEED}", seed))
    return problems


def check_options(seeds: int, seed: int, workers: int, sets: Sequence[str] = ()) -> dict[str, str]:
    """Check the numeric options and parse `--set path=value` items; every problem at once."""
    problems = seed_problems(seeds, seed)
    if workers < 1:
        problems.append(problem("--workers", "must be at least 1", workers))
    overrides: dict[str, str] = {}
    for item in sets:
        path, eq, value = item.partition("=")
        if eq and path.strip():
            overrides[path.strip()] = value
        else:
            problems.append(problem("--set", "write it as path=value, e.g. fund.admin_share=0.08", item))
    if problems:
        raise InputError(problems)
    return overrides


def output_folder(path: Path) -> Path:
    """Create the output folder (and parents) before any long run, and check it is writable."""
    if "\0" in str(path):
        raise fail("--out", "contains a NUL character", str(path))
    if path.exists() and not path.is_dir():
        raise fail("--out", "is a file, not a folder", str(path))
    path.mkdir(parents=True, exist_ok=True)
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied (cannot write here)", str(path))
    return path


def simulate(items: list[tuple[str, Scenario]], seeds: list[int], workers: int) -> list[list[Results]]:
    """Every scenario on the same seeds (each no-fund world stepped once per seed: see
    sim.engine.runner.run_shared); one progress bar on stderr (when it is a terminal)."""
    total = len(items) * len(seeds)
    console = Console(stderr=True)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True,
                        disable=total <= 1 or not console.is_terminal)
    with progress:
        task = progress.add_task(escape(f"simulating {len(items)} scenario(s)"), total=total)
        return runner.run_many_shared([s for _, s in items], seeds, workers=workers,
                                      on_done=lambda n: progress.advance(task, n))


def seed_text(seeds: list[int]) -> str:
    n = len(seeds)
    return f"{n} seed{'s' * (n != 1)} ({seeds[0]}" + (f"–{seeds[-1]})" if n > 1 else ")")


SeedsOpt = Annotated[int, typer.Option("--seeds", help=f"Number of seeds, 1 to {MAX_SEEDS}.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="First seed; seeds run S, S+1, ..., S+N-1.")]
WorkersOpt = Annotated[int, typer.Option("--workers", help="Worker processes.")]

"""What a report is made from: scenarios, their runs on common seeds, the no-fund counterfactual
and provenance. Computed once (`compute_report_data`) or assembled from results the caller
already has (`report_data_from_results`, for the app's cache); every writer reads only this."""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sim.results import Results
    from sim.scenario.schema import Scenario

CONFIDENCE = 0.9  # every range in a report is the 5th to 95th percentile across seeds
LOW_Q, HIGH_Q = 5.0, 95.0
HEADLINE_YEARS = (1, 3, 5, 10)
DEFAULT_YEARS = 5
PAPERS = ("letter", "a4")


@dataclass
class ScenarioRuns:
    """One scenario's runs (one per seed, in seed order) and its no-fund counterfactual's."""

    label: str
    scenario: Scenario
    results: list[Results]
    counterfactual: list[Results] | None = None
    base: Scenario | None = None  # the preset an edited scenario was made from (described by its changes)


@dataclass
class ReportData:
    runs: list[ScenarioRuns]
    seeds: list[int]
    created: dt.datetime
    revision: str
    version: str
    title: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    years_chosen: int = DEFAULT_YEARS  # the executive summary's first horizon (then 10 years / run end)
    paper: str = "letter"
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # computed once

    @property
    def first(self) -> ScenarioRuns:
        return self.runs[0]

    @property
    def horizon_months(self) -> int:
        """The shortest horizon among the scenarios (comparisons need every scenario)."""
        return min(r.scenario.horizon_months for r in self.runs)

    @property
    def years(self) -> list[int]:
        """Headline years (1, 3, 5, 10) that exist within the horizon."""
        return [y for y in HEADLINE_YEARS if 12 * y <= self.horizon_months]

    @property
    def full_years(self) -> int:
        return self.horizon_months // 12


Frame = TypeVar("Frame")


def per_report(make: Callable[[ReportData], Frame]) -> Callable[[ReportData], Frame]:
    """A table made once per report data (kept in `data.cache`): the PDF, the HTML, the workbook
    and the CSV of one `fundsim report` call read the same tables. Each caller gets its own copy,
    so no writer can change another's."""
    key = f"table:{make.__module__}.{make.__qualname__}"

    @functools.wraps(make)
    def once(data: ReportData) -> Frame:
        if key not in data.cache:
            data.cache[key] = make(data)
        kept = data.cache[key]
        return kept.copy() if hasattr(kept, "copy") else kept

    return once


EDITED = " (edited)"  # the app names an edited copy of a preset "<preset> (edited)"
PRESETS = Path(__file__).resolve().parents[2] / "scenarios"


def _edited_from(scenario: Scenario) -> Scenario | None:
    """The preset an app-edited copy came from, when the caller did not say (so the report
    describes the edit by its changes, not by the preset's description)."""
    if not scenario.name.endswith(EDITED):
        return None
    path = PRESETS / f"{scenario.name.removesuffix(EDITED)}.yaml"
    if not path.is_file():
        return None
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import load_scenario

    try:
        return load_scenario(path)
    except (ScenarioError, OSError):
        return None


def code_revision() -> str:
    """`git rev-parse HEAD` of the fundsim checkout, or "unknown" outside a git work tree."""
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    rev = done.stdout.strip()
    return rev if done.returncode == 0 and len(rev) == 40 else "unknown"


def _counterfactuals(scenarios: Sequence[Scenario], seeds: list[int],
                     run: Callable[[Scenario], list[Results]],
                     own: Sequence[list[Results]] | None = None) -> list[list[Results] | None]:
    """One counterfactual run set per distinct world; a scenario without a fund is its own."""
    from sim.scenario.worlds import world_key

    cache: dict[str, list[Results]] = {}
    out: list[list[Results] | None] = []
    for i, s in enumerate(scenarios):
        if not s.fund.enabled and own is not None:
            cache.setdefault(world_key(s), own[i])
    for s in scenarios:
        key = world_key(s)
        if key not in cache:
            fresh = run(s.counterfactual())
            # Fund rules do not touch a world without a fund: share identical runs, so the
            # report shows one no-fund line rather than copies.
            same = next((c for c in cache.values() if _same_runs(c, fresh)), None)
            cache[key] = same if same is not None else fresh
        out.append(cache[key])
    return out


def _same_runs(a: list[Results], b: list[Results]) -> bool:
    return len(a) == len(b) and all(
        x.seed == y.seed and x.metrics.shape == y.metrics.shape
        and x.metrics["value"].equals(y.metrics["value"]) for x, y in zip(a, b, strict=True))


def report_data_from_results(scenarios: Sequence[Scenario], results: Sequence[Sequence[Results]],
                             counterfactuals: Sequence[Sequence[Results] | None] | None = None,
                             *, workers: int = 1, created: dt.datetime | None = None,
                             title: str = "", years: int = DEFAULT_YEARS, paper: str = "letter",
                             bases: Sequence[Scenario | None] | None = None) -> ReportData:
    """Assemble report data from runs the caller already has (e.g. the app's cache).

    Every scenario must have been run on the same seeds. Missing counterfactuals are run here.
    `bases`: per scenario, the preset it was edited from (or None), so the report describes the
    edit by what changed rather than by the preset's description."""
    if not scenarios:
        raise ValueError("a report needs at least one scenario")
    if len(results) != len(scenarios):
        raise ValueError("give one list of results per scenario")
    ordered = [sorted(rs, key=lambda r: r.seed) for rs in results]
    seeds = [r.seed for r in ordered[0]]
    if not seeds:
        raise ValueError("a report needs at least one run per scenario")
    for s, rs in zip(scenarios, ordered, strict=True):
        if [r.seed for r in rs] != seeds:
            raise ValueError(f"scenario {s.name!r} was run on other seeds than the first scenario; "
                             "reports compare scenarios on the same seeds")
    if counterfactuals is None or any(c is None for c in counterfactuals):
        from sim.engine.runner import run_many

        computed = _counterfactuals(scenarios, seeds, lambda s: run_many(s, seeds, workers=workers),
                                    own=ordered)
        given = list(counterfactuals) if counterfactuals is not None else [None] * len(scenarios)
        cfs = [sorted(g, key=lambda r: r.seed) if g is not None else c
               for g, c in zip(given, computed, strict=True)]
    else:
        cfs = [sorted(c, key=lambda r: r.seed) for c in counterfactuals]  # type: ignore[arg-type]
    # A counterfactual identical to a no-fund scenario's own runs is that scenario: share the list,
    # so the report shows one no-fund line and does not compare a scenario with itself.
    own_no_fund = [rs for s, rs in zip(scenarios, ordered, strict=True) if not s.fund.enabled]
    cfs = [next((rs for rs in own_no_fund if cf is not None and _same_runs(rs, cf)), cf) for cf in cfs]
    data = report_outline(scenarios, created=created, title=title, years=years, paper=paper, bases=bases)
    for run, rs, cf in zip(data.runs, ordered, cfs, strict=True):
        run.results, run.counterfactual = rs, cf
    data.seeds = seeds
    return data


def report_outline(scenarios: Sequence[Scenario], *, created: dt.datetime | None = None, title: str = "",
                   years: int = DEFAULT_YEARS, paper: str = "letter",
                   bases: Sequence[Scenario | None] | None = None) -> ReportData:
    """What a report knows before any run is read: its scenarios (labelled and described), title
    and options, with no results. The appendix (every assumption) is made from this alone, so
    `fundsim report` can start printing it while the runs are still being read."""
    import sim
    from sim.scenario.sets import unique_names

    labels = unique_names(scenarios)
    base_list = list(bases) if bases is not None else [_edited_from(s) for s in scenarios]
    runs = [ScenarioRuns(label, s, [], None, base)
            for label, s, base in zip(labels, scenarios, base_list, strict=True)]
    when = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    # Named for the proposals (the scenarios with a fund), not for a no-fund reference listed first.
    named = [label for label, s in zip(labels, scenarios, strict=True) if s.fund.enabled] or labels[:1]
    title = title or f"Training fund projections: {', '.join(named)}"
    return ReportData(runs=runs, seeds=[], created=when, revision=code_revision(),
                      version=sim.__version__, title=title,
                      years_chosen=years, paper=paper)


def compute_report_data(scenarios: Sequence[Scenario], seeds: Sequence[int], *, workers: int = 1,
                        on_done: Callable[[Results], None] | None = None,
                        created: dt.datetime | None = None, title: str = "", years: int = DEFAULT_YEARS,
                        paper: str = "letter") -> ReportData:
    """Run every scenario and the needed no-fund counterfactuals on the same seeds."""
    from sim.engine.runner import run_many

    seed_list = list(seeds)
    results = [run_many(s, seed_list, workers=workers, on_done=on_done) for s in scenarios]
    cfs = _counterfactuals(scenarios, seed_list,
                           lambda s: run_many(s, seed_list, workers=workers, on_done=on_done), own=results)
    return report_data_from_results(scenarios, results, cfs, created=created, title=title, years=years,
                                    paper=paper)

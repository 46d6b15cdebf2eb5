"""Everything the page shows for a comparison (KPI cards, alerts, and each tab's chart spec once its
tab is opened), computed once from the runs and kept on disk beside them: a warm start reads JSON
files and needs neither the runs, nor Altair, nor SciPy, nor the engine. The downloads (results
CSV, scenario files) are made only when someone asks for them."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.app.kpis import Card
from sim.app.notices import AlertSummary
from sim.results import Results
from sim.runcache import scenario_key
from sim.scenario.schema import Scenario

HERE = Path(__file__).resolve().parent
# A change to any of these redraws the page (sim/charts.py draws the bands; the run cache's key
# leaves it out, as it changes no run).
SOURCES = (HERE / "charts.py", HERE / "kpis.py", HERE / "exports.py", HERE / "views.py", HERE / "notices.py",
           HERE.parent / "charts.py")
TABS = ("Funnel", "Pipeline", "Fund", "Wages and vacancies", "Worker groups", "Impact over time", "Poaching",
        "Providers")


@dataclass
class PageView:
    """What the page shows above the charts (each chart is drawn when its tab opens: chart_spec;
    the downloads are made when asked for)."""

    cards: list[list[Card]]
    alerts: list[AlertSummary]


def view_key(labels: Sequence[str], scenarios: Sequence[Scenario], seeds: Sequence[int]) -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.read_bytes())
    h.update(json.dumps([list(labels), [scenario_key(s) for s in scenarios], list(seeds)]).encode())
    return h.hexdigest()[:24]


def build_charts(labels: Sequence[str], scenarios: Sequence[Scenario], runs: Sequence[Sequence[Results]],
                 names: Sequence[str] = TABS) -> dict[str, dict[str, Any]]:
    """The named charts (all tabs by default) as Vega-Lite specs."""
    from sim.app import charts  # Altair is needed only when a view is drawn for the first time

    pairs = list(zip(labels, runs, strict=True))
    rec = charts.recession_windows(scenarios)
    makers = {
        "Pipeline": lambda: charts.pipeline(pairs, rec),
        "Funnel": lambda: charts.funnel(labels, runs),
        "Fund": lambda: charts.fund(pairs, rec),
        "Wages and vacancies": lambda: charts.labour(pairs, rec),
        "Worker groups": lambda: charts.groups(labels, runs),
        "Impact over time": lambda: charts.impact(pairs),
        "Poaching": lambda: charts.poaching(pairs),
        "Providers": lambda: charts.providers(pairs),
    }
    return {name: makers[name]().to_dict(validate=False) for name in names}


def build_view(labels: Sequence[str], scenarios: Sequence[Scenario],
               runs: Sequence[Sequence[Results]]) -> PageView:
    """The cards and alerts."""
    from sim.app import kpis, notices

    return PageView(cards=kpis.cards(labels, runs),
                    alerts=notices.rule_notices(labels, scenarios) + notices.alert_summaries(labels, runs))


def early_view(labels: Sequence[str], scenarios: Sequence[Scenario],
               runs: Sequence[Sequence[Results]]) -> PageView:
    """What the page shows while runs finish: the cards from the seeds every scenario has (not
    saved: the full view replaces it)."""
    from sim.app import kpis

    return PageView(cards=kpis.cards(labels, runs), alerts=[])


def _dump(view: PageView) -> str:
    cards = [[dataclasses.asdict(c) for c in row] for row in view.cards]
    alerts = [dataclasses.asdict(a) for a in view.alerts]
    return json.dumps({"cards": cards, "alerts": alerts}, default=str)


def _load(text: str) -> PageView:
    data = json.loads(text)
    return PageView(cards=[[Card(**c) for c in row] for row in data["cards"]],
                    alerts=[AlertSummary(**a) for a in data["alerts"]])


def page_view(folder: Path, labels: Sequence[str], scenarios: Sequence[Scenario], seeds: Sequence[int],
              runs: Callable[[], Sequence[Sequence[Results]]]) -> PageView:
    """The cards and alerts from `folder` if this exact comparison was shown before; else
    built from `runs()` and saved (an unwritable folder only costs speed). Charts are not in it:
    each is drawn (and saved) when its tab is first opened (`chart_spec`), so the first view
    does not wait for seven charts nobody has looked at yet."""
    key = view_key(labels, scenarios, seeds)
    path = Path(folder) / "views" / f"{key}.json"
    text = _read(path)
    if text is not None:
        try:
            return _load(text)
        except (ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
    view = build_view(labels, scenarios, runs())
    _save(path, _dump(view))
    return view


def chart_spec(folder: Path, labels: Sequence[str], scenarios: Sequence[Scenario], seeds: Sequence[int],
               name: str, runs: Callable[[], Sequence[Sequence[Results]]]) -> dict[str, Any]:
    """One tab's chart (a Vega-Lite spec), from `folder` if drawn before, else built and saved."""
    key = view_key(labels, scenarios, seeds)
    path = Path(folder) / "views" / f"{key}-chart{TABS.index(name)}.json"
    text = _read(path)
    if text is not None:
        try:
            spec = json.loads(text)
            if isinstance(spec, dict):
                return spec
        except ValueError:
            pass
        path.unlink(missing_ok=True)
    spec = build_charts(labels, scenarios, runs(), [name])[name]
    _save(path, json.dumps(spec, default=str))
    return spec


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except OSError:
        return None


def _save(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass

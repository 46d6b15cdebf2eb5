"""Several scenarios at once: load them reporting every file's problems, and name them uniquely."""

from __future__ import annotations

import os
from collections.abc import Sequence

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario


def load_all(paths: Sequence[str | os.PathLike[str]]) -> list[Scenario]:
    """Load every file; raise one ScenarioError with all files' problems before anything runs."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_scenario(path))
        except ScenarioError as e:
            problems.extend(e.problems)
    if problems:
        raise ScenarioError(problems)
    return loaded


def unique_names(scenarios: Sequence[Scenario]) -> list[str]:
    """Scenario names, made unique (`name#2`) when two scenarios share one."""
    labels: list[str] = []
    for s in scenarios:
        label, k = s.name, 2
        while label in labels:
            label, k = f"{s.name}#{k}", k + 1
        labels.append(label)
    return labels

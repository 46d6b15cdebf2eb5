"""The page's flow without Streamlit: the comparison from the link, the scenario choosers,
committing edits and uploads only when they validate, and building the scenarios."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.app import rule_lists
from sim.app.editor import FieldSpec, edits_from_values
from sim.app.settings import Settings
from sim.app.sources import base_scenario, check_upload, presets, slot_scenario
from sim.app.state import (
    MAX_SLOTS,
    PRESET,
    UPLOAD,
    Comparison,
    LinkError,
    Slot,
    decode,
    default_comparison,
)
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.sets import unique_names

NONE = "(none)"
# The first scenario is what happens today (the reference); the others are proposals.
CHOOSER_LABELS = ("Current rules", "Proposal", "Proposal 2", "Proposal 3")


@dataclass
class Outcome:
    """What an action did: the (possibly unchanged) comparison and the problems to show."""

    comparison: Comparison
    problems: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def from_link(token: str | None, settings: Settings) -> Outcome:
    """The comparison in `?c=` (or the default one); a broken link says why."""
    if not token:
        return Outcome(default_comparison())
    try:
        comp = decode(token)
    except LinkError as e:
        return Outcome(default_comparison(), [f"This link cannot be opened: {e}. Showing the default "
                                              "comparison instead."])
    problems = build_problems(comp, settings)
    if problems:
        return Outcome(default_comparison(), ["This link's comparison does not validate; showing the "
                                              "default comparison instead.", *problems])
    return Outcome(comp)


def options(comp: Comparison, settings: Settings) -> list[str]:
    """Sources a chooser offers: every preset, then every uploaded file."""
    return [PRESET + name for name in presets(settings.scenarios_dir)] + [UPLOAD + n for n in comp.uploads]


def slot_lines(i: int, label: str, e: ScenarioError) -> list[str]:
    where = CHOOSER_LABELS[i] if i < len(CHOOSER_LABELS) else f"Scenario {i + 1}"
    return [f"{where} ({label}) · {line}" for line in e.lines()]


def build(comp: Comparison, settings: Settings) -> list[Scenario]:
    """Every slot's scenario; one ScenarioError listing every slot's problems."""
    out, problems = [], []
    for slot in comp.slots:
        try:
            out.append(slot_scenario(slot, comp, settings))
        except ScenarioError as e:
            problems.extend(e.problems)
    if problems:
        raise ScenarioError(problems)
    return out


def build_problems(comp: Comparison, settings: Settings) -> list[str]:
    lines: list[str] = []
    for i, slot in enumerate(comp.slots):
        try:
            slot_scenario(slot, comp, settings)
        except ScenarioError as e:
            lines.extend(slot_lines(i, slot.name, e))
    return lines


def labels(scenarios: list[Scenario]) -> list[str]:
    return unique_names(scenarios)


def choose(comp: Comparison, picks: list[str | None]) -> Comparison:
    """Chooser values (a source, or None for "(none)") -> the comparison. A scenario keeps its
    edits while it stays chosen (matched by source, in order); empty choosers are skipped."""
    unused = list(comp.slots)
    slots = []
    for pick in picks[:MAX_SLOTS]:
        if pick is None:
            continue
        prev = next((s for s in unused if s.source == pick), None)
        if prev is not None:
            unused.remove(prev)
        slots.append(Slot(pick, dict(prev.edits) if prev is not None else {}))
    return Comparison(slots, dict(comp.uploads))


def add_upload(comp: Comparison, name: str, data: bytes, settings: Settings) -> Outcome:
    """Add an uploaded file if it is a valid scenario (size checked before parsing)."""
    try:
        text = check_upload(name, data, settings.scenarios_dir)
    except ScenarioError as e:
        return Outcome(comp, [f"{name} · {line}" for line in e.lines()])
    new = comp.copy()
    known = new.uploads.get(name) == text
    new.uploads[name] = text
    return Outcome(new, note="" if known else name)


def submit_edits(comp: Comparison, index: int, specs: list[FieldSpec], values: dict[str, Any],
                 settings: Settings) -> Outcome:
    """Commit a slot's edited values if the scenario they make validates; otherwise keep the
    comparison as it was and list every problem."""
    slot = comp.slots[index]
    # Fields are compared with the source as its lists of rules now stand (added or removed rules).
    base = rule_lists.with_list_edits(base_scenario(slot, comp, settings), slot.edits)
    edits, problems = edits_from_values(specs, values, base, keep=slot.edits)
    if problems:
        return Outcome(comp, slot_lines(index, slot.name, ScenarioError(problems)))
    return _commit(comp, index, edits, settings)


def _commit(comp: Comparison, index: int, edits: dict[str, Any], settings: Settings) -> Outcome:
    """The comparison with slot `index` holding `edits`, if its scenario validates."""
    trial = comp.copy()
    trial.slots[index].edits = edits
    try:
        slot_scenario(trial.slots[index], trial, settings)
    except ScenarioError as e:
        return Outcome(comp, slot_lines(index, comp.slots[index].name, e))
    return Outcome(trial)


def change_rules(comp: Comparison, index: int, path: str, settings: Settings, *, add: str | None = None,
                 remove: int | None = None) -> Outcome:
    """Add a rule of kind `add` to the list at `path` of slot `index`, or remove its rule at
    position `remove`; committed only if the scenario still validates."""
    slot = comp.slots[index]
    try:
        edited = slot_scenario(slot, comp, settings)
        edits = (rule_lists.added(edited, slot.edits, path, add) if add is not None
                 else rule_lists.removed(edited, slot.edits, path, remove if remove is not None else -1))
    except ScenarioError as e:
        return Outcome(comp, slot_lines(index, slot.name, e))
    except IndexError as e:
        return Outcome(comp, [f"{CHOOSER_LABELS[index]} ({slot.name}) · {e}"])
    return _commit(comp, index, edits, settings)

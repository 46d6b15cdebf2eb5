"""Where a comparison's scenarios come from: the presets folder and uploaded YAML files, each
with the slot's edits applied; every problem is a `ScenarioError` naming fields and what is
allowed."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.app.editor import human
from sim.app.settings import Settings, SettingsError
from sim.app.state import PRESET, UPLOAD, Comparison, Slot
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import MAX_BYTES, apply_overrides, load_scenario, load_scenario_text
from sim.scenario.schema import Scenario


def presets(folder: Path) -> dict[str, Path]:
    """Preset name (file stem) -> path, baseline and no_fund first."""
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    order = {"baseline": 0, "no_fund": 1}
    return {p.stem: p for p in sorted(files, key=lambda p: (order.get(p.stem, 2), p.stem))}
TITLE_CHARS = 70


@lru_cache(maxsize=64)
def _title(path: str, mtime: float) -> str:
    """A preset's title: its file's first comment line up to the first colon or full stop
    ("# Voluntary matched fund." -> "Voluntary matched fund"), as every preset opens."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            text = line.strip()
            if not text:
                continue
            if not text.startswith("#"):
                break
            head = re.split(r"[:.]\s|[:.]$", text.lstrip("# ").strip(), maxsplit=1)[0].strip()
            if head:
                return head[:TITLE_CHARS]
            break
    return human(Path(path).stem)


def preset_title(path: Path) -> str:
    return _title(str(path), path.stat().st_mtime)


@lru_cache(maxsize=64)
def _load(path: str, mtime: float) -> Scenario:
    return load_scenario(path)


def load_preset(path: Path) -> Scenario:
    """A preset, re-read only when its file changes."""
    return _load(str(path), path.stat().st_mtime)


@lru_cache(maxsize=32)
def _parse(text: str, base_dir: str, name: str) -> Scenario:
    return load_scenario_text(text, base_dir=Path(base_dir), source=name)


def check_upload(name: str, data: bytes, base_dir: Path) -> str:
    """The text of an uploaded scenario once it is known to be valid; the size is checked
    before anything is parsed."""
    if len(data) > MAX_BYTES:
        raise ScenarioError([Problem("(file)", f"too large ({len(data):,} bytes): scenario files are "
                                     f"limited to {MAX_BYTES:,} bytes (1 MB)", file=name)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([Problem("(file)", "not UTF-8 text; save the file as UTF-8 YAML",
                                     file=name)]) from None
    _parse(text, str(base_dir), name)
    return text


def yaml_value(value: Any) -> Any:
    """An edit as apply_overrides takes it: text is quoted so it stays text."""
    return json.dumps(value) if isinstance(value, str) else value


def check_overrides(settings: Settings) -> None:
    """Refuse app-wide overrides that do not apply to the presets (an unknown field, a value out
    of bounds), naming the variable and each field, before any page is drawn from them."""
    if not settings.overrides:
        return
    found = presets(settings.scenarios_dir)
    if not found:
        return
    try:
        apply_overrides(load_preset(next(iter(found.values()))), settings.overrides)
    except ScenarioError as e:
        raise SettingsError("\n".join(["FUNDSIM_APP_OVERRIDES does not apply to the presets:",
                                        *[f"- {line}" for line in e.lines()]])) from None


def base_scenario(slot: Slot, comp: Comparison, settings: Settings) -> Scenario:
    """The slot's source with the app-wide overrides, before the slot's own edits."""
    if slot.source.startswith(PRESET):
        path = presets(settings.scenarios_dir).get(slot.name)
        if path is None:
            raise ScenarioError([Problem("(scenario)", f"there is no preset named {slot.name!r}; "
                                         f"presets: {', '.join(presets(settings.scenarios_dir))}")])
        scenario = load_preset(path)
    elif slot.source.startswith(UPLOAD):
        text = comp.uploads.get(slot.name)
        if text is None:
            raise ScenarioError([Problem("(scenario)", f"the uploaded file {slot.name!r} is not here "
                                         "(it was too large to travel in the link); upload it again")])
        scenario = _parse(text, str(settings.scenarios_dir), slot.name)
    else:
        raise ScenarioError([Problem("(scenario)", f"unknown scenario source {slot.source!r}")])
    return apply_overrides(scenario, settings.overrides) if settings.overrides else scenario


def slot_scenario(slot: Slot, comp: Comparison, settings: Settings) -> Scenario:
    """The scenario a slot stands for; edited copies are renamed "<name> (edited)"."""
    base = base_scenario(slot, comp, settings)
    if not slot.edits:
        return base
    edits = {k: yaml_value(v) for k, v in slot.edits.items()}
    if "name" not in edits:
        edits = {**edits, "name": json.dumps(f"{base.name} (edited)"[:80])}
    return apply_overrides(base, edits)


def source_label(source: str) -> str:
    return source.split(":", 1)[1] + (" (uploaded)" if source.startswith(UPLOAD) else "")


def source_title(source: str, settings: Settings) -> str:
    """How a chooser names a source: a preset's title, an upload's file name."""
    if source.startswith(PRESET):
        path = presets(settings.scenarios_dir).get(source.split(":", 1)[1])
        if path is not None:
            return preset_title(path)
    return source_label(source)


def source_description(source: str, comp: Comparison, settings: Settings) -> str:
    """The one-line `description:` of a source (empty when it has none or does not load)."""
    try:
        return base_scenario(Slot(source), comp, settings).description.strip()
    except ScenarioError:
        return ""

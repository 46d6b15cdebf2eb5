"""Environment knobs of the app, read once per script run.

FUNDSIM_APP_SEEDS      seeds per scenario (default 8: seeds 1..N)
FUNDSIM_APP_WORKERS    worker processes for missing runs (default 2)
FUNDSIM_APP_OVERRIDES  dotted overrides applied to every scenario, `;`-separated
                       (e.g. "region.n_workers=2000;horizon_months=36" for a quick, small region)
FUNDSIM_CACHE_DIR      where finished runs are kept (default ~/.cache/fundsim)
FUNDSIM_SCENARIOS_DIR  the presets folder (default: scenarios/ beside the package)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """An environment knob with a value the app cannot use (named, with what is allowed)."""


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise SettingsError(f"{name}: must be a whole number from {low} to {high} (you gave {raw!r})")
    return value


def parse_overrides(text: str) -> dict[str, str]:
    """"a.b=1; c=2" -> {"a.b": "1", "c": "2"} (values stay YAML text for apply_overrides). A part
    without "=" is refused rather than silently ignored."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            shown = part.strip() if len(part.strip()) <= 60 else part.strip()[:57] + "..."
            raise SettingsError(f"FUNDSIM_APP_OVERRIDES: {shown!r} is not of the form field.path=value "
                                "(separate several with ';', e.g. "
                                "\"region.n_workers=2000;horizon_months=36\")")
        out[key.strip()] = value.strip()
    return out


@dataclass(frozen=True)
class Settings:
    seeds: tuple[int, ...]
    workers: int
    cache_dir: Path
    scenarios_dir: Path
    overrides: dict[str, str] = field(default_factory=dict)


def settings() -> Settings:
    n = _int("FUNDSIM_APP_SEEDS", 8, 1, 64)
    cache = os.environ.get("FUNDSIM_CACHE_DIR") or str(Path.home() / ".cache" / "fundsim")
    presets = os.environ.get("FUNDSIM_SCENARIOS_DIR") or str(ROOT / "scenarios")
    return Settings(seeds=tuple(range(1, n + 1)), workers=_int("FUNDSIM_APP_WORKERS", 2, 1, 64),
                    cache_dir=Path(cache), scenarios_dir=Path(presets),
                    overrides=parse_overrides(os.environ.get("FUNDSIM_APP_OVERRIDES", "")))

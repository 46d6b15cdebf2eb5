"""A chart's data as CSV, read from its own Vega-Lite spec: exactly the numbers drawn (means,
90% ranges, recession windows), one row per plotted point, with the panel's title."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd


def _title(spec: dict[str, Any]) -> str | None:
    t = spec.get("title")
    if isinstance(t, dict):
        t = t.get("text")
    if isinstance(t, list):
        t = " ".join(str(x) for x in t)
    return str(t) if t else None


def _walk(spec: Any, title: str, out: dict[str, tuple[str, list[Any] | None]]) -> None:
    """Map each dataset the chart draws to the title of the innermost panel that draws it: a
    named one (its rows are in the spec's `datasets`, as Altair writes a DataFrame) or inline
    values (as the shared charts write them, sim.charts), the same rows drawn by two layers
    counted once."""
    if isinstance(spec, list):
        for item in spec:
            _walk(item, title, out)
        return
    if not isinstance(spec, dict):
        return
    title = _title(spec) or title
    data = spec.get("data")
    if isinstance(data, dict):
        if isinstance(data.get("name"), str):
            out.setdefault(data["name"], (title, None))
        elif isinstance(data.get("values"), list):
            out.setdefault(json.dumps(data["values"], sort_keys=True, default=str), (title, data["values"]))
    for key, value in spec.items():
        if key not in ("data", "datasets", "title") and isinstance(value, (dict, list)):
            _walk(value, title, out)


def chart_csv(spec: dict[str, Any]) -> str:
    """Every dataset the chart draws, stacked, with a first column naming its panel."""
    found: dict[str, tuple[str, list[Any] | None]] = {}
    _walk(spec, _title(spec) or "chart", found)
    datasets = spec.get("datasets", {})
    parts = []
    for name, (title, inline) in found.items():
        rows = inline if inline is not None else datasets.get(name)
        if rows:
            frame = pd.DataFrame(rows)
            frame.insert(0, "panel", title)
            parts.append(frame)
    if not parts:
        return ""
    return pd.concat(parts, ignore_index=True).to_csv(index=False)

"""A chart's data as CSV, read from its own Vega-Lite spec: exactly the numbers drawn (means,
90% ranges, recession windows), one row per plotted point, with the panel's title."""

from __future__ import annotations

from typing import Any

import pandas as pd


def _title(spec: dict[str, Any]) -> str | None:
    t = spec.get("title")
    if isinstance(t, dict):
        t = t.get("text")
    if isinstance(t, list):
        t = " ".join(str(x) for x in t)
    return str(t) if t else None


def _walk(spec: Any, title: str, out: dict[str, str]) -> None:
    """Map each named dataset to the title of the innermost panel that draws it."""
    if isinstance(spec, list):
        for item in spec:
            _walk(item, title, out)
        return
    if not isinstance(spec, dict):
        return
    title = _title(spec) or title
    data = spec.get("data")
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        out.setdefault(data["name"], title)
    for key, value in spec.items():
        if key not in ("data", "datasets", "title") and isinstance(value, (dict, list)):
            _walk(value, title, out)


def chart_csv(spec: dict[str, Any]) -> str:
    """Every dataset the chart draws, stacked, with a first column naming its panel."""
    names: dict[str, str] = {}
    _walk(spec, _title(spec) or "chart", names)
    datasets = spec.get("datasets", {})
    parts = []
    for name, title in names.items():
        rows = datasets.get(name)
        if rows:
            frame = pd.DataFrame(rows)
            frame.insert(0, "panel", title)
            parts.append(frame)
    if not parts:
        return ""
    return pd.concat(parts, ignore_index=True).to_csv(index=False)

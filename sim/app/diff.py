"""The rule diff: in plain words, how each scenario differs from the reference, e.g.
"Fund rules · Contributions #1 · Rate: 0.5% → 0.8% (share of payroll)"."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.app.editor import GROUP_TITLES, human
from sim.scenario.errors import split_path
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario

SKIP = ("name", "description")
COLUMNS = ["scenario", "change", "field"]


def show_value(value: Any, unit: str) -> str:
    """A value as a committee reads it: shares as percentages, dollars with separators."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(show_value(v, unit) for v in value)
    if isinstance(value, (int, float)):
        if unit.startswith("share"):
            return f"{100 * value:.4g}%"
        if unit.startswith("$"):
            return f"${value:,.0f}" if abs(value) >= 100 or value == 0 else f"${value:,.2f}"
        return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"
    return str(value).replace("_", " ")


def where(path: str) -> str:
    """`fund.contributions[0].rate` -> "Fund rules · Contributions #1 · Rate"."""
    segs = split_path(path) or [path]
    words: list[str] = []
    for i, seg in enumerate(segs):
        if isinstance(seg, int):
            words[-1] += f" #{seg + 1}"
        elif i == 0 and len(segs) > 1:
            words.append(GROUP_TITLES.get(seg, human(seg)))
        else:
            words.append(human(seg))
    return " · ".join(words)


def _rows(s: Scenario) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in iter_parameters(s) if r["path"] not in SKIP}


def _rule_of(path: str) -> str | None:
    """The list item a path belongs to (`fund.contributions[0]`), if any."""
    i = path.rfind("]")
    return path[: i + 1] if i >= 0 else None


def _kind_at(rows: dict[str, dict[str, Any]], path: str) -> Any:
    row = rows.get(path)
    return None if row is None else row["value"]


def rule_diff(reference: Scenario, other: Scenario) -> list[str]:
    """Plain-words lines, one per difference (a rule of another kind, added or removed, is one
    line)."""
    ref, oth = _rows(reference), _rows(other)
    lines: list[str] = []
    done: set[str] = set()
    for path in dict.fromkeys([*ref, *oth]):
        rule = _rule_of(path)
        if rule is not None and rule in done:
            continue
        if rule is not None:
            old, new = _kind_at(ref, rule + ".kind"), _kind_at(oth, rule + ".kind")
            present = (any(p.startswith(rule) for p in ref), any(p.startswith(rule) for p in oth))
            if old != new or present != (True, True):
                done.add(rule)
                if not present[0]:
                    lines.append(f"{where(rule)}: added ({show_value(new or 'item', '')})")
                elif not present[1]:
                    lines.append(f"{where(rule)}: removed ({show_value(old or 'item', '')})")
                else:
                    lines.append(f"{where(rule)}: {show_value(old, '')} → {show_value(new, '')} "
                                 "(another kind of rule, with its own settings)")
                continue
        a, b = ref.get(path), oth.get(path)
        if a is None or b is None or a["value"] == b["value"]:
            continue
        unit = b["unit"]
        tail = f" ({unit})" if unit and unit not in ("flag", "choice") else ""
        lines.append(f"{where(path)}: {show_value(a['value'], unit)} → {show_value(b['value'], unit)}{tail}")
    return lines


def diff_table(labels: list[str], scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per difference of each scenario from the first (the reference)."""
    rows = []
    for label, s in zip(labels[1:], scenarios[1:], strict=True):
        changes = rule_diff(scenarios[0], s)
        if not changes:
            rows.append({"scenario": label, "change": "Same rules as the reference", "field": ""})
        for line in changes:
            rows.append({"scenario": label, "change": line, "field": line.split(":", 1)[0]})
    return pd.DataFrame(rows, columns=COLUMNS)

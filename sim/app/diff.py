"""The rule diff: in sentences, how each scenario differs from the reference, e.g.
"Fund rules · Contributions · Payroll levy · Rate is 0.8% instead of 0.5% (% of payroll).";
rules in lists are matched by kind, not by position."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from sim.app import dated_table
from sim.app.editor import GROUP_TITLES, human, shown_unit
from sim.scenario.errors import split_path
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


TOKEN = re.compile(r"\[[^\]]*\]|[^.\[\]]+")


def where(path: str) -> str:
    """`fund.contributions[payroll_levy].rate` -> "Fund rules · Contributions · Payroll levy · Rate";
    a plain index (`[0]`) reads "#1"."""
    tokens = TOKEN.findall(path) or [path]
    words: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.startswith("["):
            inner = tok[1:-1]
            if inner.isdigit():
                words[-1] += f" #{int(inner) + 1}"
            else:
                kind, _, n = inner.partition("#")
                words.append(human(kind) + (f" ({n})" if n else ""))
        elif i == 0 and len(tokens) > 1:
            words.append(GROUP_TITLES.get(tok, human(tok)))
        else:
            words.append(human(tok))
    return " · ".join(words)


def _canonical(path: str, data: Any) -> str:
    """A rule in a list is named by its kind (and which of that kind), not its position:
    `fund.contributions[1].rate` -> `fund.contributions[public_match].rate`, so two scenarios'
    rules pair by kind whatever their order."""
    out, obj = "", data
    for seg in split_path(path) or [path]:
        if isinstance(seg, int) and isinstance(obj, list) and seg < len(obj):
            item = obj[seg]
            kind = item.get("kind") if isinstance(item, dict) else None
            if kind is None:
                out += f"[{seg}]"
            else:
                n = sum(1 for x in obj[:seg] if isinstance(x, dict) and x.get("kind") == kind)
                out += f"[{kind}" + (f"#{n + 1}" if n else "") + "]"
            obj = item
        else:
            out += ("." if out else "") + str(seg)
            obj = obj.get(seg) if isinstance(obj, dict) else None
    return out


def _rows(s: Scenario) -> dict[str, dict[str, Any]]:
    data = s.model_dump(mode="json")
    # A dated lever is one row whatever its shape, so a plain rate turned into steps is one change.
    return {_canonical(r["path"], data): r for r in dated_table.parameter_rows(s) if r["path"] not in SKIP}


def _rule_of(path: str) -> str | None:
    """The rule of a list a path belongs to (`fund.contributions[public_match]`), if any."""
    i = path.rfind("]")
    if i < 0 or path[path.rfind("[", 0, i) + 1: i].isdigit():
        return None
    return path[: i + 1]


def _kind_words(rule: str) -> str:
    inner = rule[rule.rfind("[") + 1: -1]
    return human(inner.partition("#")[0]).lower()


def rule_diff(reference: Scenario, other: Scenario) -> list[str]:
    """One sentence per difference. Rules in lists pair by kind: a rule only one side has is
    one sentence ("gains a payroll levy rule"), never a chain of positional changes."""
    ref, oth = _rows(reference), _rows(other)
    lines: list[str] = []
    done: set[str] = set()
    for path in dict.fromkeys([*ref, *oth]):
        rule = _rule_of(path)
        if rule is not None and rule not in done:
            present = (any(p.startswith(rule) for p in ref), any(p.startswith(rule) for p in oth))
            if present != (True, True):
                done.add(rule)
                holder = where(rule[: rule.rfind("[")])
                kind = _kind_words(rule)
                verb = ("gains an" if kind[:1] in "aeiou" else "gains a") if present[1] else "drops its"
                lines.append(f"{holder} {verb} {kind} rule.")
                continue
        if rule is not None and rule in done:
            continue
        a, b = ref.get(path), oth.get(path)
        if a is None or b is None:
            continue
        unit = b["unit"]
        if a.get("dated") or b.get("dated"):
            if dated_table.same(a["value"], b["value"]):
                continue
            old, new = (dated_table.describe(x["value"], lambda v, u=unit: show_value(v, u)) for x in (a, b))
        elif a["value"] == b["value"]:
            continue
        else:
            old, new = show_value(a["value"], unit), show_value(b["value"], unit)
        tail = f" ({shown_unit(unit)})" if unit and unit not in ("flag", "choice") else ""
        sep = "," if ", then" in new else ""  # "0.5% in months 1-24, then 0.3% from month 25, instead of"
        lines.append(f"{where(path)} is {new}{sep} instead of {old}{tail}.")
    return lines


def diff_table(labels: list[str], scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per difference of each scenario from the first (the current rules)."""
    rows = []
    for label, s in zip(labels[1:], scenarios[1:], strict=True):
        changes = rule_diff(scenarios[0], s)
        if not changes:
            rows.append({"scenario": label, "change": "Same rules as the current rules", "field": ""})
        for line in changes:
            rows.append({"scenario": label, "change": line, "field": line.split(" is ", 1)[0]})
    return pd.DataFrame(rows, columns=COLUMNS)

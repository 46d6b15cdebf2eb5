"""Dated levers as small tables in the editor: rows of "From month" and the value in force from
that month on. The levers are found from the schema's `dated` flag (`param(..., dated=True)`),
never from a list here, so a lever declared dated appears as a table without code.

A table with one row from month 1 is a plain value; more rows are steps
(`[{from: 1, value: ...}, {from: 25, value: ...}]`). The table's rules are those of
sim/scenario/dated.py (the first step from month 1, months increasing, every value within the
field's bounds), checked here in the units the table shows (a share in %, not as a fraction),
so a committee member reads the problem in the numbers they typed."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.scenario.dated import MONTH_MAX, Step
from sim.scenario.params import iter_parameters

MONTH = "From month"
Table = tuple[tuple[int, float], ...]  # (first month in force, value in stored units)


@dataclass(frozen=True)
class DatedLever:
    path: str  # the lever's dotted path, e.g. "fund.contributions[0].rate"
    value: float | tuple[Step, ...]  # as the scenario holds it


def _is_dated(field: Any) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("dated"))


def dated_levers(model: BaseModel, prefix: str = "") -> dict[str, DatedLever]:
    """Every field of `model` (a scenario or a part of one) declared dated, by dotted path,
    walked as iter_parameters walks it (sections, then lists of sections item by item)."""
    out: dict[str, DatedLever] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if _is_dated(field):
            out[path] = DatedLever(path, value)
        elif isinstance(value, BaseModel):
            out.update(dated_levers(value, path + "."))
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, BaseModel) for v in value):
            for i, item in enumerate(value):
                out.update(dated_levers(item, f"{path}[{i}]."))
    return out


def as_table(value: Any) -> Table:
    """A dated value (plain, steps, steps as mappings, or already rows) as rows: a plain value is
    one row from month 1."""
    if not isinstance(value, (list, tuple)):
        return ((1, float(value)),)
    rows = []
    for s in value:
        if isinstance(s, Step):
            rows.append((int(s.start), float(s.value)))
        elif isinstance(s, dict):
            rows.append((int(s["from"]), float(s["value"])))
        else:
            rows.append((int(s[0]), float(s[1])))
    return tuple(rows)


def as_value(table: Table) -> float | list[dict[str, Any]]:
    """Rows as a scenario value: one row is a plain value, more are steps."""
    if len(table) == 1 and table[0][0] == 1:
        return table[0][1]
    return [{"from": m, "value": v} for m, v in table]


def same(a: Any, b: Any) -> bool:
    """Whether two dated values are the same lever setting (a plain 0.5 equals one step of 0.5
    from month 1)."""
    ta, tb = as_table(a), as_table(b)
    return len(ta) == len(tb) and all(
        ma == mb and math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-12)
        for (ma, va), (mb, vb) in zip(ta, tb, strict=True))


def parameter_rows(scenario: BaseModel) -> list[dict[str, Any]]:
    """iter_parameters' rows with each dated lever as one row (its steps' rows folded into it,
    `value` the plain value or the steps, `dated` True): how the editor and the rule diff see
    a lever whatever its shape."""
    levers = dated_levers(scenario)
    every = iter_parameters(scenario)
    # A stepped lever's unit, bounds and description are on its steps' value rows (`[i].value`).
    meta = {r["path"][: -len("[0].value")]: r for r in every if r["path"].endswith("[0].value")}
    rows: list[dict[str, Any]] = []
    folded: set[str] = set()
    for row in every:
        path = row["path"]
        root = path.rsplit("[", 1)[0] if path.endswith(("].from", "].value")) else path
        lever = levers.get(root)
        if lever is None:
            rows.append(row)
            continue
        if root in folded:
            continue
        folded.add(root)
        row = meta.get(root, row) if root != path else row
        desc = row["description"]
        if root != path:  # a step's row: the lever's own description is before " (step i, ..."
            desc = desc.rsplit(" (step ", 1)[0]
        rows.append({**row, "path": root, "value": lever.value, "description": desc, "dated": True})
    return rows


class TableError(ValueError):
    """A table that is not a dated value; the message says which row and why, in plain words."""


def _cell(value: Any) -> float | None:
    """A cell as a number; None when empty (a new row not filled in yet)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", "").replace("$", "").replace("%", "").strip())
    except ValueError:
        raise TableError(f"{str(value)[:40]!r} is not a number") from None
    return None if math.isnan(number) else number


def _fmt(v: float) -> str:
    return f"{v:,.10g}"


def _pairs(rows: Any, value_column: str) -> list[tuple[Any, Any]]:
    """The editor's value (a DataFrame, row mappings, or (month, value) pairs; a single number
    or text is a plain value, one row from month 1) as pairs."""
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    if rows is None or isinstance(rows, (str, int, float)):
        return [(1, rows)]
    out: list[tuple[Any, Any]] = []
    for r in rows:
        if isinstance(r, dict):
            out.append((r.get(MONTH), r.get(value_column)))
        elif isinstance(r, (list, tuple)) and len(r) == 2:
            out.append((r[0], r[1]))
        else:
            raise TableError(f"row {len(out) + 1} is not a month and a value")
    return out


def read_table(rows: Any, value_column: str, *, scale: float = 1.0, lo: float | None = None,
               hi: float | None = None, show: Callable[[float], str] = _fmt) -> Table:
    """The rows a committee member left in the table, as (month, value in stored units), or a
    TableError naming the first row that breaks the dated-value rules. Values are typed as shown
    (`scale` x stored, e.g. % for a share) and written in messages by `show` ("20%", "$1,500").
    Rows left wholly empty are ignored."""
    out: list[tuple[int, float]] = []
    for i, (month_cell, value_cell) in enumerate(_pairs(rows, value_column), start=1):
        try:
            month, value = _cell(month_cell), _cell(value_cell)
        except TableError as e:
            raise TableError(f"row {i}: {e}") from None
        if month is None and value is None:
            continue
        if month is None:
            raise TableError(f"row {i} has no month: enter the month its value starts")
        if value is None:
            raise TableError(f"row {i} (from month {_fmt(month)}) has no value: enter one or delete the row")
        if not month.is_integer() or not 1 <= month <= MONTH_MAX:
            raise TableError(f"row {i}: the month must be a whole number from 1 to {MONTH_MAX} "
                             f"(you gave {_fmt(month)})")
        stored = value / scale
        if (lo is not None and stored < lo - 1e-12) or (hi is not None and stored > hi + 1e-12):
            lo_s = "" if lo is None else show(lo * scale)
            hi_s = "" if hi is None else show(hi * scale)
            allowed = (f"between {lo_s} and {hi_s}" if lo is not None and hi is not None
                       else f"at least {lo_s}" if lo is not None else f"at most {hi_s}")
            raise TableError(f"row {i} (from month {int(month)}): the value must be {allowed} "
                             f"(you gave {show(value)})")
        out.append((int(month), stored))
    if not out:
        raise TableError("the table is empty: give at least one row, from month 1")
    if out[0][0] != 1:
        raise TableError(f"the first row must start at month 1, so a value is in force from the first "
                         f"month (it starts at month {out[0][0]})")
    for (a, _), (b, _) in itertools.pairwise(out):
        if b == a:
            raise TableError(f"month {b} appears twice: each month may start one value only")
        if b < a:
            raise TableError(f"months must increase down the table: month {b} comes after month {a} "
                             "(put the rows in order of month)")
    return tuple(out)


def describe(value: Any, show: Any) -> str:
    """A dated value in words, each value shown by `show` (e.g. as a percentage):
    "0.5%", or "0.5% in months 1-24, then 0.3% from month 25"."""
    table = as_table(value)
    if len(table) == 1 and table[0][0] == 1:
        return show(table[0][1])
    parts: list[str] = []
    for k, (month, v) in enumerate(table):
        if k + 1 < len(table):
            end = table[k + 1][0] - 1
            span = f"in month {month}" if end == month else f"in months {month}-{end}"
        else:
            span = f"from month {month}"
        parts.append(f"{show(v)} {span}")
    return parts[0] + "".join(f", then {p}" for p in parts[1:])


def display_rows(value: Any, scale: float = 1.0) -> Sequence[tuple[int, float]]:
    """The table's rows as shown: (month, value x scale)."""
    return [(m, v * scale) for m, v in as_table(value)]

"""Dated values: any numeric lever may be a plain value or a list of steps, each in force from a
month on (OpenFisca style), so rate cuts, payment holidays, temporary incentives and tapers are
written as data:

    rate: 0.01                                   # the same every month
    rate: [{from: 1, value: 0.01}, {from: 13, value: 0.0}, {from: 19, value: 0.01}]

A field is declared dated with `param(..., dated=True)` and the type `DatedFloat`; its bounds
then apply to the plain value and to every step's value (checked by `check_dated`, called from
the schema's base section). Rules read the value in force with `at(value, month)`.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

MONTH_MAX = 600  # the longest horizon a scenario may have (Scenario.horizon_months)


class Step(BaseModel):
    """One step of a dated value: `value` is in force from month `from` (months count from 1)
    until the next step's month."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              serialize_by_alias=True)

    start: int = Field(alias="from", ge=1, le=MONTH_MAX,
                       description="First month the value is in force (months count from 1).")
    value: float = Field(description="The value in force from that month on.")


def _shape(value: Any) -> str:
    return "steps" if isinstance(value, (list, tuple)) else "value"


# A list is read as steps and anything else as a plain number, so a bad step is reported at the
# step (`rate[1].value`) and not as two failed guesses at the union's members.
DatedFloat = Annotated[
    Annotated[float, Tag("value")] | Annotated[tuple[Step, ...], Tag("steps")],
    Discriminator(_shape),
]


def at(value: float | tuple[Step, ...], month: int) -> float:
    """The value in force at `month`: a plain value always; a dated one, its last step that has
    started (the first step starts at month 1, so one always has)."""
    if not isinstance(value, tuple):
        return float(value)
    current = value[0].value
    for step in value:
        if step.start > month:
            break
        current = step.value
    return float(current)


def at_each(value: float | tuple[Step, ...], months: Any) -> np.ndarray:
    """The value in force at each of `months` (an array: e.g. each participant's start month,
    for money-out terms fixed when a contract starts); months before 1 read the first step."""
    months = np.asarray(months)
    if not isinstance(value, tuple):
        return np.full(months.shape, float(value))
    starts = np.array([s.start for s in value])
    values = np.array([s.value for s in value], dtype=np.float64)
    return values[np.clip(np.searchsorted(starts, months, side="right") - 1, 0, None)]


def highest(value: float | tuple[Step, ...]) -> float:
    """The largest value the field ever takes (a dated one: over its steps)."""
    return max(s.value for s in value) if isinstance(value, tuple) else float(value)


def is_dated(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and all(isinstance(s, Step) for s in value)


def _bound_problem(v: float, bounds: dict[str, float | None]) -> str | None:
    ge, le, gt, lt = (bounds.get(k) for k in ("ge", "le", "gt", "lt"))
    if ge is not None and le is not None and not ge <= v <= le:
        return f"must be between {ge:g} and {le:g}"
    if ge is not None and v < ge:
        return f"must be at least {ge:g}"
    if le is not None and v > le:
        return f"must be at most {le:g}"
    if gt is not None and v <= gt:
        return f"must be greater than {gt:g}"
    if lt is not None and v >= lt:
        return f"must be less than {lt:g}"
    return None


def check_dated(value: float | tuple[Step, ...], bounds: dict[str, float | None]) -> None:
    """Raise a ValueError naming the step when a dated value breaks its field's rules: at least
    one step, the first from month 1, months strictly increasing, every value within bounds."""
    if not isinstance(value, tuple):
        problem = _bound_problem(float(value), bounds)
        if problem:
            raise ValueError(f"{problem} (you gave {value:g})")
        return
    if not value:
        raise ValueError("a dated value needs at least one step, e.g. [{from: 1, value: ...}]")
    if value[0].start != 1:
        raise ValueError(f"the first step must start at month 1 (from: 1), so a value is in force "
                         f"from the first month; it starts at month {value[0].start}")
    for i, (a, b) in enumerate(itertools.pairwise(value), start=2):
        if b.start <= a.start:
            raise ValueError(f"step {i}: months must increase (from: {b.start} follows from: {a.start})")
    for i, step in enumerate(value, start=1):
        problem = _bound_problem(step.value, bounds)
        if problem:
            raise ValueError(f"step {i} (from month {step.start}): value {problem} "
                             f"(you gave {step.value:g})")


def describe(value: float | tuple[Step, ...]) -> str:
    """Plain words for a dated value: `0.01 from month 1; 0 from month 13`."""
    if not isinstance(value, tuple):
        return f"{value:g}"
    return "; ".join(f"{s.value:g} from month {s.start}" for s in value)

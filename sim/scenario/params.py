"""The one way a scenario parameter is declared: value, unit, bounds, role, source, description.

Everything that shows parameters (the CLI's `fundsim params`, the docs table, the app's rule
editor) reads these fields back from the pydantic schema, so a parameter is declared once, here.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sim.scenario.dated import Step, check_dated

Role = Literal["lever", "uncertainty", "constant"]

ASSUMPTION = "assumption"


def param(
    default: Any,
    *,
    unit: str,
    description: str,
    role: Role,
    source: str = ASSUMPTION,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    group: str | None = None,
    dated: bool = False,
) -> Any:
    """A scenario parameter: a pydantic Field that also carries unit, role and source.

    `role`: lever = a funding rule the committee chooses; uncertainty = the world (demand,
    uptake, behaviour); constant = structure that neither choice nor uncertainty touches.
    `source`: a citation, or "assumption".
    `dated`: the field's type is `DatedFloat` (a value, or steps each in force from a month);
    its bounds then apply to every step's value (checked by `Section`, not by pydantic, which
    cannot put bounds on a union).
    """
    extra: dict[str, Any] = {"unit": unit, "role": role, "source": source}
    if group:
        extra["group"] = group
    if dated:
        extra["dated"] = True
        extra["bounds"] = {"ge": ge, "le": le, "gt": gt, "lt": lt}
        return Field(default, description=description, json_schema_extra=extra)
    return Field(
        default, ge=ge, le=le, gt=gt, lt=lt, description=description, json_schema_extra=extra
    )


class Section(BaseModel):
    """Base of every schema section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _dated_bounds(cls, value: Any, info: ValidationInfo) -> Any:
        extra = _extra(cls.model_fields[info.field_name]) if info.field_name else {}
        if extra.get("dated"):
            check_dated(value, extra["bounds"])
        return value


def _extra(field: Any) -> dict[str, Any]:
    return field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}


def _holds_sections(annotation: Any) -> bool:
    """Whether `annotation` is a list (or tuple) of schema sections, or of a union of them."""
    def members(tp: Any) -> list[Any]:
        while get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        if get_origin(tp) in (Union, types.UnionType):
            return [m for a in get_args(tp) for m in members(a)]
        return [tp]

    if get_origin(annotation) not in (list, tuple) or not get_args(annotation):
        return False
    return all(isinstance(m, type) and issubclass(m, BaseModel) for m in members(get_args(annotation)[0]))


def iter_parameters(model: type[BaseModel] | BaseModel, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten a schema (class or instance) into rows: path, value, unit, bounds, role, source.

    Lists of sub-sections (sectors, rules) are reported per item (`fund.contributions[0].rate`).
    """
    cls = model if isinstance(model, type) else type(model)
    rows: list[dict[str, Any]] = []
    for name, field in cls.model_fields.items():
        path = f"{prefix}{name}"
        if not isinstance(model, type):
            value = getattr(model, name)
        elif field.default_factory is not None:  # a section: describe its defaults
            value = field.default_factory()
        else:
            value = field.default
        if isinstance(value, BaseModel):
            rows.extend(iter_parameters(value, path + "."))
            continue
        if isinstance(value, (list, tuple)) and not value and _holds_sections(field.annotation):
            continue  # an empty list of sub-sections (no earmarks, no rules): no items, so no rows
        dated = isinstance(value, tuple) and bool(value) and all(isinstance(v, Step) for v in value)
        if not dated and isinstance(value, (list, tuple)) and value and all(
            isinstance(v, BaseModel) for v in value
        ):
            for i, item in enumerate(value):
                rows.extend(iter_parameters(item, f"{path}[{i}]."))
            continue
        extra = _extra(field)
        bounds = dict(extra.get("bounds") or {"ge": None, "le": None, "gt": None, "lt": None})
        for meta in field.metadata:
            for key in bounds:
                if getattr(meta, key, None) is not None:
                    bounds[key] = getattr(meta, key)
        row = {
            "path": path,
            "value": value,
            "unit": extra.get("unit", ""),
            "role": extra.get("role", "constant"),
            "source": extra.get("source", ""),
            "description": field.description or "",
            "min": bounds["ge"] if bounds["ge"] is not None else bounds["gt"],
            "max": bounds["le"] if bounds["le"] is not None else bounds["lt"],
        }
        if dated:
            rows.extend(_step_rows(row))  # a dated value: one row per step's month and value
        else:
            rows.append(row)
    return rows


def _step_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A dated value's rows: `path[i].from` (a month) and `path[i].value` (with the field's unit
    and bounds), so every face that lists parameters shows and edits the steps as numbers."""
    out: list[dict[str, Any]] = []
    for i, step in enumerate(row["value"]):
        out.append({**row, "path": f"{row['path']}[{i}].from", "value": step.start, "unit": "month",
                    "min": 1, "max": None,
                    "description": f"The month from which step {i + 1} of `{row['path']}` applies "
                                       "(months count from 1)."})
        out.append({**row, "path": f"{row['path']}[{i}].value", "value": step.value,
                    "description": f"{row['description']} (step {i + 1}, from month {step.start})"})
    return out

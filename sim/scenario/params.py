"""The one way a scenario parameter is declared: value, unit, bounds, role, source, description.

Everything that shows parameters (the CLI's `fundsim params`, the docs table, the app's rule
editor) reads these fields back from the pydantic schema, so a parameter is declared once, here.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

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
) -> Any:
    """A scenario parameter: a pydantic Field that also carries unit, role and source.

    `role`: lever = a funding rule the committee chooses; uncertainty = the world (demand,
    uptake, behaviour); constant = structure that neither choice nor uncertainty touches.
    `source`: a citation, or "assumption".
    """
    extra: dict[str, Any] = {"unit": unit, "role": role, "source": source}
    if group:
        extra["group"] = group
    return Field(
        default, ge=ge, le=le, gt=gt, lt=lt, description=description, json_schema_extra=extra
    )


class Section(BaseModel):
    """Base of every schema section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _holds_sections(annotation: Any) -> bool:
    """Whether `annotation` is a list of schema sections (or of a union of them)."""
    def members(tp: Any) -> list[Any]:
        while get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        if get_origin(tp) in (Union, types.UnionType):
            return [m for a in get_args(tp) for m in members(a)]
        return [tp]

    if get_origin(annotation) is not list or not get_args(annotation):
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
        if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, BaseModel) for v in value
        ):
            for i, item in enumerate(value):
                rows.extend(iter_parameters(item, f"{path}[{i}]."))
            continue
        if isinstance(value, list) and not value and _holds_sections(field.annotation):
            continue  # an empty list of rules has no parameters (its rules, once added, do)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        bounds = {"ge": None, "le": None, "gt": None, "lt": None}
        for meta in field.metadata:
            for key in bounds:
                if getattr(meta, key, None) is not None:
                    bounds[key] = getattr(meta, key)
        rows.append(
            {
                "path": path,
                "value": value,
                "unit": extra.get("unit", ""),
                "role": extra.get("role", "constant"),
                "source": extra.get("source", ""),
                "description": field.description or "",
                "min": bounds["ge"] if bounds["ge"] is not None else bounds["gt"],
                "max": bounds["le"] if bounds["le"] is not None else bounds["lt"],
            }
        )
    return rows

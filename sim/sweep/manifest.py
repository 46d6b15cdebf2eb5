"""The shape of `DIR/manifest.json` that every reader relies on, checked once on reading, so a
hand-edited or foreign manifest gives one clear message instead of a KeyError deep inside."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Run(_Open):
    run_id: str
    point: int
    seed: int


class _Point(_Open):
    point: int
    params: dict[str, Any]


class _Factor(_Open):
    path: str


class _Failed(_Open):
    run_id: str


class _Manifest(_Open):
    sweep_digest: str
    runs: list[_Run]
    points: list[_Point]
    factors: list[_Factor]
    seeds: list[int]
    outcomes: list[str]
    failed: list[_Failed] = []


def manifest_shape_problems(data: Any, limit: int = 3) -> list[str]:
    """Up to `limit` plain descriptions of what is wrong with a manifest's shape ([] if fine)."""
    if not isinstance(data, dict):
        return [f"the file holds a JSON {type(data).__name__}, not an object"]
    try:
        _Manifest.model_validate(data)
    except ValidationError as e:
        errors = e.errors()
        out = [f"{'.'.join(str(x) for x in err['loc']) or 'top level'}: {err['msg'].lower()}"
               for err in errors[:limit]]
        if len(errors) > limit:
            out.append(f"... and {len(errors) - limit} more")
        return out
    return []

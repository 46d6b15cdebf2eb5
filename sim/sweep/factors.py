"""The parameters a sweep varies: `FactorSpec`, one entry of a spec's `levers` or `uncertainties`
as the user wrote it (levels, or a low/high range), and `Factor`, the same resolved against the
scenario schema (its role, unit and whether it takes whole numbers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.errors import show


def _same_number(v: Any) -> Any:
    """1, 1.0 and 1e0 are one level (YAML spells them differently, the scenario holds one value)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return [_same_number(x) for x in v] if isinstance(v, list) else v
    return float(v)


class FactorSpec(BaseModel):
    """One varied parameter: `levels: [...]` (any design) or `low`/`high` (sampled designs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    levels: list[Any] | None = Field(None, min_length=1)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _one_form(self) -> FactorSpec:
        has_range = self.low is not None or self.high is not None
        if self.levels is not None and has_range:
            raise ValueError("give either levels or low/high, not both")
        if self.levels is None and not has_range:
            raise ValueError("give levels: [...] or a range low: ..., high: ...")
        if has_range and (self.low is None or self.high is None):
            raise ValueError("a range needs both low and high")
        if has_range and not self.high > self.low:  # type: ignore[operator]
            raise ValueError(f"empty range: high ({self.high}) must be greater than low ({self.low})")
        if self.levels is not None:
            seen: dict[str, Any] = {}
            for v in self.levels:
                key = json.dumps(_same_number(v), sort_keys=True, default=str)
                if key in seen:
                    raise ValueError(f"levels repeat a value ({show(seen[key])} and {show(v)} are the same "
                                     "level); list each level once")
                seen[key] = v
        return self


@dataclass(frozen=True)
class Factor:
    """A varied parameter, resolved against the schema."""

    path: str
    role: Literal["lever", "uncertainty"]
    levels: tuple[Any, ...] | None
    low: float | None
    high: float | None
    integer: bool
    unit: str

    def value(self, u: float) -> Any:
        """The parameter value at unit coordinate u in [0, 1]."""
        if self.levels is not None:
            return self.levels[min(int(u * len(self.levels)), len(self.levels) - 1)]
        x = self.low + u * (self.high - self.low)  # type: ignore[operator]
        return int(round(x)) if self.integer else float(x)

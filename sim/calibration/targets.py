"""The calibration spec (calibration/targets.yaml): targets with bands and the moment that
measures each, the scenario variants some moments need, the free parameters with bounds, and
the targets the model cannot produce, with the reason.

Problems are reported as ScenarioError (`field: message` lines, exit 2 in the CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.calibration.moments import MOMENTS
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import apply_overrides, read_yaml_safely
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = ROOT / "calibration" / "targets.yaml"
DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.yaml"
BASE = "base"  # the variant that is the scenario itself


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Variant(_Strict):
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)


class FreeParameter(_Strict):
    path: str
    bounds: tuple[float, float]
    why: str = Field(min_length=1)
    tied: dict[str, float] = Field(default_factory=dict)  # other paths set to value + offset

    @model_validator(mode="after")
    def _order(self) -> FreeParameter:
        if not self.bounds[0] < self.bounds[1]:
            raise ValueError("bounds must be [low, high] with low < high")
        return self


class Target(_Strict):
    id: str
    quantity: str
    low: float
    high: float
    unit: str
    source: str
    moment: str
    variant: str = BASE
    measured: str = ""
    band: str = ""  # why the band is where it is

    @model_validator(mode="after")
    def _check(self) -> Target:
        if not self.low < self.high:
            raise ValueError("low must be below high")
        if self.moment not in MOMENTS:
            raise ValueError(f"unknown moment {self.moment!r}; known: {', '.join(sorted(MOMENTS))}")
        return self


class NotProduced(_Strict):
    id: str
    quantity: str
    reason: str


class Spec(_Strict):
    seeds: list[int] = Field(min_length=1)
    evaluate_seeds: list[int] = Field(min_length=1)
    variants: dict[str, Variant] = Field(default_factory=dict)
    free_parameters: list[FreeParameter] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    not_produced: list[NotProduced] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Spec:
        names = {BASE, *self.variants}
        for t in self.targets:
            if t.variant not in names:
                raise ValueError(f"target {t.id}: unknown variant {t.variant!r}")
        ids = [t.id for t in self.targets]
        if len(set(ids)) != len(ids):
            raise ValueError("target ids must be unique")
        return self

    def variants_used(self) -> list[str]:
        return sorted({t.variant for t in self.targets}, key=lambda v: (v != BASE, v))


def _problems(exc: ValidationError, prefix: str) -> list[Problem]:
    out = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e["loc"])
        out.append(Problem(f"{prefix}{where}" if where else prefix.rstrip(":"), e["msg"]))
    return out


def load_spec(path: str | Path = DEFAULT_SPEC) -> Spec:
    data, _ = read_yaml_safely(Path(path), str(path))
    try:
        return Spec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, "")) from None


def check_against(spec: Spec, scenario: Scenario) -> None:
    """Every free parameter and variant override must be a valid path of `scenario`, with the
    bounds' ends valid values: found before any simulation runs."""
    problems: list[Problem] = []
    for i, fp in enumerate(spec.free_parameters):
        for end in fp.bounds:
            try:
                apply_overrides(scenario, {fp.path: end, **{k: end + v for k, v in fp.tied.items()}})
            except ScenarioError as e:
                problems.extend(Problem(f"free_parameters[{i}].{p.path}", p.message) for p in e.problems)
                break
    for name, v in spec.variants.items():
        try:
            apply_overrides(scenario, v.overrides)
        except ScenarioError as e:
            problems.extend(Problem(f"variants.{name}.overrides.{p.path}", p.message) for p in e.problems)
    if problems:
        raise ScenarioError(problems)

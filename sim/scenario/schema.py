"""The scenario: one validated document that fixes every parameter of a run."""

from __future__ import annotations

import hashlib
import json
import unicodedata

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from sim.scenario.careers import Careers
from sim.scenario.fund import Fund
from sim.scenario.labour import LabourMarket
from sim.scenario.params import Section, param
from sim.scenario.people import Ages, Trait, Who, trait_bit
from sim.scenario.programmes import Phases, Providers, Rollout, Training
from sim.scenario.world import Demand, Firms, Region, Workers


class Outputs(Section):
    counterfactual: bool = param(
        True, unit="flag", role="constant",
        description="Run the no-fund counterfactual alongside, on the same random numbers.",
    )
    # Reporting only: no rule of the model reads it (net present values in sim.economics and the
    # firms' training accounts, sim.engine.firm_accounts).
    discount_rate_annual: float = param(
        0.03, unit="share per year", ge=0.0, le=0.15, role="constant",
        description="Real social discount rate for the reports' net present values and "
                    "benefit-cost ratios (money in month m is divided by (1 + rate)^(m / 12)).",
        source="OMB Circular A-4 (2003) and A-94: 3% real (social rate of time preference), 7% as "
               "a sensitivity; HM Treasury Green Book (2022): 3.5%",
    )


def _whos(model: BaseModel, path: str = "") -> list[tuple[str, Who]]:
    """Every `Who` selector in `model`, with its dotted path."""
    found: list[tuple[str, Who]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        here = f"{path}{name}"
        if isinstance(value, Who):
            found.append((here, value))
        elif isinstance(value, BaseModel):
            found.extend(_whos(value, here + "."))
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found.extend(_whos(item, f"{here}[{i}]."))
    return found


class Scenario(Section):
    name: str = Field("unnamed", min_length=1, max_length=80, description="Short scenario name.")
    description: str = Field("", max_length=4000, description="What the scenario represents.")
    horizon_months: int = param(120, unit="months", ge=12, le=600, role="constant",
                                description="Months simulated (one step = one month).")
    region: Region = Field(default_factory=Region)
    demand: Demand = Field(default_factory=Demand)
    labour: LabourMarket = Field(default_factory=LabourMarket)
    workers: Workers = Field(default_factory=Workers)
    ages: Ages = Field(default_factory=Ages)
    traits: list[Trait] = Field(default_factory=list, max_length=8,
                                description="Further groups people belong to, which rules can target "
                                            "(results keep reporting job-ready and hard-to-serve).")
    firms: Firms = Field(default_factory=Firms)
    careers: Careers = Field(default_factory=Careers)
    training: Training = Field(default_factory=Training)
    providers: Providers = Field(default_factory=Providers)
    fund: Fund = Field(default_factory=Fund)
    phases: Phases = Field(default_factory=Phases)
    rollout: Rollout = Field(default_factory=Rollout)
    outputs: Outputs = Field(default_factory=Outputs)

    @field_validator("name", "description")
    @classmethod
    def _printable(cls, v: str, info: ValidationInfo) -> str:
        """Names reach terminals, file names, spreadsheets and PDFs: no control characters
        (NUL, escape codes, and in a name, line breaks); a description may break lines."""
        allowed = "\n\t" if info.field_name == "description" else ""
        bad = next((c for c in v if unicodedata.category(c) in ("Cc", "Cs") and c not in allowed), None)
        if bad is not None:
            what = "line breaks, tabs, " if info.field_name == "name" else ""
            raise ValueError(f"must not contain control characters ({what}NUL, escape codes); found "
                             f"{bad!r} at position {v.index(bad) + 1}")
        return v

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.rollout.enabled and self.rollout.pilot_firms > self.region.n_firms:
            raise ValueError("rollout.pilot_firms cannot exceed region.n_firms")
        names = [t.name for t in self.traits]
        bits = [trait_bit(n) for n in names]
        if len(set(bits)) < len(bits):
            raise ValueError(f"traits: names {names} must differ (and two of them share a bit of the "
                             f"traits mask: rename one)")
        if self.training.unhosted_apprenticeships == "not_funded" and self.fund.financing:
            raise ValueError("training.unhosted_apprenticeships: 'not_funded' cannot be combined with "
                             "fund.financing (investors commit capital to a seat before its host is "
                             "known); use 'course' or remove the financing rule")
        for path, who in _whos(self):
            if who.in_group and who.in_group not in names:
                raise ValueError(f"{path}.in_group: {who.in_group!r} is not one of the scenario's traits "
                                 f"({', '.join(names) or 'none declared'})")
        return self

    def digest(self) -> str:
        """A short stable hash of every parameter (for provenance and run ids)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def counterfactual(self) -> Scenario:
        """The same region and world with no fund: the no-fund counterfactual."""
        data = self.model_dump()
        data["fund"]["enabled"] = False
        data["rollout"]["enabled"] = False
        data["name"] = f"{self.name} (no fund)"
        return Scenario.model_validate(data)

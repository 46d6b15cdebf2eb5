"""Who people are beyond their worker group: their age (bands rules can target), and the
selectors (`Who`, `Eligibility`) that say which people a payment rule or the fund's seats are for."""

from __future__ import annotations

import zlib
from itertools import pairwise
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from sim.scenario.params import Section, param

Age = Annotated[int, Field(ge=14, le=80)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]

AGE_SOURCE = ("assumption: shares close to the US civilian labour force by age (BLS Current "
              "Population Survey annual averages, table 3: 16-19 about 3-4%, 20-24 about 9%, 55+ "
              "about 23%), bands merged; not in the project's calibration files")


class Ages(Section):
    """Age at the start of the run, drawn per person from its own counter-based stream (`age`),
    so adding it moved no other draw and a scenario and its no-fund twin share everyone's age.
    Uniform within a band; everyone ages a month a month."""

    band_edges: tuple[Age, Age, Age, Age, Age] = param(
        (16, 19, 25, 50, 67), unit="years", role="uncertainty",
        description="Edges of the four age bands at the start: 16-18, 19-24, 25-49, 50-66 by default "
                    "(lower edge included, upper excluded).",
        source=AGE_SOURCE,
    )
    band_shares: tuple[Share, Share, Share, Share] = param(
        (0.03, 0.10, 0.57, 0.30), unit="share of people", role="uncertainty",
        description="Share of the region's people in each age band at the start.",
        source=AGE_SOURCE,
    )

    @model_validator(mode="after")
    def _check(self) -> Ages:
        edges = self.band_edges
        if any(b <= a for a, b in pairwise(edges)):
            raise ValueError(f"ages.band_edges must increase (you gave {list(edges)})")
        total = sum(self.band_shares)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"ages.band_shares must sum to 1 (they sum to {total:.4f})")
        return self

    def draw_age_months(self, u: np.ndarray) -> np.ndarray:
        """Age in months at the start for uniforms `u` (one per person): the band by the
        cumulative shares, the place within it by where u falls inside the band's share."""
        shares = np.asarray(self.band_shares, dtype=np.float64)
        cum = np.cumsum(shares)
        band = np.minimum(np.searchsorted(cum, u, side="right"), len(shares) - 1)
        within = (u - (cum[band] - shares[band])) / np.maximum(shares[band], 1e-12)
        lo = np.asarray(self.band_edges[:-1], dtype=np.float64)[band]
        hi = np.asarray(self.band_edges[1:], dtype=np.float64)[band]
        return np.floor((lo + np.clip(within, 0.0, 1.0) * (hi - lo)) * 12).clip(max=hi * 12 - 1)


def trait_bit(name: str) -> int:
    """The bit of further group `name` in a person's `traits` mask: fixed by the name alone, so a
    rule needs no list of the scenario's groups to read it (names whose bits collide are
    rejected when the scenario is validated)."""
    return 1 << (zlib.crc32(name.encode()) % 32)


class Trait(Section):
    """A further group people may belong to besides job-ready / hard-to-serve (e.g. veterans,
    people with limited English, benefit claimants): rules can target it; results keep
    reporting the two worker groups."""

    name: str = Field(..., min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$",
                      description="Name of the group (lower case, digits and _), as rules refer to it.")
    share: float = param(0.1, unit="share of people", ge=0.0, le=1.0, role="uncertainty",
                         description="Share of the region's people in the group, drawn independently "
                                     "of everything else (its own counter-based draw).")


class Who(Section):
    """Which participants a rule is for: worker groups and an age range (age at the fund start
    for payments; counted in whole years)."""

    job_ready: bool = param(True, unit="flag", role="lever",
                            description="Applies to job-ready people.")
    hard_to_serve: bool = param(True, unit="flag", role="lever",
                                description="Applies to hard-to-serve people.")
    age_min: int = param(0, unit="years", ge=0, le=120, role="lever",
                         description="Youngest age it applies to (in whole years, included).")
    age_max: int = param(120, unit="years", ge=0, le=120, role="lever",
                         description="Oldest age it applies to (in whole years, included).")
    in_group: str = param("", unit="name", role="lever",
                          description="Applies only to members of this further group (a name from "
                                      "the scenario's traits; empty: no condition).")

    @model_validator(mode="after")
    def _range(self) -> Who:
        if self.age_min > self.age_max:
            raise ValueError(f"age_min ({self.age_min}) is above age_max ({self.age_max})")
        if not (self.job_ready or self.hard_to_serve):
            raise ValueError("applies to nobody: set job_ready or hard_to_serve")
        return self

    @property
    def everyone(self) -> bool:
        return (self.job_ready and self.hard_to_serve and self.age_min == 0 and self.age_max >= 120
                and not self.in_group)

    def matches(self, group: np.ndarray, age_years: np.ndarray,
                traits: np.ndarray | None = None) -> np.ndarray:
        """Mask of people of `group` (0 job-ready, 1 hard-to-serve), age `age_years` and
        further-group mask `traits` it covers."""
        ok_group = np.where(group == 1, self.hard_to_serve, self.job_ready)
        ok = ok_group & (age_years >= self.age_min) & (age_years <= self.age_max)
        if self.in_group:
            assert traits is not None, "a rule for a further group needs people's traits"
            ok = ok & ((np.asarray(traits, dtype=np.int64) & trait_bit(self.in_group)) != 0)
        return ok


class Eligibility(Who):
    """Whom the fund may buy seats for: groups, ages (at application) and labour-market status
    at application (e.g. only unemployed claimants may be referred). People it excludes may
    still pay their own way."""

    unemployed: bool = param(True, unit="flag", role="lever",
                             description="Unemployed job seekers may get fund seats.")
    employed: bool = param(True, unit="flag", role="lever",
                           description="People employed in a basic job may get fund seats.")
    out_of_labour_force: bool = param(True, unit="flag", role="lever",
                                      description="People out of the labour force may get fund seats.")

    @model_validator(mode="after")
    def _statuses(self) -> Eligibility:
        if not (self.unemployed or self.employed or self.out_of_labour_force):
            raise ValueError("no status may get fund seats: set unemployed, employed or "
                             "out_of_labour_force")
        return self

    @property
    def everyone(self) -> bool:
        return super().everyone and self.unemployed and self.employed and self.out_of_labour_force

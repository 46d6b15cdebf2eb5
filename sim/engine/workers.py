"""The worker population: one row per person, one NumPy array per attribute.

Each row is an individual with their own draws (aptitude, barriers, wage effect); rules update
whole columns at once, so a million people stay fast. Status codes are small ints, documented
here once, and every person is in exactly one status."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.engine import kernels_people as kp
from sim.engine.derived import Derived
from sim.scenario.schema import Scenario

# Labour-market status: exactly one per person.
UNEMPLOYED, EMPLOYED, TRAINING, EXTERNSHIP, APPRENTICE, OUT_OF_LF = range(6)
STATUS_NAMES = ("unemployed", "employed", "training", "externship", "apprentice", "out_of_labour_force")

# Worker groups for equity reporting (the `group` column of results).
GROUPS = ("job_ready", "hard_to_serve")
HARD_TO_SERVE = 1

# Programme kinds and payers.
PROG_NONE, PROG_COURSE, PROG_INCUMBENT, PROG_APPRENTICESHIP = range(4)
PAYER_NONE, PAYER_FUND, PAYER_FIRM, PAYER_SELF = range(4)
# `trained_by`: who paid for the highest credential: a firm id >= 0, or one of these.
TRAINED_BY_NOBODY, TRAINED_BY_FUND, TRAINED_BY_SELF, TRAINED_BEFORE = -1, -2, -3, -4
# Experience stops counting here: the last entry of Derived.experience_growth (an int16 lookup).
_EXPERIENCE_CAP = 1023
_NO_FACTORS = np.ones(4, dtype=np.float32)  # a pass that uses no skilled factor is handed these
_ONE = np.float32(1.0)


def _index(idx: np.ndarray) -> np.ndarray:
    """People's positions as int64 (one compiled signature for every caller); a boolean mask
    selects as it does in NumPy indexing."""
    idx = np.asarray(idx)
    return np.flatnonzero(idx) if idx.dtype == np.bool_ else idx.astype(np.int64, copy=False)


@dataclass
class Population:
    # fixed traits
    sector: np.ndarray  # int8
    group: np.ndarray  # int8
    aptitude: np.ndarray  # float32, latent, sd 1
    childcare: np.ndarray  # bool
    transport: np.ndarray  # bool
    wage_effect: np.ndarray  # float32, multiplicative individual wage effect
    employability: np.ndarray  # float32 in (0, 1), weight employers give a job seeker
    birth_month: np.ndarray  # int16, the run's month in which the person was born (negative)
    traits: np.ndarray  # uint32 mask of further groups (bit sim.scenario.people.trait_bit(name))
    # labour market
    status: np.ndarray  # int8
    employer: np.ndarray  # int32, -1 = none (host firm for apprentices)
    job_level: np.ndarray  # int8, 0 basic .. 3 advanced
    tenure: np.ndarray  # int16 months with the current employer
    premium: np.ndarray  # float32, accumulated poaching premia (multiplicative)
    wage: np.ndarray  # float32 $ per month in the current (or last) job
    earnings: np.ndarray  # float32 $ this month
    # credentials
    rung: np.ndarray  # int8, highest credential: 0 none, 1 entry, 2 mid, 3 advanced
    trained_by: np.ndarray  # int32, see TRAINED_BY_*
    last_start: np.ndarray  # int16, month training last started (-999 = never)
    # current programme
    prog_kind: np.ndarray  # int8
    prog_payer: np.ndarray  # int8
    prog_rung: np.ndarray  # int8, rung the module leads to
    prog_left: np.ndarray  # int16 months left
    prog_months: np.ndarray  # int16 planned length
    prog_provider: np.ndarray  # int16, -1 = none
    prog_firm: np.ndarray  # int32 sponsoring firm (incumbent / apprentice), -1 = none
    prog_credential: np.ndarray  # bool: completing the current programme gives its credential
    # the fund's contract for this person (open while price > paid... until closed)
    contract_price: np.ndarray  # int64 cents, 0 = no open contract
    contract_paid: np.ndarray  # int64 cents paid so far
    contract_provider: np.ndarray  # int16
    placement_paid: np.ndarray  # int64 cents paid on placement (for clawback)
    kept_job: np.ndarray  # bool: employed at every monthly count since the contract's placement
    contract_financed: np.ndarray  # bool: investors finance the open contract (social finance)
    contract_start: np.ndarray  # int16 month the open contract's training started, -1 = none
    # after training
    ext_left: np.ndarray  # int16 months of externship left
    ext_host: np.ndarray  # int32 host firm, -1 = none
    await_until: np.ndarray  # int16 last month a hire counts as a placement, -1 = not waiting
    placed_month: np.ndarray  # int16, -1 = not placed
    prior_wage: np.ndarray  # float32 wage before training, for wage-gain payments
    externed: np.ndarray  # bool: did an externship after the latest credential
    participant: np.ndarray  # bool: ever started fund-paid training (intent to treat)
    first_fund_month: np.ndarray  # int32 month of the first fund start seen by the twin comparison, -1
    upskilled: np.ndarray  # bool: ever upskilled at a member firm while the fund paid grants
    # careers (sim.scenario.careers)
    linked: np.ndarray  # bool: highest credential earned with employer involvement (or before the run)
    skill: np.ndarray  # float32 <= 1: share kept of a level's skills (premium, experience); falls out of work
    experience: np.ndarray  # int16 months worked in skilled jobs (entry level up): occupational experience
    idle: np.ndarray  # int16 consecutive months out of paid work
    job_mult: np.ndarray  # float32 wage factor of the current job (placement quality), 1 = none
    sep_mult: np.ndarray  # float32 quit and layoff hazard factor of the current job, 1 = none
    work_draw: np.ndarray  # float32 uniform trait: keeps part-time work while training if below the share

    @property
    def n(self) -> int:
        return int(self.sector.shape[0])

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def copy(self) -> Population:
        return Population(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def age_years(self, month: int | np.ndarray, idx: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Whole years of age of people `idx` in `month` (one, or one each): what age rules read."""
        return (month - self.birth_month[idx].astype(np.int32)) // 12

    # -- verbs: each changes only people's own columns ------------------------------------------
    def skilled_factor(self, k: Derived, idx: np.ndarray, level: np.ndarray | None = None) -> np.ndarray:
        """The wage factor of the skills a job at `level` uses (default: the current level): its
        premium (the full one for a linked credential) times the growth of occupational
        experience, of which a person whose skills depreciated out of work keeps `skill`:
        1 + skill x (premium x experience growth - 1). A basic job uses none (factor 1)."""
        own = level is None
        return kp.skilled_factor(_index(idx), self.job_level, self.job_level if own else level, own,
                                 self.linked, self.experience, self.skill, k.prem_mult, k.unlinked_mult,
                                 k.experience_growth)

    def output_factor(self, k: Derived, idx: np.ndarray) -> np.ndarray:
        """How much the skilled factor moves people's output from that of the nominal level
        premium (experience raises it, depreciated skills lower it): output follows the wage."""
        return kp.output_factor(_index(idx), self.job_level, self.linked, self.experience, self.skill,
                                k.prem_mult, k.unlinked_mult, k.experience_growth)

    def wage_at(self, k: Derived, idx: np.ndarray, level: np.ndarray | None = None) -> np.ndarray:
        """Monthly wage of people `idx` in a job at `level` (default: their current level)."""
        own = level is None
        return kp.wage_at(_index(idx), self.job_level, self.job_level if own else level, own,
                          self.sector, self.linked, self.experience, self.skill, self.wage_effect,
                          self.premium, self.job_mult, self.tenure, k.base_wage_f, k.prem_mult,
                          k.unlinked_mult, k.experience_growth, k.tenure_growth)

    def leave_job(self, idx: np.ndarray) -> None:
        self.employer[idx] = -1
        self.tenure[idx] = 0
        self.job_mult[idx] = 1.0
        self.sep_mult[idx] = 1.0

    def start_job(self, k: Derived, idx: np.ndarray, firms: np.ndarray, level: int | np.ndarray) -> None:
        idx = _index(idx)
        level = (np.full(len(idx), level, dtype=np.int64) if np.ndim(level) == 0
                 else np.asarray(level, dtype=np.int64))
        kp.start_jobs(idx, np.asarray(firms, dtype=np.int64), level, self.status, self.employer,
                      self.job_level, self.tenure, self.job_mult, self.sep_mult, self.wage, self.sector,
                      self.linked, self.experience, self.skill, self.wage_effect, self.premium, k.base_wage_f,
                      k.prem_mult, k.unlinked_mult, k.experience_growth, k.tenure_growth)

    def enrol(self, idx: np.ndarray, kind: int, payer: int, rung: np.ndarray, provider: np.ndarray,
              months: np.ndarray, month: int) -> None:
        """Start people `idx` on the module leading to `rung` with `provider`."""
        self.prog_kind[idx] = kind
        self.prog_payer[idx] = payer
        self.prog_rung[idx] = rung
        self.prog_months[idx] = months
        self.prog_left[idx] = months
        self.prog_provider[idx] = provider
        self.prog_credential[idx] = True
        self.last_start[idx] = month

    def clear_programme(self, idx: np.ndarray) -> None:
        self.prog_kind[idx] = 0
        self.prog_payer[idx] = 0
        self.prog_left[idx] = 0
        self.prog_firm[idx] = -1

    def earn_credential(self, idx: np.ndarray) -> None:
        """Record the credential and who paid for it (programmes that give none: nothing)."""
        idx = idx[self.prog_credential[idx]]
        self.rung[idx] = np.maximum(self.rung[idx], self.prog_rung[idx])
        payer = self.prog_payer[idx]
        # The first matching payer decides (np.select's rule, as nested np.where: far cheaper).
        self.trained_by[idx] = np.where(payer == PAYER_FUND, TRAINED_BY_FUND,
                                        np.where(payer == PAYER_SELF, TRAINED_BY_SELF,
                                                 np.where(payer == PAYER_FIRM, self.prog_firm[idx],
                                                          self.trained_by[idx])))

    def record_linkage(self, idx: np.ndarray, fund_linked: np.ndarray) -> None:
        """A new credential is employer-linked if a firm sponsored it (incumbent upskilling,
        apprenticeship) or it came from a fund course designed with employers (`fund_linked`,
        per person); a self-paid course is not."""
        payer = self.prog_payer[idx]
        self.linked[idx] = (payer == PAYER_FIRM) | (self.prog_kind[idx] == PROG_APPRENTICESHIP) | (
            (payer == PAYER_FUND) & fund_linked)

    def take_placement(self, idx: np.ndarray, wage_z: np.ndarray, stability_z: np.ndarray) -> None:
        """People placed by a provider take a job of its placement quality: the job's wage factor
        exp(wage_z) and its separation hazard factor exp(-stability_z), until they leave it."""
        self.job_mult[idx] = np.exp(wage_z).astype(np.float32)
        self.sep_mult[idx] = np.exp(-stability_z).astype(np.float32)
        self.wage[idx] *= self.job_mult[idx]

    def gain_experience(self, k: Derived) -> None:
        """A month of occupational experience for employees in skilled jobs (entry level and
        up), and its wage growth, which follows them to their next skilled job (it is the
        occupation's, not the employer's: Kambourov & Manovskii 2009)."""
        self._month_pass(k.prem_mult, k.unlinked_mult, k.experience_growth, gain=True)

    def use_skills(self, k: Derived, lapse_months: int) -> np.ndarray:
        """A month of using skills or not: out of paid work (unemployed, out of the labour
        force) the skills of a level (its premium and the experience in it) depreciate and,
        after `lapse_months` in a row, the highest credential lapses a rung; in work or training
        the idle count restarts and depreciated skills are restored, and the wage of a paid job
        (on a payroll or an externship) is re-set with them. Returns who lost a rung."""
        return self._month_pass(k.prem_mult, k.unlinked_mult, k.experience_growth, use=True,
                                depreciation=k.skill_depreciation, restoration=k.skill_restoration,
                                lapse_months=lapse_months)[0]

    def part_time_earnings(self, share: float, earnings_share: float) -> None:
        """Full-time course trainees with a work history who keep part-time work (their trait
        below `share`) earn `earnings_share` of their last wage on top of any stipend."""
        self._month_pass(part_time=True, share=share, earnings_share=earnings_share)

    def target_group(self, idx: np.ndarray) -> np.ndarray:
        """The fund's target population: people out of work or hard to serve (barriers)."""
        st = self.status[idx]
        return (st == UNEMPLOYED) | (st == OUT_OF_LF) | (self.group[idx] == HARD_TO_SERVE)

    def on_payroll(self) -> np.ndarray:
        return (self.status == EMPLOYED) | (self.status == APPRENTICE)

    def paid_jobs(self) -> tuple[np.ndarray, np.ndarray]:
        """The employer and wage of everyone on a payroll, in people's order (one pass)."""
        _, _, employer, wage = self._month_pass(jobs=True)
        return employer, wage

    def trainees_by_firm(self, n_firms: int) -> np.ndarray:
        """(3, firms) this month's trainees at each firm by programme type (the order of
        sim.rules.money_in.STOCK_KINDS): the apprentices it hosts, its staff in upskilling it
        sends them on, the externs it hosts."""
        appr = np.flatnonzero((self.status == APPRENTICE) & (self.employer >= 0))
        inc = np.flatnonzero((self.prog_kind == PROG_INCUMBENT) & (self.prog_left > 0) & (self.employer >= 0)
                             & (self.employer == self.prog_firm))
        ext = np.flatnonzero((self.status == EXTERNSHIP) & (self.ext_host >= 0))
        return np.stack([np.bincount(self.employer[appr], minlength=n_firms),
                         np.bincount(self.employer[inc], minlength=n_firms),
                         np.bincount(self.ext_host[ext], minlength=n_firms)]).astype(np.float64)

    def age_jobs(self, monthly_growth: np.float32, stipend: float, n_firms: int) -> np.ndarray:
        """A month of tenure: wages grow with tenure (one multiply: the tenure profile is
        geometric); earnings are wages for people in work and externs and stipends for fund
        trainees. Returns each firm's payroll."""
        return self._month_pass(pay=True, growth=monthly_growth, stipend=stipend, n_firms=n_firms)[1]

    def work_month(self, k: Derived, lapse_months: int, stipend: float, n_firms: int, part_time_share: float,
                   part_time_earnings_share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A month of work and pay in one pass over people: gain_experience, use_skills,
        age_jobs and part_time_earnings, in that order for each person, then the pay period's
        jobs (paid_jobs). Returns each firm's payroll, and the employer and wage of each paid job."""
        _, payroll, employer, wage = self._month_pass(
            k.prem_mult, k.unlinked_mult, k.experience_growth, gain=True, use=True, pay=True, part_time=True,
            jobs=True, depreciation=k.skill_depreciation, restoration=k.skill_restoration,
            lapse_months=lapse_months, growth=k.monthly_growth, stipend=stipend, n_firms=n_firms,
            share=part_time_share, earnings_share=part_time_earnings_share)
        return payroll, employer, wage

    def _month_pass(self, prem_mult: np.ndarray = _NO_FACTORS, unlinked_mult: np.ndarray = _NO_FACTORS,
                    experience_growth: np.ndarray = _NO_FACTORS, *, gain: bool = False, use: bool = False,
                    pay: bool = False, part_time: bool = False, jobs: bool = False,
                    depreciation: np.float32 = _ONE, restoration: np.float32 = _ONE, lapse_months: int = 0,
                    growth: np.float32 = _ONE, stipend: float = 0.0, n_firms: int = 0, share: float = 0.0,
                    earnings_share: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The month's career and pay steps asked for, in one pass (kernels_people.month_pass).
        NumPy compares a float32 column with a Python float in float32: so does the kernel."""
        return kp.month_pass(
            gain, use, pay, part_time, jobs, self.status, self.job_level, self.linked, self.experience,
            self.skill, self.wage, self.idle, self.rung, self.tenure, self.earnings, self.prog_payer,
            self.prog_kind, self.employer, self.work_draw, self.prior_wage, prem_mult, unlinked_mult,
            experience_growth, _EXPERIENCE_CAP, np.float32(depreciation), np.float32(restoration),
            int(lapse_months), np.float32(growth), float(stipend), int(n_firms), np.float32(share),
            np.float32(earnings_share))


def new_population(scenario: Scenario, rng: np.random.Generator,
                   search_rng: np.random.Generator, career_rng: np.random.Generator,
                   age_u: np.ndarray, traits: np.ndarray | None = None) -> Population:
    """Draw the region's people from the `population` stream, their employability from its own
    `employability` stream, their career traits from `careers` and their age from the
    counter-based `age` uniforms `age_u` (so adding any of these shifted no other trait): the
    people are the same in every scenario run with the same seed."""
    r, w = scenario.region, scenario.workers
    n = r.n_workers
    shares = np.array([s.employment_share for s in r.sectors])
    sector = rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int8)
    group = (rng.random(n) < r.hard_to_serve_share).astype(np.int8)
    hts = group == HARD_TO_SERVE
    aptitude = (rng.standard_normal(n) - w.aptitude_gap_hard_to_serve * hts).astype(np.float32)
    childcare = rng.random(n) < np.where(hts, w.childcare_need[1], w.childcare_need[0])
    transport = rng.random(n) < np.where(hts, w.transport_need[1], w.transport_need[0])
    wage_effect = np.exp(rng.normal(0.0, w.wage_dispersion, n) - 0.5 * w.wage_dispersion**2)
    # Existing credentials: most at the entry rung; hard-to-serve people hold fewer.
    others, hard = w.initial_credential_multiplier
    has_cred = rng.random(n) < r.initial_credential_share * np.where(hts, hard, others)
    rung = np.where(has_cred, rng.choice([1, 2, 3], size=n, p=list(w.initial_rung_shares)), 0).astype(np.int8)
    u = rng.random(n)
    status = np.full(n, EMPLOYED, dtype=np.int8)
    status[u < r.initial_unemployment_rate + r.initial_out_of_labour_force] = UNEMPLOYED
    status[u < r.initial_out_of_labour_force] = OUT_OF_LF
    level_shares = np.array([s.level_shares for s in r.sectors])
    cum = np.cumsum(level_shares, axis=1)[sector]
    drawn = (rng.random(n)[:, None] > cum[:, :3]).sum(axis=1)
    # Incumbents hold jobs in the sector's mix whatever their credentials (grandfathered); new
    # hires into a level will need the credential, which is where the skill gap comes from.
    job_level = drawn.astype(np.int8)
    tenure = np.minimum(rng.geometric(1 / w.initial_tenure_mean_months, n), 240).astype(np.int16)
    z_i8 = np.zeros(n, dtype=np.int8)
    # Employability ~ Beta(mean by group, concentration): employers prefer some seekers, so the
    # least employable wait longest (long spells from heterogeneity, not from the spell itself).
    mean = np.where(hts, w.employability_mean[1], w.employability_mean[0])
    k = w.employability_concentration
    employability = search_rng.beta(mean * k, (1.0 - mean) * k).astype(np.float32)
    return Population(
        sector=sector, group=group, aptitude=aptitude, childcare=childcare, transport=transport,
        wage_effect=wage_effect.astype(np.float32), employability=employability,
        birth_month=(-scenario.ages.draw_age_months(age_u)).astype(np.int16),
        traits=np.zeros(n, dtype=np.uint32) if traits is None else traits.astype(np.uint32), status=status,
        employer=np.full(n, -1, dtype=np.int32), job_level=job_level, tenure=tenure,
        premium=np.ones(n, dtype=np.float32), wage=np.zeros(n, dtype=np.float32),
        earnings=np.zeros(n, dtype=np.float32), rung=rung,
        trained_by=np.where(rung > 0, TRAINED_BEFORE, TRAINED_BY_NOBODY).astype(np.int32),
        last_start=np.full(n, -999, dtype=np.int16), prog_kind=z_i8.copy(),
        prog_payer=z_i8.copy(), prog_rung=z_i8.copy(), prog_left=np.zeros(n, dtype=np.int16),
        prog_months=np.zeros(n, dtype=np.int16), prog_provider=np.full(n, -1, dtype=np.int16),
        prog_firm=np.full(n, -1, dtype=np.int32), prog_credential=np.ones(n, dtype=bool),
        contract_price=np.zeros(n, dtype=np.int64),
        contract_paid=np.zeros(n, dtype=np.int64), contract_provider=np.full(n, -1, dtype=np.int16),
        placement_paid=np.zeros(n, dtype=np.int64), kept_job=np.ones(n, dtype=bool),
        contract_financed=np.zeros(n, dtype=bool), contract_start=np.full(n, -1, dtype=np.int16),
        ext_left=np.zeros(n, dtype=np.int16),
        ext_host=np.full(n, -1, dtype=np.int32), await_until=np.full(n, -1, dtype=np.int16),
        placed_month=np.full(n, -1, dtype=np.int16), prior_wage=np.zeros(n, dtype=np.float32),
        externed=np.zeros(n, dtype=bool), participant=np.zeros(n, dtype=bool),
        first_fund_month=np.full(n, -1, dtype=np.int32), upskilled=np.zeros(n, dtype=bool),
        linked=np.ones(n, dtype=bool), skill=np.ones(n, dtype=np.float32),
        # Incumbents in skilled jobs have been in the occupation at least as long as at the employer.
        experience=np.where((status == EMPLOYED) & (job_level > 0), tenure, 0).astype(np.int16),
        idle=np.zeros(n, dtype=np.int16),
        job_mult=np.ones(n, dtype=np.float32), sep_mult=np.ones(n, dtype=np.float32),
        work_draw=career_rng.random(n, dtype=np.float32),
    )

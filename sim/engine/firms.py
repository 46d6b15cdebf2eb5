"""Firms: Mesa agents whose numbers live in column arrays (`FirmTable`), so that rules over all
firms (vacancies, hiring slots, training) are whole-array operations while each firm stays an
individual agent with its own size, sector and history, inspectable as `model.agents`.

Firms decide with expectations, not hindsight: the months a trained worker is expected to stay
(shorter when poaching is strong), the wage gain of a rung, what a grant or the externship
pipeline is worth to them, and what membership would cost under the scenario's rules. A firm's
membership review is its own verb (`FirmAgent.review_membership`), run over the AgentSet."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from sim.engine.kernels import draw_slots
from sim.engine.rows import RowAgent
from sim.labels import SIZE_CLASS_EDGES
from sim.rules.money_in import TrainingPull
from sim.scenario.schema import Scenario


@dataclass
class FirmTable:
    sector: np.ndarray  # int8
    size0: np.ndarray  # float64 head count at trend demand in month 0
    eligible: np.ndarray  # bool: may be a member (all, unless a pilot limits it)
    member: np.ndarray  # bool
    headcount: np.ndarray  # int64, this month
    payroll: np.ndarray  # float64 $ this month
    vacancies: np.ndarray  # int64 (firms, 4 levels)
    room: np.ndarray  # float64 (firms, 4 levels): wanted minus held posts (externs count), last count
    own_training_spend: np.ndarray  # float64 $ this month
    training_rate: np.ndarray  # float64 share of staff trained per year at own cost
    levy_paid_total: np.ndarray  # int64 cents
    refunded_total: np.ndarray  # int64 cents
    contributions_total: np.ndarray  # int64 cents
    contribution_recent: np.ndarray  # float64 $ per month a firm would pay as a member (last review)
    benefit_recent: np.ndarray  # float64 $ per month a firm expects from membership (last review)
    lost_trained: np.ndarray  # int64: trained workers hired away from this firm
    coinvest_cost: np.ndarray  # float64 $ this month
    host_willing: np.ndarray  # bool: would host externs
    turnover: np.ndarray  # float64 $ of replacement costs this month
    gain: np.ndarray  # float64 $ surplus over the counterfactual, summed over months
    # The last pay period (set when wages are paid): who was on each pay bill, and the levy
    # bases derived from it, so every base describes the same staff (sim.rules.contributions).
    pay_firm: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # employer per paid job
    pay_wage: np.ndarray = field(default_factory=lambda: np.zeros(0))  # $ wage per paid job
    staff: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # staff on the pay bill
    contractor_pay: np.ndarray = field(default_factory=lambda: np.zeros(0))  # $ paid to non-employees
    staff_years: list[np.ndarray] = field(default_factory=list)  # yearly average staff, year 0 first
    payroll_years: list[np.ndarray] = field(default_factory=list)  # annual pay bills, year 0 first
    account_paid: np.ndarray = field(default_factory=lambda: np.zeros(0))  # $ of coinvest_cost from accounts
    year_payroll: np.ndarray = field(default_factory=lambda: np.zeros(0))  # $ levied this assessment year
    year_training_spend: np.ndarray = field(default_factory=lambda: np.zeros(0))  # $ trained this year
    lapsed_total: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # cents of refund lapsed
    plan_filed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # filed a plan this year
    spend_history: np.ndarray = field(default_factory=lambda: np.zeros((12, 0)))  # training $ by month % 12
    # This assessment year's trainee-months by programme type (STOCK_KINDS) and staff-months
    # (for a bonus-malus on a stock; counted only when such a rule reads them).
    year_trainee_months: np.ndarray = field(default_factory=lambda: np.zeros((3, 0)))
    year_staff_months: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _year_staff: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _year_payroll: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n(self) -> int:
        return int(self.sector.shape[0])

    def size_class(self) -> np.ndarray:
        return np.searchsorted(np.array(SIZE_CLASS_EDGES), np.maximum(self.size0, 1), side="right")

    def close_pay_period(self, employer: np.ndarray, wage: np.ndarray, contractor_share: np.ndarray,
                         month: int) -> None:
        """Record the pay period just paid (`employer`, `wage`: one entry per paid job; the
        pay bill `payroll` is already set): staff, payments to non-employees (a sector's share of
        the pay bill), and at each year's end the year's average staff and annual pay bill (month
        0 stands for the years before the run)."""
        self.pay_firm, self.pay_wage = employer, wage.astype(np.float64)
        self.staff = np.bincount(employer, minlength=self.n)
        self.contractor_pay = contractor_share[self.sector] * self.payroll
        if month == 0:
            self.staff_years = [self.staff.astype(np.float64)]
            self.payroll_years = [12.0 * self.payroll]
            self._year_staff, self._year_payroll = np.zeros(self.n), np.zeros(self.n)
            return
        self._year_staff = self._year_staff + self.staff
        self._year_payroll = self._year_payroll + self.payroll
        if month % 12 == 0:
            self.staff_years.append(self._year_staff / 12.0)
            self.payroll_years.append(self._year_payroll)
            self._year_staff, self._year_payroll = np.zeros(self.n), np.zeros(self.n)

    def capped_payroll(self, cap_annual: float) -> np.ndarray:
        """The last pay bill with each wage capped at `cap_annual` / 12 (same staff as `payroll`)."""
        capped = np.minimum(self.pay_wage, cap_annual / 12.0)
        return np.bincount(self.pay_firm, weights=capped, minlength=self.n)


def new_firms(scenario: Scenario, employed_by_sector: np.ndarray, rng: np.random.Generator) -> FirmTable:
    """Firms per sector in proportion to employment, sizes heavy-tailed (Pareto), scaled so
    each sector's firms hold its employed workers."""
    r = scenario.region
    shares = np.array([s.employment_share for s in r.sectors])
    counts = np.maximum(1, np.floor(shares / shares.sum() * r.n_firms)).astype(int)
    counts[np.argmax(counts)] += r.n_firms - counts.sum()
    sector = np.repeat(np.arange(len(counts)), counts).astype(np.int8)
    raw = rng.pareto(scenario.firms.size_pareto_alpha, r.n_firms) + 1.0
    raw = np.minimum(raw, scenario.firms.size_draw_cap)
    size0 = np.zeros(r.n_firms)
    for s in range(len(counts)):
        m = sector == s
        size0[m] = raw[m] / raw[m].sum() * max(employed_by_sector[s], 1)
    n = r.n_firms
    return FirmTable(
        sector=sector, size0=size0, eligible=np.ones(n, bool), member=np.zeros(n, bool),
        headcount=np.zeros(n, np.int64), payroll=np.zeros(n), vacancies=np.zeros((n, 4), np.int64),
        room=np.zeros((n, 4)),        own_training_spend=np.zeros(n), training_rate=np.zeros(n),
        levy_paid_total=np.zeros(n, np.int64), refunded_total=np.zeros(n, np.int64),
        contributions_total=np.zeros(n, np.int64), contribution_recent=np.zeros(n),
        benefit_recent=np.zeros(n), lost_trained=np.zeros(n, np.int64), coinvest_cost=np.zeros(n),
        host_willing=np.zeros(n, bool), turnover=np.zeros(n), gain=np.zeros(n), account_paid=np.zeros(n),
        year_payroll=np.zeros(n), year_training_spend=np.zeros(n), lapsed_total=np.zeros(n, np.int64),
        plan_filed=np.zeros(n, bool), spend_history=np.zeros((12, n)),
        year_trainee_months=np.zeros((3, n)), year_staff_months=np.zeros(n),
    )


class FirmAgent(RowAgent):
    """One employer. Its state is row `idx` of the FirmTable it was given."""

    table: FirmTable

    @property
    def headcount(self) -> int:
        return int(self.table.headcount[self.idx])

    @property
    def member(self) -> bool:
        return bool(self.table.member[self.idx])

    @property
    def eligible(self) -> bool:
        return bool(self.table.eligible[self.idx])

    @property
    def training_rate(self) -> float:
        return float(self.table.training_rate[self.idx])

    @property
    def vacancies(self) -> np.ndarray:
        return self.table.vacancies[self.idx].copy()

    def joins(self, hurdle: float) -> bool:
        """Would this firm join a voluntary fund now? Join when the benefit it expects from the
        fund exceeds its contribution by the hurdle (non-members still hire fund graduates:
        free riding)."""
        t, i = self.table, self.idx
        return bool(t.eligible[i] and t.benefit_recent[i] > hurdle * max(t.contribution_recent[i], 1.0))

    def review_membership(self, hurdle: float) -> None:
        self.table.member[self.idx] = self.joins(hurdle)


def own_training_rates(scenario: Scenario, firms: FirmTable, retention_months: np.ndarray,
                       wage_gain: np.ndarray, cost: np.ndarray, subsidy_share: np.ndarray) -> np.ndarray:
    """Share of staff a firm trains per year at its own cost (Becker/Stevens): the firm keeps
    part of the productivity gain only while the worker stays, so poaching risk (shorter
    expected retention) lowers training; a fund grant lowers the firm's cost."""
    f = scenario.firms
    keep = max(f.productivity_to_wage_gain - 1.0, 0.0) * wage_gain  # $ per month to the firm
    ratio = keep * retention_months / np.maximum(cost * (1.0 - subsidy_share), 1.0)
    k = f.training_response_steepness
    return f.own_training_max_rate * ratio**k / (ratio**k + f.own_training_hurdle**k)


# -- openings and hiring slots ------------------------------------------------------------------
N_LEVELS = 4


def post_vacancies(f: FirmTable, held: np.ndarray, headcount: np.ndarray, target: np.ndarray,
                   level_shares: np.ndarray) -> None:
    """Openings by level: each firm wants its target head count spread over levels by its
    sector's level shares; a level below its target has vacancies. `held`: posts held by level
    (staff, apprentices and externs: a host holds an opening for its extern)."""
    want = target[:, None] * level_shares[f.sector]
    f.room = want - held
    f.vacancies = np.floor(np.maximum(0.0, f.room) + 0.5).astype(np.int64)
    f.headcount = headcount


def fill(f: FirmTable, people: np.ndarray, sector: int, level: int, n_hires: int,
         rng: np.random.Generator, exclude: np.ndarray | None = None,
         hosts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hire up to `n_hires` of `people` (already in priority order) into open level-`level`
    slots of sector-`sector` firms (only `hosts` where given), drawn at random over slots.
    Consumes the vacancies. `exclude`: each person's current employer, which cannot hire them again."""
    open_ = (f.sector == sector) & (f.vacancies[:, level] > 0)
    firms = np.flatnonzero(open_ if hosts is None else open_ & hosts)
    open_slots = f.vacancies[firms, level]
    n = min(int(n_hires), len(people), int(open_slots.sum()))
    if n <= 0:
        return people[:0], people[:0]
    chosen = firms[draw_slots(open_slots, n, rng.random(n))]
    hired = people[:n]
    if exclude is not None:
        ok = chosen != exclude[:n]
        hired, chosen = hired[ok], chosen[ok]
    np.subtract.at(f.vacancies[:, level], chosen, 1)
    return hired, chosen


def charge_turnover(f: FirmTable, employer: np.ndarray, wage: np.ndarray, cost_share: float) -> None:
    """Each leaver's employer bears the cost of replacing them (a share of a year's wage)."""
    cost = cost_share * 12.0 * wage.astype(np.float64)
    f.turnover += np.bincount(employer, weights=cost, minlength=f.n)


def record_poaching(f: FirmTable, matrix: np.ndarray, trained_by: np.ndarray, origin: np.ndarray,
                    dest: np.ndarray, fund_row: int, self_row: int, fund_code: int) -> None:
    """Trained workers hired away: the firm that lost them, and the poaching matrix by the
    trainer's size class (or the fund, or the worker) and the poacher's."""
    if len(trained_by) == 0:
        return
    np.add.at(f.lost_trained, origin, 1)
    edges = np.array(SIZE_CLASS_EDGES)
    trainer_class = np.searchsorted(edges, np.maximum(f.size0[np.maximum(trained_by, 0)], 1), side="right")
    row = np.where(trained_by >= 0, trainer_class, np.where(trained_by == fund_code, fund_row, self_row))
    col = np.searchsorted(edges, np.maximum(f.size0[dest], 1), side="right")
    np.add.at(matrix, (row, col), 1)


# -- decisions -------------------------------------------------------------------------------------
@dataclass
class FirmOutlook:
    """What every firm expects this month, the same for all firms of a sector (per sector arrays)."""

    step_gain: np.ndarray  # $ per month a worker gains from one rung
    retention: np.ndarray  # discounted months a newly credentialed worker stays
    cost: np.ndarray  # $ per firm: price plus wages paid while training
    price: float  # $ mean price of a seat


def expected_retention_months(sc: Scenario, portability: np.ndarray, quit_mult: np.ndarray) -> np.ndarray:
    """Discounted months a newly credentialed worker stays, per sector: shorter where quits,
    job-to-job moves and poaching of portable credentials are higher."""
    lab, fd = sc.labour, sc.firms
    poach = lab.job_to_job_rate * lab.poaching_intensity * portability * (2.0 / 3.0)
    h = (lab.quit_rate + lab.job_to_job_rate + poach) * quit_mult + lab.layoff_rate
    x = h + fd.decision_discount_monthly
    return (1.0 - (1.0 - x) ** fd.decision_horizon_months) / x


def outlook(sc: Scenario, f: FirmTable, base_wage: np.ndarray, prem: np.ndarray, portability: np.ndarray,
            quit_mult: np.ndarray, price: np.ndarray, months: np.ndarray) -> FirmOutlook:
    step_gain = base_wage * prem[3] / 3.0  # one of three rungs
    mean_price = float(price.mean())
    cost = mean_price + sc.firms.wage_cost_share_while_training * base_wage[f.sector] * float(months.mean())
    return FirmOutlook(step_gain=step_gain, retention=expected_retention_months(sc, portability, quit_mult),
                       cost=cost, price=mean_price)


def expect_benefits(sc: Scenario, f: FirmTable, o: FirmOutlook, member_grant: np.ndarray,
                    pipeline: np.ndarray, base_wage: np.ndarray, initial: bool) -> None:
    """At a membership review: the $ a month a firm expects from the fund, from grants on the
    training it would do as a member and the fund's graduates it could hire."""
    keep = max(sc.firms.productivity_to_wage_gain - 1.0, 0.0) * o.step_gain
    rate_if_member = own_training_rates(sc, f, o.retention[f.sector], o.step_gain[f.sector], o.cost,
                                        member_grant)
    grant_value = member_grant * rate_if_member * f.headcount / 12.0 * o.price
    saved = sc.firms.turnover_cost_share * 12.0 * base_wage * sc.firms.recruiting_cost_saved_share
    hire_value = keep * o.retention + saved
    skilled = f.vacancies[:, 1:].sum(axis=1) if not initial else f.size0 * sc.firms.skilled_opening_share
    f.benefit_recent = grant_value + pipeline[f.sector] * skilled * hire_value[f.sector]


def pipeline_hires_per_vacancy(sc: Scenario, f: FirmTable, seats_by_sector: np.ndarray) -> np.ndarray:
    """Expected monthly externship hires per skilled opening, per sector, judged from the
    fund's planned capacity (what a firm is told when deciding to join)."""
    completers = seats_by_sector * float(np.mean(sc.training.base_completion))
    hires = completers * sc.training.externship_share * sc.training.externship_conversion
    skilled = np.bincount(f.sector, weights=np.maximum(f.size0 * sc.firms.skilled_opening_share, 1.0),
                          minlength=len(seats_by_sector))
    return hires / skilled


def decide_training(sc: Scenario, f: FirmTable, o: FirmOutlook, subsidy: np.ndarray,
                    pull: TrainingPull | None = None) -> None:
    """Each firm's own training rate: the Becker/Stevens rate at its grant share, and, where a
    money-in rule rewards training (`pull`, see sim.rules.money_in.TrainingPull):
    - a rule's money back per training dollar (levy-grant refund) or per trainee (bonus-malus
      target: the malus saved or the bonus earned) adds to the share of the cost it bears;
    - training up to a train-or-pay requirement costs the firm no price at all (it would pay
      the same to the fund), so up to the trainees that requirement pays for, the firm trains at
      the rate it would if only the wages while training were its cost."""
    retention, gain = o.retention[f.sector], o.step_gain[f.sector]
    if pull is None:
        f.training_rate = own_training_rates(sc, f, retention, gain, o.cost, subsidy)
        return
    cost = np.maximum(o.cost, 1.0)
    share = np.clip(subsidy + pull.subsidy + pull.per_trainee / cost, 0.0, 1.0)
    rate = own_training_rates(sc, f, retention, gain, o.cost, share)
    # Trainees a year the requirement's spend pays for, as a share of staff (at the mean price).
    covered = 12.0 * pull.free_spend / max(o.price, 1.0) / np.maximum(f.staff, 1)
    if covered.any():
        price_free = np.minimum(o.price / cost, 1.0)  # the price is free: only the wages remain
        free_rate = own_training_rates(sc, f, retention, gain, o.cost, np.maximum(share, price_free))
        rate = np.maximum(rate, np.minimum(free_rate, covered))
    f.training_rate = rate


# -- apprenticeships: the host's decisions ----------------------------------------------------------
def demand_outlook(index: np.ndarray, month: int, months_ahead: int, lookback: int = 6) -> np.ndarray:
    """Demand growth each sector's firms expect over the next `months_ahead` months: the last
    `lookback` months' growth extrapolated (adaptive expectations)."""
    past = index[max(month - lookback, 0)]
    return (index[month] / past) ** (months_ahead / lookback) - 1.0


def graduate_value(sc: Scenario, portability: np.ndarray, quit_mult: np.ndarray) -> np.ndarray:
    """What a graduate the training firm keeps is worth to it over an outside hire at the same
    level, per sector, in months of the job's wage: her productivity premium over her expected
    stay plus the recruiting cost saved."""
    fd, c = sc.firms, sc.careers
    stay = expected_retention_months(sc, portability, quit_mult)
    return (c.graduate_productivity_premium / fd.labour_share * stay
            + fd.turnover_cost_share * 12.0 * fd.recruiting_cost_saved_share)


def attrition_hazard(sc: Scenario, quit_mult: np.ndarray) -> np.ndarray:
    """Monthly chance a post is freed by its holder leaving (quit, move, layoff), per sector."""
    lab = sc.labour
    return (lab.quit_rate + lab.job_to_job_rate) * quit_mult + lab.layoff_rate


def apprentice_acceptance(sc: Scenario, f: FirmTable, portability: np.ndarray, quit_mult: np.ndarray,
                          growth: np.ndarray, wage_subsidy: float,
                          host_pay: np.ndarray | None = None) -> np.ndarray:
    """Chance each firm takes an apprentice into an opening: the expected net value of the
    apprenticeship, in months of the job's wage (every term scales with that wage, so the
    decision is the same at every level), through a logistic.
    Value = months x (apprentice output - wage net of the fund's subsidy - supervision)
          + P(room for the graduate) x (graduate's premium over an outside hire over her
            expected stay + recruiting cost saved),
    P(room) = posts freed by attrition over the apprenticeship + expected demand growth.
    `host_pay`: months of the job's wage a month of hosting earns or saves the firm under the
    money-in rules (a bonus-malus on apprentice-years), per firm; None = nothing."""
    tr, fd, c = sc.training, sc.firms, sc.careers
    months = tr.apprenticeship_months
    output = fd.trainee_output_share / fd.labour_share
    net_month = output - tr.apprentice_wage_share * (1.0 - wage_subsidy) - c.apprentice_supervision_cost_share
    hazard = attrition_hazard(sc, quit_mult)
    room = np.clip(1.0 - (1.0 - hazard) ** months + growth, 0.0, 1.0)[f.sector]
    value = months * net_month + room * graduate_value(sc, portability, quit_mult)[f.sector]
    if host_pay is not None:
        value = value + months * host_pay
    return expit(value / c.apprentice_decision_scale_months)


def keep_chance(sc: Scenario, f: FirmTable, firm: np.ndarray, level: np.ndarray, level_shares: np.ndarray,
                portability: np.ndarray, quit_mult: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """Chance a host keeps the graduate it trained, at completion: the value of keeping her (the
    graduate's value over an outside hire) if it has a post for her at her level over the next
    `careers.graduate_outlook_months`, less the wage of carrying her without one until attrition
    frees a post, through the same logistic as the decision to take her on.
    P(post) = room at the last count (she holds a post, so about 0 when demand is flat; +0.5
              rounds half a post) + the level's posts x expected demand growth over the
              outlook, within [0, 1];
    carry   = months of her wage until attrition frees the post she lacks (1 - P(post)), at
              most the outlook.
    `growth`: each sector's expected demand growth over the outlook (demand_outlook)."""
    if len(firm) == 0:  # no graduates this month (always, without a fund)
        return np.zeros(0)
    c = sc.careers
    months = c.graduate_outlook_months
    sec = f.sector[firm]
    hazard = attrition_hazard(sc, quit_mult)[sec]
    posts = np.maximum(f.headcount[firm] * level_shares[sec, level], 1.0)
    post = np.clip(f.room[firm, level] + 0.5 + posts * growth[sec], 0.0, 1.0)
    carry = np.minimum(months, (1.0 - post) / (hazard * posts))
    value = post * graduate_value(sc, portability, quit_mult)[sec] - carry
    return expit(value / c.apprentice_decision_scale_months)

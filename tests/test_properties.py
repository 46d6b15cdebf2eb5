"""Invariants that must hold for every valid scenario, checked with hypothesis.

A strategy builds random valid scenarios (small regions, short horizons) from every money-in
rule (with dated levers, levy bases and liability bands, smoothing and per-employee limits),
earmarks, every provider payment rule, clawback, supports, reserve policies, credit lines, employer
accounts, voluntary membership, recessions, staged rollout and interest. Each property steps a
`FundModel` month by month and checks the whole run:

1. money is conserved to the cent every month (ledger vs the fund's balance, and the
   income - spending = change in balance identity of the metrics);
2. every person is in exactly one valid status, people counts are never negative, the fund
   balance is never NaN;
3. the fund never goes below minus its credit line;
4. ledger rows are positive integer cents between two different, well-named accounts;
5. rates (unit "share") lie in [0, 1].
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.engine.model import FundModel
from sim.engine.workers import APPRENTICE, EMPLOYED, OUT_OF_LF, STATUS_NAMES, UNEMPLOYED
from sim.outcomes import REGISTRY
from sim.rules.money_in import STOCK_KINDS
from sim.scenario.schema import Scenario

# Shrinking a failing run can take minutes (every step is a simulation), so it is off by default:
# a failure still prints a complete, reproducible scenario and seed (and hypothesis replays it
# first next time). Set FUNDSIM_SHRINK=1 to shrink it to a minimal example.
PHASES = tuple(Phase) if os.environ.get("FUNDSIM_SHRINK") else tuple(p for p in Phase if p != Phase.shrink)
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    phases=PHASES, print_blob=True)

CONTRIBUTION_KINDS = ("none", "payroll_levy", "per_employee_levy", "matched_contributions",
                      "train_or_pay", "levy_grant_refund", "bonus_malus", "bonus_malus_stock",
                      "co_investment",
                      "public_match", "public_top_up", "public_bridge", "public_grant", "seed_grant")
PAYMENT_KINDS = ("upfront", "on_enrolment", "monthly_instalments", "on_completion", "on_placement",
                 "on_retention", "wage_gain_bonus", "recurring_outcome", "after_start")
OUTCOME_KINDS = {"on_placement", "on_retention", "wage_gain_bonus", "recurring_outcome"}
AFTER_PLACEMENT = ("on_retention", "wage_gain_bonus", "recurring_outcome")
ACCOUNT = re.compile(r"^(fund|public|workers|admin|bank|investors|firm:(\d+)|provider:(\d+)"
                     r"|earmark:(\d+)|participant:(\d+))$")
PEOPLE = [m.name for m in REGISTRY if m.unit == "people"]
SHARES = [m.name for m in REGISTRY if m.unit == "share"]


def fl(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# --- the strategy -----------------------------------------------------------------------------

@st.composite
def dated(draw: st.DrawFn, value: st.SearchStrategy[float], horizon: int) -> Any:
    """A lever's value: plain, or 1-3 steps from month 1 on (holidays, cuts, tapers)."""
    if draw(st.booleans()):
        return draw(value)
    later = sorted(draw(st.sets(st.integers(2, horizon), max_size=2)))
    return [{"from": m, "value": draw(value)} for m in (1, *later)]


@st.composite
def liability(draw: st.DrawFn) -> dict[str, Any]:
    """Size bands (on head count or annual payroll), smoothing, per-employee minimum and maximum."""
    if draw(st.booleans()):
        return {}
    measure = draw(st.sampled_from(["head_count", "annual_payroll"]))
    edges = sorted(draw(st.sets(st.integers(1, 60) if measure == "head_count"
                                else st.integers(100_000, 5_000_000), max_size=3)))
    bands = [{"from_size": e, "scale": draw(fl(0, 1))} for e in (0, *edges)]
    low = draw(st.sampled_from([0.0, 50.0, 500.0]))
    smoothing = draw(st.integers(0, 3)) if len(bands) > 1 else 0
    return {"measure": measure, "bands": bands, "smoothing_years": smoothing,
            "min_per_employee_annual": low,
            "max_per_employee_annual": draw(st.sampled_from([0.0, low + 100.0, low + 5_000.0]))}


@st.composite
def contribution_rule(draw: st.DrawFn, horizon: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(CONTRIBUTION_KINDS))
    month = st.integers(1, horizon + 2)  # money rules count months from 1
    params: dict[str, st.SearchStrategy[Any]] = {
        "none": {},
        "payroll_levy": {"rate": dated(fl(0, 0.2), horizon), "allowance_annual": fl(0, 50_000),
                         "wage_cap_annual": st.sampled_from([0.0, 30_000.0, 60_000.0]),
                         "small_firm_employees": st.integers(0, 50), "small_firm_reduction": fl(0, 1),
                         "base": st.sampled_from(["payroll", "payroll_and_contractors", "contractors"]),
                         "liability": liability()},
        "per_employee_levy": {"amount_annual": dated(fl(0, 5_000), horizon), "liability": liability()},
        "matched_contributions": {"annual_total": fl(0, 5e6),
                                  "basis": st.sampled_from(["size", "expected_benefit"]),
                                  "size_exponent": fl(0, 2)},
        "train_or_pay": {"required_share": dated(fl(0, 0.2), horizon), "liability": liability(),
                         "assessment": st.sampled_from(["monthly", "annual"])},
        "levy_grant_refund": {"refund_share": fl(0, 1), "reimbursement_rate": fl(0, 1),
                              "assessment": st.sampled_from(["monthly", "annual"]),
                              "unused": st.sampled_from(["carry_forward", "lapse"]),
                              "requires_plan": st.booleans(), "plan_cost": st.sampled_from([0.0, 2_000.0]),
                              "claim_within_months": st.integers(0, 12)},
        "bonus_malus": {"target_trained_share": fl(0.001, 1), "malus_rate": dated(fl(0, 0.1), horizon),
                        "bonus_rate": fl(0, 0.1), "liability": liability()},
        "bonus_malus_stock": {"counts": st.lists(st.sampled_from(list(STOCK_KINDS)), min_size=1, max_size=3,
                                                 unique=True),
                              "target_per_staff": dated(fl(0, 0.5), horizon), "malus_per_unit": fl(1, 20_000),
                              "bonus_per_unit": dated(fl(0, 20_000), horizon),
                              "liability": liability()},
        "co_investment": {"employer_share": fl(0, 1), "levy_payers_beyond_account": st.booleans()},
        "public_match": {"rate": dated(fl(0, 10), horizon), "annual_cap": st.sampled_from([0.0, 1e5, 1e6])},
        "public_top_up": {"rate": fl(0, 5)},
        "public_bridge": {"share": fl(0, 1), "min_months": st.integers(1, 12),
                          "max_completion": fl(0, 1)},
        "public_grant": {"annual_amount": dated(fl(0, 5e6), horizon), "start_month": month,
                         "end_month": month},
        "seed_grant": {"amount": fl(0, 2e6), "month": month},
    }[kind]
    return {"kind": kind, **{k: draw(v) for k, v in params.items()}}


@st.composite
def income_rule(draw: st.DrawFn, horizon: int) -> dict[str, Any]:
    """A rule that brings in real money, so most examples have a fund that trains people."""
    return draw(st.sampled_from([
        {"kind": "payroll_levy", "rate": draw(fl(0.002, 0.05))},
        {"kind": "per_employee_levy", "amount_annual": draw(fl(100, 3_000))},
        {"kind": "matched_contributions", "annual_total": draw(fl(2e5, 5e6)),
         "basis": draw(st.sampled_from(["size", "expected_benefit"]))},
        {"kind": "public_grant", "annual_amount": draw(fl(2e5, 5e6)), "start_month": 1,
         "end_month": draw(st.integers(1, horizon))},
        {"kind": "seed_grant", "amount": draw(fl(2e5, 3e6)), "month": draw(st.integers(1, 3))},
    ]))


@st.composite
def payment_schedule(draw: st.DrawFn) -> dict[str, Any]:
    kinds = draw(st.lists(st.sampled_from(PAYMENT_KINDS), min_size=1, max_size=5))
    if draw(st.booleans()):  # placement tranches make clawback possible
        kinds.append("on_placement")
    weights = [draw(fl(0, 1)) for _ in kinds]
    total = sum(weights)
    if total <= 0:
        weights, total = [1.0] * len(kinds), float(len(kinds))
    shares = [w / total for w in weights[:-1]]
    shares.append(max(0.0, 1.0 - sum(shares)))  # exact sum 1, never negative
    amounts = draw(st.booleans())  # money-amount tranches: shares may then sum below 1
    scale = draw(st.sampled_from([0.0, 0.5, 1.0])) if amounts else 1.0
    rules = []
    for kind, share in zip(kinds, shares, strict=True):
        rule: dict[str, Any] = {"kind": kind, "share": share * scale}
        if amounts:
            # plain or dated (read at each contract's start: a time-limited incentive)
            plain = st.sampled_from([0.0, 1000.0, 333.33]) | fl(0, 5000)
            rule["amount"] = draw(plain | dated(fl(0, 5000), 40))
        if kind in AFTER_PLACEMENT:
            rule["day"] = draw(st.integers(1, 500))
            rule["continuous"] = draw(st.booleans())
        if kind == "wage_gain_bonus":
            rule["min_gain"] = draw(fl(0, 0.5))
        if kind == "recurring_outcome":
            rule["every_days"] = draw(st.integers(7, 200))
            rule["times"] = draw(st.integers(1, 6))
        if kind == "after_start":
            rule["day"] = draw(st.integers(1, 500))
            if draw(st.booleans()):  # an incentive for starts before a month only
                rule["amount"] = [{"from": 1, "value": draw(fl(1, 3000))},
                                  {"from": draw(st.integers(2, 40)), "value": 0.0}]
        rules.append(rule)
    if not any(max([s["value"] for s in a] if isinstance(a := r.get("amount", 0.0), list) else [a]) > 0
               for r in rules) and amounts:
        rules[0]["amount"] = 500.0
    if draw(st.booleans()):  # a money tranche on top for some people only (a group, an age band)
        lo = draw(st.integers(14, 60))
        extra: dict[str, Any] = {
            "kind": draw(st.sampled_from(PAYMENT_KINDS)), "share": 0.0, "amount": draw(fl(1, 3000)),
            "who": {"job_ready": draw(st.booleans()), "hard_to_serve": True, "age_min": lo,
                    "age_max": draw(st.integers(lo, 80)),
                    "in_group": draw(st.sampled_from(["", "claimants"]))}}
        if extra["kind"] == "after_start":  # an incentive to the employer
            extra["payee"] = draw(st.sampled_from(["provider", "employer"]))
        rules.append(extra)
    statuses = draw(st.sampled_from([(True, True, True), (True, False, False), (True, False, True),
                                     (False, True, False)]))
    eligible = dict(zip(("unemployed", "employed", "out_of_labour_force"), statuses, strict=True))
    youngest = draw(st.sampled_from([0, 16, 25]))
    oldest = draw(st.sampled_from([24, 64, 120]).filter(lambda a: a >= youngest))
    eligible |= {"age_min": youngest, "age_max": oldest, "hard_to_serve": True,
                 "job_ready": draw(st.booleans()), "in_group": draw(st.sampled_from(["", "", "claimants"]))}
    outcome = sum(r["share"] for r in rules if r["kind"] in OUTCOME_KINDS)
    return {
        "rules": rules,
        "hard_to_serve_price_multiplier": draw(fl(0.5, 5)),
        "clawback": {"share": draw(st.sampled_from([0.0, 0.5, 1.0]) | fl(0, 1)),
                     "day": draw(st.integers(1, 400))},
        "outcome_share_cap": min(1.0, outcome + draw(st.sampled_from([0.0, 0.1, 1.0]))),
        "eligible": eligible,
        "third_party_share_apprenticeships": draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])),
    }


@st.composite
def employer_grants(draw: st.DrawFn) -> dict[str, Any]:
    tiers = [{**draw(st.sampled_from([{"kind": "share_tier", "share": draw(fl(0, 1))},
                                      {"kind": "amount_tier", "amount": draw(fl(0, 20_000))}])),
              "firm_size_max": draw(st.sampled_from([10, 50, 1_000_000])),
              "rung_min": draw(st.integers(1, 3)), "who": {"age_min": draw(st.sampled_from([0, 40]))}}
             for _ in range(draw(st.integers(0, 3)))]
    return {"tiers": tiers,
            "hourly_wage_subsidy": draw(st.sampled_from([0.0, 4.5, 50.0])),
            "training_hours_monthly": draw(fl(0, 80)),
            "hourly_subsidy_cap_annual": draw(st.sampled_from([0.0, 500.0, 1e5])),
            "account_pays_courses": draw(st.booleans()),
            "account_pays_apprenticeships": draw(st.booleans()),
            "apprentice_subsidy_school_only": draw(st.booleans()),
            "firm_cap_annual": draw(st.sampled_from([0.0, 0.0, 1_000.0, 20_000.0]))}


@st.composite
def financing(draw: st.DrawFn, horizon: int) -> dict[str, Any]:
    common = {"capital": draw(st.sampled_from([0.0, 50_000.0, 1e6])),
              "investor_share": draw(dated(fl(0, 1), horizon)),  # 0 in a month: no new financing
              "participants_max": draw(st.integers(1, 500))}
    if draw(st.booleans()):
        return {"kind": "pay_for_success", **common, "measure_months": draw(st.integers(1, 24)),
                "outcome_payment": draw(fl(0, 50_000)), "control_rate": draw(fl(0, 1)),
                "max_return": draw(fl(0, 1))}
    return {"kind": "income_share", **common, "income_share": draw(fl(0, 0.5)),
            "threshold_annual": draw(fl(0, 80_000)), "cap_multiple": draw(fl(0, 3)),
            "years": draw(st.integers(1, 5))}


@st.composite
def labour_market(draw: st.DrawFn) -> dict[str, Any]:
    """A livelier (or stiller) labour market than the default, anywhere in the valid ranges."""
    return {"quit_rate": draw(fl(0, 0.2)), "job_to_job_rate": draw(fl(0, 0.2)),
            "layoff_rate": draw(fl(0, 0.2)), "matching_efficiency": draw(fl(0.01, 5)),
            "poaching_intensity": draw(fl(0, 10)), "out_of_labour_force_rate": draw(fl(0, 0.5)),
            "reentry_rate": draw(fl(0, 1))}


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    horizon = draw(st.integers(24, 40))
    n_sectors = draw(st.integers(1, 3))
    weights = [draw(st.integers(1, 10)) for _ in range(n_sectors)]
    sectors = [{"name": f"sector_{i}", "employment_share": w / sum(weights),
                "cycle_amplitude": draw(fl(0, 0.2)), "shock_sd": draw(fl(0, 0.05)),
                "non_employee_pay_share": draw(st.sampled_from([0.0, 0.3]))}
               for i, w in enumerate(weights)]
    n_workers = draw(st.integers(600, 2500))
    n_firms = draw(st.integers(max(10, n_sectors), 50))
    if draw(st.booleans()):
        reserves: dict[str, Any] = {"kind": "procyclical"}
    else:
        reserves = {"kind": "countercyclical", "target_months": draw(fl(0, 12)),
                    "downturn_boost": draw(fl(0, 2)), "pace": draw(fl(0.1, 6))}
    first = draw(income_rule(horizon)) if draw(st.integers(0, 4)) else draw(contribution_rule(horizon))
    extra = draw(st.lists(contribution_rule(horizon), max_size=3))
    contributions = draw(st.permutations([first, *extra]))  # 1-4 rules, any order
    fund = {
        "enabled": True,
        "membership": draw(st.sampled_from(["compulsory", "voluntary"])),
        "contributions": contributions,
        "accounts": {"enabled": draw(st.booleans()), "expiry_months": draw(st.integers(1, 24))},
        "discretionary": {"share": draw(st.sampled_from([0.0, 0.5, 1.0])),
                          "criterion": draw(st.sampled_from(["placements", "placement_rate"]))},
        "earmarks": [{"name": f"pot_{i}", "share": draw(dated(fl(0, 0.5), horizon)),
                      "income": draw(st.sampled_from(["employers", "levy", "all"])),
                      "destination": draw(st.sampled_from(["pot", "out_of_region"]))}
                     for i in range(draw(st.integers(0, 2)))],
        "payments": draw(payment_schedule()),
        "supports": {"childcare_monthly": draw(fl(0, 2_000)), "transport_monthly": draw(fl(0, 1_000)),
                     "reach_apprentices": draw(st.booleans()),
                     "coverage": draw(fl(0, 1))},
        "externship_wage_subsidy": draw(fl(0, 1)),
        "apprentice_wage_subsidy": draw(fl(0, 1)),
        "incumbent_grant_share": draw(fl(0, 1)),
        "grants": draw(employer_grants()),
        "financing": draw(st.sampled_from([[], [], [draw(financing(horizon))]])),
        "capacity_grants_annual": draw(st.sampled_from([0.0, 0.0, 2e5])),
        "admin_share": draw(fl(0, 0.5)),
        "reserves": reserves,
        "credit_line": draw(st.sampled_from([0.0, 0.0, 5e4, 1e6]) | fl(0, 1e6)),
        "interest_rate_annual": draw(st.sampled_from([0.0, 0.0, 0.03, 0.2])),
        "allocation": draw(st.sampled_from(["demand", "equal"])),
    }
    data = {
        "name": "hypothesis",
        "horizon_months": horizon,
        "traits": [{"name": "claimants", "share": draw(fl(0, 1))}],  # rules may target it
        "region": {"n_workers": n_workers, "n_firms": n_firms, "n_providers": draw(st.integers(1, 5)),
                   "sectors": sectors, "hard_to_serve_share": draw(fl(0, 0.9)),
                   "initial_unemployment_rate": draw(fl(0, 0.5)),
                   "initial_out_of_labour_force": draw(fl(0, 0.5)),
                   "initial_credential_share": draw(fl(0, 1))},
        "firms": {"membership_review_months": draw(st.integers(1, 12)),
                  "membership_hurdle": draw(fl(0.1, 10)), "externship_host_share": draw(fl(0, 1))},
        "demand": {"recession": {"enabled": draw(st.booleans()), "start_month": draw(st.integers(0, horizon)),
                                 "duration_months": draw(st.integers(1, 18)), "depth": draw(fl(0, 0.6)),
                                 "recovery_months": draw(st.integers(0, 24))}},
        "labour": draw(st.just({}) | labour_market()),
        "training": {"stipend_monthly": draw(st.sampled_from([0.0, 800.0])),
                     "apprenticeship_share": draw(st.sampled_from([0.0, 0.3, 1.0])),
                     # (not_funded cannot go with social finance: investors commit before hosts are known)
                     "unhosted_apprenticeships": "course" if fund["financing"]
                     else draw(st.sampled_from(["course", "not_funded"])),
                     "apprentice_school_share": draw(st.sampled_from([0.0, 0.25, 0.5])),
                     "no_credential_share": draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])),
                     "apprenticeship_months": draw(st.integers(6, 24)),
                     "externship_share": draw(fl(0, 1)),
                     "externship_months": draw(st.integers(1, 4)),
                     "externship_conversion": draw(fl(0, 1)),
                     "placement_window_months": draw(st.integers(1, 12)),
                     "module_months": draw(st.sampled_from([(3, 5, 8), (1, 2, 3)])
                                           | st.tuples(*[st.integers(1, 12)] * 3)),
                     "module_cost": draw(st.just((5000.0, 8000.0, 12000.0))
                                         | st.tuples(*[fl(0, 20_000)] * 3)),
                     "cohort_fixed_cost": draw(st.sampled_from([30_000.0, 0.0])),
                     "base_completion": draw(st.just((0.75, 0.70, 0.65)) | st.tuples(*[fl(0, 1)] * 3))},
        "providers": {"seats_per_month": draw(st.integers(0, 40)), "review_months": draw(st.integers(1, 12)),
                      "min_reviewed_completers": draw(st.integers(1, 10)),
                      "min_placement_rate": draw(fl(0, 1)), "suspension_months": draw(st.integers(1, 12)),
                      "capacity_lag_months": draw(st.integers(0, 8)),
                      "creaming_sensitivity": draw(fl(0, 20))},
        "fund": fund,
        "phases": {"system_development_months": draw(st.integers(0, 3)),
                   "programme_design_months": draw(st.integers(0, 3))},
        "rollout": {"enabled": draw(st.booleans()), "pilot_firms": draw(st.integers(1, n_firms)),
                    "stage_months": draw(st.integers(1, 12)), "gate_placement_rate": draw(fl(0, 1)),
                    "scale_factor": draw(fl(1, 5)), "pilot_budget_share": draw(fl(0.01, 1))},
        "outputs": {"counterfactual": False},
    }
    return Scenario.model_validate(data)


SEEDS = st.integers(0, 2**31 - 1)


# --- one run, observed month by month -----------------------------------------------------------

@dataclass
class Trace:
    scenario: Scenario
    balance_cents: list[int]  # index 0 = before month 1, then end of each month
    credit_line_cents: int
    status_counts: np.ndarray  # (months, statuses)
    problems: list[str]  # per-month population problems found while stepping
    ledger: pd.DataFrame
    metrics: pd.DataFrame


_CACHE: dict[tuple[str, int], Trace] = {}


def simulate(scenario: Scenario, seed: int) -> Trace:
    """Step the model month by month (cached: hypothesis replays an example while shrinking)."""
    key = (scenario.model_dump_json(), seed)
    if key not in _CACHE:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = _simulate(scenario, seed)
    return _CACHE[key]


def _simulate(scenario: Scenario, seed: int) -> Trace:
    model = FundModel(scenario, seed)
    n = scenario.region.n_workers
    n_firms = scenario.region.n_firms
    balances = [model.fund.balance]
    counts, problems = [], []
    for _ in range(scenario.horizon_months):
        model.step()
        p, month = model.workers, model.month
        balances.append(int(model.fund.balance))
        st_ = p.status
        if p.n != n or len(st_) != n:
            problems.append(f"month {month}: population has {len(st_)} rows, scenario says {n}")
        bad = np.flatnonzero((st_ < 0) | (st_ >= len(STATUS_NAMES)))
        if len(bad):
            problems.append(f"month {month}: people {bad[:5].tolist()} have invalid status "
                            f"{st_[bad[:5]].tolist()}")
        c = np.bincount(np.clip(st_, 0, len(STATUS_NAMES) - 1), minlength=len(STATUS_NAMES))
        if c.sum() != n:
            problems.append(f"month {month}: status counts sum to {c.sum()}, not {n}")
        working = np.flatnonzero((st_ == EMPLOYED) | (st_ == APPRENTICE))
        orphan = working[(p.employer[working] < 0) | (p.employer[working] >= n_firms)]
        if len(orphan):
            problems.append(f"month {month}: {len(orphan)} employed/apprentice people have no valid "
                            f"employer (e.g. person {orphan[0]}: status "
                            f"{STATUS_NAMES[st_[orphan[0]]]}, employer {p.employer[orphan[0]]})")
        counts.append(c)
    model.rec.finish()
    return Trace(scenario=scenario, balance_cents=balances, credit_line_cents=model.fund.credit_line,
                 status_counts=np.array(counts), problems=problems, ledger=model.ledger.to_frame(),
                 metrics=model.rec.frame())


def totals(metrics: pd.DataFrame, name: str) -> pd.Series:
    m = metrics[(metrics.metric == name) & (metrics.sector == "all") & (metrics.group == "all")]
    return m.set_index("month")["value"].sort_index()


def describe(sc: Scenario) -> str:
    f = sc.fund
    return (f"contributions={[r.model_dump() for r in f.contributions]}, "
            f"payments={f.payments.model_dump()}, reserves={f.reserves.model_dump()}, "
            f"credit_line={f.credit_line}, accounts={f.accounts.model_dump()}, "
            f"membership={f.membership}, interest={f.interest_rate_annual}")


# --- the properties -----------------------------------------------------------------------------

@SETTINGS
@given(scenario=scenarios(), seed=SEEDS)
def test_money_is_conserved_to_the_cent_every_month(scenario: Scenario, seed: int) -> None:
    t = simulate(scenario, seed)
    months = np.arange(1, scenario.horizon_months + 1)
    led = t.ledger
    assert (led.month >= 0).all() and (led.month <= scenario.horizon_months).all()
    into = led[led.payee == "fund"].groupby("month").amount_cents.sum()
    out = led[led.payer == "fund"].groupby("month").amount_cents.sum()
    net = into.reindex(range(scenario.horizon_months + 1), fill_value=0) \
        - out.reindex(range(scenario.horizon_months + 1), fill_value=0)
    # month 0 (setup) moves no money through the fund unless the balance says so
    assert net.loc[0] == t.balance_cents[0], "setup moved money the balance does not show"
    change = np.diff(t.balance_cents)
    wrong = [(m, int(net.loc[m]), int(change[m - 1])) for m in months if net.loc[m] != change[m - 1]]
    assert not wrong, (f"ledger net flow != balance change (month, ledger, balance): {wrong[:5]}; "
                       f"{describe(scenario)}")

    balance = totals(t.metrics, "fund_balance")
    assert np.allclose(balance.values * 100, t.balance_cents[1:], atol=0.5), \
        "fund_balance metric is not the end-of-month balance"
    income = sum(totals(t.metrics, f"fund_income_{k}") for k in ("employers", "public", "other"))
    spend = sum(totals(t.metrics, f"fund_spend_{k}")
                for k in ("providers", "supports", "admin", "employers", "other"))
    delta = np.diff(np.concatenate([[t.balance_cents[0] / 100.0], balance.values]))
    gap = (income - spend).values - delta
    bad = np.flatnonzero(np.abs(gap) > 0.005)
    assert not len(bad), (f"income - spending != change in fund_balance in months {(bad + 1).tolist()[:5]} "
                          f"(off by ${gap[bad][:5].tolist()}); {describe(scenario)}")


@SETTINGS
@given(scenario=scenarios(), seed=SEEDS)
def test_every_person_in_one_status_and_counts_never_negative(scenario: Scenario, seed: int) -> None:
    t = simulate(scenario, seed)
    assert not t.problems, t.problems[:5]
    assert t.status_counts.shape == (scenario.horizon_months, len(STATUS_NAMES))
    assert (t.status_counts.sum(axis=1) == scenario.region.n_workers).all()
    people = t.metrics[t.metrics.metric.isin(PEOPLE)]
    negative = people[people.value < 0]
    assert negative.empty, f"negative people counts:\n{negative.head(10)}"
    assert not people.value.isna().any(), "NaN in a count of people"
    balance = totals(t.metrics, "fund_balance")
    assert len(balance) == scenario.horizon_months and not balance.isna().any()
    # the recorded stocks agree with the population itself
    unemployed = totals(t.metrics, "unemployed").values
    labour_force = totals(t.metrics, "labour_force").values
    np.testing.assert_array_equal(unemployed, t.status_counts[:, UNEMPLOYED])
    np.testing.assert_array_equal(labour_force, scenario.region.n_workers - t.status_counts[:, OUT_OF_LF])


@SETTINGS
@given(scenario=scenarios(), seed=SEEDS)
def test_fund_never_below_minus_its_credit_line(scenario: Scenario, seed: int) -> None:
    t = simulate(scenario, seed)
    assert t.credit_line_cents == round(scenario.fund.credit_line * 100)
    low = [(m, b) for m, b in enumerate(t.balance_cents) if b < -t.credit_line_cents]
    assert not low, (f"balance below -credit line ({-t.credit_line_cents} cents) in (month, cents) "
                     f"{low[:5]}; {describe(scenario)}")


@SETTINGS
@given(scenario=scenarios(), seed=SEEDS)
def test_ledger_rows_are_positive_cents_between_named_accounts(scenario: Scenario, seed: int) -> None:
    led = simulate(scenario, seed).ledger
    assert list(led.columns) == ["month", "payer", "payee", "category", "amount_cents"]
    assert pd.api.types.is_integer_dtype(led.amount_cents)
    assert (led.amount_cents > 0).all(), led[led.amount_cents <= 0].head()
    same = led[led.payer == led.payee]
    assert same.empty, f"transfers to oneself:\n{same.head()}"
    r = scenario.region
    for name in pd.unique(pd.concat([led.payer, led.payee])):
        match = ACCOUNT.match(name)
        assert match, f"bad account name {name!r}"
        if match.group(2) is not None:
            assert int(match.group(2)) < r.n_firms, f"{name} but only {r.n_firms} firms"
        if match.group(3) is not None:
            assert int(match.group(3)) < r.n_providers, f"{name} but only {r.n_providers} providers"
        if match.group(4) is not None:
            assert int(match.group(4)) < len(scenario.fund.earmarks), f"{name} but fewer earmarks"
        if match.group(5) is not None:
            assert int(match.group(5)) < r.n_workers, f"{name} but only {r.n_workers} people"
    assert (led.category.str.len() > 0).all()


@SETTINGS
@given(scenario=scenarios(), seed=SEEDS)
def test_rates_are_shares_between_zero_and_one(scenario: Scenario, seed: int) -> None:
    m = simulate(scenario, seed).metrics
    rates = m[m.metric.isin(SHARES)].dropna(subset=["value"])
    bad = rates[(rates.value < 0) | (rates.value > 1 + 1e-12)]
    assert bad.empty, f"shares outside [0, 1]:\n{bad.head(10).to_string()}"

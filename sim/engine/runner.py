"""run(scenario, seed) -> Results: a pure function of its inputs; run_many over seeds.

A run steps the scenario and, when it has a fund, its no-fund counterfactual in lockstep on
the same seed, so participants' earnings and the employer and public returns are measured
against the same people in the same economy without the fund."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.engine import measure
from sim.engine.firms import SIZE_CLASSES
from sim.engine.model import FundModel
from sim.outcomes import INDEX, TWIN_METRICS
from sim.processes import process_pool
from sim.results import Results
from sim.scenario.schema import Scenario


def run(scenario: Scenario, seed: int) -> Results:
    """Simulate `scenario` with `seed`. Same inputs, same results, on any machine."""
    model = FundModel(scenario, seed)
    twin = None
    if scenario.fund.enabled and scenario.outputs.counterfactual:
        twin = FundModel(scenario.counterfactual(), seed)
    for _ in range(scenario.horizon_months):
        model.step()
        if twin is not None:
            twin.step()
            measure.compare_with_twin(model.rec, model.workers, model.firms, model.fund, scenario,
                                      model.surplus(), model.tuition_paid, twin.workers, twin.surplus(),
                                      twin.tuition_paid, model.month)
    if twin is None:
        for name in TWIN_METRICS:  # unknown without a counterfactual: say so, not zero
            model.rec.data[:, INDEX[name]] = np.nan
    model.rec.finish()
    return Results(
        scenario=scenario, seed=int(seed), metrics=model.rec.frame(), ledger=model.ledger.to_frame(),
        providers=_providers_frame(model, twin), poaching=_poaching_frame(model),
        rollout=list(model.fund.rollout_log) if model.fund is not None else [],
        firms=_firms_frame(model, twin is not None),
    )


def _firms_frame(model: FundModel, compared: bool) -> pd.DataFrame:
    """One row per firm: sector, size class at the start, whether it ended in the fund, and its
    surplus gain over the counterfactual (value added - wages - turnover - own training),
    summed over the run (NaN without a counterfactual)."""
    f = model.firms
    sectors = np.array([s.name for s in model.scenario.region.sectors], dtype=object)
    return pd.DataFrame({
        "firm": np.arange(f.n), "sector": sectors[f.sector].astype(str),
        "size_class": np.array(SIZE_CLASSES, dtype=object)[f.size_class()].astype(str),
        "member_at_end": f.member.copy(),
        "surplus_gain": f.gain if compared else np.full(f.n, np.nan),
    })


def _providers_frame(model: FundModel, twin: FundModel | None) -> pd.DataFrame:
    """Measured placement rate beside true impact (employment now, participants vs the same
    people without the fund): creaming shows as a high measured rate with little impact."""
    pt, p = model.providers, model.workers
    sectors = [s.name for s in model.scenario.region.sectors]
    rows = []
    for i in range(pt.n):
        mine = np.flatnonzero(p.participant & (p.contract_provider == i))
        mine = mine if len(mine) else np.flatnonzero(p.participant & (p.prog_provider == i))
        emp = (p.status[mine] == 1).mean() if len(mine) else np.nan
        cf = (twin.workers.status[mine] == 1).mean() if (twin is not None and len(mine)) else np.nan
        rows.append({
            "provider": i, "sector": sectors[int(pt.sector[i])],
            "enrolments": int(pt.enrolments[i]), "completions": int(pt.completions[i]),
            "placements": int(pt.placements[i]),
            "hard_to_serve_share": pt.enrolments_hts[i] / pt.enrolments[i] if pt.enrolments[i] else np.nan,
            "measured_placement_rate": (pt.placements[i] / pt.fund_completions[i]
                                        if pt.fund_completions[i] else np.nan),
            "true_impact": emp - cf, "revenue": pt.revenue_cents[i] / 100.0,
            "capacity": float(pt.capacity[i]), "suspensions": int(pt.suspensions[i]),
        })
    return pd.DataFrame(rows)


def _poaching_frame(model: FundModel) -> pd.DataFrame:
    rows = [*SIZE_CLASSES, "fund", "self"]
    return pd.DataFrame(model.poaching, index=pd.Index(rows, name="trained_by"),
                        columns=pd.Index(list(SIZE_CLASSES), name="hired_by")).reset_index()


def _run_one(args: tuple[Scenario, int]) -> Results:
    return run(*args)


def run_many(scenario: Scenario, seeds: Sequence[int], workers: int = 1,
             on_done: Callable[[Results], None] | None = None) -> list[Results]:
    """Run every seed (in worker processes when workers > 1); results come back in seed order."""
    seeds = list(seeds)
    if workers <= 1 or len(seeds) <= 1:
        out = []
        for s in seeds:
            out.append(run(scenario, s))
            if on_done:
                on_done(out[-1])
        return out
    workers = min(workers, len(seeds), os.cpu_count() or 1)
    pool = process_pool(workers)
    try:
        results = []
        for r in pool.map(_run_one, [(scenario, s) for s in seeds]):
            results.append(r)
            if on_done:
                on_done(r)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results

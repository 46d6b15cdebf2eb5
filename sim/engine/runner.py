"""run(scenario, seed) -> Results: a pure function of its inputs; run_many over seeds;
run_shared over several scenarios on one seed, stepping each no-fund world once.

A run with a fund is compared month by month with its no-fund counterfactual on the same seed
(the same people and shocks), so participants' earnings and the employer and public returns are
measured against the same people in the same economy without the fund. The twin is stepped in
lockstep, or read from a TwinTrace recorded once for the world and shared (identical results)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine import impact as impact_table
from sim.engine import measure
from sim.engine.counterfactual import Twin, TwinTrace, twin_state, world_key
from sim.engine.firm_accounts import TrainingAccounts
from sim.engine.impact import ImpactTracker
from sim.engine.model import FundModel
from sim.engine.panel import PanelWriter
from sim.engine.workers import UNEMPLOYED
from sim.labels import SIZE_CLASSES, labels
from sim.outcomes import INDEX, TWIN_METRICS
from sim.processes import process_pool
from sim.results import Results
from sim.scenario.schema import Scenario


def run(scenario: Scenario, seed: int, twin: Twin | None = None,
        panel: str | Path | None = None) -> Results:
    """Simulate `scenario` with `seed`. Same inputs, same results, on any machine. `twin`: the
    no-fund world's trace on this seed, if already recorded (see `run_shared`). `panel`: a
    Parquet file to write the person-level panel to (person x month; sim.engine.panel)."""
    compared = scenario.fund.enabled and scenario.outputs.counterfactual
    if twin is not None and (twin.seed != int(seed) or twin.world != world_key(scenario)):
        raise ValueError("the twin trace belongs to another world or seed")
    model = FundModel(scenario, seed)
    live = FundModel(scenario.counterfactual(), seed) if compared and twin is None else None
    months, p = scenario.horizon_months, model.workers
    impact = ImpactTracker(months, p.n, model.providers.n) if compared else None
    accounts = TrainingAccounts(months, model.firms.n, p.n, scenario.outputs.discount_rate_annual)
    writer = PanelWriter(panel, p.n) if panel is not None else None
    try:
        for _ in range(months):
            model.step()
            accounts.record(p, scenario, model.k, model.month, *model.graduated)
            people: tuple[np.ndarray, np.ndarray] | tuple[None, None] = (None, None)
            if compared:
                if live is not None:
                    live.step()
                    cf = (live.workers.earnings, int((live.workers.status == UNEMPLOYED).sum()),
                          live.surplus(), live.tuition_paid, live.outside_paid)
                    people = (live.workers.earnings, twin_state(live.workers.status, live.workers.rung))
                else:
                    cf = twin.month(model.month)
                    people = twin.people(model.month)
                measure.compare_with_twin(model.rec, p, model.firms, model.fund, scenario,
                                          model.surplus(), model.tuition_paid, *cf, model.month,
                                          model.outside_paid)
                impact.record(p, model.month, *people)
            if writer is not None:
                writer.write(p, model.month, *people)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.close()
    final = live.workers.status if live is not None else (twin.final_status if compared else None)
    return _results(model, final, compared, impact, accounts)


def run_world(scenario: Scenario, seed: int, trace: TwinTrace | None = None,
              on_month: Callable[[], None] | None = None) -> tuple[Results, TwinTrace]:
    """Run a scenario's no-fund world (the scenario itself if it has no fund) and record what
    every scenario of that world reads of it: into `trace` if given (e.g. files another process
    maps, sim.engine.twin_stream), calling `on_month()` after each month is recorded."""
    world = scenario if not scenario.fund.enabled else scenario.counterfactual()
    model = FundModel(world, seed)
    if trace is None:
        trace = TwinTrace.empty(world_key(scenario), seed, world.horizon_months, model.workers.n,
                                model.firms.n)
    accounts = TrainingAccounts(world.horizon_months, model.firms.n, model.workers.n,
                                world.outputs.discount_rate_annual)
    for _ in range(world.horizon_months):
        model.step()
        accounts.record(model.workers, world, model.k, model.month, *model.graduated)
        trace.record(model.month, model.workers.earnings, model.workers.status, model.workers.rung,
                     model.surplus(), model.tuition_paid, model.outside_paid)
        if on_month is not None:
            on_month()
    return _results(model, None, False, None, accounts), trace


def run_shared(scenarios: Sequence[Scenario], seed: int, worlds: bool = False) -> list[Results]:
    """Every scenario on one seed, each no-fund world stepped once: a scenario without a fund is
    its own world's run; every scenario with a fund reads its world's twin trace. With `worlds`,
    the no-fund world runs stepped only for their traces are returned too, after the scenarios'
    (each as its scenario's `counterfactual()`), so a caller can keep them."""
    out: list[Results | None] = [None] * len(scenarios)
    traces: dict[str, TwinTrace] = {}
    extra: list[Results] = []
    for i, s in enumerate(scenarios):  # the no-fund scenarios first: they are their worlds
        if not s.fund.enabled:
            out[i], traces[world_key(s)] = run_world(s, seed)
    for i, s in enumerate(scenarios):
        if out[i] is not None:
            continue
        if not s.outputs.counterfactual:
            out[i] = run(s, seed)
            continue
        key = world_key(s)
        if key not in traces:
            world, traces[key] = run_world(s, seed)
            extra.append(world)
        out[i] = run(s, seed, twin=traces[key])
    return [r for r in out if r is not None] + (extra if worlds else [])


def _results(model: FundModel, twin_status: np.ndarray | None, compared: bool,
             impact: ImpactTracker | None, accounts: TrainingAccounts) -> Results:
    if not compared:
        for name in TWIN_METRICS:  # unknown without a counterfactual: say so, not zero
            model.rec.data[:, INDEX[name]] = np.nan
    model.rec.finish()
    ledger = model.ledger.to_frame()
    training = accounts.frame(model.firms.sector, ledger)
    training["sector"] = labels([s.name for s in model.scenario.region.sectors],
                                training["sector"].to_numpy(dtype=np.int64))
    return Results(
        scenario=model.scenario, seed=int(model.streams.seed), metrics=model.rec.frame(),
        ledger=ledger, providers=_providers_frame(model, twin_status),
        poaching=_poaching_frame(model),
        rollout=list(model.fund.rollout_log) if model.fund is not None else [],
        firms=_firms_frame(model, compared),
        impact=impact.frame() if impact is not None else impact_table.empty_frame(),
        training_accounts=training,
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


def _providers_frame(model: FundModel, twin_status: np.ndarray | None) -> pd.DataFrame:
    """Measured placement rate beside true impact (employment now, participants vs the same
    people without the fund): creaming shows as a high measured rate with little impact."""
    pt, p = model.providers, model.workers
    sectors = [s.name for s in model.scenario.region.sectors]
    rows = []
    for i in range(pt.n):
        mine = np.flatnonzero(p.participant & (p.contract_provider == i))
        mine = mine if len(mine) else np.flatnonzero(p.participant & (p.prog_provider == i))
        emp = (p.status[mine] == 1).mean() if len(mine) else np.nan
        cf = (twin_status[mine] == 1).mean() if (twin_status is not None and len(mine)) else np.nan
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


def _run_one(args: tuple[Scenario, int, Path | None]) -> Results:
    scenario, seed, panel = args
    return run(scenario, seed, panel=panel)


def panel_path(folder: str | Path, seed: int) -> Path:
    """Where `run_many(..., panel_dir=folder)` writes a seed's person-level panel."""
    return Path(folder) / f"seed-{int(seed)}.parquet"


def run_many(scenario: Scenario, seeds: Sequence[int], workers: int = 1,
             on_done: Callable[[Results], None] | None = None,
             panel_dir: str | Path | None = None) -> list[Results]:
    """Run every seed (in worker processes when workers > 1); results come back in seed order.
    `panel_dir`: write each seed's person-level panel there (`panel_path`)."""
    seeds = list(seeds)
    jobs = [(scenario, s, panel_path(panel_dir, s) if panel_dir is not None else None) for s in seeds]
    if workers <= 1 or len(seeds) <= 1:
        out = []
        for job in jobs:
            out.append(_run_one(job))
            if on_done:
                on_done(out[-1])
        return out
    workers = min(workers, len(seeds), os.cpu_count() or 1)
    pool = process_pool(workers)
    try:
        results = []
        for r in pool.map(_run_one, jobs):
            results.append(r)
            if on_done:
                on_done(r)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def _run_seed(args: tuple[list[Scenario], int]) -> list[Results]:
    return run_shared(*args)


def run_many_shared(scenarios: Sequence[Scenario], seeds: Sequence[int], workers: int = 1,
                    on_done: Callable[[int], None] | None = None) -> list[list[Results]]:
    """Every scenario on every seed, each seed's no-fund worlds stepped once (run_shared), seeds
    in worker processes when workers > 1. Returns one list per scenario, in seed order;
    `on_done(n)` follows each finished seed (n runs)."""
    scenarios, seeds = list(scenarios), list(seeds)
    by_seed: list[list[Results]] = []
    if workers <= 1 or len(seeds) <= 1:
        for s in seeds:
            by_seed.append(run_shared(scenarios, s))
            if on_done:
                on_done(len(scenarios))
    else:
        pool = process_pool(min(workers, len(seeds), os.cpu_count() or 1))
        try:
            for runs in pool.map(_run_seed, [(scenarios, s) for s in seeds]):
                by_seed.append(runs)
                if on_done:
                    on_done(len(scenarios))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return [[runs[i] for runs in by_seed] for i in range(len(scenarios))]

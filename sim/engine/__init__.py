"""The simulation engine: scenario in, Results out (`sim.engine.runner.run`).

model.py         the Mesa model: `step()` is one month, its phases in ODD order; it routes each
                 phase's results to the owners that act on them and records the month
workers.py       the worker population (one NumPy array per attribute) and its verbs
firms.py         firms: Mesa agents backed by a FirmTable; vacancies, hiring slots, training and
                 membership decisions, the staged rollout of eligibility
providers.py     training providers: Mesa agents backed by a ProviderTable; routing, ranking,
                 capacity, review
fund.py          the fund's purse: a Mesa agent holding the balance, arrears and levy accounts
fund_flows.py    every movement of money, top to bottom (in, out, budget, commitments)
payouts.py       money out to providers and employers, and who pays which part (fund,
                 investors, a third party, levy accounts); grants within firms' annual caps
financing.py     social finance: the seats investors finance, their payments, the repayments
labour_market.py separations, job-to-job moves and poaching, matching
training.py      applications, admission, progress, externships, incumbent training
demand.py        sector demand paths
derived.py       numbers derived once from a scenario (per sector, per rung)
rng.py           named random streams and the month's per-person luck
kernels.py       the compiled hot path (numba): counter-based luck, cell counts, slot draws,
                 matching, firms' surplus, the month's head counts
kernels_people.py compiled loops behind Population's verbs (skilled factor, wages, experience,
                 skills used or idle, part-time earnings, the pay period's jobs, a month's
                 careers and pay in one pass, starting jobs)
kernels_measure.py compiled loops behind the measurements (impact sums, median wages by cell,
                 free riders, the pipeline forecast, the recorder's cells)
kernels_training.py compiled loops behind training's rules (who applies and how keen, routing
                 to providers, ranking, the budget's running sums, progress, incumbent picks)
kernels_labour.py compiled loops behind the labour market's rules (separations, moves in and
                 out of the labour force, job-to-job movers, promotion candidates)
recorder.py      the month's metrics by sector and group
measure.py       the month's outcomes, firms' surplus, the comparison with the no-fund twin
impact.py        participants against their own twin by months since first fund start (Results.impact)
firm_accounts.py training firms' accounts: apprentices' cost and output, graduates kept, NPV
panel.py         the opt-in person x month panel, written to Parquet as the run goes
counterfactual.py the no-fund twin's trace, stepped once per world and seed and shared
twin_stream.py   a world and its fund runs side by side in two processes, the trace streamed
twin_store.py    the traces a process keeps, so an edited proposal does not step its world again
rollout.py       the fund's staged rollout (pilot, stage reviews)
rows.py          the Mesa agent that is one row of a column table (firms, providers)
runner.py        run(scenario, seed) and run_many

Below it: sim/ledger.py (every transfer in integer cents, and the rounding rules; the money-in
rules use them too) and sim/labels.py (string columns for result tables).
Nothing here imports a face (app, report, sweep, calibration, CLI)."""

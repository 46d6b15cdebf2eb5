"""Writes notebooks/sweep_and_sensitivity.ipynb (kept as code so the notebook's source is reviewable)."""

from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("# Which funding rules keep the fund solvent across recessions?\n\n"
       "A worked sweep: vary two funding rules (levers) across possible worlds (uncertainties: how deep "
       "and how early a recession hits), run every design point on the same seeds (common random "
       "numbers), then ask which inputs matter (Sobol indices) and which combinations keep the fund's "
       "balance above a floor (PRIM scenario discovery). The same study runs from the command line:\n\n"
       "```\nfundsim sweep SPEC --out DIR\nfundsim sweep summary DIR\nfundsim sensitivity DIR\n"
       "fundsim discover DIR --outcome fund_balance --threshold X\n```"),
    code("import os\n"
         "import tempfile\n"
         "from pathlib import Path\n\n"
         "import matplotlib\n"
         "matplotlib.use('Agg')  # runs headless in CI; in Jupyter the figures show inline\n"
         "import matplotlib.pyplot as plt\n\n"
         "import sim.sweep\n"
         "from sim.sweep.engine import run_sweep\n"
         "from sim.sweep.spec import plan_from_data\n\n"
         "ROOT = Path.cwd() if (Path.cwd() / 'scenarios').exists() else Path.cwd().parent\n"
         "SMALL = os.environ.get('FUNDSIM_NOTEBOOK_SMALL') == '1'  # the test suite runs a tiny study"),
    md("## The spec\n\nThe same fields as a spec file (`scenarios/sweeps/example.yaml`): a base scenario, "
       "levers and uncertainties kept apart, a design, replications and the outcomes to keep. The `sobol` "
       "design samples with SALib so that `sensitivity` can analyse exactly what was run."),
    code("spec = {\n"
         "    'name': 'solvency_study',\n"
         "    'base': str(ROOT / 'scenarios' / 'baseline.yaml'),\n"
         "    'design': 'sobol',\n"
         "    'samples': 16 if SMALL else 32,  # 16: the smallest sample here in which a point repeats\n"
         "    'replications': 1 if SMALL else 4,\n"
         "    'levers': {\n"
         "        'fund.contributions[0].annual_total': {'low': 50_000, 'high': 400_000},\n"
         "        'fund.reserves.target_months': {'low': 0, 'high': 12},\n"
         "    },\n"
         "    'uncertainties': {\n"
         "        'demand.recession.depth': {'low': 0.0, 'high': 0.25},\n"
         "        'demand.recession.start_month': {'low': 6, 'high': 18},\n"
         "    },\n"
         "    'outcomes': ['fund_balance', 'placements', 'cost_per_placement'],\n"
         "    'horizon_months': 24 if SMALL else 60,\n"
         "    'region': {'n_workers': 800, 'n_firms': 20, 'n_providers': 3} if SMALL\n"
         "              else {'n_workers': 5000, 'n_firms': 80, 'n_providers': 4},\n"
         "    'set': {'demand.recession.enabled': True, 'outputs.counterfactual': False,\n"
         "            'phases.system_development_months': 1, 'phases.programme_design_months': 1},\n"
         "}\n"
         "plan = plan_from_data(spec, '<notebook>', None)\n"
         "[(f.path, f.role, f.low, f.high) for f in plan.factors]"),
    md("## Run it\n\nLocal processes by default; pass `scheduler='tcp://HOST:PORT'` to run on a Dask cluster. "
       "Each finished run is one Parquet file, so running the cell again resumes instead of starting over."),
    code("out = Path(tempfile.mkdtemp(prefix='fundsim-sweep-'))\n"
         "report = run_sweep(plan, out, workers=2)\n"
         "report.total, report.ran, report.failed, round(report.seconds, 1)"),
    code("runs = sim.sweep.load(out)\n"
         "runs.head()"),
    md("## Per point: the mean and 90% interval across seeds"),
    code("table = sim.sweep.summary(out, ['fund_balance'])\n"
         "table.sort_values('mean').head(10)"),
    md("## Who gains? Outcomes by worker group\n\n"
       "Every run file keeps the horizon value of every metric for the totals and for each sector and "
       "worker group, so equity can be read across the whole sweep: here the placement rate of each "
       "group, across every run."),
    code("final = sim.sweep.load(out, kind='horizon')\n"
         "by_group = final[(final.metric == 'placement_rate') & (final.sector == 'all')]\n"
         "by_group.groupby('group').value.describe()[['count', 'mean', 'min', 'max']]"),
    md("## Which inputs matter? Sobol indices\n\n"
         "First order (S1): the share of the outcome's variance due to that input alone; total order (ST): "
         "including its interactions. With a tiny sample the intervals are wide, as they should be. "
         "(With `'second_order': True` in the spec the sample grows to samples x (2 x parameters + 2) "
         "points and `sim.sweep.interactions(out)` gives the pairwise indices S2.)"),
    code("indices = sim.sweep.sensitivity(out, ['fund_balance'])\n"
         "indices"),
    code("fig, ax = plt.subplots(figsize=(7, 3))\n"
         "ax.barh(indices.parameter, indices.ST, xerr=indices.ST_conf, capsize=3, label='ST')\n"
         "ax.barh(indices.parameter, indices.S1, height=0.4, label='S1')\n"
         "ax.set(title='Sobol indices of the final fund balance', xlabel='index')\n"
         "ax.legend()\n"
         "fig.tight_layout()"),
    md("## Scenario discovery: when does the fund keep a reserve?\n\n"
       "PRIM (the EMA Workbench's implementation) looks for the box of inputs where the target is met "
       "most often. Here the target is an end balance above the median across runs."),
    code("final = sim.sweep.load(out, kind='horizon')\n"
         "totals = final[(final.sector == 'all') & (final.group == 'all')]\n"
         "balance = totals[totals.metric == 'fund_balance'].value\n"
         "threshold = float(balance.median())\n"
         "found = sim.sweep.discover(out, 'fund_balance', threshold, density=0.8)\n"
         "print(found.sentence())"),
    md("Sobol's sample repeats a design point when an integer parameter (here the reserve's target "
       "months and the recession's start month) rounds two sampled values to the same level. A repeated "
       "point is one run (the same parameters and seed give the same result), and PRIM counts each run "
       "once: otherwise the repeated runs would weigh twice."),
    code("listed = len(runs.drop_duplicates(['point', 'seed']))  # every (design point, seed) of the design\n"
         "print(f'{listed} (point, seed) pairs, {report.total} distinct runs')\n"
         "assert listed > report.total  # this design does repeat points (at both sizes)\n"
         "assert found.runs == report.total and 0 < found.hits < found.runs\n"
         "assert 0 < found.coverage <= 1 and 0 < found.density <= 1"),
    md("## Several boxes, and the trade-off between coverage and density\n\n"
       "PRIM can look for a second box among the runs the first one left (another way to meet the "
       "target). Each box comes from a *peeling trajectory*: PRIM shaves a little off the box at each "
       "step, buying density (the share of the box's runs that meet the target) with coverage (the "
       "share of all the target's runs that are in the box). The box taken is the step with the most "
       "coverage among those at least as dense as asked (ringed in the chart)."),
    code("from sim.sweep.charts import tradeoff_chart\n"
         "from sim.sweep.discovery import discover_boxes, discovery_frame, tradeoff_frame\n\n"
         "boxes = discover_boxes(out, 'fund_balance', threshold, density=0.8, boxes=2)\n"
         "for box in boxes:\n"
         "    print(box.sentence())\n"
         "discovery_frame(boxes)"),
    code("steps = tradeoff_frame(boxes)\n"
         "tradeoff_chart(steps, out / 'tradeoff.png')\n"
         "steps.head(12)"),
    code("if SMALL:  # the test run leaves nothing behind; keep `out` when you run the study yourself\n"
         "    import shutil\n"
         "    shutil.rmtree(out)"),
]

nb = nbf.v4.new_notebook()
nb["cells"] = cells
nb["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
out = Path(__file__).with_name("sweep_and_sensitivity.ipynb")
nbf.write(nb, out)
print(f"wrote {out}")

"""Writes notebooks/quickstart.ipynb (kept as code so the notebook's source is reviewable)."""

from pathlib import Path

import nbformat as nbf

cells = [
    nbf.v4.new_markdown_cell(
        "# fundsim quick start\n\nLoad the baseline region, run it over a few seeds, compare it with "
        "its no-fund counterfactual on the same random numbers, and plot the pipeline and the fund."),
    nbf.v4.new_code_cell(
        "import os\n"
        "from pathlib import Path\n\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')  # runs headless in CI; in Jupyter the figures show inline\n"
        "import matplotlib.pyplot as plt\n\n"
        "import sim\n"
        "from sim.results import paired_difference, summarize\n\n"
        "ROOT = Path.cwd() if (Path.cwd() / 'scenarios').exists() else Path.cwd().parent\n"
        "SMALL = os.environ.get('FUNDSIM_NOTEBOOK_SMALL') == '1'  # the test suite runs a small region\n"
        "SEEDS = [1, 2] if SMALL else [1, 2, 3, 4]"),
    nbf.v4.new_markdown_cell("## Load the scenarios\n\n`no_fund.yaml` extends the baseline and only switches the fund off."),
    nbf.v4.new_code_cell(
        "baseline = sim.load_scenario(ROOT / 'scenarios' / 'baseline.yaml')\n"
        "no_fund = sim.load_scenario(ROOT / 'scenarios' / 'no_fund.yaml')\n"
        "if SMALL:\n"
        "    small = {'n_workers': 3000, 'n_firms': 60, 'n_providers': 4}\n"
        "    baseline = baseline.model_copy(update={'horizon_months': 48,\n"
        "                                          'region': baseline.region.model_copy(update=small)})\n"
        "    no_fund = no_fund.model_copy(update={'horizon_months': 48,\n"
        "                                        'region': no_fund.region.model_copy(update=small)})\n"
        "baseline.name, baseline.region.n_workers, baseline.horizon_months"),
    nbf.v4.new_markdown_cell("## Run\n\n`sim.run(scenario, seed)` is a pure function of its inputs."),
    nbf.v4.new_code_cell(
        "with_fund = [sim.run(baseline, s) for s in SEEDS]\n"
        "without = [sim.run(no_fund, s) for s in SEEDS]\n"
        "summary = summarize(with_fund)\n"
        "summary[summary.metric.isin(['fund_enrolments', 'placements', 'placement_rate', 'retention_12m',\n"
        "                             'earnings_gain_vs_counterfactual', 'cost_per_placement', 'fund_balance'])]"),
    nbf.v4.new_markdown_cell("## Compare with the counterfactual (paired by seed)"),
    nbf.v4.new_code_cell(
        "diff = paired_difference(without, with_fund)\n"
        "key = ['enrolments', 'completions', 'placements', 'unemployment_rate', 'poached_trained_workers']\n"
        "diff[diff.metric.isin(key)][['metric', 'unit', 'a_mean', 'b_mean', 'diff_mean', 'diff_low', 'diff_high']]"),
    nbf.v4.new_code_cell(
        "assert (diff.set_index('metric').loc['placements', 'diff_mean'] > 0), 'the fund should place more people'"),
    nbf.v4.new_markdown_cell("## Plot the pipeline and the fund"),
    nbf.v4.new_code_cell(
        "fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))\n"
        "for name, runs in (('with fund', with_fund), ('no fund', without)):\n"
        "    placed = sum(r.series('placements') for r in runs) / len(runs)\n"
        "    ax1.plot(placed.index, placed.cumsum(), label=name)\n"
        "ax1.set(title='Cumulative placements', xlabel='month', ylabel='people')\n"
        "ax1.legend()\n"
        "balance = sum(r.series('fund_balance') for r in with_fund) / len(with_fund)\n"
        "liab = sum(r.series('fund_liabilities') for r in with_fund) / len(with_fund)\n"
        "ax2.plot(balance.index, balance / 1e6, label='balance')\n"
        "ax2.plot(liab.index, liab / 1e6, label='liabilities')\n"
        "ax2.set(title='The fund', xlabel='month', ylabel='$ million')\n"
        "ax2.legend()\n"
        "fig.tight_layout()"),
    nbf.v4.new_markdown_cell("## Every transfer is in the ledger (integer cents)"),
    nbf.v4.new_code_cell(
        "ledger = with_fund[0].ledger\n"
        "ledger.groupby('category')['amount_cents'].sum().div(100).sort_values(ascending=False).head(10)"),
]
nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                               "language": "python"}})
nbf.write(nb, Path(__file__).with_name("quickstart.ipynb"))

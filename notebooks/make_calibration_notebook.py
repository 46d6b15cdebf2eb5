"""Writes notebooks/calibration.ipynb (kept as code so the notebook's source is reviewable)."""

from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("# Calibration: public targets, simulated moments, and the fit\n\n"
       "The model's free parameters are fitted by the simulated method of moments to public figures "
       "(JOLTS flows, the 2007-09 recession, sector-programme credential and earnings impacts, "
       "apprenticeship completion). This notebook reads the targets, measures them on simulated "
       "output, runs the routine with a small budget and plots each target's band beside its "
       "simulated value. The same from the command line:\n\n"
       "```\nfundsim calibrate --budget 100        # writes calibration/calibrated.yaml\n"
       "fundsim calibrate --evaluate --out fit.csv\n```"),
    code("import os\n"
         "import tempfile\n"
         "from pathlib import Path\n\n"
         "import matplotlib\n"
         "matplotlib.use('Agg')  # runs headless in CI; in Jupyter the figures show inline\n"
         "import matplotlib.pyplot as plt\n"
         "import pandas as pd\n\n"
         "import sim\n"
         "from sim.calibration.output import fit_table\n"
         "from sim.calibration.simulate import measure, variant_scenarios\n"
         "from sim.calibration.smm import Calibrator\n"
         "from sim.calibration.targets import load_spec\n"
         "from sim.engine.runner import run_many\n\n"
         "ROOT = Path.cwd() if (Path.cwd() / 'scenarios').exists() else Path.cwd().parent\n"
         "SMALL = os.environ.get('FUNDSIM_NOTEBOOK_SMALL') == '1'  # the test suite runs a small region"),
    md("## The targets and the free parameters\n\n"
       "Each target has a band, a unit, a source and the moment function that measures it; some need "
       "a variant of the scenario (a scripted recession, apprenticeships)."),
    code("spec = load_spec(ROOT / 'calibration' / 'targets.yaml')\n"
         "pd.DataFrame([{'id': t.id, 'quantity': t.quantity, 'low': t.low, 'high': t.high, 'unit': t.unit,\n"
         "               'moment': t.moment, 'variant': t.variant} for t in spec.targets])"),
    code("pd.DataFrame([{'parameter': fp.path, 'bounds': fp.bounds, 'why': ' '.join(fp.why.split())}\n"
         "              for fp in spec.free_parameters])"),
    md("## Measure every target on the baseline\n\n"
       "The baseline extends `calibration/calibrated.yaml`, so this is the calibrated fit. The small "
       "run (tests) shrinks the region, which moves the programme moments: the fund's budget is in "
       "dollars, not per worker."),
    code("baseline = sim.load_scenario(ROOT / 'scenarios' / 'baseline.yaml')\n"
         "seeds = [101] if SMALL else spec.evaluate_seeds\n"
         "if SMALL:\n"
         "    small = {'n_workers': 3000, 'n_firms': 60, 'n_providers': 4}\n"
         "    baseline = baseline.model_copy(update={'region': baseline.region.model_copy(update=small)})\n"
         "runner = lambda s, sd: run_many(s, sd)\n"
         "fit = fit_table(spec, measure(spec, variant_scenarios(baseline, spec), seeds, runner))\n"
         "fit"),
    code("f = fit.assign(position=(fit.simulated - fit.low) / (fit.high - fit.low))\n"
         "fig, ax = plt.subplots(figsize=(7, 0.35 * len(f) + 1))\n"
         "y = range(len(f))\n"
         "ax.barh(y, [1.0] * len(f), left=0.0, color='#c9dcef', label='band')\n"
         "colours = ['#2e8540' if b else '#b0413e' for b in f.in_band]\n"
         "ax.scatter(f.position.clip(-3, 4), y, c=colours, zorder=3)\n"
         "ax.set_yticks(list(y), f.id)\n"
         "ax.invert_yaxis()\n"
         "ax.set_xlabel('simulated value in band widths (0 = low end, 1 = high end; clipped to -3..4)')\n"
         "fig.tight_layout()"),
    md("## The routine: least squares on common random numbers, resumable\n\n"
       "Every candidate runs on the same seeds; each evaluation is stored in the state folder, so a "
       "second call replays them instantly and walks the same path."),
    code("budget = 3 if SMALL else 20\n"
         "state = Path(tempfile.mkdtemp())\n"
         "show = lambda ev, n, best: print(f'{n}: distance {ev.distance:.3f} (best {best.distance:.3f})')\n"
         "seeds = spec.seeds[:1] if SMALL else spec.seeds\n"
         "cal = Calibrator(spec, baseline, seeds, runner, state, on_eval=show)\n"
         "outcome = cal.run(budget)\n"
         "again = Calibrator(spec, baseline, cal.seeds, runner, state).run(budget)\n"
         "print('replayed on the second call:', again.replayed, 'of', again.evaluations)\n"
         "pd.Series(outcome.best.x, index=[fp.path for fp in spec.free_parameters], name='best')"),
]
nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                               "language": "python"}})
nbf.write(nb, Path(__file__).with_name("calibration.ipynb"))

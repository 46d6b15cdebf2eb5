"""Writes docs/calibration.md and docs/figures/calibration_fit.svg: the fit of every target
(band and simulated value), the calibrated parameters and what they mean, and the targets the
model does not produce.

    PYTHONPATH=. .venv/bin/python docs/make_calibration_report.py [--fit FIT.csv] [--workers N]

Without --fit it first runs `fundsim calibrate --evaluate` (baseline, the spec's evaluate seeds)."""

from __future__ import annotations

import argparse
from pathlib import Path

import altair as alt
import pandas as pd

from sim.calibration.output import fit_table
from sim.calibration.simulate import measure, variant_scenarios
from sim.calibration.smm import start_point
from sim.calibration.targets import DEFAULT_SCENARIO, DEFAULT_SPEC, ROOT, Spec, load_spec
from sim.charts import to_svg
from sim.engine.runner import run_many
from sim.scenario.loader import load_scenario

DOCS = Path(__file__).resolve().parent
FIGURE = DOCS / "figures" / "calibration_fit.svg"


# Read off the fit (update when the fit changes). A target missed here is reported, not forced.
FINDINGS = [
    "**Issue 14, fidelity over the years (docs/ODD.md 7.18, 7.21, 7.24, 7.27): full re-fit.** Wages now "
    "grow with occupational experience in skilled jobs (2% a year for up to eight years, Kambourov & "
    "Manovskii 2009), skills depreciate out of work as a share of what a level pays for, and a host "
    "decides at completion whether to keep its graduate. Two additions to the spec: CAL13 (graduates "
    "kept by the training firm, BIBB, 61-77%) is a target, measured in the apprenticeship variant, and "
    "`careers.graduate_productivity_premium` (what a kept graduate is worth over an outside hire, no "
    "public figure) is free, since it sets CAL13. All ten free parameters were re-fitted (`--budget 28 "
    "--workers 2`, least squares, seeds 1-8, from the previous fit): best distance 1.00 with CAL09 at "
    "18.04 (just above its band: experience growth raised the year-2 gain by about 2 points) and "
    "CAL13 at 59.7 (just below). The two parameters that identify those targets were then moved by "
    "hand along their measured directions, probed on seeds 1-8 (`workers.search_months_after_training` "
    "4.72 -> 3.5 months: CAL09 18.1 -> 16.0; `careers.graduate_productivity_premium` 0.062 -> 0.16: "
    "CAL13 60.0 -> 63.6 at 0.10, 71.7 at 0.16), and the point was evaluated with `--budget 1` "
    "(distance 0.52, 13 of 13 in band on seeds 1-8). The other eight values are the optimiser's best "
    "point: quit rate 0.0026 -> 0.0029, job-to-job 0.0188 -> 0.0187, layoffs 0.0160, matching "
    "efficiency 0.232 -> 0.234, recession depth 0.105 -> 0.104, completion 0.797 -> 0.802, apprentice "
    "completion 0.495, entry premium 0.213 -> 0.215. That point left unemployment before the "
    "recession (CAL07_PRE) at 4.82 on seeds 1-8 but 5.04 on fresh seeds 101-110, just above its "
    "band's top of 5.0: the noise between two sets of eight or ten seeds is about as wide as that "
    "band. So the fit was restarted from that point on 16 seeds (1-16, `--budget 10 --seeds 16`, "
    "distance 0.66, 13 of 13 in band); it moved only matching efficiency (0.2338 -> 0.2372). On "
    "fresh seeds 101-110 (the table above) all 13 targets are in band, CAL07_PRE at 4.94, near its "
    "top; on 111-120 all 13 too. The fresh seeds were only evaluated, never fitted to.",
    "",
    "**The fit before issue 14** (kept for its reasoning; its numbers are that fit's, not today's). "
    "Calibrated with `--budget 30 --workers 2` on seeds 1-8 (least squares; distance 0.37), from the "
    "previous fit. The engine has since moved to counter-based random numbers and compiled matching "
    "(docs/ODD.md, Stochasticity), which moves individual runs; re-evaluated without refitting, "
    "every target is still in band on the calibration seeds and on two fresh sets of ten seeds "
    "(101-110, the table above, and 111-120), so the calibrated values are kept. Three changes "
    "since the fit before, each a measurement or an identification, not a forced value:",
    "",
    "- **Sector quit ratios (CAL04) are taken against total private, as JOLTS gives them.** The "
    "sector multipliers (health care 0.85, manufacturing 0.7, IT 1.0) are JOLTS ratios to total "
    "private, a mix that includes high-quit sectors the region lacks. Against the region's own "
    "three-sector average (about 0.84 of total private) health care came to 1.05, above its band, "
    "since three sectors below the national rate cannot all be below their own average. The "
    "national flow figures (CAL01 quits, CAL05 job-to-job moves) are now measured at the "
    "total-private mix too (each sector's employment weighted by its multiplier), so the model's "
    "`quit_rate` and `job_to_job_rate` are those of an average private-sector job. The region "
    "itself quits at about 0.84 of that, as a region of health care, manufacturing and IT would. "
    "The ratios are now 0.67-0.70 and 0.81-0.86: mostly the input multipliers, so they check that behaviour "
    "(training, poaching, the cycle) does not undo them.",
    "- **The recession moments (CAL07, CAL07_PRE) pool the seeds' regions month by month.** BLS "
    "measures the nation, where regional shocks average out; one simulated region's rise varies "
    "by about 0.9 points from seed to seed (its own demand shocks move the level before the "
    "recession), against a band 0.6 points wide, and the mean of per-region peaks is biased up by "
    "that noise. The pooled path of 8-10 regions is the model's national counterpart. The "
    "calibration uses 8 seeds and `--evaluate` 10 for the same reason. Depth needed: 9.6% of "
    "demand. The rise is 5.26 points on the calibration seeds and 5.44-5.52 on the fresh sets: "
    "seeds 1-8 happen to sit low, so the fresh values are near the band's top.",
    "- **The year-2 earnings impact (CAL09) is governed by who applies, so the expected search "
    "after training is now free.** Probing showed that the entry-rung premium barely moves CAL09, "
    "and the wrong way (a higher premium draws more employed applicants, whose counterfactual "
    "earnings are high), while `workers.search_months_after_training` moves it nearly "
    "one-to-one (7.7% at 1.5 months, 9.5% at 3, 12.5% at 6): the longer the search an employed "
    "person expects, the fewer leave a job to train, so starters are more often out of work, as "
    "WorkAdvance's were. The fit needs 4.7 months (it was an assumption of 3); CAL09 is 11.5% on "
    "the calibration seeds, 11.3-11.7% on the fresh ones. The premium is bounded to 0.1-0.35 so "
    "it cannot chase CAL09 through selection; it settles at 0.21.",
    "- **Unemployment before the recession (CAL07_PRE)** is 4.66 on the calibration seeds and "
    "4.85-4.89 on the fresh ones (band 4.4-5.0), at the cycle's peak as in 2007; matching "
    "efficiency is 0.22.",
    "- **Engine version.** The values were fitted on the engine whose source hash is in the header "
    "of calibration/calibrated.yaml and re-evaluated on the current engine (the tables above); "
    "re-evaluate after any change to the engine, and refit when a target leaves its band.",
]


def chart(spec: Spec, fit: pd.DataFrame) -> alt.Chart:
    """Each target on its own scale: 0 = the band's low end, 1 = its high end."""
    units = {t.id: t.unit for t in spec.targets}
    f = fit.assign(position=(fit.simulated - fit.low) / (fit.high - fit.low), lo=0.0, hi=1.0,
                   unit=fit.id.map(units), status=fit.in_band.map({True: "in band", False: "outside"}))
    order = list(f.id)
    y = alt.Y("id:N", sort=order, title=None)
    band = alt.Chart(f).mark_bar(color="#c9dcef", height=12).encode(x="lo:Q", x2="hi:Q", y=y)
    dots = alt.Chart(f).mark_point(filled=True, size=70).encode(
        x=alt.X("position:Q", title="simulated value, in band widths (0 = low end, 1 = high end)"), y=y,
        color=alt.Color("status:N", title=None,
                        scale=alt.Scale(domain=["in band", "outside"], range=["#2e8540", "#b0413e"])),
        tooltip=["id", "low", "high", "simulated", "unit"])
    return (band + dots).properties(width=520, height=22 * len(f),
                                    title="Calibration targets: band (blue) and simulated value")


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def markdown(spec: Spec, fit: pd.DataFrame, seeds: list[int], calibrated: dict[str, float]) -> str:
    by_id = {t.id: t for t in spec.targets}
    n_in = int(fit.in_band.sum())
    lines = [
        "# Calibration", "",
        "<!-- generated by docs/make_calibration_report.py; edit the script, not this file -->", "",
        "fundsim is calibrated by the simulated method of moments to the public figures of "
        "`../shared/calibration/targets.csv`, copied with their sources and bands into "
        "[calibration/targets.yaml](../calibration/targets.yaml). Each target names the function in "
        "`sim/calibration/moments.py` that measures the same quantity from simulated output, the way "
        "the source measured it. Only these targets are used.", "",
        "Re-run after a change to the model (one command each):", "",
        "```", "fundsim calibrate --budget 100 --workers 2       # writes calibration/calibrated.yaml",
        "fundsim calibrate --evaluate --out fit.csv       # every target on fresh seeds",
        "PYTHONPATH=. python docs/make_calibration_report.py --fit fit.csv", "```", "",
        f"## Fit on fresh seeds ({seeds[0]}–{seeds[-1]}): {n_in} of {len(fit)} targets in band", "",
        "![band and simulated value of each target](figures/calibration_fit.svg)", "",
        "| id | quantity | band | unit | simulated | in band | measured as |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in fit.itertuples(index=False):
        t = by_id[r.id]
        lines.append(f"| {r.id} | {t.quantity} | {_fmt(r.low)}–{_fmt(r.high)} | {t.unit} | "
                     f"{_fmt(r.simulated)} | {'yes' if r.in_band else '**no**'} | {t.measured} |")
    lines += ["", "Sources and why each band is where it is: "
              "[calibration/targets.yaml](../calibration/targets.yaml).", "",
              "## Free parameters and what the calibrated values mean", "",
              "| parameter | calibrated | bounds | why it is free |", "|---|---|---|---|"]
    for fp in spec.free_parameters:
        lines.append(f"| `{fp.path}` | {calibrated.get(fp.path, float('nan')):.4g} | "
                     f"{fp.bounds[0]:g}–{fp.bounds[1]:g} | {fp.why} |")
    lines += ["", "Everything else is fixed: set directly from a source (turnover cost CAL14, the "
              "productivity-to-wage ratio CAL15, the apprentice wage CAL12, the cycle period CAL06, "
              "module costs CAL10, sector quit ratios CAL04), a policy lever of the scenario, or an "
              "assumption no target here identifies ([parameters.md](parameters.md)).", "",
              "## Method", "",
              "- Distance: the sum over targets of ((simulated − band midpoint) / band width)², i.e. "
              "weights 1 / band width²: a precise source counts more. A moment the output cannot give "
              "counts as ten band widths off.",
              "- Common random numbers: every candidate runs on the same seeds (`seeds` in targets.yaml); "
              "`--evaluate` uses other seeds (`evaluate_seeds`), so the fit shown above is out of sample.",
              "- Optimiser (`--method`, default `least-squares`): scipy's trust-region reflective least "
              "squares on the weighted residuals, parameters scaled to [0, 1] within their bounds, "
              "forward-difference Jacobian with a step of 4% of each range (simulated moments are step "
              "functions on a finer scale). Each free parameter moves mostly its own target, so a few "
              "Jacobians reach the bands. If it stops early, a Nelder–Mead simplex goes on from its best "
              "point with the rest of the budget (`--method nelder-mead` uses the simplex alone). It "
              "starts from the scenario's current values; the budget counts candidate evaluations.",
              "- Resume: every evaluation is stored under `calibration/.state/` keyed by a hash of the "
              "candidate's scenarios, the seeds and the engine source; a rerun replays them and walks the "
              "same path. Ctrl-C exits 130 and keeps them.",
              "- Region size: the full baseline region. The fund's budget is set in dollars, not per "
              "worker, so a smaller region would train a larger share of its people and change the "
              "equilibrium the programme moments come from: the moments are not scale-invariant.",
              "- Variants: the recession targets use the baseline with a scripted recession at the "
              "second peak of the demand cycle (month 86), "
              "the apprenticeship target the baseline with half of fund starts as apprenticeships "
              "(`variants` in targets.yaml).", "",
              "## What the fit says about the mechanisms", "", *FINDINGS, "",
              "## Targets the model does not produce", "", "| id | quantity | reason |", "|---|---|---|"]
    for t in spec.not_produced:
        lines.append(f"| {t.id} | {t.quantity} | {' '.join(t.reason.split())} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fit", type=Path, help="a FIT.csv from `fundsim calibrate --evaluate`")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    spec = load_spec(DEFAULT_SPEC)
    sc = load_scenario(DEFAULT_SCENARIO)
    if args.fit:
        fit = pd.read_csv(args.fit)
    else:
        runs = measure(spec, variant_scenarios(sc, spec), spec.evaluate_seeds,
                       lambda s, seeds: run_many(s, seeds, workers=args.workers))
        fit = fit_table(spec, runs)
    values = dict(zip([fp.path for fp in spec.free_parameters], start_point(spec, sc), strict=True))
    FIGURE.parent.mkdir(exist_ok=True)
    FIGURE.write_text(to_svg(chart(spec, fit)), encoding="utf-8")
    (DOCS / "calibration.md").write_text(markdown(spec, fit, spec.evaluate_seeds, values), encoding="utf-8")
    print(fit.to_string(index=False))
    print(f"wrote {DOCS / 'calibration.md'} and {FIGURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

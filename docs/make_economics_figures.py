"""Charts for docs/economics.md: runs the same scenarios as tests/test_economics.py and writes
small PNGs to docs/figures/, printing the numbers.

    PYTHONPATH=. .venv/bin/python docs/make_economics_figures.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from tests import test_economics as te

OUT = Path(__file__).resolve().parent / "figures"


def bars(name: str, title: str, ylabel: str, data: dict[str, np.ndarray]) -> None:
    """Mean across seeds with each seed as a dot (seeds are paired across bars)."""
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=90)
    labels = list(data)
    means = [float(np.mean(v)) for v in data.values()]
    ax.bar(labels, means, color="#8fb3d9")
    for i, v in enumerate(data.values()):
        ax.plot(np.full(len(v), i), v, "k.", ms=4)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    fig.savefig(OUT / f"{name}.png")
    plt.close(fig)
    print(name, {k: np.round(v, 3).tolist() for k, v in data.items()})


def main() -> None:
    OUT.mkdir(exist_ok=True)
    b, h = te.build, te.horizon
    bars("1_poaching", "1. Firm-financed training, no fund", "incumbent starts per worker",
         {f"poaching {pi:g}": h(b("no_fund.yaml", **{"labour.poaching_intensity": pi}),
                                "incumbent_enrolments") / te.REGION["n_workers"] for pi in (0.0, 1.0, 3.0)})
    bars("2_membership", "2. Voluntary membership", "mean member firms (of 100)",
         {f"poaching {pi:g}": np.array([r.series("firms_in_fund").mean() for r in te.runs(
             b("voluntary_matched.yaml", **{"labour.poaching_intensity": pi}))]) for pi in (0.0, 1.0, 4.0)})
    bars("2_levy", "2. Same levy and public grant", "people trained (fund + incumbent)",
         {m: (lambda sc: h(sc, "fund_enrolments") + h(sc, "incumbent_enrolments"))(
             b("baseline.yaml", **{"fund.membership": m, "fund.contributions": te.LEVY_AND_GRANT}))
          for m in ("compulsory", "voluntary")})
    bars("3_placements", "3. Placements over 60 months", "placements",
         {"no fund": h(te.no_fund(), "placements"), "baseline fund": h(te.baseline(), "placements")})
    print("cost_per_placement", np.round(h(te.baseline(), "cost_per_placement")).tolist())
    rat = te.RATIONED
    sc4 = {"no outcome pay": b("baseline.yaml", counterfactual=True, **rat,
                               **{"fund.payments": {"rules": te.NO_OUTCOMES}}),
           "outcomes heavy": b("outcomes_heavy.yaml", counterfactual=True, **rat),
           "heavy, adjusted": b("outcomes_heavy_adjusted.yaml", counterfactual=True, **rat)}
    bars("4_creaming", "4. Access under outcome pay (rationed seats)", "hard-to-serve share of starts",
         {k: h(sc, "hard_to_serve_share") for k, sc in sc4.items()})
    print("measured placed/started", {k: np.round(h(sc, "fund_placements") / h(sc, "fund_enrolments"), 3)
                                      .tolist() for k, sc in sc4.items()})
    pipes = {}
    for preset in ("recession_countercyclical.yaml", "recession_procyclical.yaml"):
        sc = b(preset, horizon=72, **{"demand.recession.start_month": te.RECESSION_START})
        pipes[preset.split("_")[1].removesuffix(".yaml")] = np.mean(
            [r.series("training_pipeline").to_numpy() for r in te.runs(sc)], axis=0)
    fig, ax = plt.subplots(figsize=(5.5, 3.2), dpi=90)
    for k, v in pipes.items():
        ax.plot(np.arange(len(v)), v, label=k)
    ax.axvspan(te.RECESSION_START, te.RECESSION_END, color="0.9")
    ax.set_title("5. People in training through a severe recession (shaded)", fontsize=10)
    ax.set_xlabel("month", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "5_recession.png")
    plt.close(fig)
    gap = {k: h(sc, "credential_rate", "job_ready") - h(sc, "credential_rate", "hard_to_serve")
           for k, sc in (("baseline", te.baseline()), ("equity_supports", b("equity_supports.yaml")))}
    bars("6_supports", "6. Credential-rate gap (job-ready - hard-to-serve)", "gap", gap)
    twin = te.baseline_twin()
    bars("7_externships", "7. Externs hired by host vs others placed", "rate",
         {"externship hire rate": h(twin, "externship_hire_rate"),
          "placement, no externship": h(twin, "nonextern_placements") / h(twin, "nonextern_exits")})
    print("placement_rate", np.round(h(twin, "placement_rate"), 3).tolist())
    bars("8_lock_in", "8. Participants' earnings gain vs no fund", "$ per person-month",
         {"in training": h(twin, "earnings_gain_in_training"),
          "after training": h(twin, "earnings_gain_after_training")})
    year2 = 100 * h(twin, "earnings_diff_year2") / h(twin, "cf_earnings_year2")
    print("year-2 gain %", np.round(year2, 1).tolist())
    dead = b("deadweight_incumbent_grants.yaml", counterfactual=True)
    useful = b("deadweight_incumbent_grants.yaml", counterfactual=True, **te.UNDER_TRAIN)
    bars("9_surplus", "9. Total surplus change over 60 months", "$ million",
         {"grants: train anyway": h(dead, "total_surplus_change") / 1e6,
          "grants: under-train": h(useful, "total_surplus_change") / 1e6,
          "baseline fund": h(twin, "total_surplus_change") / 1e6})
    anyway = h(b("no_fund.yaml", **te.TRAIN_ANYWAY), "incumbent_enrolments")
    anyway_share = anyway / h(dead, "incumbent_enrolments")
    print("incumbent starts without / with the grants", np.round(anyway_share, 3).tolist())

if __name__ == "__main__":
    main()

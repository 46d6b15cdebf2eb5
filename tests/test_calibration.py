"""Calibration: moment functions on hand-computed cases, the targets spec, parameter recovery by
the simulated-method-of-moments routine, and `fundsim calibrate` through a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration import moments as mo
from sim.calibration.simulate import measure, variant_scenarios
from sim.calibration.smm import METHODS, Calibrator
from sim.calibration.targets import DEFAULT_SPEC, Spec, check_against, load_spec
from sim.engine.runner import run_many
from sim.results import Results
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides
from sim.scenario.schema import Scenario
from tests.conftest import SCENARIOS, small_dict

ROOT = Path(__file__).resolve().parents[1]


# --- moments on hand-made results -----------------------------------------------------------------

def fake(series: dict[str, list[float]], scenario: Scenario | None = None, sector: str = "all") -> Results:
    rows = [{"month": t + 1, "metric": k, "sector": sector, "group": "all", "value": v}
            for k, vals in series.items() for t, v in enumerate(vals)]
    return Results(scenario=scenario or Scenario(horizon_months=max(12, len(next(iter(series.values()))))),
                   seed=0, metrics=pd.DataFrame(rows), ledger=pd.DataFrame())


def test_jolts_rates_pool_expansion_months_after_the_burn_in() -> None:
    T = 36
    demand = [1.0 + 0.01 * t for t in range(T)]
    demand[30:] = [0.5] * 6  # a slump: these months are not an expansion
    sc = Scenario(horizon_months=T)
    mult = {s.name: s.quit_multiplier for s in sc.region.sectors}  # 0.85, 0.7, 1.0
    frames = [fake({"demand_index": demand, "employed": [3000.0] * T, "layoffs": [45.0] * T,
                    "hires": [65.4] * T, "job_to_job_moves": [30.6] * T, "externship_hires": [3.0] * T,
                    "apprenticeship_starts": [6.0] * T}, sc).metrics]
    for name, m in mult.items():  # each sector quits in proportion to its multiplier
        frames.append(fake({"employed": [1000.0] * T, "quits": [10.0 * m] * T,
                            "job_to_job_moves": [12.0 * m] * T}, sc, sector=name).metrics)
    r = Results(scenario=sc, seed=0, metrics=pd.concat(frames, ignore_index=True), ledger=pd.DataFrame())
    months = mo.expansion_months(r)
    assert months.min() == 13 and months.max() == 30  # burn-in and the slump left out
    # Quits and job-to-job moves at the total-private mix: a multiplier-1 job's rate.
    assert mo.quits_rate([r]) == pytest.approx(2.2)
    assert mo.job_to_job_rate([r]) == pytest.approx(1.2)
    assert mo.quits_ratio_manufacturing([r]) == pytest.approx(0.7)
    assert mo.quits_ratio_health_care([r]) == pytest.approx(0.85)
    assert mo.layoffs_rate([r]) == pytest.approx(1.5)
    assert mo.hires_rate([r]) == pytest.approx(3.5)


def test_recession_moments_pool_the_regions_month_by_month() -> None:
    sc = Scenario(horizon_months=40, demand={"recession": {"enabled": True, "start_month": 20,
                                                          "duration_months": 6, "recovery_months": 6}})
    # Two regions whose own shocks peak in different months: the nation's peak is lower than the
    # mean of the regions' peaks.
    u_a = [50.0] * 40
    u_b = [50.0] * 40
    u_a[25], u_b[28] = 150.0, 150.0
    runs = [fake({"unemployed": u, "labour_force": [1000.0] * 40}, sc) for u in (u_a, u_b)]
    assert mo.unemployment_pre_recession(runs) == pytest.approx(5.0)
    assert mo.unemployment_recession_rise(runs) == pytest.approx(5.0)  # (150 + 50) / 2000 - 5%


def test_programme_moments_are_ratios_pooled_over_seeds() -> None:
    a = fake({"fund_completions": [3.0, 4.0], "fund_dropouts": [1.0, 2.0],
              "earnings_diff_year2": [100.0, 100.0], "cf_earnings_year2": [1000.0, 1000.0]})
    b = fake({"fund_completions": [0.0, 0.0], "fund_dropouts": [0.0, 0.0],
              "earnings_diff_year2": [0.0, 0.0], "cf_earnings_year2": [0.0, 0.0]})
    assert mo.credential_receipt_fund_starters([a, b]) == pytest.approx(70.0)
    assert mo.earnings_impact_year2([a, b]) == pytest.approx(10.0)


def test_apprenticeship_completion_skips_months_before_anyone_could_finish() -> None:
    sc = Scenario(horizon_months=14, phases={"system_development_months": 1, "programme_design_months": 1},
                  training={"apprenticeship_months": 6})
    drop = [5.0] * 8 + [1.0] * 6  # early exits are all dropouts
    done = [0.0] * 8 + [3.0] * 6
    r = fake({"apprenticeship_completions": done, "apprenticeship_dropouts": drop}, sc)
    assert mo.apprenticeship_completion([r]) == pytest.approx(75.0)


def test_recession_moments_measure_the_rise_from_the_year_before() -> None:
    sc = Scenario(horizon_months=40, demand={"recession": {"enabled": True, "start_month": 12,
                                                           "duration_months": 6, "recovery_months": 6}})
    u = [5.0] * 12 + [5.0 + t for t in range(6)] + [10.0] * 22
    r = fake({"unemployed": u, "labour_force": [100.0] * 40}, sc)
    assert mo.unemployment_pre_recession([r]) == pytest.approx(5.0)
    assert mo.unemployment_recession_rise([r]) == pytest.approx(5.0)


# --- the project's spec -----------------------------------------------------------------------------

def test_project_spec_is_valid_against_the_baseline() -> None:
    spec = load_spec(DEFAULT_SPEC)
    from sim.scenario.loader import load_scenario

    check_against(spec, load_scenario(SCENARIOS / "baseline.yaml"))
    assert len(spec.free_parameters) >= 1 and all(fp.why for fp in spec.free_parameters)
    assert {t.id for t in spec.targets}.isdisjoint({t.id for t in spec.not_produced})


def test_unknown_parameter_path_is_named() -> None:
    spec = Spec.model_validate({
        "seeds": [1], "evaluate_seeds": [2],
        "free_parameters": [{"path": "labour.quit_rat", "bounds": [0.0, 0.1], "why": "typo"}],
        "targets": [{"id": "T", "quantity": "q", "low": 0, "high": 1, "unit": "%", "source": "s",
                     "moment": "quits_rate"}]})
    with pytest.raises(ScenarioError) as exc:
        check_against(spec, Scenario())
    assert any(p.path.startswith("free_parameters[0].labour.quit_rat") for p in exc.value.problems)


# --- parameter recovery -----------------------------------------------------------------------------

TRUTH = {"labour.quit_rate": 0.008, "labour.job_to_job_rate": 0.014, "labour.layoff_rate": 0.010}
BOUNDS = {"labour.quit_rate": (0.002, 0.02), "labour.job_to_job_rate": (0.004, 0.03),
          "labour.layoff_rate": (0.004, 0.025)}
TOLERANCE = 0.15  # of each parameter's range


def recovery_spec(moments: dict[str, float] | None = None) -> Spec:
    names = {"Q": "quits_rate", "L": "layoffs_rate", "J": "job_to_job_rate"}
    moments = moments or {k: 1.0 for k in names}
    return Spec.model_validate({
        "seeds": [1], "evaluate_seeds": [2],
        "free_parameters": [{"path": p, "bounds": list(BOUNDS[p]), "why": "recovery test"} for p in TRUTH],
        "targets": [{"id": k, "quantity": k, "unit": "%", "source": "the model at TRUTH", "moment": m,
                     "low": moments[k] * 0.95, "high": moments[k] * 1.05} for k, m in names.items()]})


def small_world() -> Scenario:
    d = small_dict(horizon_months=60, n_workers=3000, n_firms=60)
    d["outputs"]["counterfactual"] = False  # no moment here needs the twin
    return Scenario.model_validate(d)


def test_routine_recovers_known_parameters(tmp_path: Path) -> None:
    """Moments generated by the model at TRUTH (same seeds: common random numbers) are matched
    from a start far from it (30-40% of each range away); each parameter comes back within 15% of
    its range (it comes within about 2%) in 40 evaluations. Two seeds: with one, the moments of
    this small region are step functions coarse enough to stall the finite-difference steps."""
    world = small_world()
    seeds = [1, 2]
    generated = measure(recovery_spec(), variant_scenarios(apply_overrides(world, TRUTH), recovery_spec()),
                        seeds, lambda s, sd: run_many(s, sd))
    spec = recovery_spec(generated)
    start = [0.014, 0.022, 0.018]
    out = Calibrator(spec, world, seeds, lambda s, sd: run_many(s, sd), tmp_path).run(40, x0=start)
    for (path, true), got in zip(TRUTH.items(), out.best.x, strict=True):
        lo, hi = BOUNDS[path]
        assert abs(got - true) <= TOLERANCE * (hi - lo), (path, got, true)
    # and the moments match too: within about a band width (+-5%) of each generated moment (a
    # one-seed simulated moment is a step function of the parameters, so not exactly)
    assert out.best.distance < 2.0


@pytest.mark.parametrize("method", METHODS)
def test_rerun_replays_stored_evaluations(tmp_path: Path, method: str) -> None:
    world = small_world().model_copy(update={"horizon_months": 24})
    spec = recovery_spec()
    first = Calibrator(spec, world, [1], lambda s, seeds: run_many(s, seeds), tmp_path).run(4, method=method)

    def refuse(*_a: object) -> list[Results]:
        raise AssertionError("a stored evaluation was simulated again")

    again = Calibrator(spec, world, [1], refuse, tmp_path).run(4, method=method)
    assert again.replayed == 4 and [e.x for e in again.history] == [e.x for e in first.history]
    assert np.isclose(again.best.distance, first.best.distance)


# --- the command line ---------------------------------------------------------------------------------

def fundsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from sim.cli.main import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: small\nhorizon_months: 24\n"
                        "region: {n_workers: 1500, n_firms: 30, n_providers: 4}\n"
                        "phases: {system_development_months: 1, programme_design_months: 1}\n"
                        "outputs: {counterfactual: false}\n")
    spec = tmp_path / "targets.yaml"
    spec.write_text("seeds: [1]\nevaluate_seeds: [2]\n"
                    "free_parameters:\n  - {path: labour.quit_rate, bounds: [0.002, 0.02], why: test}\n"
                    "targets:\n"
                    "  - {id: CAL01, quantity: quits, low: 2.0, high: 2.4, unit: '%', source: JOLTS, "
                    "moment: quits_rate}\n"
                    "  - {id: CAL02, quantity: layoffs, low: 1.2, high: 1.7, unit: '%', source: JOLTS, "
                    "moment: layoffs_rate}\n")
    return {"scenario": scenario, "spec": spec, "dir": tmp_path}


def test_cli_evaluate_writes_the_fit_table(files: dict[str, Path]) -> None:
    fit = files["dir"] / "fit.csv"
    r = fundsim("calibrate", "--evaluate", str(files["scenario"]), "--targets", str(files["spec"]),
                "--out", str(fit), cwd=files["dir"])
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(fit)
    assert list(table.columns) == ["id", "low", "high", "simulated", "in_band"]
    assert list(table.id) == ["CAL01", "CAL02"] and table.simulated.notna().all()


def test_cli_calibrate_writes_values_and_resumes(files: dict[str, Path]) -> None:
    out, state = files["dir"] / "calibrated.yaml", files["dir"] / "state"
    args = ("calibrate", str(files["scenario"]), "--targets", str(files["spec"]), "--budget", "3",
            "--state", str(state), "--out", str(out))
    first = fundsim(*args, cwd=files["dir"])
    assert first.returncode == 0, first.stderr
    assert "quit_rate:" in out.read_text() and out.read_text().startswith("# Calibrated")
    again = fundsim(*args, cwd=files["dir"])
    assert again.returncode == 0 and again.stderr.count("(replayed)") == 3, again.stderr


@pytest.mark.parametrize(("extra", "field"), [
    (("--budget", "0"), "--budget:"),
    (("--workers", "0"), "--workers:"),
    (("--method", "newton"), "--method:"),
    (("--targets", "/nonexistent/targets.yaml"), "<file>:"),
])
def test_cli_bad_input_exits_2(files: dict[str, Path], extra: tuple[str, ...], field: str) -> None:
    r = fundsim("calibrate", str(files["scenario"]), "--targets", str(files["spec"]), *extra,
                cwd=files["dir"])
    assert r.returncode == 2 and field in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_cli_bad_parameter_path_and_scenario_exit_2(files: dict[str, Path]) -> None:
    spec = files["dir"] / "bad.yaml"
    spec.write_text(files["spec"].read_text().replace("labour.quit_rate", "labour.quit_rat"))
    r = fundsim("calibrate", str(files["scenario"]), "--targets", str(spec), cwd=files["dir"])
    assert r.returncode == 2 and "free_parameters[0].labour.quit_rat:" in r.stderr, r.stderr
    r = fundsim("calibrate", "--evaluate", "missing.yaml", "--targets", str(files["spec"]), cwd=files["dir"])
    assert r.returncode == 2 and "missing.yaml" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("damage", ["truncated", "empty", "no moments", "moments a list"])
def test_cli_resumes_past_damaged_state_files(files: dict[str, Path], damage: str) -> None:
    """A state file cut short (a crash, a full disk) or of the wrong shape is simulated again."""
    out, state = files["dir"] / "calibrated.yaml", files["dir"] / "state"
    args = ("calibrate", str(files["scenario"]), "--targets", str(files["spec"]), "--budget", "2",
            "--state", str(state), "--out", str(out))
    assert fundsim(*args, cwd=files["dir"]).returncode == 0
    stored = sorted((state / "evaluations").glob("*.json"))
    assert len(stored) == 2
    text = stored[0].read_text()
    stored[0].write_text({"truncated": text[: len(text) // 2], "empty": "", "no moments": '{"x": [0.01]}',
                          "moments a list": '{"moments": [1, 2]}'}[damage])
    again = fundsim(*args, cwd=files["dir"])
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert again.stderr.count("(replayed)") == 1 and again.stderr.count("(simulated)") == 1, again.stderr

"""Policies as factors: whole scenario files or named sets of rules as the levels of a lever
`policy`, crossed with an uncertainty design (EMA's scenarios x policies), each policy bringing
its funding rules and nothing of its world."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_sweep_common import BASELINE, write_spec
from typer.testing import CliRunner

import sim.sweep
from sim.cli.main import app
from sim.scenario.loader import load_scenario, scenario_to_yaml
from sim.sweep.design import make_points
from sim.sweep.engine import build, run_sweep
from sim.sweep.regret import robustness
from sim.sweep.spec import load_spec

SCENARIOS = BASELINE.parent
LEAN = {"fund.payments.rules": [{"kind": "upfront", "share": 0.5}, {"kind": "on_placement", "share": 0.5}],
        "fund.admin_share": 0.03}
DEPTH = "demand.recession.depth"


def _policies(**extra: object) -> dict:
    return {"as_base": str(BASELINE), "levy": str(SCENARIOS / "uk_levy.yaml"), "lean": LEAN, **extra}


def test_scenario_files_and_rule_sets_crossed_with_a_latin_hypercube(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, design="lhs", samples=3, replications=1, policies=_policies(), levers={},
                      uncertainties={DEPTH: {"low": 0.0, "high": 0.2}})
    plan = load_spec(spec)
    # the base file as a policy brings nothing: the spec's fixed `set` (phases of 1 month) holds
    assert plan.policies["as_base"] == {} and plan.policies["lean"] == LEAN
    points = make_points(plan)
    assert len(points.values) == 9 and points.unit.shape == (9, 2)
    assert {sc.phases.system_development_months for sc in points.scenarios} == {1}
    by_policy = {}
    for v, sc in zip(points.values, points.scenarios, strict=True):
        by_policy.setdefault(v["policy"], []).append(v[DEPTH])
        # the world is the spec's (its region, its sampled recession), whatever the policy file says
        assert (sc.region.n_workers, sc.horizon_months, sc.demand.recession.depth) == (800, 24, v[DEPTH])
        kinds = [c.kind for c in sc.fund.contributions]
        if v["policy"] == "levy":  # the levy file's funding rules, taken whole
            assert kinds[0] == "payroll_levy" and sc.fund.reserves.kind == "procyclical"
            assert sc.training.apprenticeship_share == 1.0
        else:
            assert kinds == ["matched_contributions", "public_match"]
        if v["policy"] == "lean":
            assert [r.kind for r in sc.fund.payments.rules] == ["upfront", "on_placement"]
            assert sc.fund.admin_share == 0.03
    assert list(by_policy) == ["as_base", "levy", "lean"]
    assert by_policy["as_base"] == by_policy["levy"] == by_policy["lean"]  # crossed: the same worlds
    out = tmp_path / "out"
    report = run_sweep(plan, out, workers=2)
    assert (report.total, report.ran, report.failed) == (9, 9, [])
    runs = sim.sweep.load(out, kind="horizon")
    assert sorted(runs.policy.unique()) == ["as_base", "lean", "levy"]
    frame = robustness(out, "placements")
    assert sorted(frame.policy) == ["policy=as_base", "policy=lean", "policy=levy"]
    assert (frame.worlds == 3).all() and frame.max_regret.min() == 0
    result = CliRunner().invoke(app, ["discover", str(out), "--outcome", "fund_balance", "--threshold",
                                      str(runs[(runs.metric == "fund_balance") & (runs.sector == "all")
                                               & (runs.group == "all")].value.median())])
    assert result.exit_code == 0, result.stderr


def test_a_grid_crosses_policies_with_levers_on_top_and_uncertainties(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, policies={"levy": str(SCENARIOS / "uk_levy.yaml"), "lean": LEAN},
                      levers={"fund.incumbent_budget_share": {"levels": [0.1, 0.3]}},
                      uncertainties={DEPTH: {"levels": [0.02, 0.2]}})
    points = make_points(load_spec(spec))
    assert len(points.values) == 2 * 2 * 2
    for v, sc in zip(points.values, points.scenarios, strict=True):
        assert sc.fund.incumbent_budget_share == v["fund.incumbent_budget_share"]  # on top of the policy


def test_editing_a_policy_file_makes_other_runs_and_another_sweep(tmp_path: Path) -> None:
    policy = tmp_path / "mine.yaml"
    policy.write_text(scenario_to_yaml(load_scenario(SCENARIOS / "outcomes_heavy.yaml")))
    spec = write_spec(tmp_path, replications=1, policies={"mine": "mine.yaml", "lean": LEAN}, levers={})
    before = load_spec(spec)
    manifest, _ = build(before)
    data = yaml.safe_load(policy.read_text())
    data["fund"]["admin_share"] = 0.07
    policy.write_text(yaml.safe_dump(data))
    after = load_spec(spec)
    again, _ = build(after)
    assert before.digest() != after.digest()
    def ids(m: dict, policy: str) -> set[str]:
        return {r["run_id"] for r in m["runs"] if m["points"][r["point"]]["params"]["policy"] == policy}

    assert ids(manifest, "mine") and not ids(manifest, "mine") & ids(again, "mine")
    assert ids(manifest, "lean") == ids(again, "lean")  # the unchanged policy keeps its runs
    assert after.policies["mine"]["fund.admin_share"] == 0.07


@pytest.mark.parametrize(("changes", "expected"), [
    ({"design": "sobol", "samples": 2, "policies": {"lean": LEAN}},
     "policies: policies are crossed with a grid or lhs design"),
    ({"design": "lhs", "samples": 4, "policies": {"lean": LEAN}, "levers": {}, "uncertainties": {}},
     "policies: the lhs design samples levers or uncertainties"),
    ({"policies": {"gone": "no_such_file.yaml"}}, "policies.gone: "),
    ({"policies": {"\x1b[31mred": LEAN}}, "a policy name is 1-60 letters"),
    ({"policies": {"world": {DEPTH: 0.1}}},
     f"policies.world.{DEPTH}: {DEPTH} is not a funding rule (a lever)"),
    ({"policies": {"half": {"fund.payments.rules": [{"kind": "upfront", "share": 0.5}]}}},
     "policies.half: fund.payments: payment rule shares must sum to 1"),
    ({"policies": {"five": 5}}, "policies.five: give a scenario file"),
    ({"policies": {"typo": {"fund.admin_shar": 0.1}}}, "policies.typo: fund.admin_shar: unknown field"),
])
def test_bad_policies_exit_2_naming_the_policy(tmp_path: Path, changes: dict, expected: str) -> None:
    spec = write_spec(tmp_path, **changes)
    result = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert "\x1b" not in result.stderr  # a name's escape codes never reach the terminal
    assert not (tmp_path / "out").exists()

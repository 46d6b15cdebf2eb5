"""Sweep specs: bad ones exit 2 naming the problem; good ones give the right design points."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sweep_common import TINY, write_spec
from typer.testing import CliRunner

from sim.cli.main import app
from sim.scenario.dated import Step
from sim.scenario.errors import ScenarioError
from sim.sweep.design import make_points
from sim.sweep.spec import load_spec, plan_from_data


def _sweep_cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(("changes", "expected"), [
    ({"levers": {"fund.contribution[0].annual_total": {"levels": [1, 2]}}},
     "levers.fund.contribution[0].annual_total: unknown field 'contribution'"),
    ({"uncertainties": {"demand.recession.depht": {"low": 0.0, "high": 0.1}}, "design": "lhs", "samples": 4},
     "uncertainties.demand.recession.depht: unknown field 'depht'"),
    ({"uncertainties": {"demand.recession.depth": {"low": 0.2, "high": 0.2}}, "design": "lhs", "samples": 4},
     "empty range"),
    ({"uncertainties": {"demand.recession.depth": {"levels": []}}},
     "uncertainties.demand.recession.depth.levels"),
    ({"design": "factorial"}, "design:"),
    ({"uncertainties": {"demand.recession.depth": {"low": 0.1, "high": 0.9}}, "design": "lhs", "samples": 4},
     "outside the parameter's bounds"),
    ({"uncertainties": {"fund.admin_share": {"levels": [0.05, 0.1]}}}, "belongs under levers"),
    ({"outcomes": ["fund_balanse"]}, "outcomes[0]: unknown metric; did you mean fund_balance"),
    ({"design": "sobol", "samples": 6}, "samples: the sobol design needs a power of 2"),
    ({"design": "lhs"}, "samples: the lhs design needs samples"),
    ({"levers": {"fund.contributions[0].annual_total": {"low": 1, "high": 9}}},
     "the grid design needs levels"),
    ({"replicatons": 3}, "replicatons"),
    ({"base": "missing.yaml"}, "file not found"),
    ({"levers": {"fund.contributions[0].annual_total": {"levels": list(range(10_000, 1_010_000, 1000))}},
      "uncertainties": {"demand.recession.depth": {"levels": [i / 2000 for i in range(1000)]}}},
     "the grid design makes 1,000,000 design points, more than the limit of 100,000"),
    ({"design": "lhs", "samples": 100_000, "replications": 10_000,
      "levers": {"fund.contributions[0].annual_total": {"low": 50000, "high": 90000}}, "uncertainties": {}},
     "replications: 100,000 design points x 10,000 seeds is 1,000,000,000 runs, more than the limit"),
    ({"levers": {"fund.contributions[0].annual_total": {"levels": [100000, 100000.0]}}},
     "levels repeat a value (100000 and 100000.0 are the same level)"),
    ({"uncertainties": {"demand.recession.depth": {"levels": [0.1, 1e-1]}}}, "levels repeat a value"),
    ({"region": {"n_workers": 200, "n_firms": 500}}, "region: n_firms cannot exceed n_workers"),
    ({"design": "lhs", "samples": 8, "second_order": True},
     "second_order: second-order indices come from the sobol design only"),
])
def test_bad_specs_exit_2_naming_the_problem(tmp_path: Path, changes: dict, expected: str) -> None:
    spec = write_spec(tmp_path, **changes)
    code, err = _sweep_cli(["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert code == 2, err
    assert expected in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing run, nothing written


def test_problems_carry_the_spec_file_line(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, design="latin")
    with pytest.raises(ScenarioError) as e:
        load_spec(spec)
    (line,) = e.value.lines()
    assert line.startswith("design: ") and "latin" in line and f"[{spec} line " in line


def test_grid_is_every_combination_and_sampled_designs_keep_bounds() -> None:
    grid = make_points(plan_from_data(dict(TINY), "<dict>", None))
    assert len(grid.values) == 4 and grid.unit is None
    assert {tuple(v.values()) for v in grid.values} == {(a, d) for a in (60000, 250000) for d in (0.02, 0.2)}
    spec = {**TINY, "design": "lhs", "samples": 5,
            "levers": {"fund.contributions[0].annual_total": {"low": 50000, "high": 90000},
                       "fund.membership": {"levels": ["compulsory", "voluntary"]}},
            "uncertainties": {"demand.recession.start_month": {"low": 3, "high": 12}}}
    lhs = make_points(plan_from_data(spec, "<dict>", None))
    assert len(lhs.values) == 5 and lhs.unit.shape == (5, 3)
    for v in lhs.values:
        assert 50000 <= v["fund.contributions[0].annual_total"] <= 90000
        assert v["fund.membership"] in ("compulsory", "voluntary")
        assert isinstance(v["demand.recession.start_month"], int)
    again = make_points(plan_from_data(spec, "<dict>", None))
    assert again.values == lhs.values  # the sampler is seeded
    sobol = make_points(plan_from_data({**spec, "design": "sobol", "samples": 4}, "<dict>", None))
    assert len(sobol.values) == 4 * (3 + 2)
    morris = make_points(plan_from_data({**spec, "design": "morris", "samples": 3}, "<dict>", None))
    assert len(morris.values) == 3 * (3 + 1)


def test_cli_option_problems_exit_2(tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    code, err = _sweep_cli(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert code == 2 and "--workers: must be at least 1" in err
    code, err = _sweep_cli(["sweep", str(spec), "--out", str(tmp_path / "o"),
                            "--scheduler", "localhost:8786"])
    assert code == 2 and "--scheduler: write the address as tcp://HOST:PORT" in err
    code, err = _sweep_cli(["sweep", "status", str(tmp_path / "nowhere")])
    assert code == 2 and "DIR: no such folder" in err


def test_fixed_overrides_are_checked_together_as_run_set_checks_them(tmp_path: Path) -> None:
    """n_firms 5 is fine with n_workers 200, though the base's n_firms (20) alone would exceed it."""
    plan = load_spec(write_spec(tmp_path, region={"n_workers": 200, "n_firms": 5}))
    assert (plan.base.region.n_workers, plan.base.region.n_firms) == (200, 5)


def test_workers_are_capped_to_the_cores_and_it_says_so(tmp_path: Path) -> None:
    from sim.processes import usable_cores

    spec = write_spec(tmp_path, levers={"fund.contributions[0].annual_total": {"levels": [60000]}},
                      uncertainties={"demand.recession.depth": {"levels": [0.02]}})
    out = str(tmp_path / "o")
    result = CliRunner().invoke(app, ["sweep", str(spec), "--out", out, "--workers", "100000"])
    assert result.exit_code == 0, result.stderr
    cores = usable_cores()
    assert f"--workers 100000 is more than this machine's {cores} core(s); using {cores}" in result.stderr
    assert f"on {cores} local worker(s)" in result.stdout and "100000 local" not in result.stdout


SCHEDULE_A = [{"kind": "upfront", "share": 0.5}, {"kind": "on_placement", "share": 0.5}]
SCHEDULE_B = [{"kind": "upfront", "share": 0.2}, {"kind": "on_completion", "share": 0.3},
              {"kind": "on_placement", "share": 0.5}]


def test_whole_rule_lists_are_levels_of_one_composite_lever(tmp_path: Path) -> None:
    """A payment schedule's shares must sum to 1, so they change together: each level is a whole
    schedule, crossed with the uncertainties like any lever, and analysed like any factor."""
    import pandas as pd

    import sim.sweep
    from sim.sweep.engine import run_sweep
    from sim.sweep.regret import robustness

    spec = write_spec(tmp_path, replications=1, levers={"fund.payments.rules": {"levels": [SCHEDULE_A,
                                                                                          SCHEDULE_B]}})
    report = run_sweep(load_spec(spec), tmp_path / "out", workers=2)
    assert (report.ran, report.failed) == (4, [])
    runs = sim.sweep.load(tmp_path / "out", kind="horizon")
    assert runs["fund.payments.rules"].nunique() == 2
    table = sim.sweep.summary(tmp_path / "out", ["placements"])
    assert len(table) == 4 and table["mean"].notna().all()
    frame = robustness(tmp_path / "out", "placements")
    assert len(frame) == 2 and (frame.worlds == 2).all()
    pd.testing.assert_series_equal(frame.max_regret.sort_values(ignore_index=True).iloc[:1],
                                   pd.Series([0.0], name="max_regret"))


@pytest.mark.parametrize(("levers", "expected"), [
    ({"fund.payments.rules": {"levels": [[{"kind": "upfront", "share": 0.5}]]}},
     "levers.fund.payments.rules.levels[0]: fund.payments: payment rule shares must sum to 1"),
    ({"fund.payments.rules": {"levels": [SCHEDULE_A, "upfront"]}}, "levers.fund.payments.rules.levels[1]"),
    ({"fund.payments.rulez": {"levels": [SCHEDULE_A]}}, "unknown field 'rulez' in fund.payments"),
    ({"fund.payments.rules[0].share": {"levels": [0.2, 0.3]}},
     "payment rule shares must sum to 1 (they sum to 1.1000), or give tranches money amounts; to change "
     "parts that must agree together, "
     "vary the whole list: levers.fund.payments.rules: {levels: [[...], [...]]}"),
    ({"demand": {"levels": [{}]}},
     "levers.demand: holds uncertainty parameters, so it belongs under uncertainties"),
])
def test_bad_composite_levels_are_named(tmp_path: Path, levers: dict, expected: str) -> None:
    code, err = _sweep_cli(["sweep", str(write_spec(tmp_path, levers=levers)), "--out", str(tmp_path / "o")])
    assert code == 2 and expected in err, err


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "scenarios" / "sweeps")
                                        .glob("*.yaml")), ids=lambda p: p.name)
def test_example_specs_are_valid_and_make_their_design(path: Path) -> None:
    plan = load_spec(path)
    points = make_points(plan)
    assert len(points.values) == len(points.scenarios) >= 4
    if plan.policies:  # every policy meets the same sampled worlds
        worlds = {}
        for v in points.values:
            worlds.setdefault(v["policy"], []).append({k: x for k, x in v.items() if k != "policy"})
        first = next(iter(worlds.values()))
        assert len(worlds) == len(plan.policies) and all(w == first for w in worlds.values())


DATED = [{"from": 1, "value": 60000.0}, {"from": 13, "value": 0.0}]  # a contribution holiday from month 13


def test_a_dated_lever_is_varied_like_any_lever() -> None:
    """Dated levers need no sweep code of their own: levels may be plain values or steps; a range
    on a lever the base writes as steps varies it as a plain value within the steps' bounds; one
    step's value is a lever of its own."""
    path = "fund.contributions[0].annual_total"
    grid = make_points(plan_from_data({**TINY, "levers": {path: {"levels": [60000, DATED]}}}, "<dict>", None))
    totals = {sc.fund.contributions[0].annual_total for sc in grid.scenarios}
    assert totals == {60000.0, tuple(Step.model_validate(s) for s in DATED)}

    dated_base = {**TINY, "set": {**TINY["set"], path: DATED}, "design": "lhs", "samples": 4}
    ranged = make_points(plan_from_data({**dated_base, "levers": {path: {"low": 1000, "high": 90000}}},
                                        "<dict>", None))
    got = [sc.fund.contributions[0].annual_total for sc in ranged.scenarios]
    assert all(isinstance(v, float) and 1000 <= v <= 90000 for v in got) and len(set(got)) > 1

    one_step = {f"{path}[1].value": {"low": 0, "high": 90000}}
    step = make_points(plan_from_data({**dated_base, "levers": one_step}, "<dict>", None))
    for sc in step.scenarios:
        first, second = sc.fund.contributions[0].annual_total
        assert (first.start, first.value, second.start) == (1, 60000.0, 13) and 0 <= second.value <= 90000

    with pytest.raises(ScenarioError, match="outside the parameter's bounds"):
        plan_from_data({**dated_base, "levers": {path: {"low": -5, "high": 90000}}}, "<dict>", None)

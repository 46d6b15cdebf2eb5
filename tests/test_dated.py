"""Dated values (sim/scenario/dated.py): any dated lever is a plain value or steps each in force
from a month; bad steps get an error naming the field and the step; every face that lists
parameters (params, docs, app editor, sweeps) sees the steps as rows; overrides set a step or
replace the whole value with a plain one."""

from __future__ import annotations

import pytest

from sim.scenario.dated import Step, at, describe
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides, load_scenario_dict, load_scenario_text, scenario_to_yaml
from sim.scenario.params import iter_parameters

HOLIDAY = [{"from": 1, "value": 0.01}, {"from": 13, "value": 0.0}, {"from": 19, "value": 0.008}]


def levy(rate: object) -> dict:
    return {"fund": {"contributions": [{"kind": "payroll_levy", "rate": rate}]}}


def test_value_in_force_at_each_month() -> None:
    steps = load_scenario_dict(levy(HOLIDAY)).fund.contributions[0].rate
    assert [at(steps, m) for m in (0, 1, 12, 13, 18, 19, 600)] == [0.01, 0.01, 0.01, 0.0, 0.0, 0.008, 0.008]
    assert at(0.25, 7) == 0.25
    assert describe(steps) == "0.01 from month 1; 0 from month 13; 0.008 from month 19"


@pytest.mark.parametrize(("rate", "message"), [
    (0.5, "fund.contributions[0].rate: must be between 0 and 0.2 (you gave 0.5)"),
    ([{"from": 1, "value": 0.01}, {"from": 13, "value": 0.5}],
     "fund.contributions[0].rate: step 2 (from month 13): value must be between 0 and 0.2 (you gave 0.5)"),
    ([{"from": 2, "value": 0.01}], "fund.contributions[0].rate: the first step must start at month 1"),
    ([{"from": 1, "value": 0.01}, {"from": 1, "value": 0.02}],
     "fund.contributions[0].rate: step 2: months must increase (from: 1 follows from: 1)"),
    ([], "fund.contributions[0].rate: a dated value needs at least one step"),
    ([{"from": 1, "value": "x"}], "fund.contributions[0].rate[0].value: must be a number"),
    ([{"from": 1}], "fund.contributions[0].rate[0].value: required field 'value' is missing"),
    ([{"from": 1, "value": 0.1, "to": 3}],
     "fund.contributions[0].rate[0].to: unknown field 'to'; allowed fields here: from, value"),
    ([{"from": 0, "value": 0.1}], "fund.contributions[0].rate[0].from: must be at least 1 (you gave 0)"),
])
def test_bad_dated_values_name_the_field_and_the_step(rate: object, message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario_dict(levy(rate))
    assert len(err.value.problems) == 1, str(err.value)
    assert str(err.value).startswith(message), str(err.value)


def test_steps_are_parameter_rows_with_the_fields_unit_and_bounds() -> None:
    rows = {r["path"]: r for r in iter_parameters(load_scenario_dict(levy(HOLIDAY)))}
    base = "fund.contributions[0].rate"
    assert base not in rows
    assert rows[f"{base}[1].from"]["value"] == 13 and rows[f"{base}[1].from"]["unit"] == "month"
    value = rows[f"{base}[2].value"]
    assert (value["value"], value["unit"], value["min"], value["max"], value["role"]) == \
        (0.008, "share of payroll", 0, 0.2, "lever")
    plain = {r["path"]: r for r in iter_parameters(load_scenario_dict(levy(0.01)))}
    assert (plain[base]["min"], plain[base]["max"]) == (0, 0.2)  # a plain value keeps its bounds


def test_overrides_set_a_step_or_replace_the_steps_with_a_plain_value() -> None:
    sc = load_scenario_dict(levy(HOLIDAY))
    edited = apply_overrides(sc, {"fund.contributions[0].rate[1].value": "0.002"})
    assert [s.value for s in edited.fund.contributions[0].rate] == [0.01, 0.002, 0.008]
    assert apply_overrides(sc, {"fund.contributions[0].rate": "0.003"}).fund.contributions[0].rate == 0.003
    with pytest.raises(ScenarioError, match=r"rate: step 2 \(from month 13\): value must be between"):
        apply_overrides(sc, {"fund.contributions[0].rate[1].value": "0.9"})


def test_dated_values_survive_yaml_export_and_the_no_fund_twin() -> None:
    sc = load_scenario_dict(levy(HOLIDAY))
    text = scenario_to_yaml(sc)
    assert "- from: 13" in text
    again = load_scenario_text(text)
    assert again.fund.contributions[0].rate == sc.fund.contributions[0].rate
    assert again.digest() == sc.digest()
    assert sc.counterfactual().fund.contributions[0].rate == (Step(start=1, value=0.01),
                                                              Step(start=13, value=0.0),
                                                              Step(start=19, value=0.008))


def test_the_app_editor_shows_and_edits_the_steps_without_its_own_widget() -> None:
    """The editor finds a dated lever from the schema and shows it as one table (rows of a month
    and the value in its display unit); a submitted table replaces the whole dated value."""
    from sim.app.editor import edits_from_values, field_specs

    sc = load_scenario_dict(levy(HOLIDAY))
    specs = {s.path: s for s in field_specs(sc)}
    rate = specs["fund.contributions[0].rate"]
    assert rate.widget == "dated" and rate.scale == 100  # a share, typed as %
    assert [(m, round(v, 9)) for m, v in rate.shown] == [(1, 1.0), (13, 0.0), (19, 0.8)]
    assert not any(p.startswith("fund.contributions[0].rate[") for p in specs)  # no widget per step
    table = [{"From month": 1, rate.value_column: 1.0}, {"From month": 10, rate.value_column: 0.5},
             {"From month": 19, rate.value_column: 0.8}]  # 0.5% of payroll from month 10
    edits, problems = edits_from_values(list(specs.values()), {rate.path: table}, sc)
    assert not problems
    edited = apply_overrides(sc, edits).fund.contributions[0].rate
    assert [(s.start, s.value) for s in edited] == [(1, 0.01), (10, 0.005), (19, 0.008)]


def test_a_sweep_varies_a_step_or_sets_the_whole_lever_to_a_plain_value(tmp_path) -> None:
    from sim.sweep.spec import plan_from_data

    base = tmp_path / "dated.yaml"
    base.write_text(scenario_to_yaml(load_scenario_dict(levy(HOLIDAY))))
    for path in ("fund.contributions[0].rate[1].value", "fund.contributions[0].rate"):
        plan = plan_from_data({"base": str(base), "design": "grid", "outcomes": ["enrolments"],
                               "levers": {path: {"levels": [0.0, 0.01]}}}, "<dict>", None)
        assert [f.path for f in plan.factors] == [path]
    with pytest.raises(ScenarioError, match=r"outside the parameter's bounds \[0, 0.2\]"):
        plan_from_data({"base": str(base), "design": "grid", "outcomes": ["enrolments"],
                        "levers": {"fund.contributions[0].rate[1].value": {"levels": [0.0, 0.5]}}},
                       "<dict>", None)

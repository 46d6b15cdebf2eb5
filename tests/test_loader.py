"""Scenario loading: safety checks, extends, plain-words errors with paths and lines, overrides,
YAML export."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from sim.rules.contributions import PayrollLevy, PublicTopUp
from sim.rules.payments import OnCompletion, OnPlacement, Upfront
from sim.rules.reserves import ProCyclical
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import (
    MAX_BYTES,
    apply_overrides,
    load_scenario,
    load_scenario_dict,
    load_scenario_text,
    read_yaml_safely,
    scenario_to_yaml,
)
from sim.scenario.schema import Scenario


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(exc: pytest.ExceptionInfo[ScenarioError]) -> dict[str, Problem]:
    return {p.path: p for p in exc.value.problems}


# --- valid files and extends --------------------------------------------------------------------

def test_minimal_file(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, "s.yaml", "name: x\n"))
    assert s == Scenario(name="x")


def test_extends_and_override(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "name: base\nfund:\n  admin_share: 0.1\n  credit_line: 5\n"
          "region:\n  n_firms: 200\n")
    child = write(tmp_path, "reform.yaml", "extends: base.yaml\nname: reform\nfund:\n  admin_share: 0.2\n")
    s = load_scenario(child)
    assert s.name == "reform"
    assert s.fund.admin_share == 0.2  # child wins
    assert s.fund.credit_line == 5  # mappings merge: sibling key kept from the parent
    assert s.region.n_firms == 200


def test_extends_chain_lists_replace_and_kind_change(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: a\nhorizon_months: 60\nfund:\n  contributions:\n"
          "    - kind: payroll_levy\n      rate: 0.01\n    - kind: public_top_up\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub, "b.yaml", "extends: ../a.yaml\nname: b\nfund:\n  reserves:\n    kind: procyclical\n")
    c = write(tmp_path, "c.yaml", "extends: sub/b.yaml\nfund:\n  contributions:\n    - kind: public_top_up\n"
              "      rate: 0.2\n")
    s = load_scenario(c)
    assert s.name == "b" and s.horizon_months == 60
    assert s.fund.contributions == [PublicTopUp(rate=0.2)]  # lists replace wholesale
    assert s.fund.reserves == ProCyclical()  # another kind replaces the parent's mapping


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(tmp_path / "a.yaml")
    p = problems(exc)["extends"]
    assert "cycle" in p.message and "a.yaml -> b.yaml -> a.yaml" in p.message
    assert p.line == 1


def test_extends_missing_parent(tmp_path: Path) -> None:
    child = write(tmp_path, "c.yaml", "name: c\nextends: nowhere.yaml\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    p = problems(exc)["extends"]
    assert "nowhere.yaml" in p.message and "not found" in p.message
    assert p.line == 2 and p.file == str(child)


def test_errors_point_into_the_right_file(tmp_path: Path) -> None:
    parent = write(tmp_path, "base.yaml", "name: base\nfund:\n  admin_share: 0.9\n")
    child = write(tmp_path, "c.yaml", "extends: base.yaml\n\nregion:\n  n_firms: 1\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    by = problems(exc)
    assert by["fund.admin_share"].file == str(parent) and by["fund.admin_share"].line == 3
    assert by["region.n_firms"].file == str(child) and by["region.n_firms"].line == 4


def test_replaced_list_errors_point_into_the_child(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "fund:\n  contributions:\n    - kind: payroll_levy\n      rate: 0.01\n"
          "    - kind: public_top_up\n      rate: 9\n")
    child = write(tmp_path, "c.yaml", "extends: base.yaml\nfund:\n  contributions:\n    - kind: seed_grant\n"
                  "    - kind: payroll_levy\n      rate: 0.5\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert exc.value.lines() == [
        f"fund.contributions[1].rate: must be between 0 and 0.2 (you gave 0.5) [{child} line 6]"]


def test_upload_may_not_extend_outside_base_dir(tmp_path: Path) -> None:
    write(tmp_path, "secret.yaml", "name: s\n")
    inside = tmp_path / "scenarios"
    inside.mkdir()
    write(inside, "base.yaml", "name: base\nhorizon_months: 24\n")
    assert load_scenario_text("extends: base.yaml\n", base_dir=inside).horizon_months == 24
    with pytest.raises(ScenarioError, match="must be inside"):
        load_scenario_text("extends: ../secret.yaml\n", base_dir=inside)
    with pytest.raises(ScenarioError, match="no folder"):
        load_scenario_text("extends: base.yaml\n")


# --- validation messages ------------------------------------------------------------------------

def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "s.yaml", "name: x\nfund:\n  admin_shar: 0.1\n"))
    p = problems(exc)["fund.admin_shar"]
    assert "unknown field" in p.message and "did you mean 'admin_share'" in p.message
    assert "allowed fields here:" in p.message and "credit_line" in p.message
    assert p.line == 3


def test_out_of_range_names_bounds_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: x\nfund:\n  contributions:\n    - kind: payroll_levy\n"
                 "      rate: 1.5\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    text = str(exc.value)
    assert text == f"fund.contributions[0].rate: must be between 0 and 0.2 (you gave 1.5) [{path} line 5]"


def test_one_sided_bound(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text("region:\n  sectors:\n    - name: a\n      employment_share: 1\n"
                           "      shock_persistence: 1\n")
    p = problems(exc)["region.sectors[0].shock_persistence"]
    assert p.message == "must be at least 0 and less than 1" and p.line == 5


def test_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "s.yaml", "name: x\nregion:\n  n_workers: many\n"))
    p = problems(exc)["region.n_workers"]
    assert "whole number" in p.message and p.given == "many" and p.line == 3


def test_bad_kind_lists_allowed_kinds(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "s.yaml", "fund:\n  contributions:\n    - kind: payrol_levy\n"))
    p = problems(exc)["fund.contributions[0].kind"]
    assert "allowed kinds:" in p.message
    for kind in ("payroll_levy", "public_match", "seed_grant", "none"):
        assert kind in p.message
    assert "did you mean 'payroll_levy'" in p.message
    assert p.given == "payrol_levy" and p.line == 3


def test_several_errors_at_once(tmp_path: Path) -> None:
    text = ("name: x\nhorizon_months: 6\nfund:\n  membership: sometimes\n  admin_share: -1\n"
            "outputs:\n  counterfactual: maybe\nbogus: 1\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "s.yaml", text))
    by = problems(exc)
    assert set(by) == {"horizon_months", "fund.membership", "fund.admin_share", "outputs.counterfactual",
                       "bogus"}
    assert by["horizon_months"].line == 2 and "between 12 and 600" in by["horizon_months"].message
    assert "compulsory, voluntary" in by["fund.membership"].message and by["fund.membership"].line == 4
    assert "true or false" in by["outputs.counterfactual"].message
    assert by["bogus"].line == 8
    assert len(exc.value.lines()) == 5 and str(exc.value).count("\n") == 4


def test_missing_field_uses_parent_line_and_model_errors() -> None:
    text = "name: x\nregion:\n  sectors:\n    - employment_share: 1\n"
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text)
    p = problems(exc)["region.sectors[0].name"]
    assert "missing" in p.message and p.line == 4 and p.file == "<upload>"
    with pytest.raises(ScenarioError, match="sum to 1"):
        load_scenario_text("region:\n  sectors:\n    - {name: a, employment_share: 0.5}\n")


def test_problem_format() -> None:
    assert Problem("a.b", "bad", 3, 4, "f.yaml").format() == "a.b: bad (you gave 3) [f.yaml line 4]"
    assert Problem("a.b", "bad").format() == "a.b: bad"


# --- file safety --------------------------------------------------------------------------------

def test_malformed_yaml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "s.yaml", "name: x\nfund:\n  admin_share: [0.1\n  credit_line: 3\n"))
    p = exc.value.problems[0]
    assert p.path == "<file>" and "malformed YAML" in p.message and "column" in p.message
    assert p.line is not None and p.line >= 3


def test_python_tag_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "s.yaml", text))
    p = exc.value.problems[0]
    assert "!!python/object/apply:os.system" in p.message and "not allowed" in p.message
    assert p.path == "name" and p.line == 1
    assert not marker.exists()


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{cur}: &{cur} [{', '.join([f'*{prev}'] * 9)}]")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "s.yaml", "\n".join(lines) + "\n"))
    assert "YAML aliases (*name) are not allowed" in str(exc.value)
    assert exc.value.problems[0].line == 1


def test_duplicate_key(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write(tmp_path, "s.yaml", "name: a\nname: b\n"))
    assert "duplicate key (already set at line 1)" in str(exc.value)


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n" + "#" * MAX_BYTES + "\n")
    with pytest.raises(ScenarioError, match="too large"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="too large"):
        load_scenario_text("x" * (MAX_BYTES + 1))


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(ScenarioError, match="binary"):
        load_scenario(binary)
    latin = tmp_path / "l.yaml"
    latin.write_bytes(b"name: x\ndescription: caf\xe9\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(latin)
    assert "not UTF-8" in str(exc.value) and exc.value.problems[0].line == 2


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(tmp_path / "nope.yaml")
    assert "file not found" in str(exc.value) and "nope.yaml" in str(exc.value)
    with pytest.raises(ScenarioError, match="directory"):
        load_scenario(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: x\n")
    path.chmod(0)
    with pytest.raises(ScenarioError, match="permission denied"):
        load_scenario(path)


def test_top_level_must_be_mapping(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"top level must be a mapping.*not a list"):
        load_scenario(write(tmp_path, "s.yaml", "- name: x\n"))
    with pytest.raises(ScenarioError, match="empty"):
        load_scenario(write(tmp_path, "e.yaml", "# nothing\n"))
    with pytest.raises(ScenarioError, match="top level must be a mapping"):
        load_scenario_dict(["name", "x"])  # type: ignore[arg-type]


def test_read_yaml_safely_line_map() -> None:
    data, lines = read_yaml_safely("name: x\nfund:\n  contributions:\n    - kind: none\n", "<t>")
    assert data["fund"]["contributions"] == [{"kind": "none"}]
    assert lines == {"name": 1, "fund": 2, "fund.contributions": 3, "fund.contributions[0]": 4,
                     "fund.contributions[0].kind": 4}


def test_load_scenario_dict() -> None:
    assert load_scenario_dict({"name": "d"}).name == "d"
    with pytest.raises(ScenarioError) as exc:
        load_scenario_dict({"fund": {"admin_share": 2}})
    assert str(exc.value) == "fund.admin_share: must be between 0 and 0.5 (you gave 2)"


# --- overrides ----------------------------------------------------------------------------------

def test_overrides_valid() -> None:
    s = apply_overrides(Scenario(), {"fund.admin_share": "0.1", "region.sectors[0].name": "care",
                                     "fund.contributions[0].kind": "payroll_levy",
                                     "training.module_months": "[2, 4, 6]"})
    assert s.fund.admin_share == 0.1 and s.region.sectors[0].name == "care"
    assert s.fund.contributions[0] == PayrollLevy()  # a new kind starts from its defaults
    assert s.training.module_months == (2, 4, 6)


def test_overrides_set_fields_of_a_kind_just_chosen() -> None:
    """`fund.contributions[0].kind=payroll_levy` then its `rate`: the new kind's fields exist once
    it is chosen (as `--set` and the app's editor apply them, in order)."""
    s = apply_overrides(Scenario(), {"fund.contributions[0].kind": "payroll_levy",
                                     "fund.contributions[0].rate": "0.008"})
    assert s.fund.contributions[0] == PayrollLevy(rate=0.008)
    with pytest.raises(ScenarioError, match="unknown field 'match_rate'"):
        apply_overrides(Scenario(), {"fund.contributions[0].kind": "payroll_levy",
                                     "fund.contributions[0].match_rate": "1"})


def test_overrides_unknown_path() -> None:
    with pytest.raises(ScenarioError) as exc:
        apply_overrides(Scenario(), {"fund.admin_shar": "0.1", "region.sectors[9].name": "x", "a..b": "1"})
    by = problems(exc)
    assert "did you mean 'admin_share'" in by["fund.admin_shar"].message
    assert "3 items" in by["region.sectors[9].name"].message
    assert "not a field path" in by["a..b"].message


def test_overrides_invalid_value() -> None:
    with pytest.raises(ScenarioError) as exc:
        apply_overrides(Scenario(), {"fund.admin_share": "0.9", "horizon_months": "lots"})
    by = problems(exc)
    assert "between 0 and 0.5" in by["fund.admin_share"].message and by["fund.admin_share"].given == 0.9
    assert "whole number" in by["horizon_months"].message
    with pytest.raises(ScenarioError, match="aliases"):
        apply_overrides(Scenario(), {"name": "&a x"})


# --- export ---------------------------------------------------------------------------------------

def test_round_trip_default() -> None:
    text = scenario_to_yaml(Scenario())
    assert load_scenario_text(text) == Scenario()
    assert "&" not in text and "*" not in text


def non_default() -> Scenario:
    s = Scenario(name="reform", description="2024-01-01: yes")
    fund = s.fund.model_copy(update={
        "contributions": [PayrollLevy(rate=0.01, wage_cap_annual=50_000), PublicTopUp(rate=0.1)],
        "reserves": ProCyclical(),
        "payments": s.fund.payments.model_copy(update={
            "rules": [Upfront(share=0.5), OnCompletion(share=0.3), OnPlacement(share=0.2)]}),
    })
    return Scenario.model_validate({**s.model_dump(), "fund": fund.model_dump(), "horizon_months": 60})


def test_round_trip_non_default_rules() -> None:
    s = non_default()
    assert load_scenario_text(scenario_to_yaml(s)) == s


def test_sparse_diff(tmp_path: Path) -> None:
    s = non_default()
    diff = yaml.safe_load(scenario_to_yaml(s, diff_from=Scenario()))
    assert set(diff) == {"name", "description", "horizon_months", "fund"}
    assert set(diff["fund"]) == {"contributions", "reserves", "payments"}
    assert set(diff["fund"]["payments"]) == {"rules"}  # unchanged siblings left out
    assert diff["fund"]["reserves"] == {"kind": "procyclical"}
    assert diff["fund"]["contributions"][0]["kind"] == "payroll_levy"  # list items kept whole
    assert "allowance_annual" in diff["fund"]["contributions"][0]
    assert yaml.safe_load(scenario_to_yaml(s, diff_from=s)) == {}
    # the diff applied over its base gives the scenario back
    write(tmp_path, "base.yaml", scenario_to_yaml(Scenario()))
    write(tmp_path, "r.yaml", "extends: base.yaml\n" + scenario_to_yaml(s, diff_from=Scenario()))
    assert load_scenario(tmp_path / "r.yaml") == s


@pytest.mark.parametrize("name", ["a\x00b", "line\nbreak", "carriage\rreturn", "esc\x1b[31mred", "tab\there"])
def test_names_with_control_characters_are_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, "s.yaml", yaml.safe_dump({"name": name}))
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    (line,) = e.value.lines()
    assert line.startswith("name: must not contain control characters") and "\x1b" not in line


def test_a_description_may_break_lines_but_not_hold_escape_codes(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path, "ok.yaml", yaml.safe_dump({"description": "one\ntwo"})))
    with pytest.raises(ScenarioError, match="description: must not contain control characters"):
        load_scenario(write(tmp_path, "bad.yaml", yaml.safe_dump({"description": "a\x1b[2J"})))


def test_sixty_thousand_unknown_keys_give_a_capped_list(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write(tmp_path, "many.yaml", "".join(f"k{i}: 1\n" for i in range(60_000)))
    r = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(path)], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 51 and len(r.stderr) < 20_000
    assert lines[0].startswith("k0: unknown field 'k0'")
    assert lines[-1] == "... and 59,950 more problems (fix these first)"

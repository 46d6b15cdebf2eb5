"""Unit tests of the app's logic (sim.app): link encoding, the schema-driven editor, the rule
diff, uploads and edits, the run cache, KPI cards and exports."""

from __future__ import annotations

import base64
import io
import json
import os
import random
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest

from sim import runcache as compute
from sim.app import dated_table, diff, editor, exports, kpis, rule_lists, session, state
from sim.app.settings import Settings, parse_overrides
from sim.app.sources import slot_scenario
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides, load_scenario, load_scenario_text
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def baseline_first() -> state.Comparison:
    """The baseline fund in slot 0 (edited below) beside the no-fund world."""
    return state.Comparison([state.Slot("preset:baseline"), state.Slot("preset:no_fund")])


@pytest.fixture
def cfg(tmp_path: Path) -> Settings:
    small = parse_overrides("region.n_workers=1500; region.n_firms=30; region.n_providers=4; "
                            "horizon_months=24")
    return Settings(seeds=(1, 2, 3), workers=1, cache_dir=tmp_path, scenarios_dir=SCENARIOS, overrides=small)


def test_parse_overrides_splits_on_semicolons() -> None:
    assert parse_overrides("a.b=1; c = [1, 2] ;;") == {"a.b": "1", "c": "[1, 2]"}


def test_an_override_without_a_value_is_refused_not_ignored() -> None:
    from sim.app.settings import SettingsError

    with pytest.raises(SettingsError, match=r"FUNDSIM_APP_OVERRIDES: 'bad' is not of the form field\.path"):
        parse_overrides("a.b=1; bad")


def test_the_default_comparison_reads_forwards() -> None:
    """Current rules first (the world without the fund), the fund as the proposal."""
    assert [s.source for s in state.default_comparison().slots] == ["preset:no_fund", "preset:baseline"]


# --- link ---------------------------------------------------------------------------------------

def test_link_round_trip_keeps_sources_edits_and_uploads() -> None:
    edits = {"fund.admin_share": 0.1, "training.module_months": [3, 4, 6], "name": "x"}
    comp = state.Comparison([state.Slot("preset:baseline"), state.Slot("upload:mine.yaml", edits)],
                            {"mine.yaml": "name: mine\n"})
    token, dropped = state.encode(comp)
    assert not dropped and "=" not in token and "+" not in token and "/" not in token
    back = state.decode(token)
    assert back.slots == comp.slots and back.uploads == comp.uploads


def test_large_uploads_are_left_out_of_the_link_and_named() -> None:
    noise = base64.b64encode(random.Random(1).randbytes(12_000)).decode()  # does not compress
    comp = state.Comparison([state.Slot("preset:baseline"), state.Slot("upload:big.yaml")],
                            {"big.yaml": f"name: big\ndescription: {noise}\n", "unused.yaml": "name: u\n"})
    token, dropped = state.encode(comp)
    assert dropped == ["big.yaml"] and len(token) <= state.LINK_MAX_CHARS
    assert state.decode(token).uploads == {}


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode()


@pytest.mark.parametrize(("token", "words"), [
    ("", "empty"), ("%%%", "damaged"), (_token(b"[1]"), "another version"),
    (_token(json.dumps({"v": 1, "s": [["preset:a"]]}).encode()), "2 to 4 scenarios"),
    (_token(json.dumps({"v": 1, "s": [["x:a"], ["preset:b"]]}).encode()), "form the app does not know"),
    (_token(b" " * 3_000_000), "too large"),
    (_token(json.dumps({"v": 1, "s": [["preset:a", {"fund.x": [[[[[[[1]]]]]]]}], ["preset:b"]]}).encode()),
     "not a list of field values"),
    (_token(json.dumps({"v": 1, "s": [["preset:a", {"fund.x": [{"k": {str(i): 1 for i in range(99)}}]}],
                                      ["preset:b"]]}).encode()), "not a list of field values"),
])
def test_bad_links_say_what_is_wrong(token: str, words: str) -> None:
    with pytest.raises(state.LinkError, match=words):
        state.decode(token)


def test_share_url_uses_the_page_address() -> None:
    assert state.share_url("https://fund.example.org/app?x=1", "abc") == "https://fund.example.org/app/?c=abc"
    assert state.share_url(None, "abc") == "http://localhost:8501/?c=abc"


# --- editor -------------------------------------------------------------------------------------

def test_editor_specs_come_from_the_schema() -> None:
    s = load_scenario(SCENARIOS / "uk_levy.yaml")
    specs = {sp.path: sp for sp in editor.field_specs(s, ("lever", "uncertainty", "constant"))}
    params = {r["path"] for r in iter_parameters(s)}
    assert set(specs) == params  # every parameter, nothing hand-written
    rate = specs["fund.contributions[0].rate"]
    # A share is edited in %, labelled by what it is, with its unit in plain words; a dated lever
    # is a table of (from month, value) rows.
    assert (rate.label, rate.widget, rate.min, rate.max, rate.shown) == \
        ("Levy rate on the (capped) pay bill (% of payroll)", "dated", 0, 20, [(1, 0.5)])
    assert rate.value_column == "% of payroll"  # the lever is named by the label above the table
    assert specs["fund.admin_share"].widget == "number"  # a lever not declared dated stays a number
    assert rate.group == "Fund rules" and "payroll levy" in rate.section and "Source:" in rate.help
    assert "Allowed: 0% to 20%." in rate.help
    assert "Field:" not in rate.help  # the id only in the advanced view
    advanced = editor.field_specs(s, ("lever",), advanced=True)
    assert any("Field: `fund.contributions[0].rate`" in sp.help for sp in advanced)
    kind = specs["fund.contributions[0].kind"]
    assert kind.widget == "choice" and {"payroll_levy", "public_match"} <= set(kind.options)
    assert specs["fund.membership"].options == ("compulsory", "voluntary")
    assert specs["training.module_months"].widget == "list"
    assert specs["region.n_workers"].widget == "integer"
    levers = editor.field_specs(s)
    assert {sp.role for sp in levers} == {"lever"} | ({"constant"} & {sp.role for sp in levers})
    assert "region.n_workers" not in {sp.path for sp in levers}


def test_kinds_come_first_within_their_rule() -> None:
    paths = [sp.path for sp in editor.field_specs(load_scenario(SCENARIOS / "baseline.yaml"))]
    assert paths.index("fund.payments.rules[0].kind") < paths.index("fund.payments.rules[0].share")


def test_edits_are_sparse_and_a_new_kind_drops_the_old_fields() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    specs = editor.field_specs(base, ("lever", "uncertainty", "constant"))
    values = {sp.path: sp.shown for sp in specs}
    assert editor.edits_from_values(specs, values, base) == ({}, [])
    values["fund.admin_share"] = 7.0  # in %
    values["training.module_months"] = "2, 4, 6"
    values["fund.contributions[0].kind"] = "payroll_levy"
    values["fund.contributions[0].annual_total"] = "$9"
    edits, problems = editor.edits_from_values(specs, values, base)
    assert not problems
    assert edits == {"fund.contributions[0].kind": "payroll_levy", "fund.admin_share": 0.07,
                     "training.module_months": [2, 4, 6]}
    edited = apply_overrides(base, edits)
    assert edited.fund.contributions[0].kind == "payroll_levy" and edited.training.module_months == (2, 4, 6)
    values["training.module_months"] = "2, 4"
    _, problems = editor.edits_from_values(specs, values, base)
    assert [p.path for p in problems] == ["training.module_months"]
    assert "exactly 3 values" in problems[0].message


def test_edits_in_closed_groups_are_kept() -> None:
    """A closed editor group draws no fields and sends no values: its earlier edits stay, and
    an edit in an open group is added beside them."""
    base = load_scenario(SCENARIOS / "baseline.yaml")
    specs = editor.field_specs(base)
    earlier = {"training.externship_share": 0.6, "fund.admin_share": 0.07}  # both are levers
    shown = [sp for sp in specs if sp.group == "Fund rules"]
    values = {sp.path: sp.shown for sp in shown if sp.widget in ("number", "integer")}
    values["fund.admin_share"] = 9.0
    edits, problems = editor.edits_from_values(specs, values, base, keep=earlier)
    assert not problems
    assert "training.externship_share" in {sp.path for sp in specs}
    assert edits == {"training.externship_share": 0.6, "fund.admin_share": 0.09}


# --- diff ---------------------------------------------------------------------------------------

def test_rule_diff_reads_in_plain_words() -> None:
    levy = load_scenario(SCENARIOS / "uk_levy.yaml")
    lines = diff.rule_diff(levy, apply_overrides(levy, {"fund.contributions[0].rate": 0.008}))
    assert lines == ["Fund rules · Contributions · Payroll levy · Rate is 0.8% instead of 0.5% "
                     "(% of payroll)."]
    base = load_scenario(SCENARIOS / "baseline.yaml")
    lines = diff.rule_diff(base, levy)
    assert "Fund rules · Contributions drops its matched contributions rule." in lines
    assert "Fund rules · Contributions gains a payroll levy rule." in lines
    assert "Fund rules · Contributions gains a co investment rule." in lines
    assert diff.rule_diff(base, base) == []
    table = diff.diff_table(["baseline", "same"], [base, base])
    assert table["change"].tolist() == ["Same rules as the current rules"]


def test_a_dated_lever_reads_as_one_change_in_words() -> None:
    """A plain rate turned into steps is one sentence saying when each value is in force (and
    the report's description of an edited scenario reads the same); one step from month 1 is
    the plain value it stands for, not a change."""
    levy = load_scenario(SCENARIOS / "uk_levy.yaml")
    cut = apply_overrides(levy, {"fund.contributions[0].rate": [{"from": 1, "value": 0.005},
                                                                {"from": 25, "value": 0.003}]})
    assert diff.rule_diff(levy, cut) == [
        "Fund rules · Contributions · Payroll levy · Rate is 0.5% in months 1-24, then 0.3% from month 25, "
        "instead of 0.5% (% of payroll)."]
    same = apply_overrides(levy, {"fund.contributions[0].rate": [{"from": 1, "value": 0.005}]})
    assert diff.rule_diff(levy, same) == []
    from sim.report.data import ScenarioRuns
    from sim.report.headlines import describe

    pdf = describe(ScenarioRuns("uk_levy (edited)", cut, [], base=levy))  # the reports' description
    assert "Changed from the uk_levy preset: Fund rules · Contributions · Payroll levy · Rate is 0.5% in " \
           "months 1-24, then 0.3% from month 25, instead of 0.5% (% of payroll)." in pdf


def _table(rows: list[tuple[object, object]], column: str = "% of payroll") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[dated_table.MONTH, column])


def test_a_dated_table_becomes_steps_or_a_plain_value() -> None:
    levy = load_scenario(SCENARIOS / "uk_levy.yaml")
    specs = editor.field_specs(levy)
    rate = next(sp for sp in specs if sp.path == "fund.contributions[0].rate")
    # The levy is 0.5% until month 24, then 0.3%: typed in %, stored as shares, as steps.
    edits, problems = editor.edits_from_values(specs, {rate.path: _table([(1, 0.5), (25, 0.3)])}, levy)
    assert not problems
    assert edits == {rate.path: [{"from": 1, "value": 0.005}, {"from": 25, "value": 0.003}]}
    assert apply_overrides(levy, edits).fund.contributions[0].rate[1].value == pytest.approx(0.003)
    # One row from month 1 is a plain value; the table as shown is no change at all.
    assert editor.edits_from_values(specs, {rate.path: _table([(1, 0.4)])}, levy)[0] == {rate.path: 0.004}
    assert editor.edits_from_values(specs, {rate.path: _table(rate.shown)}, levy) == ({}, [])
    # A row left wholly empty (added, never filled) is ignored; earlier step edits give way to the table.
    edits, _ = editor.edits_from_values(specs, {rate.path: _table([(1, 0.5), (None, None)])}, levy,
                                        keep={rate.path + "[0].value": 0.01})
    assert edits == {}
    # The steps come back as the table's rows (in %), so the table a member sees is what runs.
    stepped = apply_overrides(levy, {rate.path: [{"from": 1, "value": 0.005}, {"from": 25, "value": 0.003}]})
    shown = next(sp for sp in editor.field_specs(stepped) if sp.path == rate.path)
    assert shown.widget == "dated" and shown.shown == [(1, pytest.approx(0.5)), (25, pytest.approx(0.3))]


@pytest.mark.parametrize(("rows", "words"), [
    ([(2, 0.5)], "the first row must start at month 1"),
    ([(1, 0.5), (1, 0.3)], "month 1 appears twice"),
    ([(1, 0.5), (25, 0.3), (13, 0.4)], "months must increase down the table: month 13 comes after month 25"),
    ([(1, 0.5), (25, 30)], "row 2 (from month 25): the value must be between 0% and 20% (you gave 30%)"),
    ([(1, 0.5), (25, None)], "row 2 (from month 25) has no value"),
    ([(1, 0.5), (None, 0.3)], "row 2 has no month"),
    ([(1.5, 0.5)], "the month must be a whole number from 1 to 600 (you gave 1.5)"),
    ([(1, 0.5), (601, 0.3)], "the month must be a whole number from 1 to 600 (you gave 601)"),
    ([(1, "half")], "row 1: 'half' is not a number"),
    ([], "the table is empty"),
])
def test_a_bad_dated_table_is_named_in_plain_words(rows, words) -> None:
    """Each rule of sim/scenario/dated.py, said in the table's own units and naming the lever."""
    levy = load_scenario(SCENARIOS / "uk_levy.yaml")
    specs = editor.field_specs(levy)
    edits, problems = editor.edits_from_values(specs, {"fund.contributions[0].rate": _table(rows)}, levy)
    assert edits == {} and len(problems) == 1
    line = problems[0].format()
    assert line.startswith("Contributions #1 (payroll levy) · Levy rate on the (capped) pay bill "
                           "(% of payroll): ")
    assert words in line


def test_money_tables_read_in_dollars() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    specs = editor.field_specs(base)
    total = next(sp for sp in specs if sp.path == "fund.contributions[0].annual_total")
    assert total.widget == "dated" and total.fmt == "$%,.0f" and total.shown == [(1, 1_500_000.0)]
    column = total.value_column
    assert column == "$ per year"
    edits, problems = editor.edits_from_values(
        specs, {total.path: _table([(1, "$1,500,000"), (13, "3,000,000")], column)}, base)
    assert not problems and edits == {total.path: [{"from": 1, "value": 1.5e6}, {"from": 13, "value": 3e6}]}
    _, problems = editor.edits_from_values(specs, {total.path: _table([(1, -5)], column)}, base)
    assert "the value must be between $0 and $10,000,000,000 (you gave -$5)" in problems[0].message


def test_every_dated_lever_is_found_from_the_schema_flag() -> None:
    """No list of dated levers anywhere: every field declared `dated=True` is a table, every
    other one is not."""
    levy = load_scenario(SCENARIOS / "uk_levy.yaml")
    tables = {sp.path for sp in editor.field_specs(levy, ("lever", "uncertainty", "constant"))
              if sp.widget == "dated"}
    assert tables == set(dated_table.dated_levers(levy))
    assert {"fund.contributions[0].rate", "fund.contributions[1].rate"} <= tables
    assert "fund.admin_share" not in tables
    specs = {sp.path: sp for sp in editor.field_specs(levy)}
    # The value column is headed by the unit, or "Value" when the unit is too long to show whole
    # (the label above the table names the unit).
    assert specs["fund.contributions[0].allowance_annual"].value_column == "$ per year"
    assert specs["fund.contributions[0].wage_cap_annual"].value_column == "Value"


def test_rules_pair_by_kind_not_by_position() -> None:
    """The same rules in another order are the same rules; a changed field is named by its rule's
    kind, wherever the rule sits in the list."""
    base = load_scenario(SCENARIOS / "baseline.yaml")
    data = base.model_dump(mode="json")
    swapped = list(reversed(data["fund"]["contributions"]))
    moved = apply_overrides(base, {"fund.contributions": swapped})
    assert [c.kind for c in moved.fund.contributions] == ["public_match", "matched_contributions"]
    assert diff.rule_diff(base, moved) == []
    changed = apply_overrides(moved, {"fund.contributions[1].annual_total": 2_000_000})
    assert diff.rule_diff(base, changed) == [
        "Fund rules · Contributions · Matched contributions · Annual total is $2,000,000 instead of "
        "$1,500,000 ($ per year)."]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.005, "share of payroll", "0.5%"), (1_500_000.0, "$ per year", "$1,500,000"), (True, "flag", "yes"),
    ((3, 5, 8), "months", "3, 5, 8"), (12, "months", "12"), ("payroll_levy", "", "payroll levy"),
])
def test_values_are_shown_in_their_units(value, unit, text) -> None:
    assert diff.show_value(value, unit) == text


# --- uploads, choices and edits -----------------------------------------------------------------

def test_uploads_are_checked_before_they_join(cfg: Settings) -> None:
    comp = state.default_comparison()
    big = session.add_upload(comp, "big.yaml", b"#" * 1_000_001, cfg)
    assert big.comparison is comp and "too large" in big.problems[0]
    unsafe = session.add_upload(comp, "x.yaml", b"a: !!python/name:os.system\n", cfg)
    assert "is not allowed" in unsafe.problems[0]
    bad = session.add_upload(comp, "v.yaml", b"extends: baseline.yaml\nfund:\n  admin_share: -1\n", cfg)
    assert bad.problems == ["v.yaml · fund.admin_share: must be between 0 and 0.5 (you gave -1) "
                            "[v.yaml line 3]"]
    good = session.add_upload(comp, "g.yaml", b"extends: baseline.yaml\nname: g\n", cfg)
    assert good.ok and good.note == "g.yaml" and "upload:g.yaml" in session.options(good.comparison, cfg)


def test_choices_keep_edits_of_scenarios_that_stay(cfg: Settings) -> None:
    comp = state.Comparison([state.Slot("preset:baseline"), state.Slot("preset:no_fund"),
                             state.Slot("preset:uk_levy", {"fund.admin_share": 0.1})])
    moved = session.choose(comp, ["preset:baseline", "preset:ca_etp", None, "preset:uk_levy"])
    assert [s.source for s in moved.slots] == ["preset:baseline", "preset:ca_etp", "preset:uk_levy"]
    assert moved.slots[2].edits == {"fund.admin_share": 0.1}


def test_invalid_edits_are_not_committed(cfg: Settings) -> None:
    comp = baseline_first()
    base = slot_scenario(comp.slots[0], comp, cfg)
    specs = editor.field_specs(base)
    values = {sp.path: sp.shown for sp in specs}
    values["fund.payments.rules[0].share"] = 90.0
    out = session.submit_edits(comp, 0, specs, values, cfg)
    assert out.comparison is comp
    assert any("payment rule shares must sum to 1" in p for p in out.problems)
    values["fund.payments.rules[0].share"] = 20.0
    values["fund.admin_share"] = 10.0
    out = session.submit_edits(comp, 0, specs, values, cfg)
    assert out.ok and out.comparison.slots[0].edits == {"fund.admin_share": 0.1}
    assert slot_scenario(out.comparison.slots[0], out.comparison, cfg).name == "baseline (edited)"


def test_rules_are_added_and_removed_and_their_fields_edited(cfg: Settings) -> None:
    comp = baseline_first()
    lists = {rl.path: rl for rl in rule_lists.rule_lists(slot_scenario(comp.slots[0], comp, cfg))}
    # found from the schema (empty lists of rules too: grant tiers, social finance)
    assert set(lists) == {"fund.contributions", "fund.payments.rules", "fund.grants.tiers", "fund.financing"}
    assert lists["fund.grants.tiers"].kinds == ("share_tier", "amount_tier")
    assert "on_enrolment" in lists["fund.payments.rules"].kinds
    assert lists["fund.contributions"].items == ("#1 (matched contributions)", "#2 (public match)")

    # A payment rule is added with no share (the shares still sum to 1), then given one.
    added = session.change_rules(comp, 0, "fund.payments.rules", cfg, add="on_enrolment")
    assert added.ok, added.problems
    edited = slot_scenario(added.comparison.slots[0], added.comparison, cfg)
    assert [r.kind for r in edited.fund.payments.rules][-1] == "on_enrolment"
    specs = editor.field_specs(edited)
    values = {sp.path: sp.shown for sp in specs if sp.group == "Fund rules"}
    values["fund.payments.rules[0].share"] = 10.0
    values["fund.payments.rules[5].share"] = 10.0
    out = session.submit_edits(added.comparison, 0, specs, values, cfg)
    assert out.ok, out.problems
    final = slot_scenario(out.comparison.slots[0], out.comparison, cfg)
    assert [r.share for r in final.fund.payments.rules][::5] == [0.1, 0.1]
    base = slot_scenario(comp.slots[0], comp, cfg)
    lines = diff.rule_diff(base, final)
    assert "Fund rules · Payments · Rules gains an on enrolment rule." in lines

    # Removing the public match; an edit of a rule that is gone is dropped with it.
    gone = session.change_rules(out.comparison, 0, "fund.contributions", cfg, remove=1)
    assert gone.ok, gone.problems
    after = slot_scenario(gone.comparison.slots[0], gone.comparison, cfg)
    assert [c.kind for c in after.fund.contributions] == ["matched_contributions"]
    assert "Fund rules · Contributions drops its public match rule." in diff.rule_diff(base, after)
    assert after.fund.payments.rules[5].share == 0.1  # the other list's edits stay
    token, _ = state.encode(gone.comparison)  # and the link carries whole lists of rules
    opened = session.from_link(token, cfg)
    assert opened.ok and opened.comparison.slots[0].edits == gone.comparison.slots[0].edits

    # A rule that is not there, or a list whose change does not validate, is refused.
    nothing = session.change_rules(comp, 0, "fund.contributions", cfg, remove=7)
    assert nothing.comparison is comp and "there is no #8" in nothing.problems[0]


def _submit_fund_rules(comp: state.Comparison, cfg: Settings, changes: dict[str, object]) -> session.Outcome:
    """Submit the Fund rules group of the reference as the editor shows it, with `changes`."""
    shown = slot_scenario(comp.slots[0], comp, cfg)
    specs = editor.field_specs(shown)
    values = {sp.path: sp.shown for sp in specs if sp.group == "Fund rules"}
    values.update(changes)
    out = session.submit_edits(comp, 0, specs, values, cfg)
    assert out.ok, out.problems
    return out


def test_fields_of_a_new_kind_are_edited_after_the_kind_change(cfg: Settings) -> None:
    comp = baseline_first()
    levy = _submit_fund_rules(comp, cfg, {"fund.contributions[0].kind": "payroll_levy"})
    rate = _submit_fund_rules(levy.comparison, cfg, {"fund.contributions[0].rate": 0.8})  # in %
    edited = slot_scenario(rate.comparison.slots[0], rate.comparison, cfg)
    assert edited.fund.contributions[0].kind == "payroll_levy"
    assert edited.fund.contributions[0].rate == 0.008  # not dropped as "the old kind's field"


def test_a_kind_change_after_adding_a_rule_is_kept(cfg: Settings) -> None:
    added = session.change_rules(baseline_first(), 0, "fund.contributions", cfg,
                                 add="payroll_levy")
    assert added.ok, added.problems
    out = _submit_fund_rules(added.comparison, cfg, {"fund.contributions[0].kind": "per_employee_levy"})
    edited = slot_scenario(out.comparison.slots[0], out.comparison, cfg)
    kinds = [c.kind for c in edited.fund.contributions]
    assert kinds == ["per_employee_levy", "public_match", "payroll_levy"]


def test_a_link_that_does_not_validate_falls_back_to_the_default(cfg: Settings) -> None:
    token, _ = state.encode(state.Comparison([state.Slot("preset:baseline", {"fund.admin_share": 3}),
                                              state.Slot("preset:nowhere")]))
    out = session.from_link(token, cfg)
    assert out.comparison.slots == state.default_comparison().slots
    text = "\n".join(out.problems)
    assert "fund.admin_share: must be between 0 and 0.5" in text and "no preset named 'nowhere'" in text


# --- runs, cache, cards, exports ----------------------------------------------------------------

@pytest.fixture(scope="module")
def small_pair(tmp_path_factory: pytest.TempPathFactory):
    cfg = Settings(seeds=(1, 2, 3), workers=1, cache_dir=tmp_path_factory.mktemp("runs"),
                   scenarios_dir=SCENARIOS,
                   overrides=parse_overrides("region.n_workers=1500;region.n_firms=30;region.n_providers=4;"
                                             "horizon_months=24"))
    scenarios = session.build(baseline_first(), cfg)
    cache = compute.RunCache(cfg.cache_dir)
    seen: list[tuple[int, int]] = []
    runs = compute.ensure_runs(cache, scenarios, cfg.seeds, workers=2,
                               progress=lambda d, t, w: seen.append((d, t)))
    return cfg, scenarios, runs, seen


def test_runs_are_cached_on_disk_and_reused(small_pair) -> None:
    cfg, scenarios, runs, seen = small_pair
    assert seen[-1] == (6, 6) and [len(r) for r in runs] == [3, 3]
    assert [r.seed for r in runs[0]] == [1, 2, 3]
    fresh = compute.RunCache(cfg.cache_dir)  # a new server: nothing in memory
    assert fresh.missing(scenarios, cfg.seeds) == 0
    again: list = []
    reread = compute.ensure_runs(fresh, scenarios, cfg.seeds, progress=lambda *a: again.append(a))
    assert again == []
    pd.testing.assert_frame_equal(reread[0][1].metrics, runs[0][1].metrics)
    renamed = scenarios[0].model_copy(update={"name": "other name"})
    assert compute.scenario_key(renamed) == compute.scenario_key(scenarios[0])
    assert fresh.get(renamed, 1).scenario.name == "other name"
    changed = apply_overrides(scenarios[0], {"fund.admin_share": "0.06"})
    assert fresh.missing([changed], cfg.seeds) == 3
    files = list(fresh.root.rglob("*.pkl"))
    files[0].write_bytes(b"damaged")
    assert compute.RunCache(cfg.cache_dir).missing(scenarios, cfg.seeds) == 0  # present on disk...
    assert compute.RunCache(cfg.cache_dir).get(*_owner(files[0], scenarios)) is None  # ...but unreadable
    assert not files[0].exists()


def _owner(path: Path, scenarios: list[Scenario]) -> tuple[Scenario, int]:
    s = next(s for s in scenarios if compute.scenario_key(s) == path.parent.name)
    return s, int(path.stem)


def test_the_no_fund_scenario_is_the_counterfactual(small_pair) -> None:
    cfg, scenarios, runs, _ = small_pair
    cfs = compute.counterfactual_runs(compute.RunCache(cfg.cache_dir), scenarios, runs, cfg.seeds)
    assert cfs[0] is runs[1] and cfs[1] is runs[1]


def test_cards_show_values_and_paired_differences(small_pair) -> None:
    runs = small_pair[2]
    rows = kpis.cards(["baseline", "no_fund"], runs)
    assert [len(r) for r in rows] == [len(kpis.KPIS)] * 2
    assert all(c.delta is None for c in rows[0])
    creds = next(c for c in rows[1] if c.metric == "completions")
    assert creds.diff < 0 and creds.delta.startswith("-") and "90%:" in creds.delta
    earnings = next(c for c in rows[1] if c.metric == "earnings_gain_vs_counterfactual")
    assert earnings.value == "n/a" and earnings.delta is None  # no fund, no counterfactual gain
    assert creds.clear and creds.delta_color == "normal"  # 90% sure: coloured by direction
    cost = next(c for c in rows[0] if c.metric == "cost_per_placement")
    assert cost.value.startswith("$") and cost.label == "Fund cost per placement ($ per person placed)"
    assert all(c.label.endswith(")") for c in rows[0])  # every card carries its unit


@pytest.mark.parametrize(("d", "n", "clear", "start"), [
    ((0.012, 0.004, 0.02), 8, True, "+1.2 pts vs. current rules (90%: +0.4 pts to +2.0 pts)"),
    ((-0.001, -0.005, 0.003), 8, False, "no clear difference: -0.1 pts (90%: -0.5 pts to +0.3 pts)"),
    ((0.0, 0.0, 0.0), 8, False, "no clear difference: 0.0 pts"),  # identical on every seed
    ((0.02, 0.02, 0.02), 1, False, "no clear difference yet"),  # one run: no interval yet
])
def test_a_difference_is_coloured_only_when_its_interval_excludes_zero(d, n, clear, start) -> None:
    text, is_clear = kpis.delta_text(d, "share", n)
    assert is_clear is clear and text.startswith(start)


@pytest.mark.parametrize(("value", "unit", "signed", "text"), [
    (0.725, "share", False, "72.5%"), (0.012, "share", True, "+1.2 pts"), (2_500_000, "$", False, "$2.50M"),
    (-1234.0, "$ per placement", True, "-$1,234"), (1.357, "$ per $ contributed", False, "1.36"),
    (float("nan"), "people", False, "n/a"), (1234.4, "people", False, "1,234"),
])
def test_numbers_read_in_their_units(value, unit, signed, text) -> None:
    assert kpis.fmt(value, unit, signed) == text


def test_exports_reload(small_pair) -> None:
    _, scenarios, runs, _ = small_pair
    with zipfile.ZipFile(io.BytesIO(exports.scenarios_zip(["baseline", "no_fund"], scenarios))) as z:
        back = [load_scenario_text(z.read(n)) for n in z.namelist()]
    assert [s.model_dump() for s in back] == [s.model_dump() for s in scenarios]
    table = pd.read_csv(io.BytesIO(exports.results_csv(["baseline", "no_fund"], runs)))
    assert list(table.columns) == exports.CSV_COLUMNS
    ref = table[table.scenario == "baseline"]
    assert ref["diff_vs_reference"].isna().all() and (ref["n_seeds"] == 3).all()


def test_building_reports_every_slot_problem(cfg: Settings) -> None:
    comp = state.Comparison([state.Slot("preset:baseline", {"fund.admin_share": 9}),
                             state.Slot("upload:gone.yaml")])
    with pytest.raises(ScenarioError) as e:
        session.build(comp, cfg)
    text = str(e.value)
    assert "fund.admin_share" in text and "upload it again" in text


def test_the_cache_keeps_only_recent_engine_versions(tmp_path: Path) -> None:
    for i, name in enumerate(["a" * 16, "b" * 16, "c" * 16, "d" * 16]):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (1000 + i, 1000 + i))
    (tmp_path / "views-not-a-version").mkdir()
    cache = compute.RunCache(tmp_path, keep_versions=3)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["c" * 16, "d" * 16, "views-not-a-version"])  # + this version, made on first write
    assert cache.root.name == compute.code_version()


def test_a_bad_environment_knob_is_named_not_silently_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.app.settings import SettingsError, settings

    monkeypatch.setenv("FUNDSIM_APP_SEEDS", "many")
    with pytest.raises(SettingsError, match="FUNDSIM_APP_SEEDS: must be a whole number from 1 to 64"):
        settings()
    monkeypatch.setenv("FUNDSIM_APP_SEEDS", "0")
    with pytest.raises(SettingsError, match="you gave '0'"):
        settings()
    monkeypatch.setenv("FUNDSIM_APP_SEEDS", "3")
    assert settings().seeds == (1, 2, 3)


def test_the_launcher_preloads_every_module_the_page_imports() -> None:
    """`python -m sim.app.launch` imports the page's modules before serving (in a fresh
    interpreter here): a module the page imports but the launcher misses would be imported while
    the first visitor waits, and a renamed one must fail here, not at `make app`."""
    import subprocess
    import sys

    from sim.app import launch

    page = sorted({line.split()[1] for line in (launch.ROOT / "app.py").read_text().splitlines()
                   if line.startswith("from sim.")})
    code = ("import sys, json\nfrom sim.app import launch\nlaunch.preload()\n"
            "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(__import__("json").loads(done.stdout))
    assert page and not [m for m in page if m not in loaded]
    assert {"altair", "pandas", "pyarrow", "mesa", "sim.engine.runner", "streamlit.emojis"} <= loaded


# --- bad input named in words (issue 17) ---------------------------------------------------------

def _token(text: str) -> str:
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


def test_a_deeply_nested_link_is_refused_in_words(cfg: Settings) -> None:
    """A short link (~600 characters) that inflates to brackets nested 200,000 deep: json's
    RecursionError used to reach the page as a traceback."""
    token = _token('{"v":1,"s":[["preset:baseline",{"a":' + "[" * 200_000 + "]" * 200_000 + "}]]}")
    assert len(token) < 1000
    with pytest.raises(state.LinkError, match="nested too deeply"):
        state.decode(token)
    opened = session.from_link(token, cfg)
    assert opened.comparison.slots == state.default_comparison().slots
    assert "nested too deeply" in opened.problems[0]


def test_app_wide_overrides_that_do_not_apply_are_named(cfg: Settings) -> None:
    from dataclasses import replace

    from sim.app.settings import SettingsError
    from sim.app.sources import check_overrides

    check_overrides(cfg)  # the test settings' small region applies
    with pytest.raises(SettingsError) as e:
        check_overrides(replace(cfg, overrides={"fund.nope": "1"}))
    text = str(e.value)
    assert text.startswith("FUNDSIM_APP_OVERRIDES does not apply to the presets")
    assert "fund.nope: unknown field 'nope' in fund" in text
    with pytest.raises(SettingsError, match=r"fund\.admin_share: must be between 0 and 0\.5"):
        check_overrides(replace(cfg, overrides={"fund.admin_share": "7"}))


def test_a_long_list_of_problems_is_capped_with_a_count() -> None:
    from sim.app.ui import MAX_LINE, MAX_PROBLEMS, capped

    lines = [f"k{i}: unknown field 'k{i}'; allowed fields here: " + "x, " * 300 for i in range(60_000)]
    out = capped(lines)
    assert len(out) == MAX_PROBLEMS + 1 and out[-1].startswith("… and 59,988 more problems")
    assert all(len(line) <= MAX_LINE for line in out) and sum(map(len, out)) < 10_000
    assert capped(["one"]) == ["one"]


def test_the_upload_limit_is_one_number_everywhere() -> None:
    """Streamlit's own limit (server.maxUploadSize, in MB) and the label agree with the loader's."""
    import tomllib

    from sim.scenario.loader import MAX_BYTES

    root = SCENARIOS.parent
    config = tomllib.loads((root / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 1 and MAX_BYTES == 1_000_000
    assert "Upload a scenario (YAML, up to 1 MB)" in (root / "app.py").read_text()


# --- plain language -----------------------------------------------------------------------------

def test_presets_have_titles_and_descriptions(cfg: Settings) -> None:
    from sim.app.sources import presets, source_description, source_title

    titles = {name: source_title("preset:" + name, cfg) for name in presets(SCENARIOS)}
    assert titles["ca_etp"] == "California Employment Training Panel (ETP)"
    assert titles["no_fund"] == "No fund" and titles["voluntary_matched"] == "Voluntary matched fund"
    assert len(set(titles.values())) == len(titles) and not any("_" in t for t in titles.values())
    comp = state.default_comparison()
    no_fund = "The baseline region without a regional training fund."
    assert source_description("preset:no_fund", comp, cfg) == no_fund
    assert source_title("upload:mine.yaml", cfg) == "mine.yaml (uploaded)"


def _frame(months: int, **series: list[float]) -> pd.DataFrame:
    rows = [{"month": m + 1, "metric": name, "sector": "all", "group": "all", "value": float(v[m])}
            for name, v in series.items() for m in range(months)]
    return pd.DataFrame(rows)


def test_a_low_reserve_is_a_notice_and_insolvency_an_error() -> None:
    from sim.app import notices
    from sim.results import Results

    months = 24
    spend = [100_000.0] * months
    base = Scenario()

    def run(**series: list[float]) -> Results:
        return Results(scenario=base, seed=1, metrics=_frame(months, **series), ledger=pd.DataFrame())

    lean = run(fund_balance=[150_000.0] * months, fund_liabilities=[50_000.0] * months,
               fund_spend_providers=spend)
    short = run(fund_balance=[150_000.0] * 12 + [20_000.0] * 12, fund_liabilities=[50_000.0] * months,
                fund_spend_providers=spend)
    found = notices.alert_summaries(["lean", "short"], [[lean], [short]])
    by = {(a.scenario, a.kind): a for a in found}
    assert by[("lean", "low_reserve")].level == "info" and ("lean", "insolvent") not in by
    assert "still paid what it owed" in by[("lean", "low_reserve")].text()
    bad = by[("short", "insolvent")]
    assert bad.level == "error" and bad.first_month == 13 and "short by up to $30,000" in bad.text()
    assert found[0].level == "error"  # errors first


# --- answers while runs finish, and chart data --------------------------------------------------

def test_early_answers_use_the_seeds_every_scenario_has(small_pair, tmp_path: Path) -> None:
    from sim.app import progress

    cfg, scenarios, runs, _ = small_pair
    cache = compute.RunCache(tmp_path)
    cache.put(runs[0][0])
    cache.put(runs[0][1])
    cache.put(runs[1][1])  # seed 2 on both sides, seed 1 only on one
    shared = progress.shared_runs(cache, scenarios, cfg.seeds)
    assert [[r.seed for r in rs] for rs in shared] == [[2], [2]]
    pace = progress.Pace(total=6, workers=2, started=0.0)
    assert "Simulating 6 runs" in pace.text(0) and "left" in pace.text(3) and pace.fraction(3) == 0.5
    redraw = progress.Redraw(seeds=3)
    assert redraw.due(1) and not redraw.due(1) and not redraw.due(3)  # the last is the full page


def test_every_chart_downloads_its_data(small_pair) -> None:
    from sim.app import views
    from sim.app.chart_data import chart_csv

    _, scenarios, runs, _ = small_pair
    specs = views.build_charts(["baseline", "no_fund"], scenarios, runs)
    for name, spec in specs.items():
        table = pd.read_csv(io.StringIO(chart_csv(spec)))
        assert len(table) and "panel" in table.columns, name
        assert {"baseline", "no_fund"} & set(table.get("scenario", pd.Series(dtype=str))), name
    pipe = pd.read_csv(io.StringIO(chart_csv(specs["Pipeline"])))
    assert {"Enrolled", "Completed", "Placed"} <= set(pipe.panel)


def test_charts_shade_recessions_and_fit_their_data(small_pair) -> None:
    from sim.app import charts

    _, scenarios, runs, _ = small_pair
    pairs = list(zip(["baseline", "no_fund"], runs, strict=True))
    plain = charts.pipeline(pairs, charts.recession_windows(scenarios)).to_dict(validate=False)
    assert plain["title"].endswith("(no scripted recession in these scenarios)")  # no false claim
    rec = charts.recession_windows([load_scenario(SCENARIOS / "recession_countercyclical.yaml")])
    assert rec[["start", "end"]].values.tolist() == [[36, 54]]
    shaded = charts.pipeline(pairs, rec).to_dict(validate=False)
    assert shaded["title"].endswith("(grey: recession months)")
    assert '"rect"' in json.dumps(shaded) and any(r.get("start") == 36 for d in shaded["datasets"].values()
                                                  for r in d)
    prov = charts.providers(pairs).to_dict(validate=False)
    assert prov["width"] == "container" and prov["layer"][2]["encoding"]["x"]["scale"]["zero"] is False
    funnel = charts.funnel(["baseline", "no_fund"], runs).to_dict(validate=False)
    assert funnel["width"] == "container" and funnel["title"]["anchor"] == "start"


def test_the_app_report_uses_the_headline_horizon_and_describes_an_edit(small_pair) -> None:
    """The app's workbook speaks at the horizon the page's headline shows, and an edited preset
    is described by what changed from that preset (not by the preset's own description)."""
    import openpyxl

    cfg, scenarios, runs, _ = small_pair
    cfs = compute.counterfactual_runs(compute.RunCache(cfg.cache_dir), scenarios, runs, cfg.seeds)
    edited = scenarios[0].model_copy(update={"name": f"{scenarios[0].name} (edited)"})
    written: list[str] = []
    both = exports.report_bytes(("xlsx", "pdf"), [edited, *scenarios[1:]], runs, cfs, title="t", years=1,
                                bases=[scenarios[0], None], step=written.append)
    assert written == ["xlsx", "pdf"]  # one computation of the numbers, two files
    xlsx, pdf = both["xlsx"], both["pdf"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "Over 1 year" in text and "Over 2 years" in text  # the chosen horizon and the run's end
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    words = " ".join(" ".join((page.extract_text() or "").split()) for page in pages)
    assert f"The {scenarios[0].name} preset, unchanged" in words  # the edit described (here: none)


def test_make_app_simulates_the_default_comparison_before_serving(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`make app` (sim.app.launch) fills the run cache with the page's default comparison before
    the server starts, so the first visitor's view is read from disk; done once, not again; off
    with FUNDSIM_APP_PRECOMPUTE=0; settings the page would refuse are left for the page to say."""
    from sim.app import launch
    from sim.app.settings import settings as app_settings
    from sim.runcache import RunCache

    monkeypatch.setenv("FUNDSIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FUNDSIM_APP_SEEDS", "2")
    monkeypatch.setenv("FUNDSIM_APP_WORKERS", "1")
    monkeypatch.setenv("FUNDSIM_APP_OVERRIDES", "region.n_workers=1500; region.n_firms=30; "
                                                "region.n_providers=4; horizon_months=24")
    monkeypatch.setenv("FUNDSIM_APP_PRECOMPUTE", "0")
    assert launch.precompute(say=lambda line: None) == 0
    monkeypatch.delenv("FUNDSIM_APP_PRECOMPUTE")
    said: list[str] = []
    simulated = launch.precompute(say=said.append)
    cfg = app_settings()
    scenarios = session.build(session.from_link(None, cfg).comparison, cfg)
    assert simulated == 2 * len(cfg.seeds) and RunCache(cfg.cache_dir).missing(scenarios, cfg.seeds) == 0
    assert said[0].startswith("fundsim: simulating the default comparison") and len(said) >= 2
    assert launch.precompute(say=said.append) == 0  # already there
    monkeypatch.setenv("FUNDSIM_APP_SEEDS", "0")  # the page explains bad settings; the launcher starts
    assert launch.precompute(say=said.append) == 0

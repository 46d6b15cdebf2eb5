"""fundsim — compare funding rules (Streamlit). Layout and widgets only; the logic is in sim.app.

Run with `make app` (or `streamlit run app.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from sim.app import diff, exports, headline, session, ui, views
from sim.app.editor import field_specs
from sim.app.rule_lists import rule_lists
from sim.app.settings import SettingsError, settings
from sim.app.sources import base_scenario, slot_scenario, source_label
from sim.app.state import encode, share_url
from sim.runcache import RunCache, counterfactual_runs, ensure_runs
from sim.scenario.errors import ScenarioError

st.set_page_config(page_title="fundsim — compare funding rules", layout="wide")
try:
    cfg = settings()
except SettingsError as e:
    st.error(str(e))
    st.stop()


@st.cache_resource
def run_cache(folder: str) -> RunCache:
    return RunCache(Path(folder))


@st.cache_data(max_entries=32, show_spinner=False)
def scenarios_zip(key: str, _labels: list[str], _scenarios: list) -> bytes:
    """The scenarios' YAML files, made once per comparison (`key`), not on every page run."""
    return exports.scenarios_zip(_labels, _scenarios)


cache = run_cache(str(cfg.cache_dir))
state = st.session_state

# --- the comparison: from the link on first open, then from the choosers ------------------------
if "comparison" not in state:
    opened = session.from_link(st.query_params.get("c"), cfg)
    state.comparison, state.link_problems = opened.comparison, opened.problems
    for i in range(4):
        slots = opened.comparison.slots
        state[f"pick{i}"] = slots[i].source if i < len(slots) else session.NONE

st.title("fundsim — compare funding rules")
# The answer first: filled once the runs are in (sim.app.headline; the same numbers as the reports).
headline_box = st.container()
st.caption("Change a rule, press **Run comparison**, and see what changes and how sure we are: every "
           f"number is the mean over {len(cfg.seeds)} simulated runs (same people and economy in every "
           "scenario), with the range that 90% of runs fall in.")
ui.problems(state.link_problems, "The link could not be restored")

with st.sidebar:
    st.header("Scenarios to compare")
    uploaded = st.file_uploader("Upload a scenario (YAML, up to 1 MB)", type=["yaml", "yml"],
                                accept_multiple_files=True, key="uploads",
                                help="A scenario file, whole or with `extends: baseline.yaml` and only what "
                                     "differs. It is checked field by field before it is used.")
    for f in uploaded or []:
        added = session.add_upload(state.comparison, f.name, f.getvalue(), cfg)
        ui.problems(added.problems, f"{f.name} was not added")
        if added.ok:
            state.comparison = added.comparison
            empty = next((i for i in (1, 2, 3) if state.get(f"pick{i}") == session.NONE), None)
            if added.note and empty is not None:
                state[f"pick{empty}"] = "upload:" + f.name
    options = session.options(state.comparison, cfg)
    picks = []
    for i, label in enumerate(session.CHOOSER_LABELS):
        opts = options if i < 2 else [session.NONE, *options]
        if state.get(f"pick{i}") not in opts:
            state[f"pick{i}"] = opts[0] if i < 2 else session.NONE
        pick = st.selectbox(label, opts, key=f"pick{i}",
                            format_func=lambda o: source_label(o) if ":" in o else o)
        picks.append(None if pick == session.NONE else pick)
    state.comparison = session.choose(state.comparison, picks)
    comp = state.comparison

    st.header("Rule editor")
    names = [f"{session.CHOOSER_LABELS[i]}: {source_label(s.source)}" for i, s in enumerate(comp.slots)]
    target = st.selectbox("Scenario to edit", range(len(names)), format_func=lambda i: names[i], index=1,
                          key="edit_target") if len(names) > 1 else 0
    target = min(int(target), len(comp.slots) - 1)
    show_all = st.checkbox("Show the world's uncertainties and constants too", key="show_all",
                           help="By default the editor shows the funding rules a committee chooses.")
    roles = ("lever", "uncertainty", "constant") if show_all else ("lever",)
    slot = comp.slots[target]
    ui.reset_editor(json.dumps([target, slot.source, slot.edits, roles], default=str))
    try:
        shown = slot_scenario(slot, comp, cfg)
    except ScenarioError:
        shown = base_scenario(slot, comp, cfg)
    specs = field_specs(shown, roles)
    st.caption("Open a group to see and change its rules, then press **Run comparison**.")
    submitted, values = ui.editor_form(specs)
    if submitted:
        done = session.submit_edits(comp, target, specs, values, cfg)
        ui.problems(done.problems, "These values were not applied")
        if done.ok:
            state.comparison = comp = done.comparison
            ui.reset_editor("")
    action = ui.rule_list_editor(rule_lists(shown))
    if action is not None:
        verb, what, path = action
        done = session.change_rules(comp, target, path, cfg, **{verb: what})
        ui.problems(done.problems, "The rule was not changed")
        if done.ok:
            state.comparison = comp = done.comparison
            ui.reset_editor("")
            st.rerun()
    if slot.edits and st.button("Undo this scenario's edits", key="undo_edits"):
        comp.slots[target].edits = {}
        st.rerun()

# --- build and run ------------------------------------------------------------------------------
try:
    scenarios = session.build(comp, cfg)
    state.good = comp.copy()
except ScenarioError as e:
    ui.problems(e.lines(), "This comparison does not validate; showing the last one that did")
    comp = state.get("good") or session.from_link(None, cfg).comparison
    scenarios = session.build(comp, cfg)
labels = session.labels(scenarios)

token, dropped = encode(comp)
if st.query_params.get("c") != token:
    st.query_params["c"] = token
state.share_link = share_url(st.context.url, token)  # set before the widget: it always shows this
st.text_input("Link to this comparison", key="share_link",
              help="Open it in another browser to see exactly these scenarios and edits.")
if dropped:
    st.warning(f"Too large to travel in the link: {', '.join(dropped)}. Whoever opens the link must "
               "upload it again.")

missing = cache.missing(scenarios, cfg.seeds)
bar = st.progress(0.0, text=f"Simulating {missing} runs…") if missing else None


def progress(done: int, total: int, what: str) -> None:
    if bar is not None:
        bar.progress(done / max(total, 1), text=f"Simulated {done} of {total} runs (latest: {what})")


def runs() -> list:
    return ensure_runs(cache, scenarios, cfg.seeds, workers=cfg.workers, progress=progress)


if missing:
    runs()
view = views.page_view(cache.root, labels, scenarios, cfg.seeds, runs)
if len(scenarios) > 1:
    headline.show(headline_box, labels, scenarios, runs())
if bar is not None:
    bar.empty()

# --- what changed and how sure we are -----------------------------------------------------------
st.subheader("How the scenarios differ from the reference")
# A plain table (not the data grid): light to draw, and readable by screen readers and search.
rule_diff = diff.diff_table(labels, scenarios)[["scenario", "change"]]
st.table(rule_diff.rename(columns={"scenario": "Scenario", "change": "Rule (reference → this scenario)"})
         .set_index("Scenario"))

st.subheader("Results over the horizon")
ui.cards(view.cards)

st.subheader("Alerts")
for a in view.alerts:
    (st.error if a.kind == "solvency" else st.warning)(f"**{a.scenario}** · {a.text()}")
if not view.alerts:
    st.success("No alerts: participation held up, outcomes met the thresholds and the fund stayed solvent.")

st.subheader("Charts")
st.caption("Lines are means over the runs; shaded bands hold 90% of runs. Hover for values.")
# Only the open tab is drawn (switching tabs reruns the page, in well under a second).
for tab, name in zip(st.tabs(list(views.TABS), key="chart_tab", on_change="rerun"), views.TABS, strict=True):
    if tab.open:
        with tab:
            ui.chart(view.charts[name])

# --- downloads ----------------------------------------------------------------------------------
st.subheader("Downloads")
c1, c2, c3, c4 = st.columns(4)
report_id = views.view_key(labels, scenarios, cfg.seeds)
c1.download_button("Scenarios (YAML)", scenarios_zip(report_id, labels, scenarios), "fundsim-scenarios.zip",
                   "application/zip", help="One full YAML file per scenario (a ZIP).")
c2.download_button("Results (CSV)", view.csv.encode("utf-8"), "fundsim-results.csv", "text/csv",
                   help="Every metric per scenario: mean, 90% range, and the paired difference from "
                        "the reference with its 90% interval.")
if state.get("reports_for") != report_id:
    with c3:
        if st.button("Prepare reports", help="Builds the Excel workbook and the PDF report."):
            with st.spinner("Writing the Excel and PDF reports…"):
                done_runs = runs()
                cfs = counterfactual_runs(cache, scenarios, done_runs, cfg.seeds, workers=cfg.workers)
                title = f"Training fund projections: {' vs. '.join(labels)}"
                state.reports = {fmt: exports.report_bytes(fmt, scenarios, done_runs, cfs, title=title)
                                 for fmt in ("xlsx", "pdf")}
                state.reports_for = report_id
            st.rerun()
else:
    c3.download_button("Excel report", state.reports["xlsx"], "fundsim-report.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c4.download_button("PDF report", state.reports["pdf"], "fundsim-report.pdf", "application/pdf")

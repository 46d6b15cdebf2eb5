"""fundsim — compare funding rules (Streamlit). Layout and widgets only; the logic is in sim.app.

Run with `make app` (or `streamlit run app.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from sim.app import diff, exports, headline, progress, session, share, ui, views
from sim.app.editor import field_specs
from sim.app.rule_lists import rule_lists
from sim.app.settings import SettingsError, settings
from sim.app.sources import base_scenario, check_overrides, slot_scenario, source_description, source_title
from sim.app.state import encode, share_url
from sim.charts import warm_renderer
from sim.runcache import RunCache, counterfactual_runs, ensure_runs
from sim.scenario.errors import ScenarioError

# A sidebar wide enough for the editor's fields and its small tables of dated values (a member
# can still drag it narrower or wider).
st.set_page_config(page_title="fundsim — compare funding rules", layout="wide",
                   initial_sidebar_state=ui.SIDEBAR_PX)
ui.still()
try:
    cfg = settings()
    check_overrides(cfg)
except SettingsError as e:
    ui.problems(str(e).splitlines(), "The app's settings cannot be used")
    st.stop()


@st.cache_resource
def run_cache(folder: str) -> RunCache:
    return RunCache(Path(folder))


cache = run_cache(str(cfg.cache_dir))
state = st.session_state


def title_of(source: str) -> str:
    return source_title(source, cfg)


# --- the comparison: from the link on first open, then from the choosers ------------------------
if "comparison" not in state:
    opened = session.from_link(st.query_params.get("c"), cfg)
    state.comparison, state.link_problems = opened.comparison, opened.problems
    for i in range(4):
        slots = opened.comparison.slots
        state[f"pick{i}"] = slots[i].source if i < len(slots) else session.NONE

st.title("fundsim — compare funding rules")
# The answer first: the headline sentence (sim.app.headline; the same numbers as the reports),
# filled once the runs are in.
headline_box = st.container(key="headline")
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
        what = "what happens today, the reference" if i == 0 else "a set of rules to compare with it"
        pick = st.selectbox(f"{label} ({what})", opts, key=f"pick{i}",
                            format_func=lambda o: title_of(o) if ":" in o else "(none)")
        if pick != session.NONE:
            st.caption(ui.plain(source_description(pick, state.comparison, cfg)) or "(no description)")
        picks.append(None if pick == session.NONE else pick)
    state.comparison = session.choose(state.comparison, picks)
    comp = state.comparison

    st.header("Change the rules")
    names = [f"{session.CHOOSER_LABELS[i]}: {title_of(s.source)}" for i, s in enumerate(comp.slots)]
    # Options are the names themselves, so the box never shows a scenario no longer chosen.
    if state.get("edit_target") not in names:
        state["edit_target"] = names[1] if len(names) > 1 else names[0]
    target = names.index(st.selectbox("Scenario to change", names, key="edit_target",
                                      help="Your changes make an edited copy of this scenario; the preset "
                                           "itself is not changed."))
    show_all = st.checkbox("Advanced: show the world's uncertainties, constants and field ids",
                           key="show_all",
                           help="By default the editor shows the funding rules a committee chooses.")
    roles = ("lever", "uncertainty", "constant") if show_all else ("lever",)
    slot = comp.slots[target]
    ui.reset_editor(json.dumps([target, slot.source, slot.edits, roles], default=str))
    try:
        shown = slot_scenario(slot, comp, cfg)
    except ScenarioError:
        shown = base_scenario(slot, comp, cfg)
    if slot.edits:
        ui.changes_list(diff.rule_diff(base_scenario(slot, comp, cfg), shown), title_of(slot.source))
    specs = field_specs(shown, roles, advanced=show_all)
    st.caption("Open a group to see and change its rules, then press **Run comparison**.")
    submitted, values = ui.editor_form(specs)
    if submitted:
        done = session.submit_edits(comp, target, specs, values, cfg)
        ui.problems(done.problems, "These values were not applied")
        if done.ok:
            state.comparison = comp = done.comparison
            ui.reset_editor("")
            st.rerun()
    action = ui.rule_list_editor(rule_lists(shown))
    if action is not None:
        verb, what, path = action
        done = session.change_rules(comp, target, path, cfg, **{verb: what})
        ui.problems(done.problems, "The rule was not changed")
        if done.ok:
            state.comparison = comp = done.comparison
            ui.reset_editor("")
            st.rerun()
    if slot.edits and st.button("Undo my changes to this scenario", key="undo_edits"):
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
titles = [title_of(s.source) + (" (edited)" if s.edits else "") for s in comp.slots]
years = scenarios[0].horizon_months / 12
st.caption(f"Results over **{years:g} years** ({scenarios[0].horizon_months} months). Every number is the "
           f"average of {len(cfg.seeds)} simulated runs (the same people and economy under every set of "
           "rules), with the range 90% of runs fall in. A difference is coloured only when we are 90% sure "
           "of its direction; otherwise it is grey: \"no clear difference\".")

token, dropped = encode(comp)
if st.query_params.get("c") != token:
    st.query_params["c"] = token

missing = cache.missing(scenarios, cfg.seeds)
bar_area = st.empty()  # progress, above the early answer
early_area = st.empty()  # the early answer, cleared when the full one is drawn below it


def draw_early(shared: list) -> None:
    """An answer from the seeds every scenario has, while the others run, as one table: the
    browser draws Markdown at once, while charts and st.metric cards drawn during a script run
    stay grey skeletons until it ends."""
    early = views.early_view(labels, scenarios, shared)
    with early_area.container():
        st.info(f"Early answer from {len(shared[0])} of {len(cfg.seeds)} runs per scenario: the ranges "
                "tighten as the other runs finish; the charts follow.")
        ui.early_table(early.cards, titles)


on_run: progress.Progress | None = None
if missing:
    pace = progress.Pace(missing, min(cfg.workers, missing))
    redraw = progress.Redraw(len(cfg.seeds))
    bar = bar_area.progress(0.0, text=pace.text(0))

    def on_run(done: int, total: int, what: str) -> None:
        bar.progress(pace.fraction(done), text=pace.text(done))
        shared = progress.shared_runs(cache, scenarios, cfg.seeds)
        if redraw.due(len(shared[0])):
            draw_early(shared)


def runs() -> list:
    return ensure_runs(cache, scenarios, cfg.seeds, workers=cfg.workers, progress=on_run)


def stored_runs() -> list:
    """The runs, read from the cache after the page has run (no progress bar to update)."""
    return ensure_runs(cache, scenarios, cfg.seeds, workers=cfg.workers)


if missing:
    runs()
    bar.empty()
view = views.page_view(cache.root, labels, scenarios, cfg.seeds, runs)
if len(scenarios) > 1:
    headline.show(headline_box, labels, scenarios, runs())

# --- the answer: cards, alerts, what differs, charts --------------------------------------------
early_area.empty()
ui.cards(view.cards, titles)
ui.glossary()

st.subheader("Alerts")
for a in view.alerts:
    show = {"error": st.error, "warning": st.warning}.get(a.level, st.info)
    show(f"**{ui.plain(a.scenario)}** · {ui.plain(a.text())}")
if not view.alerts:
    st.success("No alerts: participation held up, outcomes met the thresholds and the fund could always "
               "cover what it owed.")

st.subheader("What the proposals change")
rule_diff = diff.diff_table(labels, scenarios)[["scenario", "change"]]
# A plain table (not the data grid): light to draw, and readable by screen readers and search.
st.table(rule_diff.rename(columns={"scenario": "Proposal", "change": "How it differs from the current rules"})
         .set_index("Proposal"))

st.subheader("Charts")
st.caption("Lines are averages over the runs; shaded bands hold 90% of runs; grey blocks are recession "
           "months. Hover for values; each chart's numbers download as CSV below it.")
# Only the open tab is drawn (switching tabs reruns the page, in well under a second).
for box, name in zip(st.tabs(list(views.TABS), key="chart_tab", on_change="rerun"), views.TABS, strict=True):
    if box.open:
        with box:
            ui.chart(views.chart_spec(cache.root, labels, scenarios, cfg.seeds, name, runs), name,
                     key="chart_csv")

# --- share and download -------------------------------------------------------------------------
st.subheader("Share and download")
link = share_url(st.context.url, token)
share.share_link(link)
if dropped:
    st.warning(f"Too large to travel in the link: {', '.join(dropped)}. Whoever opens the link must "
               "upload it again.")
c1, c2, c3, c4 = st.columns(4)
paper = st.radio("Paper size of the PDF report", ("Letter", "A4"), horizontal=True, key="report_paper",
                 help="US Letter or ISO A4 pages.")
report_id = views.view_key(labels, scenarios, cfg.seeds) + f":{state.get('headline_years')}:{paper}"
# Both files are made when their button is pressed (Streamlit calls the function then), so a new
# comparison's first view does not wait for files nobody may ask for. No download reruns the page
# (on_click="ignore"): a rerun would also give these buttons new file ids, and a click on one
# while the rerun is under way would fail ("Download failed", and a second click works).
c1.download_button("Scenarios (YAML)", lambda: exports.scenarios_zip(labels, scenarios),
                   "fundsim-scenarios.zip", "application/zip", on_click="ignore",
                   help="One full YAML file per scenario (a ZIP).")
c2.download_button("Results (CSV)", lambda: exports.results_csv(labels, stored_runs()), "fundsim-results.csv",
                   "text/csv", on_click="ignore",
                   help="Every measure per scenario: average, 90% range, and the difference from the "
                        "current rules with its 90% interval.")
if state.get("reports_for") != report_id:
    with c3:
        if st.button("Prepare reports", help="Builds the Excel workbook and the PDF report from the runs "
                                             "already on this page."):
            warm_renderer()  # the chart renderer starts while the runs are read
            steps = st.progress(0.0, text="Reading the runs on this page…")
            done_runs = runs()
            steps.progress(0.2, text="Reading each proposal's no-fund comparison…")

            def cf_progress(d: int, t: int, what: str) -> None:
                steps.progress(0.2 + 0.2 * d / max(t, 1), text=f"Simulating no-fund runs: {d} of {t}…")

            cfs = counterfactual_runs(cache, scenarios, done_runs, cfg.seeds, workers=cfg.workers,
                                      progress=cf_progress)
            title = f"Training fund projections: {' vs. '.join(labels)}"
            years = state.get("headline_years")  # the horizon the headline shows
            bases = [base_scenario(slot, comp, cfg) if slot.edits else None for slot in comp.slots]
            steps.progress(0.4, text="Computing the report's numbers…")

            def writing(fmt: str) -> None:
                steps.progress(0.5 if fmt == "xlsx" else 0.7,
                               text=f"Writing the {'Excel' if fmt == 'xlsx' else 'PDF'} report…")

            state.reports = exports.report_bytes(("xlsx", "pdf"), scenarios, done_runs, cfs, title=title,
                                                 years=years, bases=bases, paper=paper.lower(), step=writing)
            state.reports_for = report_id
            st.rerun()
else:
    c3.download_button("Excel report", state.reports["xlsx"], "fundsim-report.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
    c4.download_button("PDF report", state.reports["pdf"], "fundsim-report.pdf", "application/pdf",
                       on_click="ignore")

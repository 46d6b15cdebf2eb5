"""Streamlit rendering shared by app.py: the schema-driven editor form, KPI cards, problems,
charts. Widgets are made from specs; no parameter is named here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import streamlit as st

from sim.app.editor import FieldSpec
from sim.app.kpis import Card
from sim.app.rule_lists import RuleList
from sim.app.session import CHOOSER_LABELS

EDIT_PREFIX = "edit:"
SIDEBAR_PX = 380  # the sidebar's starting width: a dated value's table fits without clipping
# A dated value's columns (px): the month, then the value ("$10,000,000,000" fits); with the grid's row
# markers they fill the sidebar's 286 px of content, so no value is cut off at the right.
MONTH_PX, VALUE_PX = 108, 140


# Streamlit animates its "running" badge, progress bar and expanders. Without a GPU (these
# machines, many laptops in remote sessions) the browser repaints them in software many times a
# second, on the cores that are simulating: about 1.3 s of browser time over an 8-seed first
# view. Everything still appears; it just does not move (also what people who set
# "reduce motion" ask for).
STILL = "<style>*, *::before, *::after { animation: none !important; transition: none !important; }</style>"


def still() -> None:
    st.html(STILL)


def plain(text: str) -> str:
    """Text for Streamlit's Markdown: two dollar signs would open a LaTeX formula ("$3,000 to
    $5,000" drawn as maths), so they are escaped."""
    return text.replace("$", "\\$")

GROUP_PREFIX = "group:"
SUBMIT_LABEL = "Run comparison"


def editor_key(path: str) -> str:
    """The widget key of a parameter in the editor (stable: tests and tools may use it)."""
    return EDIT_PREFIX + path


def reset_editor(marker: str) -> None:
    """Forget typed values when the editor switches to another scenario or its edits change."""
    if st.session_state.get("_editor_for") != marker:
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(EDIT_PREFIX)]:
            del st.session_state[key]
        st.session_state["_editor_for"] = marker


def _widget(spec: FieldSpec) -> Any:
    key, help_text = editor_key(spec.path), spec.help
    if spec.widget == "checkbox":
        return st.checkbox(spec.label, value=bool(spec.value), help=help_text, key=key)
    if spec.widget == "choice":
        opts = list(spec.options)
        index = opts.index(str(spec.value)) if str(spec.value) in opts else 0
        return st.selectbox(spec.label, opts, index=index, help=help_text, key=key,
                            format_func=lambda o: str(o).replace("_", " "))
    if spec.widget == "integer":
        return st.number_input(spec.label, value=int(spec.value), step=1, help=help_text, key=key,
                               min_value=None if spec.min is None else int(spec.min),
                               max_value=None if spec.max is None else int(spec.max))
    if spec.widget == "money":
        return st.text_input(spec.label, value=spec.shown, help=help_text, key=key)
    if spec.widget == "number":
        return st.number_input(spec.label, value=spec.shown, step=spec.step, format=spec.fmt,
                               help=help_text, key=key,
                               min_value=None if spec.min is None else float(spec.min),
                               max_value=None if spec.max is None else float(spec.max))
    if spec.widget == "list":
        return st.text_input(spec.label, value=spec.shown, help=help_text, key=key)
    if spec.widget == "dated":
        return dated_editor(spec)
    return st.text_input(spec.label, value=str(spec.value), help=help_text, key=key)


def dated_editor(spec: FieldSpec) -> Any:
    """A dated lever as a small table (rows can be added and removed): "From month" and the
    value in the editor's display unit. Returns the table as the committee member left it; it
    is read, and checked, when the form is submitted (sim.app.dated_table)."""
    import pandas as pd

    from sim.app.dated_table import MONTH

    column = spec.value_column
    rows = pd.DataFrame(spec.shown, columns=[MONTH, column])
    st.markdown(f":small[{plain(spec.label)}]", help=plain(spec.help))  # as small as widget labels
    return st.data_editor(
        rows, key=editor_key(spec.path), num_rows="dynamic", hide_index=True, width="stretch",
        alt=f"{spec.label}: a table of the month each value starts and the value",
        column_config={
            MONTH: st.column_config.NumberColumn(MONTH, help="The first month the value is in force "
                                                 "(month 1 is the first month of the run).",
                                                 min_value=1, step=1, format="%d", required=True,
                                                 width=MONTH_PX),
            column: st.column_config.NumberColumn(column, help=plain(spec.help), step=spec.step,
                                                  format=spec.fmt, required=True, width=VALUE_PX)})


def group_key(group: str) -> str:
    """The session-state key of an editor group's expander (True = open)."""
    return GROUP_PREFIX + group


def editor_form(specs: Sequence[FieldSpec], *, form_key: str = "rule_editor") -> tuple[bool, dict[str, Any]]:
    """One form: an expander per schema group, a bold heading per rule; submit runs. Only open
    groups draw their fields (opening one reruns the page), so the first view stays light: the
    browser, not Python, is what a committee waits for. Returns the values of the drawn fields."""
    values: dict[str, Any] = {}
    with st.form(form_key, border=False):
        submitted = st.form_submit_button(SUBMIT_LABEL, type="primary")
        for group, items in groupby(specs, key=lambda s: s.group):
            box = st.expander(group, key=group_key(group), on_change="rerun")
            if not box.open:
                continue
            with box:
                for section, fields in groupby(items, key=lambda s: s.section):
                    if section:
                        st.markdown(f"**{section}**")
                    for spec in fields:
                        values[spec.path] = _widget(spec)
        # A second button at the end of the form: no scrolling back up after a change.
        submitted = st.form_submit_button(SUBMIT_LABEL, type="primary", key="run_bottom") or submitted
    return submitted, values


RULES_GROUP = "Add or remove rules"


def rule_list_editor(lists: Sequence[RuleList]) -> tuple[str, str | int, str] | None:
    """Controls to add a rule of a chosen kind to a list of rules, or remove one; drawn only when
    its expander is open. Returns ("add", kind, path) or ("remove", position, path) on a click."""
    box = st.expander(RULES_GROUP, key=group_key(RULES_GROUP), on_change="rerun")
    if not lists or not box.open:
        return None
    with box:
        which = st.selectbox("List of rules", range(len(lists)), format_func=lambda i: lists[i].title,
                             key="rules:list")
        rl = lists[int(which)]
        kind = st.selectbox("Kind of rule to add", rl.kinds, key="rules:kind",
                            format_func=lambda k: str(k).replace("_", " "),
                            help="A new rule starts from its kind's defaults (a payment rule with no share "
                                 "of the price): open its group above to set its values.")
        if st.button("Add this rule", key="rules:add"):
            return "add", str(kind), rl.path
        if rl.items:
            pos = st.selectbox("Rule to remove", range(len(rl.items)), format_func=lambda i: rl.items[i],
                               key="rules:pick")
            if st.button("Remove this rule", key="rules:remove"):
                return "remove", int(pos), rl.path
    return None


MAX_PROBLEMS = 12  # lines in one error box; the rest are counted, not printed
MAX_LINE = 400  # characters of one problem


_MORE = re.compile(r"\.\.\. and ([\d,]+) more problems")  # the loader's own cap (sim.scenario.errors)


def capped(lines: Sequence[str], limit: int = MAX_PROBLEMS) -> list[str]:
    """At most `limit` lines of at most MAX_LINE characters, then how many more there are (counting
    the problems a loader already left out of `lines` and summed up in its last line)."""
    lines = list(lines)
    hidden = 0
    if lines and (m := _MORE.search(lines[-1])):
        hidden = int(m.group(1).replace(",", ""))
        lines = lines[:-1]
    out = [ln if len(ln) <= MAX_LINE else ln[: MAX_LINE - 1] + "…" for ln in lines[:limit]]
    more = max(len(lines) - limit, 0) + hidden
    if more:
        out.append(f"… and {more:,} more problems like these (fix these first)")
    return out


def problems(lines: Sequence[str], title: str) -> None:
    if lines:
        st.error("\n".join([f"**{plain(title)}**", *[f"- {plain(line)}" for line in capped(list(lines))]]))


def role_name(i: int) -> str:
    """A scenario's role by its place, as the choosers name it: current rules, proposal, proposal 2."""
    return CHOOSER_LABELS[i].lower() if i < len(CHOOSER_LABELS) else f"proposal {i}"


CARD_HEIGHT = 150  # px: label, value and two lines of difference, so the same KPI lines up across


def cards(rows: Sequence[Sequence[Card]], titles: Sequence[str]) -> None:
    """One st.metric per KPI per scenario: a column per scenario (the current rules first), cards
    of one height, so the same KPI sits on the same line and a difference reads across. A
    difference is coloured, with an arrow, only when its 90% interval excludes zero."""
    for i, (col, row) in enumerate(zip(st.columns(len(rows)), rows, strict=True)):
        role = role_name(i)
        with col:
            tail = "" if i == 0 else ": difference from the current rules"
            st.markdown(f"**{titles[i]}** · {role}{tail}")
            for card in row:
                st.metric(card.label, card.value, delta=card.delta, delta_color=card.delta_color,  # type: ignore[arg-type]
                          delta_arrow="auto" if card.clear else "off", help=plain(card.help), border=True,
                          height=CARD_HEIGHT)


def early_table(rows: Sequence[Sequence[Card]], titles: Sequence[str]) -> None:
    """The early answer as one Markdown table: drawn at once while runs go on (the st.metric
    cards stayed grey skeletons in the browser until the page's script ended)."""
    def cell(text: str) -> str:
        return plain(text).replace("|", "\\|")

    head = ["Measure", *[f"{cell(t)} ({role_name(i)})" for i, t in enumerate(titles)]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for k, first in enumerate(rows[0]):
        cells = [cell(first.label)]
        for row in rows:
            card = row[k]
            cells.append(f"**{cell(card.value)}**" + (f" · {cell(card.delta)}" if card.delta else ""))
        lines.append("| " + " | ".join(cells) + " |")
    st.markdown("\n".join(lines))


def chart(spec: dict[str, Any], name: str, key: str) -> None:
    """The chart, described for screen readers, with its data as a CSV download."""
    from sim.app.chart_data import chart_csv

    st.vega_lite_chart(spec, theme=None, alt=f"Chart: {name}. Its numbers are in the CSV download below it.")
    data = chart_csv(spec)
    if data:
        st.download_button(f"This chart's data (CSV): {name}", data.encode("utf-8"),
                           f"fundsim-chart-{name.lower().replace(' ', '-')}.csv", "text/csv", key=key,
                           on_click="ignore",
                           help="The numbers drawn: for each scenario and month (or stage), the mean "
                                "across runs and the range 90% of runs fall in.")


GLOSSARY = (
    ("Current rules", "what happens today: the reference every proposal is compared with."),
    ("Proposal", "a set of funding rules to compare with the current rules."),
    ("Run", "one simulation of the region over the horizon. Each run draws its people, firms and economy "
            "at random; every set of rules is run on the same draws, so differences come from the rules."),
    ("90% range", "90 of 100 runs fall in this range: how much the result varies with luck."),
    ("90% interval of a difference", "the range we are 90% sure the true difference lies in. If it "
                                     "includes zero, we cannot tell which rules do better: \"no clear "
                                     "difference\"."),
    ("Placement", "a person who finished training and was hired within the placement window."),
    ("Hard-to-serve", "people facing barriers to work, often under-represented in good jobs."),
    ("Liabilities", "results payments providers have earned that the fund has not yet paid."),
    ("Reserve", "money the fund holds beyond what it owes, counted in months of spending."),
    ("Net return", "what a payer gets back (in productivity, taxes, grants) minus what it puts in, per "
                   "dollar put in: 0.30 means 30 cents gained per dollar."),
)


def glossary() -> None:
    with st.expander("What the words mean"):
        st.markdown("\n".join(f"- **{word}**: {meaning}" for word, meaning in GLOSSARY))


def changes_list(lines: Sequence[str], title: str) -> None:
    """What the user changed in the scenario being edited, in plain lines."""
    st.markdown(f"**What you changed in {plain(title)}:**")
    st.markdown("\n".join(f"- {plain(line)}" for line in capped(list(lines))) if lines else "- (nothing)")

"""Streamlit rendering shared by app.py: the schema-driven editor form, KPI cards, problems,
charts. Widgets are made from specs; no parameter is named here."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

import streamlit as st

from sim.app.editor import FieldSpec, list_text
from sim.app.kpis import Card
from sim.app.rule_lists import RuleList

EDIT_PREFIX = "edit:"
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
    if spec.widget == "number":
        return st.number_input(spec.label, value=float(spec.value), step=spec.step, format=spec.fmt,
                               help=help_text, key=key,
                               min_value=None if spec.min is None else float(spec.min),
                               max_value=None if spec.max is None else float(spec.max))
    if spec.widget == "list":
        return st.text_input(spec.label, value=list_text(spec.value), help=help_text, key=key)
    return st.text_input(spec.label, value=str(spec.value), help=help_text, key=key)


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


def problems(lines: Sequence[str], title: str) -> None:
    if lines:
        st.error("\n".join([f"**{title}**", *[f"- {line}" for line in lines]]))


CARD_HEIGHT = 136  # px: label, value and a line of difference, so the same KPI lines up across


def cards(rows: Sequence[Sequence[Card]]) -> None:
    """One st.metric per KPI per scenario: a column per scenario (the reference first), cards of
    one height, so the same KPI sits on the same line and a difference reads across. A column
    of cards (not a row of columns per KPI) is half the elements for the browser to draw."""
    for i, (col, row) in enumerate(zip(st.columns(len(rows)), rows, strict=True)):
        role = "reference" if i == 0 else "difference from the reference"
        with col:
            st.markdown(f"**{row[0].scenario}** · {role}")
            for card in row:
                st.metric(card.label, card.value, delta=card.delta, delta_color=card.delta_color,  # type: ignore[arg-type]
                          help=card.help, border=True, height=CARD_HEIGHT)


def chart(spec: dict[str, Any]) -> None:
    st.vega_lite_chart(spec, theme=None)

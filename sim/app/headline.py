"""The answer first: the app's headline sentence, from the same headline economics as the
reports (sim.economics), for each proposal against the current rules (the first scenario), at a
horizon the committee chooses (1, 3, 5 or 10 years, capped at the run's end)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sim.economics import Headline, headline, horizon_for, is_no_fund_twin
from sim.economics_text import headline_sentence

if TYPE_CHECKING:
    from sim.results import Results
    from sim.scenario.schema import Scenario

YEARS = (1, 3, 5, 10)
DEFAULT_YEARS = 10


def headlines(labels: Sequence[str], scenarios: Sequence[Scenario], results: Sequence[Sequence[Results]],
              years: int) -> list[Headline]:
    """Each proposal (every scenario after the first) against the current rules (the first)."""
    months = horizon_for(years, min(s.horizon_months for s in scenarios))
    ref, ref_runs = scenarios[0], results[0]
    return [headline(s, label, runs, labels[0], ref_runs, months=months,
                     comparator_is_no_fund=is_no_fund_twin(ref, s))
            for label, s, runs in zip(labels[1:], scenarios[1:], results[1:], strict=True)]


def sentences(labels: Sequence[str], scenarios: Sequence[Scenario], results: Sequence[Sequence[Results]],
              years: int) -> list[str]:
    return [headline_sentence(h) for h in headlines(labels, scenarios, results, years)]


def show(box: Any, labels: Sequence[str], scenarios: Sequence[Scenario],
         results: Sequence[Sequence[Results]]) -> None:
    """Draw the horizon chooser and the sentences into `box` (a container under the title)."""
    import streamlit as st

    run_years = min(s.horizon_months for s in scenarios) // 12
    options = [y for y in YEARS if y <= max(run_years, 1)]
    with box:
        years = st.segmented_control("Horizon (years)", options, default=min(DEFAULT_YEARS, options[-1]),
                                     key="headline_years", required=True,
                                     format_func=lambda y: f"{y} year{'s' * (y != 1)}",
                                     help="The headline's horizon: everything is counted from month 1 to the "
                                          "end of this year.") or options[-1]
        for text in sentences(labels, scenarios, results, int(years)):
            st.markdown(f"#### {_escape(text)}")


def _escape(text: str) -> str:
    """Markdown-safe: dollar signs would start LaTeX, and scenario names may hold markup."""
    for ch in "\\`*_{}[]<>()#+-.!|$~":
        text = text.replace(ch, "\\" + ch)
    return text

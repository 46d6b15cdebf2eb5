"""The Streamlit app's logic (app.py is layout and widgets only).

settings: environment knobs (seeds, workers, cache folder, app-wide overrides)
state:    the comparison (2-4 slots: a source plus sparse dotted edits) and its link encoding
sources:  presets and uploads -> validated scenarios, with field-by-field errors
session:  the page's flow: link -> comparison, choosers, committing uploads and edits when valid
editor:   widget specs generated from the scenario schema; widget values -> sparse edits
diff:     the rule diff in plain words
kpis:     KPI cards with differences from the reference and 90% intervals; alerts across seeds
charts:   the app's Altair charts (bands on every series, shared axes, one palette)
views:    the charts as Vega-Lite specs, cached beside the runs
exports:  downloads (scenarios YAML, results CSV, Excel and PDF reports)
ui:       Streamlit rendering helpers used by app.py
"""

"""The headline economics: computed once (sim.economics), stated the same, to the unit, in the
app's headline sentence, the PDF, the HTML, the workbook and the CSV; checked against the runs
themselves; rounded to what the seeds support.

The app and `fundsim report` share one run cache here, as on a user's machine: the report after
the app reads the app's runs (no "simulated" line), which is also what makes it quick."""

from __future__ import annotations

import html as html_lib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.economics import Estimate, headline, seed_table, society_npv_at
from sim.economics_text import headline_sentence, with_range

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SMALL = {"region.n_workers": 2000, "region.n_firms": 60, "region.n_providers": 4, "horizon_months": 36}
SEEDS = 2


def _yaml(preset: str) -> str:
    return (f"extends: {ROOT / 'scenarios' / preset}.yaml\nhorizon_months: {SMALL['horizon_months']}\n"
            f"region: {{n_workers: {SMALL['region.n_workers']}, n_firms: {SMALL['region.n_firms']}, "
            f"n_providers: {SMALL['region.n_providers']}}}\n")


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The app's headline for no_fund (current rules) vs baseline (proposal), then the reports
    from the same cache, seeds and horizon."""
    from streamlit.testing.v1 import AppTest

    cache = tmp_path_factory.mktemp("cache")
    folder = tmp_path_factory.mktemp("reports")
    env = {"FUNDSIM_APP_SEEDS": str(SEEDS), "FUNDSIM_APP_WORKERS": "2", "FUNDSIM_CACHE_DIR": str(cache),
           "FUNDSIM_APP_OVERRIDES": ";".join(f"{k}={v}" for k, v in SMALL.items())}
    mp = pytest.MonkeyPatch()
    for k, v in env.items():
        mp.setenv(k, v)
    try:
        at = AppTest.from_file(APP, default_timeout=300)
        at.run()
        at.selectbox(key="pick0").set_value("preset:no_fund")
        at.selectbox(key="pick1").set_value("preset:baseline")
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        app_lines = [m.value for m in at.markdown if m.value.startswith("#### Over")]
        at.session_state["headline_years"] = 1
        at.run()
        app_year1 = [m.value for m in at.markdown if m.value.startswith("#### Over")]
    finally:
        mp.undo()
    paths = []
    for preset in ("no_fund", "baseline"):
        p = folder / f"{preset}.yaml"
        p.write_text(_yaml(preset), encoding="utf-8")
        paths.append(p)
    done = subprocess.run([sys.executable, "-m", "sim.cli", "report", *map(str, paths), "--seeds", str(SEEDS),
                           "--format", "pdf,xlsx,html,csv", "--out", str(folder / "r.pdf")],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return {"app": app_lines, "app_year1": app_year1, "folder": folder, "stderr": done.stderr,
            "cache": cache, "paths": paths}


def _unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown.removeprefix("#### "))


def test_app_pdf_html_workbook_and_csv_state_the_same_headline(shared: dict[str, object]) -> None:
    import openpyxl
    from pypdf import PdfReader

    app = [_unescape(s) for s in shared["app"]]  # type: ignore[union-attr]
    assert len(app) == 1 and app[0].startswith("Over 3 years, baseline places ")
    assert re.search(r"at \$[\d,]+ of fund spending per additional placement", app[0])
    sentence = app[0]
    folder: Path = shared["folder"]  # type: ignore[assignment]
    assert "simulated" not in shared["stderr"]  # the report read the app's runs
    pdf = _norm(" ".join(p.extract_text() for p in PdfReader(folder / "r.pdf").pages))
    assert sentence in pdf
    page = html_lib.unescape(re.sub(r"<[^>]+>", "", (folder / "r.html").read_text(encoding="utf-8")))
    assert sentence in _norm(page)
    ws = openpyxl.load_workbook(folder / "r.xlsx")["Headline economics"]
    assert sentence in [c.value for row in ws.iter_rows() for c in row]
    with zipfile.ZipFile(folder / "r.zip") as z:
        table = pd.read_csv(z.open("headline_economics.csv"))
    assert sentence in set(table.sentence)
    # The figures themselves, to the unit: the workbook's and the CSV's equal the headline's.
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Scenario")
    book = pd.DataFrame(rows[head + 1:], columns=rows[head]).dropna(how="all")
    for figure in ("additional_placements", "spending_per_additional_placement", "fund_balance_end",
                   "npv_society"):
        b = book[(book["Figure id"] == figure) & (book["Horizon"] == "3 years")]
        c = table[(table.figure == figure) & (table.horizon_months == 36)]
        assert len(b) == len(c) == 1
        assert b["Central (mean)"].iloc[0] == pytest.approx(c.central.iloc[0], rel=1e-12)


def test_the_headline_horizon_is_chosen_in_the_app(shared: dict[str, object]) -> None:
    year1 = [_unescape(s) for s in shared["app_year1"]]  # type: ignore[union-attr]
    assert len(year1) == 1 and year1[0].startswith("Over 1 year, baseline ")


def test_headline_figures_match_the_runs() -> None:
    """Each figure recomputed by hand from the runs: paired differences, ratios of means, and
    present values (at a 0% rate the NPV is the plain sum of the engine's net gain)."""
    from conftest import small_dict

    from sim.engine.runner import run_many
    from sim.scenario.schema import Scenario

    d = small_dict(horizon_months=24)
    d["outputs"] = {"discount_rate_annual": 0.0}
    s = Scenario.model_validate(d)
    runs, twin = run_many(s, [1, 2, 3], workers=2), run_many(s.counterfactual(), [1, 2, 3], workers=2)
    h = headline(s, "a", runs, "no fund", twin, months=24, comparator_is_no_fund=True)
    place = [r.horizon()["placements"] - c.horizon()["placements"] for r, c in zip(runs, twin, strict=True)]
    kinds = ("providers", "supports", "admin", "employers", "other")
    spend = [sum(r.horizon()[f"fund_spend_{k}"] for k in kinds) for r in runs]
    assert h["additional_placements"].central == pytest.approx(np.mean(place))
    assert h["additional_placements"].per_seed == pytest.approx(place)
    assert h["spending_per_additional_placement"].central == pytest.approx(np.mean(spend) / np.mean(place))
    def mean(metric: str) -> float:
        return float(np.mean([r.horizon()[metric] for r in runs]))

    assert h["npv_employers"].central == pytest.approx(mean("employer_net_gain"))
    assert h["npv_society"].central == pytest.approx(mean("total_surplus_change"))
    for who in ("employers", "public", "society"):  # the ratio is above 1 exactly when the NPV is positive
        npv, bcr = h[f"npv_{who}"].central, h[f"bcr_{who}"].central
        assert (bcr > 1) == (npv > 0)
    assert society_npv_at(runs, 24).central == pytest.approx(h["npv_society"].central)
    discounted = society_npv_at(runs, 24, rate=0.07).central
    assert discounted != pytest.approx(h["npv_society"].central)
    # A shorter horizon counts fewer months; the per-seed table agrees with the runs' series.
    table = seed_table(runs, 12)
    assert table.loc[1, "placements"] == pytest.approx(runs[0].series("placements").loc[1:12].sum())


def test_numbers_are_rounded_to_what_the_seeds_support() -> None:
    assert with_range(Estimate(1156.0, 1130.0, 1181.0), "people") == "1,160 (90% range 1,130 to 1,180)"
    narrow = with_range(Estimate(2_849_999.6, 2_849_999.0, 2_850_001.0), "$")
    assert narrow == "$2.85M (about the same in every run)"
    assert with_range(Estimate(31_140.0, 30_010.0, 32_700.0), "$") == "$31,100 (90% range $30,000 to $32,700)"
    assert with_range(Estimate(1.134, 0.95, 1.36), "ratio") == "1.13 (90% range 0.95 to 1.36)"


def test_no_clear_difference_is_said_so() -> None:
    from sim.economics import Headline

    h = Headline("proposal", "current", False, 120, (1, 2), 0.03, 1.3, figures={
        "additional_placements": Estimate(12.0, -20.0, 35.0), "additional_spending": Estimate(5e5, 4e5, 6e5),
        "spending_per_additional_placement": Estimate(41_000.0, np.nan, np.nan),
        "fund_balance_end": Estimate(2.2e6, 2.1e6, 2.3e6)})
    text = headline_sentence(h)
    assert text.startswith("Over 10 years, proposal makes no clear difference to the number of people placed")
    assert "per additional placement" not in text and "fund ends with $2.20M" in text


def test_no_difference_at_all_is_said_plainly() -> None:
    from sim.economics import Headline

    h = Headline("proposal", "current", False, 12, (1, 2), 0.03, 1.3, figures={
        "additional_placements": Estimate(0.0, 0.0, 0.0),
        "additional_spending": Estimate(1.5e5, 1.5e5, 1.5e5),
        "spending_per_additional_placement": Estimate(np.nan, np.nan, np.nan),
        "fund_balance_end": Estimate(2.85e6, 2.85e6, 2.85e6)})
    assert headline_sentence(h) == ("Over 1 year, proposal places as many people in jobs as current (in "
                                    "every run), with the fund spending $150,000 more, and the fund ends "
                                    "with $2.85M.")

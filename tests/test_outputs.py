"""The outputs of issue 14 as a user meets them: impact by time since first fund start against the
no-fund twin, the person-level panel, firms' training accounts, and labour flows by sector."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.engine import kernels
from sim.engine.counterfactual import TwinTrace, world_key
from sim.engine.firm_accounts import output_of
from sim.engine.impact import COLUMNS as IMPACT_COLUMNS
from sim.engine.impact import PROGRAMME_NAMES
from sim.engine.measure import PAYROLL_ENTRIES, PAYROLL_EXITS
from sim.engine.model import FundModel
from sim.engine.panel import SCHEMA
from sim.engine.runner import run, run_world
from sim.results import impact_curve
from sim.scenario.loader import apply_overrides, load_scenario

# Apprenticeships and course starts both, at a size where every kind has participants.
SMALL = {"region.n_workers": 3000, "region.n_firms": 60, "region.n_providers": 4, "horizon_months": 48,
         "phases.system_development_months": 1, "phases.programme_design_months": 1,
         "training.apprenticeship_share": 0.4, "fund.apprentice_wage_subsidy": 0.3}


@pytest.fixture(scope="module")
def scenario():
    return apply_overrides(load_scenario("scenarios/baseline.yaml"), SMALL)


@pytest.fixture(scope="module")
def with_panel(scenario, tmp_path_factory):
    """The fund run and its no-fund world, each with its panel."""
    folder = tmp_path_factory.mktemp("panel")
    fund = run(scenario, 3, panel=folder / "fund.parquet")
    world = run(scenario.counterfactual(), 3, panel=folder / "world.parquet")
    return fund, world, pq.read_table(folder / "fund.parquet").to_pandas(), \
        pq.read_table(folder / "world.parquet").to_pandas()


def _self_twin(scenario, seed: int) -> TwinTrace:
    """A trace of the fund world itself, as if it were its own no-fund twin."""
    model = FundModel(scenario, seed)
    months = scenario.horizon_months
    trace = TwinTrace.empty(world_key(scenario), seed, months, model.workers.n, model.firms.n)
    for _ in range(scenario.horizon_months):
        model.step()
        w = model.workers
        trace.record(model.month, w.earnings, w.status, w.rung, model.surplus(), model.tuition_paid,
                     model.outside_paid)
    return trace


def test_impact_against_an_identical_twin_is_exactly_zero(scenario):
    r = run(scenario, 5, twin=_self_twin(scenario, 5))
    t = r.impact
    assert t.participants.sum() > 0
    for a, b in (("earnings", "twin_earnings"), ("employed", "twin_employed"),
                 ("credentialed", "twin_credentialed")):
        np.testing.assert_array_equal(t[a].to_numpy(), t[b].to_numpy(), err_msg=a)
    curve = impact_curve([r], split="kind")
    assert (curve[["earnings_gain", "employment_gain", "credential_gain"]].to_numpy() == 0).all()


def test_impact_table_splits_and_years(with_panel):
    fund, _, _, _ = with_panel
    t = fund.impact
    assert list(t.columns) == list(IMPACT_COLUMNS)
    assert set(t.split) == {"all", "kind", "provider", "group", "cohort"}
    assert set(t[t.split == "kind"].value) <= set(PROGRAMME_NAMES.values())
    assert {"course", "apprenticeship", "incumbent_upskilling"} <= set(t[t.split == "kind"].value)
    assert (t.year == (t.months_since_start - 1) // 12 + 1).all()
    # Every split partitions the same participants (the fund's starters): each sums to the `all`
    # row, month by month. Incumbents upskilled with a fund grant are not fund starters: they
    # have their kind's row only.
    quantities = ["participants", "earnings", "twin_earnings", "employed", "twin_employed", "credentialed",
                  "twin_credentialed"]
    every = t[t.split == "all"].set_index("months_since_start")[quantities].sort_index()
    starters = t[(t.split != "kind") | (t.value != "incumbent_upskilling")]
    for split in ("kind", "provider", "group", "cohort"):
        cells = starters[starters.split == split]
        summed = cells.groupby("months_since_start")[quantities].sum().sort_index()
        np.testing.assert_allclose(summed.to_numpy(), every.to_numpy(), rtol=1e-9, err_msg=split)
    # A cohort (run year of the first start) is followed only as long as the run lasts.
    cohorts = t[t.split == "cohort"]
    start = (cohorts.value.astype(int) - 1) * 12 + 1  # earliest first-start month of the cohort
    assert (start + cohorts.months_since_start - 1 <= fund.scenario.horizon_months).all()
    assert cohorts.groupby("value").months_since_start.max().loc["1"] > 36
    # A year pools its months: the mean over participant-months.
    yearly = impact_curve([fund], by="year").set_index("year")
    y1 = every.loc[1:12]
    assert yearly.loc[1, "earnings_gain"] == pytest.approx(
        (y1.earnings - y1.twin_earnings).sum() / y1.participants.sum())


def test_the_twin_columns_are_the_no_fund_run(with_panel, scenario):
    fund, _, pf, pw = with_panel
    n, months = scenario.region.n_workers, scenario.horizon_months
    assert len(pf) == len(pw) == n * months  # people x months
    assert pf.columns.tolist() == SCHEMA.names
    pf = pf.sort_values(["month", "person"], ignore_index=True)
    pw = pw.sort_values(["month", "person"], ignore_index=True)
    np.testing.assert_array_equal(pf.twin_status.to_numpy(), pw.status.to_numpy())
    np.testing.assert_array_equal(pf.twin_earnings.to_numpy(), pw.earnings.to_numpy())
    np.testing.assert_array_equal(pf.twin_credential.to_numpy(), pw.credential.to_numpy())
    assert (pw.twin_status == -1).all() and pw.twin_earnings.isna().all()  # no twin of its own
    # The impact table is the panel's participants, by months since their first start.
    part = pf[pf.participant & (pf.first_fund_month > 0)].copy()
    part["since"] = part.month - part.first_fund_month + 1
    by = part.groupby("since")
    table = fund.impact[fund.impact.split == "all"].set_index("months_since_start").sort_index()
    np.testing.assert_allclose(by.earnings.sum().to_numpy(), table.earnings.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(by.twin_earnings.sum().to_numpy(), table.twin_earnings.to_numpy(), rtol=1e-6)
    np.testing.assert_array_equal(by.size().to_numpy(), table.participants.to_numpy())


def test_the_panel_changes_no_result(with_panel, scenario):
    fund, _, _, _ = with_panel
    plain = run(scenario, 3)
    for name in ("metrics", "ledger", "providers", "firms", "impact", "training_accounts"):
        pd.testing.assert_frame_equal(getattr(plain, name), getattr(fund, name), obj=name)


def test_a_shared_twin_gives_the_same_impact(scenario):
    _, trace = run_world(scenario, 2)
    shared, lockstep = run(scenario, 2, twin=trace), run(scenario, 2)
    pd.testing.assert_frame_equal(shared.impact, lockstep.impact)
    pd.testing.assert_frame_equal(shared.training_accounts, lockstep.training_accounts)


def test_without_a_twin_nothing_is_claimed(scenario):
    r = run(apply_overrides(scenario, {"outputs.counterfactual": False}), 3)
    assert r.impact.empty and list(r.impact.columns) == list(IMPACT_COLUMNS)
    assert impact_curve([r]).empty


def test_payroll_flows_reconcile_with_employment(with_panel):
    fund, world, _, _ = with_panel
    for r in (fund, world):
        m = r.metrics
        wide = m.pivot_table(index=["sector", "group", "month"], columns="metric", values="value",
                             observed=True)
        for name in (*PAYROLL_ENTRIES, *PAYROLL_EXITS):
            assert wide[name].sum() > 0 or name in ("apprenticeship_starts", "apprenticeship_dropouts",
                                                    "apprenticeship_graduates_released",
                                                    "externship_hires"), name
        change = wide["employed"].groupby(level=[0, 1]).diff()
        flows = wide["payroll_entries"] - wide["payroll_exits"]
        ok = change.notna()  # month 1 has no month before it
        np.testing.assert_array_equal(change[ok].to_numpy(), flows[ok].to_numpy())
        assert wide.loc[("all", "all"), "job_to_job_moves"].sum() > 0


def test_training_accounts_add_up_to_the_metrics_and_the_ledger(with_panel):
    fund, _, _, _ = with_panel
    a, h = fund.training_accounts, fund.horizon()
    assert len(a) > 0 and (a.apprentice_months > 0).all()
    assert a.apprentice_starts.sum() == h["apprenticeship_starts"]
    assert a.graduates.sum() == h["apprenticeship_completions"]
    assert a.graduates_kept.sum() == h["apprenticeship_graduates_kept"]
    assert a.graduates_kept.sum() <= a.graduates.sum()
    led = fund.ledger
    paid = led[(led.category == "apprentice_subsidy")].amount_cents.sum() / 100.0
    assert a.subsidies.sum() == pytest.approx(paid)
    assert ((a.apprentice_output > 0) & (a.apprentice_wages > 0)).all()
    kept = a[a.graduate_months > 0]
    assert len(kept) > 0 and (kept.graduate_output_per_month > kept.graduate_wage_per_month).all()
    for rate in ("graduate_leave_rate", "outside_leave_rate"):
        assert a[rate].dropna().between(0, 1).all() and a[rate].notna().any(), rate
    assert set(a.sector) <= {s.name for s in fund.scenario.region.sectors}


def test_a_higher_discount_rate_lowers_a_positive_npv(scenario):
    low = run(apply_overrides(scenario, {"outputs.discount_rate_annual": 0.0}), 3).training_accounts
    high = run(apply_overrides(scenario, {"outputs.discount_rate_annual": 0.15}), 3).training_accounts
    pos = low.npv > 0
    assert pos.any()
    assert (high.npv[pos] < low.npv[pos]).all()
    pd.testing.assert_series_equal(low.graduates, high.graduates)  # discounting changes no flow
    # Undiscounted, the NPV is the accounts' own columns added up (graduates against outside hires).
    a = low[low.outside_output_per_month.notna()]
    grad = (a.graduate_output_per_month - a.graduate_wage_per_month).fillna(0.0)
    outside = a.outside_output_per_month - a.outside_wage_per_month
    expected = (a.apprentice_output - a.apprentice_wages - a.co_investment + a.subsidies
                + a.graduate_months * (grad - outside))
    np.testing.assert_allclose(a.npv, expected, rtol=1e-9, atol=1e-6)


def test_per_person_output_is_the_firms_value_added(scenario):
    model = FundModel(scenario, 1)
    for _ in range(30):
        model.step()
    p, f, sc, k = model.workers, model.firms, scenario, model.k
    on = np.flatnonzero(np.isin(p.status, (1, 3, 4)))
    firm = np.where(p.status[on] == 3, p.ext_host[on], p.employer[on])
    mine = np.bincount(firm, weights=output_of(p, on, sc, k) - p.wage[on], minlength=f.n)
    assert (p.status == 4).any()
    kernel = kernels.firm_surplus(p.status, p.employer, p.ext_host, p.job_level, p.rung, p.sector,
                                  p.wage_effect, p.tenure, p.wage, k.base_wage_f, k.prem, k.tenure_growth,
                                  1.0 / sc.firms.labour_share, sc.firms.productivity_to_wage_gain,
                                  sc.firms.trainee_output_share, f.n, p.job_mult, p.linked,
                                  sc.careers.unlinked_premium_share, p.experience, p.skill, k.prem_mult,
                                  k.unlinked_mult, k.experience_growth)
    np.testing.assert_allclose(mine, kernel, rtol=1e-5, atol=1e-3)


def test_outputs_are_deterministic(scenario):
    a, b = run(scenario, 7), run(scenario, 7)
    pd.testing.assert_frame_equal(a.impact, b.impact)
    pd.testing.assert_frame_equal(a.training_accounts, b.training_accounts)


def test_impact_curve_chart_has_a_band_per_kind_and_year(scenario):
    from sim.charts import impact_band_frame, impact_chart, to_svg

    runs = [run(scenario, s) for s in (1, 2, 3)]
    frame = impact_band_frame(runs, split="kind", label="small")
    assert {"course", "apprenticeship"} <= set(frame.cell) and set(frame.scenario) == {"small"}
    assert set(frame.year) == set(range(1, 5))  # a 48-month run: years 1..4
    assert (frame.low <= frame.central + 1e-9).all() and (frame.central <= frame.high + 1e-9).all()
    assert (frame.low < frame.high).any()  # seeds differ: a band, not a line
    curve = impact_curve(runs, split="kind")
    course_y2 = curve[(curve.value == "course") & (curve.year == 2)].earnings_gain
    central = frame.set_index(["cell", "year"]).loc[("course", 2), "central"]
    assert central == pytest.approx(course_y2.mean())
    assert "<svg" in to_svg(impact_chart(frame))


def test_the_app_shows_the_impact_curve(scenario):
    from sim.app.chart_data import chart_csv
    from sim.app.views import TABS, build_charts

    no_fund = scenario.counterfactual()
    runs = [[run(no_fund, s) for s in (1, 2)], [run(scenario, s) for s in (1, 2)]]
    assert "Impact over time" in TABS
    spec = build_charts(["No fund", "Baseline"], [no_fund, scenario], runs, names=["Impact over time"])
    table = chart_csv(spec["Impact over time"])
    assert "course" in table and "apprenticeship" in table  # one scenario with a fund: by kind


def test_the_panel_is_written_a_month_at_a_time(scenario, tmp_path):
    short = apply_overrides(scenario, {"horizon_months": 12})
    path = tmp_path / "deep" / "panel.parquet"
    run(short, 1, panel=path)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 12  # one month per row group: memory holds one month of people
    assert meta.num_rows == short.region.n_workers * 12
    assert not list(path.parent.glob(".*.tmp"))


def test_labels_repeated_are_the_tiled_codes_labelled():
    """The metrics table labels one month's rows and repeats them: the same column as labelling
    every month's codes."""
    from sim.labels import labels

    codes = np.random.default_rng(3).integers(0, 4, 50)
    names = ["a", "bb", "ccc", "dddd"]
    for times in (0, 1, 7):
        assert labels(names, codes, repeat=times).equals(labels(names, np.tile(codes, times)))

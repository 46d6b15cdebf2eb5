"""Scenario discovery on a finished sweep: several PRIM boxes, each found among the runs the
earlier ones left, their peeling trajectories (the coverage-density trade-off) as a table and a
chart, and limits read as a person writes them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_sweep_common import write_spec
from typer.testing import CliRunner

import sim.sweep
from sim.cli.main import app
from sim.scenario.errors import ScenarioError
from sim.sweep.discovery import discover_boxes, discovery_frame, tradeoff_frame
from sim.sweep.engine import run_sweep
from sim.sweep.spec import load_spec

CONTRIBUTION = "fund.contributions[0].annual_total"
MATCH = "fund.contributions[1].rate"
DEPTH = "demand.recession.depth"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, float]:
    """A Latin hypercube over the employers' contribution, the public match's rate and the
    recession's depth, one seed (40 runs); the target is an end balance at or above the median,
    which a high contribution or a generous match can each reach (two boxes)."""
    folder = tmp_path_factory.mktemp("disc")
    spec = write_spec(folder, design="lhs", samples=40, replications=1,
                      levers={CONTRIBUTION: {"low": 50000, "high": 400000}, MATCH: {"low": 0.0, "high": 2.0}},
                      uncertainties={DEPTH: {"low": 0.0, "high": 0.25}})
    assert run_sweep(load_spec(spec), folder / "out", workers=2).ran == 40
    h = sim.sweep.load(folder / "out", kind="horizon")
    runs = h[(h.metric == "fund_balance") & (h.sector == "all") & (h.group == "all")]
    runs = runs.set_index("run_id")[["value", CONTRIBUTION, MATCH, DEPTH]]
    return folder / "out", runs, float(runs.value.median())


def _in_box(runs: pd.DataFrame, box: sim.sweep.discovery.Discovery) -> pd.Series:
    """The runs a box's restrictions (as stated to the reader) select, computed by hand."""
    keep = pd.Series(True, index=runs.index)
    for r in box.restrictions:
        if r.low is not None:
            keep &= runs[r.parameter] >= r.low
        if r.high is not None:
            keep &= runs[r.parameter] <= r.high
    return keep


def test_several_boxes_each_among_the_runs_the_earlier_left(sweep: tuple[Path, pd.DataFrame, float]) -> None:
    folder, runs, threshold = sweep
    boxes = discover_boxes(folder, "fund_balance", threshold, density=0.8, boxes=3)
    assert 2 <= len(boxes) <= 3 and [b.box for b in boxes] == list(range(1, len(boxes) + 1))
    first = boxes[0]
    assert first.restrictions and first == sim.sweep.discover(folder, "fund_balance", threshold)
    hits = runs.value >= threshold
    left = pd.Series(True, index=runs.index)
    for b in boxes:
        # a later box only takes runs no earlier box took; the rest is what is left
        inside = (_in_box(runs, b) if b.restrictions else True) & left
        assert b.density == pytest.approx(hits[inside].mean())
        assert b.coverage == pytest.approx(hits[inside].sum() / hits.sum())  # of all the target's runs
        assert b.mass == pytest.approx(inside.sum() / len(runs))
        if b.restrictions:
            assert b.density >= 0.8
        else:  # nothing dense enough was left: the last, and said so
            assert b is boxes[-1] and "no further combination" in b.sentence()
        left &= ~inside
    assert sum(b.coverage for b in boxes) <= 1 + 1e-9
    if boxes[1].restrictions:
        assert boxes[1].sentence().startswith("Box 2, among the runs outside the earlier boxes: ")


def test_the_peeling_trajectory_is_the_coverage_density_trade_off(sweep: tuple[Path, pd.DataFrame, float]
                                                                  ) -> None:
    folder, runs, threshold = sweep
    boxes = discover_boxes(folder, "fund_balance", threshold, density=0.8, boxes=2)
    steps = tradeoff_frame(boxes)
    one = steps[steps.box == 1]
    # peeling starts from every run and gives up coverage for density
    assert (one.coverage.iloc[0], one.density.iloc[0], one.runs.iloc[0]) == (1.0, 0.5, len(runs))
    assert one.density.max() >= 0.8 and one.coverage.iloc[-1] < 1
    # the box taken is the step of most coverage among those dense enough
    chosen = one[one.chosen].iloc[0]
    assert chosen.coverage == one[one.density >= 0.8].coverage.max() == boxes[0].coverage
    assert int(one.chosen.sum()) == 1
    if boxes[1].restrictions:  # box 2 starts from what box 1 left
        assert steps[steps.box == 2].runs.iloc[0] == len(runs) - chosen.runs


def test_discover_command_prints_boxes_trajectory_and_chart(sweep: tuple[Path, pd.DataFrame, float],
                                                            tmp_path: Path) -> None:
    folder, _, threshold = sweep
    result = CliRunner().invoke(app, ["discover", str(folder), "--outcome", "fund_balance", "--threshold",
                                      str(threshold), "--boxes", "2", "--out", str(tmp_path / "box.csv"),
                                      "--trajectory", str(tmp_path / "t.csv"), "--chart",
                                      str(tmp_path / "t.png")])
    assert result.exit_code == 0, result.stderr
    assert "Peeling trajectory" in result.stdout and "e+0" not in result.stdout
    box = pd.read_csv(tmp_path / "box.csv")
    assert list(box.columns) == ["box", "parameter", "condition", "low", "high", "levels", "coverage",
                                 "density", "mass"]
    money = box[box.parameter == CONTRIBUTION]
    assert money.condition.str.contains(r"\$\d{2,3},\d{3}").all()  # "at least $215,000 per year"
    traj = pd.read_csv(tmp_path / "t.csv")
    assert set(traj.box) <= {1, 2} and traj.chosen.sum() == traj.box.nunique()
    assert (tmp_path / "t.png").stat().st_size > 0
    html = CliRunner().invoke(app, ["discover", str(folder), "--outcome", "fund_balance", "--threshold",
                                    str(threshold), "--chart", str(tmp_path / "t.html")])
    assert html.exit_code == 0 and "coverage" in (tmp_path / "t.html").read_text()


@pytest.mark.parametrize("boxes", [0, 11])
def test_box_count_outside_its_range_is_refused(sweep: tuple[Path, pd.DataFrame, float], boxes: int) -> None:
    folder, _, threshold = sweep
    with pytest.raises(ScenarioError, match="--boxes: must be from 1 to 10"):
        discover_boxes(folder, "fund_balance", threshold, boxes=boxes)
    result = CliRunner().invoke(app, ["discover", str(folder), "--outcome", "fund_balance", "--threshold",
                                      "0", "--boxes", str(boxes)])
    assert result.exit_code == 2 and "--boxes" in result.stderr and "Traceback" not in result.stderr


def test_box_table_for_one_discovery_keeps_its_shape(sweep: tuple[Path, pd.DataFrame, float]) -> None:
    folder, _, threshold = sweep
    d = sim.sweep.discover(folder, "fund_balance", threshold)
    frame = discovery_frame(d)
    assert len(frame) == len(d.restrictions) and (frame.box == 1).all()
    assert (frame.coverage == d.coverage).all()


def test_no_box_dense_enough_still_shows_the_trade_off(sweep: tuple[Path, pd.DataFrame, float]) -> None:
    """One run meets the target: PRIM's smallest box (5% of the runs, 2 of 40) cannot be all hits."""
    folder, runs, _ = sweep
    (d,) = discover_boxes(folder, "fund_balance", float(runs.value.max()), density=1.0, boxes=3)
    assert not d.restrictions and (d.hits, d.runs) == (1, 40)
    steps = tradeoff_frame(d)
    assert len(steps) > 1 and not steps.chosen.any() and steps.density.max() < 1
    assert f"the densest box on its peeling trajectory reaches {steps.density.max():.0%}" in d.sentence()

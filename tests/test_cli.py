"""The `fundsim` command line, run as a real subprocess on real files.

Starting Python and importing the simulator costs ~3 s of CPU per process, so the commands are
few (one `validate` checks every bad file), all started at once by a module fixture (outputs go to
files), and each test waits for the ones it reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SCRIPT = Path(sys.executable).parent / "fundsim"

# The file formats of DESIGN.md section 8, spelled out (not imported) so a change has to be deliberate.
METRICS_COLUMNS = ["scenario", "seed", "month", "metric", "sector", "group", "value"]
LEDGER_COLUMNS = ["scenario", "seed", "month", "payer", "payee", "category", "amount_cents"]
SUMMARY_COLUMNS = ["metric", "unit", "mean", "p05", "p50", "p95"]
COMPARISON_COLUMNS = ["scenario", "reference", "metric", "unit", "a_mean", "b_mean", "diff_mean",
                      "diff_low", "diff_high", "p_value", "n_seeds"]

SMALL = f"""extends: {BASELINE}
name: small
horizon_months: 24
region: {{n_workers: 2000, n_firms: 40, n_providers: 3}}
"""
VARIANT = "extends: small.yaml\nname: variant\nfund: {admin_share: 0.1}\n"
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))

# name -> (file name, contents, text its problem line must show): each file wrong in one way
BAD_FILES: dict[str, tuple[str, str | bytes, str]] = {
    "unknown_key": ("unknown.yaml", f"extends: {BASELINE}\nfund: {{admin_shar: 0.1}}\n", "fund.admin_shar:"),
    "out_of_range": ("range.yaml", f"extends: {BASELINE}\nhorizon_months: 5\n", "horizon_months:"),
    "wrong_type": ("type.yaml", f"extends: {BASELINE}\nregion: {{n_workers: lots}}\n", "region.n_workers:"),
    "malformed": ("malformed.yaml", "name: [unclosed\nhorizon_months: 24\n", "malformed YAML"),
    "python_tag": ("tag.yaml", 'name: !!python/object/apply:os.system ["echo hi"]\n', "python/object"),
    "alias_bomb": ("bomb.yaml", ALIAS_BOMB, "aliases"),
    "too_large": ("large.yaml", "name: big\n" + "# padding\n" * 110_000, "too large"),
    "binary": ("binary.yaml", b"name: x\x00\x01\x02\xff\n", "binary"),
    "directory": ("adir", "", "directory"),
    "missing": ("nowhere.yaml", "", "file not found"),
}
# name -> (arguments, texts that must appear on stderr); each must exit 2
BAD_CASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "bad_files": (["validate", *(f for f, _, _ in BAD_FILES.values())], ("[unknown.yaml line 2]",)),
    "options": (["run", "small.yaml", "--seeds", "0", "--seed", "-1", "--workers", "0", "--set", "fund.x",
                 "--out", "never"], ("--seeds: ", "--seed: ", "--workers: ", "--set: ")),
    "set_path": (["run", "small.yaml", "--set", "fund.nope=1", "--out", "never"], ("fund.nope: unknown",)),
    "set_value": (["run", "small.yaml", "--set", "fund.admin_share=lots", "--out", "never"],
                  ("fund.admin_share: ",)),
    "seeds_not_int": (["run", "small.yaml", "--seeds", "two"], ("--seeds",)),
}
GOOD_CASES: dict[str, list[str]] = {
    "validate": ["validate", "small.yaml"],
    "schema": ["schema"],
    "params": ["params", "small.yaml"],
    "params_md": ["params", "--role", "lever", "--format", "markdown"],
    "run_a": ["run", "small.yaml", "--seeds", "2", "--out", "new/nested/a"],
    "run_b": ["run", "small.yaml", "--seeds", "2", "--seed", "1", "--workers", "2", "--out", "b", "--panel"],
    "compare": ["compare", "small.yaml", "variant.yaml", "--seeds", "2", "--out", "cmp"],
}


@dataclass
class Done:
    code: int
    out: str
    err: str


class Commands:
    """Commands started together; `get` waits for one and returns its exit code and output."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.done: dict[str, Done] = {}
        self.env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}

    def start(self, name: str, args: list[str], script: bool = False) -> None:
        cmd = [str(SCRIPT)] if script else [sys.executable, "-m", "sim.cli"]
        with open(self.cwd / f".{name}.out", "wb") as o, open(self.cwd / f".{name}.err", "wb") as e:
            self.procs[name] = subprocess.Popen([*cmd, *args], cwd=self.cwd, env=self.env, stdout=o, stderr=e)

    def get(self, name: str) -> Done:
        if name not in self.done:
            code = self.procs[name].wait(timeout=300)
            read = lambda ext: (self.cwd / f".{name}.{ext}").read_text("utf-8", errors="replace")  # noqa: E731
            self.done[name] = Done(code, read("out"), read("err"))
        return self.done[name]

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Commands]:
    work = tmp_path_factory.mktemp("cli")
    (work / "small.yaml").write_text(SMALL, encoding="utf-8")
    (work / "variant.yaml").write_text(VARIANT, encoding="utf-8")
    (work / "adir").mkdir()
    for file, content, _ in BAD_FILES.values():
        target = work / file
        if isinstance(content, bytes):
            target.write_bytes(content)
        elif content:
            target.write_text(content, "utf-8")
    commands = Commands(work)
    for name, args in GOOD_CASES.items():
        commands.start(name, args, script=name == "schema" and SCRIPT.exists())
    for name, (args, _) in BAD_CASES.items():
        commands.start(name, args)
    yield commands
    commands.stop()


# --- inspection commands -----------------------------------------------------------------------

def test_validate_ok(cli: Commands) -> None:
    r = cli.get("validate")
    assert r.code == 0, r.err
    assert r.out.startswith("small.yaml: valid (small, ") and r.err == ""


def test_validating_a_scenario_loads_no_pandas() -> None:
    """`fundsim validate` and `schema` start in a fraction of a second: the scenario checks use the
    ledger's cent rounding, and the ledger loads pandas only to make its table (0.4 s)."""
    code = ("import io, sys, contextlib\n"
            "sys.argv = ['fundsim', 'validate', 'scenarios/baseline.yaml']\n"
            "from sim.cli.main import main\n"
            "try:\n    with contextlib.redirect_stdout(io.StringIO()):\n        main()\n"
            "except SystemExit as e:\n    print(e.code, 'pandas' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["0", "False"], done.stderr[-2000:]


def test_schema_is_json(cli: Commands) -> None:
    r = cli.get("schema")
    assert r.code == 0, r.err
    schema = json.loads(r.out)
    assert "properties" in schema and "fund" in schema["properties"]


def test_params_table(cli: Commands) -> None:
    r = cli.get("params")
    assert r.code == 0, r.err
    line = next(x for x in r.out.splitlines() if "fund.admin_share " in x)
    assert "share of income" in line and "lever" in line


def test_params_markdown(cli: Commands) -> None:
    r = cli.get("params_md")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "| path | value | unit | min | max | role | source | description |"
    assert lines[1].startswith("|---|")
    assert any(x.startswith("| fund.admin_share | 0.05 | share of income |") for x in lines)
    assert all(x.split(" | ")[5] == "lever" for x in lines[2:])


# --- run ---------------------------------------------------------------------------------------

def test_run_writes_files(cli: Commands) -> None:
    r = cli.get("run_a")
    assert r.code == 0, r.err
    assert "enrolments" in r.out and "small — 2 seeds (1–2)" in r.out and "Results written" in r.out
    folder = cli.cwd / "new" / "nested" / "a"  # created with its parents
    for name in ("metrics.parquet", "ledger.parquet", "summary.csv", "scenario.yaml", "providers.csv",
                 "impact.parquet", "training_accounts.parquet"):
        assert (folder / name).is_file(), name
    assert not (folder / "panel").exists()  # the panel is opt-in
    assert not list(folder.glob(".*.tmp"))

    metrics = pd.read_parquet(folder / "metrics.parquet")
    assert list(metrics.columns) == METRICS_COLUMNS
    assert set(metrics.scenario) == {"small"} and set(metrics.seed) == {1, 2}
    assert pd.api.types.is_integer_dtype(metrics.month) and pd.api.types.is_float_dtype(metrics.value)

    ledger = pd.read_parquet(folder / "ledger.parquet")
    assert list(ledger.columns) == LEDGER_COLUMNS
    assert str(ledger.amount_cents.dtype) == "int64" and (ledger.amount_cents > 0).all()
    assert set(ledger.seed) == {1, 2}

    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary.metric.is_unique and set(summary.metric) == set(metrics.metric)
    ok = summary.dropna(subset=["p05", "p50", "p95"])
    assert len(ok) > 0.8 * len(summary)
    assert (ok.p05 <= ok.p50 + 1e-9).all() and (ok.p50 <= ok.p95 + 1e-9).all()

    providers = pd.read_csv(folder / "providers.csv")
    assert {"seed", "provider"} <= set(providers.columns) and set(providers.seed) == {1, 2}
    assert "horizon_months: 24" in (folder / "scenario.yaml").read_text("utf-8")


def test_run_is_deterministic_across_workers(cli: Commands) -> None:
    a, b = cli.get("run_a"), cli.get("run_b")
    assert a.code == 0 and b.code == 0, a.err + b.err
    for name in ("metrics.parquet", "ledger.parquet", "impact.parquet", "training_accounts.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(cli.cwd / "new" / "nested" / "a" / name),
                                      pd.read_parquet(cli.cwd / "b" / name))


def test_run_panel_is_people_by_months(cli: Commands) -> None:
    r = cli.get("run_b")
    assert r.code == 0, r.err
    impact = pd.read_parquet(cli.cwd / "b" / "impact.parquet")
    assert set(impact.seed) == {1, 2} and (impact.participants > 0).all()
    for seed in (1, 2):
        panel = pd.read_parquet(cli.cwd / "b" / "panel" / f"seed-{seed}.parquet")
        assert len(panel) == 2000 * 24 and panel.person.nunique() == 2000 and panel.month.nunique() == 24
        assert {"status", "earnings", "twin_status", "twin_earnings", "provider"} <= set(panel.columns)
        assert (panel.twin_status >= 0).all()  # the baseline has a fund and its twin


# --- compare -----------------------------------------------------------------------------------

def test_compare_writes_comparison(cli: Commands) -> None:
    r = cli.get("compare")
    assert r.code == 0, r.err
    assert "variant minus small" in r.out and "fund_spend_admin" in r.out
    table = pd.read_csv(cli.cwd / "cmp" / "comparison.csv")
    assert list(table.columns) == COMPARISON_COLUMNS
    assert set(table.scenario) == {"variant"} and set(table.reference) == {"small"}
    assert (table.n_seeds <= 2).all()
    admin = table.set_index("metric").loc["fund_spend_admin"]
    assert admin.diff_mean > 0  # a higher admin share costs more administration
    metrics = pd.read_parquet(cli.cwd / "cmp" / "metrics.parquet")
    assert list(metrics.columns) == METRICS_COLUMNS and set(metrics.scenario) == {"small", "variant"}


# --- invalid input -----------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_exits_2(cli: Commands, case: str) -> None:
    r = cli.get(case)
    assert r.code == 2, (r.code, r.err)
    for text in BAD_CASES[case][1]:
        assert text in r.err, r.err
    assert "Traceback" not in r.err + r.out
    assert not (cli.cwd / "never").exists()


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_each_bad_file_is_named(cli: Commands, case: str) -> None:
    """`validate` reports every file; each file's problem line names the field or the fault."""
    r = cli.get("bad_files")
    file, _, expected = BAD_FILES[case]
    lines = [x for x in r.err.splitlines() if f"[{file}" in x]
    assert lines and any(expected in x for x in lines), r.err
    assert f"{file}: valid" not in r.out

"""The Streamlit app driven through Streamlit's AppTest: the default comparison with no click,
editing and running, three scenarios, the rule diff, the link round trip, bad uploads and bad
values, and the downloads (opened with openpyxl, pypdf and the scenario loader).

A small region (2,000 people, 36 months) and 2 seeds keep each run under a second; the run
cache lives in a temporary folder shared by the module's tests."""

from __future__ import annotations

import html
import io
import re
import urllib.parse
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from sim.app.kpis import KPIS
from sim.app.share import BOX_LABEL
from sim.app.ui import RULES_GROUP, SUBMIT_LABEL, editor_key, group_key
from sim.scenario.loader import load_scenario_text

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SMALL = "region.n_workers=2000;region.n_firms=60;region.n_providers=4;horizon_months=36"
ANNUAL_TOTAL = "fund.contributions[0].annual_total"


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"FUNDSIM_APP_SEEDS": "2", "FUNDSIM_APP_WORKERS": "1", "FUNDSIM_APP_OVERRIDES": SMALL,
            "FUNDSIM_CACHE_DIR": str(tmp_path_factory.mktemp("app-cache"))}


@pytest.fixture
def app(app_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> AppTest:
    for k, v in app_env.items():
        monkeypatch.setenv(k, v)
    return AppTest.from_file(APP, default_timeout=180)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == SUBMIT_LABEL).click()
    return ok(at.run())


def open_group(at: AppTest, group: str = "Fund rules") -> AppTest:
    """Open an editor group as a click on its expander does: its fields are drawn on the rerun."""
    at.session_state[group_key(group)] = True
    return ok(at.run())


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


DIFF_COLUMN = "How it differs from the current rules"


def diff_text(at: AppTest) -> str:
    return "\n".join(at.table[0].value[DIFF_COLUMN].astype(str))


def card(at: AppTest, label: str, scenario_index: int):
    """A KPI card by the start of its label (the label ends with the unit)."""
    cards = [m for m in at.metric if m.label.startswith(label)]
    return cards[scenario_index]


def share_link(at: AppTest) -> str:
    """The link in the share box (sim.app.share: a small HTML page in an iframe, the link its
    input's value)."""
    frame = next(e for e in at.main if getattr(e, "type", "") == "iframe" and BOX_LABEL in e.proto.srcdoc)
    return html.unescape(re.search(r'<input [^>]*value="([^"]*)"', frame.proto.srcdoc).group(1))


def test_the_share_box_holds_any_link_as_its_value_only() -> None:
    """The box's value is the link, whatever it holds; the script copies that value and carries
    no copy of the link that could close it or reach the clipboard escaped."""
    from html.parser import HTMLParser

    from sim.app.share import page

    url = 'http://host:8501/?c=abc&x="1"</script><b>'

    class Box(HTMLParser):
        value: str | None = None

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "input":
                self.value = dict(attrs)["value"]

    doc = page(url)
    box = Box()
    box.feed(doc)
    assert box.value == url
    script = doc[doc.index("<script>"):]
    assert script.count("</script>") == 1 and "abc" not in script


def same_preset_twice(at: AppTest) -> AppTest:
    """The baseline as both the current rules and the proposal (the proposal is edited)."""
    at.selectbox(key="pick0").set_value("preset:baseline")
    return ok(at.run())


def test_default_comparison_renders_without_a_click(app: AppTest) -> None:
    at = ok(app.run())
    assert at.title[0].value == "fundsim — compare funding rules"
    # The current rules are the world without the fund; the proposal is the fund (forwards).
    assert at.selectbox(key="pick0").value == "preset:no_fund"
    assert at.selectbox(key="pick1").value == "preset:baseline"
    assert at.selectbox(key="edit_target").value == "Proposal: Baseline"  # the proposal is edited
    assert len(at.metric) == 2 * len(KPIS)
    ref, prop = at.metric[:len(KPIS)], at.metric[len(KPIS):]
    assert all(p.delta for r, p in zip(ref, prop, strict=True) if r.value != "n/a")  # differences
    assert not any(m.delta for m in at.metric[:len(KPIS)])  # the current rules: none (its column first)
    creds = card(at, "Credentials earned", 1)
    assert creds.label == "Credentials earned (people)"
    assert creds.delta.startswith("+") and "vs. current rules (90%:" in creds.delta  # a gain, not a loss
    assert share_link(at).startswith("http://localhost:8501/?c=")
    assert "Fund rules · Enabled is yes instead of no." in diff_text(at)
    assert [b.label for b in at.download_button] == ["This chart's data (CSV): Funnel", "Scenarios (YAML)",
                                                     "Results (CSV)"]


def test_editing_a_rule_and_running_changes_the_differences(app: AppTest) -> None:
    at = same_preset_twice(ok(app.run()))
    assert "Same rules as the current rules" in diff_text(at)
    before = card(at, "Money in the fund at the end", 1).delta
    assert before.startswith("no clear difference: $0")  # the same scenario twice: grey, no arrow
    assert not at.number_input  # closed groups draw no fields (a light first view)
    open_group(at)
    # A dated lever: a table of (from month, value) rows, money shown with separators and currency
    table = next(t for t in at.data_editor if t.key == editor_key(ANNUAL_TOTAL))
    assert table.value.to_dict("records") == [{"From month": 1, DATED_COLUMN: 1_500_000.0}]
    assert '"$%,.0f"' in table.proto.columns
    edit_table(at, ANNUAL_TOTAL, edited={"0": {DATED_COLUMN: 4_500_000}})  # one row: a plain value
    assert not at.error
    expected = ("Fund rules · Contributions · Matched contributions · Annual total is $4,500,000 instead of "
                "$1,500,000 ($ per year).")
    assert expected in diff_text(at)
    after = card(at, "Money in the fund at the end", 1).delta
    assert after.startswith("+$") and after != before
    assert at.selectbox(key="pick1").value == "preset:baseline"
    assert any("Baseline (edited)" in m.value for m in at.markdown)
    # "what you changed", under the edited scenario (dollar signs escaped: not a LaTeX formula)
    changed = [m.value.replace("\\$", "$") for m in at.sidebar.markdown]
    assert any("What you changed in Baseline" in v for v in changed)
    assert any("Annual total is $4,500,000 instead of $1,500,000" in v for v in changed)


def test_three_scenarios_side_by_side(app: AppTest) -> None:
    at = ok(app.run())
    at.selectbox(key="pick2").set_value("preset:uk_levy")
    ok(at.run())
    assert len(at.metric) == 3 * len(KPIS)
    heads = [m.value for m in at.markdown if " · " in m.value]
    assert any(h.startswith("**England's Apprenticeship Levy") and "· proposal 2:" in h for h in heads)
    table = at.table[0].value.reset_index()
    assert set(table["Proposal"]) == {"baseline", "uk_levy"}
    changes = table[table["Proposal"] == "uk_levy"][DIFF_COLUMN]
    assert "Fund rules · Contributions gains a payroll levy rule." in set(changes)


def test_the_link_restores_choices_and_edits_in_a_new_session(app: AppTest, app_env, monkeypatch) -> None:
    at = ok(app.run())
    at.selectbox(key="pick2").set_value("preset:equity_supports")
    open_group(ok(at.run()))
    share = at.number_input(key=editor_key("fund.admin_share"))
    assert share.value == pytest.approx(5.0)  # a percentage, not a fraction
    share.set_value(8.0)
    submit(at)
    link = share_link(at)
    token = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["c"][0]
    assert at.query_params["c"] == token  # the address bar carries it too
    fresh = AppTest.from_file(APP, default_timeout=180)
    fresh.query_params["c"] = token
    ok(fresh.run())
    assert [fresh.selectbox(key=f"pick{i}").value for i in range(4)] == \
        ["preset:no_fund", "preset:baseline", "preset:equity_supports", "(none)"]
    assert "Fund rules · Admin share is 8% instead of 5% (% of income)." in diff_text(fresh)
    assert diff_text(fresh) == diff_text(at)
    open_group(fresh)
    assert fresh.number_input(key=editor_key("fund.admin_share")).value == pytest.approx(8.0)


def test_a_broken_link_says_so_and_opens_the_default(app: AppTest) -> None:
    app.query_params["c"] = "not-a-real-link"
    at = ok(app.run())
    assert "cannot be opened" in errors(at)
    assert len(at.metric) == 2 * len(KPIS)


@pytest.mark.parametrize(("content", "expected"), [
    (b"name: big\n" + b"#" * 1_100_000, "too large"),
    (b"name: [unclosed\n", "malformed YAML"),
    (b"name: x\nfund: !!python/object/apply:os.system ['true']\n", "is not allowed"),
    (b"extends: baseline.yaml\nname: bad\nfund:\n  admin_share: 2\n  membership: sometimes\n",
     "fund.admin_share: must be between 0 and 0.5"),
])
def test_bad_uploads_list_each_problem_and_the_page_keeps_working(app: AppTest, content: bytes,
                                                                   expected: str) -> None:
    at = ok(app.run())
    at.file_uploader(key="uploads").upload("bad.yaml", content, "application/x-yaml")
    ok(at.run())
    assert expected in errors(at)
    if b"membership" in content:
        assert "fund.membership: must be one of: compulsory, voluntary" in errors(at)
    assert len(at.metric) == 2 * len(KPIS)
    assert "upload:bad.yaml" not in at.selectbox(key="pick2").options


def test_a_good_upload_joins_the_comparison(app: AppTest) -> None:
    at = ok(app.run())
    text = b"extends: baseline.yaml\nname: bigger_fund\nfund:\n  admin_share: 0.1\n"
    at.file_uploader(key="uploads").upload("bigger.yaml", text, "application/x-yaml")
    ok(at.run())
    assert not at.error
    assert at.selectbox(key="pick2").value == "upload:bigger.yaml"
    assert len(at.metric) == 3 * len(KPIS)
    assert "Admin share is 10% instead of 5%" in diff_text(at)


def test_a_rule_is_added_and_removed_from_the_sidebar(app: AppTest) -> None:
    at = same_preset_twice(ok(app.run()))
    open_group(at, RULES_GROUP)
    at.selectbox(key="rules:list").set_value(1)  # Fund rules · Payments · Rules
    ok(at.run())
    at.selectbox(key="rules:kind").set_value("wage_gain_bonus")
    ok(at.run())
    next(b for b in at.button if b.key == "rules:add").click()
    ok(at.run())
    assert not at.error
    assert "Fund rules · Payments · Rules gains a wage gain bonus rule." in diff_text(at)
    open_group(at)  # the new rule's fields are in the editor
    assert at.number_input(key=editor_key("fund.payments.rules[5].share")).value == 0.0
    at.selectbox(key="rules:list").set_value(0)  # Fund rules · Contributions
    ok(at.run())
    at.selectbox(key="rules:pick").set_value(1)  # #2 (public match)
    next(b for b in at.button if b.key == "rules:remove").click()
    ok(at.run())
    text = diff_text(at)
    assert "Contributions drops its public match rule." in text and "gains a wage gain bonus" in text
    assert len(at.metric) == 2 * len(KPIS)


def test_invalid_edits_are_listed_and_not_applied(app: AppTest) -> None:
    at = same_preset_twice(ok(app.run()))
    open_group(at)
    at.number_input(key=editor_key("fund.payments.rules[0].share")).set_value(50.0)  # in %
    submit(at)
    assert "payment rule shares must sum to 1 (they sum to 1.3000)" in errors(at)
    assert "Same rules as the current rules" in diff_text(at)  # nothing was applied
    assert len(at.metric) == 2 * len(KPIS)


DATED_COLUMN = "$ per year"  # the dated lever's value column: its display unit, from the schema


def edit_table(at: AppTest, path: str, *, added: list[dict] | None = None,
               edited: dict[str, dict] | None = None, deleted: list[int] | None = None) -> AppTest:
    """Edit a dated lever's table as a member does in the browser (AppTest cannot type into a
    data grid: the grid's edit state is what the browser sends), then run the comparison."""
    at.session_state[editor_key(path)] = {"edited_rows": edited or {}, "added_rows": added or [],
                                          "deleted_rows": deleted or []}
    return submit(at)


def test_a_dated_lever_gets_steps_from_its_table_and_the_runs_use_them(app: AppTest, app_env,
                                                                       monkeypatch) -> None:
    """The employers' annual total is $1.5M until month 24, then $3M: one row added to its table.
    The runs' scenario (the YAML download), the diff, "what you changed" and the link carry it."""
    record_files(monkeypatch)
    at = open_group(same_preset_twice(ok(app.run())))
    table = next(t for t in at.data_editor if t.key == editor_key(ANNUAL_TOTAL))
    assert table.editing_mode == "dynamic"  # rows can be added and removed
    assert table.value.to_dict("records") == [{"From month": 1, DATED_COLUMN: 1_500_000.0}]
    edit_table(at, ANNUAL_TOTAL, added=[{"From month": 25, DATED_COLUMN: 3_000_000}])
    assert not at.error
    sentence = ("Fund rules · Contributions · Matched contributions · Annual total is $1,500,000 in months "
                "1-24, then $3,000,000 from month 25, instead of $1,500,000 ($ per year).")
    assert sentence in diff_text(at)
    changed = [m.value.replace("\\$", "$") for m in at.sidebar.markdown]
    assert any(sentence.split(" · ", 1)[1][:-1] in v for v in changed)  # "what you changed"
    with zipfile.ZipFile(io.BytesIO(download(at, "Scenarios (YAML)"))) as z:
        ran = load_scenario_text(z.read(z.namelist()[1]))
    steps = ran.fund.contributions[0].annual_total
    assert [(s.start, s.value) for s in steps] == [(1, 1_500_000.0), (25, 3_000_000.0)]
    # The link restores the steps in a new session, and the table shows them as rows.
    token = urllib.parse.parse_qs(urllib.parse.urlparse(share_link(at)).query)["c"][0]
    fresh = AppTest.from_file(APP, default_timeout=180)
    fresh.query_params["c"] = token
    open_group(ok(fresh.run()))
    assert diff_text(fresh) == diff_text(at)
    again = next(t for t in fresh.data_editor if t.key == editor_key(ANNUAL_TOTAL))
    assert again.value.to_dict("records") == [{"From month": 1, DATED_COLUMN: 1_500_000.0},
                                              {"From month": 25, DATED_COLUMN: 3_000_000.0}]
    # Deleting the second row makes it a plain value again: no change from the preset.
    edit_table(fresh, ANNUAL_TOTAL, deleted=[1])
    assert not fresh.error and "Same rules as the current rules" in diff_text(fresh)


def test_a_bad_dated_table_is_named_and_nothing_is_applied(app: AppTest) -> None:
    at = open_group(same_preset_twice(ok(app.run())))
    edit_table(at, ANNUAL_TOTAL, edited={"0": {"From month": 3}})
    lever = "Contributions #1 (matched contributions) · What all members together contribute in a year"
    assert lever in errors(at) and "the first row must start at month 1" in errors(at)
    assert "Same rules as the current rules" in diff_text(at)  # nothing was applied
    # What was typed is kept (the grid shows it again), so it can be corrected, not retyped.
    assert at.session_state[editor_key(ANNUAL_TOTAL)]["edited_rows"] == {"0": {"From month": 3}}
    edit_table(at, ANNUAL_TOTAL, added=[{"From month": 13, DATED_COLUMN: -1}])
    assert "row 2 (from month 13): the value must be between $0 and $10,000,000,000 (you gave -$1)" \
        in errors(at).replace("\\$", "$")
    assert len(at.metric) == 2 * len(KPIS)


class Recorder(MemoryMediaFileStorage):
    """The real in-memory media storage, remembering every instance so a test can read files."""

    made: list[MemoryMediaFileStorage] = []

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        Recorder.made.append(self)


class Managers(MediaFileManager):
    """The real media file manager, remembering every instance: it holds the functions that make
    a deferred download's file when its button is pressed."""

    made: list[MediaFileManager] = []

    def __init__(self, storage: MemoryMediaFileStorage) -> None:
        super().__init__(storage)
        Managers.made.append(self)


def record_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Recorder)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", Managers)


def download(at: AppTest, label: str) -> bytes:
    """The file a download button gives: made at once, or (deferred) made now, as a click would."""
    button = next(b for b in at.download_button if b.label == label)
    url = button.proto.url
    if button.proto.HasField("deferred_file_id"):
        url = Managers.made[-1].execute_deferred(button.proto.deferred_file_id)
    return Recorder.made[-1].get_file(url.rsplit("/", 1)[-1]).content


def test_downloads_are_real_files(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    record_files(monkeypatch)
    at = ok(app.run())
    next(b for b in at.button if b.label == "Prepare reports").click()
    ok(at.run())
    labels = [b.label for b in at.download_button]
    assert labels == ["This chart's data (CSV): Funnel", "Scenarios (YAML)", "Results (CSV)", "Excel report",
                      "PDF report"]
    funnel = pd.read_csv(io.BytesIO(download(at, "This chart's data (CSV): Funnel")))
    assert {"panel", "scenario", "stage", "central", "low", "high"} <= set(funnel.columns)
    assert set(funnel.scenario) == {"baseline", "no_fund"} and (funnel.low <= funnel.high).all()
    with zipfile.ZipFile(io.BytesIO(download(at, "Scenarios (YAML)"))) as z:
        names = z.namelist()
        loaded = [load_scenario_text(z.read(n)) for n in names]
    assert [s.name for s in loaded] == ["no_fund", "baseline"] and len(names) == 2
    assert loaded[0].region.n_workers == 2000 and not loaded[0].fund.enabled
    table = pd.read_csv(io.BytesIO(download(at, "Results (CSV)")))
    assert set(table.scenario) == {"baseline", "no_fund"}
    fund = table[(table.scenario == "baseline") & (table.metric == "completions")]
    assert fund["diff_vs_reference"].gt(0).all()  # the fund's effect reads as a gain
    book = openpyxl.load_workbook(io.BytesIO(download(at, "Excel report")), read_only=True)
    assert len(book.sheetnames) >= 3
    pdf = PdfReader(io.BytesIO(download(at, "PDF report")))
    assert len(pdf.pages) >= 2 and "baseline" in pdf.pages[0].extract_text()
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # Letter by default
    # A4 asks for the reports again (they were made for Letter), then gives A4 pages.
    at.radio(key="report_paper").set_value("A4")
    ok(at.run())
    assert "PDF report" not in [b.label for b in at.download_button]
    next(b for b in at.button if b.label == "Prepare reports").click()
    ok(at.run())
    box = PdfReader(io.BytesIO(download(at, "PDF report"))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_app_wide_overrides_that_do_not_apply_are_a_clear_message(app_env, monkeypatch) -> None:
    monkeypatch.setenv("FUNDSIM_APP_OVERRIDES", "fund.nope=1")
    for k in ("FUNDSIM_APP_SEEDS", "FUNDSIM_CACHE_DIR"):
        monkeypatch.setenv(k, app_env[k])
    at = ok(AppTest.from_file(APP, default_timeout=180).run())  # no traceback
    assert "FUNDSIM_APP_OVERRIDES does not apply to the presets" in errors(at)
    assert "fund.nope: unknown field 'nope' in fund" in errors(at)


def test_a_deeply_nested_link_is_a_message_not_a_traceback(app: AppTest) -> None:
    import base64
    import zlib

    text = '{"v":1,"s":[["preset:baseline",{"a":' + "[" * 100_000 + "]" * 100_000 + "}]]}"
    app.query_params["c"] = base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")
    at = ok(app.run())
    assert "nested too deeply" in errors(at)
    assert len(at.metric) == 2 * len(KPIS)  # and the default comparison is shown


def test_thousands_of_unknown_keys_make_one_short_error(app: AppTest) -> None:
    at = ok(app.run())
    text = "extends: baseline.yaml\n" + "".join(f"key{i}: 1\n" for i in range(3_000))
    at.file_uploader(key="uploads").upload("many.yaml", text.encode(), "application/x-yaml")
    ok(at.run())
    box = errors(at)
    assert "key0: unknown field" in box and "… and 2,988 more problems" in box
    assert len(box) < 10_000  # not megabytes in one box


def _early_page() -> None:
    from sim.app.kpis import Card
    from sim.app.ui import early_table

    rows = [[Card("no_fund", "placements", "People placed (people)", "900 ($1 to $2)", None, "off", "")],
            [Card("baseline", "placements", "People placed (people)", "1,900",
                  "+1,000 vs. current rules (90%: +$1 | +$3)", "normal", "", clear=True)]]
    early_table(rows, ["No fund", "Baseline"])


def test_the_early_answer_is_one_plain_table() -> None:
    """While runs finish the page shows one Markdown table (drawn at once by the browser), its
    dollar signs and bars escaped so they neither make a formula nor break a column."""
    at = ok(AppTest.from_function(_early_page).run())
    text = at.markdown[0].value
    assert text.startswith("| Measure | No fund (current rules) | Baseline (proposal) |")
    assert "| People placed (people) | **900 (\\$1 to \\$2)** | **1,900** · +1,000 vs. current rules " \
           "(90%: +\\$1 \\| +\\$3) |" in text

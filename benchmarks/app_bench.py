"""Time to the app's answers: the default comparison (no fund beside the baseline fund, 8 seeds,
the baseline region), in headless Chromium (Playwright).

    python benchmarks/app_bench.py [--seeds 8] [--repeats 3] [--browser /usr/bin/chromium] [--busy N] [--json]

`--busy N` keeps N other processes spinning at normal priority throughout (a machine that is
doing something else too: another program, a second user's sweep); the default 0 is a quiet
machine. Quote which.

With an EMPTY run cache (a fresh server; every run simulated):
  first answer     opening the page -> the early answer (a table of every KPI, drawn as soon as
                   each scenario has one run) or the full one
  full bands       opening the page -> the full view: all seeds, the open tab's chart drawn (its SVG
                   marks exist), the rule table, no progress bar
  edit: first answer / full bands   the same two after changing a percentage (the proposal's admin
                   share) and pressing Run comparison: a new scenario, simulated from nothing
  reports          "Prepare reports" -> both report downloads offered (from the runs on the page)
As `make app` starts it (the launcher simulates the default comparison before serving):
  server start     including that precompute, on an empty cache
  first view       the first visitor's full view
Then, with the runs on disk:
  warm start  a fresh server process (the committee's usual case)
  warm page   a second page on the same server
It then times the page's script alone on the warm cache with Streamlit's AppTest (no browser),
which is all it measures without Playwright or a browser (cold and warm).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from common import busy, show  # noqa: E402  (benchmarks/common.py)

from sim.app.kpis import KPIS  # noqa: E402
from sim.app.serve import CHROMIUM_ARGS, app_server, find_chromium  # noqa: E402
from sim.app.views import TABS  # noqa: E402


def engine_version() -> str:
    from sim.runcache import code_version

    code_version.cache_clear()
    return code_version()


def page_view(browser, url: str, n_metrics: int, timeout_s: float) -> float:
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    t0 = time.perf_counter()
    page.goto(url)
    _wait(page, FULL, [n_metrics, len(TABS), ""], timeout_s)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


# The full view (not the early answer) whose rule table holds `text` (after an edit: the sidebar's
# "what you changed" says it at once, and the old page's elements stay until they are replaced).
FULL = """([n, charts, text]) => document.querySelectorAll('[data-testid="stMetric"]').length >= n
     && document.querySelector('[data-testid="stVegaLiteChart"] svg.marks')
     && document.querySelectorAll('[data-testid="stTab"]').length >= charts
     && document.querySelectorAll('[data-testid="stProgress"]').length === 0
     && document.querySelector('[data-testid="stTable"]')
     && document.querySelector('[data-testid="stTable"]').innerText.includes(text)
     && !document.body.innerText.includes('Early answer from')"""


def _wait(page, condition: str, arg: list, timeout_s: float) -> None:
    page.wait_for_function(condition, arg=arg, timeout=timeout_s * 1000, polling=50)


def cold_views(browser, url: str, n_metrics: int, timeout_s: float) -> dict[str, float]:
    """First answer and full bands on an empty cache: on opening, then after an edit; then the
    reports."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    # The early answer (a table, drawn while runs go on) or the full one's cards.
    cards = ("([n]) => document.body.innerText.includes('Early answer from')"
             " || document.querySelectorAll('[data-testid=\"stMetric\"]').length >= n")
    full = FULL
    out = {}
    t0 = time.perf_counter()
    page.goto(url)
    _wait(page, cards, [n_metrics], timeout_s)
    out["empty cache, open: first answer (s)"] = time.perf_counter() - t0
    _wait(page, full, [n_metrics, len(TABS), ""], timeout_s)
    out["empty cache, open: full bands (s)"] = time.perf_counter() - t0

    # A committee member changes a percentage of the proposal and runs it.
    page.locator('[data-testid="stExpander"] summary', has_text="Fund rules").first.click()
    share = page.get_by_role("spinbutton", name="Administration cost as a share of income (% of income)",
                             exact=True).first
    share.wait_for(timeout=timeout_s * 1000)
    share.fill("6")
    t0 = time.perf_counter()
    page.get_by_role("button", name="Run comparison").first.click()
    changed = "Admin share is 6% instead of 5%"
    first = "([n, charts, text]) => document.body.innerText.includes('Early answer from') || (" + \
        FULL.split("=> ", 1)[1] + ")"
    _wait(page, first, [n_metrics, len(TABS), changed], timeout_s)
    out["empty cache, after an edit: first answer (s)"] = time.perf_counter() - t0
    _wait(page, full, [n_metrics, len(TABS), changed], timeout_s)
    out["empty cache, after an edit: full bands (s)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    page.get_by_role("button", name="Prepare reports").click()
    # exact: "PDF report" alone also names the paper-size question's help button, already there
    page.get_by_role("button", name="PDF report", exact=True).wait_for(timeout=timeout_s * 1000)
    out["reports from the runs on the page (s)"] = time.perf_counter() - t0
    page.close()
    return out


def with_browser(env: dict[str, str], browser_path: str | None, timeout_s: float,
                 repeats: int) -> dict[str, float | str]:
    """Cold once, then `repeats` warm starts (a fresh server each) with a second page on each;
    the median and range of the warm figures are reported (this VM's speed drifts)."""
    from playwright.sync_api import sync_playwright

    n = 2 * len(KPIS)
    out: dict[str, float | str] = {}
    warm: dict[str, list[float]] = {"warm start": [], "warm page, same server": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, headless=True, args=CHROMIUM_ARGS)
        try:
            phases = ["cold"] + ["warm start"] * repeats
            versions = [engine_version()]
            while phases:
                phase = phases.pop(0)
                t0 = time.perf_counter()
                with app_server(env) as url:
                    started = time.perf_counter() - t0
                    if phase == "cold":
                        out["empty cache: server start (s)"] = started
                        out.update(cold_views(browser, url, n, timeout_s))
                        continue
                    first = page_view(browser, url, n, timeout_s)
                    again = page_view(browser, url, n, timeout_s)
                versions.append(engine_version())
                # The run cache is keyed by the engine's source: if it was edited while we measured,
                # the warm start had to simulate again. Measure it again (a few times at most).
                if phase == "warm start" and len(set(versions[-2:])) > 1 and len(versions) < 3 * repeats + 4:
                    out["note"] = "the engine's source changed while measuring; warm start measured again"
                    phases.append("warm start")
                    continue
                warm["warm start"].append(first)
                warm["warm page, same server"].append(again or 0.0)
        finally:
            browser.close()
    for name, values in warm.items():
        if values:
            out[f"{name}: first full view, median (s)"] = statistics.median(values)
            out[f"{name}: range over {len(values)} (s)"] = f"{min(values):.2f}-{max(values):.2f}"
    return out


def as_make_app(env: dict[str, str], browser_path: str | None, timeout_s: float) -> dict[str, float]:
    """`make app` on an empty cache: the launcher simulates the default comparison before it
    serves (server start includes that), then the first visitor's full view."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="fundsim-app-bench-made-") as fresh:
        made = {**env, "FUNDSIM_CACHE_DIR": fresh, "FUNDSIM_APP_PRECOMPUTE": "1"}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=browser_path, headless=True, args=CHROMIUM_ARGS)
            try:
                t0 = time.perf_counter()
                with app_server(made, timeout=timeout_s) as url:
                    started = time.perf_counter() - t0
                    first = page_view(browser, url, 2 * len(KPIS), timeout_s)
            finally:
                browser.close()
    return {"make app, empty cache: server start incl. precompute (s)": started,
            "make app, empty cache: first visitor's full view (s)": first}


def with_apptest(env: dict[str, str], timeout_s: float,
                 phases: tuple[str, ...] = ("cold", "warm start")) -> dict[str, float]:
    code = ("import time, sys\nfrom streamlit.testing.v1 import AppTest\n"
            "t = time.perf_counter()\n"
            f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout={timeout_s}).run()\n"
            "assert not at.exception, [e.message for e in at.exception]\n"
            "print(time.perf_counter() - t)\n")
    out = {}
    for phase in phases:
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True)
        out[f"{phase}: script run, AppTest (s)"] = float(done.stdout.strip().splitlines()[-1])
        out[f"{phase}: process incl. imports, AppTest (s)"] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--browser", default=find_chromium() or "",
                    help="Chromium executable for Playwright ('' = Playwright's own)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for a view")
    ap.add_argument("--repeats", type=int, default=3, help="warm starts to measure (median reported)")
    ap.add_argument("--apptest", action="store_true", help="measure with AppTest only (no browser)")
    ap.add_argument("--busy", type=int, default=0,
                    help="other processes kept busy at normal priority while measuring (a loaded machine)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with busy(args.busy), tempfile.TemporaryDirectory(prefix="fundsim-app-bench-") as cache:
        # The empty-cache figures are the page simulating everything itself: the launcher's own
        # precompute of the default comparison (what `make app` does) is off for them and timed apart.
        env = {**os.environ, "FUNDSIM_CACHE_DIR": cache, "FUNDSIM_APP_SEEDS": str(args.seeds),
               "FUNDSIM_APP_PRECOMPUTE": "0"}
        env.pop("FUNDSIM_APP_OVERRIDES", None)  # the baseline region, as the committee sees it
        browser = args.browser or None
        use_browser = not args.apptest
        if use_browser:
            try:
                import playwright  # noqa: F401
            except ImportError:
                use_browser = False
            if browser and not Path(browser).exists():
                use_browser = False
        if use_browser:  # then the page's script alone, on the now warm cache, in a fresh process
            result = {**with_browser(env, browser, args.timeout, args.repeats),
                      **with_apptest(env, args.timeout, phases=("warm start",)),
                      **as_make_app(env, browser, args.timeout)}
        else:
            result = with_apptest(env, args.timeout)
    result = {"seeds": args.seeds, "method": "chromium" if use_browser else "apptest",
              "busy processes": args.busy, **result}
    show(result, args.json)


if __name__ == "__main__":
    main()

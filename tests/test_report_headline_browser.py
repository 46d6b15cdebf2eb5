"""The app's headline sentence in Chromium, as a committee member reads it: at the top of the
page, with its horizon stated, and a horizon chooser that changes it (Debian's Chromium)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_harness import CHROMIUM_ARGS, app_server, chromium_path

playwright = pytest.importorskip("playwright.sync_api")

ENV = {"FUNDSIM_APP_SEEDS": "2", "FUNDSIM_APP_WORKERS": "2",
       "FUNDSIM_APP_OVERRIDES": "region.n_workers=2000;region.n_firms=40;horizon_months=36"}
TIMEOUT = 240_000  # ms: a cold comparison on a busy 2-core machine
HEADLINE = "h4:has-text('Over ')"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    tmp = tmp_path_factory.mktemp("app")
    path = chromium_path()
    with app_server({**ENV, "FUNDSIM_CACHE_DIR": str(tmp / "cache")}, tmp / "app.log") as url, \
            playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        yield page
        browser.close()


def test_the_headline_is_the_first_thing_and_its_horizon_can_be_changed(page: object) -> None:
    sentence = page.locator(HEADLINE).first
    sentence.wait_for(timeout=TIMEOUT)
    text = sentence.inner_text()
    # The proposal (the fund) against the current rules (no fund): the answer reads forwards.
    assert re.match(r"Over 3 years, baseline places [\d,]+ more people in jobs than the same region with no "
                    r"fund \(90% range ", text), text
    title_y = page.get_by_role("heading", name="fundsim — compare funding rules").bounding_box()["y"]
    box = sentence.bounding_box()
    assert box["y"] > title_y and box["y"] < 400  # right under the title, above the fold
    shot = os.environ.get("FUNDSIM_SCREENSHOT")  # set it to look at the page
    if shot:
        page.screenshot(path=shot)
    page.get_by_text("1 year", exact=True).click()
    page.wait_for_function("() => [...document.querySelectorAll('h4')].some(h => h.innerText.startsWith("
                           "'Over 1 year,'))", timeout=TIMEOUT)
    if shot:
        page.screenshot(path=str(Path(shot).with_suffix(".1year.png")))

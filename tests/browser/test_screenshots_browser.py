"""The README's screenshots, taken from the running kit: a worksheet, module 02 for Copper Mine at the
sample year's third convening, on a laptop (1280 px: the top of the module, its charts and first
ratings) and on a phone (390×844: its first ratings, where a team on a phone spends its time); and
the cohort dashboard at that convening in projector mode on a 1920×1080 projector.

`KIT_SCREENSHOTS=docs/images pytest tests/browser/test_screenshots_browser.py` writes them there;
otherwise they go to a temporary folder and only the checks run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import SHOWN
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

# What the picture must not show: a control past the right edge, or the page scrolling sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const past = [...document.querySelectorAll('.kit-page input, .kit-page textarea, .kit-page button')]
    .filter((el) => { const box = el.getBoundingClientRect(); return box.width && box.right > width + 1; });
  return {past: past.length, scrolls: document.documentElement.scrollWidth > width};
}"""


@pytest.mark.parametrize("width,height,name", [(1280, 2300, "worksheet.png"), (390, 844, "worksheet-phone.png")])
def test_a_worksheet_screenshot_at_a_laptops_and_a_phones_width(sample_server, browser, tmp_path, width, height, name):
    base, token = sample_server
    folder = Path(os.environ.get("KIT_SCREENSHOTS") or tmp_path)
    if not folder.is_absolute():
        folder = ROOT / folder
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{base}/voila/render/workspace.ipynb?district=copper-mine&module=02_scale&convening=3&token={token}",
              timeout=120_000)
    page.locator(f"{SHOWN} .kit-chart canvas").first.wait_for(state="attached", timeout=120_000)
    page.wait_for_selector(f"{SHOWN} .kit-item-depth [role=radio][aria-checked=true]", timeout=60_000)
    page.wait_for_timeout(1500)  # the trends' canvases finish drawing
    assert page.evaluate(OVERFLOW) == {"past": 0, "scrolls": False}
    chosen = page.locator(f"{SHOWN} .kit-item-depth [role=radio][aria-checked=true]").inner_text()
    assert chosen[0].isdigit() and " · " in chosen  # the sample year rates depth at convening 3
    if width < 800:
        page.locator(f"{SHOWN} .kit-item-depth").evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
    page.screenshot(path=folder / name)
    assert (folder / name).stat().st_size > 20_000
    context.close()


def test_a_dashboard_screenshot_in_projector_mode_at_1920_by_1080(sample_server, browser, tmp_path):
    base, token = sample_server
    folder = Path(os.environ.get("KIT_SCREENSHOTS") or tmp_path)
    if not folder.is_absolute():
        folder = ROOT / folder
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{base}/voila/render/pm_dashboard.ipynb?token={token}", timeout=120_000)
    page.wait_for_selector(".kit-dashboard .kit-matrix", timeout=120_000)
    switch = page.locator("button.kit-projector-button")
    if switch.get_attribute("aria-pressed") != "true":
        switch.click()
    assert page.evaluate("document.documentElement.classList.contains('kit-projector')")
    page.locator(".kit-dashboard canvas").nth(2).wait_for(state="attached", timeout=120_000)
    page.wait_for_timeout(1500)  # the charts finish drawing
    assert page.evaluate(OVERFLOW.replace(".kit-page", ".kit-dashboard")) == {"past": 0, "scrolls": False}
    page.screenshot(path=folder / "dashboard.png")
    assert (folder / "dashboard.png").stat().st_size > 20_000
    context.close()

"""axe-core (through axe-playwright-python) on the worksheets, blank and filled in, the cohort page, the
dashboard and a packet: no violation a screen reader or keyboard user would be stopped by (impact
serious or critical), and every page's content inside a landmark."""

from __future__ import annotations

import pytest

from kit.content import RatingItem, get_module
from tests.browser.conftest import open_page, pm
from tests.browser.test_packets_browser import sample_packet

pytestmark = pytest.mark.browser

# The rules issue 21 names; any serious or critical violation fails too.
FIXED = {"select-name", "label", "region"}


def axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['html'][:160]})"
            for v in found if v["impact"] in ("serious", "critical") or v["id"] in FIXED]


def module_url(base: str, module: str, district: str) -> str:
    return pm(f"{base}/voila/render/{module}.ipynb?district={district}&convening=1")


@pytest.mark.parametrize("module", ["00_team", "03_fundamentals", "04_system_inventory", "05_prioritization",
                                    "06_pilot", "07_spread", "08_monitoring", "09_reflection"])
def test_a_blank_module_has_no_serious_axe_violation(server, browser, module):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_page(context, module_url(server, module, "copper-mine"))
    page.wait_for_timeout(500)
    assert axe_problems(page) == []
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_filled_in_module_has_no_serious_axe_violation(server, browser, width):
    """A rating, a table row (text, date, choice) and a text saved: status lines, flags and charts drawn."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    district = {1280: "foothills-unified", 390: "sequoia-grove"}[width]
    page = open_page(context, module_url(server, "04_system_inventory", district))
    row = page.locator(".kit-item-time_calendar .kit-table-row").first
    row.locator("input[type=date]").wait_for(timeout=120_000)  # a busy machine draws a long page slowly
    row.locator("input[type=date]").fill("2027-01-14")
    row.locator("select").first.select_option("PD day")
    row.locator("input[type=text]").first.fill("All teachers")
    page.wait_for_selector(".kit-item-time_calendar .kit-status-ok", timeout=20_000)
    assert axe_problems(page) == []
    page.close()

    page = open_page(context, module_url(server, "03_fundamentals", district))
    rating = next(i.id for i in get_module("03_fundamentals").items() if isinstance(i, RatingItem))
    button = page.locator(f".kit-item-{rating} button", has_text="3 ·")
    button.wait_for(timeout=120_000)
    button.click()
    page.wait_for_selector(f".kit-item-{rating} .kit-status-ok", timeout=20_000)
    page.wait_for_timeout(500)
    assert axe_problems(page) == []
    context.close()


@pytest.mark.parametrize("name", ["home", "pm_dashboard"])
def test_the_cohort_page_and_the_dashboard_have_no_serious_axe_violation(sample_server, browser, name):
    """With the sample year's answers: flags opened, charts drawn, a district's answers shown."""
    base, token = sample_server
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{base}/voila/render/{name}.ipynb?token={token}", timeout=120_000)
    page.wait_for_selector(".kit-home table, .kit-matrix", timeout=120_000)
    if name == "pm_dashboard":
        page.locator(".kit-dashboard canvas").nth(2).wait_for(state="attached", timeout=120_000)
        page.locator(".kit-dashboard select").select_option(label="Windy City")
        page.wait_for_function("document.body.innerText.includes('Windy City: answers')", timeout=20_000)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_timeout(500)
    assert axe_problems(page) == []
    context.close()


def test_a_packet_has_no_serious_axe_violation(tmp_path, browser):
    """Copper Mine's whole packet from the sample answers, opened offline with its charts drawn."""
    packet = sample_packet(tmp_path)
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(packet.resolve().as_uri())
    page.locator(".kit-charts canvas").first.wait_for(state="attached", timeout=20_000)
    assert axe_problems(page) == []
    context.close()

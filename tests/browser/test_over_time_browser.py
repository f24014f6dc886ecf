"""In chromium: earlier answers offered at the next convening, history restored, the dashboard refreshing."""

from __future__ import annotations

import pytest

from kit.content import get_module
from tests.browser.conftest import open_page, pm, shown
from tests.browser.test_worksheet_browser import url, wait_saved

pytestmark = pytest.mark.browser


def test_earlier_answers_are_offered_then_kept_and_an_old_version_restored(server, browser):
    context = browser.new_context(user_agent="Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Safari/604.1")
    page = open_page(context, url(server, "02_scale", "sequoia-grove", "11"))
    name = page.get_by_label("Your name (optional, kept with your saves):")
    name.wait_for(timeout=120_000)  # its own front-end module loads beside the module's widgets
    name.fill("Zoë <b>Q</b>")
    name.press("Tab")  # the name syncs when the box loses focus
    stage = page.locator(".kit-item-stage")
    stage.get_by_role("radio", name="Stage 2: Willing colleagues").click()
    wait_saved(page, "stage")
    stage.get_by_role("radio", name="Stage 3: Systematic spread").click()
    page.wait_for_function("document.querySelector('.kit-item-stage .kit-status').innerText.includes('Saved')")

    # The next convening: the answer is there as a starting point, marked, and not yet saved for it.
    page = open_page(context, url(server, "02_scale", "sequoia-grove", "12"))
    status = page.locator(".kit-item-stage .kit-status")
    assert "From convening 11" in status.inner_text()
    assert page.locator(".kit-item-stage [role=radio][aria-checked=true]").count() == 1
    page.locator(".kit-keep-earlier").click()
    wait_saved(page, "stage")
    page.reload()
    page.wait_for_selector(".kit-item-stage .kit-status-ok", timeout=120_000)  # saved for convening 12 now

    # History at convening 11: restore version 1 (stage 2); it comes back as version 3.
    page = open_page(context, url(server, "02_scale", "sequoia-grove", "11"))
    shown(page).locator(".kit-history-open").click()
    panel = page.locator(".kit-history-panel")
    items = [i.id for i in get_module("02_scale").items()]
    panel.locator("select").first.select_option(index=items.index("stage"))
    page.wait_for_function("document.querySelector('.kit-history').innerText.includes('Willing colleagues')")
    assert "Zoë <b>Q</b>" in panel.locator(".kit-history").inner_text()  # who saved it, shown as text
    assert "Safari on iPad" in panel.locator(".kit-history").inner_text()  # from the page request's User-Agent
    panel.locator("select").nth(1).select_option(label="version 1")
    page.locator(".kit-history-restore").click()
    page.wait_for_selector(".kit-history-panel .kit-status-ok", timeout=20_000)
    assert "restored as version 3" in panel.inner_text()
    page.reload()
    page.wait_for_selector(".kit-item-stage .kit-status-ok", timeout=120_000)
    checked = page.locator(".kit-item-stage [role=radio][aria-checked=true]")
    assert checked.inner_text().startswith("Stage 2")
    context.close()


def test_the_dashboard_shows_a_save_from_another_device_without_a_reload(server, browser):
    board = browser.new_context().new_page()
    board.goto(pm(f"{server}/voila/render/pm_dashboard.ipynb?convening=21&refresh=2"), timeout=120_000)
    cell = board.locator("tr[data-district='valley-view'] td[data-module='02_scale']")
    cell.wait_for(timeout=120_000)
    assert cell.inner_text().startswith("0%")
    team = open_page(browser.new_context(), url(server, "02_scale", "valley-view", "21"))
    team.locator(".kit-item-depth button", has_text="3 ·").click()
    wait_saved(team, "depth")
    board.wait_for_function(
        "!document.querySelector(\"tr[data-district='valley-view'] td[data-module='02_scale']\")"
        ".innerText.startsWith('0%')", timeout=20_000)
    assert cell.inner_text().startswith(f"{round(100 / len(get_module('02_scale').items()))}%")
    board.locator("select").select_option(label="Valley View")
    board.wait_for_function("document.body.innerText.includes('Valley View: answers')", timeout=20_000)
    assert "3 · " in board.locator(".kit-dashboard").inner_text()


def test_start_blank_is_remembered_over_a_reload_and_the_chart_agrees_with_the_buttons(server, browser):
    context = browser.new_context()
    page = open_page(context, url(server, "02_scale", "windy-city", "41"))
    page.locator(".kit-item-depth button", has_text="2 ·").click()
    wait_saved(page, "depth")

    # The next convening: the carried rating shows on its buttons and, marked ↺, in the chart.
    page = open_page(context, url(server, "02_scale", "windy-city", "42"))
    depth = shown(page).locator(".kit-item-depth")
    assert depth.locator("[role=radio][aria-checked=true]").inner_text().startswith("2 ·")
    chart = shown(page).locator(".kit-chart-text").first
    assert "Depth 2 ↺" in chart.text_content() and "shown from convening 41" in chart.text_content()
    shown(page).locator(".kit-clear-earlier").click()
    page.wait_for_function("document.querySelector('.kit-chart-text').textContent.includes('Depth not rated')",
                           timeout=20_000)
    assert depth.locator("[role=radio][aria-checked=true]").inner_text() == "not rated yet"

    page.reload()
    page.wait_for_selector(".kit-item-depth [role=radio]", timeout=120_000)
    depth = shown(page).locator(".kit-item-depth")
    assert depth.locator("[role=radio][aria-checked=true]").inner_text() == "not rated yet"
    assert shown(page).locator(".kit-carry").count() == 0 and shown(page).locator(".kit-status-carried").count() == 0
    assert "Depth not rated" in shown(page).locator(".kit-chart-text").first.text_content()
    context.close()

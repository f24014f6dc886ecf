"""A team fills in a worksheet in chromium: type, wait for "Saved", reload, see it all again."""

from __future__ import annotations

import time
import urllib.request

import pytest

from kit.content import RatingItem, TextItem, get_module
from tests.browser.conftest import SHOWN, kernel_alive, kernel_id, open_page, pm, shown

pytestmark = pytest.mark.browser

TRICKY = "O'Brien's café — naïve <b>bold</b> idea"
SCRIPT = "<script>alert(1)</script>"


def url(base: str, module: str, district: str = "windy-city", convening: str = "1") -> str:
    return pm(f"{base}/voila/render/{module}.ipynb?district={district}&convening={convening}")


def first_of(module_id: str, kind: type, n: int = 0) -> str:
    return [i.id for i in get_module(module_id).items() if isinstance(i, kind)][n]


def wait_saved(page, item_id: str) -> None:
    page.wait_for_selector(f".kit-item-{item_id} .kit-status-ok", timeout=20_000)


def test_answers_survive_a_reload(server, browser):
    context = browser.new_context()
    page = open_page(context, url(server, "03_fundamentals", "copper-mine"))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    rating_a, rating_b = first_of("03_fundamentals", RatingItem, 0), first_of("03_fundamentals", RatingItem, 5)
    text_id = first_of("03_fundamentals", TextItem)

    page.locator(f".kit-item-{rating_a} button", has_text="3 ·").click()
    wait_saved(page, rating_a)
    page.locator(f".kit-item-{rating_b} button", has_text="2 ·").click()
    evidence = page.locator(f".kit-item-{rating_b} textarea")
    evidence.fill(SCRIPT)
    page.locator(f".kit-item-{text_id} textarea").fill(TRICKY)
    wait_saved(page, text_id)
    page.wait_for_function(
        f"document.querySelector('.kit-item-{rating_b} .kit-status-ok') !== null", timeout=20_000)

    page.reload()
    page.wait_for_selector(f".kit-item-{text_id} textarea", timeout=120_000)
    assert page.locator(f".kit-item-{text_id} textarea").input_value() == TRICKY
    assert page.locator(f".kit-item-{rating_b} textarea").input_value() == SCRIPT
    pressed = page.locator(f".kit-item-{rating_a} [role=radio][aria-checked=true]")
    assert pressed.inner_text().startswith("3 ·")
    assert page.locator(f".kit-item-{rating_b} [role=radio][aria-checked=true]").inner_text().startswith("2 ·")
    assert "Saved" in page.locator(f".kit-item-{text_id} .kit-status").inner_text()
    assert dialogs == []
    context.close()


def test_a_second_device_with_an_older_version_is_told(server, browser):
    text_id = first_of("02_scale", TextItem)
    first, second = browser.new_context(), browser.new_context()
    page_a = open_page(first, url(server, "02_scale", "valley-view"))
    page_b = open_page(second, url(server, "02_scale", "valley-view"))  # both see version 0
    page_a.locator(f".kit-item-{text_id} textarea").fill("Written on the shared screen")
    wait_saved(page_a, text_id)
    page_b.locator(f".kit-item-{text_id} textarea").fill("Written on a laptop")
    page_b.wait_for_selector(f".kit-item-{text_id} .kit-status-conflict", timeout=20_000)
    assert "Another device saved this answer" in page_b.locator(f".kit-item-{text_id} .kit-status").inner_text()
    assert "Written on the shared screen" in page_b.locator(f".kit-item-{text_id} .kit-theirs").inner_text()
    # The laptop keeps its version on purpose; a reload elsewhere then shows it.
    page_b.get_by_role("button", name="Keep mine").click()
    wait_saved(page_b, text_id)
    page_a.reload()
    page_a.wait_for_selector(f".kit-item-{text_id} textarea", timeout=120_000)
    assert page_a.locator(f".kit-item-{text_id} textarea").input_value() == "Written on a laptop"
    first.close()
    second.close()


@pytest.mark.parametrize("module", ["02_scale", "03_fundamentals"])
def test_charts_are_drawn_and_redrawn(server, browser, module):
    context = browser.new_context()
    page = open_page(context, url(server, module, "sequoia-grove"))
    page.wait_for_selector(".kit-chart canvas", timeout=30_000)
    assert page.locator(".kit-chart canvas").count() >= 1
    rating = first_of(module, RatingItem)
    before = page.locator(".kit-chart").first.screenshot()
    page.locator(f".kit-item-{rating} button", has_text="4 ·").click()
    wait_saved(page, rating)
    page.wait_for_timeout(500)
    after = page.locator(".kit-chart").first.screenshot()
    assert before != after, "the chart did not change after a rating changed"
    context.close()


def test_unknown_district_gets_a_clear_page(server, browser):
    context = browser.new_context()
    page = open_page(context, url(server, "02_scale", "../etc"))
    assert "cannot open" in page.locator(".kit-error-page").inner_text()
    assert "not a safe slug" in page.locator(".kit-error-page").inner_text()
    context.close()


def test_home_links_carry_the_district(server, browser):
    context = browser.new_context()
    page = open_page(context, pm(f"{server}/voila/render/home.ipynb"))
    link = page.locator("a[href*='district=center-city']").first
    link.click()
    page.wait_for_selector(".kit-page .kit-item", timeout=120_000)
    assert "Center City" in page.locator(".kit-meta").first.inner_text()
    nxt = page.locator(".kit-nav a").last
    assert "district=center-city" in (nxt.get_attribute("href") or "")
    context.close()


def test_every_module_opens(server, browser):
    context = browser.new_context()
    for module in [m.id for m in __import__("kit.content").content.all_modules()]:
        page = open_page(context, url(server, module, "foothills-unified"))
        items = len(get_module(module).items())
        # The page draws its widgets top to bottom: wait for the last item rather than count the first ones.
        page.wait_for_function(f"document.querySelectorAll('{SHOWN} .kit-item').length >= {items}", timeout=60_000)
        assert shown(page).locator(".kit-item").count() == items, module
        page.close()
    context.close()


def test_home_links_each_modules_guide(server, browser):
    context = browser.new_context()
    page = open_page(context, pm(f"{server}/voila/render/home.ipynb"))
    page.locator("a[href^='guide.ipynb?module=03_fundamentals']").click()
    page.wait_for_selector(".kit-guide", timeout=120_000)
    assert "facilitator guide" in page.locator(".kit-guide h1").inner_text()
    assert f"{get_module('03').duration_minutes} minutes" in page.locator(".kit-guide").inner_text()
    page.locator(".kit-guide a[href^='guide.ipynb?module=run-of-show']").first.click()
    page.wait_for_selector(".kit-guide h1", timeout=120_000)
    page.wait_for_function("document.querySelector('.kit-guide h1').innerText.startsWith('Run of show')",
                           timeout=120_000)
    context.close()


def test_cohort_page_shows_each_districts_flags(server, browser):
    context = browser.new_context()
    page = open_page(context, pm(f"{server}/voila/render/home.ipynb"))
    row = page.locator("tr", has=page.locator("th", has_text="Windy City"))
    row.locator(".kit-home-flags summary").click()
    text = row.locator(".kit-home-flags").inner_text()
    assert "RISK:" in text and "senior leader stays away from team meetings" in text
    copper = page.locator("tr", has=page.locator("th", has_text="Copper Mine"))
    assert copper.locator(".kit-home-flags").inner_text().strip() == "0"
    context.close()


def test_leaving_a_page_stops_its_kernel_and_keeps_what_was_just_typed(server, browser):
    context = browser.new_context()
    page = open_page(context, url(server, "09_reflection", "foothills-unified", "7"))
    kernel = kernel_id(page)
    text_id = first_of("09_reflection", TextItem)
    page.locator(f".kit-item-{text_id} textarea").fill("Typed, then straight to the cohort page")
    shown(page).locator(".kit-nav a").last.click()  # within the autosave's one-second pause
    page.wait_for_selector(".kit-home, .kit-page", timeout=120_000)
    deadline = time.time() + 20
    while kernel_alive(server, kernel) and time.time() < deadline:
        time.sleep(0.5)
    assert not kernel_alive(server, kernel), "the page left behind its kernel"
    page = open_page(context, url(server, "09_reflection", "foothills-unified", "7"))
    typed = "Typed, then straight to the cohort page"
    item = page.locator(f".kit-item-{text_id}")
    # Saved by the kernel on its way out, or (when the kernel went before it could) kept by the
    # browser's draft and offered back, and saved by Keep: either way the text is not lost.
    page.wait_for_function(
        "([item, typed]) => { const el = document.querySelector(`.kit-item-${item}`);"
        " return !!el && (el.querySelector('textarea')?.value === typed || !!el.querySelector('.kit-draft-offer')); }",
        arg=[text_id, typed], timeout=60_000)
    if item.locator(".kit-draft-offer").count():
        assert typed in item.locator(".kit-draft-offer .kit-draft-text").inner_text()
        item.locator(".kit-draft-offer button", has_text="Keep").click()
        page.wait_for_selector(f".kit-item-{text_id} .kit-status-ok", timeout=30_000)
    assert item.locator("textarea").input_value() == typed
    context.close()


def test_a_page_whose_kernel_is_gone_says_so_and_reloads(server, browser):
    context = browser.new_context()
    page = open_page(context, url(server, "01_approach", "center-city", "8"))
    kernel = kernel_id(page)
    assert page.locator(".kit-offline").count() == 0
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # a live kernel: nothing to say
    page.wait_for_timeout(1000)
    assert page.locator(".kit-offline").count() == 0
    # as the idle cull does to a page left open on a closed laptop
    stop = urllib.request.Request(pm(f"{server}/voila/api/shutdown/{kernel}"), method="POST", data=b"")
    urllib.request.urlopen(stop, timeout=30)
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # the laptop is opened again
    banner = page.locator(".kit-offline")
    banner.wait_for(timeout=20_000)
    assert "not saved" in banner.inner_text() and "Reload" in banner.inner_text()
    page.locator(".kit-offline-reload").click()
    page.wait_for_selector(".kit-page .kit-item", timeout=120_000)
    assert page.locator(".kit-offline").count() == 0
    context.close()

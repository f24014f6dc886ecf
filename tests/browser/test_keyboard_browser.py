"""A team that uses only the keyboard: Tab moves from question to question (a rating or a choice is one
Tab stop, a chart none), arrow keys choose, typing fills boxes and table cells; all of it is saved
(a choice made with the arrow keys once, not once per option passed) and there after a reload."""

from __future__ import annotations

import pytest

from kit.content import get_module
from tests.browser.conftest import SHOWN, open_page, server_store
from tests.browser.test_worksheet_browser import url, wait_saved

pytestmark = pytest.mark.browser

DISTRICT, CONVENING = "center-city", "31"
FOCUSED_IN = "s => Boolean(document.activeElement && document.activeElement.closest(s))"
# What the focused element is: its role or tag, its text or name, and its focus ring.
FOCUSED = """() => {
  const e = document.activeElement, style = getComputedStyle(e);
  return {role: e.getAttribute('role') || e.tagName.toLowerCase(), text: (e.textContent || '').trim(),
          checked: e.getAttribute('aria-checked'), outline: parseFloat(style.outlineWidth) || 0,
          outlineStyle: style.outlineStyle};
}"""


def tab_to(page, selector: str, limit: int = 120) -> int:
    """Press Tab until the focus is inside `selector`; returns how many presses it took."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_IN, selector):
            return n
    pytest.fail(f"Tab never reached {selector}")


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def test_a_team_fills_a_rating_a_choice_a_text_and_a_table_row_with_the_keyboard_only(server, browser):
    module = get_module("02_scale")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_page(context, url(server, "02_scale", DISTRICT, CONVENING))
    item = lambda name: f"{SHOWN} .kit-item-{name}"  # noqa: E731
    page.locator(f"{item('stage_evidence')} input").first.wait_for(timeout=120_000)

    # The name box, then on to the ratings: the chart between them is no Tab stop.
    tab_to(page, ".kit-author")
    stops = []
    while not page.evaluate(FOCUSED_IN, item("depth")) and len(stops) < 10:
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.closest('.kit-chart-frame') ? 'a chart'"
                                   " : document.activeElement.tagName"))
    assert "a chart" not in stops and page.evaluate(FOCUSED_IN, item("depth")), stops

    # A rating: one Tab stop, on the checked option; the arrow keys move the choice; the ring shows.
    now = focused(page)
    assert (now["role"], now["text"], now["checked"]) == ("radio", "not rated yet", "true")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    now = focused(page)
    assert (now["role"], now["text"], now["checked"]) == ("radio", "3 · Developing", "true")
    assert now["outline"] >= 2 and now["outlineStyle"] != "none"
    group = page.get_by_role("radiogroup", name=module.item("depth").prompt)
    assert group.get_by_role("radio", checked=True).inner_text() == "3 · Developing"
    page.keyboard.press("Tab")  # out of the group: one stop, straight to the evidence box
    assert focused(page)["role"] == "textarea" and page.evaluate(FOCUSED_IN, item("depth"))
    page.keyboard.type("Seen in three classrooms")
    page.keyboard.press("Tab")  # into the next rating
    assert page.evaluate(FOCUSED_IN, item("ownership")) and focused(page)["role"] == "radio"
    wait_saved(page, "depth")

    # A single choice: nothing chosen yet, so the first option is the stop; arrows move and choose.
    tab_to(page, item("failure_mode"))
    now = focused(page)
    assert (now["role"], now["text"], now["checked"]) == ("radio", "It stays with a few early adopters", "false")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page)["text"] == "Both are real risks for us"

    # A text box: the next stop after the choice.
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_IN, item("failure_mode_signs")) and focused(page)["role"] == "textarea"
    page.keyboard.type("Coaching reaches two schools")
    page.keyboard.press("Tab")
    wait_saved(page, "failure_mode")
    wait_saved(page, "failure_mode_signs")

    # A table row: its boxes, one after the other.
    tab_to(page, f"{item('stage_evidence')} input")
    page.keyboard.type("Teams try the routine")
    page.keyboard.press("Tab")
    page.keyboard.type("Two walkthroughs")
    page.keyboard.press("Tab")
    wait_saved(page, "stage_evidence")

    store = server_store()
    try:
        depth = store.history(DISTRICT, CONVENING, "02_scale", "depth")
        choice = store.history(DISTRICT, CONVENING, "02_scale", "failure_mode")
    finally:
        store.close()
    assert {a.value["level"] for a in depth} == {3}, "arrowing past levels 1 and 2 saved them"
    assert [a.value for a in choice] == ["both"], "arrowing past an option saved it"

    page.reload()
    page.locator(f"{item('stage_evidence')} input").first.wait_for(timeout=120_000)
    page.wait_for_selector(f"{item('stage_evidence')} .kit-status-ok", timeout=60_000)
    checked = page.locator(f"{item('depth')} [role=radio][aria-checked=true]")
    assert checked.inner_text() == "3 · Developing"
    assert page.locator(f"{item('depth')} textarea").input_value() == "Seen in three classrooms"
    assert page.locator(f"{item('failure_mode')} [role=radio][aria-checked=true]").inner_text() == \
        "Both are real risks for us"
    assert page.locator(f"{item('failure_mode_signs')} textarea").input_value() == "Coaching reaches two schools"
    first_row = page.locator(f"{item('stage_evidence')} .kit-table-row").first.locator("input")
    assert [first_row.nth(0).input_value(), first_row.nth(1).input_value()] == [
        "Teams try the routine", "Two walkthroughs"]
    context.close()


def test_the_dashboards_district_picker_works_from_the_keyboard(sample_server, browser):
    """A program manager at the projector's laptop: Tab reaches "Show answers:", the arrow keys pick a
    district and then the next, and its answers show each time."""
    from kit.districts import load_cohort
    from tests.conftest import ROOT

    base, token = sample_server
    names = [d.name for d in load_cohort(ROOT / "sample_districts")[0]]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/voila/render/pm_dashboard.ipynb?token={token}", timeout=120_000)
    page.wait_for_selector(".kit-dashboard .widget-select select", timeout=120_000)
    tab_to(page, ".kit-dashboard .widget-select")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("n => document.body.innerText.includes(n + ': answers')", arg=names[0], timeout=20_000)
    page.keyboard.press("ArrowDown")
    page.wait_for_function("n => document.body.innerText.includes(n + ': answers')", arg=names[1], timeout=20_000)
    assert f"{names[0]}: answers" not in page.locator(".kit-dashboard").inner_text()
    assert page.evaluate(FOCUSED)["outline"] >= 2  # the focus ring shows where the keyboard is

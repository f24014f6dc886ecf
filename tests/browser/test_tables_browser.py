"""A team adds table rows in chromium, types in them, removes one, reloads, and sees the rows that are left."""

from __future__ import annotations

import pytest

from kit.content import get_module
from tests.browser.conftest import open_page, pm

pytestmark = pytest.mark.browser

MODULE, ITEM = "00_team", "roster_table"


def test_rows_added_typed_and_one_removed_survive_a_reload(server, browser):
    min_rows = get_module(MODULE).item(ITEM).min_rows
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_page(context, pm(f"{server}/voila/render/{MODULE}.ipynb?district=valley-view&convening=1"))
    table = page.locator(f".kit-item-{ITEM}")
    rows = table.locator(".kit-table-row")
    rows.first.locator("input").first.wait_for(timeout=120_000)
    assert rows.count() == min_rows
    for n in range(2):
        table.get_by_role("button", name="Add a row").click()
        rows.nth(min_rows + n).locator("input").first.wait_for(timeout=20_000)
    names = {1: "Ana Ruiz", 2: "Ben O'Neil", min_rows + 1: "Chen Li", min_rows + 2: "Dee Okafor"}
    for n, name in names.items():
        rows.nth(n - 1).get_by_role("textbox", name="Name").fill(name)
    page.wait_for_timeout(1_500)  # the typing's pause (1 s)
    page.wait_for_selector(f".kit-item-{ITEM} .kit-status-ok", timeout=20_000)
    # A reload first: the typing is all saved, and the removal below is the only edit left to save.
    page.reload()
    rows.first.locator("input").first.wait_for(timeout=120_000)
    assert [rows.nth(n).get_by_role("textbox", name="Name").input_value() for n in range(4)] == list(names.values())

    table.get_by_role("button", name="Remove row 2", exact=True).click()
    # Chen's row moves up into the second place, and an empty row keeps the table at its least.
    page.wait_for_function(
        f"document.querySelectorAll('.kit-item-{ITEM} .kit-table-row')[1].querySelector('input').value === 'Chen Li'",
        timeout=20_000)
    # Focus moves to the next row's button (now "Remove row 2"), not to the top of the page; the
    # kernel moves it after saving, so the save is done once it has moved.
    page.wait_for_function("document.activeElement && document.activeElement.textContent === 'Remove row 2'",
                           timeout=20_000)
    assert rows.count() == min_rows
    assert rows.nth(1).get_by_role("button").inner_text() == "Remove row 2"  # the third row, renumbered
    assert rows.nth(min_rows - 1).get_by_role("button").inner_text() == f"Remove row {min_rows}"
    assert "Saved" in table.locator(".kit-status").inner_text()

    page.reload()
    rows.first.locator("input").first.wait_for(timeout=120_000)
    shown = [rows.nth(n).get_by_role("textbox", name="Name").input_value() for n in range(rows.count())]
    assert [s for s in shown if s] == ["Ana Ruiz", "Chen Li", "Dee Okafor"]
    assert len(shown) == min_rows  # three saved rows, then empty ones up to the table's least
    context.close()

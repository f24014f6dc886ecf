"""A team adds table rows in chromium, types in them, removes one, reloads, and sees the rows that are left;
leaving a box saves at once; a crash offers the table's unsaved rows back; a 1,000-row answer opens and
its last rows can be reached (kit.widgets.Table, kit/static/table.js)."""

from __future__ import annotations

import time

import pytest

from benchmarks.serving import CrashableServer, stored_answer
from benchmarks.table_rows import big_answer
from kit.content import get_module
from tests.browser.conftest import DATA, ROOT, open_page, pm, server_store, shown, team_tokens

pytestmark = pytest.mark.browser

MODULE, ITEM = "00_team", "roster_table"


def history(district: str) -> list:
    store = server_store()
    try:
        return store.history(district, "1", MODULE, ITEM)
    finally:
        store.close()


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

    versions = len(history("valley-view"))
    table.get_by_role("button", name="Remove row 2", exact=True).click()
    # Chen's row moves up into the second place, and an empty row keeps the table at its least.
    page.wait_for_function(
        f"document.querySelectorAll('.kit-item-{ITEM} .kit-table-row')[1].querySelector('input').value === 'Chen Li'",
        timeout=20_000)
    # Focus moves to the next row's button (now "Remove row 2"), not to the top of the page.
    page.wait_for_function("document.activeElement && document.activeElement.textContent === 'Remove row 2'",
                           timeout=20_000)
    assert rows.count() == min_rows
    assert rows.nth(1).get_by_role("button").inner_text() == "Remove row 2"  # the third row, renumbered
    assert rows.nth(min_rows - 1).get_by_role("button").inner_text() == f"Remove row {min_rows}"
    # Saved at once, as a new version (the one with Ben's row stays in the history); "Saved" only
    # once the store confirmed the rows shown.
    table.locator(".kit-status .kit-status-ok").wait_for(timeout=20_000)
    assert "Saved" in table.locator(".kit-status").inner_text()
    after = history("valley-view")
    assert len(after) == versions + 1
    assert [r["name"] for r in after[-1].value] == ["Ana Ruiz", "Chen Li", "Dee Okafor"]
    assert "Ben O'Neil" in [r["name"] for r in after[-2].value]

    page.reload()
    rows.first.locator("input").first.wait_for(timeout=120_000)
    shown = [rows.nth(n).get_by_role("textbox", name="Name").input_value() for n in range(rows.count())]
    assert [s for s in shown if s] == ["Ana Ruiz", "Chen Li", "Dee Okafor"]
    assert len(shown) == min_rows  # three saved rows, then empty ones up to the table's least
    context.close()


def test_leaving_a_box_saves_at_once_and_only_the_confirmed_rows_say_saved(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_page(context, pm(f"{server}/voila/render/{MODULE}.ipynb?district=foothills-unified&convening=1"))
    table = shown(page).locator(f".kit-item-{ITEM}")
    first = table.locator(".kit-table-row").first
    box = first.get_by_role("textbox", name="Name")
    box.wait_for(timeout=120_000)
    box.fill("Rosa Díaz <b>not bold</b>")
    # Typed, not yet sent (the pause is a second): the status says so at once, never "Saved".
    assert table.locator(".kit-status-ok").count() == 0
    assert "Editing" in table.locator(".kit-status").inner_text()
    left = page.evaluate("() => performance.now()")
    box.press("Tab")  # leaves the box: sent and saved at once, not a second later
    table.locator(".kit-status .kit-status-ok").wait_for(timeout=20_000)
    took = page.evaluate("(t) => performance.now() - t", left)
    print(f"left a box → saved shown: {took:.0f} ms")
    assert took < 1_000, f"{took:.0f} ms: saved by the typing's pause, not by leaving the box"
    assert history("foothills-unified")[-1].value[0]["name"] == "Rosa Díaz <b>not bold</b>"
    assert table.locator("b").count() == 0  # the text stays text
    # The choice in the same row: a change saves once, and the status is "Saved" for it only then.
    first.get_by_role("combobox", name="Role").select_option("Coach")
    table.locator(".kit-status .kit-status-ok").wait_for(timeout=20_000)
    first.get_by_role("combobox", name="Role").press("Tab")
    page.wait_for_function(
        "([sel]) => { const s = document.querySelector(sel); return s && s.innerText.includes('Saved'); }",
        arg=[f".kit-module-body:not(.kit-hidden) .kit-item-{ITEM} .kit-status"], timeout=20_000)
    deadline = time.time() + 20
    while history("foothills-unified")[-1].value[0].get("role") != "Coach" and time.time() < deadline:
        time.sleep(0.2)
    assert history("foothills-unified")[-1].value[0]["role"] == "Coach"
    assert page.evaluate(f"localStorage.getItem('kit-draft:foothills-unified:1:{MODULE}:{ITEM}')") is None
    context.close()


def test_rows_typed_just_before_a_crash_are_offered_back_and_kept(tmp_path, browser):
    """The server and its kernels SIGKILLed 0.3 s after the last keystroke (before the rows are sent):
    the page says "Not saved", the reopened page offers the rows back, and Keep saves them."""
    server = CrashableServer(ROOT / "sample_districts", tmp_path, "--pool", "0")
    base = server.start()
    try:
        url = f"{base}/voila/render/{MODULE}.ipynb?district=windy-city&convening=1&token={team_tokens(tmp_path)['']}"
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = open_page(context, url)
        table = shown(page).locator(f".kit-item-{ITEM}")
        rows = table.locator(".kit-table-row")
        rows.nth(1).get_by_role("textbox", name="Name").press_sequentially("Ana Ruiz", delay=15)
        time.sleep(0.3)
        server.crash()
        problem = table.locator(".kit-status-error")
        problem.wait_for(timeout=30_000)
        assert problem.inner_text().startswith("✗ Not saved:")
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
        with page.expect_event("close", timeout=30_000):
            page.close(run_before_unload=True)
        assert dialogs == ["beforeunload"]

        server.start()
        assert stored_answer(tmp_path, "windy-city", MODULE, ITEM) is None  # only the draft has it
        again = open_page(context, url)
        table = shown(again).locator(f".kit-item-{ITEM}")
        offer = table.locator(".kit-draft-offer")
        offer.wait_for(timeout=30_000)
        assert "You typed this and it was not saved: keep it?" in offer.inner_text()
        assert "Row 2: Ana Ruiz" in offer.locator(".kit-draft-text").inner_text()
        offer.locator("button", has_text="Keep").click()
        table.locator(".kit-status .kit-status-ok").wait_for(timeout=30_000)
        assert table.locator(".kit-table-row").nth(1).get_by_role("textbox", name="Name").input_value() == "Ana Ruiz"
        assert [r["name"] for r in stored_answer(tmp_path, "windy-city", MODULE, ITEM)] == ["Ana Ruiz"]
        again.close()

        third = open_page(context, url)  # saved now: nothing offered, the rows shown
        table = shown(third).locator(f".kit-item-{ITEM}")
        table.locator(".kit-status .kit-status-ok").wait_for(timeout=30_000)
        assert table.locator(".kit-draft-offer").count() == 0
        assert table.locator(".kit-table-row").first.get_by_role("textbox", name="Name").input_value() == "Ana Ruiz"
        context.close()
    finally:
        server.stop()


def test_a_1000_row_answer_opens_and_its_last_rows_can_be_reached_and_edited(server, browser):
    rows = big_answer(1000)
    store = server_store()
    try:
        store.save("sequoia-grove", "1", MODULE, ITEM, rows, client="seed", based_on=0)
    finally:
        store.close()
    assert DATA["server"]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    started = time.perf_counter()
    page = open_page(context, pm(f"{server}/voila/render/{MODULE}.ipynb?district=sequoia-grove&convening=1"))
    table = shown(page).locator(f".kit-item-{ITEM}")
    table.locator(".kit-table-row").first.locator("input").first.wait_for(timeout=120_000)
    print(f"1,000-row table usable after {time.perf_counter() - started:.2f} s (the benchmark times it)")
    assert table.locator(".kit-table-row").first.get_by_role("textbox", name="Name").input_value() == "Name 1"
    # The later rows are drawn just after the first; rows off the screen are not painted (and so not
    # "visible" to Playwright's role queries) until scrolled to.
    last = table.locator("button.kit-remove-row", has_text="Remove row 1000")
    last.wait_for(state="attached", timeout=60_000)
    named = table.get_by_role("button", name="Remove row 1000", exact=True)
    for _ in range(20):  # a busy page may still be settling: reach it again until it is on the screen
        last.focus()  # as Tab or a screen reader would reach it: brought on the screen, and drawn
        last.scroll_into_view_if_needed()
        if named.is_visible():
            break
        page.wait_for_timeout(1_000)
    assert named.is_visible()
    row = table.locator(".kit-table-row").nth(999)
    assert row.get_by_role("textbox", name="Name").input_value() == "Name 1000"
    assert row.get_by_role("combobox", name="Role").input_value() == rows[999]["role"]
    assert table.locator(".kit-table-row").count() == 1000
    table.locator(".kit-status .kit-status-ok").wait_for(timeout=20_000)  # the store holds what is shown
    # The last row edited, then a row added after it: saved whole, 1,000 rows before it kept.
    row.get_by_role("textbox", name="Name").fill("The last one, renamed")
    table.get_by_role("button", name="Add a row").click()
    focused = page.evaluate("document.activeElement.closest('.kit-table-row') !== null")
    assert focused  # the new row's first box has the focus
    page.keyboard.type("One more")
    page.keyboard.press("Tab")
    deadline = time.time() + 30
    while len(history("sequoia-grove")[-1].value) != 1001 and time.time() < deadline:
        time.sleep(0.2)
    value = history("sequoia-grove")[-1].value
    assert len(value) == 1001
    assert value[999]["name"] == "The last one, renamed" and value[1000]["name"] == "One more"
    assert value[:999] == rows[:999]
    context.close()

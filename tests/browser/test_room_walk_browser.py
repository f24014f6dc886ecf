"""The sample first day run from the room view alone, as the run of show describes it: the program
manager starts the welcome's timer, moves the room to a module block, two teams see the banner and
go there, answer and say "We're done", the program manager sees who is done, compares an item hidden
then revealed, moves on to the next block, and a reload of the projector page shows the same room."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kit.content import get_module
from kit.room import day_blocks
from tests.browser.conftest import shown
from tests.browser.test_room_browser import open_room, pick
from tests.browser.test_workspace_browser import showing, team_url

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fresh_room")]

TEAMS = {"center-city": ("Coaching cycles in every classroom", "3 ·"),
         "foothills-unified": ("Students <i>explain</i> their thinking", "2 ·")}
MODULE, TEXT, RATING = "01_approach", "promise_picture", "safe_to_fail"


def clock(room) -> str:
    return room.locator(".kit-room .kit-countdown-time").inner_text()


def test_a_program_manager_runs_the_first_day_from_the_room_view(server, browser, tmp_path):
    folder = Path(os.environ.get("KIT_WALK_SCREENSHOTS", tmp_path))  # to look at; none belongs in docs/
    blocks = day_blocks()
    welcome, approach = blocks[0], next(n for n, b in enumerate(blocks) if b.module and b.module.id == MODULE)
    pm = browser.new_context()
    room = open_room(pm, server)
    # Before 08:45: the welcome's own timer (the run of show's first block), no module yet.
    pick(room, "Block", f"Day 1 · {welcome.start:%H:%M} · {welcome.title}")
    room.wait_for_function("t => document.querySelector('.kit-countdown-time')?.textContent === t",
                           arg=f"{welcome.minutes}:00", timeout=60_000)  # the clock draws late under load
    room.get_by_role("button", name="Start").click()
    room.wait_for_function("t => document.querySelector('.kit-countdown-time').textContent !== t",
                           arg=f"{welcome.minutes}:00", timeout=10_000)
    room.screenshot(path=str(folder / "walk-1-welcome.png"))
    # Meanwhile every table opens its own link (its workspace, on its first module).
    teams = {}
    for district in TEAMS:
        context = browser.new_context()
        page = context.new_page()
        page.goto(team_url(server, district, "00_team"), timeout=120_000)
        showing(page, "00_team", 120_000)
        teams[district] = (context, page)
    # The room moves on to 01: the block's own timer, the room on its module; the program manager starts it.
    room.get_by_role("button", name="Next block").click()
    pick(room, "Block", f"Day 1 · {blocks[approach].start:%H:%M} · 01 ·")
    room.get_by_role("button", name="Start").wait_for(timeout=15_000)
    room.get_by_role("button", name="Start").click()
    room.get_by_role("button", name="Pause").wait_for(timeout=15_000)
    for district, (_context, page) in teams.items():
        page.wait_for_function("() => (document.querySelector('.kit-room-banner')?.textContent || '')"
                               ".includes('The room is on 01')", timeout=20_000)
        assert "01 · Approach" in page.locator(".kit-roombar").inner_text()  # the block, small, in the header
        page.get_by_role("button", name="Go there").click()
        showing(page, MODULE, 60_000)
        text, level = TEAMS[district]
        box = shown(page).locator(f".kit-item-{TEXT} textarea")
        box.fill(text)
        box.press("Tab")
        shown(page).locator(f".kit-item-{RATING} [role=radio]", has_text=level).click()
        for item in (TEXT, RATING):
            page.wait_for_selector(f".kit-module-body:not(.kit-hidden) .kit-item-{item} .kit-status-ok",
                                   timeout=20_000)
        page.get_by_role("button", name="We're done").click()
    teams["foothills-unified"][1].screenshot(path=str(folder / "walk-2-team.png"))
    # Who is done: both teams, at once, with what they answered.
    for district in TEAMS:
        room.locator(f"tr[data-district='{district}'] .kit-status-ok").wait_for(timeout=15_000)
        row = room.locator(f"tr[data-district='{district}']").inner_text()
        assert f"2 of {len(get_module(MODULE).items())}" in row
    # The debrief: one item, hidden while teams finish, then revealed as a bar a team.
    item = get_module(MODULE).item(RATING)
    pick(room, "Compare", item.short or item.prompt[:60])
    room.wait_for_function("() => /2 of \\d+ teams have answered/.test(document.querySelector('.kit-room-hidden')"
                           "?.textContent || '')", timeout=15_000)
    room.screenshot(path=str(folder / "walk-3-hidden.png"), full_page=True)
    room.get_by_role("button", name="Reveal").click()
    bars = room.locator(".kit-room-bars")
    bars.wait_for(timeout=15_000)
    assert "Center City" in bars.inner_text() and "Foothills Unified" in bars.inner_text()
    pick(room, "Compare", get_module(MODULE).item(TEXT).short or get_module(MODULE).item(TEXT).prompt[:60])
    room.get_by_role("button", name="Reveal").click()
    card = room.locator(".kit-room-card", has_text="Foothills Unified")
    card.wait_for(timeout=15_000)
    assert card.inner_text().strip().endswith(TEAMS["foothills-unified"][0])  # a team's markup is text
    room.screenshot(path=str(folder / "walk-4-revealed.png"), full_page=True)
    # On to the next block (a break): the clock goes on running, from the break's whole length; the room
    # stays on 01. The program manager holds it there.
    after = blocks[approach + 1]
    room.get_by_role("button", name="Next block").click()
    room.wait_for_function("t => document.querySelector('.kit-room .kit-countdown-block')?.textContent.includes(t)",
                           arg=after.title, timeout=15_000)
    assert room.get_by_role("button", name="Pause").is_visible()
    assert int(clock(room).split(":")[0]) in (after.minutes, after.minutes - 1)
    room.get_by_role("button", name="Pause").click()
    room.get_by_role("button", name="Start").wait_for(timeout=15_000)
    held = clock(room)
    for _context, page in teams.values():
        page.wait_for_function("t => document.querySelector('.kit-roombar')?.textContent.includes(t)",
                               arg=after.title, timeout=20_000)
    # A reload of the projector shows the same room: the block, the module, the revealed answers, who is done.
    room.reload()
    room.wait_for_selector(".kit-room .kit-countdown-time, .kit-error-page:not(.kit-retrying)", timeout=120_000)
    try:
        room.locator(".kit-room-card", has_text="Foothills Unified").wait_for(timeout=60_000)
    except Exception:  # noqa: BLE001 - say what the reloaded page shows instead
        pytest.fail("the reloaded room shows no revealed cards: " + room.inner_text("body")[-1500:])
    assert clock(room) == held
    chosen = room.get_by_label("Block", exact=True).evaluate("s => s.options[s.selectedIndex].text")
    assert after.title in chosen.replace("\xa0", " ")
    module = room.get_by_label("Room is on", exact=True).evaluate("s => s.options[s.selectedIndex].text")
    assert module.replace("\xa0", " ").startswith("01 ·")
    assert room.locator(".kit-status-ok").count() == len(TEAMS)
    room.screenshot(path=str(folder / "walk-5-reloaded.png"), full_page=True)
    for context, _page in teams.values():
        context.close()
    pm.close()

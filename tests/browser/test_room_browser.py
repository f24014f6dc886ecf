"""The program manager's room view in chromium: the countdown runs and survives a reload, a team's
save shows on the projector once revealed, what a team typed is text, and a team's link is refused."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from kit.content import get_module
from tests.browser.conftest import DATA, TOKENS, shown
from tests.browser.test_accessibility_browser import axe_problems
from tests.browser.test_workspace_browser import showing, team_url

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fresh_room")]


def short_of(module: str, item: str) -> str:
    found = next(i for i in get_module(module).items() if i.id == item)
    return found.short or found.prompt[:60]


def room_url(base: str, token: str) -> str:
    return f"{base}/voila/render/room.ipynb?token={token}"


def open_room(context, base: str, width: int = 1280, height: int = 720):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(room_url(base, TOKENS[""]), timeout=120_000)
    page.wait_for_selector(".kit-room .kit-countdown-time", timeout=120_000)
    return page


def pick(page, label: str, starts: str) -> None:
    """Choose the option of the dropdown `label` whose text starts with `starts`."""
    select = page.get_by_label(label, exact=True)
    select.locator("option", has_text=starts).first.wait_for(state="attached", timeout=15_000)
    texts = select.evaluate("s => [...s.options].map(o => o.text)")
    # ipywidgets writes an option's spaces as no-break spaces
    select.select_option(label=next(t for t in texts if t.replace("\xa0", " ").startswith(starts)))


def test_a_team_link_does_not_open_the_room_view(server, browser):
    context = browser.new_context()
    page = context.new_page()
    answer = page.goto(room_url(server, TOKENS["windy-city"]), timeout=120_000)
    assert answer.status == 403 and "No access" in page.content()
    context.close()


def test_the_room_runs_the_clock_and_shows_a_teams_answer_once_revealed(server, browser, tmp_path):
    pm = browser.new_context()
    room = open_room(pm, server)
    pick(room, "Room is on", "01 ·")
    room.get_by_role("button", name="Start").click()
    clock = room.locator(".kit-countdown-time")
    first = clock.inner_text()
    room.wait_for_function("t => document.querySelector('.kit-countdown-time').textContent !== t", arg=first,
                           timeout=10_000)  # it counts down in the browser
    # A team types its answer in its workspace; the room shows how many have answered, not what.
    team = browser.new_context()
    page = team.new_page()
    page.goto(team_url(server, "valley-view", "01_approach"), timeout=120_000)
    showing(page, "01_approach", 120_000)
    hostile = "<b>Every classroom</b> & every team"
    box = shown(page).locator(".kit-item-promise_picture textarea")
    box.fill(hostile)
    box.press("Tab")
    page.wait_for_selector(".kit-module-body:not(.kit-hidden) .kit-item-promise_picture .kit-status-ok",
                           timeout=20_000)
    pick(room, "Compare", short_of("01_approach", "promise_picture"))
    # Other tests on this server may have answered too, at the room's convening (the one this team's
    # save went to) or at another one (which the room does not count).
    with sqlite3.connect(DATA["server"] / "kit.db") as db:
        where = "module = '01_approach' AND item = 'promise_picture' AND status = 'saved'"
        convening = db.execute(f"SELECT convening FROM responses WHERE {where} AND district = 'valley-view' "
                               "ORDER BY id DESC LIMIT 1").fetchone()[0]
        answered = db.execute(f"SELECT COUNT(DISTINCT district) FROM responses WHERE {where} AND convening = ?",
                              (convening,)).fetchone()[0]
    assert answered >= 1
    room.wait_for_function("n => new RegExp(`· ${n} of [0-9]+ teams have answered`).test(document.querySelector("
                           "'.kit-room-hidden')?.textContent.trim() || '')", arg=answered, timeout=15_000)
    assert "Every classroom" not in room.inner_text(".kit-room")
    room.get_by_role("button", name="Reveal").click()
    card = room.locator(".kit-room-card", has_text="Valley View")
    card.wait_for(timeout=15_000)
    assert card.inner_text().strip().endswith(hostile)  # the team's markup is shown as text
    assert room.locator(".kit-room-card b").count() == 0
    assert axe_problems(room) == []
    folder = Path(os.environ.get("KIT_SCREENSHOTS", tmp_path))
    room.screenshot(path=str(folder / "room.png"), full_page=True)
    room.set_viewport_size({"width": 1920, "height": 1080})  # a projector's full HD
    room.locator(".kit-room-card", has_text="Valley View").wait_for()
    assert axe_problems(room) == []
    room.screenshot(path=str(folder / "room-1080.png"))
    # A reload (or a second laptop) shows the same room: the clock still running, the answers revealed.
    room.reload()
    room.wait_for_selector(".kit-room-card", timeout=120_000)
    assert room.get_by_role("button", name="Pause").is_visible()
    chosen = room.get_by_label("Room is on", exact=True).evaluate("s => s.options[s.selectedIndex].text")
    assert chosen.replace("\xa0", " ").startswith("01 ·")
    team.close()
    pm.close()


def test_sending_the_room_shows_a_banner_in_a_workspace_and_the_team_keeps_its_typing(server, browser):
    team = browser.new_context()
    page = team.new_page()
    page.goto(team_url(server, "sequoia-grove", "02_scale"), timeout=120_000)
    showing(page, "02_scale", 120_000)
    box = shown(page).locator("textarea").first
    box.click()
    box.type("Half a thought")  # still in the box, the cursor in it
    pm = browser.new_context()
    room = open_room(pm, server)
    pick(room, "Room is on", "05 ·")
    page.wait_for_function("() => (document.querySelector('.kit-room-banner')?.textContent || '')"
                           ".includes('The room is on 05')", timeout=20_000)
    assert box.input_value() == "Half a thought" and "05_prioritization" not in page.url
    page.get_by_role("button", name="Go there").click()
    showing(page, "05_prioritization", 60_000)
    page.get_by_role("button", name="We're done").click()
    room.locator("tr[data-district='sequoia-grove'] .kit-status-ok").wait_for(timeout=15_000)
    team.close()
    pm.close()

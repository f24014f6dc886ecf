"""The room in a team's workspace: hidden until the room is set up, the block's time, a banner and a
button (never a jump) when the room is on another module, and "We're done" that a later save clears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kit import room as r
from kit.content import get_module
from kit.roombar import RoomBar

COHORT = "sample_districts"


def bar(store, moves: list[str]) -> RoomBar:
    made = RoomBar(store, COHORT, "windy-city", "1", go=moves.append)
    made.shown(get_module("02_scale"))
    return made


def test_nothing_shows_until_the_program_manager_sets_the_room_up(store):
    assert bar(store, []).widget.layout.display == "none"


def test_a_room_on_another_module_shows_a_banner_and_a_button_not_a_jump(store):
    moves: list[str] = []
    team = bar(store, moves)
    r.save(store, COHORT, r.Room(module="04_system_inventory"))
    assert team.check() is True
    assert team.widget.layout.display is None
    assert "The room is on 04" in team.banner.value and team.go_there.layout.display is None
    assert moves == []  # no jump by itself
    team.go_there.click()
    assert moves == ["04_system_inventory"]
    team.shown(get_module("04_system_inventory"))
    assert team.banner.value == "" and team.go_there.layout.display == "none"
    assert team.done.layout.display is None  # on the room's module: "We're done" is offered


def test_were_done_is_said_taken_back_and_cleared_by_a_later_save(store):
    team = bar(store, [])
    r.save(store, COHORT, r.Room(module="02_scale"))
    team.check()
    team.done.click()
    assert team.said_done and team.done.description.startswith("✓")
    assert r.load(store, COHORT)[1]["windy-city"][0] == "02_scale"
    team.done.click()
    assert not team.said_done and "windy-city" not in r.load(store, COHORT)[1]
    team.done.click()
    later = datetime.now(UTC) + timedelta(seconds=5)
    store.save("windy-city", "1", "02_scale", get_module("02_scale").items()[0].id, "x", based_on=None, at=later)
    team.check()
    assert not team.said_done and team.done.description == "We're done"


def test_the_countdown_follows_the_room(store):
    team = bar(store, [])
    blocks = r.day_blocks()
    r.save(store, COHORT, r.start(r.Room(module="02_scale"), blocks, datetime.now(UTC)))
    team.check()
    assert team.countdown.running and team.countdown.block == blocks[0].title
    assert 0 < team.countdown.seconds <= blocks[0].minutes * 60


def test_another_teams_save_costs_a_bar_only_the_change_mark(store, monkeypatch):
    team = bar(store, [])
    r.save(store, COHORT, r.Room(module="02_scale"))
    team.check()
    reads: list[str] = []
    monkeypatch.setattr(r, "load", lambda *a: reads.append("room") or (r.Room(), {}))
    monkeypatch.setattr(store, "answered_items", lambda *a: reads.append("convening") or {})
    monkeypatch.setattr(store, "last_save", lambda *a: reads.append("module") or None)
    store.save("copper-mine", "1", "02_scale", get_module("02_scale").items()[0].id, "x")
    assert team.check() is False and reads == []
    team.said_done, team._said = True, ("02_scale", datetime.now(UTC))
    store.save("copper-mine", "1", "02_scale", get_module("02_scale").items()[0].id, "y")
    team.check()
    assert reads == ["module"]  # this team's own last save of the module in session, nothing more

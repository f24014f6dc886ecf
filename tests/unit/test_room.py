"""The live room's state: the timer over the day's blocks, the module in session, "We're done" (cleared
by a later edit), side by side with names or anonymous labels, and a cheap change mark; all in the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kit import room as r
from kit.content import get_module
from kit.districts import load_cohort
from kit.pages import render
from kit.paths import sample_cohort_dir
from kit.store import Store

NOW = datetime(2027, 1, 14, 9, 0, tzinfo=UTC)
COHORT = "sample_districts"


@pytest.fixture
def blocks():
    return r.day_blocks()


@pytest.fixture
def districts():
    return load_cohort(sample_cohort_dir())[0]


def test_the_timer_starts_pauses_extends_and_skips(blocks):
    room = r.Room()
    whole = blocks[0].minutes * 60
    assert r.remaining(room, blocks, NOW) == whole  # not started: the block's whole length
    room = r.start(room, blocks, NOW)
    assert r.remaining(room, blocks, NOW + timedelta(seconds=100)) == whole - 100
    room = r.pause(room, blocks, NOW + timedelta(seconds=100))
    assert not room.timer.running
    assert r.remaining(room, blocks, NOW + timedelta(hours=1)) == whole - 100  # a pause holds the time
    room = r.extend(room, blocks, NOW, minutes=5)
    assert r.remaining(room, blocks, NOW) == whole - 100 + 300
    room = r.start(room, blocks, NOW + timedelta(hours=1))
    room = r.extend(room, blocks, NOW + timedelta(hours=1), minutes=5)
    assert r.remaining(room, blocks, NOW + timedelta(hours=1)) == whole - 100 + 600
    assert r.remaining(room, blocks, NOW + timedelta(hours=3)) < 0  # run over: below zero, not stuck at zero
    second = next(n for n, b in enumerate(blocks) if b.module and n > 0)
    room = r.skip_to(room, blocks, second)
    assert room.timer.block == second and not room.timer.running
    assert room.module == blocks[second].module.id
    assert r.remaining(room, blocks, NOW) == blocks[second].minutes * 60


def test_next_block_keeps_a_running_clock_running_and_a_paused_one_paused(blocks):
    running = r.next_block(r.start(r.Room(), blocks, NOW), blocks, NOW + timedelta(minutes=3))
    assert running.timer.block == 1 and running.timer.running
    assert r.remaining(running, blocks, NOW + timedelta(minutes=3)) == blocks[1].minutes * 60  # its whole length
    paused = r.next_block(r.Room(), blocks, NOW)
    assert paused.timer.block == 1 and not paused.timer.running
    last = r.next_block(r.skip_to(r.Room(), blocks, len(blocks) - 1), blocks, NOW)
    assert last.timer.block == len(blocks) - 1  # nothing after the last block


def test_skipping_to_another_module_hides_the_compared_item_again(blocks):
    first = next(n for n, b in enumerate(blocks) if b.module)
    later = next(n for n, b in enumerate(blocks) if b.module and b.module.id != blocks[first].module.id)
    room = r.skip_to(r.Room(), blocks, first).model_copy(update={"item": "x", "reveal": True})
    moved = r.skip_to(room, blocks, later)
    assert moved.item is None and moved.reveal is False
    breaks = [n for n, b in enumerate(blocks) if b.module is None]
    if breaks:  # a break keeps the room on its module
        assert r.skip_to(room, blocks, breaks[0]).module == room.module


def test_the_room_is_kept_in_the_store_and_read_back_by_another_connection(store_url, blocks):
    store, other = Store(store_url), Store(store_url)
    room = r.start(r.skip_to(r.Room(anonymous=True), blocks, 2), blocks, NOW)
    r.save(store, COHORT, room)
    again, done = r.load(other, COHORT)
    assert again == room and done == {}
    assert r.load(other, "another-cohort")[0] == r.Room()
    store.close(), other.close()


def test_a_damaged_room_row_gives_a_fresh_room_not_an_error(store):
    store.put_room(COHORT, "room", {"timer": "not a timer", "module": 7})
    assert r.load(store, COHORT)[0] == r.Room()


def test_done_shows_until_the_team_edits_again(store, districts):
    room = r.Room(module="03_fundamentals")
    windy = districts[[d.id for d in districts].index("windy-city")]
    store.save("windy-city", "1", "03_fundamentals", "expectations_1", {"level": 2}, based_on=None,
               at=NOW - timedelta(minutes=1))
    r.say_done(store, COHORT, "windy-city", "03_fundamentals", now=NOW)
    status = {s.district.id: s for s in r.statuses(store, districts, "1", room, r.load(store, COHORT)[1])}
    assert status["windy-city"].done and status["windy-city"].answered == 1
    assert status["windy-city"].district == windy and status["windy-city"].label == "Windy City"
    assert not status["copper-mine"].done and status["copper-mine"].answered == 0
    assert status["windy-city"].total == len(next(m for m in r.all_modules() if m.id == "03_fundamentals").items())
    store.save("windy-city", "1", "03_fundamentals", "expectations_1", {"level": 3}, based_on=None,
               at=NOW + timedelta(minutes=1))
    status = {s.district.id: s for s in r.statuses(store, districts, "1", room, r.load(store, COHORT)[1])}
    assert not status["windy-city"].done  # edited after saying done
    # "done" belongs to the module it was said on: the room moving on clears it
    r.say_done(store, COHORT, "copper-mine", "03_fundamentals", now=NOW)
    status = {s.district.id: s for s in r.statuses(store, districts, "1", room, r.load(store, COHORT)[1])}
    assert status["copper-mine"].done
    moved = room.model_copy(update={"module": "04_system_inventory"})
    assert not any(s.done for s in r.statuses(store, districts, "1", moved, r.load(store, COHORT)[1]))
    r.say_done(store, COHORT, "copper-mine", "03_fundamentals", done=False)  # taken back
    assert "copper-mine" not in r.load(store, COHORT)[1]


def test_side_by_side_shows_every_team_by_name_or_letter_as_plain_text(store, districts):
    hostile = "<script>alert(1)</script> & <b>bold</b>"
    store.save("copper-mine", "1", "01_approach", "promise_picture", hostile, based_on=None)
    room = r.Room(module="01_approach", item="promise_picture")
    item, shown = r.side_by_side(store, districts, "1", room)
    assert item.id == "promise_picture" and [s.label for s in shown] == [d.name for d in districts]
    copper = shown[[d.id for d in districts].index("copper-mine")]
    assert copper.text == hostile  # text, unescaped: the view escapes it
    assert all(s.answer is None and s.text == "—" for s in shown if s is not copper)
    _item, anonymous = r.side_by_side(store, districts, "1", room.model_copy(update={"anonymous": True}))
    assert [s.label for s in anonymous] == [f"Team {c}" for c in "ABCDEF"[: len(districts)]]
    assert r.side_by_side(store, districts, "1", room.model_copy(update={"item": "no-such-item"})) == (None, [])


def test_the_change_mark_moves_on_a_save_and_on_a_room_change_only(store):
    first = store.change_mark(COHORT)
    assert store.change_mark(COHORT) == first
    store.save("windy-city", "1", "01_approach", "promise_picture", "text", based_on=None)
    second = store.change_mark(COHORT)
    assert second != first
    r.save(store, COHORT, r.Room(module="02_scale"))
    third = store.change_mark(COHORT)
    assert third != second
    r.save(store, "another-cohort", r.Room(module="02_scale"))
    assert store.change_mark(COHORT) == third


def test_ratings_side_by_side_sit_on_one_scale_and_tables_keep_their_rows(store, districts):
    store.save("windy-city", "1", "02_scale", "depth", {"level": 2, "evidence": "x"}, based_on=None)
    store.save("copper-mine", "1", "02_scale", "depth", {"level": 4}, based_on=None)
    item, shown = r.side_by_side(store, districts, "1", r.Room(module="02_scale", item="depth"))
    by = {s.label: s for s in shown}
    assert (by["Windy City"].level, by["Windy City"].top) == (2, 4) and by["Copper Mine"].level == 4
    assert by["Windy City"].text.startswith("2 · ") and by["Valley View"].level == 0
    html = render("room_cards.html", item=item, shown=shown, reveal=True, answered=2)
    assert "width: 50%" in html and "width: 100%" in html and "kit-room-bars" in html
    rows = [{"name": "<i>Ana</i>", "role": "Principal"}, {"name": "", "role": ""}]
    store.save("windy-city", "1", "00_team", "roster_table", rows, based_on=None)
    item, shown = r.side_by_side(store, districts, "1", r.Room(module="00_team", item="roster_table"))
    windy = next(s for s in shown if s.label == "Windy City")
    assert windy.rows and windy.rows[0][0] == "<i>Ana</i>" and len(windy.rows) == 1  # the empty row is left out
    html = render("room_cards.html", item=item, shown=shown, reveal=True, answered=1)
    assert "&lt;i&gt;Ana&lt;/i&gt;" in html and "<i>" not in html


def test_a_choice_side_by_side_sits_at_its_options_place(store, districts):
    ids = [o.id for o in get_module("00_team").item("focal_area").options]
    store.save("windy-city", "1", "00_team", "focal_area", ids[1], based_on=None)
    item, shown = r.side_by_side(store, districts, "1", r.Room(module="00_team", item="focal_area"))
    by = {s.label: s for s in shown}
    assert (by["Windy City"].level, by["Windy City"].top) == (2, len(ids))
    assert by["Copper Mine"].level == 0 and not by["Windy City"].rows

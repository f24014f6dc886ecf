"""The room view's controls write the room to the store, and what another laptop or a team saves
shows up after a check; teams' text is shown as text."""

from __future__ import annotations

import pytest

from kit import room as r
from kit.districts import load_cohort
from kit.paths import sample_cohort_dir
from kit.roomview import RoomView

COHORT = "sample_districts"


@pytest.fixture
def view(store):
    districts = load_cohort(sample_cohort_dir())[0]
    return RoomView(store, COHORT, districts, "1", "convening 1", home="home.ipynb?token=x")


def test_start_pause_and_five_more_minutes_are_kept_in_the_store(view, store):
    whole = view.countdown.seconds
    assert whole > 0 and not view.countdown.running and view.start_pause.description == "Start"
    view.start_pause.click()
    assert r.load(store, COHORT)[0].timer.running and view.countdown.running
    assert view.start_pause.description == "Pause"
    view.start_pause.click()
    paused = r.load(store, COHORT)[0]
    assert not paused.timer.running and paused.timer.left is not None
    view.more.click()
    assert r.load(store, COHORT)[0].timer.left == pytest.approx(paused.timer.left + 300)
    assert view.countdown.seconds == pytest.approx(paused.timer.left + 300, abs=1)


def test_choosing_a_block_sends_the_room_to_its_module(view, store):
    index = next(n for n, b in enumerate(view.blocks) if b.module and b.module.id == "03_fundamentals")
    view.block_picker.value = index
    room = r.load(store, COHORT)[0]
    assert room.timer.block == index and room.module == "03_fundamentals"
    assert view.module_picker.value == "03_fundamentals"
    assert "Windy City" in view.teams.value and "of 23" in view.teams.value


def test_next_block_walks_the_day_as_the_run_of_show_lays_it_out(view, store):
    labels = [label for label, _n in view.block_picker.options]
    assert labels[0] == "Day 1 · 08:30 · Welcome, purpose of the collaboration, room norms"
    assert labels[1].startswith("Day 1 · 08:45 · 00 · ") and labels[-1].startswith("Day 2 · ")
    assert view.room.module is None  # the welcome: no module yet, and the teams' pages show no banner
    view.next_block.click()
    room = r.load(store, COHORT)[0]
    assert room.timer.block == 1 and room.module == "00_team" and not room.timer.running
    view.block_picker.value = len(view.blocks) - 1
    assert view.next_block.disabled  # the last block of the day


def test_answers_stay_hidden_until_revealed_and_are_shown_as_text(view, store):
    hostile = "<img src=x onerror=alert(1)> Our promise"
    store.save("valley-view", "1", "01_approach", "promise_picture", hostile, based_on=None)
    view.module_picker.value = "01_approach"
    view.item_picker.value = "promise_picture"
    assert "1 of 6 teams have answered" in view.cards.value and "Our promise" not in view.cards.value
    view.reveal.click()
    assert "&lt;img src=x onerror=alert(1)&gt; Our promise" in view.cards.value
    assert "<img" not in view.cards.value and "Valley View" in view.cards.value
    view.anonymous.value = True
    assert "Valley View" not in view.cards.value and "Team A" in view.cards.value
    view.reveal.click()
    assert "Our promise" not in view.cards.value


def test_a_check_picks_up_another_laptops_room_and_a_teams_done(view, store):
    view.check()  # the first check reads the mark
    assert view.check() is False  # nothing changed since
    r.save(store, COHORT, r.Room(module="03_fundamentals"))
    r.say_done(store, COHORT, "copper-mine", "03_fundamentals")
    assert view.check() is True
    assert view.module_picker.value == "03_fundamentals"
    assert "✓ Done" in view.teams.value
    assert "kit-room-done" in view.teams.value


def test_a_room_set_to_no_module_stays_so_when_the_day_opens_on_a_module(view, store):
    """An agenda whose first block is a module: the room starts there, and "—" chosen with the
    timer untouched (the room back at its defaults) is kept, not put back on that module."""
    opening = next(b for b in view.blocks if b.module)
    view.blocks = [opening, *view.blocks]
    assert view._loaded()[0].module == opening.module.id  # never set up: on the first block's module
    view.module_picker.value = "03_fundamentals"
    view.module_picker.value = ""  # "—"
    assert r.load(store, COHORT)[0] == r.Room()
    assert view._loaded()[0].module is None  # what the next check of the store draws


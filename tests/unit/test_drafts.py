"""The kernel's side of browser drafts: each answer's text box learns the exact text the store holds.

The browser (kit/static/textbox.js) keeps a draft until `saved` equals the box's text, and shows
"✓ Saved" only then; these tests check what the kernel tells it.
"""

from __future__ import annotations

import pytest

from kit.store import MAX_ANSWER_BYTES
from kit.widgets import TextBox
from kit.worksheets import Worksheet

WHERE = ("windy-city", "1")  # district, convening
LATEST = (*WHERE, "42_sample")


def box(sheet: Worksheet, item: str) -> TextBox:
    (text,) = sheet.fields[item].texts
    return text


def test_a_text_items_box_has_its_draft_key_limit_and_status(module, store):
    sheet = Worksheet(module, *WHERE, store)
    notes = box(sheet, "notes")
    assert notes.draft_key == "kit-draft:windy-city:1:42_sample:notes"
    assert notes.max_bytes == MAX_ANSWER_BYTES
    assert notes.owns_status and sheet.fields["notes"].status is None  # no second status line
    assert notes.saved == "" and notes.state == ""


def test_a_save_confirms_exactly_the_text_it_stored(module, store):
    sheet = Worksheet(module, *WHERE, store)
    notes = box(sheet, "notes")
    notes.value = "first words"
    assert notes.saved == "" and notes.state == "pending"  # typed, not yet saved
    sheet.flush()
    assert store.latest(*LATEST)["notes"].value == "first words"
    assert notes.saved == "first words"
    assert notes.state == "ok" and notes.status.startswith("Saved")
    notes.value = "first words, and more"  # an edit after the save is not confirmed by it
    assert notes.saved == "first words" and notes.state == "pending"
    sheet.flush()
    assert notes.saved == "first words, and more"


def test_a_reopened_page_tells_the_browser_what_the_store_holds(module, store):
    sheet = Worksheet(module, *WHERE, store)
    box(sheet, "notes").value = "kept"
    sheet.flush()
    again = Worksheet(module, *WHERE, store)  # the page opened again: a draft "kept" can go, any other is offered
    assert box(again, "notes").saved == "kept" and box(again, "notes").state == "ok"
    fresh = Worksheet(module, "valley-view", "1", store)
    assert box(fresh, "notes").saved == "" and box(fresh, "notes").draft_key.startswith("kit-draft:valley-view:1:")


def test_a_conflict_confirms_nothing(module, store):
    laptop = Worksheet(module, *WHERE, store, client="laptop")
    tablet = Worksheet(module, *WHERE, store, client="tablet")
    box(tablet, "notes").value = "from the tablet"
    tablet.flush()
    box(laptop, "notes").value = "from the laptop"
    laptop.flush()
    assert box(laptop, "notes").saved == "" and box(laptop, "notes").state == "conflict"
    use_theirs = laptop.fields["notes"].conflict_box.children[1].children[1]
    use_theirs.click()  # the team takes the other device's text: that is what the store holds
    assert box(laptop, "notes").value == box(laptop, "notes").saved == "from the tablet"
    assert box(laptop, "notes").state == "ok"


def test_a_refused_save_confirms_nothing_and_says_why(module, store):
    sheet = Worksheet(module, *WHERE, store)
    notes = box(sheet, "notes")
    notes.value = "short"
    sheet.flush()
    notes.value = "x" * (MAX_ANSWER_BYTES + 1)  # past the browser's own cap: only a page without it sends this
    sheet.flush()
    assert notes.saved == "short"
    assert notes.state == "error" and notes.status.startswith("Not saved")


@pytest.mark.parametrize("failure", [OSError("disk full"), RuntimeError("gone")])
def test_a_failed_save_confirms_nothing(module, store, failure):
    sheet = Worksheet(module, *WHERE, store)
    notes = box(sheet, "notes")
    store.save = lambda *a, **k: (_ for _ in ()).throw(failure)  # type: ignore[method-assign]
    notes.value = "not stored"
    sheet.flush()
    assert notes.saved == "" and notes.state == "error" and "Not saved" in notes.status


def test_a_ratings_evidence_keeps_its_own_draft_and_confirmation(module, store):
    sheet = Worksheet(module, *WHERE, store)
    field = sheet.fields["depth"]
    evidence = box(sheet, "depth")
    assert evidence.draft_key == "kit-draft:windy-city:1:42_sample:depth"
    assert not evidence.owns_status  # the rating's own status line speaks for the item
    evidence.value = "walkthrough notes"
    sheet.flush()
    assert evidence.saved == "walkthrough notes"
    assert "Saved" in field.status.value


def test_ratings_choices_checklists_and_rankings_keep_drafts_under_their_items_keys(module, store):
    sheet = Worksheet(module, *WHERE, store)
    key = "kit-draft:windy-city:1:42_sample"
    (level,) = sheet.fields["depth"].choices
    assert level.draft_key == f"{key}:depth:choice"  # beside its evidence's, which keeps the item's key
    for item in ("stage", "parts", "order"):
        (widget,) = sheet.fields[item].choices
        assert widget.draft_key == f"{key}:{item}" and widget.saved is None


@pytest.mark.parametrize(("item", "value"), [("depth", 3), ("stage", "s2"), ("parts", ["a", "b"]),
                                             ("order", {"y": 1, "x": 2})])
def test_a_click_saves_at_once_and_confirms_exactly_the_choice_stored(module, store, item, value):
    sheet = Worksheet(module, *WHERE, store)
    (widget,) = sheet.fields[item].choices
    widget.value = value  # as the browser sends it: a click saves at once, no flush
    stored = store.latest(*LATEST)[item].value
    assert (stored["level"] if item == "depth" else stored) == value
    assert widget.saved == value and widget.state == "ok"
    again = Worksheet(module, *WHERE, store)  # a reopened page: the browser's draft of it can go
    assert again.fields[item].choices[0].saved == value


def test_a_choice_sent_again_after_a_lost_connection_is_confirmed_again_not_saved_twice(module, store):
    sheet = Worksheet(module, *WHERE, store)
    (parts,) = sheet.fields["parts"].choices
    parts.value = ["a"]
    versions = len(store.history(*LATEST, "parts"))
    sent: list[list[str]] = []
    parts.send_state = lambda names=None: sent.append(names)  # type: ignore[method-assign]
    parts._message(parts, {"event": "resend"}, [])
    assert sent == [["saved", "state"]]
    assert len(store.history(*LATEST, "parts")) == versions


def test_checklists_and_rankings_keep_only_what_their_options_allow(module, store):
    sheet = Worksheet(module, *WHERE, store)
    (parts,) = sheet.fields["parts"].choices
    (order,) = sheet.fields["order"].choices
    parts.value = ["b", "nope", "a", "b"]
    assert parts.value == ["a", "b"]
    order.value = {"z": 1, "x": 9, "y": True, "w": 2}
    assert order.value == {"z": 1}

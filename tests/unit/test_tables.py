"""Worksheet tables: rows added one at a time build only themselves, rows removed are saved, long answers
open a page at a time and still save whole."""

from __future__ import annotations

import ipywidgets as w
import pytest
from ipywidgets.widgets import widget as widget_module

from kit.store import Store
from kit.worksheets import PAGE_ROWS, Worksheet

DISTRICT, CONVENING, MODULE = "windy-city", "1", "42_sample"
EMPTY = {"when": None, "kind": "", "ok": ""}  # the inventory table's other boxes, left empty


def grid(field) -> w.VBox:
    return next(c for c in field.widget.children if "kit-table" in c._dom_classes)


def drawn_rows(field) -> list[w.GridBox]:
    return [c for c in grid(field).children if "kit-table-row" in c._dom_classes]


def button(parent: w.Widget, text: str) -> w.Button:
    found = [c for c in parent.children if isinstance(c, w.Button) and c.description.startswith(text)]
    assert len(found) == 1, [getattr(c, "description", c) for c in parent.children]
    return found[0]


def remove_button(field, n: int) -> w.Button:
    """The "Remove row n" button, found by its name as a screen reader would."""
    return button(drawn_rows(field)[n - 1], f"Remove row {n}")


def name_box(row: w.GridBox) -> w.Text:
    return row.children[0]


def saved(store: Store, item: str = "inventory"):
    return store.latest(DISTRICT, CONVENING, MODULE)[item]


def test_add_then_remove_keeps_the_other_rows_values_and_saves(module, store):
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    field = sheet.fields["inventory"]
    assert len(drawn_rows(field)) == 3  # min_rows
    button(field.widget, "Add a row").click()
    rows = drawn_rows(field)
    assert len(rows) == 4
    for n, row in enumerate(rows, start=1):
        name_box(row).value = f"Assessment {n}"
    rows[1].children[2].value = "Gap"  # row 2's choice, saved at once
    sheet.flush()
    assert [r["name"] for r in saved(store).value] == ["Assessment 1", "Assessment 2", "Assessment 3",
                                                        "Assessment 4"]
    before = saved(store).version

    remove_button(field, 2).click()

    answer = saved(store)
    assert answer.version == before + 1  # a new version: the one with row 2 stays in the history
    assert answer.value == [{"name": f"Assessment {n}", **EMPTY} for n in (1, 3, 4)]
    assert [name_box(r).value for r in drawn_rows(field)] == ["Assessment 1", "Assessment 3", "Assessment 4"]
    # The rows after it are renumbered, so each button still names its own row.
    assert [r.children[-1].description for r in drawn_rows(field)] == ["Remove row 1", "Remove row 2",
                                                                       "Remove row 3"]
    assert "Saved" in field.status.value
    history = store.history(DISTRICT, CONVENING, MODULE, "inventory")
    assert any(h.value[1]["kind"] == "Gap" for h in history)
    # The rows left still save as the team types.
    name_box(drawn_rows(field)[1]).value = "Assessment 3, renamed"
    sheet.flush()
    assert [r["name"] for r in saved(store).value] == ["Assessment 1", "Assessment 3, renamed", "Assessment 4"]
    again = Worksheet(module, DISTRICT, CONVENING, store)  # a reload
    assert [name_box(r).value for r in drawn_rows(again.fields["inventory"])] == [
        "Assessment 1", "Assessment 3, renamed", "Assessment 4"]


def test_removing_a_row_with_unsaved_typing(module, store):
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    field = sheet.fields["inventory"]
    rows = drawn_rows(field)
    name_box(rows[0]).value = "Kept"
    sheet.flush()
    name_box(rows[0]).value = "Kept, typed on"  # still waiting for its pause: not saved yet
    name_box(rows[1]).value = "Typed, then removed"  # likewise, in the row about to go
    assert saved(store).value == [{"name": "Kept", **EMPTY}]

    remove_button(field, 2).click()

    # Saved at once, with the typing in the row that stays and without the row that went.
    assert saved(store).value == [{"name": "Kept, typed on", **EMPTY}]
    versions = len(store.history(DISTRICT, CONVENING, MODULE, "inventory"))
    sheet.flush()  # the removed row's pending typing does not come back later
    assert len(store.history(DISTRICT, CONVENING, MODULE, "inventory")) == versions
    assert saved(store).value == [{"name": "Kept, typed on", **EMPTY}]
    assert all("Typed, then removed" not in name_box(r).value for r in drawn_rows(field))


def test_removing_an_empty_row_saves_nothing_and_the_table_keeps_its_min_rows(module, store):
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    field = sheet.fields["inventory"]
    remove_button(field, 3).click()
    assert "inventory" not in store.latest(DISTRICT, CONVENING, MODULE)  # nothing changed: no version
    assert len(drawn_rows(field)) == 3  # an empty row takes its place
    name_box(drawn_rows(field)[0]).value = "Only row"
    sheet.flush()
    remove_button(field, 1).click()
    assert saved(store).value == []
    assert len(drawn_rows(field)) == 3
    assert all(name_box(r).value == "" for r in drawn_rows(field))


def test_fixed_label_rows_have_no_remove_button(module, store):
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    field = sheet.fields["components"]
    assert len(drawn_rows(field)) == 2
    assert not any(isinstance(c, w.Button) for r in drawn_rows(field) for c in r.children)
    assert not any(isinstance(c, w.Button) for c in field.widget.children)  # nor an "Add a row"


@pytest.mark.parametrize("rows_before", [3, 200])
def test_adding_a_row_builds_only_that_row(module, store, rows_before):
    """The issue's "linear tables", counted rather than timed: an added row creates the same widgets
    whatever the table's length, and no row already drawn is touched."""
    store.save(DISTRICT, CONVENING, MODULE, "inventory", [{"name": f"r{n}"} for n in range(rows_before)],
               client="seed", based_on=0)
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    field = sheet.fields["inventory"]
    while any("kit-more-rows" in c._dom_classes for c in grid(field).children):
        button(grid(field), "Show").click()  # every row drawn: the add then follows `rows_before` rows
    old_rows = drawn_rows(field)
    assert len(old_rows) == rows_before
    touched = []
    for row in old_rows:
        row.observe(touched.append, names="children")
        for cell in row.children:
            cell.observe(touched.append)
    grid_changes = []
    grid(field).observe(grid_changes.append, names="children")
    before = set(widget_module._instances)

    button(field.widget, "Add a row").click()

    created = [widget_module._instances[k] for k in set(widget_module._instances) - before]
    assert sorted(type(c).__name__ for c in created) == sorted(
        ["GridBox", "Text", "DatePicker", "Dropdown", "Dropdown", "Button"])  # its boxes, its Remove, its grid
    assert touched == []
    assert len(grid_changes) == 1
    old, new = grid_changes[0]["old"], grid_changes[0]["new"]
    assert new[:len(old)] == old and len(new) == len(old) + 1  # the grid's children grow by one
    name_box(new[-1]).value = "Added"
    sheet.flush()
    assert saved(store).value[-1] == {"name": "Added", **EMPTY}
    assert len(saved(store).value) == rows_before + 1


def test_a_long_answer_opens_a_page_of_rows_and_saves_whole(module, store):
    rows = [{"name": f"Assessment {n}", "when": "2027-01-14" if n % 2 else "not a date", "kind": "Gap",
             "ok": "maybe"} for n in range(1, 1001)]
    store.save(DISTRICT, CONVENING, MODULE, "inventory", rows, client="seed", based_on=0)
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    field = sheet.fields["inventory"]
    assert len(drawn_rows(field)) == PAGE_ROWS
    more = button(grid(field), "Show")
    assert more.description == f"Show {PAGE_ROWS} more rows ({1000 - PAGE_ROWS} not shown yet)"
    # Rows not drawn are kept exactly as drawn rows would hold them (a bad date empty, "maybe" not a yes/no).
    expected = [{"name": r["name"], "when": r["when"] if r["when"] != "not a date" else None, "kind": "Gap",
                 "ok": ""} for r in rows]
    assert field.input.get() == expected

    more.click()
    assert len(drawn_rows(field)) == 2 * PAGE_ROWS
    assert field.input.get() == expected
    # A row added now sits after the drawn rows and before those not drawn yet, as on the page.
    button(field.widget, "Add a row").click()
    name_box(drawn_rows(field)[-1]).value = "Added"
    sheet.flush()
    value = saved(store).value
    assert len(value) == 1001
    assert value[2 * PAGE_ROWS] == {"name": "Added", **EMPTY}
    assert value[:2 * PAGE_ROWS] + value[2 * PAGE_ROWS + 1:] == expected
    # Removing a drawn row keeps every row not drawn.
    remove_button(field, 1).click()
    assert len(saved(store).value) == 1000
    assert saved(store).value[0]["name"] == "Assessment 2"


def test_setting_a_shorter_answer_reuses_rows_and_they_still_save(module, store):
    """Restoring an earlier version, or taking another device's, redraws the table from that value."""
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    field = sheet.fields["inventory"]
    field.put([{"name": f"r{n}"} for n in range(6)])
    assert len(drawn_rows(field)) == 6
    first_rows = drawn_rows(field)
    field.put([{"name": "only"}])
    assert drawn_rows(field) == first_rows[:3]  # the same row widgets, down to min_rows
    assert [name_box(r).value for r in drawn_rows(field)] == ["only", "", ""]
    assert all(r.comm is None for r in first_rows[3:])  # the rows no longer needed are closed
    name_box(drawn_rows(field)[2]).value = "typed after"
    sheet.flush()
    assert [r["name"] for r in saved(store).value] == ["only", "typed after"]

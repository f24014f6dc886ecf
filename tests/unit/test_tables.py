"""Worksheet tables, the kernel's side (kit.widgets.Table): the browser draws the rows and sends them
back as JSON; the kernel keeps only what a box could hold, saves a changed answer at once (a removed
row as a new version), builds nothing when a row is added, and opens a long answer as one value.

The browser's side (drawing, adding, removing, drafts): tests/browser/test_tables_browser.py."""

from __future__ import annotations

import json

import pytest
from ipywidgets.widgets import widget as widget_module

from kit.store import MAX_ANSWER_BYTES, Store
from kit.widgets import Table
from kit.worksheets import Worksheet

DISTRICT, CONVENING, MODULE = "windy-city", "1", "42_sample"
EMPTY = {"when": None, "kind": "", "ok": ""}  # the inventory table's other boxes, left empty


def table(sheet: Worksheet, item: str = "inventory") -> Table:
    widget = sheet.fields[item].table
    assert widget is not None
    return widget


def send(widget: Table, rows: list[dict]) -> None:
    """What the browser does when typing pauses, a box is left or a row removed: it sends every row
    it shows (empty ones included) as the widget's `value`."""
    widget.set_state({"value": json.loads(json.dumps(rows))})  # as a comm message from the browser is applied


def saved(store: Store, item: str = "inventory"):
    return store.latest(DISTRICT, CONVENING, MODULE)[item]


def versions(store: Store, item: str = "inventory") -> int:
    return len(store.history(DISTRICT, CONVENING, MODULE, item))


def test_rows_typed_save_at_once_and_a_removed_row_is_a_new_version(module, store):
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    widget = table(sheet)
    rows = [{"name": f"Assessment {n}"} for n in range(1, 5)]
    rows[1]["kind"] = "Gap"
    send(widget, rows)  # the browser waited for the pause: no second wait in the kernel
    assert [r["name"] for r in saved(store).value] == [f"Assessment {n}" for n in range(1, 5)]
    assert widget.saved == saved(store).value and widget.state == "ok" and widget.status.startswith("Saved")
    before = saved(store).version

    send(widget, [rows[0], rows[2], rows[3], {}])  # "Remove row 2": the browser keeps min_rows with an empty row

    answer = saved(store)
    assert answer.version == before + 1  # a new version: the one with row 2 stays in the history
    assert answer.value == [{"name": f"Assessment {n}", **EMPTY} for n in (1, 3, 4)]
    assert widget.saved == answer.value
    assert any(h.value[1]["kind"] == "Gap" for h in store.history(DISTRICT, CONVENING, MODULE, "inventory"))
    again = Worksheet(module, DISTRICT, CONVENING, store)  # a reload shows the rows left, confirmed
    assert table(again).value == answer.value and table(again).saved == answer.value


def test_rows_sent_without_changing_the_answer_save_nothing(module, store):
    """An empty row removed, or added: the answer is the same, so no version is made."""
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    widget = table(sheet)
    send(widget, [{}, {}])
    assert "inventory" not in store.latest(DISTRICT, CONVENING, MODULE)
    send(widget, [{"name": "Only row"}, {}, {}])
    send(widget, [{"name": "Only row"}, {}, {}, {}, {"name": ""}])
    assert versions(store) == 1
    send(widget, [{}, {}, {}])  # "Remove row 1": the answer is now empty, and that is saved
    assert saved(store).value == [] and versions(store) == 2


def test_the_kernel_keeps_only_what_a_box_could_hold(module, store):
    """A crafted message: unknown columns dropped, a bad date empty, an unlisted option empty, numbers
    as text, rows that are not objects skipped; fixed rows keep their own labels."""
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    send(table(sheet), [
        {"name": 42, "when": "2027-02-30", "kind": "<script>", "ok": "Yes", "evil": "x"},
        "not a row", None, {"name": "<b>kept as text</b>", "when": "2027-02-01", "kind": "Redundancy"}])
    assert saved(store).value == [
        {"name": "42", "when": None, "kind": "", "ok": "Yes"},
        {"name": "<b>kept as text</b>", "when": "2027-02-01", "kind": "Redundancy", "ok": ""}]
    send(table(sheet, "components"), [{"component": "Renamed by a hostile page", "now": "weekly"}])
    assert saved(store, "components").value == [{"component": "Meetings", "now": "weekly"},
                                                 {"component": "Coaching", "now": ""}]


def test_fixed_rows_are_found_by_label_and_have_no_add_or_remove(module, store):
    store.save(DISTRICT, CONVENING, MODULE, "components",
               [{"component": "Coaching", "now": "two coaches"}, {"component": "Meetings", "now": "weekly"},
                {"component": "Retired row", "now": "kept as a row of its own"}], client="seed", based_on=0)
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    widget = table(sheet, "components")
    assert widget.fixed == ["Meetings", "Coaching"] and widget.min_rows == 0
    assert widget.value == [{"component": "Meetings", "now": "weekly"}, {"component": "Coaching", "now": "two coaches"},
                            {"component": "Retired row", "now": "kept as a row of its own"}]
    assert sheet.fields["components"].widget.children[0] is widget  # no "Add a row" widget beside it



def test_rows_are_cleaned_once_per_value(module, store, monkeypatch):
    """A page opening on a saved table reads its answer several times (watcher, confirmation, flags):
    the rows shown are already clean and are not cleaned again; rows sent are cleaned once."""
    store.save(DISTRICT, CONVENING, MODULE, "inventory", [{"name": f"r{n}", "when": "bad"} for n in range(300)],
               client="seed", based_on=0)
    store.save(DISTRICT, CONVENING, MODULE, "components", [{"component": "Coaching", "now": 7}, {"now": "lost"}],
               client="seed", based_on=0)
    cleaned: list[int] = []
    original = Table._answer
    monkeypatch.setattr(Table, "_answer", lambda self: cleaned.append(len(self.value)) or original(self))
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    widget = table(sheet)
    assert 300 not in cleaned  # only the empty tables the widgets started as
    for item in ("inventory", "components"):
        assert table(sheet, item).answer() == original(table(sheet, item))  # what a fresh reading gives
    assert table(sheet, "components").answer()[1] == {"component": "Coaching", "now": "7"}
    cleaned.clear()
    send(widget, [*widget.value, {"name": "Added"}])
    assert cleaned == [301] and saved(store).value[-1] == {"name": "Added", **EMPTY}
    assert widget.answer() == saved(store).value and cleaned == [301]


@pytest.mark.parametrize("rows_before", [3, 200])
def test_adding_a_row_costs_the_kernel_nothing(module, store, rows_before):
    """The issue's "linear tables", counted rather than timed: adding a row is the browser's alone, and
    typing in it sends one value, whatever the table's length; no widget is created either way."""
    store.save(DISTRICT, CONVENING, MODULE, "inventory", [{"name": f"r{n}"} for n in range(rows_before)],
               client="seed", based_on=0)
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    widget = table(sheet)
    sent = []
    widget.comm.send = lambda data=None, **_k: sent.append(data["state"])  # type: ignore[method-assign]
    before = set(widget_module._instances)

    send(widget, [*widget.value, {"name": "Added"}])

    assert set(widget_module._instances) == before
    assert saved(store).value[-1] == {"name": "Added", **EMPTY}
    assert len(saved(store).value) == rows_before + 1
    # Sent to the browser: "Saving…", then the confirmation with "Saved"; the rows are not sent back.
    assert [sorted(state) for state in sent] == [["status"], ["state"], ["saved", "state", "status"]]


def test_a_long_answer_opens_as_one_value_and_saves_whole(module, store):
    rows = [{"name": f"Assessment {n}", "when": "2027-01-14" if n % 2 else "not a date", "kind": "Gap",
             "ok": "maybe"} for n in range(1, 1001)]
    store.save(DISTRICT, CONVENING, MODULE, "inventory", rows, client="seed", based_on=0)
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    widget = table(sheet)
    # Kept exactly as the boxes would hold them (a bad date empty, "maybe" not a yes/no).
    expected = [{"name": r["name"], "when": r["when"] if r["when"] != "not a date" else None, "kind": "Gap",
                 "ok": ""} for r in rows]
    assert widget.value == expected and sheet.fields["inventory"].input.get() == expected
    assert widget.saved == expected  # the browser shows it as saved: the store holds these rows
    # A row added after row 60, typed in; then row 1 removed.
    send(widget, [*expected[:60], {"name": "Added"}, *expected[60:]])
    value = saved(store).value
    assert len(value) == 1001 and value[60] == {"name": "Added", **EMPTY}
    send(widget, [*value[1:]])
    assert len(saved(store).value) == 1000 and saved(store).value[0]["name"] == "Assessment 2"


def test_another_version_shown_replaces_the_rows(module, store):
    """Restoring an earlier version, or taking another device's, sends the browser that version's rows."""
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    field = sheet.fields["inventory"]
    send(table(sheet), [{"name": f"r{n}"} for n in range(6)])
    first = saved(store)
    send(table(sheet), [{"name": "only"}])
    assert field.restore(first)
    assert [r["name"] for r in table(sheet).value] == [f"r{n}" for n in range(6)]
    assert saved(store).value == first.value and saved(store).version == 3
    assert table(sheet).saved == first.value


def test_a_table_has_a_draft_key_limit_and_owns_its_status(module, store):
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    widget, field = table(sheet), sheet.fields["inventory"]
    assert widget.draft_key == f"kit-draft:{DISTRICT}:{CONVENING}:{MODULE}:inventory"
    assert widget.max_bytes == MAX_ANSWER_BYTES
    assert field.status is None and field.status_box is widget  # the browser draws the one status line
    assert widget.saved is None and widget.state == ""  # nothing stored: a draft is offered back


def test_a_conflict_confirms_nothing_and_use_theirs_confirms_theirs(module, store):
    laptop = Worksheet(module, DISTRICT, CONVENING, store, client="laptop")
    tablet = Worksheet(module, DISTRICT, CONVENING, store, client="tablet")
    send(table(tablet), [{"name": "from the tablet"}])
    send(table(laptop), [{"name": "from the laptop"}])
    assert table(laptop).state == "conflict" and table(laptop).saved is None
    assert "Another device saved this answer" in table(laptop).status
    use_theirs = laptop.fields["inventory"].conflict_box.children[1].children[1]
    use_theirs.click()
    assert table(laptop).value == table(laptop).saved == [{"name": "from the tablet", **EMPTY}]
    assert table(laptop).state == "ok"


def test_rows_sent_again_after_a_lost_connection_are_saved_or_confirmed_again(module, store):
    sheet = Worksheet(module, DISTRICT, CONVENING, store)
    widget = table(sheet)
    message = {"event": "rows", "rows": [{"name": "typed before the connection went"}]}
    widget._message(widget, message, [])
    assert saved(store).value == [{"name": "typed before the connection went", **EMPTY}]
    assert versions(store) == 1
    states = []
    widget.send_state = lambda keys=None: states.append(keys)  # type: ignore[method-assign]
    widget._message(widget, message, [])  # the kernel had them: no second version, the confirmation again
    assert versions(store) == 1 and states == [["saved", "status", "state"]]
    widget._message(widget, {"event": "rows", "rows": "not rows"}, [])  # ignored
    assert versions(store) == 1


def test_a_date_column_never_shrinks_below_its_whole_date():
    """Every other column shrinks to nothing with the page; a date's keeps room for "mm/dd/yyyy" and its
    calendar button (tests/browser/test_layout_browser.py measures it at 830 px)."""
    from kit.content import get_module
    from kit.inputs import table_tracks

    calendar = get_module("04_system_inventory").item("time_calendar")
    assert table_tracks(calendar).split(" minmax") == [
        "minmax(8.5em, 1.3fr)", "(0, 1.1fr)", "(0, 0.7fr)", "(0, 1fr)", "(0, 0.7fr)", "(0, 1fr)"]

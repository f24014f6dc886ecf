"""Worksheet widgets: every item type round-trips through the store; conflicts and failures are shown."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from kit.content import all_modules
from kit.inputs import BUILDERS
from kit.store import Store
from kit.worksheets import Worksheet

VALUES = {
    "depth": {"level": 3, "evidence": "O'Brien's class — café <b>bold</b>"},
    "notes": "Line one\nLine two with <script>alert(1)</script>",
    "parts": ["b"],
    "stage": "s2",
    "order": {"x": 2, "y": 1, "z": 3},
    "inventory": [{"name": "MAP", "when": "2027-01-14", "kind": "Gap", "ok": "Yes"}],
    "components": [{"component": "Meetings", "now": "weekly staff"}, {"component": "Coaching", "now": ""}],
}


def test_every_item_type_has_a_builder(module):
    assert {i.type for i in module.items()} == set(BUILDERS)


def test_values_survive_a_reload(module, store):
    sheet = Worksheet(module, "windy-city", "1", store)
    for item_id, value in VALUES.items():
        sheet.fields[item_id].input.set(value)
    sheet.flush()
    for field in sheet.fields.values():
        field.save()
    again = Worksheet(module, "windy-city", "1", store)  # a reload: a new page, same store
    for item_id, value in VALUES.items():
        assert again.fields[item_id].input.get() == value, item_id
    assert "Saved" in again.fields["notes"].shown


def test_editing_a_widget_saves_it(module, store):
    sheet = Worksheet(module, "windy-city", "1", store)
    field = sheet.fields["stage"]
    field.input.watched[0].value = "s1"  # as if clicked in the browser
    assert store.latest("windy-city", "1", "42_sample")["stage"].value == "s1"
    assert "Saved" in field.status.value


def test_typing_saves_after_the_pause(module, store):
    sheet = Worksheet(module, "windy-city", "1", store)
    area = sheet.fields["notes"].input.watched[0]
    area.value = "draft"
    assert "notes" not in store.latest("windy-city", "1", "42_sample")  # still debouncing
    sheet.flush()
    assert store.latest("windy-city", "1", "42_sample")["notes"].value == "draft"


def test_added_table_rows_are_watched_and_saved(module, store):
    sheet = Worksheet(module, "windy-city", "1", store)
    table = sheet.fields["inventory"].table
    # The browser adds a fourth row by itself and sends the rows once something is typed in it.
    table.value = [{}, {}, {}, {"name": "New assessment"}]
    sheet.flush()
    saved = store.latest("windy-city", "1", "42_sample")["inventory"].value
    assert saved == [{"name": "New assessment", "when": None, "kind": "", "ok": ""}]


def test_a_stale_device_is_told_and_both_versions_kept(module, store):
    laptop = Worksheet(module, "windy-city", "1", store, client="laptop")
    tablet = Worksheet(module, "windy-city", "1", store, client="tablet")
    tablet.fields["notes"].input.set("from the tablet")
    tablet.fields["notes"].save()
    laptop.fields["notes"].input.set("from the laptop")
    assert laptop.fields["notes"].save() is False
    assert "Another device saved this answer" in laptop.fields["notes"].shown
    assert "from the tablet" in laptop.fields["notes"].conflict_box.children[0].value
    assert store.latest("windy-city", "1", "42_sample")["notes"].value == "from the tablet"
    assert [h.value for h in store.history("windy-city", "1", "42_sample", "notes")] == [
        "from the tablet", "from the laptop"]
    keep_mine = laptop.fields["notes"].conflict_box.children[1].children[0]
    keep_mine.click()
    assert store.latest("windy-city", "1", "42_sample")["notes"].value == "from the laptop"


def test_a_failed_save_keeps_the_answer_and_says_so(module, store):
    sheet = Worksheet(module, "windy-city", "1", store)
    store.engine.dispose()
    store.save = lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))  # type: ignore[method-assign]
    field = sheet.fields["stage"]
    field.input.watched[0].value = "s2"
    assert "Not saved" in field.status.value and "kit-status-error" in field.status.value
    assert field.input.get() == "s2"


def test_chart_is_redrawn_when_a_rating_changes(module, store):
    sheet = Worksheet(module, "windy-city", "1", store)
    sheet.live_charts()
    _spec, source = sheet.charts[0]
    assert source.data["value"] == [0]
    sheet.fields["depth"].input.watched[0].value = 4
    assert source.data["value"] == [4]


@pytest.mark.parametrize("module_id", [m.id for m in all_modules()])
def test_every_shipped_module_builds(module_id, store):
    module = next(m for m in all_modules() if m.id == module_id)
    sheet = Worksheet(module, "windy-city", "1", store)
    assert set(sheet.fields) == {i.id for i in module.items()}


def test_date_cells_round_trip(module, store):
    sheet = Worksheet(module, "windy-city", "1", store)
    sheet.fields["inventory"].input.set([{"name": "x", "when": dt.date(2027, 2, 1).isoformat()}])
    assert sheet.fields["inventory"].input.get()[0]["when"] == "2027-02-01"


def test_flags_show_at_the_top_and_next_to_the_items_they_read(store):
    from kit.content import get_module
    from kit.districts import find_district
    from tests.conftest import ROOT

    profile = find_district(ROOT / "sample_districts", "copper-mine")
    sheet = Worksheet(get_module("02"), "copper-mine", "1", store, profile=profile)
    assert sheet.flags_box.value == ""
    sheet.fields["spread"].input.watched[0].value = 4
    sheet.fields["depth"].input.watched[0].value = 1
    assert "Risks to scale the kit sees for Copper Mine: 1" in sheet.flags_box.value
    assert "thinly" in sheet.flags_box.value
    assert "RISK:" in sheet.item_flags["depth"].value and "003 § Scale" in sheet.item_flags["depth"].value
    sheet.fields["depth"].input.watched[0].value = 3
    assert sheet.item_flags["depth"].value == ""
    assert sheet.flags_box.value == ""


def test_text_typed_just_before_the_kernel_stops_is_saved(tmp_path):
    """Voila stops a page's kernel as the team leaves it; what was still in its debounce is saved first."""
    from jupyter_client.manager import start_new_kernel

    url = f"sqlite:///{tmp_path / 'kit.db'}"
    Store(url).close()
    km, kc = start_new_kernel(kernel_name="python3", env={**os.environ, "KIT_DB_URL": url})
    try:
        reply = kc.execute_interactive(
            "from kit.content import get_module\n"
            "from kit.store import Store\n"
            "from kit.worksheets import Worksheet\n"
            "module = get_module('09_reflection')\n"
            "sheet = Worksheet(module, 'windy-city', '1', Store())\n"
            "item = next(i.id for i in module.items() if i.type == 'text')\n"
            "sheet.fields[item].input.watched[0].value = \"Last thought, typed as we left\"\n"
            "assert not sheet.store.latest('windy-city', '1', module.id)  # still in its one-second debounce\n",
            timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)  # a clean shutdown, as Voila's shutdown handler asks for
    store = Store(url)
    saved = store.latest("windy-city", "1", "09_reflection")
    assert [a.value for a in saved.values()] == ["Last thought, typed as we left"]
    store.close()


@pytest.mark.parametrize("table", [i for m in all_modules() for i in m.items() if i.type == "table"],
                         ids=lambda i: i.id)
def test_every_table_shows_every_column_and_labels_each_box(table):
    """The browser draws a header and a labelled box per column from what the widget carries (the
    drawing itself: tests/browser/test_layout_browser.py)."""
    from kit.content import get_module
    from kit.widgets import Table

    module = next(m for m in all_modules() if table in m.items())
    widget = BUILDERS["table"](table, get_module(module.id)).owner
    assert isinstance(widget, Table)
    assert [(c["id"], c["label"], c["type"]) for c in widget.columns] == [
        (c.id, c.label, c.type) for c in table.columns]
    assert all(c["options"] == col.options for c, col in zip(widget.columns, table.columns, strict=True))
    assert widget.tracks.count("fr)") == len(table.columns)  # one track a column; the browser adds Remove's
    assert widget.fixed == table.rows
    assert widget.min_rows == (0 if table.rows else table.min_rows)
    assert widget.description == table.prompt


def test_the_progress_line_counts_what_is_answered(module, store):
    sheet = Worksheet(module, "windy-city", "1", store)
    total = len(module.items())
    assert sheet.progress.value.endswith(f">0 of {total} answered · saved as you type</p>")
    sheet.fields["components"].save()  # a fixed table with only its labels: not an answer
    sheet.fields["notes"].input.set("Something")
    sheet.fields["notes"].save()
    assert f">1 of {total} answered" in sheet.progress.value


def test_a_guides_links_keep_the_token_and_none_goes_nowhere(monkeypatch):
    from kit.notebook import guide_html
    from kit.paths import guides_dir

    monkeypatch.setenv("QUERY_STRING", "token=Abcdefgh12345678")
    html = guide_html((guides_dir() / "04_system_inventory.md").read_text(encoding="utf-8"))
    assert 'href="04_system_inventory.ipynb?token=Abcdefgh12345678"' in html
    assert 'href="#"' not in html and "../modules/" not in html

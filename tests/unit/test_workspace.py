"""A team's workspace: modules take turns inside one page, typing is saved before a switch, and a
module shown again shows what another device saved meanwhile."""

from __future__ import annotations

import pytest
from ipywidgets.widgets.widget import _instances

from kit.content import TextItem, all_modules, get_module
from kit.districts import find_district, load_cohort
from kit.paths import sample_cohort_dir
from kit.store import Store
from kit.widgets import Navigator, TextBox
from kit.workspace import Workspace


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'kit.db'}")
    store.load_districts("sample_districts", load_cohort(sample_cohort_dir())[0])
    yield store
    store.close()


def space(store: Store, **kwargs) -> Workspace:
    windy = find_district(sample_cohort_dir(), "windy-city")
    return Workspace(windy, "1", store, url=lambda m: f"workspace.ipynb?district=windy-city&module={m}",
                     client="laptop", **kwargs)


def sent(navigator: Navigator, monkeypatch) -> list[dict]:
    messages: list[dict] = []
    monkeypatch.setattr(navigator, "send", lambda content, buffers=None: messages.append(content))
    return messages


def first_text(module_id: str) -> str:
    return next(i.id for i in get_module(module_id).items() if isinstance(i, TextItem))


def visible(ws: Workspace) -> list[str]:
    return [m for m, (_sheet, body) in ws.built.items() if "kit-hidden" not in body._dom_classes]


def test_a_switch_shows_one_module_and_moves_the_address(store, monkeypatch):
    ws = space(store)
    messages = sent(ws.navigator, monkeypatch)
    ws.open(get_module("03_fundamentals"))
    ws.go("04_system_inventory")
    assert ws.module.id == "04_system_inventory" and visible(ws) == ["04_system_inventory"]
    assert "aria-current='page'>04 System inventory" in ws.top.value
    assert messages[-1]["shown"] == "04_system_inventory" and messages[-1]["push"] is True
    assert messages[-1]["url"].endswith("module=04_system_inventory") and messages[-1]["focus"] is True
    ws.go("03_fundamentals", push=False)  # the browser's back button: the address is already there
    assert visible(ws) == ["03_fundamentals"] and messages[-1]["push"] is False


def test_typing_not_yet_saved_is_saved_before_the_switch(store):
    ws = space(store)
    sheet = ws.open(get_module("04_system_inventory"))
    item = first_text("04_system_inventory")
    sheet.fields[item].input.watched[0].value = "Typed just before moving on"
    assert sheet.fields[item].debouncer.pending  # waiting for its second of quiet
    ws.go("05_prioritization")
    saved = store.latest("windy-city", "1", "04_system_inventory")
    assert saved[item].value == "Typed just before moving on"


def test_leaving_a_text_box_saves_at_once(store):
    ws = space(store)
    sheet = ws.open(get_module("01_approach"))
    item = first_text("01_approach")
    box = sheet.fields[item].input.watched[0]
    assert isinstance(box, TextBox)
    box.value = "Left the box"
    assert item not in store.latest("windy-city", "1", "01_approach")
    box._message(box, {"event": "blur"}, [])  # what the browser sends when the box loses focus
    assert store.latest("windy-city", "1", "01_approach")[item].value == "Left the box"


def test_a_module_shown_again_shows_what_another_device_saved(store):
    ws = space(store)
    sheet = ws.open(get_module("01_approach"))
    item = first_text("01_approach")
    ws.go("02_scale")
    store.save("windy-city", "1", "01_approach", item, "From the tablet", client="tablet", based_on=0)
    ws.go("01_approach")
    field = sheet.fields[item]
    assert field.input.get() == "From the tablet" and field.version == 1
    field.input.set("Then the laptop")
    assert field.save()  # based on the tablet's version: no conflict
    assert store.latest("windy-city", "1", "01_approach")[item].version == 2


def test_an_unknown_or_crafted_module_changes_nothing(store, monkeypatch):
    ws = space(store)
    messages = sent(ws.navigator, monkeypatch)
    ws.open(get_module("02_scale"))
    ws.navigator._message(ws.navigator, {"go": "../home"}, [])
    ws.navigator._message(ws.navigator, {"go": 42}, [])
    ws.navigator._message(ws.navigator, ["not", "a", "dict"], [])
    assert ws.module.id == "02_scale" and ws.district.id == "windy-city"
    assert "There is no module '../home'." in messages[-1]["announce"]


def test_every_module_is_built_once_and_a_second_tour_holds_no_more_widgets(store):
    ws = space(store)
    modules = all_modules()
    ws.open(modules[0])
    for module in modules[1:]:
        ws.go(module.id)
    after_one = len(_instances)
    for module in [*reversed(modules), *modules]:
        ws.go(module.id)
    assert len(ws.built) == len(modules) and visible(ws) == [modules[-1].id]
    assert len(_instances) == after_one


def test_the_background_builds_the_modules_after_the_current_one_first(store, monkeypatch):
    monkeypatch.setattr("kit.workspace.machine_busy", lambda: True)
    ws = space(store)
    ws.open(get_module("07_spread"))
    assert [m.id for m in ws.unbuilt()][:3] == ["08_monitoring", "09_reflection", "00_team"]
    ws._quiet_since -= 60  # the team has been on the module a while
    ws.navigator._message(ws.navigator, {"drawn": "07_spread"}, [])  # and its browser has drawn it
    ws._prebuild_step()
    assert "08_monitoring" not in ws.built  # the machine is busy: pages being opened come first
    monkeypatch.setattr("kit.workspace.machine_busy", lambda: False)
    ws._prebuild_step()
    assert "08_monitoring" in ws.built and visible(ws) == ["07_spread"]


def test_the_background_waits_for_the_browser_to_draw_the_first_module(store, monkeypatch):
    monkeypatch.setattr("kit.workspace.machine_busy", lambda: False)
    ws = space(store)
    ws.open(get_module("03_fundamentals"))
    ws._quiet_since -= 60
    ws._prebuild_step()
    assert list(ws.built) == ["03_fundamentals"]  # the browser is still creating module 03's views
    ws.navigator._message(ws.navigator, {"drawn": "03_fundamentals"}, [])
    ws._prebuild_step()
    assert list(ws.built) == ["03_fundamentals", "04_system_inventory"]


def test_a_browser_that_never_says_it_has_drawn_gets_the_modules_later(store, monkeypatch):
    from kit.workspace import PREBUILD_UNDRAWN_SECONDS

    monkeypatch.setattr("kit.workspace.machine_busy", lambda: False)
    ws = space(store)
    ws.open(get_module("03_fundamentals"))
    ws._quiet_since -= 60
    ws._opened_at -= PREBUILD_UNDRAWN_SECONDS + 1
    ws._prebuild_step()
    assert "04_system_inventory" in ws.built


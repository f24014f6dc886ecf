"""The kit's anywidgets: built without a class per widget, and still carrying their ES module."""

from __future__ import annotations

import hashlib
from importlib.resources import files

import pytest

from kit import widgets
from kit.widgets import ChartText, Countdown, KitWidget, Navigator, RadioGroup, Table, TextBox

ALL = [TextBox, RadioGroup, ChartText, Navigator, Countdown, Table]


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_a_new_widget_is_of_its_own_class_not_a_new_one(cls):
    """anywidget's own __init__ adds traits to each widget, which makes a class per widget (slow)."""
    first, second = cls(), cls()
    assert type(first) is cls and type(second) is cls


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_its_state_carries_its_module_and_its_id(cls, monkeypatch):
    monkeypatch.delenv("KIT_TEMPLATE", raising=False)
    state = cls().get_state()
    assert state["_esm"] == (files("kit") / "static" / cls._module).read_text() and "export default" in state["_esm"]
    assert state["_anywidget_id"] == f"kit.widgets.{cls.__name__}"


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_under_kit_serve_a_widget_carries_the_address_of_its_module_not_its_text(cls, monkeypatch, tmp_path):
    """The template serves the file (`?v=` its hash, so a browser keeps it and an update is fetched)."""
    from kit.serve import install_template

    monkeypatch.setenv("KIT_TEMPLATE", "1")
    loader = cls().get_state()["_esm"]
    text = (files("kit") / "static" / cls._module).read_text()
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    assert f"voila/templates/kit/static/{cls._module}?v={digest}" in loader and len(loader) < 400
    served = install_template(tmp_path) / "voila" / "templates" / "kit" / "static" / cls._module
    assert served.read_text() == text


def test_every_anywidget_of_the_kit_is_a_kit_widget():
    import anywidget

    found = [v for v in vars(widgets).values()
             if isinstance(v, type) and issubclass(v, anywidget.AnyWidget) and v is not KitWidget]
    assert sorted(c.__name__ for c in found) == sorted(c.__name__ for c in ALL)
    assert all(issubclass(c, KitWidget) for c in found)

"""The kit's anywidgets: built without a class per widget, and still carrying their ES module."""

from __future__ import annotations

import pytest

from kit import widgets
from kit.widgets import ChartText, Countdown, KitWidget, Navigator, RadioGroup, TextBox

ALL = [TextBox, RadioGroup, ChartText, Navigator, Countdown]


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_a_new_widget_is_of_its_own_class_not_a_new_one(cls):
    """anywidget's own __init__ adds traits to each widget, which makes a class per widget (slow)."""
    first, second = cls(), cls()
    assert type(first) is cls and type(second) is cls


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_its_state_carries_its_module_and_its_id(cls):
    state = cls().get_state()
    assert state["_esm"] == cls.class_traits()["_esm"].default_value and "export default" in state["_esm"]
    assert state["_anywidget_id"] == f"kit.widgets.{cls.__name__}"


def test_every_anywidget_of_the_kit_is_a_kit_widget():
    import anywidget

    found = [v for v in vars(widgets).values()
             if isinstance(v, type) and issubclass(v, anywidget.AnyWidget) and v is not KitWidget]
    assert sorted(c.__name__ for c in found) == sorted(c.__name__ for c in ALL)
    assert all(issubclass(c, KitWidget) for c in found)

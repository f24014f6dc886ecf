"""Inputs for a worksheet's items: one widget builder per built-in item type (the `BUILDERS` registry).

Each builder returns an `Input`: the widget plus how to read and write its value as JSON. Item types
reach their builder through `kit.items`; `kit.worksheets` adds autosave and status around an Input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
from markupsafe import Markup
from traitlets import Any as AnyTrait
from traitlets import HasTraits

from kit.content import ChecklistItem, ChoiceItem, Module, RankingItem, RatingItem, TableItem, TextItem, level_label
from kit.widgets import CheckGroup, Ranking, Table, TextBox

NO_LEVEL = "not rated yet"

@dataclass
class Input:
    """A widget, how to read and write its JSON value, and the widgets whose changes count as edits."""

    widget: w.Widget
    get: Callable[[], Any]
    set: Callable[[Any], None]
    watched: list[w.Widget]
    typed: bool = False  # text typing is debounced; clicks save at once
    # The widget that keeps the item's draft in the browser and draws its status line (a table).
    owner: Any = None


_SHARED: dict[Any, Any] = {}


def shared(model: type, **traits: Any) -> Any:
    """One Layout or Style model per distinct set of traits, shared by every widget that uses it.

    Each ipywidget otherwise brings its own Layout and Style, which triples the models the browser
    has to create when a worksheet opens (490 models for module 03, 170 with sharing).
    """
    key = (model, tuple(sorted(traits.items())))
    if key not in _SHARED:
        _SHARED[key] = model(**traits)
    return _SHARED[key]


def make(cls: type, width: str | None = None, style: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Build a widget with shared layout and style models."""
    layout = {"width": width} if width else {}
    if "grid_template_columns" in kwargs:
        layout["grid_template_columns"] = kwargs.pop("grid_template_columns")
        layout["grid_gap"] = "4px 8px"
    kwargs["layout"] = shared(w.Layout, **layout)
    trait = cls.class_traits().get("style")
    if trait is not None:
        kwargs["style"] = shared(trait.klass, **(style or {}))
    return cls(**kwargs)


def html_box(text: str, cls: str = "") -> w.HTML:
    box = make(w.HTML, value=str(text))
    if cls:
        box.add_class(cls)
    return box




def build_text(item: TextItem, module: Module) -> Input:
    area = make(TextBox, "100%", description=item.prompt, placeholder=item.placeholder or "", rows=item.lines)
    return Input(area, lambda: area.value, lambda v: setattr(area, "value", str(v or "")), [area], typed=True)


def build_rating(item: RatingItem, module: Module) -> Input:
    from kit.widgets import RadioGroup

    scale = module.scales[item.scale]
    levels = sorted(scale.levels.items())
    options = [{"label": NO_LEVEL, "value": None}] + [
        {"label": level_label(n, lv.label), "value": n, "hint": item.descriptors.get(n, lv.descriptor)}
        for n, lv in levels]
    # A radio group named by the prompt; the level descriptors and the help are listed under it.
    buttons = make(RadioGroup, options=options, value=None, description=item.prompt, help=item.help or "",
                   levels=[[level_label(n, lv.label), item.descriptors.get(n, lv.descriptor)] for n, lv in levels])
    parts: list[w.Widget] = [buttons]
    evidence = None
    if item.evidence:
        evidence = make(TextBox, "100%", description=item.evidence, rows=2)
        parts.append(evidence)

    def get() -> Any:
        return {"level": buttons.value, "evidence": evidence.value if evidence else ""}

    def set_(value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        level = value.get("level")
        buttons.value = level if level in scale.levels else None
        if evidence is not None:
            evidence.value = str(value.get("evidence") or "")

    watched = [buttons] + ([evidence] if evidence else [])
    return Input(make(w.VBox, children=parts), get, set_, watched, typed=evidence is not None)


def build_checklist(item: ChecklistItem, module: Module) -> Input:
    """A fieldset of checkboxes named by the prompt, each option's detail under it (kit.widgets.CheckGroup)."""
    group = make(CheckGroup, description=item.prompt, options=[
        {"value": o.id, "label": o.label, "detail": o.detail or ""} for o in item.options])

    def set_(value: Any) -> None:
        group.value = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    return Input(make(w.VBox, children=[group]), lambda: list(group.value), set_, [group])


def build_choice(item: ChoiceItem, module: Module) -> Input:
    from kit.widgets import RadioGroup

    radio = make(RadioGroup, options=[{"label": o.label, "value": o.id} for o in item.options], value=None,
                 description=item.prompt, orientation="vertical")
    parts: list[w.Widget] = [radio]
    details = Markup("").join(Markup("<dt>{}</dt><dd>{}</dd>").format(o.label, o.detail)
                              for o in item.options if o.detail)
    if details:
        parts.append(html_box(Markup("<dl class='kit-details'>{}</dl>").format(details)))
    ids = {o.id for o in item.options}
    return Input(make(w.VBox, children=parts), lambda: radio.value,
                 lambda v: setattr(radio, "value", v if v in ids else None), [radio])


def build_ranking(item: RankingItem, module: Module) -> Input:
    """One labelled select of places ("—", 1…N) per option (kit.widgets.Ranking)."""
    ranking = make(Ranking, description=item.prompt, options=[{"value": o.id, "label": o.label} for o in item.options])

    def set_(value: Any) -> None:
        ranking.value = value if isinstance(value, dict) else {}

    return Input(make(w.VBox, children=[ranking]), lambda: dict(ranking.value), set_, [ranking])


# How wide each kind of column is, relative to a text column.
_TRACK = {"text": 1.0, "number": 0.7, "yesno": 0.7, "choice": 1.1, "date": 1.3}
# The narrowest a column may get: 0 (it shrinks with the page) except a date's, which must hold its
# whole "mm/dd/yyyy" and the calendar button (about 150 px at the boxes' 18 px; the row's font is
# 19 px). A weight alone let module 04's seven columns squeeze it to "mm/dd/yy" at 830 px.
_FLOOR = {"date": "8.5em"}


def table_tracks(item: TableItem) -> str:
    """The grid's columns: every column of the YAML, shrinking together (never past the page's edge,
    a date's never below what its date needs). The browser adds one of a fixed width for the "Remove
    row N" buttons of rows that can be removed (the same in the header and every row, so that the
    columns line up)."""
    tracks = [(0, 1.2) if n == 0 and item.rows else (_FLOOR.get(c.type, 0), _TRACK.get(c.type, 1.0))
              for n, c in enumerate(item.columns)]
    return " ".join(f"minmax({floor}, {weight:g}fr)" for floor, weight in tracks)


class _Edits(HasTraits):
    """A table's answer as the kernel last read it. The item's field watches it like a box: a change
    to the answer saves at once (the browser has waited for the typing's pause already), and rows
    the browser sends without changing the answer (an empty row removed) save nothing."""

    value = AnyTrait()


def build_table(item: TableItem, module: Module) -> Input:
    """One `Table` widget: the browser draws the rows, with a "Remove row N" button on each row the
    team added and "Add a row" under them (with fixed `rows`, the first column holds each row's label
    and there is no "Add a row"); the kernel only reads and writes the rows as JSON."""
    table = make(Table, description=item.prompt, fixed=list(item.rows), tracks=table_tracks(item),
                 min_rows=0 if item.rows else item.min_rows,
                 columns=[{"id": c.id, "label": c.label, "type": c.type, "options": list(c.options)}
                          for c in item.columns])
    edits = _Edits(value=table.answer())

    def read(_change: Any = None) -> None:
        edits.value = table.answer()

    table.observe(read, names="value")
    return Input(make(w.VBox, children=[table]), table.answer, table.show, [edits], owner=table)


BUILDERS: dict[str, Callable[[Any, Module], Input]] = {
    "text": build_text,
    "rating": build_rating,
    "checklist": build_checklist,
    "choice": build_choice,
    "ranking": build_ranking,
    "table": build_table,
}


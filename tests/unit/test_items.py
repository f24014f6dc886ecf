"""Item types: a type defined in this file alone flows through validation, a worksheet, a packet and the export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import ipywidgets as w
import pytest
from markupsafe import Markup

from kit import items
from kit.content import ItemBase, Module, load_module
from kit.districts import find_district
from kit.errors import InvalidFile
from kit.export import collect, write_csv
from kit.inputs import Input, make
from kit.paths import sample_cohort_dir
from kit.report import render_module
from kit.sample_answers import read_answers
from kit.worksheets import Worksheet

YAML = """\
schema_version: 1
id: 43_toy
number: 43
title: A module with a toy item type
short_title: Toy
purpose: Shows that an item type can be added from outside the package.
duration_minutes: 10
outcomes: [An answer to a yes/no question.]
sections:
  - id: only
    title: The only section
    source: kit
    items:
      - id: ready
        type: yesno
        prompt: Is the team ready?
        yes: Ready <b>now</b>
        source: kit
      - id: notes
        type: text
        prompt: Anything else?
        source: kit
"""


class YesNoItem(ItemBase):
    type: Literal["yesno"]
    yes: str = "Yes"


class YesNo(items.ItemKind):
    """A toy item type: a checkbox whose answer is true or false."""

    type, model = "yesno", YesNoItem

    def fits(self, item: Any, value: Any) -> bool:
        return isinstance(value, bool)

    def text(self, item: Any, value: Any, module: Module | None) -> str:
        return item.yes if value else "No"

    def html(self, item: Any, value: Any, module: Module) -> Markup:
        return Markup("<p class='kit-yesno'>{}</p>").format(self.text(item, value, module) if value is not None
                                                            else "☐ yes ☐ no")

    def answered(self, item: Any, value: Any) -> bool:
        return isinstance(value, bool)

    def build(self, item: Any, module: Module) -> Input:
        box = make(w.Checkbox, description=item.prompt, value=False)
        return Input(make(w.VBox, children=[box]), lambda: box.value, lambda v: setattr(box, "value", bool(v)),
                     [box])


@pytest.fixture
def toy(tmp_path: Path) -> Iterator[Module]:
    items.register(YesNo())
    try:
        path = tmp_path / "43_toy.yaml"
        path.write_text(YAML, encoding="utf-8")
        yield load_module(path)
    finally:
        items.unregister("yesno")


def test_a_registered_type_is_validated(toy, tmp_path):
    assert toy.item("ready").yes == "Ready <b>now</b>"
    bad = tmp_path / "44_bad.yaml"
    bad.write_text(YAML.replace("id: 43_toy", "id: 44_bad").replace("number: 43", "number: 44")
                   .replace("yes: Ready <b>now</b>", "yes: [not, text]"), encoding="utf-8")
    with pytest.raises(InvalidFile, match="yes"):
        load_module(bad)


def test_a_registered_type_flows_through_worksheet_packet_and_export(toy, store, tmp_path):
    sheet = Worksheet(toy, "windy-city", "1", store)
    field = sheet.fields["ready"]
    field.input.watched[0].value = True  # as if ticked in the browser
    assert store.latest("windy-city", "1", toy.id)["ready"].value is True
    assert "1 of 2 answered" in sheet.progress.value and "kit-type-yesno" in field.widget._dom_classes
    assert items.kind_of(toy.item("ready")).blank(toy.item("ready"), toy) is False  # "Start blank instead"

    answers = store.latest("windy-city", "1", toy.id)
    district = find_district(sample_cohort_dir(), "windy-city")
    html = render_module(toy, district, "1", answers)
    assert "<p class='kit-yesno'>Ready &lt;b&gt;now&lt;/b&gt;</p>" in html
    assert "<p class='kit-yesno'>☐ yes ☐ no</p>" in render_module(toy, district, "1", {})

    rows = collect(store, [district], [toy], ["1"])
    assert [(r.item, r.answer) for r in rows] == [("ready", "Ready <b>now</b>")]
    write_csv(rows, tmp_path / "answers.csv")
    with (tmp_path / "answers.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [r["answer"] for r in csv.DictReader(handle)] == ["Ready <b>now</b>"]
    assert items.answer_text(toy.item("ready"), False, toy) == "No"


def test_answers_files_check_a_registered_type(toy, tmp_path, monkeypatch):
    monkeypatch.setattr("kit.sample_answers.get_module", lambda _id: toy)
    path = tmp_path / "answers.yaml"
    path.write_text("convening: 1\nanswers:\n  windy-city:\n    43_toy:\n      ready: true\n", encoding="utf-8")
    assert read_answers(path)[0].rows == [("windy-city", toy.id, "ready", True)]
    path.write_text("convening: 1\nanswers:\n  windy-city:\n    43_toy:\n      ready: maybe\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match="does not fit a yesno item"):
        read_answers(path)


def test_unregistering_restores_the_built_in_types(tmp_path):
    path = tmp_path / "43_toy.yaml"
    path.write_text(YAML, encoding="utf-8")
    with pytest.raises(InvalidFile, match="yesno"):
        load_module(path)
    assert list(items.KINDS) == ["rating", "text", "checklist", "choice", "ranking", "table"]


def test_each_built_in_type_declares_the_value_of_an_untouched_input(module):
    """`blank` (what "Start blank instead" shows) without building a widget: the same as a new input's."""
    from kit.content import all_modules, get_module

    seen: set[str] = set()
    for each in [module, *all_modules()]:  # `module` has every type
        for item in each.items():
            kind = items.kind_of(item)
            assert type(kind).blank is not items.ItemKind.blank, item.type
            assert kind.blank(item, each) == kind.build(item, each).get(), (each.id, item.id)
            seen.add(item.type)
    assert seen == set(items.KINDS)
    # A fixed-row table with a date column (none in the sample modules): a date's blank cell is None.
    fixed, dated = get_module("02_scale").item("stage_evidence"), get_module("06_pilot").item("decision_log")
    item = fixed.model_copy(update={"columns": [*fixed.columns, dated.columns[0]]})
    kind, module = items.kind_of(item), get_module("02_scale")
    blank = kind.blank(item, module)
    assert blank == kind.build(item, module).get() and blank[0][dated.columns[0].id] is None
    assert [row[fixed.columns[0].id] for row in blank] == list(fixed.rows)

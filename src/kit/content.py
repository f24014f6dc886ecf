"""Module content: one YAML file per convening module, validated into typed objects.

A module is a worksheet: sections of items. Item types are a closed set (rating, text,
checklist, choice, ranking, table); each has a widget builder in `kit.worksheets`.
The YAML format is described in ``modules/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, reduce
from operator import or_
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from kit.errors import InvalidFile, KitError, Problem
from kit.paths import modules_dir
from kit.sources import Source
from kit.yamlfile import file_stamp, line_of, load_yaml, problems_from

MODULE_FILE_RE = re.compile(r"^(?P<number>\d{2})_(?P<name>[a-z][a-z0-9_]*)$")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _ident(value: str) -> str:
    if not ID_RE.match(value):
        raise ValueError(
            f"id {value!r} must be lowercase letters, digits and underscores, starting with a letter"
            " — e.g. `depth_rating`"
        )
    return value


Ident = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_ident)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def level_label(n: int, label: str) -> str:
    """A rating level as the worksheet's buttons show it: "2 · Emerging" (never a bare "level 2")."""
    return f"{n} · {label}"


class Level(Strict):
    label: Text
    descriptor: Text


class Scale(Strict):
    """A rating scale: consecutive integer levels starting at 1, each with a label and descriptor."""

    levels: dict[int, Level]
    source: Source

    @field_validator("levels")
    @classmethod
    def _consecutive(cls, levels: dict[int, Level]) -> dict[int, Level]:
        keys = sorted(levels)
        if len(keys) < 2 or keys != list(range(1, len(keys) + 1)):
            raise ValueError(
                f"levels are {keys}; they must run 1, 2, 3 … without gaps"
                " — number the levels from 1"
            )
        return levels


class Option(Strict):
    id: Ident
    label: Text
    detail: str | None = None
    source: Source | None = None


class ItemBase(Strict):
    id: Ident
    prompt: Text
    short: Annotated[str, Field(max_length=40)] | None = None
    help: str | None = None
    source: Source


class RatingItem(ItemBase):
    """A rating on one of the module's scales, with a descriptor per level and evidence."""

    type: Literal["rating"]
    scale: str
    descriptors: dict[int, Text] = {}
    evidence: str | None = "What evidence supports this rating?"


class TextItem(ItemBase):
    type: Literal["text"]
    lines: int = Field(3, ge=1, le=20)
    placeholder: str | None = None


class ChecklistItem(ItemBase):
    type: Literal["checklist"]
    options: list[Option] = Field(min_length=2)


class ChoiceItem(ItemBase):
    type: Literal["choice"]
    options: list[Option] = Field(min_length=2)


class RankingItem(ItemBase):
    type: Literal["ranking"]
    options: list[Option] = Field(min_length=2)


class Column(Strict):
    id: Ident
    label: Text
    type: Literal["text", "number", "choice", "date", "yesno"] = "text"
    options: list[str] = []


class TableItem(ItemBase):
    """Rows with typed columns; `rows` pre-labels the first column (e.g. the five components)."""

    type: Literal["table"]
    columns: list[Column] = Field(min_length=1)
    rows: list[Text] = []
    min_rows: int = Field(3, ge=0, le=50)


BUILT_IN_ITEMS: tuple[type[ItemBase], ...] = (RatingItem, TextItem, ChecklistItem, ChoiceItem, RankingItem, TableItem)


def _item_union(models: Iterable[type[ItemBase]]) -> Any:
    return Annotated[reduce(or_, models), Field(discriminator="type")]


Item = _item_union(BUILT_IN_ITEMS)


class Section(Strict):
    id: Ident
    title: Text
    short: Annotated[str, Field(max_length=40)] | None = None
    intro: str | None = None
    source: Source | None = None
    items: list[Item] = Field(min_length=1)


class Chart(Strict):
    """A bokeh chart of the module's ratings (see `kit.charts`)."""

    id: Ident
    title: Text
    kind: Literal["ratings", "section_means"]
    items: list[str] = []
    sections: list[str] = []
    dashboard: bool = False  # also drawn across districts on the cohort dashboard


class Trend(Strict):
    """A chart of change across convenings (see `kit.charts.build_trend`).

    `ratings`: one line per rating item; `section_means`: one line per section's mean rating;
    `path`: the option chosen in an ordered choice item (e.g. the stage on the five-stage path).
    """

    id: Ident
    title: Text
    kind: Literal["ratings", "section_means", "path"]
    items: list[str] = []
    sections: list[str] = []
    dashboard: bool = False  # also drawn across districts on the cohort dashboard


class Diagnostic(Strict):
    """A risk-to-scale rule (evaluated by `kit.diagnostics`)."""

    id: Ident
    when: Text
    severity: Literal["info", "watch", "risk"] = "watch"
    message: Text
    next_step: Text
    source: Source


class Module(Strict):
    schema_version: Literal[1]
    id: str
    number: int = Field(ge=0, le=99)
    title: Text
    short_title: Annotated[str, Field(min_length=1, max_length=40)]
    purpose: Text
    duration_minutes: int = Field(ge=5, le=480)
    outcomes: list[Text] = Field(min_length=1)
    scales: dict[str, Scale] = {}
    sections: list[Section] = Field(min_length=1)
    charts: list[Chart] = []
    trends: list[Trend] = []
    diagnostics: list[Diagnostic] = []

    def items(self) -> list[Any]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> Any:
        for item in self.items():
            if item.id == item_id:
                return item
        raise KitError(f"module {self.id} has no item {item_id!r}")


def use_item_models(models: Iterable[type[ItemBase]]) -> None:
    """The extension hook for item types (`kit.items.register`): sections accept exactly these models.

    Each model is an `ItemBase` with a `type: Literal[...]` field; the section's field is re-typed and the
    models that hold it rebuilt, so validation, error messages and `kit schema` all see the new union.
    """
    Section.model_fields["items"].annotation = list[_item_union(models)]
    Section.model_rebuild(force=True)
    Module.model_rebuild(force=True)
    _cached.cache_clear()


def _cross_check(module: Module, data: Any, path: Path) -> list[Problem]:
    """Checks that span fields: file name, unique ids, scales that exist, levels in range."""
    problems: list[Problem] = []

    def add(loc: list[Any], message: str, fix: str) -> None:
        from kit.yamlfile import loc_to_field

        problems.append(Problem(str(path), message, line_of(data, loc), loc_to_field(loc), fix))

    match = MODULE_FILE_RE.match(path.stem)
    if not match:
        add(["id"], f"file name {path.name!r} is not `NN_name.yaml`", "rename it, e.g. `03_fundamentals.yaml`")
    else:
        if module.id != path.stem:
            add(["id"], f"id {module.id!r} differs from the file name {path.stem!r}", f"set `id: {path.stem}`")
        if module.number != int(match["number"]):
            add(["number"], f"number {module.number} differs from the file name prefix {match['number']}",
                f"set `number: {int(match['number'])}`")
    seen_sections: set[str] = set()
    seen_items: dict[str, str] = {}
    for s, section in enumerate(module.sections):
        if section.id in seen_sections:
            add(["sections", s, "id"], f"duplicate section id {section.id!r}", "give each section its own id")
        seen_sections.add(section.id)
        for i, item in enumerate(section.items):
            loc = ["sections", s, "items", i]
            if item.id in seen_items:
                add(loc + ["id"], f"duplicate item id {item.id!r} (also in section {seen_items[item.id]!r})",
                    "give each item its own id; answers are stored by item id")
            seen_items[item.id] = section.id
            if isinstance(item, RatingItem):
                scale = module.scales.get(item.scale)
                if scale is None:
                    add(loc + ["scale"], f"unknown scale {item.scale!r}",
                        f"use one of: {', '.join(module.scales) or '(define one under `scales:`)'}")
                else:
                    for level in item.descriptors:
                        if level not in scale.levels:
                            add(loc + ["descriptors", level],
                                f"level {level} is out of range {min(scale.levels)}–{max(scale.levels)}"
                                f" of scale {item.scale!r}", "describe only the levels the scale has")
            options = getattr(item, "options", None)
            if options and not isinstance(item, TableItem):
                ids = [o.id for o in options]
                for o, oid in enumerate(ids):
                    if ids.index(oid) != o:
                        add(loc + ["options", o, "id"], f"duplicate option id {oid!r}", "give each option its own id")
            if isinstance(item, TableItem):
                ids = [c.id for c in item.columns]
                for c, column in enumerate(item.columns):
                    if ids.index(column.id) != c:
                        add(loc + ["columns", c, "id"], f"duplicate column id {column.id!r}", "rename one")
                    if column.type == "choice" and len(column.options) < 2:
                        add(loc + ["columns", c, "options"], "a choice column needs at least two options",
                            "list them under `options:`")
    specs = [(["charts", c], chart) for c, chart in enumerate(module.charts)]
    specs += [(["trends", t], trend) for t, trend in enumerate(module.trends)]
    item_kinds = {"ratings": (RatingItem, "rating"), "path": (ChoiceItem, "choice")}
    for loc, chart in specs:
        if chart.kind in item_kinds:
            kind, word = item_kinds[chart.kind]
            if not chart.items:
                add(loc + ["items"], f"a {chart.kind} chart needs {word} item ids", "list them under `items:`")
            elif chart.kind == "path" and len(chart.items) != 1:
                add(loc + ["items"], "a path trend needs exactly one choice item", "e.g. `items: [stage]`")
            for n, item_id in enumerate(chart.items):
                if item_id not in seen_items:
                    add(loc + ["items", n], f"unknown item {item_id!r}", f"use the id of a {word} item")
                elif not isinstance(module.item(item_id), kind):
                    add(loc + ["items", n], f"item {item_id!r} is not a {word}", f"chart {word} items only")
        else:
            if not chart.sections:
                add(loc + ["sections"], "a section_means chart needs section ids", "list them under `sections:`")
            for n, section_id in enumerate(chart.sections):
                if section_id not in seen_sections:
                    add(loc + ["sections", n], f"unknown section {section_id!r}",
                        f"use one of: {', '.join(sorted(seen_sections))}")
    return problems


def load_module(path: Path) -> Module:
    """Load and validate one module file, or raise InvalidFile listing every problem."""
    data = load_yaml(path)
    try:
        module = Module.model_validate(data)
    except ValidationError as exc:
        raise InvalidFile(problems_from(path, data, exc)) from None
    problems = _cross_check(module, data, path)
    if problems:
        raise InvalidFile(problems)
    return module


def module_files(folder: Path | None = None) -> list[Path]:
    folder = folder or modules_dir()
    return sorted(p for p in folder.glob("*.yaml") if MODULE_FILE_RE.match(p.stem))


@cache
def _cached(path: Path, _stamp: int) -> Module:
    return load_module(path)


def get_module(module_id: str, folder: Path | None = None) -> Module:
    """A module by id (`03_fundamentals`), number (`03`, `3`) or name (`fundamentals`)."""
    files = module_files(folder)
    wanted = module_id.strip().lower()
    for path in files:
        match = MODULE_FILE_RE.match(path.stem)
        assert match
        if wanted in (path.stem, match["number"], str(int(match["number"])), match["name"]):
            return _cached(path, file_stamp(path))
    known = ", ".join(p.stem for p in files)
    raise KitError(f"unknown module {module_id!r} — known modules: {known}")


def all_modules(folder: Path | None = None) -> list[Module]:
    return [_cached(p, file_stamp(p)) for p in module_files(folder)]

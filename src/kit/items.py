"""One object per item type: what the kit does with an answer of that type, in one place.

An `ItemKind` knows its content model, whether a value fits it, the answer as plain text (packets,
export, dashboard, room and history all use `answer_text`), its static HTML in a packet, whether
a value counts as answered, and its worksheet input. Other modules ask `kind_of(item)`; a new type
is one `register(kind)` (see tests/unit/test_items.py for a type defined in a test alone).
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from kit.content import (
    BUILT_IN_ITEMS,
    ChecklistItem,
    ChoiceItem,
    ItemBase,
    Module,
    RankingItem,
    RatingItem,
    TableItem,
    TextItem,
    level_label,
    use_item_models,
)
from kit.pages import environment

if TYPE_CHECKING:  # ipywidgets are imported only when a worksheet is built
    from kit.inputs import Input

EMPTY = (None, "", [], {})


class ItemKind:
    """An item type. Subclass it and override what differs: `type` and `model` are required, and a type
    that is not built in also needs its own `fits`, `html` and `build`."""

    type: str
    model: type[ItemBase]
    macro: str = ""  # the macro of templates/items.html that prints it (default: its type)
    rated: bool = False  # a level on one of the module's scales: charts and section means count it
    shows_help: bool = False  # the input shows the item's help itself (no help line under it)

    def fits(self, item: Any, value: Any) -> bool:
        """Whether a value (from an answers file) is an answer of this item."""
        return False

    def text(self, item: Any, value: Any, module: Module | None) -> str:
        """A non-empty answer as text a person reads: labels rather than ids."""
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def html(self, item: Any, value: Any, module: Module) -> Markup:
        """The item's answer (or lines to fill in by hand) as a packet prints it."""
        return getattr(_macros(), self.macro or self.type)(item, value, module)

    def answered(self, item: Any, value: Any) -> bool:
        """Whether a saved value holds anything the team wrote or chose."""
        if isinstance(value, dict):  # a rating (level, evidence) or a ranking (option → place)
            return any(v not in (None, "", 0) and str(v).strip() for v in value.values())
        if isinstance(value, str):
            return bool(value.strip())
        return value not in (None, [])

    def place(self, item: Any, value: Any, module: Module) -> tuple[int, int]:
        """Where the answer sits on the item's scale, for the room's bars across teams: (place, top),
        with place 1-based; (0, 0) for a type without a scale."""
        return 0, 0

    def cells(self, item: Any, value: Any) -> tuple[tuple[str, ...], ...]:
        """The answer as rows of cells, one text per column, for the room's side-by-side tables."""
        return ()

    def build(self, item: Any, module: Module) -> Input:
        """The worksheet's input for the item."""
        from kit.inputs import BUILDERS

        return BUILDERS[self.type](item, module)

    def blank(self, item: Any, module: Module) -> Any:
        """The value of an input nobody has touched (what "Start blank instead" shows). The built-in
        types declare it; another type's is read from a new input."""
        return self.build(item, module).get()


@cache
def _macros() -> Any:
    return environment().get_template("items.html").make_module({"ranked": ranked, "table_rows": table_rows})


def ranked(item: Any, ranks: dict[str, int]) -> list[Any]:
    """A ranking's options, ranked first (in rank order), the rest in their own order."""
    return sorted(item.options, key=lambda o: (ranks.get(o.id) or 99, item.options.index(o)))


def table_rows(item: TableItem, value: Any) -> list[dict[str, Any]]:
    """A table answer's rows as a packet prints them: a fixed-row table's labels first, blank rows to
    fill in by hand when there is no answer."""
    rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
    if item.rows:
        first = item.columns[0].id
        by_label = {r.get(first): r for r in rows}
        rows = [by_label.get(label, {first: label}) for label in item.rows] + [
            r for r in rows if r.get(first) not in item.rows]
    return rows or [{} for _ in range(max(item.min_rows, 3))]


def _labels(item: Any) -> dict[str, str]:
    return {o.id: o.label for o in item.options}


class TextKind(ItemKind):
    type, model = "text", TextItem

    def fits(self, item: TextItem, value: Any) -> bool:
        return isinstance(value, str)

    def blank(self, item: TextItem, module: Module) -> str:
        return ""


def _scale_of(item: RatingItem, module: Module | None) -> Any:
    """The item's scale: from its module, or (without one) from the module that holds the item."""
    if module is not None:
        return module.scales.get(item.scale)
    from kit.content import all_modules

    return next((m.scales.get(item.scale) for m in all_modules() if item in m.items()), None)


class RatingKind(ItemKind):
    type, model = "rating", RatingItem
    rated = shows_help = True

    def fits(self, item: RatingItem, value: Any) -> bool:
        return isinstance(value, dict) and isinstance(value.get("level"), int)

    def text(self, item: RatingItem, value: Any, module: Module | None) -> str:
        """"2 · Emerging" (the level as the buttons say it), not a bare "level 2"; then the evidence."""
        if not isinstance(value, dict):
            return super().text(item, value, module)
        level = value.get("level")
        scale = _scale_of(item, module) if level not in (None, "") else None
        text = ("—" if level in (None, "") else level_label(level, scale.levels[level].label)
                if scale is not None and level in scale.levels else f"level {level}")
        evidence = str(value.get("evidence") or "").strip()
        return f"{text}\nEvidence: {evidence}" if evidence else text

    def place(self, item: RatingItem, value: Any, module: Module) -> tuple[int, int]:
        scale = module.scales.get(item.scale)
        top = max(scale.levels) if scale else 0
        level = value.get("level") if isinstance(value, dict) else None
        return (level if isinstance(level, int) and 0 < level <= top else 0), top

    def blank(self, item: RatingItem, module: Module) -> dict[str, Any]:
        return {"level": None, "evidence": ""}


class ChoiceKind(ItemKind):
    type, model, macro = "choice", ChoiceItem, "options"

    def fits(self, item: ChoiceItem, value: Any) -> bool:
        return value in _labels(item)

    def text(self, item: ChoiceItem, value: Any, module: Module | None) -> str:
        return _labels(item).get(value, str(value))

    def place(self, item: ChoiceItem, value: Any, module: Module) -> tuple[int, int]:
        ids = [o.id for o in item.options]
        return (ids.index(value) + 1 if value in ids else 0), len(ids)

    def blank(self, item: ChoiceItem, module: Module) -> None:
        return None


class _OptionsKind(ItemKind):
    """Checklist and ranking: option ids in a list (ticked) or a mapping (option → place)."""

    shape: type = list

    def fits(self, item: Any, value: Any) -> bool:
        return isinstance(value, self.shape) and set(value) <= set(_labels(item))

    def text(self, item: Any, value: Any, module: Module | None) -> str:
        if not isinstance(value, self.shape):
            return super().text(item, value, module)
        return "; ".join(self.labelled(_labels(item), value))

    def labelled(self, labels: dict[str, str], value: Any) -> list[str]:
        return [labels.get(v, str(v)) for v in value]

    def blank(self, item: Any, module: Module) -> Any:
        return self.shape()  # [] nothing ticked, {} nothing ranked


class ChecklistKind(_OptionsKind):
    type, model, macro = "checklist", ChecklistItem, "options"


class RankingKind(_OptionsKind):
    type, model, shape = "ranking", RankingItem, dict

    def labelled(self, labels: dict[str, str], value: Any) -> list[str]:
        places = sorted((rank, labels.get(oid, oid)) for oid, rank in value.items() if isinstance(rank, int))
        return [f"{rank}. {label}" for rank, label in places]


class TableKind(ItemKind):
    type, model = "table", TableItem

    def fits(self, item: TableItem, value: Any) -> bool:
        columns = {c.id for c in item.columns}
        return isinstance(value, list) and all(isinstance(r, dict) and set(r) <= columns for r in value)

    def text(self, item: TableItem, value: Any, module: Module | None) -> str:
        """One line per row, each cell with its column's label."""
        if not isinstance(value, list):
            return super().text(item, value, module)
        names = {c.id: c.label for c in item.columns}
        lines = ["; ".join(f"{names.get(k, k)}: {v}" for k, v in row.items() if v not in (None, ""))
                 for row in value if isinstance(row, dict)]
        return "\n".join(line for line in lines if line)

    def cells(self, item: TableItem, value: Any) -> tuple[tuple[str, ...], ...]:
        """Rows with anything in them, one text per column."""
        if not isinstance(value, list):
            return ()
        return tuple(tuple(str(row.get(c.id) or "") for c in item.columns) for row in value
                     if isinstance(row, dict) and any(row.get(c.id) not in (None, "") for c in item.columns))

    def blank(self, item: TableItem, module: Module) -> list[dict[str, Any]]:
        """A fixed table's rows, each with its label and empty cells (a date's None, as
        kit.widgets.clean_cell has it); a free table has no rows."""
        first, rest = item.columns[0].id, item.columns[1:]
        return [{first: label, **{c.id: None if c.type == "date" else "" for c in rest}} for label in item.rows]

    def answered(self, item: TableItem, value: Any) -> bool:
        """A fixed table's row labels do not count as an answer."""
        labels = {item.columns[0].id} if item.rows else set()
        rows = value if isinstance(value, list) else []
        return any(str(v).strip() for r in rows if isinstance(r, dict) for k, v in r.items()
                   if k not in labels and v not in (None, ""))


KINDS: dict[str, ItemKind] = {
    kind.type: kind for kind in (RatingKind(), TextKind(), ChecklistKind(), ChoiceKind(), RankingKind(), TableKind())}
assert [k.model for k in KINDS.values()] == list(BUILT_IN_ITEMS)


_UNKNOWN = ItemKind()  # plain text of an answer whose item is gone


def register(kind: ItemKind) -> None:
    """Add (or replace) an item type: module files may use it from now on."""
    KINDS[kind.type] = kind
    use_item_models(k.model for k in KINDS.values())


def unregister(type_name: str) -> None:
    """Remove an item type added with `register` (the built-in types stay)."""
    if KINDS.pop(type_name, None) is not None:
        use_item_models(k.model for k in KINDS.values())


def kind_of(item: Any) -> ItemKind:
    return KINDS[item.type]


def answer_text(item: Any, value: Any, module: Module | None = None, limit: int = 0, empty: str = "—") -> str:
    """An answer as plain text (labels, not ids), cut to `limit` characters if given; `empty` if none.

    `item` is None for an answer to an item no longer in its module.
    """
    if value in EMPTY:
        return empty
    kind = KINDS.get(item.type, _UNKNOWN) if item is not None else _UNKNOWN
    text = kind.text(item, value, module)
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"


def item_html(item: Any, value: Any, module: Module) -> Markup:
    return Markup(kind_of(item).html(item, value, module))


def answered(item: Any, value: Any) -> bool:
    return kind_of(item).answered(item, value)

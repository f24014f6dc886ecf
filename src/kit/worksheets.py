"""Live worksheets: ipywidgets built from a module's YAML, saved to the store as teams type.

One builder per item type (the `BUILDERS` registry). Each builder returns an `Input`: the
widget plus how to read and write its value as JSON. An `ItemField` wraps an Input with
autosave: choices save at once, typing saves about a second after it stops, and each item
shows its own status ("Saved 14:02", a red "Not saved", or a conflict with another device).
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as w
from traitlets import Any as AnyTrait
from traitlets import HasTraits

from kit.content import (
    ChecklistItem,
    ChoiceItem,
    Module,
    RankingItem,
    RatingItem,
    TableItem,
    TextItem,
)
from kit.report import answer_text, flag_html, plural
from kit.store import MAX_ANSWER_BYTES, Answer, AnswerTooLarge, Conflict, Store
from kit.widgets import Table, TextBox

if TYPE_CHECKING:  # bokeh is imported only by worksheets that draw a chart
    from kit import charts

DEBOUNCE_SECONDS = 1.0
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


def _html(text: str, cls: str = "") -> w.HTML:
    box = make(w.HTML, value=text)
    if cls:
        box.add_class(cls)
    return box


def _esc(text: str | None) -> str:
    return escape(text or "", quote=True)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def history_html(item: Any, versions: list[Answer], clock: Callable[[Any], str]) -> str:
    """Every saved version of an answer, newest first: when, who, which device, and the answer."""
    if not versions:
        return "<p class='kit-meta'>No saved versions yet.</p>"
    rows = "".join(
        f"<tr><td>{a.version}</td><td>{clock(a.saved_at)}</td><td>{_esc(a.author) or '—'}</td>"
        f"<td>{_esc(a.client)}</td><td>{'conflict (not applied)' if a.status == 'conflict' else 'saved'}</td>"
        f"<td>{_esc(answer_text(item, a.value))}</td></tr>"
        for a in reversed(versions))
    return ("<table class='kit-answer-table'><thead><tr><th scope='col'>Version</th><th scope='col'>Saved</th>"
            "<th scope='col'>By</th><th scope='col'>Device</th><th scope='col'>Status</th>"
            f"<th scope='col'>Answer</th></tr></thead><tbody>{rows}</tbody></table>")


def answered(item: Any, value: Any) -> bool:
    """Whether a saved value holds anything the team wrote or chose (a fixed table's labels do not count)."""
    if isinstance(item, TableItem):
        labels = {item.columns[0].id} if item.rows else set()
        rows = value if isinstance(value, list) else []
        return any(str(v).strip() for r in rows if isinstance(r, dict) for k, v in r.items()
                   if k not in labels and v not in (None, ""))
    if isinstance(value, dict):  # a rating (level, evidence) or a ranking (option → place)
        return any(v not in (None, "", 0) and str(v).strip() for v in value.values())
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, [])


def progress_text(module: Module, answers: dict[str, Answer]) -> str:
    """"7 of 23 answered · saved as you type": what the progress line under a module's title says."""
    items = module.items()
    done = sum(1 for i in items if i.id in answers and answered(i, answers[i.id].value))
    return f"{done} of {len(items)} answered · saved as you type"


# builders -------------------------------------------------------------------------------


def build_text(item: TextItem, module: Module) -> Input:
    area = make(TextBox, "100%", description=item.prompt, placeholder=item.placeholder or "", rows=item.lines)
    return Input(area, lambda: area.value, lambda v: setattr(area, "value", str(v or "")), [area], typed=True)


def build_rating(item: RatingItem, module: Module) -> Input:
    from kit.report import level_label
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
    boxes = {o.id: make(w.Checkbox, "auto", description=o.label, value=False, indent=False) for o in item.options}
    parts: list[w.Widget] = [_html(f"<p class='kit-prompt'>{_esc(item.prompt)}</p>")]
    for option in item.options:
        parts.append(boxes[option.id])
        if option.detail:
            parts.append(_html(f"<p class='kit-detail'>{_esc(option.detail)}</p>"))

    def set_(value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else set()
        for oid, box in boxes.items():
            box.value = oid in chosen

    return Input(make(w.VBox, children=parts), lambda: [oid for oid, b in boxes.items() if b.value], set_,
                 list(boxes.values()))


def build_choice(item: ChoiceItem, module: Module) -> Input:
    from kit.widgets import RadioGroup

    radio = make(RadioGroup, options=[{"label": o.label, "value": o.id} for o in item.options], value=None,
                 description=item.prompt, orientation="vertical")
    parts: list[w.Widget] = [radio]
    details = "".join(f"<dt>{_esc(o.label)}</dt><dd>{_esc(o.detail)}</dd>" for o in item.options if o.detail)
    if details:
        parts.append(_html(f"<dl class='kit-details'>{details}</dl>"))
    ids = {o.id for o in item.options}
    return Input(make(w.VBox, children=parts), lambda: radio.value,
                 lambda v: setattr(radio, "value", v if v in ids else None), [radio])


def build_ranking(item: RankingItem, module: Module) -> Input:
    places = [("—", 0)] + [(str(n), n) for n in range(1, len(item.options) + 1)]
    drops = {o.id: make(w.Dropdown, style={"description_width": "initial"}, options=places, value=0,
                        description=o.label) for o in item.options}
    parts = [_html(f"<p class='kit-prompt'>{_esc(item.prompt)}</p>"), *drops.values()]

    def set_(value: Any) -> None:
        ranks = value if isinstance(value, dict) else {}
        for oid, drop in drops.items():
            rank = ranks.get(oid, 0)
            drop.value = rank if isinstance(rank, int) and 0 <= rank <= len(item.options) else 0

    return Input(make(w.VBox, children=parts), lambda: {oid: d.value for oid, d in drops.items() if d.value}, set_,
                 list(drops.values()))


# How wide each kind of column is, relative to a text column: a date needs room for "mm/dd/yyyy".
_TRACK = {"text": 1.0, "number": 0.7, "yesno": 0.7, "choice": 1.1, "date": 1.3}


def table_tracks(item: TableItem) -> str:
    """The grid's columns: every column of the YAML, shrinking together (never past the page's edge).
    The browser adds one of a fixed width for the "Remove row N" buttons of rows that can be removed
    (the same in the header and every row, so that the columns line up)."""
    weights = [1.2 if n == 0 and item.rows else _TRACK.get(c.type, 1.0) for n, c in enumerate(item.columns)]
    return " ".join(f"minmax(0, {weight:g}fr)" for weight in weights)


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


# autosave ---------------------------------------------------------------------------------


class Debouncer:
    """Call `func` once, `delay` seconds after the last `trigger()` (on the kernel's event loop)."""

    def __init__(self, delay: float, func: Callable[[], None]):
        self.delay, self.func = delay, func
        self._handle: Any = None

    def trigger(self) -> None:
        self.cancel()
        try:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(self.delay, self.func)
        except RuntimeError:  # no running loop (a plain script): fall back to a timer thread
            self._handle = threading.Timer(self.delay, self.func)
            self._handle.daemon = True
            self._handle.start()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    @property
    def pending(self) -> bool:
        return self._handle is not None

    def flush(self) -> None:
        if self._handle is not None:
            self.cancel()
            self.func()


_open_worksheets: weakref.WeakSet[Worksheet] = weakref.WeakSet()


@atexit.register
def _save_before_the_kernel_stops() -> None:
    """Voila stops a page's kernel as the team leaves it, often within the second after their last
    keystroke: save what is still waiting for its debounce (a clean kernel shutdown runs atexit)."""
    for sheet in list(_open_worksheets):
        try:
            sheet.flush()
        except Exception:  # noqa: BLE001, S112 - the next worksheet's answers still get their chance
            continue


class ItemField:
    """One item on the page: its input, its saved version, autosave, and its status line."""

    def __init__(self, sheet: Worksheet, item: Any, answer: Answer | None, earlier: Answer | None = None):
        self.sheet, self.item = sheet, item
        self.input = BUILDERS[item.type](item, sheet.module)
        self.version = answer.version if answer else 0
        self.status: w.HTML | None = None  # made on first use: a blank worksheet shows no status lines
        self.shown = ""  # the status line's HTML, wherever it is shown
        # The item's text boxes keep drafts in the browser until the store confirms their text; a
        # text item's one box also shows the item's status, so the browser can keep it honest.
        self.texts = [box for box in self.input.watched if isinstance(box, TextBox)]
        key = f"kit-draft:{sheet.district}:{sheet.convening}:{sheet.module.id}:{item.id}"
        for n, box in enumerate(self.texts):
            box.draft_key = key if len(self.texts) == 1 else f"{key}:{n}"
            box.max_bytes = MAX_ANSWER_BYTES
        # A table keeps its whole rows as one draft, under the same key a text item's box would.
        self.table = self.input.owner if isinstance(self.input.owner, Table) else None
        if self.table is not None:
            self.table.draft_key, self.table.max_bytes = key, MAX_ANSWER_BYTES
            self.table.on_resend(self._resent)
        self.status_box: TextBox | Table | None = self.table
        if isinstance(self.input.widget, TextBox):
            self.status_box = self.input.widget
            self.status_box.owns_status = True
        self.conflict_box: w.VBox | None = None  # made when first needed: most items never conflict
        # An earlier convening's answer, shown as the starting point but not saved for this convening
        # until the team edits it or keeps it (never copied silently).
        self.carried = earlier if answer is None else None
        self._loading = True
        if answer is not None:
            self.input.set(answer.value)
            self._confirm(self._held())
        elif self.carried is not None:
            self.input.set(self.carried.value)
        self._loading = False
        self.debouncer = Debouncer(DEBOUNCE_SECONDS, self.save)
        self._watched: set[int] = set()
        self._watch()
        # Reuse the input's own VBox as the item's box: one model fewer per item for the browser to build.
        box = self.input.widget if isinstance(self.input.widget, w.VBox) else make(
            w.VBox, children=[self.input.widget])
        shown_with_levels = isinstance(item, RatingItem)  # a rating shows its help under the level table
        extra = [_html(f"<p class='kit-help'>{_esc(item.help)}</p>")] if item.help and not shown_with_levels else []
        box.children = (*box.children, *extra)
        self._status_at = len(box.children)
        box.add_class("kit-item")
        box.add_class(f"kit-item-{item.id}")
        box.add_class(f"kit-type-{item.type}")
        self.widget = box
        if answer is not None:
            self._show(f"Saved {sheet.clock(answer.saved_at)}", "ok")
        elif self.carried is not None:
            self._show(f"From {sheet.label(self.carried.convening)}: not saved for this convening yet. Edit it, "
                       "or keep it with the button at the top.", "carried")

    def _watch(self) -> None:
        for widget in self.input.watched:
            if id(widget) not in self._watched:
                widget.observe(self._changed, names="value")
                if isinstance(widget, TextBox):  # leaving the box saves at once
                    widget.on_leave(self.debouncer.flush)
                self._watched.add(id(widget))

    def _changed(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        self._show("Saving…" if not self.input.typed else "Editing…", "pending")
        is_text = isinstance(change.get("owner"), (TextBox, w.Textarea, w.Text))
        if is_text:
            self.debouncer.trigger()
        else:
            self.debouncer.cancel()
            self.save()

    def save(self, force_version: int | None = None) -> bool:
        value = self.input.get()
        held = self._held(value)  # what the store is asked to hold, box by box
        based_on = self.version if force_version is None else force_version
        try:
            answer = self.sheet.store.save(
                self.sheet.district, self.sheet.convening, self.sheet.module.id, self.item.id, value,
                client=self.sheet.client, based_on=based_on, author=self.sheet.author.value.strip(),
            )
        except Conflict as conflict:
            self._conflict(conflict)
            return False
        except AnswerTooLarge as refused:
            self._show(f"Not saved: {refused}. Your answer is still here.", "error")
            return False
        except Exception as exc:  # noqa: BLE001 - any failure keeps the answer on the page
            self._show(f"Not saved ({type(exc).__name__}). Your answer is still here; edit again or "
                       "press Retry.", "error")
            retry = make(w.Button, description="Retry", button_style="danger")
            retry.on_click(lambda _b: self.save())
            self._extra([retry])
            return False
        self.version = answer.version
        self.carried = None
        self._extra([])
        self._confirm(held, f"Saved {self.sheet.clock(answer.saved_at)}")
        self.sheet.saved(self)
        return True

    def _resent(self) -> None:
        """A table's rows sent again after a lost connection: save them unless the store holds them
        already, and then say so again (the first confirmation may be what was lost)."""
        if self.table is None or self.carried is not None:
            return
        if self.table.saved != self.input.get():
            self.save()
        else:
            self.table.send_state(["saved", "status", "state"])

    def _conflict(self, conflict: Conflict) -> None:
        theirs = conflict.latest
        self._show(
            f"Another device saved this answer at {self.sheet.clock(theirs.saved_at)}. Yours was kept in the "
            "history but not applied. Choose which to keep.", "conflict",
        )
        keep = make(w.Button, description="Keep mine", button_style="warning")
        take = make(w.Button, description="Use theirs")
        shown = _html(f"<div class='kit-theirs'><b>Their version:</b> {_esc(answer_text(self.item, theirs.value))}"
                      "</div>")

        def keep_mine(_b: Any) -> None:
            self.save(force_version=theirs.version)

        def use_theirs(_b: Any) -> None:
            self.put(theirs.value)
            self.version = theirs.version
            self._extra([])
            self._confirm(self._held(), f"Showing the version saved at {self.sheet.clock(theirs.saved_at)}")

        keep.on_click(keep_mine)
        take.on_click(use_theirs)
        self._extra([shown, make(w.HBox, children=[keep, take])])

    def put(self, value: Any) -> None:
        """Show `value` in the input without counting it as an edit."""
        self._loading = True
        try:
            self.input.set(value)
        finally:
            self._loading = False

    def restore(self, answer: Answer) -> bool:
        """Bring back an earlier version: it is saved again as a new version (history stays whole)."""
        self.put(answer.value)
        return self.save()

    def _extra(self, children: list[w.Widget]) -> None:
        """Show widgets under the status line (conflict choices, a retry button), or clear them."""
        if self.conflict_box is None:
            if not children:
                return
            self.conflict_box = make(w.VBox)
            self.widget.children = (*self.widget.children, self.conflict_box)
        self.conflict_box.children = children

    def _held(self, value: Any = None) -> list[tuple[Any, Any]]:
        """Each widget keeping a draft, with what the store holds (or is asked to hold) for it: a text
        box's text; a table's rows (`value`, the answer being saved, or the answer shown)."""
        held: list[tuple[Any, Any]] = [(box, box.value) for box in self.texts]
        if self.table is not None:
            held.append((self.table, self.input.get() if value is None else value))
        return held

    def _confirm(self, held: list[tuple[Any, Any]], saved: str = "") -> None:
        """Tell each text box (or table) what the store now holds for it and, with `saved`, say "✓ saved"
        (in one message to the browser, so that it never shows the one without the other)."""
        if self.status_box is None:
            for box, text in held:
                box.confirm(text)
            if saved:
                self._show(saved, "ok")
            return
        with self.status_box.hold_sync():
            for box, text in held:
                box.confirm(text)
            if saved:
                self._show(saved, "ok")

    def _show(self, text: str, state: str) -> None:
        labels = {"ok": "✓", "pending": "…", "error": "✗", "conflict": "⚠", "carried": "↺"}
        self.shown = f"<span class='kit-status-{state}' role='status'>{labels[state]} {_esc(text)}</span>"
        if self.status_box is not None:  # the box draws it, and corrects it with what it knows
            self.status_box.status, self.status_box.state = text, state
            return
        if self.status is None:
            self.status = _html("", "kit-status")
            children = list(self.widget.children)
            children.insert(self._status_at, self.status)
            self.widget.children = children
        self.status.value = self.shown


class Worksheet:
    """All the items of one module for one district and convening, with live charts and flags.

    `labels` names convenings ("convening 2, 14 Jan 2027") for answers carried forward and trends.
    """

    def __init__(self, module: Module, district: str, convening: str, store: Store,
                 client: str | None = None, tz: Any = None, profile: Any = None,
                 labels: dict[str, str] | None = None, author: Any = None):
        self.module, self.district, self.convening, self.store = module, district, convening, store
        self.profile = profile
        self.labels = labels or {}
        self.flags_box = _html("", "kit-flags-box")
        self.item_flags: dict[str, w.HTML] = {}
        self.client = client or uuid.uuid4().hex[:12]
        self.tz = tz
        # A workspace passes its own name box, kept as the team moves between modules.
        self.author = author if author is not None else make(
            TextBox, "24em", description="Your name (optional, kept with your saves):", multiline=False)
        answers = store.latest(district, convening, module.id)
        # Earlier answers are offered until the team keeps them or chooses "Start blank instead" (remembered).
        earlier = store.earlier(district, convening, module.id) if len(answers) < len(module.items()) \
            and not store.started_blank(district, convening, module.id) else {}
        self.fields: dict[str, ItemField] = {}
        self.charts: list[tuple[Any, Any]] = []
        self.chart_texts: list[tuple[Any, Any]] = []  # (chart or trend, ChartText) in the order drawn
        self.trends: list[tuple[Any, Any]] = []
        self.answers = answers
        sections = []
        for section in module.sections:
            intro = f"<p class='kit-intro'>{_esc(section.intro)}</p>" if section.intro else ""
            parts: list[w.Widget] = [_html(f"<h2>{_esc(section.title)}</h2>{intro}")]
            for item in section.items:
                field = ItemField(self, item, answers.get(item.id), earlier.get(item.id))
                self.fields[item.id] = field
                parts.append(field.widget)
            box = make(w.VBox, children=parts)
            box.add_class("kit-section")
            sections.append(box)
        self.chart_box = make(w.VBox)
        self.progress = _html("", "kit-progress")
        self._show_progress()
        self.body = make(w.VBox, children=sections)
        self.carry_box = self._carry_box()
        self.history_box = make(w.VBox, children=[self._history_button()])
        self.refresh_flags()
        _open_worksheets.add(self)

    def label(self, convening: str) -> str:
        return self.labels.get(convening) or f"convening {convening}"

    # carry forward ---------------------------------------------------------------------

    def carried(self) -> list[ItemField]:
        return [f for f in self.fields.values() if f.carried is not None]

    def _carry_box(self) -> w.VBox:
        """At a new convening: say which earlier answers are shown, and let the team keep or clear them."""
        carried = self.carried()
        if not carried:
            return make(w.VBox)
        sources = sorted({self.label(f.carried.convening) for f in carried if f.carried})
        one = len(carried) == 1
        note = _html(
            f"<p class='kit-carry-note'>↺ <b>{plural(len(carried), 'answer')} from {_esc(', '.join(sources))}</b>"
            f" {'is' if one else 'are'} shown as your starting point (marked ↺). {'It is' if one else 'They are'} not"
            f" saved for this convening until you edit {'it' if one else 'them'} or keep {'it' if one else 'them'};"
            " the earlier convening's answers stay as they were.</p>")
        keep = make(w.Button, description=f"Keep the {plural(len(carried), 'earlier answer')} as "
                                          f"{'it is' if one else 'they are'}")
        clear = make(w.Button, description="Start blank instead")
        keep.add_class("kit-keep-earlier")
        clear.add_class("kit-clear-earlier")
        box = make(w.VBox, children=[note, make(w.HBox, children=[keep, clear])])
        box.add_class("kit-carry")

        def keep_all(_b: Any) -> None:
            self.keep_earlier()

        def clear_all(_b: Any) -> None:
            self.clear_earlier()

        keep.on_click(keep_all)
        clear.on_click(clear_all)
        return box

    def keep_earlier(self) -> int:
        """Save every carried answer, unchanged, for this convening; returns how many were saved."""
        kept = sum(field.save() for field in self.carried())
        self._carry_done(f"✓ Kept {plural(kept, 'earlier answer')} for {self.label(self.convening)}.")
        return kept

    def clear_earlier(self) -> None:
        """Empty the items that only showed an earlier answer, and remember the choice for this module and
        convening, so a reload or another device starts blank too (no answer is saved or deleted)."""
        self.store.start_blank(self.district, self.convening, self.module.id, self.client)
        self._clear_carried()
        self._carry_done("The earlier answers are cleared from this page; they stay in their own convening.")

    def _clear_carried(self) -> None:
        for field in self.carried():
            blank = BUILDERS[field.item.type](field.item, self.module).get()
            field.put(blank)
            field.carried = None
            field._show("Not answered yet for this convening.", "pending")
        if self.charts:
            self.redraw()

    def _carry_done(self, message: str) -> None:
        self.carry_box.children = [_html(f"<p class='kit-carry-note'>{_esc(message)}</p>")]

    # history -----------------------------------------------------------------------------

    def _history_button(self) -> w.Button:
        button = make(w.Button, description="Answer history…",
                      tooltip="See every saved version of an answer and bring an earlier one back")
        button.add_class("kit-history-open")
        button.on_click(lambda _b: self.open_history())
        return button

    def open_history(self) -> None:
        """Build the history panel on first use (most page views never open it)."""
        pick = make(w.Dropdown, "100%", style={"description_width": "initial"}, description="Question:",
                    options=[(_short(f"{i.short or i.prompt}"), i.id) for i in self.module.items()])
        table = _html("", "kit-history")
        version = make(w.Dropdown, "12em", style={"description_width": "initial"}, description="Version:",
                       options=[])
        restore = make(w.Button, description="Restore this version")
        restore.add_class("kit-history-restore")
        status = _html("")

        def show(_change: Any = None) -> None:
            versions = self.store.history(self.district, self.convening, self.module.id, pick.value)
            table.value = history_html(self.module.item(pick.value), versions, self.clock_full)
            version.options = [(f"version {a.version}", a.version) for a in reversed(versions)]
            restore.disabled = not versions

        def do_restore(_b: Any) -> None:
            chosen = next((a for a in self.store.history(self.district, self.convening, self.module.id, pick.value)
                           if a.version == version.value), None)
            if chosen is None:
                return
            field = self.fields[pick.value]
            if field.restore(chosen):
                status.value = f"<p class='kit-status-ok' role='status'>✓ Version {chosen.version} restored as " \
                               f"version {field.version}.</p>"
            show()

        pick.observe(show, names="value")
        restore.on_click(do_restore)
        show()
        self.history_box.children = [_html("<h2>Answer history</h2>"), pick, table,
                                     make(w.HBox, children=[version, restore]), status]
        self.history_box.add_class("kit-history-panel")
        self.history_panel = {"pick": pick, "version": version, "restore": restore, "table": table}

    def clock_full(self, when: Any) -> str:
        return when.astimezone(self.tz).strftime("%d %b %Y %H:%M")

    def refresh_flags(self) -> None:
        """Re-run the diagnostics and show each flag at the top and next to the items it reads."""
        if self.profile is None:
            return
        from kit.diagnostics import diagnose
        from kit.errors import InvalidFile

        try:
            flags = diagnose(self.store, self.profile, self.convening)
        except InvalidFile as exc:
            self.flags_box.value = f"<p class='kit-status-error'>Diagnostics are off: {_esc(str(exc))}</p>"
            return
        self.flags = flags
        # Collapsed at the top (a summary line); each flag is also shown open next to the items it reads.
        self.flags_box.value = (
            f"<details class='kit-flags-details'><summary>Risks to scale the kit sees for {_esc(self.profile.name)}:"
            f" {len(flags)}</summary>{flag_html(flags)}</details>" if flags else "")
        for item_id, field in self.fields.items():
            ref = f"{self.module.id}.{item_id}"
            html = flag_html([f for f in flags if ref in f.items])
            box = self.item_flags.get(item_id)
            if box is None and html:
                box = self.item_flags[item_id] = _html(html, "kit-item-flags")
                field.widget.children = (*field.widget.children, box)
            elif box is not None:
                box.value = html

    def clock(self, when: Any) -> str:
        return when.astimezone(self.tz).strftime("%H:%M")

    def _show_progress(self) -> None:
        self.progress.value = f"<p class='kit-progress-line'>{_esc(progress_text(self.module, self.answers))}</p>"

    def refresh(self) -> None:
        """Bring a module shown again up to date: answers saved meanwhile on another device (unless this
        page has typing of its own waiting), the progress line, charts and flags."""
        latest = self.store.latest(self.district, self.convening, self.module.id)
        if self.carried() and self.store.started_blank(self.district, self.convening, self.module.id):
            self._clear_carried()  # another device chose "Start blank instead"
            self._carry_done("The earlier answers are cleared from this page; they stay in their own convening.")
        for item_id, answer in latest.items():
            field = self.fields.get(item_id)
            if field is None or answer.version <= field.version or field.debouncer.pending:
                continue
            field.put(answer.value)
            field.version, field.carried = answer.version, None
            field._show(f"Saved {self.clock(answer.saved_at)}", "ok")
        self.answers = latest
        self._show_progress()
        if self.charts or self.trends:
            self.redraw()
        self.refresh_flags()

    def saved(self, field: ItemField) -> None:
        self.answers = self.store.latest(self.district, self.convening, self.module.id)
        self._show_progress()
        if self.charts or self.trends:
            self.redraw()
        self.refresh_flags()

    def shown_answers(self) -> tuple[dict[str, Answer], set[str]]:
        """What the page shows: this convening's answers and the earlier ones offered as a starting point
        (the charts agree with the buttons), and which of them are carried."""
        carried = {item_id: f.carried for item_id, f in self.fields.items() if f.carried is not None}
        return {**carried, **self.answers}, set(carried) - set(self.answers)

    def carried_from(self) -> str:
        return ", ".join(sorted({self.label(f.carried.convening) for f in self.carried() if f.carried}))

    def redraw(self) -> None:
        """Redraw the live charts and trends from the answers shown, and their text equivalents."""
        from kit import charts

        shown, carried = self.shown_answers()
        for spec, source in self.charts:
            charts.update(source, spec, self.module, shown, carried)
        history = self.history() if self.trends else []
        for trend, source in self.trends:
            charts.update_trend(source, trend, self.module, history)
        self._describe_charts(history)

    def _describe_charts(self, history: charts.History) -> None:
        from kit import charts
        from kit.content import Chart

        shown, carried = self.shown_answers()
        earlier = self.carried_from()
        for spec, text in self.chart_texts:
            text.text = (charts.describe(spec, charts.chart_data(spec, self.module, shown, carried), earlier)
                         if isinstance(spec, Chart) else charts.describe_trend(spec, self.module, history))

    def flush(self) -> None:
        """Save everything typed but not yet saved (used by tests and before the kernel stops)."""
        for field in self.fields.values():
            field.debouncer.flush()

    def history(self) -> charts.History:
        """This module's answers at each convening up to this one, with the page's latest for this one."""
        past = self.store.over_time(self.district, self.module.id, self.convening)
        snapshots = [(self.label(key), answers) for key, answers in past if key != self.convening]
        return [*snapshots, (self.label(self.convening), self.answers)]

    def live_charts(self) -> w.Widget:
        """The module's charts, and its trends once there are two convenings, as live BokehChart widgets."""
        history = self.history() if self.module.trends else []
        specs = [*self.module.charts, *(self.module.trends if len(history) >= 2 else [])]
        if not specs:
            return make(w.VBox)

        from kit import charts
        from kit.widgets import BokehChart, ChartText

        shown, carried = self.shown_answers()
        frames = []
        drawn: list[tuple[Any, Any]] = []
        for spec in self.module.charts:
            fig, source = charts.build(spec, self.module, shown, carried)
            self.charts.append((spec, source))
            drawn.append((spec, fig))
        if len(history) >= 2:
            for trend in self.module.trends:
                fig, source = charts.build_trend(trend, self.module, history)
                self.trends.append((trend, source))
                drawn.append((trend, fig))
        for spec, fig in drawn:
            model, text = BokehChart(fig), ChartText()
            model.add_class("kit-chart")
            self.chart_texts.append((spec, text))
            frame = make(w.VBox, children=[model, text])
            frame.add_class("kit-chart-frame")
            frames.append(frame)
        self._describe_charts(history)
        self.chart_box.children = frames
        return self.chart_box

"""Live worksheets: ipywidgets built from a module's YAML, saved to the store as teams type.

Each item's input comes from its type (`kit.items`, builders in `kit.inputs`): the widget plus
how to read and write its value as JSON. An `ItemField` wraps an Input with autosave: choices
save at once, typing saves about a second after it stops, and each item
shows its own status ("Saved 14:02", a red "Not saved", or a conflict with another device).
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import uuid
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w
from markupsafe import Markup

from kit.content import Module
from kit.inputs import html_box, make
from kit.items import answer_text, answered, kind_of
from kit.pages import render
from kit.report import flag_html, plural
from kit.store import MAX_ANSWER_BYTES, Answer, AnswerTooLarge, Conflict, Store
from kit.widgets import ChoiceWidget, Table, TextBox

if TYPE_CHECKING:  # bokeh is imported only by worksheets that draw a chart
    from kit import charts

DEBOUNCE_SECONDS = 1.0


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def history_html(item: Any, versions: list[Answer], clock: Callable[[Any], str], module: Module | None = None) -> str:
    """Every saved version of an answer, newest first: when, who, which device, and the answer."""
    shown = [(a, clock(a.saved_at), answer_text(item, a.value, module, 300)) for a in reversed(versions)]
    return render("history.html", versions=shown)


def progress_text(module: Module, answers: dict[str, Answer]) -> str:
    """"7 of 23 answered · saved as you type": what the progress line under a module's title says."""
    items = module.items()
    done = sum(1 for i in items if i.id in answers and answered(i, answers[i.id].value))
    return f"{done} of {len(items)} answered · saved as you type"


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
        self.input = kind_of(item).build(item, sheet.module)
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
        # Ratings, choices, checklists and rankings keep theirs too (a rating's beside its evidence's).
        self.choices = [box for box in self.input.watched if isinstance(box, ChoiceWidget)]
        for n, box in enumerate(self.choices):
            box.draft_key = key if not self.texts and len(self.choices) == 1 else f"{key}:choice{n or ''}"
            box.on_resend(lambda box=box: self._choice_resent(box))
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
        shows_help = kind_of(item).shows_help  # a rating shows its help under the level table
        help_line = Markup("<p class='kit-help'>{}</p>").format(item.help) if item.help and not shows_help else None
        extra = [html_box(help_line)] if help_line else []
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

    def _choice_resent(self, box: ChoiceWidget) -> None:
        """A choice sent again after a lost connection (or kept from a draft): save it unless the store
        holds it already, and then confirm it again (the first confirmation may be what was lost)."""
        if self.carried is not None and box.saved == box.value:
            return
        if box.saved != box.value:
            self.save()
        else:
            box.send_state(["saved", "state"])

    def _conflict(self, conflict: Conflict) -> None:
        theirs = conflict.latest
        self._show(
            f"Another device saved this answer at {self.sheet.clock(theirs.saved_at)}. Yours was kept in the "
            "history but not applied. Choose which to keep.", "conflict",
        )
        keep = make(w.Button, description="Keep mine", button_style="warning")
        take = make(w.Button, description="Use theirs")
        shown = html_box(Markup("<div class='kit-theirs'><b>Their version:</b> {}</div>").format(
            answer_text(self.item, theirs.value, self.sheet.module, 300)))

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
        held: list[tuple[Any, Any]] = [(box, box.value) for box in [*self.texts, *self.choices]]
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
        self.shown = str(Markup("<span class='kit-status-{}' role='status'>{} {}</span>").format(
            state, labels[state], text))
        for box in self.choices:  # a choice's own line says only "Not saved", unless the kernel spoke
            box.state = state
        if self.status_box is not None:  # the box draws it, and corrects it with what it knows
            self.status_box.status, self.status_box.state = text, state
            return
        if self.status is None:
            self.status = html_box("", "kit-status")
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
        self.flags_box = html_box("", "kit-flags-box")
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
            intro = Markup("<p class='kit-intro'>{}</p>").format(section.intro) if section.intro else ""
            parts: list[w.Widget] = [html_box(Markup("<h2>{}</h2>{}").format(section.title, intro))]
            for item in section.items:
                field = ItemField(self, item, answers.get(item.id), earlier.get(item.id))
                self.fields[item.id] = field
                parts.append(field.widget)
            box = make(w.VBox, children=parts)
            box.add_class("kit-section")
            sections.append(box)
        self.chart_box = make(w.VBox)
        self.progress = html_box("", "kit-progress")
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
        rest = (f"{'is' if one else 'are'} shown as your starting point (marked ↺). {'It is' if one else 'They are'}"
                f" not saved for this convening until you edit {'it' if one else 'them'} or keep"
                f" {'it' if one else 'them'}; the earlier convening's answers stay as they were.")
        note = html_box(Markup("<p class='kit-carry-note'>↺ <b>{} from {}</b> {}</p>").format(
            plural(len(carried), "answer"), ", ".join(sources), rest))
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
            blank = kind_of(field.item).blank(field.item, self.module)
            field.put(blank)
            field.carried = None
            field._show("Not answered yet for this convening.", "pending")
        if self.charts:
            self.redraw()

    def _carry_done(self, message: str) -> None:
        self.carry_box.children = [html_box(Markup("<p class='kit-carry-note'>{}</p>").format(message))]

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
        table = html_box("", "kit-history")
        version = make(w.Dropdown, "12em", style={"description_width": "initial"}, description="Version:",
                       options=[])
        restore = make(w.Button, description="Restore this version")
        restore.add_class("kit-history-restore")
        status = html_box("")

        def show(_change: Any = None) -> None:
            versions = self.store.history(self.district, self.convening, self.module.id, pick.value)
            table.value = history_html(self.module.item(pick.value), versions, self.clock_full, self.module)
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
        self.history_box.children = [html_box("<h2>Answer history</h2>"), pick, table,
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
            self.flags_box.value = str(Markup("<p class='kit-status-error'>Diagnostics are off: {}</p>").format(
                str(exc)))
            return
        self.flags = flags
        # Collapsed at the top (a summary line); each flag is also shown open next to the items it reads.
        self.flags_box.value = str(
            Markup("<details class='kit-flags-details'><summary>Risks to scale the kit sees for {}: {}</summary>{}"
                   "</details>").format(self.profile.name, len(flags), Markup(flag_html(flags))) if flags else "")
        for item_id, field in self.fields.items():
            ref = f"{self.module.id}.{item_id}"
            html = flag_html([f for f in flags if ref in f.items])
            box = self.item_flags.get(item_id)
            if box is None and html:
                box = self.item_flags[item_id] = html_box(html, "kit-item-flags")
                field.widget.children = (*field.widget.children, box)
            elif box is not None:
                box.value = html

    def clock(self, when: Any) -> str:
        return when.astimezone(self.tz).strftime("%H:%M")

    def _show_progress(self) -> None:
        line = progress_text(self.module, self.answers)
        self.progress.value = str(Markup("<p class='kit-progress-line'>{}</p>").format(line))

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

"""The program manager's room view (notebooks/room.ipynb), made for a projector: the timer over the
day's blocks, the module the room is on, who is done, and every team's answer to one item side by
side, hidden until revealed. It reads the room from the store (kit.room) when the store may have
changed (kit.live: each second on SQLite, on a notification on PostgreSQL), and redraws only the parts
whose HTML changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import ipywidgets as w
from markupsafe import Markup

from kit import room as r
from kit.agenda import Block
from kit.content import Module, all_modules
from kit.districts import District
from kit.live import watch
from kit.pages import render
from kit.report import css
from kit.store import Store
from kit.widgets import Countdown

CHECK_SECONDS = 1.0  # on SQLite, how often the store's change mark is read (two index lookups)
REDRAW_SECONDS = 30.0  # "last save 3 min ago" moves on even when nothing is saved


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "—"
    minutes = int((now - when).total_seconds() // 60)
    return "just now" if minutes < 1 else f"{minutes} min ago" if minutes < 60 else f"{minutes // 60} h ago"


def block_labels(blocks: list[Block]) -> list[tuple[str, int]]:
    """The block picker's options: start time and title, and the day when the convening has two."""
    first = blocks[0].start.date() if blocks else None
    days = len({b.start.date() for b in blocks})

    def day(b: Block) -> str:
        return f"Day {(b.start.date() - first).days + 1} · " if days > 1 and first else ""

    return [(f"{day(b)}{b.start:%H:%M} · {b.title}", n) for n, b in enumerate(blocks)]


class RoomView:
    """The room view's widgets; every control writes the room to the store, then redraws from it."""

    def __init__(self, store: Store, cohort: str, districts: list[District], convening: str, label: str,
                 home: str = "", modules: list[Module] | None = None):
        self.store, self.cohort, self.districts, self.convening = store, cohort, districts, convening
        self.modules = modules or all_modules()
        self.blocks = r.day_blocks(convening)
        self.room, self.done = self._loaded()
        self.mark: Any = None
        self.drawn_at = 0.0
        self.stop: Callable[[], None] = lambda: None  # stops what `start` set going
        back = Markup(" · <a href='{}'>cohort page</a>").format(home) if home else ""
        heading = Markup("<style>{}</style><h1>The room</h1><p class='kit-meta'>{}{}</p>")
        self.title = w.HTML(str(heading.format(Markup(css()), label, back)))
        self.countdown = Countdown(size="large")
        self.start_pause = w.Button(description="Start", button_style="primary")
        self.start_pause.on_click(lambda _b: self._act(self._toggle))
        self.more = w.Button(description="+5 min", tooltip="Add five minutes to this block")
        self.more.on_click(lambda _b: self._act(lambda now: r.extend(self.room, self.blocks, now)))
        self.next_block = w.Button(description="Next block", tooltip="Go to the next block of the day, paused")
        self.next_block.on_click(lambda _b: self._act(lambda now: r.next_block(self.room, self.blocks, now)))
        self.block_picker = w.Dropdown(description="Block", options=block_labels(self.blocks))
        self.block_picker.observe(self._pick_block, "value")
        module_options = [("—", "")] + [(f"{m.number:02d} · {m.title}", m.id) for m in self.modules]
        self.module_picker = w.Dropdown(description="Room is on", options=module_options)
        self.module_picker.observe(self._pick_module, "value")
        self.teams = w.HTML()
        self.item_picker = w.Dropdown(description="Compare")
        self.item_picker.observe(self._pick_item, "value")
        self.anonymous = w.Checkbox(description="Team letters instead of names", indent=False)
        self.anonymous.observe(self._pick_anonymous, "value")
        self.reveal = w.Button(description="Reveal")
        self.reveal.on_click(lambda _b: self._act(lambda _now: self.room.model_copy(
            update={"reveal": not self.room.reveal})))
        self.cards = w.HTML()
        self._timer_shown: Any = None
        self._quiet = False  # set while the view moves its own controls (their observers must not write)
        controls = w.HBox([self.start_pause, self.more, self.next_block, self.block_picker],
                          layout=w.Layout(flex_flow="row wrap"))
        compare = w.HBox([self.item_picker, self.anonymous, self.reveal], layout=w.Layout(flex_flow="row wrap"))
        self.widget = w.VBox([
            self.title, self.countdown, controls, self.module_picker,
            w.HTML("<h2>Who is done</h2>"), self.teams,
            w.HTML("<h2>Side by side</h2>"), compare, self.cards,
        ])
        self.widget.add_class("kit-page")
        self.widget.add_class("kit-room")
        self.draw()

    # actions ------------------------------------------------------------------------------------

    def _act(self, change: Any) -> None:
        """Apply a change to the room, save it, and redraw (a store error is shown, never raised)."""
        try:
            self.room = change(datetime.now(UTC))
            r.save(self.store, self.cohort, self.room)
        except Exception as exc:  # noqa: BLE001 - the projector keeps running; the message says why
            self.cards.value = str(Markup("<p class='kit-status-error'>Could not save the room ({}).</p>")
                                   .format(type(exc).__name__))
            return
        self.draw()

    def _toggle(self, now: datetime) -> r.Room:
        if self.room.timer.running:
            return r.pause(self.room, self.blocks, now)
        return r.start(self.room, self.blocks, now)

    def _pick_block(self, change: dict[str, Any]) -> None:
        if not self._quiet and change["new"] is not None and change["new"] != self.room.timer.block:
            self._act(lambda _now: r.skip_to(self.room, self.blocks, change["new"]))

    def _pick_module(self, change: dict[str, Any]) -> None:
        if not self._quiet and (change["new"] or None) != self.room.module:
            self._act(lambda _now: self.room.model_copy(update={"module": change["new"] or None, "item": None,
                                                                "reveal": False}))

    def _pick_item(self, change: dict[str, Any]) -> None:
        if not self._quiet and (change["new"] or None) != self.room.item:
            self._act(lambda _now: self.room.model_copy(update={"item": change["new"] or None, "reveal": False}))

    def _pick_anonymous(self, change: dict[str, Any]) -> None:
        if not self._quiet and change["new"] != self.room.anonymous:
            self._act(lambda _now: self.room.model_copy(update={"anonymous": change["new"]}))

    # drawing ------------------------------------------------------------------------------------

    def draw(self) -> None:
        """Show the room as the store has it; each HTML part is replaced only when it changed."""
        now = datetime.now(UTC)
        room, blocks = self.room, self.blocks
        index = room.timer.block
        block = blocks[index].title if 0 <= index < len(blocks) else ""
        after = blocks[index + 1].title if index + 1 < len(blocks) else ""
        timer = (room.timer, block, after)
        if timer != self._timer_shown:  # the browser counts down by itself: send only what changed
            self.countdown.set(r.remaining(room, blocks, now), room.timer.running, block, after)
            self._timer_shown = timer
        module = next((m for m in self.modules if m.id == room.module), None)
        self._quiet = True
        try:
            self.start_pause.description = "Pause" if room.timer.running else "Start"
            self.block_picker.value = index if 0 <= index < len(blocks) else None
            self.next_block.disabled = index + 1 >= len(blocks)
            self.module_picker.value = room.module or ""
            items = [("—", "")] + [(i.short or i.prompt[:60], i.id) for i in module.items()] if module else [("—", "")]
            if list(self.item_picker.options) != items:
                self.item_picker.options = items
            self.item_picker.value = room.item if room.item in {v for _, v in items} else ""
            self.anonymous.value = room.anonymous
            self.reveal.description = "Hide" if room.reveal else "Reveal"
            self.reveal.disabled = room.item is None
        finally:
            self._quiet = False
        teams = r.statuses(self.store, self.districts, self.convening, room, self.done, self.modules)
        self._replace(self.teams, render("room_teams.html", teams=teams, ago=[ago(t.last_save, now) for t in teams]))
        item, shown = r.side_by_side(self.store, self.districts, self.convening, room, self.modules)
        answered = sum(s.answer is not None for s in shown)
        self._replace(self.cards, render("room_cards.html", item=item, shown=shown, reveal=room.reveal,
                                         answered=answered))
        self.drawn_at = asyncio.get_event_loop().time() if _loop() else 0.0

    @staticmethod
    def _replace(widget: w.HTML, html: str) -> None:
        if widget.value != html:
            widget.value = html

    def _loaded(self) -> tuple[r.Room, dict[str, Any]]:
        """The room from the store; one never set up is on the module of its first block."""
        room, done = r.load(self.store, self.cohort)
        if room == r.Room() and not r.is_set_up(self.store, self.cohort):  # a program manager's "—" is kept
            first = self.blocks[room.timer.block].module if 0 <= room.timer.block < len(self.blocks) else None
            room = room.model_copy(update={"module": first.id if first else None})
        return room, done

    def check(self) -> bool:
        """Read the store's change mark; reload and redraw when anything changed. True if it redrew."""
        mark = self.store.change_mark(self.cohort)
        loop = _loop()
        stale = loop is not None and loop.time() - self.drawn_at > REDRAW_SECONDS
        if mark == self.mark and not stale:
            return False
        self.mark = mark
        self.room, self.done = self._loaded()
        self.draw()
        return True

    def start(self) -> None:
        """Check the store when it may have changed (every second on SQLite, on a NOTIFY on PostgreSQL),
        on the kernel's event loop (nothing runs without one)."""
        if _loop() is None:
            return

        def again() -> None:
            try:
                self.check()
            except Exception as exc:  # noqa: BLE001 - a failed check is shown, and tried again
                self.cards.value = str(Markup("<p class='kit-status-error'>Could not read the room ({}); trying "
                                              "again.</p>").format(type(exc).__name__))

        self.mark = self.store.change_mark(self.cohort)
        self.stop = watch(self.store, again, CHECK_SECONDS)


def _loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None

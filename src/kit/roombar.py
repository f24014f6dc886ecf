"""The room in a team's workspace: the block and its time (small), a quiet banner when the room is on
another module with a button to go there (never a jump that could lose typing), and "We're done"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import ipywidgets as w
from markupsafe import Markup

from kit import room as r
from kit.content import Module, get_module
from kit.errors import KitError
from kit.live import watch
from kit.store import Store
from kit.widgets import Countdown

CHECK_SECONDS = 2.0  # on SQLite, how often a team's page asks whether the room changed (two index lookups)


class RoomBar:
    """`go(module_id)` is the workspace's own move (it saves typing first)."""

    def __init__(self, store: Store, cohort: str, district: str, convening: str, go: Callable[[str], None]):
        self.store, self.cohort, self.district, self.convening, self.go = store, cohort, district, convening, go
        self.blocks = r.day_blocks(convening)
        self.module: Module | None = None  # the module the team has open
        self.room = r.Room()
        self.mark: Any = None
        self.stop: Callable[[], None] = lambda: None  # stops what `start` set going
        self.countdown = Countdown(size="small")
        self.banner = w.HTML()
        self.go_there = w.Button(description="Go there")
        self.go_there.on_click(lambda _b: self.room.module and self.go(self.room.module))
        self.done = w.Button(description="We're done", tooltip="Tell the program manager this module is done")
        self.done.on_click(self._say_done)
        self.said_done = False
        self._said: tuple[str, datetime] | None = None  # this team's last "We're done": (module, when)
        self._timer_shown: r.Timer | None = None
        self.widget = w.HBox([self.countdown, self.banner, self.go_there, self.done])
        self.widget.add_class("kit-roombar")
        self.widget.layout.display = "none"  # until the program manager sets the room up

    def shown(self, module: Module) -> None:
        """The workspace now shows `module`."""
        self.module = module
        self.check(force=True)

    def _say_done(self, _button: Any) -> None:
        if self.module is None:
            return
        try:
            r.say_done(self.store, self.cohort, self.district, self.module.id, done=not self.said_done)
        except KitError as exc:
            self.banner.value = str(Markup("<span class='kit-status-error'>{}</span>").format(str(exc)))
            return
        self.check(force=True)

    def draw(self) -> None:
        room, module = self.room, self.module
        set_up = room != r.Room()
        self.widget.layout.display = None if set_up else "none"
        index = room.timer.block
        if 0 <= index < len(self.blocks) and room.timer != self._timer_shown:  # the browser counts by itself
            after = self.blocks[index + 1].title if index + 1 < len(self.blocks) else ""
            self.countdown.set(r.remaining(room, self.blocks, datetime.now(UTC)), room.timer.running,
                               self.blocks[index].title, after)
            self._timer_shown = room.timer
        elsewhere = room.module is not None and (module is None or module.id != room.module)
        if elsewhere:
            try:
                target = get_module(room.module or "")
                self.banner.value = str(Markup("<span class='kit-room-banner' role='status'>The room is on "
                                               "{:02d} {}</span>").format(target.number, target.short_title))
            except KitError:
                elsewhere = False
        if not elsewhere:
            self.banner.value = ""
        self.go_there.layout.display = None if elsewhere else "none"
        on_room_module = module is not None and room.module == module.id
        self.done.layout.display = None if on_room_module else "none"
        self.done.description = "✓ We're done (undo)" if self.said_done else "We're done"
        self.done.button_style = "success" if self.said_done else ""

    def check(self, force: bool = False) -> bool:
        """Read what changed in the store; True if the bar was redrawn.

        Another team's save moves the change mark too: it is read only when the room changed, or when
        this team said "We're done" (a save of its own takes that back)."""
        mark = self.store.change_mark(self.cohort)
        if mark == self.mark and not force:
            return False
        room_changed = force or self.mark is None or mark[1:] != self.mark[1:]
        self.mark = mark
        if not room_changed and not self.said_done:
            return False
        if room_changed:
            self.room, done = r.load(self.store, self.cohort)
            self._said = done.get(self.district)
        module = self.module.id if self.module else ""
        said = self._said
        self.said_done = bool(said and said[0] == module and self._no_save_since(module, said[1]))
        self.draw()
        return True

    def _no_save_since(self, module: str, at: datetime) -> bool:
        last = self.store.last_save(self.district, self.convening, module)
        return last is None or at >= last

    def start(self) -> None:
        """Check the room when the store may have changed (kit.live), on the kernel's event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return

        def again() -> None:
            with suppress(Exception):  # the room is a help, never a reason for the page to fail
                self.check()

        self.stop = watch(self.store, again, CHECK_SECONDS)

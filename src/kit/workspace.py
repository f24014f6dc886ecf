"""A team's workspace: one page (one kernel) per team link, in which the modules take turns.

Moving to another module swaps it inside the page: what is typed is saved first, then the module
shown is hidden and the next one shown. Modules are built once per page (in the background, after
the first one shows), so a switch does not wait for a build; the store, the content, the rules and
the district are loaded once per page. The address bar follows (kit.widgets.Navigator).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import ipywidgets as w

from kit.content import Module, all_modules, get_module
from kit.districts import District
from kit.errors import KitError
from kit.inputs import make
from kit.machine import machine_busy
from kit.pages import environment
from kit.report import css
from kit.roombar import RoomBar
from kit.store import Store
from kit.widgets import Navigator, TextBox
from kit.worksheets import Worksheet

ModuleUrl = Callable[[str], str]  # module id → the workspace's address for that module


def _part(name: str, *args: Any) -> str:
    return str(getattr(environment().get_template("workspace_parts.html").module, name)(*args)).strip()


def header(module: Module, district: District, label: str, url: ModuleUrl) -> str:
    """The line naming the district and convening, and the module sequence (the current one marked)."""
    return _part("header", module, all_modules(), district, label, url)


def heading(module: Module) -> str:
    """The module's title, purpose and outcomes (the title is where focus goes when a module opens)."""
    return _part("heading", module)


def footer(module: Module, url: ModuleUrl, home: str | None = None) -> str:
    """Previous and next module; past the first and last, the cohort page (`home`: the program manager's only)."""
    modules = all_modules()
    index = [m.id for m in modules].index(module.id)
    prev = modules[index - 1] if index > 0 else None
    nxt = modules[index + 1] if index + 1 < len(modules) else None
    return _part("footer", prev, nxt, url, home)


# After a module shows, the others are built in the background, one at a time, hidden, so that moving
# to any of them is a switch of visibility (about 0.1 s) instead of a build (0.5-1.8 s on two busy
# cores, most of it the browser creating the widgets' views: benchmarks/room.py).
PREBUILD_AFTER_SECONDS = 2.0  # quiet time after a switch before the next background build
PREBUILD_GAP_SECONDS = 0.6  # between two background builds, so typing and clicks get through
# Background builds wait while the machine is busy: when a room opens its pages at once, the pages
# being opened come first.
PREBUILD_RETRY_SECONDS = 3.0
# They also wait until the browser says it has drawn the first module (kit.widgets.Navigator): the
# browser creates the views of every module built, hidden or not, and the first one comes first.
# A browser that never says so (an old one) gets them this long after the page opened.
PREBUILD_UNDRAWN_SECONDS = 30.0


class Workspace:
    """One team's page: a header, the module navigation and one module at a time.

    Every module, once built, stays in the page (hidden when another is shown): ten modules are at
    most about 1,600 widgets, and a module shown again is brought up to date from the store.
    """

    def __init__(self, district: District, convening: str, store: Store, *, url: ModuleUrl,
                 home: str | None = None, labels: dict[str, str] | None = None, client: str | None = None,
                 cohort: str = "", prebuild: bool = True):
        self.district, self.convening, self.store = district, convening, store
        self.url, self.home, self.client = url, home, client
        self.labels = labels or {}
        self.navigator = Navigator()
        self.navigator.on_go(self.go)
        self.navigator.on_drawn(self._drawn)
        self._opened_at = time.monotonic()
        self._browser_drawn = False
        self.author = make(TextBox, "100%", description="Your name (optional, kept with your saves):",
                           multiline=False, remember=f"kit-author:{cohort}:{district.id}")
        self.author.add_class("kit-author")
        self.top = w.HTML()
        self.room = RoomBar(store, cohort, district.id, convening, self.go)
        self.area = make(w.VBox)
        self.page = make(w.VBox, children=[w.HTML(f"<style>{css()}</style>"), self.navigator, self.top,
                                           self.room.widget, self.author, self.area])
        self.page.add_class("kit-page")
        self.page.add_class("kit-workspace")
        self.built: dict[str, tuple[Worksheet, w.VBox]] = {}
        self.sheet: Worksheet | None = None
        self.module: Module | None = None
        self.prebuild = prebuild
        self._quiet_since = time.monotonic()
        self._prebuilding: Any = None

    def go(self, module_id: str, push: bool = True) -> None:
        """Show another module (asked by a click, or by the browser's back and forward buttons)."""
        try:
            module = get_module(module_id)
        except KitError:  # a crafted or stale message: say so, keep the current module
            self.navigator.shown(self.module.id if self.module else "", "", "", push=False, focus=False,
                                 announce=f"There is no module {module_id!r}.")
            return
        if self.module is not None and module.id == self.module.id:
            self.navigator.shown(module.id, self.url(module.id), self.title(module), push=False, focus=True)
            return
        self.open(module, push=push, focus=True)

    def title(self, module: Module) -> str:
        return f"{module.number:02d} {module.short_title} · {self.district.name}"

    def open(self, module: Module, push: bool = False, focus: bool = False) -> Worksheet:
        """Show `module` in place of the current one (built now if the background has not built it yet)."""
        if self.sheet is not None:
            self.sheet.flush()  # typing not yet saved is saved before the module is hidden
        if module.id in self.built:
            sheet, body = self.built[module.id]
            sheet.refresh()  # saved meanwhile on another device, or flags that other modules' answers changed
        else:
            sheet, body = self.build(module)
        for other_id, (_sheet, other) in self.built.items():
            if other_id != module.id:
                other.add_class("kit-hidden")
        body.remove_class("kit-hidden")
        label = self.labels.get(self.convening, f"convening {self.convening}")
        self.top.value = header(module, self.district, label, self.url)
        self.sheet, self.module = sheet, module
        self.navigator.shown(module.id, self.url(module.id), self.title(module), push=push, focus=focus,
                             announce=f"{module.number:02d} {module.title} is open.")
        with suppress(Exception):  # the room bar is a help: a store hiccup must not stop a switch
            self.room.shown(module)
        self._quiet_since = time.monotonic()
        self._schedule_prebuild(PREBUILD_AFTER_SECONDS)
        return sheet

    def build(self, module: Module) -> tuple[Worksheet, w.VBox]:
        """Build a module's worksheet into the page, hidden until it is shown."""
        sheet = Worksheet(module, self.district.id, self.convening, self.store, profile=self.district,
                          labels=self.labels, client=self.client, author=self.author)
        body = make(w.VBox, children=[
            w.HTML(heading(module)), sheet.progress, sheet.flags_box, sheet.carry_box, sheet.live_charts(),
            sheet.body, sheet.history_box, w.HTML(footer(module, self.url, self.home))])
        body.add_class("kit-module-body")
        body.add_class("kit-hidden")
        self.built[module.id] = (sheet, body)
        self.area.children = [*self.area.children, body]
        return sheet, body

    # background builds ----------------------------------------------------------------------

    def _schedule_prebuild(self, delay: float) -> None:
        if not self.prebuild or self._prebuilding is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a script, a test): nothing is built in the background
            return
        self._prebuilding = loop.call_later(delay, self._prebuild_step)

    def _drawn(self) -> None:
        self._browser_drawn = True

    def _prebuild_step(self) -> None:
        self._prebuilding = None
        waiting = self.unbuilt()
        if not waiting:
            return
        if not self._browser_drawn and time.monotonic() - self._opened_at < PREBUILD_UNDRAWN_SECONDS:
            self._schedule_prebuild(1.0)
            return
        quiet = time.monotonic() - self._quiet_since
        if quiet < PREBUILD_AFTER_SECONDS:
            self._schedule_prebuild(PREBUILD_AFTER_SECONDS - quiet)
            return
        if machine_busy():
            self._schedule_prebuild(PREBUILD_RETRY_SECONDS)
            return
        try:
            self.build(waiting[0])
        except Exception:  # noqa: BLE001 - the module is built (and its error shown) when it is opened
            self.prebuild = False
            return
        self._schedule_prebuild(PREBUILD_GAP_SECONDS)

    def unbuilt(self) -> list[Module]:
        """Modules not built yet, the ones after the current module first (teams mostly move forward)."""
        modules = all_modules()
        at = next((n for n, m in enumerate(modules) if self.module and m.id == self.module.id), 0)
        ordered = modules[at + 1:] + modules[:at]
        return [m for m in ordered if m.id not in self.built]

    @property
    def widget(self) -> Any:
        return self.page

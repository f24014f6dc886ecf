"""A team's workspace: one page (one kernel) per team link, in which the modules take turns.

Moving to another module swaps it inside the page: what is typed is saved first, the next module's
widgets are built and shown, and the previous module's widgets are closed (their front-end models
and kernel objects go, so a day of moving about does not grow the kernel). The store, the content,
the rules and the district are loaded once per page. The address bar follows (kit.widgets.Navigator).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget import _instances

from kit.content import Module, all_modules, get_module
from kit.districts import District
from kit.errors import KitError
from kit.report import css
from kit.store import Store
from kit.widgets import Navigator, TextBox
from kit.worksheets import Worksheet, forget, make, shared_models

ModuleUrl = Callable[[str], str]  # module id → the workspace's address for that module


def header(module: Module, district: District, label: str, url: ModuleUrl) -> str:
    """The line naming the district and convening, and the module sequence (the current one marked)."""
    modules = all_modules()
    steps = []
    for m in modules:
        name = f"{m.number:02d} {escape(m.short_title)}"
        if m.id == module.id:
            steps.append(f"<li class='kit-here'><span aria-current='page'>{name}</span></li>")
        else:
            steps.append(f"<li><a href='{escape(url(m.id))}' data-kit-module='{escape(m.id)}'>{name}</a></li>")
    return (
        f"<p class='kit-meta'><b>{escape(district.name)}</b> · {escape(district.collaboration_label)} · "
        f"<span class='kit-convening'>{escape(label)}</span> · "
        f"module {module.number:02d} of {modules[0].number:02d}–{modules[-1].number:02d} · "
        f"<b>{module.duration_minutes} minutes</b></p>"
        f"<nav aria-label='Convening sequence'><ol class='kit-sequence'>{''.join(steps)}</ol></nav>"
    )


def heading(module: Module) -> str:
    """The module's title, purpose and outcomes (the title is where focus goes when a module opens)."""
    outcomes = "".join(f"<li>{escape(o)}</li>" for o in module.outcomes)
    return (f"<h1 data-kit-module='{escape(module.id)}'>{module.number:02d} · {escape(module.title)}</h1>"
            f"<p>{escape(module.purpose)}</p><p class='kit-meta'>By the end:</p><ul>{outcomes}</ul>")


def footer(module: Module, url: ModuleUrl, home: str | None = None) -> str:
    """Previous and next module; past the first and last, the cohort page (`home`: the program manager's only)."""
    modules = all_modules()
    index = [m.id for m in modules].index(module.id)
    prev = modules[index - 1] if index > 0 else None
    nxt = modules[index + 1] if index + 1 < len(modules) else None

    def to(m: Module, text: str) -> str:
        return f"<a href='{escape(url(m.id))}' data-kit-module='{escape(m.id)}'>{text}</a>"

    left = to(prev, f"← {escape(prev.short_title)}") if prev else (
        f"<a href='{escape(home)}'>← Cohort</a>" if home else "<span></span>")
    right = to(nxt, f"{escape(nxt.short_title)} →") if nxt else (
        f"<a href='{escape(home)}'>Cohort →</a>" if home else "<span></span>")
    return f"<nav class='kit-nav' aria-label='Previous and next module'>{left}{right}</nav>"


class Workspace:
    """One team's page: a header, the module navigation and one module at a time."""

    def __init__(self, district: District, convening: str, store: Store, *, url: ModuleUrl,
                 home: str | None = None, labels: dict[str, str] | None = None, client: str | None = None,
                 cohort: str = ""):
        self.district, self.convening, self.store = district, convening, store
        self.url, self.home, self.client = url, home, client
        self.labels = labels or {}
        self.navigator = Navigator()
        self.navigator.on_go(self.go)
        self.author = make(TextBox, "24em", description="Your name (optional, kept with your saves):",
                           multiline=False,
                           remember=f"kit-author:{cohort}:{district.id}")
        self.author.add_class("kit-author")
        self.top = w.HTML()
        self.area = make(w.VBox)
        self.page = make(w.VBox, children=[w.HTML(f"<style>{css()}</style>"), self.navigator, self.top, self.author,
                                           self.area])
        self.page.add_class("kit-page")
        self.page.add_class("kit-workspace")
        self.sheet: Worksheet | None = None
        self.module: Module | None = None
        self._widgets: set[str] = set()  # the current module's widget models, closed when it goes

    def go(self, module_id: str, push: bool = True) -> None:
        """Show another module (asked by a click, or by the browser's back and forward buttons)."""
        try:
            module = get_module(module_id)
        except KitError:  # a crafted or stale message: say so where the module was, keep the current one
            self.navigator.shown(self.module.id if self.module else "", "", "", push=False, focus=False,
                                 announce=f"There is no module {module_id!r}.")
            return
        if self.module is not None and module.id == self.module.id:
            return
        self.open(module, push=push, focus=True)

    def open(self, module: Module, push: bool = False, focus: bool = False) -> Worksheet:
        """Build `module`'s worksheet, show it in place of the current one, then close the old one's widgets."""
        if self.sheet is not None:
            self.sheet.flush()  # typing not yet saved is saved before the module goes
        before = set(_instances)
        sheet = Worksheet(module, self.district.id, self.convening, self.store, profile=self.district,
                          labels=self.labels, client=self.client, author=self.author)
        label = self.labels.get(self.convening, f"convening {self.convening}")
        body = make(w.VBox, children=[
            w.HTML(heading(module)), sheet.progress, sheet.flags_box, sheet.carry_box, sheet.live_charts(),
            sheet.body, sheet.history_box, w.HTML(footer(module, self.url, self.home))])
        body.add_class("kit-module-body")
        self.top.value = header(module, self.district, label, self.url)
        self.area.children = [body]
        old, old_sheet = self._widgets, self.sheet
        self.sheet, self.module, self._widgets = sheet, module, set(_instances) - before
        self._close(old)
        if old_sheet is not None:
            forget(old_sheet)
        self.navigator.shown(module.id, self.url(module.id), f"{module.number:02d} {module.short_title} · "
                             f"{self.district.name}", push=push, focus=focus,
                             announce=f"{module.number:02d} {module.title} is open.")
        return sheet

    def _close(self, model_ids: set[str]) -> None:
        """Close a module's widgets (its shared layouts and styles stay: the next module uses them too)."""
        keep = shared_models()
        for model_id in model_ids:
            widget = _instances.get(model_id)
            if widget is not None and model_id not in keep:
                widget.close()

    def widget_count(self) -> int:
        """How many widget models the kernel holds (tests: a tour of every module must not grow it)."""
        return len(_instances)

    @property
    def widget(self) -> Any:
        return self.page

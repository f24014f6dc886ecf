"""The front-end pieces ipywidgets lacks, as anywidgets (ES modules in `kit/static/`).

- `TextBox`: a labelled text box whose leaving ("blur") reaches the kernel, so an answer is saved
  as soon as a team moves on, not only a second after typing stops. An answer's box (`draft_key`)
  keeps a draft of what is typed in the browser until the kernel confirms the store saved exactly
  that text (`confirm`), offers an unconfirmed draft back when the page opens again, and shows the
  status line itself, so that it can say "Editing…" or "Not saved" without asking the kernel.
- `DraftWidget`: the draft traits and the browser's message handler an answer's widget (`TextBox`,
  `ChoiceWidget`, `Table`) shares.
- `Countdown`: the room's timer, counted down in the browser.
- `Navigator`: the workspace's address bar (the URL follows the module shown, back and forward
  move between modules, a click on a module link swaps the module inside the same page).
- `RadioGroup`: a rating or a single choice as one radio group (one Tab stop, arrow keys move the
  choice, the question names the group, a choice made with the arrow keys is sent once it settles).
- `CheckGroup`: a checklist as a fieldset of checkboxes; `Ranking`: a ranking as labelled selects.
  Both, and `RadioGroup`, are `ChoiceWidget`s: the same drafts and honest status as `TextBox`.
- `ChartText`: a chart's text equivalent, which also takes the chart out of the Tab order.
- `ProjectorSwitch`: the dashboard's and the cohort page's "Projector mode" button, remembered by
  the browser.
- `Table`: a table item's rows as one widget, drawn by the browser (adding a row costs nothing in
  the kernel, a 1,000-row answer is one message), with the same drafts and honest status as `TextBox`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from importlib.resources import files
from typing import Any

import anywidget
import traitlets as t

from kit.settings import settings


def _raw(name: str) -> str:
    return files("kit").joinpath("static").joinpath(name).read_text(encoding="utf-8")


# `import { a, b as c } from "./answer.js";` at the start of a line: a module of kit/static shared by widgets.
_IMPORT = re.compile(r'^import \{([^}]*)\} from "\./([\w-]+\.js)";[ \t]*$', re.MULTILINE)
_EXPORT = re.compile(r"^export (?=(?:async )?(?:function\*?|const|let|class) (\w+))", re.MULTILINE)


def _include(name: str, imports: str, seen: tuple[str, ...]) -> str:
    """The shared module `name` in place of the line importing it: its text inside a function whose
    exports are returned, the names imported bound to them (`const { a, b: c } = (() => {…})();`)."""
    if name in seen:
        raise ValueError(f"kit/static/{name} imports itself (through {' → '.join(seen)})")
    text = _resolve(name, (*seen, name))
    exported = _EXPORT.findall(text)
    names = []
    for part in (p.strip() for p in imports.split(",") if p.strip()):
        source, _, alias = (x.strip() for x in part.partition(" as "))
        if source not in exported:
            raise ValueError(f"kit/static/{seen[-1]} imports {source} from {name}, which does not export it")
        names.append(f"{source}: {alias}" if alias else source)
    body = _EXPORT.sub("", text)
    return (f"// ---- {name}, included by kit.widgets._script ----\n"
            f"const {{ {', '.join(names)} }} = (() => {{\n{body}\nreturn {{ {', '.join(exported)} }};\n}})();\n"
            f"// ---- end of {name} ----")


def _resolve(name: str, seen: tuple[str, ...]) -> str:
    return _IMPORT.sub(lambda m: _include(m.group(2), m.group(1), seen), _raw(name))


def _script(name: str) -> str:
    """A widget's ES module as one text: each `import {…} from "./shared.js";` of another module of
    kit/static replaced by that module's text (`_include`). Sent inline (JupyterLab, plain Voila,
    tests) a module cannot import by a relative path, so the served file is this same text."""
    return _resolve(name, (name,))


# Under `kit serve` a widget's module is a file of the kit's Voila template (kit.serve.install_template),
# imported by URL: the browser fetches and compiles it once per page (and keeps it, `?v=` its hash).
# Sent as text, as anywidget does, every widget carried its own copy: module 03's 47 widgets were
# 390 KB over the websocket and 47 compilations in the browser. Elsewhere (JupyterLab, plain Voila,
# tests) the text is sent.
_BY_URL = """const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
const url = new URL(`${{config.baseUrl}}{path}`, window.location.href);
const widget = await import(url.href);
export default widget.default;
"""


@lru_cache
def esm(name: str, by_url: bool) -> str:
    """The ES module a widget's `_esm` carries: a file of the kit's template loaded by URL, or its text."""
    text = _script(name)
    if not by_url:
        return text
    return _BY_URL.format(path=template_static(name, text))


# Where `kit serve` puts the kit's Voila template's own files (kit.serve.install_template), under its base URL.
TEMPLATE_STATIC = "voila/templates/kit/static/"


def template_static(name: str, text: str | bytes) -> str:
    """A template file's path under the base URL, `?v=` the first 12 hex digits of its text's sha256:
    the browser keeps each version for good and fetches a new one when the text changes."""
    data = text.encode() if isinstance(text, str) else text
    return f"{TEMPLATE_STATIC}{name}?v={hashlib.sha256(data).hexdigest()[:12]}"


class KitWidget(anywidget.AnyWidget):
    """An anywidget whose ES module (`_module`, a file of kit/static) and id are traits of its class.

    anywidget adds `_esm` and `_anywidget_id` to every new widget with traitlets' `add_traits`,
    which makes a new class each time: about 20 ms a widget, half of the time module 03 took to
    build (it has 47 of them). Declared once per class here, nothing is added per widget.
    """

    _module = ""
    _esm = t.Unicode().tag(sync=True)
    _anywidget_id = t.Unicode().tag(sync=True)

    @t.default("_anywidget_id")
    def _class_id(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}"

    @t.default("_esm")
    def _module_text(self) -> str:
        return esm(self._module, settings().template)

    def add_traits(self, **traits: Any) -> None:
        new = {name: trait for name, trait in traits.items() if not self.has_trait(name)}
        if new:
            super().add_traits(**new)


class DraftWidget(KitWidget):
    """An answer's widget whose browser keeps a draft until the kernel confirms the store holds it
    (answer.js). `draft_key` is the draft's localStorage key (district, convening, module, item),
    `saved` what the store holds, `status` and `state` the kernel's word (the browser's own knowledge,
    a keystroke or a lost connection, takes precedence there). A message `{"event": _event}` from
    the browser runs the callbacks registered by the subclass."""

    draft_key = t.Unicode("").tag(sync=True)
    saved = t.Any(None, allow_none=True).tag(sync=True)
    status = t.Unicode("").tag(sync=True)
    state = t.Unicode("").tag(sync=True)  # ok, pending, error, conflict, carried (kit-status-<state>)
    _event = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[], None]] = []
        self.on_msg(self._message)

    def confirm(self, value: Any) -> None:
        """Tell the browser the store holds exactly `value` for this answer (its draft can go)."""
        self.saved = value

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == self._event and self._heard(content):
            for callback in self._callbacks:
                callback()

    def _heard(self, _content: dict[str, Any]) -> bool:
        """Take in what the message carries; False: ignore it (no callback runs)."""
        return True


class TextBox(DraftWidget):
    """A labelled textarea (or a one-line box: `multiline=False`); `on_leave` callbacks run on blur."""

    _module = "textbox.js"
    value = t.Unicode("").tag(sync=True)
    description = t.Unicode("").tag(sync=True)
    placeholder = t.Unicode("").tag(sync=True)
    rows = t.Int(3).tag(sync=True)
    multiline = t.Bool(True).tag(sync=True)
    remember = t.Unicode("").tag(sync=True)  # a localStorage key: the browser fills the box in again
    saved = t.Unicode("").tag(sync=True)  # the text the store holds ("": none)
    owns_status = t.Bool(False).tag(sync=True)  # False: the item's own status line speaks, errors aside
    max_bytes = t.Int(0).tag(sync=True)  # larger text is not sent to the kernel (0: no limit)
    _event = "blur"

    def on_leave(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)


class ChoiceWidget(DraftWidget):
    """An answer chosen with clicks (a rating, a choice, a checklist, a ranking) that keeps a draft in
    the browser until the kernel confirms the store holds exactly its `value` (answer.js).

    `draft_key`, `saved`, `status` and `state` are `DraftWidget`'s; the item's own status line is the
    kernel's, the widget shows only "Not saved" under it. `on_resend` callbacks run when the browser
    sends its value again after a lost connection (the kernel may hold it already, saved or not).
    """

    _event = "resend"

    def on_resend(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)


class RadioGroup(ChoiceWidget):
    """One question's options as a radio group; `value` is the chosen option's value (None: none).

    `options` are dicts with a `label` ("2 · Emerging"), a `value` (JSON) and an optional `hint`
    (the level's descriptor). `levels` are (name, description) pairs listed under the question,
    `help` a line under them; both describe the group to a screen reader as well.
    """

    _module = "radiogroup.js"
    value = t.Any(None, allow_none=True).tag(sync=True)
    options = t.List(t.Dict()).tag(sync=True)
    description = t.Unicode("").tag(sync=True)
    levels = t.List(t.List(t.Unicode())).tag(sync=True)
    help = t.Unicode("").tag(sync=True)
    orientation = t.Unicode("horizontal").tag(sync=True)  # "vertical": one option a line (long labels)
    settle = t.Int(700).tag(sync=True)  # ms without an arrow key before a choice made with them is sent

    @t.validate("value")
    def _known(self, proposal: Any) -> Any:
        """A value no option has (a crafted message) leaves the choice as it was."""
        value = proposal["value"]
        return value if value is None or any(o.get("value") == value for o in self.options) else self.value


class CheckGroup(ChoiceWidget):
    """A checklist as a fieldset of real checkboxes named by the question; `value` is the ids ticked,
    in the options' order. `options` are dicts with a `value` (the id), a `label` and an optional
    `detail` (shown under the option, and its box's description)."""

    _module = "checkgroup.js"
    value = t.List(t.Unicode()).tag(sync=True)
    options = t.List(t.Dict()).tag(sync=True)
    description = t.Unicode("").tag(sync=True)

    @t.validate("value")
    def _known(self, proposal: Any) -> list[str]:
        """Only ids of options, once each, in the options' order (a crafted message keeps no other)."""
        chosen = set(proposal["value"])
        return [o["value"] for o in self.options if o["value"] in chosen]


class Ranking(ChoiceWidget):
    """A ranking as one labelled select of places per option; `value` maps an option's id to its place
    (1 to the number of options; unranked options are left out), in the options' order."""

    _module = "ranking.js"
    value = t.Dict().tag(sync=True)
    options = t.List(t.Dict()).tag(sync=True)  # {value: id, label}
    description = t.Unicode("").tag(sync=True)

    @t.validate("value")
    def _known(self, proposal: Any) -> dict[str, int]:
        ranks, top = proposal["value"], len(self.options)
        return {o["value"]: ranks[o["value"]] for o in self.options
                if isinstance(ranks.get(o["value"]), int) and not isinstance(ranks.get(o["value"]), bool)
                and 1 <= ranks[o["value"]] <= top}


class BokehChart(KitWidget):
    """A Bokeh figure the browser draws from its JSON (`bokeh.embed.json_item`); each change to the
    `data` of one of its sources in the kernel is sent on (`columns`, by source id).

    In place of jupyter_bokeh's BokehModel, whose views need BokehJS in the page before any widget
    is drawn, so the page head had to load and run 1.3 MB of it ahead of the team's questions (about
    a second of a laptop's CPU per page). Under `kit serve` this one fetches BokehJS when the first
    chart is drawn (`bokeh_path`); elsewhere it uses the copy kit.notebook put in the page.
    """

    _module = "chart.js"
    item = t.Unicode("").tag(sync=True)
    columns = t.Dict().tag(sync=True)
    bokeh_path = t.Unicode("").tag(sync=True)

    def __init__(self, figure: Any, **kwargs: Any) -> None:
        from bokeh import __version__
        from bokeh.embed import json_item
        from bokeh.models import ColumnDataSource

        path = f"{TEMPLATE_STATIC}bokeh-{__version__}.min.js?v={__version__}" if settings().template else ""
        super().__init__(item=json.dumps(json_item(figure)), bokeh_path=path, **kwargs)
        for source in figure.select(type=ColumnDataSource):  # after json_item, which warns of Python callbacks
            source.on_change("data", lambda _attr, _old, new, sid=source.id: self._follow(sid, new))

    def _follow(self, source_id: str, data: dict[str, Any]) -> None:
        self.columns = {**self.columns, source_id: {name: _json_column(values) for name, values in data.items()}}


def _json_column(values: Any) -> list[Any]:
    """A column as JSON can carry it: NaN (a gap in a line) as null (chart.js turns it back)."""
    listed = values.tolist() if hasattr(values, "tolist") else list(values)
    return [None if isinstance(v, float) and math.isnan(v) else v for v in listed]


class ChartText(KitWidget):
    """The values a chart shows, as text for screen readers; the chart drawn before it in the same
    `kit-chart-frame` (class `kit-chart`) is made inert: out of the Tab order, the text read instead."""

    _module = "charttext.js"
    text = t.Unicode("").tag(sync=True)


class Navigator(KitWidget):
    """Asks the kernel for another module (`on_go`) and moves the browser's address with it (`shown`)."""

    _module = "navigator.js"
    module = t.Unicode("").tag(sync=True)
    # Also as state, not only in the "shown" message: a page's first module is shown before the
    # browser has connected, and a message sent then never arrives; the state does.
    url = t.Unicode("").tag(sync=True)
    title = t.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_go: list[Callable[[str, bool], None]] = []
        self._on_drawn: list[Callable[[], None]] = []
        self.on_msg(self._message)

    def on_drawn(self, callback: Callable[[], None]) -> None:
        """`callback()` once the browser has drawn the page's first module and is idle."""
        self._on_drawn.append(callback)

    def on_go(self, callback: Callable[[str, bool], None]) -> None:
        """`callback(module_id, push)`: push is False when the browser's back or forward asked."""
        self._on_go.append(callback)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and "drawn" in content:
            for drawn in self._on_drawn:
                drawn()
        if not isinstance(content, dict) or not isinstance(content.get("go"), str):
            return
        for callback in self._on_go:
            callback(content["go"][:200], not content.get("back"))

    def shown(self, module: str, url: str, title: str, push: bool, focus: bool, announce: str = "") -> None:
        if module:
            self.module = module
        if url:  # an empty url or title (a refused move) leaves the page's own as they were
            self.url = url
        if title:
            self.title = title
        self.send({"shown": module, "url": url, "title": title, "push": push, "focus": focus, "announce": announce})


class Countdown(KitWidget):
    """The room's timer: the browser counts `seconds` down itself while `running`; `set` restarts it."""

    _module = "countdown.js"
    seconds = t.Float(0.0).tag(sync=True)
    running = t.Bool(False).tag(sync=True)
    stamp = t.Int(0).tag(sync=True)  # bumped on every set, so the same seconds sent again restart the count
    block = t.Unicode("").tag(sync=True)
    next = t.Unicode("").tag(sync=True)
    size = t.Unicode("large").tag(sync=True)  # "large" on the projector, "small" in a team's header

    def set(self, seconds: float, running: bool, block: str, next_block: str) -> None:
        with self.hold_sync():
            self.seconds, self.running, self.block, self.next = seconds, running, block, next_block
            self.stamp += 1


class ProjectorSwitch(KitWidget):
    """A "Projector mode" button (aria-pressed) that puts `kit-projector` on the page's root element,
    on which kit.css sizes the dashboard and the cohort page for a projector. The browser remembers
    the choice (localStorage); the kernel neither knows nor needs it."""

    _module = "projector.js"


YESNO = ["Yes", "No"]


def _iso_date(value: Any) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if value else None
    except (TypeError, ValueError):
        return None


def clean_cell(column: dict[str, Any], value: Any) -> Any:
    """A cell's value as its box can hold it: a real date or None, a listed option or "", else text."""
    kind = column.get("type", "text")
    if kind == "date":
        return _iso_date(value)
    if kind in ("choice", "yesno"):
        return value if value in (column.get("options") or [] if kind == "choice" else YESNO) else ""
    return "" if value is None else str(value)


def filled(row: dict[str, Any]) -> bool:
    return any(v not in ("", None) for v in row.values())


class Table(DraftWidget):
    """A table item's rows, drawn and edited in the browser (kit/static/table.js).

    `value` is the rows as the browser shows them (empty rows and fixed rows' labels included); the
    browser sends it about a second after typing stops, at once when a box is left or a row removed,
    and the kernel reads it only through `answer()`, which keeps what a box could hold (a crafted
    message cannot store anything else). Adding a row is the browser's alone: an empty row is no
    answer. `fixed` rows carry their label in the first column and cannot be removed; free rows are
    kept at `min_rows` at least. `draft_key`, `saved`, `status` and `state` are `DraftWidget`'s: the
    browser keeps the rows in localStorage until `saved` (the rows the store holds) matches them.
    """

    _module = "table.js"
    description = t.Unicode("").tag(sync=True)
    columns = t.List(t.Dict()).tag(sync=True)  # {id, label, type, options}
    fixed = t.List(t.Unicode()).tag(sync=True)
    min_rows = t.Int(0).tag(sync=True)
    tracks = t.Unicode("").tag(sync=True)  # the columns' CSS grid tracks (a Remove column is added)
    # Not echoed: the browser knows what it sent, and a long table would come straight back.
    value = t.List().tag(sync=True, echo_update=False)
    saved = t.List(allow_none=True, default_value=None).tag(sync=True)  # None: the store holds none
    max_bytes = t.Int(0).tag(sync=True)
    send_after = t.Int(1000).tag(sync=True)  # ms after the last keystroke before the rows are sent
    _event = "rows"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._answered: tuple[Any, list[dict[str, Any]]] = (None, [])  # (value, its answer): read once

    def on_resend(self, callback: Callable[[], None]) -> None:
        """`callback()` runs when the browser sends its rows again after a lost connection: they may be
        the rows the kernel has already (saved, with the confirmation lost on the way, or not)."""
        self._callbacks.append(callback)

    def _heard(self, content: dict[str, Any]) -> bool:
        if not isinstance(content.get("rows"), list):
            return False
        self.value = content["rows"]
        return True

    def answer(self) -> list[dict[str, Any]]:
        """The rows to save: every fixed row (with its label), then the free rows anything was written in.

        Worked out once per `value` (a new list each time it changes): a page opening on a long table
        reads it three times (the field's watcher, the confirmation, the flags)."""
        if self._answered[0] is not self.value:
            self._answered = (self.value, self._answer())
        return list(self._answered[1])

    def _answer(self) -> list[dict[str, Any]]:
        ids = [c["id"] for c in self.columns]
        rows = [r if isinstance(r, dict) else {} for r in self.value]
        out = []
        for n, label in enumerate(self.fixed):
            row = rows[n] if n < len(rows) else {}
            out.append({ids[0]: label, **{c["id"]: clean_cell(c, row.get(c["id"])) for c in self.columns[1:]}})
        for row in rows[len(self.fixed):]:
            values = {c["id"]: clean_cell(c, row.get(c["id"])) for c in self.columns}
            if filled(values):
                out.append(values)
        return out

    def show(self, value: Any) -> None:
        """Show a saved answer: fixed rows found by their label, then the other rows, cleaned."""
        rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
        first = self.columns[0]["id"]
        by_label = {r.get(first): r for r in rows if r.get(first) in self.fixed}
        out = [{first: label, **{c["id"]: clean_cell(c, by_label.get(label, {}).get(c["id"]))
                                 for c in self.columns[1:]}} for label in self.fixed]
        for row in rows:
            if self.fixed and row.get(first) in self.fixed:
                continue
            values = {c["id"]: clean_cell(c, row.get(c["id"])) for c in self.columns}
            if filled(values):
                out.append(values)
        self._answered = (out, [dict(r) for r in out])  # rows shown are clean: their answer is themselves
        self.value = out

"""Static HTML of a module with a team's answers (or blank lines to fill in by hand).

Used by the packet notebooks (papermill / `mode="report"`): everything a team or leader typed
is escaped, so a name like ``<script>`` shows as text. Charts are embedded as bokeh
components; the page that gathers the modules includes BokehJS once.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from kit.content import Module
from kit.districts import District
from kit.items import answer_text, item_html
from kit.pages import render
from kit.store import Answer

if TYPE_CHECKING:  # bokeh (with numpy, ~40 MB) is imported only by pages that draw a chart
    from kit import charts


@cache
def css() -> str:
    return files("kit").joinpath("kit.css").read_text(encoding="utf-8")


def plural(n: int, word: str, words: str = "") -> str:
    """"1 answer", "2 answers", "0 flags": a count with its noun in the right number."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def render_charts(module: Module, answers: dict[str, Answer]) -> str:
    """Bokeh charts as <div> + <script> (BokehJS is expected once in the page's <head>)."""
    if not module.charts:
        return ""
    from bokeh.embed import components

    from kit import charts

    figures = [charts.build(spec, module, answers)[0] for spec in module.charts]
    script, divs = components(figures)
    texts = [charts.describe(spec, charts.chart_data(spec, module, answers)) for spec in module.charts]
    return "<div class='kit-charts'>" + "".join(map(chart_frame, divs, texts)) + "</div>" + script


def chart_frame(div: str, text: str) -> str:
    """A chart with its text equivalent: the canvas is inert (BokehJS gives each an unlabelled Tab stop),
    and the values it shows are read out instead."""
    return str(Markup("<div class='kit-chart-frame'><div class='kit-chart' inert>{}</div>"
                      "<p class='kit-chart-text'>{}</p></div>").format(Markup(div), text))


def render_module(module: Module, district: District, convening: str,
                  answers: dict[str, Answer], generated: datetime | None = None,
                  history: charts.History | None = None) -> str:
    """One module as an HTML fragment: header, charts, change since the last convening, every item.

    `history` is the module's answers at each convening up to this one (labelled, first first).
    """
    state = f"{len(answers)} of {len(module.items())} items answered" if answers else "blank worksheet"
    since = render_since(module, history[-2], history[-1]) + render_trends(module, history) \
        if history and len(history) >= 2 else ""
    return render("module.html", module=module, district=district, convening=convening, state=state,
                  answers=answers, charts=render_charts(module, answers) if answers else "", html=since,
                  item_html=item_html)


def flag_html(flags: list[Any], heading: str = "") -> str:
    """Flags as HTML: severity in words (never colour alone), message, next step, source."""
    return render("flags.html", flags=flags, heading=heading) if flags else ""


def changes(module: Module, before: dict[str, Answer], after: dict[str, Answer]) -> list[tuple[Any, str, str]]:
    """(item, was, now) for every item whose answer differs between two convenings."""
    out = []
    for item in module.items():
        old, new = before.get(item.id), after.get(item.id)
        old_value, new_value = (old.value if old else None), (new.value if new else None)
        if old_value != new_value:
            out.append((item, answer_text(item, old_value, module, 160), answer_text(item, new_value, module, 160)))
    return out


def render_since(module: Module, previous: charts.Snapshot, current: charts.Snapshot) -> str:
    """What changed in this module since the previous convening, item by item."""
    return render("since.html", previous=previous[0], current=current[0],
                  found=changes(module, previous[1], current[1]))


def render_trends(module: Module, history: charts.History) -> str:
    """The module's trend charts across convenings (bokeh components)."""
    if not module.trends or len(history) < 2:
        return ""
    from bokeh.embed import components

    from kit import charts

    script, divs = components([charts.build_trend(t, module, history)[0] for t in module.trends])
    texts = [charts.describe_trend(t, module, history) for t in module.trends]
    return "<div class='kit-charts kit-trends'>" + "".join(map(chart_frame, divs, texts)) + "</div>" + script

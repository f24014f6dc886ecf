"""Bokeh charts of a team's ratings, declared in the module YAML under `charts:`.

Two kinds of chart: `ratings` (one bar per rating item, e.g. Coburn's four dimensions) and
`section_means` (the mean rating of each section, e.g. the four Fundamentals). The same
figure serves the live worksheet (redrawn by replacing its ColumnDataSource data) and the
static packet (embedded with `bokeh.embed.components`, BokehJS once per page).
Trends (`trends:` in the YAML) draw the same measures, or a stage on a path, across convenings.
"""

from __future__ import annotations

from collections.abc import Collection
from math import nan
from statistics import mean
from typing import Any

from bokeh.models import ColumnDataSource, LabelSet
from bokeh.plotting import figure
from bokeh.transform import dodge

from kit.content import Chart, Module, Trend
from kit.items import kind_of
from kit.store import Answer

# Okabe and Ito's colour-blind-safe colours without their yellow (1.3:1 on white, lost on a projector),
# the ones with at least 3:1 contrast on white first: blue, vermillion, green, purple, black, orange, sky.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9")
MARKERS = ("circle", "square", "triangle", "diamond", "inverted_triangle", "hex", "star", "plus")
DASHES = ("solid", "dashed", "dotted", "dotdash", "dashdot", (12, 4), (2, 6))


def series_style(n: int, count: int) -> dict[str, Any]:
    """How line `n` of `count` is drawn so that none hides another: its own colour, dash and marker,
    and a small vertical offset (a tenth of a level apart, at most a quarter from the true value),
    so that lines with equal values run side by side instead of on top of each other."""
    step = min(0.1, 0.5 / max(count, 1))
    return {"color": PALETTE[n % len(PALETTE)], "dash": DASHES[n % len(DASHES)], "marker": MARKERS[n % len(MARKERS)],
            "offset": round((n - (count - 1) / 2) * step, 3)}


def draw_series(fig: Any, source: ColumnDataSource, names: list[str], x: str = "x") -> None:
    """One line with markers per name, from the source's columns `s0`, `s1`, … (see `series_style`)."""
    for n, name in enumerate(names):
        style = series_style(n, len(names))
        y = dodge(f"s{n}", style["offset"]) if style["offset"] else f"s{n}"
        fig.line(x, y, source=source, color=style["color"], line_dash=style["dash"], line_width=3, legend_label=name)
        fig.scatter(x, y, source=source, color=style["color"], size=11, marker=style["marker"], legend_label=name)
    for legend in fig.legend:  # room for a dash pattern, and between one entry and the next
        legend.glyph_width, legend.spacing = 36, 18


def two_lines(label: str) -> str:
    """A convening's label on two lines ("convening 1\n17 Sep 2026") for a chart's axis, so that
    neighbouring convenings' labels never run into each other."""
    return label.replace(", ", "\n", 1)


def _level(answer: Answer | None) -> int | None:
    if answer is None or not isinstance(answer.value, dict):
        return None
    level = answer.value.get("level")
    return level if isinstance(level, int) else None


CARRIED = "↺"  # the worksheet's mark for an answer shown from an earlier convening, not saved for this one


def chart_data(spec: Chart, module: Module, answers: dict[str, Answer],
               carried: Collection[str] = ()) -> dict[str, list[Any]]:
    """Labels, values and text labels for a chart, from the answers a page shows.

    `carried`: items whose answer is an earlier convening's, shown as the starting point (a worksheet
    marks them ↺, and so does the chart, beside the value they give).
    """
    labels: list[str] = []
    values: list[float] = []
    marked: list[bool] = []
    if spec.kind == "ratings":
        for item_id in spec.items:
            item = module.item(item_id)
            labels.append(item.short or item.id.replace("_", " ").capitalize())
            values.append(_level(answers.get(item_id)) or 0)
            marked.append(item_id in carried)
    else:
        for section in module.sections:
            if section.id not in spec.sections:
                continue
            ratings = [i for i in section.items if kind_of(i).rated]
            rated = [lv for lv in (_level(answers.get(i.id)) for i in ratings) if lv is not None]
            labels.append(section.short or section.title)
            values.append(round(mean(rated), 2) if rated else 0)
            marked.append(any(i.id in carried and _level(answers.get(i.id)) is not None for i in ratings))
    text = [(f"{v:g} {CARRIED}" if mark else f"{v:g}") if v else "not rated" for v, mark in zip(values, marked,
                                                                                                  strict=True)]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(labels))]
    return {"label": labels, "value": values, "text": text, "color": colors}


def max_level(spec: Chart, module: Module) -> int:
    scales = [module.scales[i.scale] for i in module.items() if kind_of(i).rated]
    return max((max(s.levels) for s in scales), default=4)


def build(spec: Chart, module: Module, answers: dict[str, Answer],
          carried: Collection[str] = ()) -> tuple[Any, ColumnDataSource]:
    """A horizontal bar chart; returns the figure and the source to update it live."""
    data = chart_data(spec, module, answers, carried)
    source = ColumnDataSource(data)
    top = max_level(spec, module)
    fig = figure(
        y_range=list(reversed(data["label"])), x_range=(0, top + 0.6),
        height=70 + 52 * len(data["label"]), width=640, title=spec.title,
        toolbar_location=None, tools="", sizing_mode="stretch_width",
    )
    fig.hbar(y="label", right="value", height=0.6, color="color", source=source)
    fig.add_layout(LabelSet(x="value", y="label", text="text", source=source, x_offset=6,
                            y_offset=-8, text_font_size="15px"))
    fig.xaxis.ticker = list(range(0, top + 1))
    fig.xaxis.axis_label = f"rating (1–{top})"
    fig.title.text_font_size = "18px"
    fig.yaxis.major_label_text_font_size = "15px"
    fig.xaxis.major_label_text_font_size = "14px"
    fig.ygrid.grid_line_color = None
    return fig, source


def update(source: ColumnDataSource, spec: Chart, module: Module, answers: dict[str, Answer],
           carried: Collection[str] = ()) -> None:
    """Redraw a live chart with new answers (the browser redraws on the data change)."""
    source.data = chart_data(spec, module, answers, carried)


def describe(spec: Chart, data: dict[str, list[Any]], earlier: str = "") -> str:
    """A chart's text equivalent, the values it shows: "Four dimensions of scale (rating 1–4): Depth 2,
    Ownership not rated, …". `earlier` names where values marked ↺ come from."""
    unit = "mean rating" if spec.kind == "section_means" else "rating"
    values = ", ".join(f"{label} {text}" for label, text in zip(data["label"], data["text"], strict=True))
    note = (f" ({CARRIED}: shown from {earlier}, not saved for this convening yet)"
            if earlier and any(CARRIED in t for t in data["text"]) else "")
    return f"Chart: {spec.title} ({unit}): {values}.{note}"


Snapshot = tuple[str, dict[str, Answer]]  # (a convening's label, its latest answers)
History = list[Snapshot]  # first convening first


def trend_series(trend: Trend, module: Module) -> list[str]:
    """The names of a trend's lines."""
    if trend.kind == "path":
        return [module.item(trend.items[0]).short or "stage"]
    spec = Chart(id=trend.id, title=trend.title, kind=trend.kind, items=trend.items, sections=trend.sections)
    return chart_data(spec, module, {})["label"]


def trend_data(trend: Trend, module: Module, history: History) -> dict[str, list[Any]]:
    """`x` (a convening label per point) and one column per line (`s0`, `s1`, …); NaN where unanswered."""
    data: dict[str, list[Any]] = {"x": [two_lines(label) for label, _ in history]}
    if trend.kind == "path":
        item = module.item(trend.items[0])
        order = {o.id: n + 1 for n, o in enumerate(item.options)}  # a choice: checked when the module is loaded
        data["s0"] = [float(order.get(getattr(a.get(item.id), "value", None), nan)) for _, a in history]
        return data
    spec = Chart(id=trend.id, title=trend.title, kind=trend.kind, items=trend.items, sections=trend.sections)
    for n in range(len(trend_series(trend, module))):
        data[f"s{n}"] = [chart_data(spec, module, answers)["value"][n] or nan for _, answers in history]
    return data


def build_trend(trend: Trend, module: Module, history: History) -> tuple[Any, ColumnDataSource]:
    """A line per measure across convenings; returns the figure and its source (to redraw live)."""
    data = trend_data(trend, module, history)
    source = ColumnDataSource(data)
    names = trend_series(trend, module)
    if trend.kind == "path":
        item = module.item(trend.items[0])
        labels = [o.label for o in item.options]
        top, axis = len(labels), item.short or "stage"
    else:
        labels, top, axis = [], max_level(Chart(id="x", title="x", kind="ratings"), module), "rating"
    fig = figure(x_range=data["x"], y_range=(0.5, top + 0.5), height=320, width=640, title=trend.title,
                 toolbar_location=None, tools="", sizing_mode="stretch_width")
    draw_series(fig, source, names)
    fig.yaxis.ticker = list(range(1, top + 1))
    if labels:
        fig.yaxis.major_label_overrides = {n + 1: _short(label) for n, label in enumerate(labels)}
    fig.yaxis.axis_label = axis
    fig.legend.orientation = "horizontal"
    fig.add_layout(fig.legend[0], "above")  # above the lines, never over them
    fig.legend.visible = len(names) > 1  # one line (a stage) needs no legend
    fig.title.text_font_size = "18px"
    fig.xaxis.major_label_text_font_size = "14px"
    fig.yaxis.major_label_text_font_size = "13px"
    return fig, source


def update_trend(source: ColumnDataSource, trend: Trend, module: Module, history: History) -> None:
    source.data = trend_data(trend, module, history)


def describe_trend(trend: Trend, module: Module, history: History) -> str:
    """A trend's text equivalent: each line's value at each convening ("Depth: convening 1 2, …")."""
    data = trend_data(trend, module, history)
    item = module.item(trend.items[0]) if trend.kind == "path" else None
    stages = [o.label for o in item.options] if item is not None else []

    def shown(value: float) -> str:
        if value != value:  # NaN: no answer at that convening
            return "no answer"
        return stages[int(value) - 1] if stages else f"{value:g}"

    when = [label for label, _ in history]
    lines = " ".join(f"{name} — " + "; ".join(f"{at}: {shown(v)}" for at, v in zip(when, data[f"s{n}"], strict=True))
                     + "." for n, name in enumerate(trend_series(trend, module)))
    return f"Chart: {trend.title}. {lines}"


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"

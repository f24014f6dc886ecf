"""The program manager's cohort dashboard: where every district team is, refreshed as they save.

One page for a cohort and convening: a completion matrix (district × module), the four Coburn
dimensions side by side, each district's stage on the five-stage path and its path across
convenings, a Fundamentals heatmap, and the flags. It re-reads the store every `refresh` seconds
on the kernel's event loop (no page reload) and redraws only when something was saved. Picking a
district shows its answers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from math import nan
from statistics import mean
from typing import Any

from markupsafe import Markup

from kit.content import Chart, ChoiceItem, Module, Trend, all_modules
from kit.districts import District
from kit.errors import KitError
from kit.items import answer_text, kind_of
from kit.pages import render
from kit.report import css, flag_html, plural
from kit.store import Answer, Store, report_store


@dataclass(frozen=True)
class Measures:
    """What the dashboard compares across districts, read from the modules' `charts:` and `trends:`.

    The charts and trends marked `dashboard: true`: with the shipped content, 02's four dimensions,
    03's four Fundamentals and 02's stage on the five-stage path.
    """

    ratings: tuple[Module, Chart | Trend]
    sections: tuple[Module, Chart | Trend]
    path: tuple[Module, Chart | Trend]

    @property
    def modules(self) -> list[str]:
        return list(dict.fromkeys(m.id for m, _ in (self.ratings, self.sections, self.path)))

    @property
    def stage(self) -> ChoiceItem:
        module, spec = self.path
        item = module.item(spec.items[0])
        return item  # a choice: checked when the module is loaded


def measures() -> Measures:
    def first(kind: str) -> tuple[Module, Chart | Trend]:
        for module in all_modules():
            for spec in (*module.charts, *module.trends):
                if spec.kind == kind and spec.dashboard:
                    return module, spec
        raise KitError(f"the dashboard needs a `{kind}` chart or trend marked `dashboard: true` in modules/")

    return Measures(first("ratings"), first("section_means"), first("path"))


def _level(answer: Answer | None) -> float:
    value = answer.value if answer else None
    level = value.get("level") if isinstance(value, dict) else None
    return float(level) if isinstance(level, int) else nan


@dataclass
class Snapshot:
    """Everything the dashboard shows, read from the store in one go."""

    convening: str
    districts: list[District]
    modules: list[Module]
    done: dict[tuple[str, str], tuple[int, datetime | None]]
    latest: dict[tuple[str, str], dict[str, Answer]] = field(default_factory=dict)  # (district, module) → answers
    stages: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)  # district → [(convening, stage)]
    flags: dict[str, list[Any]] = field(default_factory=dict)


def read(store: Store | None, districts: list[District], convening: str, labels: dict[str, str]) -> Snapshot:
    """Read a cohort's progress at a convening (a missing store reads as an empty one)."""
    modules = all_modules()
    snap = Snapshot(convening, districts, modules, store.answered_items(convening) if store else {})
    if store is None:
        return snap
    from kit.diagnostics import diagnose, load_rules

    rules = load_rules()
    shown = measures()
    path_module, stage = shown.path[0].id, shown.stage.id
    for d in districts:
        for module_id in shown.modules:
            snap.latest[(d.id, module_id)] = store.latest(d.id, convening, module_id)
        snap.stages[d.id] = [(labels.get(k, f"convening {k}"), _value(a.get(stage)))
                             for k, a in store.over_time(d.id, path_module, convening)]
        snap.flags[d.id] = diagnose(store, d, convening, rules)
    return snap


def _value(answer: Answer | None) -> Any:
    return answer.value if answer else None


def completion_html(snap: Snapshot) -> str:
    """District × module: share of items answered and when the team last saved (text, not colour alone)."""
    rows = []
    for d in snap.districts:
        cells = []
        for m in snap.modules:
            n, last = snap.done.get((d.id, m.id), (0, None))
            cells.append((m, round(100 * n / max(len(m.items()), 1)), last))
        rows.append((d, cells))
    return render("dashboard_completion.html", modules=snap.modules, rows=rows)


def stage_html(snap: Snapshot) -> str:
    """Each district's stage now, and its path across convenings."""
    shown = measures()
    item = shown.stage
    names = {o.id: o.label for o in item.options}
    rows = []
    for d in snap.districts:
        now = names.get(_value(snap.latest.get((d.id, shown.path[0].id), {}).get(item.id)), "—")
        path = [(label.split(",")[0], names.get(stage, "—").split(":")[0])
                for label, stage in snap.stages.get(d.id, [])]
        rows.append((d, now, path))
    return render("dashboard_stages.html", rows=rows)


def flags_html(snap: Snapshot) -> str:
    rows = []
    for d in snap.districts:
        found = snap.flags.get(d.id, [])
        rows.append((d, plural(len(found), "flag"), flag_html(found) if found else ""))
    return render("dashboard_flags.html", rows=rows)


def dimension_data(snap: Snapshot) -> dict[str, list[Any]]:
    """One row per district, one column per rating of the ratings chart, e.g. Coburn's four dimensions."""
    module, spec = measures().ratings
    data: dict[str, list[Any]] = {"district": [d.name for d in snap.districts]}
    for item_id in spec.items:
        data[item_id] = [_level(snap.latest.get((d.id, module.id), {}).get(item_id)) for d in snap.districts]
    return data


def path_data(snap: Snapshot) -> dict[str, list[Any]]:
    """`x`: the convenings so far; `s0`, `s1`, …: each district's stage number (1–5) at each, NaN if unanswered."""
    from kit.charts import two_lines  # bokeh: only for pages that draw a chart

    order = {o.id: n + 1 for n, o in enumerate(measures().stage.options)}
    labels = list(dict.fromkeys(label for d in snap.districts for label, _ in snap.stages.get(d.id, [])))
    data: dict[str, list[Any]] = {"x": [two_lines(label) for label in labels]}
    for n, d in enumerate(snap.districts):
        at = dict(snap.stages.get(d.id, []))
        data[f"s{n}"] = [float(order.get(at.get(label), nan)) for label in labels]
    return data


def heatmap_data(snap: Snapshot) -> dict[str, list[Any]]:
    """District × section of the section_means chart (the Fundamentals): the mean rating of its indicators."""
    module, spec = measures().sections
    sections = [s for s in module.sections if s.id in spec.sections]
    data: dict[str, list[Any]] = {"district": [], "fundamental": [], "value": [], "text": []}
    for d in snap.districts:
        answers = snap.latest.get((d.id, module.id), {})
        for s in sections:
            levels = [v for i in s.items if kind_of(i).rated and (v := _level(answers.get(i.id))) == v]
            value = round(mean(levels), 1) if levels else nan
            data["district"].append(d.name)
            data["fundamental"].append(s.short or s.title)
            data["value"].append(value)
            data["text"].append(f"{value:g}" if levels else "—")
    return data


def chart_texts(snap: Snapshot) -> list[str]:
    """The dashboard's three charts as text (what a screen reader reads; the charts themselves are inert)."""
    module, spec = measures().ratings
    dims = dimension_data(snap)
    short = [module.item(i).short or i for i in spec.items]
    by_district = "; ".join(
        f"{name}: " + ", ".join(f"{label} {f'{dims[i][n]:g}' if dims[i][n] == dims[i][n] and dims[i][n] else '—'}"
                                for label, i in zip(short, spec.items, strict=True))
        for n, name in enumerate(dims["district"]))
    heat = heatmap_data(snap)
    cells: dict[str, list[str]] = {}
    for name, fundamental, text in zip(heat["district"], heat["fundamental"], heat["text"], strict=True):
        cells.setdefault(name, []).append(f"{fundamental} {text}")
    fundamentals = "; ".join(f"{name}: {', '.join(values)}" for name, values in cells.items())
    stages = [o.label for o in measures().stage.options]
    path = path_data(snap)
    when = [x.replace("\n", ", ") for x in path["x"]]
    lines = " ".join(
        f"{d.name} — " + "; ".join(f"{at}: {stages[int(v) - 1] if v == v else 'no answer'}"
                                   for at, v in zip(when, path[f"s{n}"], strict=True)) + "."
        for n, d in enumerate(snap.districts))
    return [f"Chart: {spec.title} by district (rating, — for none). {by_district}.",
            f"Chart: the Fundamentals by district (mean rating, — for none). {fundamentals}.",
            f"Chart: each district's stage on the five-stage path, by convening. {lines or 'No stage yet.'}"]


def district_answers_html(store: Store | None, district: District, convening: str) -> str:
    """Every answer a district saved at this convening, module by module, as text."""
    sections = None
    if store is not None:
        sections = []
        for module in all_modules():
            answers = store.latest(district.id, convening, module.id)
            rows = [(item.short or item.prompt, answer_text(item, a.value, module, 300), a.saved_at)
                    for item in module.items() if (a := answers.get(item.id))]
            if rows:
                sections.append((module, rows))
    return render("district_answers.html", district=district, sections=sections)


class Dashboard:
    """The live dashboard's widgets and its refresh loop."""

    def __init__(self, store: Store | None, districts: list[District], convening: str, labels: dict[str, str],
                 refresh: float = 30.0):
        import ipywidgets as w

        self.store, self.districts, self.convening, self.labels = store, districts, convening, labels
        self.refresh = refresh
        self.fingerprint: Any = None
        self.updates = 0
        label = labels.get(convening, f"convening {convening}")
        heading = Markup("<style>{}</style><h1>Cohort dashboard</h1><p class='kit-meta'>{} · {} districts · "
                         "<a href='home.ipynb'>cohort page</a></p>")
        self.title = w.HTML(str(heading.format(Markup(css()), label, len(districts))))
        self.status = w.HTML()
        self.matrix = w.HTML()
        self.stages = w.HTML()
        self.flags = w.HTML()
        snap = self.snapshot()
        from bokeh.models import ColumnDataSource

        self.dim_source = ColumnDataSource(dimension_data(snap))
        self.heat_source = ColumnDataSource(heatmap_data(snap))
        self.path_source = ColumnDataSource(path_data(snap))
        from kit.widgets import BokehChart, ChartText, ProjectorSwitch

        frames, self.chart_texts = [], []
        for fig in (self._dimension_figure(), self._heatmap_figure(), self._path_figure()):
            model, text = BokehChart(fig), ChartText()
            model.add_class("kit-chart")  # inert (ChartText): no unlabelled Tab stop; the text is read instead
            frame = w.VBox([model, text])
            frame.add_class("kit-chart-frame")
            frames.append(frame)
            self.chart_texts.append(text)
        self.charts = w.VBox(frames)
        self.picker = w.Select(options=[(d.name, d.id) for d in districts], value=None, rows=min(len(districts), 8),
                               description="Show answers:", style={"description_width": "initial"})
        self.answers = w.HTML()
        self.picker.observe(self._show_district, names="value")
        self.draw(snap)
        self.switch = ProjectorSwitch()  # sized for a projector or a laptop: the browser's choice
        self.widget = w.VBox([self.switch, self.title, self.status, w.HTML("<h2>Completion</h2>"), self.matrix,
                              w.HTML("<h2>Scale and the Fundamentals</h2>"), self.charts,
                              w.HTML("<h2>The five-stage path</h2>"), self.stages,
                              w.HTML("<h2>Risks to scale</h2>"), self.flags,
                              w.HTML("<h2>A district's answers</h2>"), self.picker, self.answers])
        self.widget.add_class("kit-page")
        self.widget.add_class("kit-dashboard")

    def snapshot(self) -> Snapshot:
        return read(self.store, self.districts, self.convening, self.labels)

    def changed(self) -> bool:
        """Whether anything was saved since the last look (one cheap query)."""
        mark = self.store.count() if self.store else None
        if mark == self.fingerprint:
            return False
        self.fingerprint = mark
        return True

    def draw(self, snap: Snapshot) -> None:
        self.matrix.value = completion_html(snap)
        self.stages.value = stage_html(snap)
        self.flags.value = flags_html(snap)
        self.dim_source.data = dimension_data(snap)
        self.heat_source.data = heatmap_data(snap)
        self.path_source.data = path_data(snap)
        for widget, text in zip(self.chart_texts, chart_texts(snap), strict=True):
            widget.text = text
        if self.picker.value:
            self._show_district()
        self.updates += 1
        self.status.value = (f"<p class='kit-meta kit-refreshed' data-updates='{self.updates}'>Updated "
                             f"{datetime.now().astimezone():%H:%M:%S}; refreshes every {self.refresh:g} s.</p>")

    def tick(self) -> None:
        """Re-read the store; redraw if anything was saved. Never lets an error stop the loop."""
        try:
            if self.store is None:
                self.store = report_store()
            if self.changed():
                self.draw(self.snapshot())
        except Exception as exc:  # noqa: BLE001 - the page says so and tries again next time
            self.status.value = str(Markup("<p class='kit-status-error'>Could not refresh ({}); trying again.</p>")
                                    .format(type(exc).__name__))

    def start(self) -> None:
        """Refresh every `refresh` seconds on the kernel's event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a plain script, nbval): the page shows one snapshot

        def again() -> None:
            self.tick()
            loop.call_later(self.refresh, again)

        self.fingerprint = self.store.count() if self.store else None
        loop.call_later(self.refresh, again)

    def _show_district(self, _change: Any = None) -> None:
        district = next((d for d in self.districts if d.id == self.picker.value), None)
        self.answers.value = district_answers_html(self.store, district, self.convening) if district else ""

    def _dimension_figure(self) -> Any:
        from bokeh.plotting import figure
        from bokeh.transform import dodge

        from kit.charts import PALETTE

        module, spec = measures().ratings
        names = list(reversed(self.dim_source.data["district"]))
        fig = figure(y_range=names, x_range=(0, 4.6), height=90 + 70 * len(names), width=760,
                     title=f"{spec.title}, by district", toolbar_location=None, tools="",
                     sizing_mode="stretch_width")
        width = 0.8 / max(len(spec.items), 1)
        for n, item_id in enumerate(spec.items):
            item = module.item(item_id)
            fig.hbar(y=dodge("district", 0.4 - width * (n + 0.5), range=fig.y_range), right=item_id,
                     height=width * 0.9, source=self.dim_source, color=PALETTE[n % len(PALETTE)],
                     legend_label=item.short or item_id.replace("_", " ").capitalize())
        fig.xaxis.ticker = [0, 1, 2, 3, 4]
        fig.xaxis.axis_label = "rating (1–4)"
        fig.legend.orientation = "horizontal"
        fig.add_layout(fig.legend[0], "above")  # above the bars, never over them
        fig.ygrid.grid_line_color = None
        projector_fonts(fig)
        return fig

    def _path_figure(self) -> Any:
        from bokeh.plotting import figure

        from kit.charts import draw_series

        stages = [o.label for o in measures().stage.options]
        fig = figure(x_range=self.path_source.data["x"] or ["—"], y_range=(0.5, len(stages) + 0.5), height=480,
                     width=760, title=measures().path[1].title, toolbar_location=None, tools="",
                     sizing_mode="stretch_width")
        # Districts at the same stage run side by side (each its colour, dash and marker), not on top of each other.
        draw_series(fig, self.path_source, [d.name for d in self.districts])
        fig.yaxis.ticker = list(range(1, len(stages) + 1))
        fig.yaxis.major_label_overrides = {n + 1: label.split(":")[0] for n, label in enumerate(stages)}
        fig.legend.orientation = "horizontal"
        fig.add_layout(fig.legend[0], "above")
        projector_fonts(fig)
        return fig

    def _heatmap_figure(self) -> Any:
        from bokeh.models import ColorBar, FixedTicker, LabelSet
        from bokeh.palettes import Blues5
        from bokeh.plotting import figure
        from bokeh.transform import linear_cmap

        data = self.heat_source.data
        districts = list(dict.fromkeys(reversed(data["district"])))
        fundamentals = list(dict.fromkeys(data["fundamental"]))
        fig = figure(x_range=fundamentals, y_range=districts, height=90 + 55 * len(districts), width=760,
                     title=f"{measures().sections[1].title}, by district", toolbar_location=None, tools="",
                     sizing_mode="stretch_width", x_axis_location="above")
        shade = linear_cmap("value", list(reversed(Blues5))[:4], 1, 4, nan_color="#f2f2f2")
        fig.rect(x="fundamental", y="district", width=0.98, height=0.95, source=self.heat_source,
                 fill_color=shade, line_color="white")
        fig.add_layout(LabelSet(x="fundamental", y="district", text="text", source=self.heat_source,
                                text_align="center", text_baseline="middle", text_font_size="20px",
                                text_color="#000000"))  # 4.8:1 even on the darkest blue (#3182bd)
        # The shading's key: mean rating 1 (palest) to 4 (darkest); "—" cells are not rated yet.
        fig.add_layout(ColorBar(color_mapper=shade.transform, ticker=FixedTicker(ticks=[1, 2, 3, 4]),
                                title="mean rating (— not rated)", title_text_font_size="18px",
                                major_label_text_font_size="18px", width=24), "right")
        fig.grid.grid_line_color = None
        fig.axis.axis_line_color = None
        projector_fonts(fig)
        return fig


def projector_fonts(fig: Any) -> None:
    """Chart text that reads on a projector, like the page's (from about 18 px)."""
    fig.title.text_font_size = "22px"
    fig.axis.major_label_text_font_size = "18px"
    fig.axis.axis_label_text_font_size = "18px"
    for legend in fig.legend:
        legend.label_text_font_size = "18px"

"""Static HTML of a module with a team's answers (or blank lines to fill in by hand).

Used by the packet notebooks (papermill / `mode="report"`): everything a team or leader typed
is escaped, so a name like ``<script>`` shows as text. Charts are embedded as bokeh
components; the page that gathers the modules includes BokehJS once.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from html import escape
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from kit.content import (
    ChecklistItem,
    ChoiceItem,
    Module,
    RankingItem,
    RatingItem,
    TableItem,
    TextItem,
)
from kit.districts import District
from kit.store import Answer

if TYPE_CHECKING:  # bokeh (with numpy, ~40 MB) is imported only by pages that draw a chart
    from kit import charts


@cache
def css() -> str:
    return files("kit").joinpath("kit.css").read_text(encoding="utf-8")


def plural(n: int, word: str, words: str = "") -> str:
    """"1 answer", "2 answers", "0 flags": a count with its noun in the right number."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def level_label(n: int, label: str) -> str:
    """A rating level as the worksheet's buttons show it: "2 · Emerging" (never a bare "level 2")."""
    return f"{n} · {label}"


def _esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _blank(lines: int) -> str:
    return "".join("<div class='kit-blank'></div>" for _ in range(lines))


def render_item(item: Any, module: Module, answer: Answer | None) -> str:
    value = answer.value if answer else None
    out = [f"<div class='kit-item kit-item-{item.id}'>", f"<p class='kit-prompt'>{_esc(item.prompt)}</p>"]
    if item.help:
        out.append(f"<p class='kit-help'>{_esc(item.help)}</p>")
    if isinstance(item, TextItem):
        out.append(f"<div class='kit-answer'>{_esc(value)}</div>" if value else _blank(item.lines))
    elif isinstance(item, RatingItem):
        scale = module.scales[item.scale]
        chosen = value.get("level") if isinstance(value, dict) else None
        out.append("<table class='kit-levels'><tbody>")
        for n, level in sorted(scale.levels.items()):
            mark = "☑" if chosen == n else "☐"
            cls = " class='kit-chosen'" if chosen == n else ""
            out.append(f"<tr{cls}><th scope='row'>{mark} {n} · {_esc(level.label)}</th>"
                       f"<td>{_esc(item.descriptors.get(n, level.descriptor))}</td></tr>")
        out.append("</tbody></table>")
        if item.evidence:
            evidence = value.get("evidence") if isinstance(value, dict) else ""
            out.append(f"<p class='kit-help'>{_esc(item.evidence)}</p>")
            out.append(f"<div class='kit-answer'>{_esc(evidence)}</div>" if evidence else _blank(2))
    elif isinstance(item, (ChecklistItem, ChoiceItem)):
        chosen = set(value) if isinstance(value, list) else {value}
        out.append("<ul class='kit-options'>")
        for option in item.options:
            mark = "☑" if option.id in chosen else "☐"
            detail = f" <span class='kit-detail'>— {_esc(option.detail)}</span>" if option.detail else ""
            out.append(f"<li>{mark} {_esc(option.label)}{detail}</li>")
        out.append("</ul>")
    elif isinstance(item, RankingItem):
        ranks = value if isinstance(value, dict) else {}
        ordered = sorted(item.options, key=lambda o: (ranks.get(o.id) or 99, item.options.index(o)))
        out.append("<ol class='kit-options'>" if ranks else "<ul class='kit-options'>")
        for option in ordered:
            out.append(f"<li>{'' if ranks.get(option.id) else '___ '}{_esc(option.label)}</li>")
        out.append("</ol>" if ranks else "</ul>")
    elif isinstance(item, TableItem):
        out.append(render_table(item, value))
    if answer:
        out.append(f"<p class='kit-meta'>Saved {answer.saved_at:%d %b %Y %H:%M} UTC (version {answer.version})</p>")
    out.append("</div>")
    return "".join(out)


def render_table(item: TableItem, value: Any) -> str:
    rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
    head = "".join(f"<th scope='col'>{_esc(c.label)}</th>" for c in item.columns)
    body = []
    if item.rows:
        first = item.columns[0].id
        by_label = {r.get(first): r for r in rows}
        rows = [by_label.get(label, {first: label}) for label in item.rows] + [
            r for r in rows if r.get(first) not in item.rows]
    if not rows:
        rows = [{} for _ in range(max(item.min_rows, 3))]
    for row in rows:
        body.append("<tr>" + "".join(f"<td>{_esc(row.get(c.id))}</td>" for c in item.columns) + "</tr>")
    return f"<table class='kit-answer-table'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


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
    return f"<div class='kit-chart-frame'><div class='kit-chart' inert>{div}</div><p class='kit-chart-text'>" \
           f"{_esc(text)}</p></div>"


def render_module(module: Module, district: District, convening: str,
                  answers: dict[str, Answer], generated: datetime | None = None,
                  history: charts.History | None = None) -> str:
    """One module as an HTML fragment: header, charts, change since the last convening, every item.

    `history` is the module's answers at each convening up to this one (labelled, first first).
    """
    state = f"{len(answers)} of {len(module.items())} items answered" if answers else "blank worksheet"
    out = [
        f"<section class='kit-module' id='m{module.number:02d}'>",
        f"<h1>{module.number:02d} · {_esc(module.title)}</h1>",
        f"<p class='kit-meta'><b>{_esc(district.name)}</b> · convening {_esc(convening)} · "
        f"{module.duration_minutes} minutes · {state}</p>",
        f"<p>{_esc(module.purpose)}</p>",
        render_charts(module, answers) if answers else "",
        render_since(module, history[-2], history[-1]) + render_trends(module, history)
        if history and len(history) >= 2 else "",
    ]
    for section in module.sections:
        out.append(f"<h2>{_esc(section.title)}</h2>")
        if section.intro:
            out.append(f"<p class='kit-intro'>{_esc(section.intro)}</p>")
        out += [render_item(item, module, answers.get(item.id)) for item in section.items]
    out.append("</section>")
    return "\n".join(out)


def flag_html(flags: list[Any], heading: str = "") -> str:
    """Flags as HTML: severity in words (never colour alone), message, next step, source."""
    if not flags:
        return ""
    items = "".join(
        f"<li class='kit-flag kit-flag-{f.rule.severity}'><b>{_esc(f.rule.severity.upper())}:</b> "
        f"{_esc(f.rule.message)} <span class='kit-next'>Next: {_esc(f.rule.next_step)}</span> "
        f"<span class='kit-source'>({_esc(f.rule.source)})</span></li>"
        for f in flags
    )
    title = f"<p class='kit-flags-title'>{_esc(heading)}</p>" if heading else ""
    return f"<div class='kit-flags' role='note'>{title}<ul>{items}</ul></div>"


def level_text(item: RatingItem, level: Any) -> str:
    """"2 · Emerging" (the level as the buttons say it), not a bare "level 2"; "—" when not rated."""
    if level in (None, ""):
        return "—"
    from kit.content import all_modules

    for module in all_modules():
        scale = module.scales.get(item.scale)
        if scale is not None and item in module.items() and level in scale.levels:
            return level_label(level, scale.levels[level].label)
    return f"level {level}"


def answer_text(item: Any, value: Any, limit: int = 300) -> str:
    """An answer as one line of plain text (for change lists, history and conflicts)."""
    if value in (None, "", [], {}):
        text = "—"
    elif isinstance(item, RatingItem) and isinstance(value, dict):
        text = level_text(item, value.get("level")) + (f"; {value['evidence']}" if value.get("evidence") else "")
    elif isinstance(item, ChoiceItem):
        text = next((o.label for o in item.options if o.id == value), str(value))
    elif isinstance(item, ChecklistItem) and isinstance(value, list):
        text = "; ".join(o.label for o in item.options if o.id in value)
    elif isinstance(item, RankingItem) and isinstance(value, dict):
        text = "; ".join(f"{value[o.id]}. {o.label}" for o in sorted(item.options, key=lambda o: value.get(o.id, 99))
                         if o.id in value)
    elif isinstance(value, list):
        text = " | ".join(", ".join(str(v) for v in row.values() if v not in ("", None)) if isinstance(row, dict)
                          else str(row) for row in value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changes(module: Module, before: dict[str, Answer], after: dict[str, Answer]) -> list[tuple[Any, str, str]]:
    """(item, was, now) for every item whose answer differs between two convenings."""
    out = []
    for item in module.items():
        old, new = before.get(item.id), after.get(item.id)
        old_value, new_value = (old.value if old else None), (new.value if new else None)
        if old_value != new_value:
            out.append((item, answer_text(item, old_value, 160), answer_text(item, new_value, 160)))
    return out


def render_since(module: Module, previous: charts.Snapshot, current: charts.Snapshot) -> str:
    """What changed in this module since the previous convening, item by item."""
    found = changes(module, previous[1], current[1])
    heading = f"<h2 class='kit-since'>Since {_esc(previous[0])}</h2>"
    if not found:
        return heading + "<p class='kit-meta'>No answer in this module changed.</p>"
    rows = "".join(
        f"<tr><th scope='row'>{_esc(item.short or item.prompt)}</th><td>{_esc(was)}</td><td>{_esc(now)}</td></tr>"
        for item, was, now in found)
    return (heading + f"<table class='kit-answer-table kit-changes'><thead><tr><th scope='col'>Question</th>"
            f"<th scope='col'>{_esc(previous[0])}</th><th scope='col'>{_esc(current[0])}</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def render_trends(module: Module, history: charts.History) -> str:
    """The module's trend charts across convenings (bokeh components)."""
    if not module.trends or len(history) < 2:
        return ""
    from bokeh.embed import components

    from kit import charts

    script, divs = components([charts.build_trend(t, module, history)[0] for t in module.trends])
    texts = [charts.describe_trend(t, module, history) for t in module.trends]
    return "<div class='kit-charts kit-trends'>" + "".join(map(chart_frame, divs, texts)) + "</div>" + script

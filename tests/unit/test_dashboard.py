"""The cohort dashboard reads the right figures, escapes names and redraws only when something was saved."""

from __future__ import annotations

import math
import re

import pytest

from kit.charts import PALETTE, series_style
from kit.dashboard import Dashboard, completion_html, dimension_data, heatmap_data, path_data, read, stage_html
from kit.districts import load_cohort
from kit.paths import sample_cohort_dir
from kit.sample_answers import load_answers
from kit.store import Store


@pytest.fixture
def store(store_url: str):
    s = Store(store_url)
    load_answers(sample_cohort_dir() / "_sample_answers.yaml", s)
    yield s
    s.close()


@pytest.fixture
def districts():
    return load_cohort(sample_cohort_dir())[0]


def labels(store):
    return {c.key: c.label() for c in store.convenings("sample_districts")}


def test_figures_match_the_answers(store, districts):
    snap = read(store, districts, "3", labels(store))
    dims = dimension_data(snap)
    copper = dims["district"].index("Copper Mine")
    assert [dims[d][copper] for d in ("depth", "ownership", "spread", "sustainability")] == [2, 2, 1, 2]
    heat = heatmap_data(read(store, districts, "1", labels(store)))  # the Fundamentals are rated at convening 1
    cells = {(d, f): v for d, f, v in zip(heat["district"], heat["fundamental"], heat["value"], strict=True)}
    assert cells[("Center City", "Monitoring")] == 3  # only monitoring_1 is rated, at 3
    path = path_data(snap)
    assert path["x"][0].startswith("convening 1") and path[f"s{[d.id for d in districts].index('center-city')}"] \
        == [1.0, 1.0, 2.0]
    html = completion_html(snap)
    assert "data-district='copper-mine'" in html and "<td class='kit-done-2' data-module='02_scale'>56%" in html
    assert "Stage 2: Willing colleagues" in stage_html(snap) and "Stage 5" not in stage_html(snap)


def test_an_empty_convening_reads_as_nothing_answered(store, districts):
    snap = read(store, districts, "9", labels(store))
    assert all(math.isnan(v) for v in dimension_data(snap)["depth"])
    assert "0%" in completion_html(snap) and "56%" not in completion_html(snap)


def test_names_are_text(store, districts):
    hostile = districts[0].model_copy(update={"name": "<img src=x onerror=alert(1)> & Co"})
    html = completion_html(read(store, [hostile], "3", labels(store)))
    assert "<img" not in html and "&lt;img src=x" in html


def test_it_redraws_only_after_a_save(store, districts):
    board = Dashboard(store, districts, "3", labels(store), refresh=1)
    board.fingerprint = store.count()
    board.tick()
    assert board.updates == 1  # nothing saved: no redraw
    store.save("windy-city", "3", "02_scale", "failure_mode_signs", "new")
    board.tick()
    assert board.updates == 2
    board.picker.value = "windy-city"
    assert "Windy City: answers" in board.answers.value and "new" in board.answers.value


def test_the_completion_shading_has_a_legend_for_every_shade(store, districts):
    html = completion_html(read(store, districts, "3", labels(store)))
    legend = html[html.index("<p class='kit-legend'>"):]
    shades = {int(n) for n in re.findall(r"kit-done-(\d)", html[:html.index("<p class='kit-legend'>")])}
    assert shades and shades <= {int(n) for n in re.findall(r"kit-swatch kit-done-(\d)", legend)}
    assert [re.sub(r"<[^>]+>", "", s) for s in re.findall(r"<span class='kit-swatch[^>]*>[^<]*</span>", legend)] \
        == ["0–24%", "25–49%", "50–74%", "75–99%", "100%"]


def test_path_lines_never_hide_one_another():
    """Six districts at the same stage: every line has its own colour, dash, marker and offset, within a
    quarter of a stage of the true value; no pale yellow in the palette."""
    styles = [series_style(n, 6) for n in range(6)]
    for key in ("color", "dash", "marker", "offset"):
        assert len({str(s[key]) for s in styles}) == 6, key
    assert max(abs(s["offset"]) for s in styles) <= 0.25
    assert min(b["offset"] - a["offset"] for a, b in zip(styles, styles[1:], strict=False)) >= 0.08
    assert "#F0E442" not in PALETTE and series_style(0, 1)["offset"] == 0


def test_the_path_chart_draws_a_dodged_dashed_line_per_district(store, districts):
    board = Dashboard(store, districts, "3", labels(store), refresh=1)
    fig = board._path_figure()
    lines = [r.glyph for r in fig.renderers if type(r.glyph).__name__ == "Line"]
    assert len(lines) == len(districts)
    assert len({str(line.line_dash) for line in lines}) == len(districts)
    offsets = {line.y.transform.value for line in lines if hasattr(line.y, "transform")}
    assert len(offsets) == len(districts)
    assert board.path_source.data["x"][0] == "convening 1\n17 Sep 2026"


def test_each_chart_has_a_text_equivalent_that_follows_the_answers(store, districts):
    board = Dashboard(store, districts, "3", labels(store), refresh=1)
    dims, fundamentals, path = (t.text for t in board.chart_texts)
    assert dims.startswith("Chart: ") and "Windy City: Depth " in dims
    assert "Copper Mine: " in fundamentals and "mean rating" in fundamentals
    assert "Copper Mine — convening 1, 17 Sep 2026: Stage 1: Team pilot;" in path
    store.save("windy-city", "3", "02_scale", "depth", {"level": 4, "evidence": ""})
    board.tick()
    assert "Windy City: Depth 4," in board.chart_texts[0].text and ".0," not in board.chart_texts[0].text

"""The kit's anywidgets: built without a class per widget, and still carrying their ES module."""

from __future__ import annotations

import hashlib
from importlib.resources import files

import pytest

from kit import widgets
from kit.widgets import (
    BokehChart,
    ChartText,
    CheckGroup,
    Countdown,
    KitWidget,
    Navigator,
    ProjectorSwitch,
    RadioGroup,
    Ranking,
    Table,
    TextBox,
    _script,
)

ALL = [TextBox, RadioGroup, CheckGroup, Ranking, ChartText, Navigator, Countdown, Table, ProjectorSwitch]


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_a_new_widget_is_of_its_own_class_not_a_new_one(cls):
    """anywidget's own __init__ adds traits to each widget, which makes a class per widget (slow)."""
    first, second = cls(), cls()
    assert type(first) is cls and type(second) is cls


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_its_state_carries_its_module_and_its_id(cls, monkeypatch):
    monkeypatch.delenv("KIT_TEMPLATE", raising=False)
    state = cls().get_state()
    assert state["_esm"] == _script(cls._module) and "export default" in state["_esm"]
    assert state["_anywidget_id"] == f"kit.widgets.{cls.__name__}"


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_under_kit_serve_a_widget_carries_the_address_of_its_module_not_its_text(cls, monkeypatch, tmp_path):
    """The template serves the file (`?v=` its hash, so a browser keeps it and an update is fetched)."""
    from kit.serve import install_template

    monkeypatch.setenv("KIT_TEMPLATE", "1")
    loader = cls().get_state()["_esm"]
    text = _script(cls._module)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    assert f"voila/templates/kit/static/{cls._module}?v={digest}" in loader and len(loader) < 400
    served = install_template(tmp_path) / "voila" / "templates" / "kit" / "static" / cls._module
    assert served.read_text() == text


def test_every_anywidget_of_the_kit_is_a_kit_widget():
    import anywidget

    found = [v for v in vars(widgets).values()
             if isinstance(v, type) and issubclass(v, anywidget.AnyWidget)
             and v not in (KitWidget, widgets.DraftWidget, widgets.ChoiceWidget)]
    assert sorted(c.__name__ for c in found) == sorted(c.__name__ for c in [*ALL, BokehChart])
    assert all(issubclass(c, KitWidget) for c in found)


ANSWERS = [(TextBox, "blur", ""), (RadioGroup, "resend", None), (CheckGroup, "resend", None),
           (Ranking, "resend", None), (Table, "rows", None)]


@pytest.mark.parametrize(("cls", "event", "blank"), ANSWERS, ids=lambda x: getattr(x, "__name__", repr(x)))
def test_an_answers_widget_syncs_the_draft_traits_and_hears_only_its_own_event(cls, event, blank):
    """The traits and the message handler are DraftWidget's, declared once (`saved` typed per class)."""
    widget = cls()
    state = widget.get_state()
    assert {name: state[name] for name in ("draft_key", "saved", "status", "state")} == {
        "draft_key": "", "saved": blank, "status": "", "state": ""}
    widget.confirm(widget.value)
    assert widget.saved == widget.value and widget.get_state()["saved"] == widget.value
    heard: list[int] = []
    (widget.on_leave if cls is TextBox else widget.on_resend)(lambda: heard.append(1))
    for other in ("blur", "resend", "rows", None):
        if other != event:
            widget._message(widget, {"event": other, "rows": []}, [])
    widget._message(widget, [event], [])  # not a dict
    assert heard == []
    widget._message(widget, {"event": event, "rows": []}, [])
    assert heard == [1]


def line_chart():
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    source = ColumnDataSource({"x": ["convening 1", "convening 2"], "y": [2.0, 3.0]})
    fig = figure(x_range=["convening 1", "convening 2"])
    fig.line(x="x", y="y", source=source)
    return fig, source


def test_a_chart_carries_its_figure_as_json_and_sends_each_change_of_its_data(monkeypatch):
    import json

    monkeypatch.delenv("KIT_TEMPLATE", raising=False)
    fig, source = line_chart()
    chart = BokehChart(fig)
    item = json.loads(chart.item)
    assert item["root_id"] == fig.id and source.id in chart.item
    assert chart.bokeh_path == ""  # outside kit serve the page's own BokehJS (kit.notebook) is used
    assert chart.columns == {}
    source.data = {"x": ["convening 1", "convening 2"], "y": [4.0, float("nan")]}  # a gap in the line
    assert chart.columns == {source.id: {"x": ["convening 1", "convening 2"], "y": [4.0, None]}}
    json.dumps(chart.get_state()["columns"], allow_nan=False)  # JSON as the browser reads it: no NaN


def test_under_kit_serve_a_chart_fetches_the_templates_bokehjs(monkeypatch, tmp_path):
    import bokeh

    from kit.serve import install_template

    monkeypatch.setenv("KIT_TEMPLATE", "1")
    path = BokehChart(line_chart()[0]).bokeh_path
    assert path == f"voila/templates/kit/static/bokeh-{bokeh.__version__}.min.js?v={bokeh.__version__}"
    served = install_template(tmp_path) / path.split("?")[0]  # the template's root is a JUPYTER_PATH entry
    assert served.stat().st_size > 500_000 and "Bokeh" in served.read_text()[:5000]


SHARED = ["textbox.js", "table.js", "radiogroup.js", "checkgroup.js", "ranking.js"]


@pytest.mark.parametrize("name", SHARED)
def test_a_widgets_module_includes_the_shared_answer_module_in_place_of_its_import(name):
    """Sent inline a module cannot import "./answer.js": `_script` puts its text in (once, scoped)."""
    raw = (files("kit") / "static" / name).read_text()
    text = _script(name)
    assert 'from "./answer.js";' in raw and 'from "./' not in text
    assert text.count("// ---- answer.js, included by kit.widgets._script ----") == 1
    assert "export default" in text and "\nexport const" not in text and "\nexport function" not in text


@pytest.mark.parametrize("name", SHARED)
def test_the_resolved_module_is_valid_javascript(name, tmp_path):
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("no node to parse the module with")
    path = tmp_path / f"{name}.mjs"
    path.write_text(_script(name))
    subprocess.run([node, "--check", str(path)], check=True, capture_output=True)


def test_an_include_binds_the_names_imported_and_their_aliases(monkeypatch):
    texts = {
        "shared.js": "const hidden = 1;\nexport const one = hidden;\nexport function two() { return 2; }\n",
        "user.js": 'import { one, two as second } from "./shared.js";\nexport default { one, second };\n',
        "wrong.js": 'import { three } from "./shared.js";\n',
        "loop.js": 'import { x } from "./loop.js";\n',
    }
    monkeypatch.setattr(widgets, "_raw", texts.__getitem__)
    text = widgets._script("user.js")
    assert "const { one, two: second } = (() => {" in text and "return { one, two };" in text
    assert "const hidden = 1;" in text and "export const" not in text
    with pytest.raises(ValueError, match="imports three from shared.js, which does not export it"):
        widgets._script("wrong.js")
    with pytest.raises(ValueError, match="imports itself"):
        widgets._script("loop.js")

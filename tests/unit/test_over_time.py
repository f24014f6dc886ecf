"""Across convenings: convenings as records, answers carried forward, history and restore, trends."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import create_engine, text

from kit.charts import trend_data
from kit.content import get_module
from kit.districts import find_district
from kit.paths import sample_cohort_dir
from kit.report import changes, render_module
from kit.store import SCHEMA_VERSION, Store
from kit.worksheets import Worksheet, history_html

D = "copper-mine"




@pytest.fixture
def scale():
    return get_module("02_scale")


def test_convenings_are_numbered_dated_and_listed(store):
    first = store.add_convening("cohort-a", when=dt.date(2026, 9, 17), title="Kick-off")
    second = store.add_convening("cohort-a", when=dt.date(2027, 1, 14))
    store.add_convening("cohort-b", when=dt.date(2027, 2, 1))
    assert (first.number, second.number) == (1, 2)
    assert [c.number for c in store.convenings("cohort-a")] == [1, 2]
    assert store.current_convening("cohort-a") == "2"
    assert store.current_convening("no-such-cohort") == "1"
    assert second.label() == "convening 2, 14 Jan 2027"
    store.add_convening("cohort-a", 1, dt.date(2026, 9, 18), "Moved a day")  # an existing number is updated
    assert store.convening("cohort-a", "1").title == "Moved a day"
    assert len(store.convenings("cohort-a")) == 2


def test_earlier_takes_the_most_recent_earlier_convening_only(store):
    store.save(D, "1", "02_scale", "stage", "stage_3")
    store.save(D, "2", "02_scale", "stage", "stage_4")
    store.save(D, "4", "02_scale", "stage", "stage_5")  # later than 3: never offered at 3
    store.save(D, "1", "02_scale", "spread", {"level": 2})
    earlier = store.earlier(D, "3", "02_scale")
    assert earlier["stage"].value == "stage_4" and earlier["stage"].convening == "2"
    assert earlier["spread"].convening == "1"
    assert store.earlier(D, "1", "02_scale") == {}


def test_a_version_1_database_is_migrated_and_keeps_its_answers(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:  # the schema as version 1 of the kit created it
        conn.execute(text("CREATE TABLE schema_info (version INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO schema_info VALUES (1)"))
        conn.execute(text(
            "CREATE TABLE responses (id INTEGER PRIMARY KEY, district VARCHAR(64) NOT NULL, convening VARCHAR(64)"
            " NOT NULL, module VARCHAR(64) NOT NULL, item VARCHAR(64) NOT NULL, version INTEGER NOT NULL, value TEXT"
            " NOT NULL, status VARCHAR(16) NOT NULL, based_on INTEGER, saved_at VARCHAR(32) NOT NULL, client"
            " VARCHAR(64) NOT NULL)"))
        conn.execute(text("INSERT INTO responses VALUES (1, 'copper-mine', '1', '02_scale', 'stage', 1,"
                          " '\"stage_3\"', 'saved', NULL, '2026-09-17T12:00:00+00:00', 'old')"))
    engine.dispose()
    store = Store(url)
    assert store.latest(D, "1", "02_scale")["stage"].value == "stage_3"
    assert store.save(D, "1", "02_scale", "stage", "stage_4", author="Ana", based_on=1).author == "Ana"
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_info")).scalar() == SCHEMA_VERSION
    store.close()


def test_a_new_convening_offers_earlier_answers_and_copies_nothing(store, scale):
    store.save(D, "1", "02_scale", "stage", "stage_3", author="Ana")
    store.save(D, "1", "02_scale", "depth", {"level": 2, "evidence": "team classrooms"})
    before = store.count()
    sheet = Worksheet(scale, D, "2", store, labels={"1": "convening 1, 17 Sep 2026"})
    stage = sheet.fields["stage"]
    assert stage.input.get() == "stage_3"  # shown as the starting point…
    assert stage.carried is not None and "From convening 1, 17 Sep 2026" in stage.status.value
    assert "2 answers from convening 1, 17 Sep 2026" in sheet.carry_box.children[0].value
    assert store.count() == before and store.latest(D, "2", "02_scale") == {}  # …but nothing is saved


def test_keeping_earlier_answers_saves_them_for_the_new_convening_only(store, scale):
    store.save(D, "1", "02_scale", "stage", "stage_3")
    store.save(D, "1", "02_scale", "depth", {"level": 2, "evidence": ""})
    sheet = Worksheet(scale, D, "2", store)
    sheet.fields["stage"].input.watched[0].value = "stage_4"  # the team edits one…
    assert sheet.keep_earlier() == 1  # …and keeps the other as it was
    now = store.latest(D, "2", "02_scale")
    assert now["stage"].value == "stage_4" and now["depth"].value == {"level": 2, "evidence": ""}
    assert store.latest(D, "1", "02_scale")["stage"].value == "stage_3"  # the earlier convening is untouched
    assert [h.version for h in store.history(D, "1", "02_scale", "stage")] == [1]
    assert not sheet.carried()


def test_starting_blank_clears_the_page_and_saves_nothing(store, scale):
    store.save(D, "1", "02_scale", "stage", "stage_3")
    sheet = Worksheet(scale, D, "2", store)
    sheet.clear_earlier()
    assert sheet.fields["stage"].input.get() is None
    assert store.latest(D, "2", "02_scale") == {}
    again = Worksheet(scale, D, "2", store)  # a reload, or another device: the choice is remembered
    assert again.fields["stage"].carried is None and again.fields["stage"].input.get() is None
    assert not again.carried() and again.carry_box.children == ()
    assert store.latest(D, "1", "02_scale")["stage"].value == "stage_3"  # the earlier convening keeps it
    assert Worksheet(scale, D, "3", store).fields["stage"].carried is not None  # the next convening is offered it


def test_start_blank_on_one_device_clears_another_when_it_shows_the_module_again(store, scale):
    store.save(D, "1", "02_scale", "stage", "stage_3")
    laptop, tablet = Worksheet(scale, D, "2", store), Worksheet(scale, D, "2", store)
    tablet.clear_earlier()
    assert laptop.fields["stage"].carried is not None
    laptop.refresh()
    assert laptop.fields["stage"].carried is None and laptop.fields["stage"].input.get() is None
    assert "cleared" in laptop.carry_box.children[0].value


def test_the_chart_shows_the_carried_ratings_the_buttons_show_and_says_so(store, scale):
    store.save(D, "1", "02_scale", "depth", {"level": 2, "evidence": ""})
    sheet = Worksheet(scale, D, "2", store, labels={"1": "convening 1, 17 Sep 2026"})
    sheet.live_charts()
    _spec, source = sheet.charts[0]
    at = source.data["label"].index("Depth")
    assert sheet.fields["depth"].input.get()["level"] == 2
    assert source.data["value"][at] == 2 and source.data["text"][at] == "2 ↺"
    text = sheet.chart_texts[0][1].text
    assert "Depth 2 ↺" in text and "shown from convening 1, 17 Sep 2026, not saved" in text
    assert "Ownership not rated" in text
    trends = {spec.id: t.text for spec, t in sheet.chart_texts[1:]}  # the trends, each line by convening
    assert any("Depth — convening 1, 17 Sep 2026: 2; convening 2: no answer." in t for t in trends.values()), trends
    sheet.keep_earlier()
    assert source.data["text"][at] == "2"  # saved for this convening now: no mark
    assert "↺" not in sheet.chart_texts[0][1].text


def test_starting_blank_empties_the_chart_too(store, scale):
    store.save(D, "1", "02_scale", "depth", {"level": 2, "evidence": ""})
    sheet = Worksheet(scale, D, "2", store)
    sheet.live_charts()
    _spec, source = sheet.charts[0]
    sheet.clear_earlier()
    assert source.data["text"][source.data["label"].index("Depth")] == "not rated"


def test_restoring_an_old_version_makes_a_new_one(store, scale):
    store.save(D, "1", "02_scale", "stage", "stage_2", author="Ana", client="Chrome on Windows · 1a2b3c")
    store.save(D, "1", "02_scale", "stage", "stage_3", author="Ben")
    sheet = Worksheet(scale, D, "1", store)
    sheet.open_history()
    panel = sheet.history_panel
    panel["pick"].value = "stage"
    assert "Ana" in panel["table"].value and "Chrome on Windows" in panel["table"].value
    panel["version"].value = 1
    panel["restore"].click()
    versions = store.history(D, "1", "02_scale", "stage")
    assert [(a.version, a.value) for a in versions] == [(1, "stage_2"), (2, "stage_3"), (3, "stage_2")]
    assert sheet.fields["stage"].input.get() == "stage_2"
    assert "<tr><td>3</td>" in panel["table"].value  # the restored version is listed


def test_history_shows_names_as_text():
    from kit.store import Answer

    item = get_module("02_scale").item("next_stage_evidence")
    when = dt.datetime(2027, 1, 14, 10, 5, tzinfo=dt.UTC)
    html = history_html(item, [Answer("<img src=x onerror=alert(1)>", 1, when, "<b>dev</b>", author="<i>Zoë</i>")],
                        lambda t: f"{t:%H:%M}")
    assert "<img" not in html and "&lt;img" in html and "&lt;i&gt;Zoë" in html and "<b>dev" not in html


def test_trend_series_follow_the_answers(store, scale):
    store.save(D, "1", "02_scale", "stage", "stage_3")
    store.save(D, "1", "02_scale", "depth", {"level": 2})
    store.save(D, "2", "02_scale", "stage", "stage_4")
    store.save(D, "2", "02_scale", "depth", {"level": 3})
    store.save(D, "2", "02_scale", "spread", {"level": 4})
    history = [(f"c{k}", answers) for k, answers in store.over_time(D, "02_scale")]
    path, dims = scale.trends
    stage = trend_data(path, scale, history)
    assert stage["x"] == ["c1", "c2"] and stage["s0"] == [3.0, 4.0]
    ratings = trend_data(dims, scale, history)
    assert ratings["s0"] == [2, 3]  # depth
    assert math.isnan(ratings["s2"][0]) and ratings["s2"][1] == 4  # spread: unrated at convening 1


def test_fundamentals_trend_is_the_mean_of_each_section(store):
    module = get_module("03_fundamentals")
    store.save(D, "1", module.id, "expectations_1", {"level": 2})
    store.save(D, "1", module.id, "expectations_2", {"level": 4})
    store.save(D, "2", module.id, "expectations_1", {"level": 4})
    history = [(k, a) for k, a in store.over_time(D, module.id)]
    data = trend_data(module.trends[0], module, history)
    assert data["s0"] == [3.0, 4.0]
    assert all(math.isnan(v) for v in data["s1"])


def test_the_report_says_what_changed_since_the_last_convening(store, scale):
    store.save(D, "1", "02_scale", "stage", "stage_3")
    store.save(D, "1", "02_scale", "depth", {"level": 2, "evidence": "few"})
    store.save(D, "2", "02_scale", "stage", "stage_4")
    store.save(D, "2", "02_scale", "depth", {"level": 2, "evidence": "few"})
    history = [(f"convening {k}", a) for k, a in store.over_time(D, "02_scale")]
    found = {item.id: (was, now) for item, was, now in changes(scale, history[0][1], history[1][1])}
    assert found == {"stage": ("Stage 3: Systematic spread in participating schools", "Stage 4: Across silos")}
    html = render_module(scale, find_district(sample_cohort_dir(), D), "2", history[1][1], history=history)
    assert "Since convening 1" in html and "Stage 4: Across silos" in html
    assert html.count("class=\"bk-root\"") + html.count("data-root-id") >= 3  # the chart and both trends


def test_the_sample_history_is_dated_and_moves(tmp_path):
    from kit.sample_answers import load_answers

    store = Store(f"sqlite:///{tmp_path / 'kit.db'}")
    load_answers(sample_cohort_dir() / "_sample_answers.yaml", store)
    stages = [a["stage"].value for _, a in store.over_time("copper-mine", "02_scale")]
    assert stages == ["stage_1", "stage_1", "stage_1"]  # year 1 is Copper Mine's pilot year (000)
    windy = [a["spread"].value["level"] for _, a in store.over_time("windy-city", "02_scale")]
    assert windy == [1, 1, 2]  # colleagues at the two team schools begin by spring
    first = store.latest("copper-mine", "1", "02_scale")["stage"]
    assert first.saved_at.date() == dt.date(2026, 9, 17)
    store.close()


def test_a_trend_on_the_wrong_kind_of_item_is_reported_at_its_line(tmp_path):
    from kit.content import load_module
    from kit.errors import InvalidFile
    from kit.paths import modules_dir

    text = (modules_dir() / "02_scale.yaml").read_text(encoding="utf-8")
    path = tmp_path / "02_scale.yaml"
    path.write_text(text.replace("    items: [stage]", "    items: [depth]"), encoding="utf-8")
    with pytest.raises(InvalidFile, match=r"02_scale.yaml:\d+: trends\[0\]\.items\[0\]: item 'depth' is not a choice"):
        load_module(path)

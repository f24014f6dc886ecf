"""The injection sweep: hostile strings as answers in every free-text field and as district, school and team names.

They must stay inert text in the report HTML, the dashboard and the exports. Worksheets, and packets
opened offline, are swept in chromium in tests/browser/test_injection_browser.py.
"""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from kit.content import all_modules
from kit.dashboard import completion_html, district_answers_html, flags_html, read, stage_html
from kit.districts import load_cohort
from kit.export import export
from kit.report import render_module
from kit.store import Store
from kit.validation import validate
from tests.injection import NAMES, answer_texts, hostile_answers, hostile_cohort, shown_as_text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    cohort = tmp / "cohort"
    ids = hostile_cohort(cohort, count=3)
    url = f"sqlite:///{tmp / 'kit.db'}"
    store = Store(url)
    assert hostile_answers(store, ids) > 100
    store.close()
    return cohort, url, ids, tmp


def test_the_hostile_cohort_is_valid_and_keeps_its_names(hostile):
    cohort, _url, ids, _tmp = hostile
    assert validate([cohort]).ok
    districts, problems = load_cohort(cohort)
    assert not problems and [d.name for d in districts] == NAMES[: len(ids)]


def test_reports_and_the_dashboard_show_hostile_text_as_text(hostile):
    cohort, url, ids, _tmp = hostile
    store = Store(url)
    districts = load_cohort(cohort)[0]
    for district in districts:
        for module in all_modules():
            shown_as_text(render_module(module, district, "1", store.latest(district.id, "1", module.id)),
                          [district.name, *answer_texts(store, district.id, module.id)])
        firsts = [t for module in all_modules() for t in answer_texts(store, district.id, module.id, first=True)]
        shown_as_text(district_answers_html(store, district, "1"), [district.name, *firsts])  # one line an answer
    snap = read(store, districts, "1", {})
    for html in (completion_html(snap), stage_html(snap), flags_html(snap)):
        shown_as_text(html, [d.name for d in districts])
    store.close()


def test_exports_hold_every_hostile_string_as_text_never_a_formula(hostile):
    cohort, url, _ids, tmp = hostile
    export(cohort, tmp / "answers.xlsx", "xlsx", db=url)
    export(cohort, tmp / "answers.csv", "csv", db=url)
    cells = [c for ws in load_workbook(tmp / "answers.xlsx").worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert any("=HYPERLINK" in t for t in texts) and any("<script>alert" in t for t in texts)  # kept, as text
    with (tmp / "answers.csv").open(encoding="utf-8-sig") as handle:
        values = [v for row in csv.reader(handle) for v in row]
    assert values and not any(v[:1] in ("=", "+", "-", "@", "\t", "\r") for v in values)

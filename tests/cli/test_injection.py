"""The injection sweep: hostile strings as answers in every free-text field and as district, school and team names.

They must stay inert text in the report HTML, the dashboard, the packets (opened in chromium,
offline) and the exports. Worksheets are swept in tests/browser/test_injection_browser.py.
"""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from kit.content import all_modules
from kit.dashboard import completion_html, district_answers_html, flags_html, read, stage_html
from kit.districts import load_cohort
from kit.export import export
from kit.packets import build_packets
from kit.report import render_module
from kit.store import Store
from kit.validation import validate
from tests.injection import HOSTILE, LIVE_MARKUP, NAMES, hostile_answers, hostile_cohort

pytestmark = pytest.mark.xdist_group("packets")


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


def inert(html: str) -> None:
    for marker in LIVE_MARKUP:
        assert marker not in html, marker


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
            inert(render_module(module, district, "1", store.latest(district.id, "1", module.id)))
        inert(district_answers_html(store, district, "1"))
    snap = read(store, districts, "1", {})
    for html in (completion_html(snap), stage_html(snap), flags_html(snap)):
        inert(html)
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


def test_packets_of_hostile_districts_run_no_script_offline(hostile, browser):
    cohort, url, ids, tmp = hostile
    result = build_packets(cohort, tmp / "packets", db=url, jobs=1)
    assert not result.failed, [o.error for o in result.failed]
    context = browser.new_context(offline=True)
    dialogs: list[str] = []
    for district in [*ids, None]:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        path = tmp / "packets" / (f"{district}/index.html" if district else "index.html")
        html = path.read_text(encoding="utf-8")
        inert(html)
        page.goto(path.resolve().as_uri())
        page.wait_for_timeout(200)
        injected = page.evaluate(
            "document.querySelectorAll('img[src=x], svg[onload], iframe, a[href^=javascript], [onmouseover]')"
            ".length")
        assert injected == 0, district
        if district:
            assert page.locator("header h1").inner_text() == NAMES[ids.index(district)]
        page.close()
    context.close()
    assert dialogs == []
    assert len(HOSTILE) >= 15

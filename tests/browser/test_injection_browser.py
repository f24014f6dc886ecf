"""The injection sweep in chromium: hostile names and answers in the worksheets, the cohort page, the dashboard
and the packets (opened offline)."""

from __future__ import annotations

import pytest

from kit.content import TextItem, all_modules
from kit.packets import build_packets
from kit.store import Store
from tests.browser.conftest import SHOWN, running_server, shown, team_tokens
from tests.injection import HOSTILE, NAMES, answer_texts, hostile_answers, hostile_cohort, shown_as_text

pytestmark = pytest.mark.browser

INJECTED = "document.querySelectorAll('.kit-page img[src=x], .kit-page svg[onload], .kit-page iframe, " \
           "a[href^=javascript], [onmouseover]').length"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-serve")
    cohort, data = tmp / "hostile", tmp / "data"
    data.mkdir()
    ids = hostile_cohort(cohort, count=2)
    store = Store(f"sqlite:///{data / 'kit.db'}")
    hostile_answers(store, ids)
    store.close()
    with running_server(cohort, data) as base:
        yield base, ids, team_tokens(data, cohort)


def watch(page, dialogs: list[str]):
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page


def test_every_worksheet_shows_hostile_names_and_answers_as_text(hostile_server, browser):
    base, ids, tokens = hostile_server
    context = browser.new_context()
    dialogs: list[str] = []
    for module in all_modules():
        page = watch(context.new_page(), dialogs)
        page.goto(f"{base}/voila/render/{module.id}.ipynb?district={ids[0]}&convening=1&token={tokens[ids[0]]}",
                  timeout=120_000)
        page.wait_for_selector(".kit-page .kit-item", timeout=120_000)
        assert NAMES[0] in page.locator(".kit-meta").first.inner_text(), module.id
        assert page.evaluate(INJECTED) == 0, module.id
        texts = [i for i in module.items() if isinstance(i, TextItem)]
        if texts:
            shown = page.locator(f".kit-item-{texts[0].id} textarea").input_value()
            assert shown in HOSTILE, module.id  # the hostile answer is in the box, as typed
        page.close()
    assert dialogs == []
    context.close()


def test_typed_hostile_text_stays_text_after_a_reload(hostile_server, browser):
    base, ids, tokens = hostile_server
    context = browser.new_context()
    dialogs: list[str] = []
    page = watch(context.new_page(), dialogs)
    url = f"{base}/voila/render/09_reflection.ipynb?district={ids[1]}&convening=2&token={tokens[ids[1]]}"
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".kit-keep-earlier", timeout=120_000)
    boxes = shown(page).locator(".kit-type-text textarea")
    # each differs from the answers carried from convening 1 (the same strings), so each one saves
    typed = [f"{s} (again)" for s in HOSTILE if "\x00" not in s and len(s) < 300][: boxes.count()]
    for n, text in enumerate(typed):
        boxes.nth(n).fill(text)
    page.wait_for_function(
        f"document.querySelectorAll('{SHOWN} .kit-type-text .kit-status-ok').length >= {len(typed)}", timeout=30_000)
    page.reload()
    page.wait_for_selector(".kit-type-text textarea", timeout=120_000)
    assert [shown(page).locator(".kit-type-text textarea").nth(n).input_value() for n in range(len(typed))] == typed
    shown(page).locator(".kit-history-open").click()
    page.wait_for_selector(".kit-history", timeout=20_000)
    assert page.evaluate(INJECTED) == 0
    assert dialogs == []
    context.close()


def test_cohort_page_and_dashboard_show_hostile_names_as_text(hostile_server, browser):
    base, ids, tokens = hostile_server
    context = browser.new_context()
    dialogs: list[str] = []
    for name in ("home", "pm_dashboard"):
        page = watch(context.new_page(), dialogs)
        page.goto(f"{base}/voila/render/{name}.ipynb?convening=1&token={tokens['']}", timeout=120_000)
        page.wait_for_selector(".kit-home, .kit-dashboard", timeout=120_000)
        page.wait_for_function(f"document.body.innerText.includes({NAMES[1]!r})", timeout=30_000)
        assert page.evaluate(INJECTED) == 0, name
        if name == "pm_dashboard":
            page.locator(".kit-dashboard select").select_option(index=0)
            page.wait_for_function("document.body.innerText.includes(': answers')", timeout=20_000)
            assert page.evaluate(INJECTED) == 0
        page.close()
    assert dialogs == []
    context.close()


def test_packets_of_hostile_districts_run_no_script_offline(tmp_path, browser):
    cohort, url = tmp_path / "cohort", f"sqlite:///{tmp_path / 'kit.db'}"
    ids = hostile_cohort(cohort, count=3)
    store = Store(url)
    assert hostile_answers(store, ids) > 100
    answers = {d: [t for m in all_modules() for t in answer_texts(store, d, m.id)] for d in ids}
    store.close()
    result = build_packets(cohort, tmp_path / "packets", db=url, jobs=1)
    assert not result.failed, [o.error for o in result.failed]
    context = browser.new_context(offline=True)
    dialogs: list[str] = []
    for district in [*ids, None]:
        page = watch(context.new_page(), dialogs)
        path = tmp_path / "packets" / (f"{district}/index.html" if district else "index.html")
        html = path.read_text(encoding="utf-8")
        shown_as_text(html, [NAMES[ids.index(district)], *answers[district]] if district else NAMES[: len(ids)])
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

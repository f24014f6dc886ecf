"""A team's workspace in chromium: modules switch inside one page (one kernel), the address follows,
typing survives a switch and a reload, the back and forward buttons move between modules."""

from __future__ import annotations

import re

import pytest

from kit.content import TextItem, get_module
from tests.browser.conftest import TOKENS, kernel_id, running_server, team_tokens
from tests.conftest import ROOT, http_get

pytestmark = pytest.mark.browser


def team_url(base: str, district: str, module: str = "", via_module_page: bool = False) -> str:
    token = TOKENS[district]
    if via_module_page:  # an old per-module link
        return f"{base}/voila/render/{module}.ipynb?district={district}&token={token}"
    return f"{base}/voila/render/workspace.ipynb?district={district}&module={module}&token={token}"


def showing(page, module: str, timeout: float = 60_000) -> None:
    page.wait_for_selector(f"h1[data-kit-module='{module}']", state="visible", timeout=timeout)
    page.wait_for_function(f"new URL(location.href).searchParams.get('module') === '{module}'", timeout=timeout)


def text_box(page, module: str):
    item = next(i.id for i in get_module(module).items() if isinstance(i, TextItem))
    return item, page.locator(f".kit-module-body:not(.kit-hidden) .kit-item-{item} textarea")


def go(page, module: str) -> None:
    page.locator(f".kit-sequence a[data-kit-module='{module}']").click()
    showing(page, module)


def test_modules_switch_in_one_kernel_and_typing_survives(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(team_url(server, "center-city", "04_system_inventory", via_module_page=True), timeout=120_000)
    showing(page, "04_system_inventory", 120_000)
    assert "/workspace.ipynb?" in page.url  # the old link opened the workspace at its module
    kernel = kernel_id(page)
    item, box = text_box(page, "04_system_inventory")
    box.fill("Our walkthrough tool, used twice a year")
    go(page, "05_prioritization")  # straight away: the typing is saved before the switch
    assert page.title().startswith("05 ")
    assert page.locator("h1[data-kit-module='04_system_inventory']").is_hidden()
    go(page, "04_system_inventory")
    assert box.input_value() == "Our walkthrough tool, used twice a year"
    assert kernel_id(page) == kernel  # no page was loaded: the same kernel all along
    assert page.evaluate("document.activeElement.matches(\"h1[data-kit-module='04_system_inventory']\")")
    page.reload()  # what the page shows after a reload comes from the store
    showing(page, "04_system_inventory", 120_000)
    assert text_box(page, "04_system_inventory")[1].input_value() == "Our walkthrough tool, used twice a year"
    context.close()


def test_the_address_follows_reload_back_and_forward(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(team_url(server, "copper-mine", "01_approach"), timeout=120_000)
    showing(page, "01_approach", 120_000)
    go(page, "02_scale")
    go(page, "03_fundamentals")
    page.reload()
    showing(page, "03_fundamentals", 120_000)  # a reload lands on the module it showed
    # After the reload each of these is a new page (its document and kernel), not a switch in this one:
    # as slow as a first open on a busy machine.
    page.go_back()
    showing(page, "02_scale", 120_000)
    page.go_back()
    showing(page, "01_approach", 120_000)
    page.go_forward()
    showing(page, "02_scale", 120_000)
    assert "aria-current=\"page\">02" in page.inner_html(".kit-sequence")
    context.close()


def test_your_name_is_asked_once_per_browser(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(team_url(server, "foothills-unified", "06_pilot"), timeout=120_000)
    showing(page, "06_pilot", 120_000)
    page.locator(".kit-author input").fill("Ana (coach)")
    go(page, "07_spread")
    assert page.locator(".kit-author input").input_value() == "Ana (coach)"  # the same box on every module
    page.reload()
    showing(page, "07_spread", 120_000)
    assert page.locator(".kit-author input").input_value() == "Ana (coach)"  # remembered by this browser
    context.close()


def test_leaving_a_text_box_tells_the_kernel(server, browser):
    context = browser.new_context()
    page = context.new_page()
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: frames.append(str(payload))))
    page.goto(team_url(server, "valley-view", "09_reflection"), timeout=120_000)
    showing(page, "09_reflection", 120_000)
    item, box = text_box(page, "09_reflection")
    box.fill("What we learned")
    box.press("Tab")  # leaves the box
    page.wait_for_selector(f".kit-module-body:not(.kit-hidden) .kit-item-{item} .kit-status-ok", timeout=20_000)
    assert any('"event":"blur"' in f.replace(" ", "") for f in frames)
    context.close()


def test_another_districts_workspace_is_not_opened_by_a_team_link(server, browser):
    context = browser.new_context()
    page = context.new_page()
    wrong = f"{server}/voila/render/workspace.ipynb?district=copper-mine&module=02_scale&token={TOKENS['windy-city']}"
    answer = page.goto(wrong, timeout=120_000)
    assert answer.status == 403 and "No access" in page.content()
    # A crafted move inside a team's own page changes the module, never the district.
    page.goto(team_url(server, "windy-city", "02_scale"), timeout=120_000)
    showing(page, "02_scale", 120_000)
    page.evaluate("""() => { history.pushState({}, '', location.href.replace('district=windy-city',
                    'district=copper-mine').replace('module=02_scale', 'module=03_fundamentals'));
                    dispatchEvent(new PopStateEvent('popstate')); }""")
    page.wait_for_selector("h1[data-kit-module='03_fundamentals']", state="visible", timeout=60_000)
    assert "Windy City" in page.inner_text(".kit-workspace .kit-meta")
    assert "Copper Mine" not in page.inner_text(".kit-workspace .kit-meta")
    context.close()


def test_a_page_that_cannot_reach_its_kernel_says_so(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.route_web_socket("**/api/kernels/**", lambda ws: None)  # the kernel never answers
    page.goto(team_url(server, "sequoia-grove", "00_team"), timeout=120_000)
    warning = page.wait_for_selector(".kit-slow", timeout=30_000)
    assert "taking longer" in warning.inner_text()
    assert page.locator(".kit-slow-reload").is_visible()
    # The kernel's output is in the page (only the drawing is left): it waits 90 s, not 30, before
    # trying again by itself, so a page a busy room is still drawing is not thrown away.
    seconds = int(re.search(r"by itself in (\d+) s", warning.inner_text())[1])
    assert 40 < seconds <= 80
    context.close()


def test_a_page_whose_output_never_came_tries_again_sooner(server, browser):
    """The page as a server that stopped half-way sends it (no kernel output): 30 s, not 90."""
    url = team_url(server, "sequoia-grove", "00_team")
    status, html = http_get(url)
    assert status == 200 and "window.voila_finish();" in html
    head = html.split("window.voila_finish();")[0].rsplit("<script", 1)[0]
    context = browser.new_context()
    page = context.new_page()
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=head))
    page.goto(url, timeout=120_000)
    warning = page.wait_for_selector(".kit-slow", timeout=30_000)
    assert int(re.search(r"by itself in (\d+) s", warning.inner_text())[1]) <= 20
    context.close()


def test_the_default_server_started_ten_times_opens_a_page_each_time(browser, tmp_path):
    """Ten starts of the default `kit serve` (a ready kernel per team): every time, a team page opens."""
    cohort = ROOT / "sample_districts"
    for start in range(10):
        data = tmp_path / f"start-{start}"
        data.mkdir()
        with running_server(cohort, data) as base:
            tokens = team_tokens(data)
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{base}/voila/render/workspace.ipynb?district=windy-city&token={tokens['windy-city']}",
                      timeout=120_000)
            showing(page, "00_team", 120_000)
            context.close()
        log = (data / "serve.log").read_text()
        # Only what happened while serving: a ready kernel still running its warm-up cell when
        # the server is stopped may print ipykernel's "Socket operation on non-socket" on its way out.
        serving = log.split("Handle signal")[0]
        assert "Traceback" not in serving, serving[-3000:]
        assert "restarting kernel" not in serving and "Timeout waiting" not in serving, serving[-3000:]

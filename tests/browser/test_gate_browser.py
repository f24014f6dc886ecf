"""The server decides who gets in, before any kernel starts (kit.server).

Each test tries what an attacker on the room's network would: no token, another team's token,
`?mode=report`, a kernel id lifted from a page's source, more pages than a link should hold.
"""

from __future__ import annotations

import concurrent.futures
import re
import time
import urllib.error
import urllib.request

import pytest

from kit.content import RatingItem, get_module
from tests.browser.conftest import ROOT, kernel_id, open_page, running_server, shown, team_tokens
from tests.browser.test_accessibility_browser import axe_problems
from tests.conftest import http_get

pytestmark = pytest.mark.browser

PER_LINK = 2  # a small limit, so that the test reaches it


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    data = tmp_path_factory.mktemp("kit-gate")
    with running_server(ROOT / "sample_districts", data, KIT_MAX_PAGES_PER_LINK=str(PER_LINK)) as base:
        yield base, team_tokens(data), data / "serve.log"


get = http_get


def kernels_started(log) -> int:
    return log.read_text().count("Kernel started")


def settled(log) -> int:
    """The kernels started so far, once the pool of ready kernels has stopped filling (it starts
    kernels of its own, one at a time, after the server starts and after pages take some)."""
    last, since, deadline = kernels_started(log), time.time(), time.time() + 180
    while time.time() < deadline:
        time.sleep(0.5)
        text = log.read_text()
        now = text.count("Kernel started")
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= 4 and text.rfind("is filled with") > text.rfind("Kernel started"):
            break
    return last


def page(base: str, notebook: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{base}/voila/render/{notebook}.ipynb?{query}"


def test_requests_without_a_valid_link_for_the_page_start_no_kernel(gated):
    base, tokens, log = gated
    before = settled(log)
    refused = [
        page(base, "03_fundamentals", district="windy-city", convening="1", mode="report"),  # the old bypass
        page(base, "03_fundamentals", district="windy-city", mode="report", token="not-a-real-token-at-all"),
        page(base, "03_fundamentals", district="copper-mine", token=tokens["windy-city"]),  # another team's
        page(base, "03_fundamentals", token=tokens["windy-city"]),  # the notebook's default district
        page(base, "home", token=tokens["windy-city"]),
        page(base, "pm_dashboard", token=tokens["windy-city"]),
        page(base, "guide", module="03_fundamentals"),
        f"{base}/voila/tree",
        f"{base}/voila/tree?token={tokens['copper-mine']}",
    ] * 3
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(get, refused))
    for url, (status, body) in zip(refused, answers, strict=True):
        assert status == 403, (url, status)
        assert "No access" in body and "Windy City" not in body and "Copper Mine" not in body, url
        assert "kernelId" not in body
    assert kernels_started(log) == before


def test_unknown_routes_answer_404_without_a_traceback(gated):
    base, _tokens, log = gated
    for path in ("/voila/templates/foo", "/voila/templates/kit/static/../../x", "/logout", "/no/such/page"):
        status, body = get(base + path)
        assert status == 404, path
        assert "Traceback" not in body
    assert "Traceback" not in log.read_text()


def test_a_kernel_id_without_its_link_opens_nothing(gated, browser):
    base, tokens, _log = gated
    team = browser.new_context()
    sheet = open_page(team, page(base, "03_fundamentals", district="windy-city", token=tokens["windy-city"]))
    kernel = kernel_id(sheet)
    assert sheet.evaluate(f"fetch('{base}/api/kernels/{kernel}').then(r => r.status)") == 200  # its own page may
    for method, route in [("GET", f"/api/kernels/{kernel}"), ("DELETE", f"/api/kernels/{kernel}"),
                          ("POST", f"/api/kernels/{kernel}/interrupt"), ("POST", f"/voila/api/shutdown/{kernel}")]:
        request = urllib.request.Request(base + route, method=method, data=b"" if method == "POST" else None)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == (404 if route.endswith("interrupt") else 403), route  # Voila has no interrupt
    # a stranger's browser, and a browser holding another team's link: no websocket to the kernel
    stranger = browser.new_context()
    other = open_page(stranger, page(base, "03_fundamentals", district="copper-mine", token=tokens["copper-mine"]))
    socket = f"ws://{base.removeprefix('http://')}/api/kernels/{kernel}/channels"
    opened = other.evaluate("""url => new Promise(done => { const ws = new WebSocket(url);
        ws.onopen = () => { done('open'); ws.close(); }; ws.onerror = () => done('refused'); })""", socket)
    assert opened == "refused"
    other.close()
    stranger.close()
    # and the team's own page still saves
    rating = next(i.id for i in get_module("03_fundamentals").items() if isinstance(i, RatingItem))
    sheet.locator(f".kit-item-{rating} button", has_text="3 ·").click()
    sheet.wait_for_selector(f".kit-item-{rating} .kit-status-ok", timeout=20_000)
    team.close()


def test_a_link_holds_at_most_its_limit_of_pages(gated, browser):
    base, tokens, _log = gated
    url = page(base, "09_reflection", district="sequoia-grove", token=tokens["sequoia-grove"])
    contexts = [browser.new_context() for _ in range(PER_LINK + 1)]
    pages = [open_page(context, url) for context in contexts[:PER_LINK]]
    status, body = get(url)
    assert status == 429 and "Too many open pages" in body and "Close" in body
    refused = contexts[PER_LINK].new_page()
    refused.goto(url)
    assert "tries again by itself" in refused.locator(".kit-retrying").inner_text()
    assert refused.locator("[role=alert]").count() == 0  # read out once as the page loads, not as an alert each time
    assert axe_problems(refused) == []
    stopped = contexts[PER_LINK].new_page()  # a reader who needs longer stops the retries
    stopped.goto(url)
    stopped.get_by_role("button", name="Stop trying").click()
    assert "Stopped" in stopped.locator(".kit-retrying").inner_text()
    pages[0].close(run_before_unload=True)  # a team closes a tab: its kernel stops, a page is free again
    refused.wait_for_selector(".kit-page .kit-item", timeout=60_000)  # and the refused page comes by itself
    assert "Stopped" in stopped.locator(".kit-retrying").inner_text()  # the stopped one stays as it was
    for context in contexts:
        context.close()


def test_pages_left_without_a_word_make_room_for_the_next(gated, browser):
    """A tablet that closes a tab says nothing: its kernel is stopped once the link needs the room."""
    from kit.server import ABANDONED_AFTER_SECONDS

    base, tokens, log = gated
    url = page(base, "09_reflection", district="valley-view", token=tokens["valley-view"])
    contexts = [browser.new_context() for _ in range(PER_LINK)]
    for context in contexts:
        open_page(context, url)
        context.close()  # no beforeunload: the page's kernel keeps running, with no browser
    assert get(url)[0] == 429  # just left: they may still be coming back
    time.sleep(ABANDONED_AFTER_SECONDS + 2)
    # A kernel still building its page's other modules (in the background, when the machine is
    # idle) is not quiet yet: the link gets its room once both kernels have been quiet that long.
    deadline = time.time() + 60
    status, body = get(url)
    while status == 429 and time.time() < deadline:
        time.sleep(3)
        status, body = get(url)
    assert status == 200 and "application/vnd.jupyter.widget-view+json" in body
    assert "its page was left" in log.read_text()


def test_an_oversized_answer_is_refused_on_the_page_and_kept_in_the_box(gated, browser):
    base, tokens, _log = gated
    context = browser.new_context()
    sheet = open_page(context, page(base, "09_reflection", district="center-city", token=tokens["center-city"]))
    box = shown(sheet).locator(".kit-item textarea").first
    text = "A very long paste. " * 110_000  # about 2 MB
    box.fill(text)
    status = sheet.locator(".kit-status-error").first
    status.wait_for(timeout=60_000)
    assert "Not saved" in status.inner_text() and "MB" in status.inner_text()
    assert len(box.input_value()) == len(text)
    assert sheet.locator(".kit-status-ok").count() == 0
    context.close()


def test_pages_opened_in_a_burst_all_load(tmp_path):
    """The default server, 36 worksheet pages asked for at once (six per team; 40 per address is the limit).

    Every one renders.

    Kernels start on Unix sockets (--KernelManager.transport=ipc); on TCP ports, a burst of about
    forty lost the port race and one page never loaded. Thirty kernels start cold at once on two
    cores: alone the burst takes about 95 s, beside the rest of the suite the last page took over
    120 s, so each request may wait up to 5 minutes; the test is that every page comes, not how fast.
    """
    with running_server(ROOT / "sample_districts", tmp_path) as base:
        tokens = team_tokens(tmp_path)
        urls = [page(base, "09_reflection", district=d, token=tokens[d]) for d in tokens if d for _ in range(6)]
        with concurrent.futures.ThreadPoolExecutor(len(urls)) as pool:
            answers = list(pool.map(lambda url: get(url, timeout=300), urls))
        log = (tmp_path / "serve.log").read_text()
    assert [status for status, _ in answers] == [200] * len(urls)
    assert all("application/vnd.jupyter.widget-view+json" in body for _, body in answers)
    assert "Address already in use" not in log and "Timeout waiting" not in log


def test_no_token_reaches_the_server_log(gated):
    _base, tokens, log = gated
    text = log.read_text()
    assert "token=[secret]" in text  # the requests were logged, with the token scrubbed
    # `kit serve` prints the program manager's link once as it starts, for them to open; nothing else
    banner = [line for line in text.splitlines() if tokens[""] in line]
    assert len(banner) == 1 and "/voila/render/home.ipynb?token=" in banner[0]
    assert not [d for d, token in tokens.items() if d and token in text]
    assert not re.search(r"token=[A-Za-z0-9_-]{20,}", text.replace(banner[0], ""))

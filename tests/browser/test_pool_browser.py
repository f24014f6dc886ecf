"""`kit serve --pool`: pages served by kernels started before anyone asked for them.

A preheated kernel runs the notebook up to its wait for the request, so the district, the token
and the device must all come from the request that finally takes it, never from the defaults
the kernel started with; and its replacement must serve the next team the same way.
"""

from __future__ import annotations

import time

import pytest

from kit.content import RatingItem, get_module
from tests.browser.conftest import ROOT, kernel_alive, kernel_id, open_page, running_server, shown, team_tokens

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pooled(tmp_path_factory):
    data = tmp_path_factory.mktemp("kit-pool")
    with running_server(ROOT / "sample_districts", data, pool=1) as base:
        yield base, team_tokens(data)


def test_preheated_kernels_serve_each_team_its_own_district(pooled, browser):
    base, tokens = pooled
    rating = next(i.id for i in get_module("03_fundamentals").items() if isinstance(i, RatingItem))
    context = browser.new_context(user_agent="Mozilla/5.0 (Windows NT 10.0) Firefox/140.0")
    kernels = []
    for district, name in [("copper-mine", "Copper Mine"), ("valley-view", "Valley View")]:
        url = f"{base}/voila/render/03_fundamentals.ipynb?district={district}&token={tokens[district]}"
        page = open_page(context, url)
        kernels.append(kernel_id(page))
        assert name in page.locator(".kit-page").first.inner_text()
        page.locator(f".kit-item-{rating} button", has_text="2 ·").click()
        page.wait_for_selector(f".kit-item-{rating} .kit-status-ok", timeout=20_000)
        shown(page).locator(".kit-history-open").click()
        assert "Firefox on Windows" in page.locator(".kit-history").inner_text()  # the request's own header
        page.close(run_before_unload=True)  # as a browser closes a tab
        time.sleep(1)  # the next team takes the pool's replacement kernel
    assert kernels[0] != kernels[1]
    deadline = time.time() + 20
    while any(kernel_alive(base, k, tokens[""]) for k in kernels) and time.time() < deadline:
        time.sleep(0.5)
    assert not any(kernel_alive(base, k, tokens[""]) for k in kernels), "closed pages left their kernels running"
    # a wrong token on a preheated kernel is still refused
    page = open_page(context, f"{base}/voila/render/03_fundamentals.ipynb?district=copper-mine&token=nope")
    assert page.locator(".kit-error-page").count() == 1 and "Copper Mine" not in page.content()
    context.close()


def test_strangers_cannot_wait_on_the_pool_and_the_next_page_loads(pooled, browser):
    """Two sockets on a made-up kernel id, the first closed: once this stranded the next team's page."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    base, tokens = pooled
    query = f"ws://{base.removeprefix('http://')}/voila/query/00000000-0000-0000-0000-000000000000"
    for _ in range(2):
        with pytest.raises(InvalidStatus) as refused:
            connect(query, open_timeout=10).close()
        assert refused.value.response.status_code == 403
    context = browser.new_context()
    started = time.time()
    page = open_page(context, f"{base}/voila/render/03_fundamentals.ipynb?district=sequoia-grove"
                              f"&token={tokens['sequoia-grove']}")
    assert "Sequoia Grove" in page.locator(".kit-page").first.inner_text()
    assert time.time() - started < 60
    context.close()

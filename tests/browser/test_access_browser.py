"""Team links in chromium: a district's link opens its own worksheets and nothing of any other district."""

from __future__ import annotations

import pytest

from tests.browser.conftest import TOKENS, open_page

pytestmark = pytest.mark.browser


def page_text(context, url: str) -> str:
    page = open_page(context, url)
    text = page.locator(".kit-page").first.inner_text()
    page.close()
    return text


def test_a_team_link_opens_its_own_district_only(server, browser):
    context = browser.new_context()
    dialogs: list[str] = []
    context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    own = f"{server}/voila/render/02_scale.ipynb?district=windy-city&token={TOKENS['windy-city']}"
    page = open_page(context, own)
    assert "Windy City" in page.locator(".kit-meta").first.inner_text()
    assert f"token={TOKENS['windy-city']}" in (page.locator(".kit-nav a").last.get_attribute("href") or "")
    page.close()

    other = f"{server}/voila/render/02_scale.ipynb?district=copper-mine&token={TOKENS['windy-city']}"
    for url in (other,  # another district's id with this team's token
                f"{server}/voila/render/02_scale.ipynb?district=copper-mine",  # no token
                f"{server}/voila/render/02_scale.ipynb?district=copper-mine&token=guess",
                f"{server}/voila/render/02_scale.ipynb?district=no-such-place&token={TOKENS['windy-city']}"):
        text = page_text(context, url)
        assert "No access" in text, url
        assert "Copper Mine" not in text and "copper-mine" not in text and "Windy City" not in text
    assert dialogs == []
    context.close()


def test_program_manager_pages_need_the_program_managers_link(server, browser):
    context = browser.new_context()
    for page_name in ("home", "pm_dashboard"):
        for token in ("", TOKENS["valley-view"]):
            text = page_text(context, f"{server}/voila/render/{page_name}.ipynb?token={token}")
            assert "No access" in text and "program manager" in text
            assert "Valley View" not in text and "%" not in text
    assert "Valley View" in page_text(context, f"{server}/voila/render/home.ipynb?token={TOKENS['']}")
    context.close()

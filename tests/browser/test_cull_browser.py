"""The idle cull stops the kernels of pages no browser holds, never a page open on a table (kit.serve).

A room leaves its laptops open through a 45-minute lunch (modules/agenda.yaml) and nobody types:
those pages must still save when the teams come back. A tab closed without a word is culled.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import ROOT, kernel_alive, kernel_id, open_page, running_server, team_tokens

pytestmark = pytest.mark.browser


def test_a_quiet_open_page_outlives_the_idle_cull_and_a_left_one_does_not(tmp_path, browser):
    with running_server(ROOT / "sample_districts", tmp_path, pool=0, options=("--cull-minutes", "1")) as base:
        tokens = team_tokens(tmp_path)

        def sheet(district: str) -> str:
            return (f"{base}/voila/render/workspace.ipynb?district={district}&convening=1"
                    f"&module=09_reflection&token={tokens[district]}")

        table = browser.new_context()
        kept = open_page(table, sheet("windy-city"))
        closed = browser.new_context()
        left = kernel_id(open_page(closed, sheet("copper-mine")))
        closed.close()  # a tab closed without a word: no browser holds its kernel
        log = tmp_path / "serve.log"
        deadline = time.time() + 240  # idle for a minute, then the next check (every minute) stops it
        while kernel_alive(base, left, tokens[""]) and time.time() < deadline:
            time.sleep(5)
        assert not kernel_alive(base, left, tokens[""]), log.read_text()[-3000:]
        assert "Culling 'idle'" in log.read_text()
        # the open page, as quiet for as long, still has its kernel and says nothing is wrong
        assert kernel_alive(base, kernel_id(kept), tokens[""])
        kept.evaluate("window.dispatchEvent(new Event('focus'))")  # the team looks at it again
        kept.wait_for_timeout(2000)
        assert kept.locator(".kit-offline").count() == 0
        table.close()

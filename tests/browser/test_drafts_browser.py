"""Nothing typed is lost, and the status never says "Saved" for what the store does not hold.

Each answer's box keeps a draft in the browser until the store confirms its exact text: a server
killed just after typing, a paste too large to send, an edit after "Saved" (kit/static/textbox.js).
"""

from __future__ import annotations

import time

import pytest

from benchmarks.serving import CrashableServer, stored_answer
from kit.content import TextItem, get_module
from tests.browser.conftest import ROOT, open_page, pm, shown, team_tokens

pytestmark = pytest.mark.browser

MODULE = "09_reflection"
TEXT = [i.id for i in get_module(MODULE).items() if isinstance(i, TextItem)]


def page_url(base: str, district: str, token: str, module: str = MODULE) -> str:
    return f"{base}/voila/render/{module}.ipynb?district={district}&convening=1&token={token}"


def test_text_typed_just_before_a_crash_is_offered_back_and_kept(tmp_path, browser):
    """The server and its kernels SIGKILLed 0.3 s after the last keystroke (before the 1 s debounce
    saves): the page says "Not saved", the reopened page offers the text back, and Keep saves it."""
    server = CrashableServer(ROOT / "sample_districts", tmp_path, "--pool", "0")
    base = server.start()
    try:
        token = team_tokens(tmp_path)[""]
        url = page_url(base, "windy-city", token)
        context = browser.new_context()
        page = open_page(context, url)
        item = shown(page).locator(f".kit-item-{TEXT[0]}")
        typed = "We tried the new routine in two classrooms — it stuck."
        item.locator("textarea").press_sequentially(typed, delay=15)
        time.sleep(0.3)
        server.crash()
        problem = item.locator(".kit-status-error")
        problem.wait_for(timeout=30_000)  # no confirmation: the page says so, and why
        assert problem.inner_text().startswith("✗ Not saved:")
        assert item.locator(".kit-status-ok").count() == 0
        assert item.locator("textarea").input_value() == typed
        dialogs: list[str] = []  # leaving with unsaved text asks first
        page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
        with page.expect_event("close", timeout=30_000):
            page.close(run_before_unload=True)
        assert dialogs == ["beforeunload"]

        server.start()
        # the store never got it: only the draft has it
        assert stored_answer(tmp_path, "windy-city", MODULE, TEXT[0]) != typed
        again = open_page(context, url)
        item = shown(again).locator(f".kit-item-{TEXT[0]}")
        offer = item.locator(".kit-draft-offer")
        offer.wait_for(timeout=30_000)
        assert "You typed this and it was not saved: keep it?" in offer.inner_text()
        assert typed in offer.locator(".kit-draft-text").inner_text()
        offer.locator("button", has_text="Keep").click()
        item.locator(".kit-status-ok").wait_for(timeout=30_000)
        assert item.locator("textarea").input_value() == typed
        assert stored_answer(tmp_path, "windy-city", MODULE, TEXT[0]) == typed
        again.close()

        third = open_page(context, url)  # saved now: nothing is offered, the box shows it
        item = shown(third).locator(f".kit-item-{TEXT[0]}")
        item.locator(".kit-status-ok").wait_for(timeout=30_000)
        assert item.locator(".kit-draft-offer").count() == 0
        assert item.locator("textarea").input_value() == typed
        context.close()
    finally:
        server.stop()


def test_a_discarded_draft_is_gone_and_the_stored_answer_stays(server, browser):
    context = browser.new_context()
    url = pm(f"{server}/voila/render/{MODULE}.ipynb?district=center-city&convening=1")
    page = open_page(context, url)
    item = shown(page).locator(f".kit-item-{TEXT[1]}")
    item.locator("textarea").fill("the stored answer")
    item.locator(".kit-status-ok").wait_for(timeout=30_000)
    key = f"kit-draft:center-city:1:{MODULE}:{TEXT[1]}"
    page.evaluate("([k]) => localStorage.setItem(k, 'typed in a tab that crashed')", [key])
    page.close()

    page = open_page(context, url)
    item = shown(page).locator(f".kit-item-{TEXT[1]}")
    item.locator(".kit-draft-offer").wait_for(timeout=30_000)
    item.locator("button", has_text="Discard").click()
    assert item.locator(".kit-draft-offer").count() == 0
    assert page.evaluate("([k]) => localStorage.getItem(k)", [key]) is None
    assert item.locator("textarea").input_value() == "the stored answer"
    page.close()
    page = open_page(context, url)
    item = shown(page).locator(f".kit-item-{TEXT[1]}")
    item.locator(".kit-status-ok").wait_for(timeout=30_000)
    assert item.locator(".kit-draft-offer").count() == 0
    context.close()


def test_a_12_mb_paste_is_not_sent_says_why_and_the_page_keeps_saving(server, browser):
    """Tornado closes a websocket past 10 MiB: the browser refuses to send it, and says so."""
    context = browser.new_context()
    page = open_page(context, pm(f"{server}/voila/render/{MODULE}.ipynb?district=valley-view&convening=1"))
    big, small = shown(page).locator(f".kit-item-{TEXT[2]}"), shown(page).locator(f".kit-item-{TEXT[3]}")
    length = page.evaluate("""(sel) => {
        const box = document.querySelector(sel);
        box.focus();
        box.value = 'A pasted report. '.repeat(720000);  // 12.2 MB
        box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
        return box.value.length;
    }""", f".kit-module-body:not(.kit-hidden) .kit-item-{TEXT[2]} textarea")
    status = big.locator(".kit-status-error")
    status.wait_for(timeout=30_000)
    words = status.inner_text()
    assert "Not saved" in words and "12.2 MB" in words and "limit of 1 MB" in words
    assert len(big.locator("textarea").input_value()) == length
    assert big.locator(".kit-status-ok").count() == 0
    # The connection is whole: another answer still saves, and the big one still says why it did not.
    small.locator("textarea").fill("short and saved")
    small.locator(".kit-status-ok").wait_for(timeout=30_000)
    assert "Not saved" in big.locator(".kit-status").inner_text()
    context.close()


EDIT_NOW = """([box, status]) => {
    // One task: the kernel cannot have answered before the status is read.
    const area = document.querySelector(box);
    area.value += ' and one more thing';
    area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
    const line = document.querySelector(status);
    return [line.querySelector('span').className, line.innerText];
}"""


def test_an_edit_after_saved_flips_the_status_in_the_browser_at_once(server, browser):
    context = browser.new_context()
    page = open_page(context, pm(f"{server}/voila/render/{MODULE}.ipynb?district=windy-city&convening=1"))
    item = shown(page).locator(f".kit-item-{TEXT[4]}")
    item.locator("textarea").fill("first thought")
    item.locator(".kit-status-ok").wait_for(timeout=30_000)
    where = f".kit-module-body:not(.kit-hidden) .kit-item-{TEXT[4]}"
    cls, words = page.evaluate(EDIT_NOW, [f"{where} textarea", f"{where} .kit-status"])
    assert cls == "kit-status-pending" and "Editing" in words and "Saved" not in words
    item.locator(".kit-status-ok").wait_for(timeout=30_000)  # then the store confirms the new text
    assert item.locator("textarea").input_value() == "first thought and one more thing"
    context.close()


def test_an_edit_to_a_ratings_evidence_flips_the_items_status_at_once(server, browser):
    from kit.content import RatingItem

    module = "03_fundamentals"
    rating = next(i for i in get_module(module).items() if isinstance(i, RatingItem) and i.evidence)
    context = browser.new_context()
    page = open_page(context, pm(f"{server}/voila/render/{module}.ipynb?district=windy-city&convening=1"))
    item = shown(page).locator(f".kit-item-{rating.id}")
    item.locator("textarea").fill("walkthrough notes")
    item.locator(".kit-status-ok").wait_for(timeout=30_000)
    where = f".kit-module-body:not(.kit-hidden) .kit-item-{rating.id}"
    cls, words = page.evaluate(EDIT_NOW, [f"{where} textarea", f"{where} .kit-status"])
    assert cls == "kit-status-pending" and "Editing" in words
    item.locator(".kit-status-ok").wait_for(timeout=30_000)
    context.close()


CHOOSE_NOW = """([button, where]) => {
    // One task: the kernel cannot have answered before the status is read.
    document.querySelector(button).click();
    const item = document.querySelector(where);
    const problem = item.querySelector('.kit-answer-problem .kit-status-error');
    return [problem ? problem.innerText : '', item.querySelectorAll('.kit-status-ok').length];
}"""


def wait_till_the_page_knows_the_server_is_gone(page) -> None:
    time.sleep(2)  # a SIGKILLed server's sockets close at once; the page's kernel connection notices


def test_a_rating_chosen_while_the_server_is_gone_is_not_saved_offered_back_and_kept(tmp_path, browser):
    """A click on a level while the server is dead says "Not saved" at once (the item's "✓ Saved" goes),
    the reopened page offers the level back, and Keep saves it; the confirmed level clears the draft."""
    from kit.content import RatingItem

    module = "03_fundamentals"
    rating = next(i for i in get_module(module).items() if isinstance(i, RatingItem) and i.evidence)
    server = CrashableServer(ROOT / "sample_districts", tmp_path, "--pool", "0")
    base = server.start()
    try:
        token = team_tokens(tmp_path)[""]
        url = page_url(base, "windy-city", token, module)
        key = f"kit-draft:windy-city:1:{module}:{rating.id}:choice"
        where = f".kit-module-body:not(.kit-hidden) .kit-item-{rating.id}"
        context = browser.new_context()
        page = open_page(context, url)
        item = shown(page).locator(f".kit-item-{rating.id}")
        item.locator('.kit-radio-option[data-index="2"]').click()
        item.locator(".kit-status-ok").wait_for(timeout=30_000)
        assert stored_answer(tmp_path, "windy-city", module, rating.id)["level"] == 2
        assert page.evaluate("([k]) => localStorage.getItem(k)", [key]) is None  # confirmed: no draft

        server.crash()
        wait_till_the_page_knows_the_server_is_gone(page)
        problem, ok = page.evaluate(CHOOSE_NOW, [f'{where} .kit-radio-option[data-index="3"]', where])
        assert problem.startswith("✗ Not saved:") and "connection to the server was lost" in problem
        assert ok == 0
        assert page.evaluate("([k]) => localStorage.getItem(k)", [key]) == "3"
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
        with page.expect_event("close", timeout=30_000):
            page.close(run_before_unload=True)
        assert dialogs == ["beforeunload"]

        server.start()
        assert stored_answer(tmp_path, "windy-city", module, rating.id)["level"] == 2
        again = open_page(context, url)
        item = shown(again).locator(f".kit-item-{rating.id}")
        offer = item.locator(".kit-draft-offer")
        offer.wait_for(timeout=30_000)
        assert "You chose this and it was not saved: keep it?" in offer.inner_text()
        assert offer.locator(".kit-draft-text").inner_text().startswith("3")
        offer.locator("button", has_text="Keep").click()
        item.locator(".kit-status-ok").wait_for(timeout=30_000)
        assert item.locator('.kit-radio-option[data-index="3"]').get_attribute("aria-checked") == "true"
        assert stored_answer(tmp_path, "windy-city", module, rating.id)["level"] == 3
        assert again.evaluate("([k]) => localStorage.getItem(k)", [key]) is None
        context.close()
    finally:
        server.stop()


TICK_NOW = """([box, where]) => {
    document.querySelector(box).click();
    const item = document.querySelector(where);
    const problem = item.querySelector('.kit-answer-problem .kit-status-error');
    return [problem ? problem.innerText : '', item.querySelectorAll('.kit-status-ok').length];
}"""


def test_a_checklist_tick_made_while_the_server_is_gone_is_not_saved_offered_back_and_kept(tmp_path, browser):
    from kit.content import ChecklistItem

    module = "00_team"
    checklist = next(i for i in get_module(module).items() if isinstance(i, ChecklistItem))
    first, second = checklist.options[0].id, checklist.options[1].id
    server = CrashableServer(ROOT / "sample_districts", tmp_path, "--pool", "0")
    base = server.start()
    try:
        token = team_tokens(tmp_path)[""]
        url = page_url(base, "windy-city", token, module)
        key = f"kit-draft:windy-city:1:{module}:{checklist.id}"
        where = f".kit-module-body:not(.kit-hidden) .kit-item-{checklist.id}"
        context = browser.new_context()
        page = open_page(context, url)
        item = shown(page).locator(f".kit-item-{checklist.id}")
        assert item.locator("fieldset legend").inner_text() == checklist.prompt
        item.get_by_label(checklist.options[0].label, exact=True).check()
        item.locator(".kit-status-ok").wait_for(timeout=30_000)
        assert stored_answer(tmp_path, "windy-city", module, checklist.id) == [first]
        assert page.evaluate("([k]) => localStorage.getItem(k)", [key]) is None

        server.crash()
        wait_till_the_page_knows_the_server_is_gone(page)
        problem, ok = page.evaluate(TICK_NOW, [f'{where} input[value="{second}"]', where])
        assert problem.startswith("✗ Not saved:") and ok == 0
        assert page.evaluate("([k]) => JSON.parse(localStorage.getItem(k))", [key]) == [first, second]
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
        with page.expect_event("close", timeout=30_000):
            page.close(run_before_unload=True)
        assert dialogs == ["beforeunload"]

        server.start()
        assert stored_answer(tmp_path, "windy-city", module, checklist.id) == [first]
        again = open_page(context, url)
        item = shown(again).locator(f".kit-item-{checklist.id}")
        offer = item.locator(".kit-draft-offer")
        offer.wait_for(timeout=30_000)
        assert "You chose this and it was not saved: keep it?" in offer.inner_text()
        assert checklist.options[1].label in offer.locator(".kit-draft-text").inner_text()
        offer.locator("button", has_text="Keep").click()
        item.locator(".kit-status-ok").wait_for(timeout=30_000)
        assert item.locator(f'input[value="{second}"]').is_checked()
        assert stored_answer(tmp_path, "windy-city", module, checklist.id) == [first, second]
        assert again.evaluate("([k]) => localStorage.getItem(k)", [key]) is None
        context.close()
    finally:
        server.stop()


# Every websocket the page opens, and a switch that sends new ones to a closed port: the page's
# connection can be dropped and kept down, then let back.
SOCKETS = """
window.__kitSockets = [];
window.__kitOffline = false;
const NativeSocket = window.WebSocket;
window.WebSocket = class extends NativeSocket {
  constructor(url, protocols) {
    super(window.__kitOffline ? String(url).replace(/\\/\\/[^/]+/, '//127.0.0.1:9') : url, protocols);
    window.__kitSockets.push(this);
  }
};
"""

TYPE_NOW = """([box, where]) => {
    const area = document.querySelector(box);
    area.value = 'typed while the connection was down';
    area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
    const line = document.querySelector(where + ' .kit-status');
    return line.innerText;
}"""


def test_text_typed_while_the_connection_is_down_is_sent_again_and_saved_without_a_reload(server, browser):
    context = browser.new_context()
    context.add_init_script(SOCKETS)
    page = open_page(context, pm(f"{server}/voila/render/{MODULE}.ipynb?district=valley-view&convening=1"))
    item = shown(page).locator(f".kit-item-{TEXT[-1]}")
    item.locator("textarea").fill("before")
    item.locator(".kit-status-ok").wait_for(timeout=30_000)
    page.evaluate("() => { window.__kitOffline = true; for (const s of window.__kitSockets) s.close(); }")
    time.sleep(1)
    where = f".kit-module-body:not(.kit-hidden) .kit-item-{TEXT[-1]}"
    words = page.evaluate(TYPE_NOW, [f"{where} textarea", where])
    assert words.startswith("✗ Not saved:") and "connection to the server was lost" in words
    time.sleep(2)
    assert item.locator(".kit-status-ok").count() == 0
    page.evaluate("() => { window.__kitOffline = false; }")
    item.locator(".kit-status-ok").wait_for(timeout=60_000)  # reconnected: sent again and confirmed
    assert item.locator("textarea").input_value() == "typed while the connection was down"
    key = f"kit-draft:valley-view:1:{MODULE}:{TEXT[-1]}"
    assert page.evaluate("([k]) => localStorage.getItem(k)", [key]) is None
    context.close()

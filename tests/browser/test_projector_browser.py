"""The dashboard and the cohort page on a projector (1920×1080 and 1280×720): text from the back of the
room, the whole width used, nothing past the right edge, and a key to the completion cells' shading.
Projector mode is a switch on both pages, on until a browser turns it off, and remembered by it."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility_browser import axe_problems

pytestmark = pytest.mark.browser

# The smallest font size of any text shown inside `root`, and the elements drawn below 18 px.
SMALLEST_TEXT = """(root) => {
  const small = new Set(); let smallest = Infinity;
  const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const box = el.getBoundingClientRect();
    if (!walker.currentNode.textContent.trim() || !box.width || !box.height) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    smallest = Math.min(smallest, size);
    if (size < 18) small.add(`${el.tagName}.${el.className} ${size}px`);
  }
  return [smallest, [...small]];
}"""


PAGES = [("pm_dashboard", ".kit-dashboard"), ("home", ".kit-home")]
SWITCH = "button.kit-projector-button"


def open_board(page, base: str, token: str, name: str, root: str) -> None:
    page.goto(f"{base}/voila/render/{name}.ipynb?token={token}", timeout=120_000)
    drawn(page, root)


def drawn(page, root: str) -> None:
    page.wait_for_selector(f"{root} table", timeout=120_000)
    page.wait_for_selector(SWITCH, timeout=60_000)
    if root == ".kit-dashboard":  # its charts, for axe-core
        page.locator(".kit-dashboard canvas").nth(2).wait_for(state="attached", timeout=120_000)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")  # the flags


def readable_from_the_back(page, root: str, width: int) -> None:
    """Projector mode: no text below 18 px, nothing past the right edge, the whole width used."""
    smallest, small = page.evaluate(SMALLEST_TEXT, root)
    assert small == [] and smallest >= 18
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing past the right edge
    used = page.locator(root).bounding_box()["width"]
    assert used >= 0.95 * width - 40, used  # the whole width, less the page's own margins


def pressed(page) -> bool:
    """The switch's state, checked against the class the page's CSS keys on."""
    on = page.locator(SWITCH).get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.documentElement.classList.contains('kit-projector')") == on
    return on


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
@pytest.mark.parametrize("name,root", PAGES)
def test_readable_on_a_projector(sample_server, browser, name, root, width, height):
    """A browser that never chose gets projector mode: these pages are run on a projector."""
    base, token = sample_server
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    open_board(page, base, token, name, root)
    assert pressed(page)
    readable_from_the_back(page, root, width)
    if name == "pm_dashboard":
        swatches = page.locator(".kit-legend .kit-swatch")
        assert swatches.count() == 5 and swatches.first.is_visible()
        assert swatches.last.inner_text() == "100%"
    context.close()


@pytest.mark.parametrize("name,root", PAGES)
def test_projector_mode_is_a_switch_the_browser_remembers(sample_server, browser, name, root):
    """Off with the keyboard: the page is laid out for a laptop (19 px, a column of 80 rem), after
    a reload and on the other page too; on again with a click: 18 px and up, the whole width. axe-core
    finds nothing serious either way."""
    base, token = sample_server
    other, other_root = next(p for p in PAGES if p[0] != name)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    open_board(page, base, token, name, root)
    switch = page.locator(SWITCH)
    assert switch.inner_text().split() == ["Projector", "mode", "on"] and pressed(page)
    assert page.get_by_role("button", name="Projector mode", exact=True).count() == 1  # its name, without "on"
    switch.focus()
    page.keyboard.press("Space")
    assert not pressed(page) and "off" in switch.inner_text()
    normal_sizing(page, root)
    assert axe_problems(page) == []

    page.reload(timeout=120_000)
    drawn(page, root)
    assert not pressed(page)  # remembered
    normal_sizing(page, root)
    open_board(page, base, token, other, other_root)
    assert not pressed(page)  # and the other page follows
    normal_sizing(page, other_root)

    page.locator(SWITCH).click()
    assert pressed(page)
    readable_from_the_back(page, other_root, 1920)
    page.reload(timeout=120_000)
    drawn(page, other_root)
    assert pressed(page)
    readable_from_the_back(page, other_root, 1920)
    assert axe_problems(page) == []
    context.close()


def normal_sizing(page, root: str) -> None:
    """Projector mode off: the worksheets' 19 px text in a laptop's 80 rem column, centred."""
    box = page.locator(root).bounding_box()
    assert box["width"] <= 80 * 16 + 1 and box["x"] > 300, box
    assert page.locator(root).evaluate("el => getComputedStyle(el).fontSize") == "19px"

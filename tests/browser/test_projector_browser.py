"""The dashboard and the cohort page on a projector (1920×1080 and 1280×720): text from the back of the
room, the whole width used, nothing past the right edge, and a key to the completion cells' shading."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
@pytest.mark.parametrize("name,root", [("pm_dashboard", ".kit-dashboard"), ("home", ".kit-home")])
def test_readable_on_a_projector(sample_server, browser, name, root, width, height):
    base, token = sample_server
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{base}/voila/render/{name}.ipynb?token={token}", timeout=120_000)
    page.wait_for_selector(f"{root} table", timeout=120_000)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")  # the flags
    smallest, small = page.evaluate(SMALLEST_TEXT, root)
    assert small == [] and smallest >= 18
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing past the right edge
    used = page.locator(root).bounding_box()["width"]
    assert used >= 0.95 * width - 40, used  # the whole width, less the page's own margins
    if name == "pm_dashboard":
        swatches = page.locator(".kit-legend .kit-swatch")
        assert swatches.count() == 5 and swatches.first.is_visible()
        assert swatches.last.inner_text() == "100%"
    context.close()

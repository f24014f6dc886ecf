"""Every prompt and label shows in full at a laptop's, a tablet's and a phone's width; nothing sits past
the right edge of a phone; a team's page links nowhere its link does not open."""

from __future__ import annotations

import warnings

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kit.content import all_modules, get_module
from tests.browser.conftest import BROWSER_ERRORS, SHOWN, TOKENS, open_page, pm, shown

pytestmark = pytest.mark.browser

MODULES = [m.id for m in all_modules()]

# Every visible label, option text and HTML text of the worksheet whose text is wider or taller than its
# box (a one-line description cut with "…", a fixed 28 px label hiding its second line). Labels that are
# visually hidden on purpose (a table box's label on a wide screen, read out only) are 1 px wide.
CLIPPED = """() => {
  const out = [];
  const labels = '.widget-label, .widget-label-basic, .widget-label-basic span, .kit-radio-label,'
               + ' .widget-html-content, .kit-radio-option, .kit-radio-levels li, .kit-table-colhead,'
               + ' .kit-cell-label, .kit-rowlabel, .kit-remove-row, .kit-add-row, .kit-text-label';
  for (const el of document.querySelectorAll('.kit-page ' + labels.split(',').join(', .kit-page '))) {
    if (!el.offsetParent || el.clientWidth <= 1 || !el.textContent.trim()) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
      out.push(el.textContent.trim().slice(0, 90));
  }
  return out;
}"""

# Every control whose right edge is past the page's (a table row wider than a phone).
PAST_THE_EDGE = """() => {
  const width = document.documentElement.clientWidth, out = [];
  const controls = '.kit-page input, .kit-page select, .kit-page textarea, .kit-page button';
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) out.push(`${el.tagName} ${el.id} right=${Math.round(box.right)}`);
  }
  return out;
}"""


# Every date box too narrow for its whole "mm/dd/yyyy". Its scroll width cannot tell (chromium draws the
# date's fields and the calendar button inside the box and reports no overflow), so: the text's width
# in the box's font, plus its padding and borders, plus the calendar button (about 1.25 em with its
# margins; 1.3 to be safe), must fit in the box.
DATES_CUT = """() => [...document.querySelectorAll('.kit-page input[type=date]')].filter(e => e.offsetParent).map(e => {
  const s = getComputedStyle(e), span = document.createElement('span');
  span.textContent = 'mm/dd/yyyy';
  span.style.cssText = `position:absolute; visibility:hidden; white-space:pre; font:${s.font};`
                     + `letter-spacing:${s.letterSpacing}`;
  document.body.append(span);
  const need = span.getBoundingClientRect().width + parseFloat(s.paddingLeft) + parseFloat(s.paddingRight)
             + parseFloat(s.borderLeftWidth) + parseFloat(s.borderRightWidth) + 1.3 * parseFloat(s.fontSize);
  span.remove();
  return [e.closest('.kit-item').className.match(/kit-item-\\w+/)[0], Math.round(e.offsetWidth), Math.ceil(need)];
}).filter(([, width, need]) => width < need).map(([item, width, need]) => `${item} ${width} px < ${need} px`)"""
DATED = [m.id for m in all_modules() if any(getattr(c, "type", "") == "date"
                                            for i in m.items() for c in getattr(i, "columns", []))]


def module_url(base: str, module: str, district: str = "center-city") -> str:
    return pm(f"{base}/voila/render/{module}.ipynb?district={district}&convening=1")


@pytest.mark.parametrize("width,height", [(1280, 800), (768, 1024), (390, 844)])
def test_no_label_is_cut_on_any_module(server, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    cut = {}
    for module in MODULES:
        page = open_page(context, module_url(server, module))
        page.wait_for_timeout(300)  # the last widgets' styles
        found = page.evaluate(CLIPPED)
        if found:
            cut[module] = found
        page.close()
    context.close()
    assert not cut, f"labels cut at {width} px: {cut}"


@pytest.mark.parametrize("width", [1280, 830, 768, 390])
def test_a_date_box_shows_its_whole_date(server, browser, width):
    """830 px: module 04's seven-column calendar just above the width where its rows turn into cards."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    cut = {}
    for module in DATED:
        page = open_page(context, module_url(server, module))
        dates = page.locator(f"{SHOWN} input[type=date]").first
        try:
            dates.wait_for(timeout=90_000)
        except PlaywrightTimeout:
            # Once in CI (a busy 2-core machine, late in the run) module 04's calendar never drew, with
            # nothing in the report to say why. Say what the page showed and what the browser and
            # server reported, as a warning in the run's summary, and look again after a reload: this
            # test is about the boxes' width; pages that must load under load have their own tests.
            warnings.warn(f"{module} at {width} px: no date box after 90 s; the page showed "
                          f"{page.inner_text('body')[:400]!r}; browser errors {BROWSER_ERRORS[-5:]}", stacklevel=1)
            page.reload(timeout=120_000)
            dates.wait_for(timeout=120_000)
        page.wait_for_timeout(300)
        found = page.evaluate(DATES_CUT)
        if found:
            cut[module] = found
        page.close()
    context.close()
    assert not cut, f"date boxes cut at {width} px: {cut}"


def test_no_control_sits_past_the_right_edge_of_a_phone(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    past = {}
    for module in MODULES:
        page = open_page(context, module_url(server, module))
        page.wait_for_timeout(300)
        found = page.evaluate(PAST_THE_EDGE)
        if found:
            past[module] = found
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, module
        page.close()
    context.close()
    assert not past, f"controls past the right edge at 390 px: {past}"


@pytest.mark.parametrize("module", ["02_scale", "04_system_inventory"])
def test_tables_show_every_column_as_a_header_and_a_box(server, browser, module):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_page(context, module_url(server, module, "valley-view"))
    for item in [i for i in get_module(module).items() if i.type == "table"]:
        table = page.locator(f".kit-item-{item.id} .kit-table")
        table.locator(".kit-table-row input").first.wait_for(timeout=120_000)  # drawn top to bottom, slowly under load
        heads = table.locator(".kit-table-head .kit-table-colhead").all_inner_texts()
        assert heads == [c.label for c in item.columns], item.id
        first = table.locator(".kit-table-row").first
        boxes = first.locator("input, select").count()
        assert boxes == len(item.columns) - (1 if item.rows else 0), item.id
        if item.rows:
            assert first.locator(".kit-rowlabel").inner_text() == item.rows[0]
    context.close()


def test_a_phone_shows_each_table_row_as_a_card_with_its_labels(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = open_page(context, module_url(server, "04_system_inventory", "valley-view"))
    card = page.locator(".kit-item-components .kit-table-row").first
    card.locator("input").first.wait_for(timeout=120_000)  # drawn top to bottom, slowly under load
    assert card.locator(".kit-rowlabel").inner_text().startswith("Shared instructional resources")
    labels = card.locator(".kit-cell > label").all_inner_texts()
    assert labels == ["What we have now", "How it could carry the work", "Who decides", "Already used for the work?"]
    assert card.locator(".kit-cell > label").first.bounding_box()["width"] > 100  # shown, not only read out
    # Each label names its box (the box's accessible name is its column's label).
    assert card.get_by_role("textbox", name="What we have now").count() == 1
    context.close()


def test_the_progress_line_counts_answers(server, browser):
    context = browser.new_context()
    page = open_page(context, module_url(server, "09_reflection", "sequoia-grove"))
    total = len(get_module("09_reflection").items())
    line = shown(page).locator(".kit-progress-line")
    assert line.inner_text() == f"0 of {total} answered · saved as you type"
    text = next(i.id for i in get_module("09_reflection").items() if i.type == "text")
    page.locator(f".kit-item-{text} textarea").fill("We will meet monthly.")
    page.wait_for_selector(f".kit-item-{text} .kit-status-ok", timeout=20_000)
    page.wait_for_function(f"document.querySelector('{SHOWN} .kit-progress-line').innerText.startsWith('1 of {total}')",
                           timeout=20_000)
    context.close()


def test_a_teams_page_links_only_to_pages_its_link_opens(server, browser):
    context = browser.new_context()
    base = f"{server}/voila/render"
    for module in ("00_team", "09_reflection"):  # the first and last pages once linked to the cohort page
        page = open_page(context, f"{base}/{module}.ipynb?district=windy-city&token={TOKENS['windy-city']}")
        hrefs = [a.get_attribute("href") or "" for a in page.locator(".kit-page a").all()]
        assert hrefs and all(h.split("?")[0] == "workspace.ipynb" for h in hrefs), hrefs  # its own workspace only
        assert all(any(f"module={m}" in h for m in MODULES) for h in hrefs), hrefs
        assert all("district=windy-city" in h and f"token={TOKENS['windy-city']}" in h for h in hrefs), hrefs
        page.close()
    page = open_page(context, pm(f"{base}/00_team.ipynb?district=windy-city"))
    home = shown(page).locator(".kit-nav a[href^='home.ipynb']")
    home.first.wait_for(timeout=60_000)  # the footer is the module's last widget to draw
    assert home.count() == 1  # the program manager keeps it
    context.close()

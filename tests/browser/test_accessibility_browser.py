"""axe-core (through axe-playwright-python) on every page the kit serves: every module blank and filled
in, a team's workspace, a guide, the pages that refuse a team, the cohort page, the dashboard and a
packet: no violation a screen reader or keyboard user would be stopped by (impact serious or
critical), and every page's content inside a landmark. Focus shows on every kind of control."""

from __future__ import annotations

from typing import Any

import pytest

from kit.content import RatingItem, all_modules, get_module
from kit.items import KINDS
from tests.browser.conftest import SHOWN, TOKENS, open_page, pm, server_store
from tests.browser.test_packets_browser import sample_packet

pytestmark = pytest.mark.browser

MODULES = [m.id for m in all_modules()]

# The rules issue 21 names; any serious or critical violation fails too.
FIXED = {"select-name", "label", "region"}


def axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['html'][:160]})"
            for v in found if v["impact"] in ("serious", "critical") or v["id"] in FIXED]


def module_url(base: str, module: str, district: str) -> str:
    return pm(f"{base}/voila/render/{module}.ipynb?district={district}&convening=1")


@pytest.mark.parametrize("module", MODULES)
def test_a_blank_module_has_no_serious_axe_violation(server, browser, module):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_page(context, module_url(server, module, "copper-mine"))
    page.wait_for_timeout(500)
    assert axe_problems(page) == []
    context.close()


# An answer to every item of a module, of the item's own shape: a table's cells of each column type.
CELL = {"text": "Grade 2 team", "number": 3, "date": "2027-01-14", "yesno": "Yes"}


def an_answer(item: Any) -> Any:
    if item.type == "rating":
        value: Any = {"level": 2, "evidence": "Seen in two of our six schools."}
    elif item.type == "text":
        value = "We meet monthly; the two principals lead.\nThe coaches join in the spring."
    elif item.type == "checklist":
        value = [o.id for o in item.options[:2]]
    elif item.type == "choice":
        value = item.options[-1].id
    elif item.type == "ranking":
        value = {o.id: n for n, o in enumerate(item.options, 1)}
    else:
        def row(label: str | None) -> dict[str, Any]:
            cells = {c.id: (c.options[0] if c.type == "choice" else CELL[c.type]) for c in item.columns}
            return {**cells, item.columns[0].id: label} if label else cells
        value = [row(label) for label in item.rows[:2]] if item.rows else [row(None), row(None)]
    assert KINDS[item.type].fits(item, value), item.id
    return value


@pytest.mark.parametrize("module", MODULES)
def test_a_module_with_every_item_answered_has_no_serious_axe_violation(server, browser, module):
    """Every item answered (saved to the store, as another device would), so every status line, chart,
    flag and carried answer is drawn."""
    store = server_store()
    for item in get_module(module).items():
        store.save("sequoia-grove", "42", module, item.id, an_answer(item), based_on=None)
    store.close()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_page(context, pm(f"{server}/voila/render/{module}.ipynb?district=sequoia-grove&convening=42"))
    items = len(get_module(module).items())
    page.wait_for_function(f"document.querySelectorAll('{SHOWN} .kit-item').length >= {items}", timeout=120_000)
    page.wait_for_timeout(1000)  # the charts and the last widgets' styles
    assert axe_problems(page) == []
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_module_filled_in_by_hand_has_no_serious_axe_violation(server, browser, width):
    """A rating, a table row (text, date, choice) and a text saved: status lines, flags and charts drawn."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    district = {1280: "foothills-unified", 390: "sequoia-grove"}[width]
    page = open_page(context, module_url(server, "04_system_inventory", district))
    row = page.locator(".kit-item-time_calendar .kit-table-row").first
    row.locator("input[type=date]").wait_for(timeout=120_000)  # a busy machine draws a long page slowly
    row.locator("input[type=date]").fill("2027-01-14")
    row.locator("select").first.select_option("PD day")
    row.locator("input[type=text]").first.fill("All teachers")
    page.wait_for_selector(".kit-item-time_calendar .kit-status-ok", timeout=20_000)
    assert axe_problems(page) == []
    page.close()

    page = open_page(context, module_url(server, "03_fundamentals", district))
    rating = next(i.id for i in get_module("03_fundamentals").items() if isinstance(i, RatingItem))
    button = page.locator(f".kit-item-{rating} button", has_text="3 ·")
    button.wait_for(timeout=120_000)
    button.click()
    page.wait_for_selector(f".kit-item-{rating} .kit-status-ok", timeout=20_000)
    page.wait_for_timeout(500)
    assert axe_problems(page) == []
    context.close()


@pytest.mark.parametrize("name", ["home", "pm_dashboard"])
def test_the_cohort_page_and_the_dashboard_have_no_serious_axe_violation(sample_server, browser, name):
    """With the sample year's answers: flags opened, charts drawn, a district's answers shown."""
    base, token = sample_server
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{base}/voila/render/{name}.ipynb?token={token}", timeout=120_000)
    page.wait_for_selector(".kit-home table, .kit-matrix", timeout=120_000)
    if name == "pm_dashboard":
        page.locator(".kit-dashboard canvas").nth(2).wait_for(state="attached", timeout=120_000)
        page.locator(".kit-dashboard select").select_option(label="Windy City")
        page.wait_for_function("document.body.innerText.includes('Windy City: answers')", timeout=20_000)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_timeout(500)
    assert axe_problems(page) == []
    context.close()


# The focused element's ring: its width and style, and the contrast of its colour against the background
# it is drawn on (the first ancestor with a background colour of its own; the page's white if none).
RING = """() => {
  const e = document.activeElement, style = getComputedStyle(e);
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const linear = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  let back = [255, 255, 255];
  for (let a = e.parentElement; a; a = a.parentElement) {
    const c = rgb(getComputedStyle(a).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { back = c.slice(0, 3); break; }
  }
  const [l1, l2] = [lum(rgb(style.outlineColor)), lum(back)].sort((x, y) => y - x);
  // Whether a box around it that clips (overflow other than visible) cuts the ring off.
  const out = Math.max(0, (parseFloat(style.outlineOffset) || 0) + (parseFloat(style.outlineWidth) || 0));
  const ring = e.getBoundingClientRect();
  let clipped = '';
  for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
    const box = a.getBoundingClientRect();
    if (ring.left - out < box.left - 0.5 || ring.right + out > box.right + 0.5
        || ring.top - out < box.top - 0.5 || ring.bottom + out > box.bottom + 0.5) {
      clipped = a.className.toString().slice(0, 60); break; }
  }
  return {tag: e.tagName.toLowerCase(), type: e.type || '', width: parseFloat(style.outlineWidth) || 0,
          style: style.outlineStyle, contrast: (l1 + 0.05) / (l2 + 0.05), clipped};
}"""


def tab_onto(page, locator) -> dict:
    """Reach `locator` with the keyboard (Shift+Tab off it, Tab back on) and read its focus ring."""
    locator.scroll_into_view_if_needed()
    locator.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert locator.evaluate("e => e === document.activeElement"), "Tab did not come back to it"
    return page.evaluate(RING)


def test_focus_shows_on_every_kind_of_control(server, browser):
    """A select (ipywidgets turns their outline off), a button, a text box, a checkbox, a table's boxes
    a radio option and a link: a ring of at least 2 px, at least 3:1 against what it is drawn on, and not
    cut off by the widget boxes around it (they clip what is drawn outside them)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_page(context, module_url(server, "00_team", "valley-view"))
    body = page.locator(".kit-module-body:not(.kit-hidden)")
    body.locator(".kit-history-open").wait_for(timeout=120_000)  # the module's last widgets
    rings = {"button": tab_onto(page, body.locator(".kit-history-open"))}
    body.locator(".kit-history-open").click()
    body.locator(".kit-history-panel select").first.wait_for(timeout=20_000)
    targets = {
        "history's select": body.locator(".kit-history-panel select").first,
        "add-a-row button": body.locator("button.kit-add-row").first,
        "text box": body.locator(".kit-text textarea").first,
        "name box": page.locator(".kit-author input").first,
        "checkbox": body.locator(".kit-type-checklist input[type=checkbox]").first,
        "table box": body.locator(".kit-table-row input").first,
        "table select": body.locator(".kit-table-row select").first,
        "radio option": body.locator(".kit-radio-option[tabindex='0']").first,
        "link": page.locator(".kit-sequence a").first,
    }
    rings.update({name: tab_onto(page, target) for name, target in targets.items()})
    weak = {name: r for name, r in rings.items()
            if r["width"] < 2 or r["style"] == "none" or r["contrast"] < 3 or r["clipped"]}
    assert not weak, weak
    context.close()


@pytest.mark.parametrize("page_name", ["workspace", "guide", "unknown module", "wrong link"])
def test_a_teams_other_pages_have_no_serious_axe_violation(server, browser, page_name):
    """The page a team's link opens (its workspace), a facilitator guide, and the pages that turn a
    team away: a module that is not there, a link that is not theirs."""
    token = TOKENS["windy-city"]
    url, wait = {
        "workspace": (f"workspace.ipynb?district=windy-city&module=03_fundamentals&token={token}",
                      f"{SHOWN} .kit-item"),
        "guide": (pm("guide.ipynb?module=05_prioritization"), ".kit-guide h1"),
        "unknown module": (f"workspace.ipynb?district=windy-city&module=99_nothing&token={token}",
                           ".kit-error-page, .kit-page .kit-item"),
        "wrong link": (f"workspace.ipynb?district=windy-city&token={TOKENS['copper-mine']}", ".kit-error-page"),
    }[page_name]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{server}/voila/render/{url}", timeout=120_000)
    page.wait_for_selector(wait, timeout=120_000)
    page.wait_for_timeout(1000)
    assert axe_problems(page) == []
    context.close()


def test_a_packet_has_no_serious_axe_violation(tmp_path, browser):
    """Copper Mine's whole packet from the sample answers, opened offline with its charts drawn."""
    packet = sample_packet(tmp_path)
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(packet.resolve().as_uri())
    page.locator(".kit-charts canvas").first.wait_for(state="attached", timeout=20_000)
    assert axe_problems(page) == []
    context.close()

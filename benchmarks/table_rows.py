"""Tables in chromium: what "Add a row" costs at the 2nd and at the 100th added row, and how long a
worksheet takes to open on a 1,000-row table answer and to reach its last row.

Against a fresh `kit serve` (default options unless --serve-args), module 00's roster table:

- on Copper Mine's page (convening 1; its roster starts with the table's ten empty rows), clicks
  "Add a row" --adds times (100 by default), each click once the row before it is on the page (its
  "Remove row N" button and its boxes drawn), and times every click; a linear table costs the same
  at the 100th added row as at the 2nd (each figure is the median of five clicks around it);
- seeds the store with a 1,000-row roster answer for Sequoia Grove and times opening its worksheet
  until the table is usable (its first row's boxes and "Add a row" on the page), then until its last
  row can be reached (scrolled to, or shown by "Show more rows" where the table pages that way); also
  when the page's own frames first showed it usable (Playwright's waits poll, and add their lag);
- opens the same module for Copper Mine alongside, for comparison: the page's cost without a long
  table;
- opens Sequoia Grove's workspace at another module (--from, 01_approach unless named) and, once that
  module is usable, clicks the navigation to module 00 and times click -> the 1,000-row table usable,
  as a team moves to it in its open workspace (--opens pages); on each page it then goes back and
  times a second move to module 00, which was built by the first and is only shown again.

Chromium and the server share this machine. Floors (issue 23): the 100th added row within 2x of the
2nd; a 1,000-row table usable within 3 s.

    .venv/bin/python benchmarks/table_rows.py [--adds 100] [--rows 1000] [--opens 3] [--serve-args '--pool 1']
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import ARGS, CHROMIUM, kit_serve, team_tokens  # noqa: E402
from kit.content import all_modules, get_module  # noqa: E402
from kit.store import Store  # noqa: E402

MODULE, ITEM = "00_team", "roster_table"
TABLE = f".kit-item-{ITEM}"

# Row n is on the page: its "Remove row n" button, and a box in the same row.
ROW_DRAWN = """([sel, n]) => {
  for (const b of document.querySelectorAll(sel + ' button')) {
    if (b.textContent.trim() !== `Remove row ${n}`) continue;
    const row = b.closest('.kit-table-row');
    return row !== null && row.querySelector('input, select') !== null;
  }
  return false;
}"""

# In the page from its start: the time (ms after navigation began) of the first frame in which the
# table is usable, as the page itself saw it (Playwright's waits add their own polling to the figure).
FIRST_USABLE_FRAME = """(() => {
  const tick = () => {
    const add = document.querySelector('TABLE button.kit-add-row');
    const row = document.querySelector('TABLE .kit-table-row');
    if (add && add.offsetParent !== null && row && row.querySelector('input, select')) {
      window.kitTableUsable = performance.now();
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();""".replace("TABLE", TABLE)

# Clicks the navigation link to `module` and resolves with the ms until the table is usable there
# (its "Add a row" shown, its first row's boxes drawn), or -1 after `limit` ms.
MOVE_TO_TABLE = """async ([module, sel, limit]) => {
  const link = document.querySelector(`.kit-sequence a[data-kit-module='${module}']`);
  if (!link) return -1;
  const start = performance.now();
  link.click();
  const shown = (el) => el && el.offsetParent !== null;
  while (performance.now() - start < limit) {
    const add = [...document.querySelectorAll(sel + ' button.kit-add-row')].find(shown);
    const row = add && add.closest(sel).querySelector('.kit-table-row');
    if (row && shown(row) && row.querySelector('input, select')) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return -1;
}"""
# A module is usable: its heading shown, the only one shown, with all of its items on the page.
MODULE_USABLE = """([module, items]) => {
  const shown = (el) => el && el.offsetParent !== null;
  const heading = document.querySelector(`h1[data-kit-module='${module}']`);
  if (!shown(heading)) return false;
  const others = [...document.querySelectorAll('h1[data-kit-module]')].filter(shown).length;
  return others === 1 && heading.closest('.kit-module-body').querySelectorAll('.kit-item').length >= items;
}"""


def big_answer(rows: int) -> list[dict[str, str]]:
    """A roster of `rows` people, every box filled (text, choice and yes/no columns)."""
    table = get_module(MODULE).item(ITEM)
    out = []
    for n in range(rows):
        row = {}
        for column in table.columns:
            if column.type == "choice":
                row[column.id] = column.options[n % len(column.options)]
            elif column.type == "yesno":
                row[column.id] = "Yes" if n % 2 else "No"
            else:
                row[column.id] = f"{column.label} {n + 1}"
        out.append(row)
    return out


def wait_row(page, n: int, timeout: float = 600_000) -> None:
    page.wait_for_function(ROW_DRAWN, arg=[TABLE, n], timeout=timeout)


def reach_row(page, n: int) -> None:
    """Bring row n on the page as a person would: scroll down, or press "Show more rows" while there is one."""
    while not page.evaluate(ROW_DRAWN, [TABLE, n]):
        more = page.locator(f"{TABLE} button", has_text="more rows")
        if more.count() and more.first.is_visible():
            more.first.click()
        page.evaluate(f"""() => {{ const rows = document.querySelectorAll('{TABLE} .kit-table-row');
                                 if (rows.length) rows[rows.length - 1].scrollIntoView(); }}""")
        page.wait_for_timeout(50)


def median_ms(times: list[float], around: int) -> float:
    """The median of the five clicks from the `around`th (1-based), in ms."""
    window = times[around - 1:around + 4] or times[-5:]
    return 1000 * statistics.median(window)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adds", type=int, default=100, help="clicks on Add a row, one after another")
    parser.add_argument("--rows", type=int, default=1000, help="rows in the seeded answer")
    parser.add_argument("--opens", type=int, default=3, help="times the seeded worksheet is opened")
    parser.add_argument("--no-reach", action="store_true",
                        help="time only the open, not reaching the last row (a table paged by \"Show more rows\" "
                             "took over 40 minutes to reach row 1,000 here)")
    parser.add_argument("--from", dest="start", default="01_approach",
                        help="the module the workspace opens at before the move to module 00")
    parser.add_argument("--serve-args", default="", help="extra `kit serve` options, e.g. '--pool 1'")
    parser.add_argument("--pause", type=float, default=3.0,
                        help="seconds to let the server settle, at start and before each page opens "
                             "(time for --pool to refill)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with kit_serve(*args.serve_args.split()) as served, sync_playwright() as p:
        tokens = team_tokens(served.data)
        store = Store(f"sqlite:///{served.data / 'kit.db'}")
        store.save("sequoia-grove", "1", MODULE, ITEM, big_answer(args.rows), client="benchmark", based_on=0)
        store.close()
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        time.sleep(args.pause)

        def url(district: str) -> str:
            return f"{served.base}/voila/render/{MODULE}.ipynb?district={district}&convening=1&token={tokens[district]}"

        serve = f"kit serve {args.serve_args}".strip()
        print(f"Add a row, {MODULE} {ITEM} (Copper Mine), {args.adds} clicks on one page, {serve}:")
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        add = page.locator(f"{TABLE} button", has_text="Add a row")
        shown = get_module(MODULE).item(ITEM).min_rows
        if args.adds:  # --adds 0: opens only
            page.goto(url("copper-mine"), timeout=180_000)
            add.wait_for(timeout=180_000)
            wait_row(page, shown)
        clicks: list[float] = []
        for k in range(1, args.adds + 1):  # as a team adds rows: each shows before the next click
            started = time.perf_counter()
            add.click()
            wait_row(page, shown + k)
            clicks.append(time.perf_counter() - started)
        if clicks:
            second, last = median_ms(clicks, 2), median_ms(clicks, max(2, args.adds - 4))
            print(f"  all {args.adds} clicks: {sum(clicks):6.2f} s; the 2nd added row {second:6.0f} ms, "
                  f"the {args.adds}th {last:6.0f} ms ({last / second:.1f}x; medians of five clicks)")
        context.close()

        print(f"Opening worksheets, {MODULE}: Sequoia Grove's {ITEM} has {args.rows} rows, Copper Mine's "
              "ten (for comparison):")
        opened: dict[str, list[float]] = {"copper-mine": [], "sequoia-grove": []}
        framed: dict[str, list[float]] = {"copper-mine": [], "sequoia-grove": []}
        reached: list[float] = []
        for n in range(2 * max(1, args.opens)):
            district = ["sequoia-grove", "copper-mine"][n % 2]  # alternately: the long table, a short one
            time.sleep(args.pause)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(FIRST_USABLE_FRAME)
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url(district), timeout=180_000)
            page.locator(f"{TABLE} button", has_text="Add a row").wait_for(timeout=600_000)
            wait_row(page, 1)
            opened[district].append(time.perf_counter() - started)
            line = f"  {district}: usable after {opened[district][-1]:6.2f} s"
            drawn = page.evaluate("performance.getEntriesByType('measure')"
                                  ".filter(m => m.name === 'kit-table-render').map(m => m.duration)")
            seen = page.evaluate("window.kitTableUsable")
            if drawn:  # the table widget's own render (static/table.js), in the browser
                line += f" (the table drawn in {sum(drawn):.0f} ms of it"
                line += f"; usable in the page's own frames at {seen / 1000:.2f} s)" if seen else ")"
            if seen:
                framed[district].append(seen / 1000)
            if district == "sequoia-grove" and not args.no_reach:
                reach_row(page, args.rows)
                reached.append(time.perf_counter() - started)
                line += f", row {args.rows} reached after {reached[-1]:6.2f} s"
            print(line)
            context.close()
        last_row = f", its last row {statistics.median(reached):.2f} s" if reached else ""
        print(f"  median: {args.rows}-row table usable {statistics.median(opened['sequoia-grove']):.2f} s{last_row}; "
              f"Copper Mine's short table {statistics.median(opened['copper-mine']):.2f} s")
        if framed["sequoia-grove"] and framed["copper-mine"]:
            print(f"  in the page's own frames (from navigation): {args.rows}-row table "
                  f"{statistics.median(framed['sequoia-grove']):.2f} s, short table "
                  f"{statistics.median(framed['copper-mine']):.2f} s")
        moves(browser, served.base, tokens["sequoia-grove"], args)
        browser.close()


def moves(browser, base: str, token: str, args: argparse.Namespace) -> None:
    """Sequoia Grove's workspace open at `args.start`: click -> module 00's long table usable, on
    --opens fresh pages (the first move builds module 00 unless the page built it in the background
    already; the second, back from `args.start`, only shows it again)."""
    start = get_module(args.start).id
    items = {m.id: len(m.items()) for m in all_modules()}
    print(f"Moving to {MODULE} in Sequoia Grove's open workspace ({args.rows}-row {ITEM}), from {start}:")
    first: list[float] = []
    again: list[float] = []
    for _ in range(max(1, args.opens)):
        time.sleep(args.pause)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(f"{base}/voila/render/workspace.ipynb?district=sequoia-grove&module={start}&convening=1"
                  f"&token={token}", timeout=180_000)
        page.wait_for_function(MODULE_USABLE, arg=[start, items[start]], timeout=180_000)
        page.wait_for_timeout(1000)  # a team reads before it moves
        built = page.evaluate(f"document.querySelector(\"h1[data-kit-module='{MODULE}']\") !== null")
        ms = page.evaluate(MOVE_TO_TABLE, [MODULE, TABLE, 600_000])
        line = f"  click -> table usable: {ms / 1000:6.2f} s" if ms >= 0 else "  click -> table never usable"
        line += " (module 00 built in the background before the click)" if built else ""
        if ms >= 0:
            first.append(ms / 1000)
            page.locator(f".kit-sequence a[data-kit-module='{start}']").click()  # back
            page.wait_for_function(MODULE_USABLE, arg=[start, items[start]], timeout=180_000)
            page.wait_for_timeout(1000)
            ms = page.evaluate(MOVE_TO_TABLE, [MODULE, TABLE, 600_000])
            if ms >= 0:
                again.append(ms / 1000)
                line += f"; back to {start} and again: {ms / 1000:6.2f} s"
        print(line)
        context.close()
    if first:
        print(f"  median: move to the {args.rows}-row table in an open workspace {statistics.median(first):.2f} s"
              + (f", moving to it again {statistics.median(again):.2f} s" if again else ""))


if __name__ == "__main__":
    main()

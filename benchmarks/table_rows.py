"""Tables in chromium: "Add a row" clicked again and again, and a worksheet opened on a 1,000-row answer.

Against a fresh `kit serve`, module 00's roster table (Copper Mine, convening 1):

- clicks "Add a row" in batches (20, 40, 60 by default, one after another on the same page), each
  click once the row before it is on the page, and times each batch; a linear table costs the same
  per row in every batch;
- seeds the store with a 1,000-row roster answer for another district and times opening its
  worksheet until the table is usable (its last shown row's boxes drawn and "Add a row" clickable),
  then adds rows to that long table (--big-adds), each timed as above.

Opening the same module for Copper Mine (a ten-row roster) is timed alongside, for comparison: it
is the page's cost without the long table. Chromium and the server share this machine. Floors
(issue 23): the per-row cost of a later batch within 2x of the first; a 1,000-row table usable
within 3 s.

    .venv/bin/python benchmarks/table_rows.py [--batches 20 40 60] [--rows 1000] [--opens 3]
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
from kit.content import get_module  # noqa: E402
from kit.store import Store  # noqa: E402

MODULE, ITEM = "00_team", "roster_table"


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


def rows_on_page(page) -> int:
    return page.locator(f".kit-item-{ITEM} .kit-table-row").count()


def wait_rows(page, count: int, timeout: float = 600_000) -> None:
    """Until the table shows `count` rows and the last one's boxes are drawn."""
    page.wait_for_function(
        """([sel, n]) => { const rows = document.querySelectorAll(sel);
             return rows.length >= n && rows[n - 1].querySelector('input, select') !== null; }""",
        arg=[f".kit-item-{ITEM} .kit-table-row", count], timeout=timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="*", default=[20, 40, 60], help="clicks per batch")
    parser.add_argument("--rows", type=int, default=1000, help="rows in the seeded answer")
    parser.add_argument("--opens", type=int, default=3, help="times the seeded worksheet is opened")
    parser.add_argument("--big-adds", type=int, default=10, help="rows added to the opened long table")
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

        print(f"Add a row, {MODULE} {ITEM} (Copper Mine), batches on one page:")
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(url("copper-mine"), timeout=180_000)
        add = page.locator(f".kit-item-{ITEM} button", has_text="Add a row")
        add.wait_for(timeout=180_000)
        shown = rows_on_page(page)
        total_clicks = 0
        for batch in args.batches:
            started = time.perf_counter()
            for _ in range(batch):  # as a team adds rows: each shows before the next click
                add.click()
                total_clicks += 1
                wait_rows(page, shown + total_clicks)
            took = time.perf_counter() - started
            print(f"  {batch:4d} clicks (rows {shown + total_clicks - batch + 1}–{shown + total_clicks}): "
                  f"{took:6.2f} s, {1000 * took / batch:6.0f} ms a row")
        context.close()

        print(f"Opening worksheets, {MODULE}: Sequoia Grove's {ITEM} has {args.rows} rows, Copper Mine's "
              "a few (for comparison):")
        times: dict[str, list[float]] = {"copper-mine": [], "sequoia-grove": []}
        for n in range(2 * max(1, args.opens)):
            district = ["sequoia-grove", "copper-mine"][n % 2]  # alternately: the long table, a short one
            time.sleep(args.pause)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url(district), timeout=180_000)
            add = page.locator(f".kit-item-{ITEM} button", has_text="Add a row")
            add.wait_for(timeout=600_000)
            page.wait_for_function(
                """sel => { const rows = document.querySelectorAll(sel);
                     return rows.length > 0 && rows[rows.length - 1].querySelector('input, select') !== null; }""",
                arg=f".kit-item-{ITEM} .kit-table-row", timeout=600_000)
            times[district].append(time.perf_counter() - started)
            shown = rows_on_page(page)
            print(f"  {district}: usable after {times[district][-1]:6.2f} s ({shown} rows drawn)")
            if n == 0 and args.big_adds:  # adding to a long table costs what adding to a short one does
                started = time.perf_counter()
                for k in range(args.big_adds):
                    add.click()
                    wait_rows(page, shown + k + 1)
                took = time.perf_counter() - started
                print(f"  then {args.big_adds} clicks on Add a row: {took:6.2f} s, "
                      f"{1000 * took / args.big_adds:6.0f} ms a row")
            context.close()
        print(f"  median: {args.rows}-row table {statistics.median(times['sequoia-grove']):.2f} s, "
              f"Copper Mine's short table {statistics.median(times['copper-mine']):.2f} s")
        browser.close()


if __name__ == "__main__":
    main()

"""The room view while six teams save: how soon a save shows on the projector, and what the room
view's kernel costs when nothing happens.

Default `kit serve` on the sample cohort; chromium and the server share this machine. The program
manager's room view is on module 01 with one text item compared and revealed; six team pages
(browser contexts) each type a new answer to that item every 8–20 s (random), leave the box (it
saves at once), and the time from the team's "✓ Saved" to the text on the room view's card is
taken with the browser's own clock (both pages run in one chromium). Printed (issue 19's floors in
brackets): save → shown median and p95 [p95 ≤ 2 s]; the room view kernel's CPU while idle, as a
share of one core [≤ 5%]; its memory (PSS).

    .venv/bin/python benchmarks/room_view.py [--saves 5] [--idle 30]
    bash scripts/postgres.sh run sh -c '.venv/bin/python benchmarks/room_view.py --db "$KIT_TEST_PG_URL"'
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.room import kernel_of, kernel_process, kernel_pss_mb, link, p95  # noqa: E402
from benchmarks.serving import ARGS, CHROMIUM, kit_serve, team_tokens  # noqa: E402

MODULE, ITEM = "01_approach", "promise_picture"
TICKS = 100  # os.sysconf("SC_CLK_TCK") on Linux


def kernel_cpu_seconds(kernel_id: str) -> float | None:
    proc = kernel_process(kernel_id)
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split() if proc else None
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS if fields else None  # utime + stime


async def choose(page, label: str, starts: str) -> None:
    select = page.get_by_label(label, exact=True)
    await select.locator("option", has_text=starts).first.wait_for(state="attached", timeout=30_000)
    texts = await select.evaluate("s => [...s.options].map(o => o.text)")
    await select.select_option(label=next(t for t in texts if t.replace("\xa0", " ").startswith(starts)))


WATCH = """() => {
  window.kitSeen = {};
  const note = () => document.querySelectorAll('.kit-room-card').forEach((card) => {
    for (const m of card.textContent.matchAll(/mark-(\\d+)/g)) window.kitSeen[m[1]] ??= Date.now();
  });
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
  note();
}"""


async def team_saves(page, team: int, saves: int, marks: dict[str, float]) -> None:
    box = page.locator(f".kit-module-body:not(.kit-hidden) .kit-item-{ITEM} textarea")
    for n in range(saves):
        await asyncio.sleep(random.uniform(8, 20))
        mark = f"{team}{n:03d}{random.randint(0, 999):03d}"
        await box.fill(f"Our promise, draft {n + 1}: mark-{mark}")
        await box.press("Tab")
        await page.wait_for_function(
            "(item) => !!document.querySelector(`.kit-module-body:not(.kit-hidden) .kit-item-${item} .kit-status-ok`)",
            arg=ITEM, timeout=30_000)
        marks[mark] = await page.evaluate("Date.now()")


async def run(args: argparse.Namespace) -> None:
    from playwright.async_api import async_playwright

    db = ["--db", args.db] if args.db else []
    with kit_serve(*db, *args.serve_args.split()) as served:
        tokens = team_tokens(served.data, db=args.db)
        teams = [d for d in tokens if d]
        time.sleep(args.fill_wait)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            pm = await browser.new_context(viewport={"width": 1280, "height": 720})
            room = await pm.new_page()
            await room.goto(f"{served.base}/voila/render/room.ipynb?token={tokens['']}", timeout=180_000)
            await room.wait_for_selector(".kit-room .kit-countdown-time", timeout=180_000)
            await choose(room, "Room is on", "01 ·")
            await choose(room, "Compare", "Three years from now")
            await room.get_by_role("button", name="Reveal").click()
            await room.wait_for_selector(".kit-room-card", timeout=30_000)
            await room.evaluate(WATCH)
            pages = []
            for district in teams:
                context = await browser.new_context(viewport={"width": 1280, "height": 800})
                page = await context.new_page()
                await page.goto(link(served.base, tokens[district], district, MODULE), timeout=180_000)
                await page.wait_for_selector(f"h1[data-kit-module='{MODULE}']", state="visible", timeout=180_000)
                pages.append(page)
            marks: dict[str, float] = {}
            await asyncio.gather(*(team_saves(page, n, args.saves, marks) for n, page in enumerate(pages)))
            await asyncio.sleep(5)  # the last saves reach the room view
            seen = await room.evaluate("window.kitSeen")
            latencies = [(seen[m] - at) / 1000 for m, at in marks.items() if m in seen]
            missing = [m for m in marks if m not in seen]
            print(f"save → shown on the room view: median {statistics.median(latencies):.2f} s, "
                  f"p95 {p95(latencies):.2f} s, slowest {max(latencies):.2f} s over {len(latencies)} saves "
                  f"by {len(teams)} teams; not shown within 5 s of the last save: {len(missing)} [floor p95 ≤ 2 s]")
            kernel = await kernel_of(room)
            for page in pages:
                await page.context.close()
            await asyncio.sleep(3)
            before = kernel_cpu_seconds(kernel)
            started = time.perf_counter()
            await asyncio.sleep(args.idle)
            after = kernel_cpu_seconds(kernel)
            if before is not None and after is not None:
                share = 100 * (after - before) / (time.perf_counter() - started)
                print(f"room view kernel, idle for {args.idle:g} s (no team page open): {share:.1f}% of one core "
                      f"[floor ≤ 5%]; PSS {kernel_pss_mb(kernel) or float('nan'):.1f} MB")
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=5, help="answers each team types [5]")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle to measure CPU over [30]")
    parser.add_argument("--fill-wait", type=float, default=20.0, help="seconds for the kernel pool to fill [20]")
    parser.add_argument("--db", default="", help="the store's URL, e.g. a PostgreSQL one (its NOTIFY path) [SQLite]")
    parser.add_argument("--serve-args", default="", help="extra `kit serve` options, e.g. '--pool 0'")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

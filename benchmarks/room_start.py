"""The room starts: six teams open the same module at once, on the default `kit serve`.

Six browser contexts (one per sample district, as six laptops) open module 03 within a second of
each other; each page is timed from navigation until its first rating can be clicked. Repeated
over several bursts, with the pages closed in between. A page that shows no worksheet within
`--blank-after` seconds counts as blank. Chromium and the server share this machine.

    .venv/bin/python benchmarks/room_start.py [--bursts 5] [--module 03_fundamentals]
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
from kit.content import RatingItem, get_module  # noqa: E402


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--module", default="03_fundamentals")
    parser.add_argument("--blank-after", type=float, default=60.0)
    parser.add_argument("--serve-args", default="", help="extra `kit serve` options, e.g. '--pool 1'")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    module = get_module(args.module).id
    rating = next(i.id for i in get_module(module).items() if isinstance(i, RatingItem))
    with kit_serve(*args.serve_args.split()) as served:
        base = served.base
        tokens = team_tokens(served.data)
        teams = [d for d in tokens if d]
        times: list[float] = []
        blank = 0
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            contexts = {d: browser.new_context() for d in teams}
            warm = contexts[teams[0]].new_page()  # the first page of a server starts Python's caches
            warm.goto(f"{base}/voila/render/{module}.ipynb?district={teams[0]}&token={tokens[teams[0]]}")
            warm.wait_for_selector(f".kit-item-{rating} button", timeout=300_000)
            warm.close(run_before_unload=True)
            time.sleep(5)
            for _burst in range(args.bursts):
                pages = {d: contexts[d].new_page() for d in teams}
                results: dict[str, float | None] = {}
                started = {}
                for d in teams:  # within about a second, as a room does when told "open module 03"
                    url = f"{base}/voila/render/{module}.ipynb?district={d}&token={tokens[d]}"
                    started[d] = time.perf_counter()
                    pages[d].evaluate("url => { window.location.href = url; }", url)  # returns at once
                for d in teams:
                    try:
                        pages[d].wait_for_selector(f".kit-item-{rating} button", timeout=1000 * args.blank_after)
                        results[d] = time.perf_counter() - started[d]
                    except Exception:  # noqa: BLE001 - counted, not raised
                        results[d] = None
                times += [t for t in results.values() if t is not None]
                blank += sum(t is None for t in results.values())
                for page in pages.values():
                    page.close(run_before_unload=True)
                time.sleep(8)  # the teams talk; the closed pages' kernels stop
            browser.close()
        timeouts = served.log.read_text().count("Timeout waiting for IOPub output")
    label = f"kit serve {args.serve_args}".strip()
    print(f"{label}: {args.bursts} bursts of {len(teams)} teams opening {module} at once")
    if times:
        print(f"navigation → interactive: median {statistics.median(times):.2f} s, p95 {p95(times):.2f} s,"
              f" slowest {max(times):.2f} s over {len(times)} pages")
    print(f"pages blank after {args.blank_after:g} s: {blank};"
          f" 'Timeout waiting for IOPub output' in the log: {timeouts}")


if __name__ == "__main__":
    main()

"""A flood of page requests against the default `kit serve`, on the loopback address only.

200 requests without a token (or with a made-up one) and 50 with one team's valid link, all at
once, while another team opens its module 03 in chromium. Prints the kernels the flood started,
the server's memory, and the other team's open time before, during and after.
Floors (issue 22): 0 kernels from tokenless requests; the other team's open time during the
flood within 1.5× its time before.

    .venv/bin/python benchmarks/abuse.py [--tokenless 200] [--valid 50] [--views 3]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import ARGS, CHROMIUM, kit_serve, team_tokens  # noqa: E402


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=300) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return 0


def server_rss(pid: int) -> float:
    """The server's resident memory, its kernels included (MB)."""
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 1e6


def open_time(context, url: str) -> float:
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url, timeout=300_000)
    page.wait_for_selector(".kit-item button", timeout=300_000)
    took = time.perf_counter() - started
    page.close(run_before_unload=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenless", type=int, default=200)
    parser.add_argument("--valid", type=int, default=50, help="requests with one team's valid link")
    parser.add_argument("--views", type=int, default=3, help="the other team's page views before and after")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with kit_serve() as served:
        base, log = served.base, served.log
        tokens = team_tokens(served.data)
        team = f"{base}/voila/render/03_fundamentals.ipynb?district=copper-mine&token={tokens['copper-mine']}"
        tokenless = [f"{base}/voila/render/03_fundamentals.ipynb?district=windy-city&mode=report",
                     f"{base}/voila/render/home.ipynb?token=made-up-token-{0:04d}",
                     f"{base}/voila/render/03_fundamentals.ipynb?district=copper-mine&token={tokens['windy-city']}"]
        flood_urls = [tokenless[n % 3].replace("0000", f"{n:04d}") for n in range(args.tokenless)]
        valid = f"{base}/voila/render/09_reflection.ipynb?district=windy-city&token={tokens['windy-city']}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context()
            open_time(context, team)  # the first view starts Python's caches: not counted
            before = [open_time(context, team) for _ in range(args.views)]
            rss_before = server_rss(served.process.pid)
            started_before = log.read_text().count("Kernel started")

            results: dict[str, list[int]] = {}

            def flood() -> None:
                with concurrent.futures.ThreadPoolExecutor(64) as pool:
                    results["tokenless"] = list(pool.map(status_of, flood_urls))
                started_after_tokenless = log.read_text().count("Kernel started")
                results["kernels_tokenless"] = [started_after_tokenless - started_before]
                with concurrent.futures.ThreadPoolExecutor(50) as pool:
                    results["valid"] = list(pool.map(status_of, [valid] * args.valid))

            attacker = threading.Thread(target=flood)
            attacker.start()
            time.sleep(0.5)
            during = [open_time(context, team)]
            rss_peak = server_rss(served.process.pid)
            attacker.join()
            after = [open_time(context, team) for _ in range(args.views)]
            rss_after = server_rss(served.process.pid)
            browser.close()
        started = log.read_text().count("Kernel started") - started_before
    refused = sum(s in (403, 404) for s in results["tokenless"])
    valid_ok, valid_limited = results["valid"].count(200), results["valid"].count(429)
    print(f"flood: {args.tokenless} requests without a valid link, then {args.valid} with one team's link")
    print(f"  without a valid link: {refused} refused (403/404), kernels started: {results['kernels_tokenless'][0]}"
          " (floor: 0)")
    print(f"  with the team's link: {valid_ok} pages (200), {valid_limited} refused as over the link's limit (429)")
    print(f"  kernels started by the flood and the other team's views: {started}")
    print(f"server memory (RSS, kernels included): before {rss_before:.0f} MB, during {rss_peak:.0f} MB,"
          f" after {rss_after:.0f} MB")
    ratio = during[0] / statistics.median(before)
    print(f"another team opens module 03: before median {statistics.median(before):.2f} s, during"
          f" {during[0]:.2f} s ({ratio:.2f}×, floor ≤ 1.5×), after median {statistics.median(after):.2f} s")


if __name__ == "__main__":
    main()

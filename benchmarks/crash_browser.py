"""A crash right after typing: is every typed text in the store, or offered back from the browser's draft?

Chromium types into a worksheet's text box (one answer a try, each try a fresh browser profile as a
team's laptop), `kit serve` and its kernels are SIGKILLed 0.1–1.5 s after the last keystroke (the
tries spread evenly over that range; the kernel saves 1 s after typing stops), the server is started
again on the same store and port, and the page is opened again in the same browser profile. Kernels
run in sessions of their own: with `--server-only` only the server process is killed, and its
kernels, left running, stop cleanly about a second later (saving what waits for its debounce).

A try's text is kept when the store holds it, or when the reopened page offers it back ("You typed
this and it was not saved: keep it?"); then Keep is pressed and the store must hold it. Also counted:
the times the page said "✓ Saved" after the crash while the store did not hold the text (a lie).

    .venv/bin/python benchmarks/crash_browser.py [--tries 20] [--serve-args '--pool 0']

Chromium and the server share this machine.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import ARGS, CHROMIUM, CrashableServer, stored_answer, team_tokens  # noqa: E402
from kit.content import TextItem, get_module  # noqa: E402

MODULE = "09_reflection"
ITEMS = [i.id for i in get_module(MODULE).items() if isinstance(i, TextItem)]
SHOWN = ".kit-module-body:not(.kit-hidden)"


def open_page(context, url: str):
    page = context.new_page()
    page.goto(url, timeout=120_000)
    page.wait_for_selector(f"{SHOWN} .kit-item textarea", timeout=120_000)
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--serve-args", default="--pool 0", help="options for kit serve (default: %(default)s)")
    parser.add_argument("--server-only", action="store_true",
                        help="kill the server process only: its kernels (in sessions of their own) live on, "
                             "notice within a second or so, and stop cleanly, saving what waits")
    args = parser.parse_args()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    districts = [d.stem for d in sorted((ROOT / "sample_districts").glob("*.yaml")) if not d.stem.startswith("_")]
    delays = [0.1 + 1.4 * n / max(1, args.tries - 1) for n in range(args.tries)]
    kept = stored = offered = saved_after_keep = lies = 0
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        data = Path(folder)
        server = CrashableServer(ROOT / "sample_districts", data, *shlex.split(args.serve_args))
        server.start()
        token = team_tokens(data)[""]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for n, delay in enumerate(delays):
                district, item = districts[n % len(districts)], ITEMS[(n // len(districts)) % len(ITEMS)]
                url = f"{server.base}/voila/render/{MODULE}.ipynb?district={district}&convening=1&token={token}"
                typed = f"Try {n + 1}: what we learned at {district}, in our own words ({delay:.2f} s)."
                context = browser.new_context()
                page = open_page(context, url)
                box = page.locator(f"{SHOWN} .kit-item-{item} textarea")
                box.press_sequentially(typed, delay=25)
                time.sleep(delay)
                server.crash(kernels=not args.server_only)
                # What the page says once it knows (a confirmation before the kill, or none after it).
                status = page.locator(f"{SHOWN} .kit-item-{item} .kit-status")
                page.wait_for_timeout(6_000)
                said = status.inner_text() if status.count() else ""
                page.close()
                server.start()
                in_store = stored_answer(data, district, MODULE, item) == typed
                if "Saved" in said and "Not saved" not in said and not in_store:
                    lies += 1
                again = open_page(context, url)
                offer = again.locator(f"{SHOWN} .kit-item-{item} .kit-draft-offer")
                shown_text = again.locator(f"{SHOWN} .kit-item-{item} textarea").input_value()
                how = "lost"
                if in_store and shown_text == typed:
                    how, stored = "in the store", stored + 1
                else:
                    with suppress(PlaywrightTimeout):  # no offer: the text is lost
                        offer.wait_for(timeout=15_000)
                    if offer.count() and typed in offer.inner_text():
                        how, offered = "offered back", offered + 1
                        offer.locator("button", has_text="Keep").click()
                        again.locator(f"{SHOWN} .kit-item-{item} .kit-status-ok").wait_for(timeout=30_000)
                        if stored_answer(data, district, MODULE, item) == typed:
                            saved_after_keep += 1
                            how += ", saved on Keep"
                kept += how != "lost"
                print(f"try {n + 1:2d}: kill {delay:.2f} s after typing: {how}; the page said {said!r}", flush=True)
                context.close()
        finally:
            browser.close()
            server.stop()
    print(f"{kept} of {args.tries} kept ({stored} in the store, {offered} offered back from the draft, "
          f"{saved_after_keep} of those saved on Keep); 'Saved' shown for unsaved text: {lies}")


if __name__ == "__main__":
    main()

"""The room, on the default `kit serve`: six teams open their workspaces and move between modules.

Chromium and the server share this machine (two cores here). Each browser context is one team's
laptop. Printed, for the README's Measured table (issue 18's floors in brackets):

1. first open of a team link, a ready kernel waiting: median [≤ 1.5 s];
2. room start: in each burst the six teams open module 03 within about two seconds of each other;
   navigation → module usable: median and p95 [p95 ≤ 4 s], and pages left blank [0 over 20 bursts];
3. under that load, the six pages tour 00 → 09 at once: switch p95 [≤ 1 s]; straight after the room
   start, and again after the six have spent `--settle` seconds on their first module (a new burst);
4. one team tours 00 → 09 → 00 after a minute on its first module (as a team spends it): click →
   heading shown and every item of the module there, median and p95 [≤ 300 ms, ≤ 600 ms];
5. the touring page's kernel: PSS after one tour and after three [≤ 100 MB, growth ≤ 10 MB], and
   the kernels the server holds.

"Usable" means the module's heading is shown and all of its items are on the page.

    .venv/bin/python benchmarks/room.py [--bursts 20] [--serve-args '--pool 0']
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import ARGS, CHROMIUM, kit_serve, team_tokens  # noqa: E402
from kit.content import all_modules  # noqa: E402

MODULES = [m.id for m in all_modules()]
ITEMS = {m.id: len(m.items()) for m in all_modules()}

# Resolves with the milliseconds from now until `module` is usable (or -1 after `limit` ms).
USABLE = """async ([module, items, limit, click]) => {
  const start = performance.now();
  if (click) {
    const link = document.querySelector(`.kit-sequence a[data-kit-module='${module}']`);
    if (!link) return -1;  // a page that never drew its navigation: counted as not usable
    link.click();
  }
  const shown = (el) => el && el.offsetParent !== null;
  while (performance.now() - start < limit) {
    const heading = document.querySelector(`h1[data-kit-module='${module}']`);
    if (shown(heading)) {
      const body = heading.closest('.kit-module-body');
      const others = [...document.querySelectorAll('h1[data-kit-module]')].filter(shown).length;
      if (others === 1 && body.querySelectorAll('.kit-item').length >= items) return performance.now() - start;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return -1;
}"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(values: list[float], unit: str = "s") -> str:
    if not values:
        return "no values"
    scale = 1000 if unit == "ms" else 1
    return (f"median {statistics.median(values) * scale:.{0 if unit == 'ms' else 2}f} {unit}, "
            f"p95 {p95(values) * scale:.{0 if unit == 'ms' else 2}f} {unit}, "
            f"slowest {max(values) * scale:.{0 if unit == 'ms' else 2}f} {unit} over {len(values)}")


def link(base: str, token: str, district: str, module: str) -> str:
    return f"{base}/voila/render/workspace.ipynb?district={district}&module={module}&token={token}"


async def open_timed(page, url: str, module: str, limit_s: float) -> float | None:
    """Navigate and return the seconds until the module is usable (None: still blank after `limit_s`)."""
    started = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=limit_s * 1000)
        await page.wait_for_selector(f"h1[data-kit-module='{module}']", state="visible",
                                     timeout=max(1.0, limit_s - (time.perf_counter() - started)) * 1000)
        left = max(1.0, limit_s - (time.perf_counter() - started)) * 1000
        if await page.evaluate(USABLE, [module, ITEMS[module], left, False]) < 0:
            return None
    except Exception:  # noqa: BLE001 - a timeout is a blank page, counted
        return None
    return time.perf_counter() - started


async def opened_after(delay: float, page, url: str, module: str, limit_s: float) -> float | None:
    await asyncio.sleep(delay)
    return await open_timed(page, url, module, limit_s)


async def switch_timed(page, module: str, limit_s: float = 30.0) -> float | None:
    ms = await page.evaluate(USABLE, [module, ITEMS[module], limit_s * 1000, True])
    return None if ms < 0 else ms / 1000


async def one_team_at_a_time(contexts: list, gap: float, open_page_timed) -> list[float]:
    """First opens with nobody else: each context in turn opens a page (`open_page_timed(page, n)`, its
    seconds or None when it never came), closes it as a tab is closed, then waits `gap` seconds."""
    times: list[float] = []
    for n, context in enumerate(contexts):
        page = await context.new_page()
        took = await open_page_timed(page, n)
        if took is not None:
            times.append(took)
        await page.close(run_before_unload=True)
        await asyncio.sleep(gap)
    return times


async def tour_together(pages: dict[str, object], module: str) -> list[float]:
    """All `pages`, open at `module`, move to each other module in turn at the same moment; every
    switch's seconds (30: never usable)."""
    loaded: list[float] = []
    for target in [m for m in MODULES if m != module]:
        results = await asyncio.gather(*(switch_timed(page, target) for page in pages.values()))
        loaded += [r if r is not None else 30.0 for r in results]
    return loaded


def kernel_process(kernel_id: str) -> Path | None:
    """The /proc folder of the kernel process with this id, if it is running."""
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and f"kernel-{kernel_id}".encode() in (proc / "cmdline").read_bytes():
                return proc
        except OSError:
            continue
    return None


def kernel_pss_mb(kernel_id: str) -> float | None:
    proc = kernel_process(kernel_id)
    try:
        for line in (proc / "smaps_rollup").read_text().splitlines() if proc else ():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def kernels_held() -> int:
    count = 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"ipykernel_launcher" in (proc / "cmdline").read_bytes():
                count += 1
        except OSError:
            continue
    return count


async def kernel_of(page) -> str:
    return await page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


async def run(args: argparse.Namespace) -> None:
    from playwright.async_api import async_playwright

    with kit_serve(*args.serve_args.split()) as served:
        tokens = team_tokens(served.data)
        teams = [d for d in tokens if d]
        base = served.base
        time.sleep(args.fill_wait)  # the pool of ready kernels fills as the server starts
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            contexts = {d: await browser.new_context(viewport={"width": 1280, "height": 800}) for d in teams}

            # 1. first open, one team at a time
            first = await one_team_at_a_time(
                [contexts[d] for d in teams], args.gap,
                lambda page, n: open_timed(page, link(base, tokens[teams[n]], teams[n], "00_team"), "00_team", 60))
            print(f"first open of a team link: {summary(first)}", flush=True)

            # 2. room start
            starts: list[float] = []
            blank = 0
            pages: dict[str, object] = {}
            for burst in range(args.bursts):
                pages = {d: await contexts[d].new_page() for d in teams}

                results = await asyncio.gather(*(
                    opened_after(n * 2.0 / len(teams), pages[d], link(base, tokens[d], d, args.module), args.module,
                                 args.blank_after) for n, d in enumerate(teams)))
                starts += [r for r in results if r is not None]
                blank += sum(r is None for r in results)
                if burst < args.bursts - 1:
                    for page in pages.values():
                        await page.close(run_before_unload=True)
                    await asyncio.sleep(args.gap)
            print(f"room start ({args.bursts} bursts of {len(teams)} teams opening {args.module} within 2 s): "
                  f"{summary(starts)}; pages blank after {args.blank_after:g} s: {blank}", flush=True)

            # 3. the six pages of the last burst tour 00 → 09 at once, straight away (every module is
            # built as it is asked for: background builds wait while the machine is busy) ...
            loaded = await tour_together(pages, args.module)
            print(f"six teams touring at once, straight after the room start, switch: {summary(loaded, 'ms')}",
                  flush=True)
            for page in pages.values():
                await page.close(run_before_unload=True)
            await asyncio.sleep(args.gap)
            # ... and as a room does: the six open their module, work on it for a while, then move on
            pages = {d: await contexts[d].new_page() for d in teams}
            await asyncio.gather(*(opened_after(n * 2.0 / len(teams), pages[d], link(base, tokens[d], d, args.module),
                                                args.module, args.blank_after) for n, d in enumerate(teams)))
            await asyncio.sleep(args.settle)
            loaded = await tour_together(pages, args.module)
            print(f"six teams touring at once after {args.settle:g} s on {args.module}, switch: "
                  f"{summary(loaded, 'ms')}", flush=True)
            for page in pages.values():
                await page.close(run_before_unload=True)
            await asyncio.sleep(args.gap)

            # 4. one team's tour after its first minute on a module, 5. its kernel's memory
            team = teams[0]
            page = await contexts[team].new_page()
            await open_timed(page, link(base, tokens[team], team, MODULES[0]), MODULES[0], 60)
            await asyncio.sleep(args.settle)
            kernel = await kernel_of(page)
            tour = [*MODULES[1:], *reversed(MODULES[:-1])]
            switches: list[float] = []
            pss: list[float | None] = []
            for _round in range(3):
                for module in tour:
                    took = await switch_timed(page, module)
                    switches.append(took if took is not None else 30.0)
                    await asyncio.sleep(args.pause)
                pss.append(kernel_pss_mb(kernel))
                if _round == 0:
                    print(f"one team's tour 00 → 09 → 00, switch: {summary(switches, 'ms')}", flush=True)
            print(f"all three tours, switch: {summary(switches, 'ms')}")
            shown = ", ".join("?" if v is None else f"{v:.1f}" for v in pss)
            print(f"its kernel's PSS after tours 1, 2, 3: {shown} MB; kernels held by the server: {kernels_held()}")
            await browser.close()
        timeouts = served.log.read_text().count("Timeout waiting for IOPub output")
        print(f"'Timeout waiting for IOPub output' in the server log: {timeouts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=20)
    parser.add_argument("--module", default="03_fundamentals")
    parser.add_argument("--blank-after", type=float, default=30.0)
    parser.add_argument("--gap", type=float, default=8.0, help="seconds between bursts (the teams talk)")
    parser.add_argument("--fill-wait", type=float, default=20.0, help="seconds for the pool to fill at start")
    parser.add_argument("--settle", type=float, default=60.0, help="seconds on the first module before the tour")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between two moves of the tour")
    parser.add_argument("--serve-args", default="", help="extra `kit serve` options, e.g. '--pool 0'")
    args = parser.parse_args()
    print(f"kit serve {args.serve_args}".strip() + f", chromium on the same machine ({len(ITEMS)} modules)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

"""What Voila itself costs in the room: the floor under benchmarks/room.py's first open and room start.

A notebook with one heading and one text box (no kit code at all) is served by plain Voila with
the kit's pool settings (a ready kernel per team, IPC transport), and opened as room.py opens a
team's link: one browser context at a time (first open), then six contexts within about two
seconds of each other (room start), each timed from navigation until the text box is usable.
Chromium and the server share this machine, as in room.py. Whatever the kit does, its pages
cannot open faster than this in the same conditions.

    .venv/bin/python benchmarks/voila_floor.py [--bursts 3] [--teams 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.room import one_team_at_a_time, summary  # noqa: E402
from benchmarks.serving import ARGS, CHROMIUM, free_port, wait_for_voila  # noqa: E402

READY = ".widget-text input"


def write_notebook(folder: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import ipywidgets as w\nw.VBox([w.HTML('<h1>A team</h1>'), w.Text(description='Name')])")]
    path = folder / "one_box.ipynb"
    nbformat.write(nb, path)
    return path


async def opened(page, url: str, delay: float, limit_s: float) -> float | None:
    await asyncio.sleep(delay)
    started = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=limit_s * 1000)
        await page.wait_for_selector(READY, state="visible", timeout=limit_s * 1000)
    except Exception:  # noqa: BLE001 - a page that never showed its box is counted, not raised
        return None
    return time.perf_counter() - started


async def run(args: argparse.Namespace, url: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        contexts = [await browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(args.teams)]
        first = await one_team_at_a_time(contexts, args.gap, lambda page, _n: opened(page, url, 0, 60))
        print(f"first open: {summary(first)}", flush=True)
        starts: list[float] = []
        blank = 0
        for _burst in range(args.bursts):
            pages = [await context.new_page() for context in contexts]
            results = await asyncio.gather(*(opened(page, url, n * 2.0 / args.teams, 60)
                                             for n, page in enumerate(pages)))
            starts += [r for r in results if r is not None]
            blank += sum(r is None for r in results)
            for page in pages:
                await page.close(run_before_unload=True)
            await asyncio.sleep(args.gap)
        print(f"room start ({args.bursts} bursts of {args.teams} within 2 s): {summary(starts)}; "
              f"blank after 60 s: {blank}", flush=True)
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--teams", type=int, default=6)
    parser.add_argument("--gap", type=float, default=8.0, help="seconds between opens and bursts, as room.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        notebook = write_notebook(Path(folder))
        port = free_port()
        log = Path(folder) / "voila.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "voila", notebook.name, f"--port={port}", "--no-browser",
                 "--preheat_kernel=True", f"--VoilaKernelManager.kernel_pools_config={{'default': "
                 f"{{'pool_size': {args.teams}}}}}", "--VoilaKernelManager.fill_delay=2",
                 "--KernelManager.transport=ipc"],
                cwd=folder, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1"})
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_for_voila(url.rstrip("/"), server, log, "voila")
            time.sleep(20)  # the pool fills
            print(f"plain Voila, one text box, pool of {args.teams}; chromium on the same machine; "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
            asyncio.run(run(args, url))
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()

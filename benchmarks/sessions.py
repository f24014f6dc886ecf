"""Open worksheet sessions against one `kit serve`: memory per session, and how fast one more opens.

Opens 10, 25 and 50 worksheet pages (a round of the ten modules across the six sample districts,
each with its team's link, as a room of teams would) in chromium against a running `kit serve`
(no pool), keeps them open, then reads from /proc the memory of every kernel and of the Voila
server: RSS (resident) and PSS (proportional: shared library pages split between the processes
that share them, so the PSS of all processes adds up to what the machine really holds). With all
of them open it times one more worksheet from navigation to interactive. Linux only.

    .venv/bin/python benchmarks/sessions.py [--counts 10,25,50] [--module 03_fundamentals]

Floor (issue 11): at most 100 MB per open worksheet session.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import ARGS, CHROMIUM, free_port, team_tokens  # noqa: E402
from kit.content import all_modules  # noqa: E402
from kit.districts import load_cohort  # noqa: E402
from kit.sample_answers import load_answers  # noqa: E402
from kit.store import Store  # noqa: E402

COHORT = ROOT / "sample_districts"


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB, or zeros if it has gone."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    except OSError:
        return 0.0, 0.0
    fields = {line.split()[0].rstrip(":"): int(line.split()[1]) / 1024 for line in lines}
    return fields.get("Rss", 0.0), fields.get("Pss", 0.0)


def children(pid: int) -> list[int]:
    """Every descendant process of `pid`."""
    parent_of = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent_of[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        kids = [p for p, parent in parent_of.items() if parent == current]
        found += kids
        frontier += kids
    return found


def kernels(server: int) -> list[int]:
    out = []
    for pid in children(server):
        try:
            if b"ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(pid)
        except OSError:
            continue
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="10,25,50", help="how many pages to have open, in turn")
    parser.add_argument("--module", default="03_fundamentals", help="the worksheet timed with the others open")
    args = parser.parse_args()
    counts = sorted(int(c) for c in args.counts.split(","))
    from playwright.sync_api import sync_playwright

    modules = [m.id for m in all_modules()]
    districts = [d.id for d in load_cohort(COHORT)[0]]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        store = Store(f"sqlite:///{data / 'kit.db'}")
        load_answers(COHORT / "_sample_answers.yaml", store)
        store.close()
        port = free_port()
        env = {**os.environ, "KIT_DATA": str(data)}
        env.pop("KIT_DB_URL", None)
        server = subprocess.Popen([sys.executable, "-m", "kit.cli", "serve", "--port", str(port), "--cohort",
                                   str(COHORT)], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}/voila/render"
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=60)  # no kernel
                break
            except OSError:
                time.sleep(0.5)
        tokens = team_tokens(data, COHORT)
        idle_rss, idle_pss = memory_mb(server.pid)
        rows = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                pages = []
                for count in counts:
                    while len(pages) < count:
                        n = len(pages)
                        module, district = modules[n % len(modules)], districts[(n // len(modules)) % len(districts)]
                        page = browser.new_context().new_page()
                        page.goto(f"{base}/{module}.ipynb?district={district}&token={tokens[district]}",
                                  timeout=300_000)
                        page.wait_for_selector(".kit-item", timeout=300_000)
                        pages.append(page)
                    time.sleep(3)  # let the last kernels settle
                    pids = kernels(server.pid)
                    per = [memory_mb(pid) for pid in pids]
                    server_rss, server_pss = memory_mb(server.pid)
                    page = browser.new_context().new_page()
                    district = districts[0]
                    started = time.perf_counter()
                    page.goto(f"{base}/{args.module}.ipynb?district={district}&token={tokens[district]}",
                              timeout=300_000)
                    page.wait_for_selector(".kit-item button", timeout=300_000)
                    opened = time.perf_counter() - started
                    page.context.close()
                    kernel_pss = sum(p for _, p in per)
                    rows.append((count, len(pids), statistics.median(r for r, _ in per),
                                 statistics.median(p for _, p in per), kernel_pss, server_pss,
                                 (kernel_pss + server_pss - idle_pss) / count, opened))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(f"kit serve (no pool), sample cohort with a year of answers; Voila server idle: RSS {idle_rss:.0f} MB, "
          f"PSS {idle_pss:.0f} MB")
    print("| open pages | kernels | kernel RSS, median | kernel PSS, median | all kernels, PSS | Voila server, PSS |"
          f" per open session | {args.module} opens in |")
    print("|---|---|---|---|---|---|---|---|")
    for count, n, rss, pss, total, srv, per_session, opened in rows:
        print(f"| {count} | {n} | {rss:.0f} MB | {pss:.0f} MB | {total / 1024:.2f} GB | {srv:.0f} MB |"
              f" **{per_session:.0f} MB** | {opened:.2f} s |")
    print("Per open session = (PSS of all kernels + growth of the Voila server's PSS) / open pages."
          " Floor: at most 100 MB.")


if __name__ == "__main__":
    main()

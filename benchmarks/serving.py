"""A `kit serve` for a benchmark: a fresh store in a temporary folder, on a free port, stopped afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kit.printing import chromium

CHROMIUM = chromium()  # Debian's chromium: Playwright's own browsers cannot be downloaded here
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def team_tokens(data: Path, cohort: Path | None = None) -> dict[str, str]:
    """The tokens `kit serve` made for a cohort (the sample one unless named), read from the store in
    `data`; "" is the program manager's."""
    from kit.districts import load_cohort
    from kit.paths import sample_cohort_dir
    from kit.store import Store

    cohort = cohort or sample_cohort_dir()
    store = Store(f"sqlite:///{data / 'kit.db'}")
    try:
        return store.links(cohort.name, [d.id for d in load_cohort(cohort)[0]])
    finally:
        store.close()


@dataclass
class Served:
    base: str  # http://127.0.0.1:PORT
    data: Path  # the store's folder (KIT_DATA)
    log: Path  # everything kit serve printed
    process: subprocess.Popen


@contextmanager
def kit_serve(*options: str, **settings: str) -> Iterator[Served]:
    """`kit serve --port P *options` with `settings` in its environment; yields once it answers."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        env = {**os.environ, "KIT_DATA": folder, **settings}
        env.pop("KIT_DB_URL", None)
        port = free_port()
        log = data / "serve.log"
        with log.open("w") as out:
            process = subprocess.Popen([sys.executable, "-m", "kit.cli", "serve", "--port", str(port), *options],
                                       env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(480):  # a static file: every page asks for a link, this does not
                try:
                    urllib.request.urlopen(f"{base}/voila/static/voila.js", timeout=30).close()
                    break
                except OSError:
                    if process.poll() is not None:
                        raise SystemExit(f"kit serve exited:\n{log.read_text()}") from None
                    time.sleep(0.5)
            yield Served(base, data, log, process)
        finally:
            process.terminate()
            process.wait(timeout=60)

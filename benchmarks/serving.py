"""A `kit serve` for a benchmark: a fresh store in a temporary folder, on a free port, stopped afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


def team_tokens(data: Path, cohort: Path | None = None, db: str = "") -> dict[str, str]:
    """The tokens `kit serve` made for a cohort (the sample one unless named), read from the store in
    `data` (or the database `db`); "" is the program manager's."""
    from kit.districts import load_cohort
    from kit.paths import sample_cohort_dir
    from kit.store import Store

    cohort = cohort or sample_cohort_dir()
    store = Store(db or f"sqlite:///{data / 'kit.db'}")
    try:
        return store.links(cohort.name, [d.id for d in load_cohort(cohort)[0]])
    finally:
        store.close()


def wait_for_voila(base: str, process: subprocess.Popen, log: Path, name: str) -> None:
    """Return once the Voila at `base` answers (a static file: every page asks for a link, this does not)."""
    for _ in range(480):
        try:
            urllib.request.urlopen(f"{base}/voila/static/voila.js", timeout=30).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited:\n{log.read_text()}") from None
            time.sleep(0.5)


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
            wait_for_voila(base, process, log, "kit serve")
            yield Served(base, data, log, process)
        finally:
            process.terminate()
            process.wait(timeout=60)


class CrashableServer:
    """`kit serve` in its own process group, so that it and its kernels can be SIGKILLed together (a
    crash, as a power cut or the OOM killer would make it) and started again on the same store and
    port (the same origin: the browser's drafts in localStorage are per origin)."""

    def __init__(self, cohort: Path, data: Path, *options: str) -> None:
        self.cohort, self.data, self.options = cohort, data, options
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 180) -> str:
        env = {**os.environ, "KIT_DATA": str(self.data)}
        env.pop("KIT_DB_URL", None)
        self.starts += 1
        with open(self.data / f"serve-{self.starts}.log", "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kit.cli", "serve", "--cohort", str(self.cohort), "--port", str(self.port),
                 *self.options],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.data, start_new_session=True,
            )
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/voila/static/voila.js", timeout=30).close()
                return self.base
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        raise RuntimeError("kit serve did not start: " + (self.data / f"serve-{self.starts}.log").read_text())

    def crash(self, kernels: bool = True) -> None:
        """SIGKILL the server and, with `kernels`, every kernel it started at the same instant (a machine
        that dies). Jupyter starts kernels in sessions of their own: without `kernels` they live on,
        notice their server is gone within a second or so, and stop cleanly (saving what waits)."""
        assert self.proc is not None
        doomed = descendants(self.proc.pid) if kernels else []
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in doomed:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.crash()


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc), whatever its session."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stored_answer(data: Path, district: str, module: str, item: str, convening: str = "1") -> object:
    """The value the store in `data` holds for an item now (None: nothing saved)."""
    from kit.store import Store

    store = Store(f"sqlite:///{data / 'kit.db'}")
    try:
        answer = store.latest(district, convening, module).get(item)
    finally:
        store.close()
    return None if answer is None else answer.value

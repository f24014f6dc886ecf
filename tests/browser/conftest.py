"""Browser tests: a real `kit serve` and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import ARGS, CHROMIUM, ROOT  # noqa: F401 - re-exported for benchmarks

TOKENS: dict[str, str] = {}  # the running server's team links: district id → token ("" → program manager)


def team_tokens(data) -> dict[str, str]:
    """The tokens `kit serve` made for the sample cohort, read from its store."""
    from kit.districts import load_cohort
    from kit.store import Store

    store = Store(f"sqlite:///{data / 'kit.db'}")
    tokens = store.links("sample_districts", [d.id for d in load_cohort(ROOT / "sample_districts")[0]])
    store.close()
    return tokens


def pm(url: str) -> str:
    """`url` opened with the program manager's link."""
    return f"{url}{'&' if '?' in url else '?'}token={TOKENS['']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[str]:
    """`kit serve` on the sample cohort with a fresh database; yields the base URL."""
    data = tmp_path_factory.mktemp("kit-data")
    port = free_port()
    env = {**os.environ, "KIT_DATA": str(data)}
    env.pop("KIT_DB_URL", None)
    log = open(data / "serve.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "kit.cli", "serve", "--cohort", str(ROOT / "sample_districts"), "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/voila/render/home.ipynb", timeout=60)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("kit serve did not start: " + (data / "serve.log").read_text())
    if proc.poll() is not None:
        pytest.fail("kit serve exited: " + (data / "serve.log").read_text())
    TOKENS.update(team_tokens(data))
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def open_page(context, url: str):
    page = context.new_page()
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".kit-page .kit-item, .kit-error-page, .kit-home", timeout=120_000)
    return page

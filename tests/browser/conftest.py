"""Browser tests: a real `kit serve` and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT

TOKENS: dict[str, str] = {}  # the running server's team links: district id → token ("" → program manager)
DATA: dict[str, Path] = {}  # "server": the session server's data folder (its store is kit.db there)


def team_tokens(data: Path, cohort: Path = ROOT / "sample_districts") -> dict[str, str]:
    """The tokens `kit serve` made for a cohort, read from its store."""
    from kit.districts import load_cohort
    from kit.store import Store

    store = Store(f"sqlite:///{data / 'kit.db'}")
    tokens = store.links(cohort.name, [d.id for d in load_cohort(cohort)[0]])
    store.close()
    return tokens


def pm(url: str) -> str:
    """`url` opened with the program manager's link."""
    return f"{url}{'&' if '?' in url else '?'}token={TOKENS['']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(cohort: Path, data: Path, pool: int | None = None, options: tuple[str, ...] = (),
                   **settings: str) -> Iterator[str]:
    """`kit serve` on `cohort` with its store in `data`; yields the base URL, stops it afterwards.

    `pool` None: kit serve's default pool (one ready workspace kernel per team).

    `options` are extra `kit serve` options (("--cull-minutes", "1")); `settings` extra environment
    variables (KIT_MAX_PAGES_PER_LINK="2"); the log is data/serve.log.
    """
    port = free_port()
    env = {**os.environ, "KIT_DATA": str(data), **settings}
    env.pop("KIT_DB_URL", None)
    log = open(data / "serve.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "kit.cli", "serve", "--cohort", str(cohort), "--port", str(port),
         *([] if pool is None else ["--pool", str(pool)]), *options],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{base}/voila/render/guide.ipynb", timeout=60)
                break
            except urllib.error.HTTPError:  # "No access" without a token: the server is answering
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("kit serve did not start: " + (data / "serve.log").read_text())
        if proc.poll() is not None:
            pytest.fail("kit serve exited: " + (data / "serve.log").read_text())
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[str]:
    """`kit serve` on the sample cohort with a fresh database; yields the base URL."""
    data = tmp_path_factory.mktemp("kit-data")
    with running_server(ROOT / "sample_districts", data) as base:
        TOKENS.update(team_tokens(data))
        DATA["server"] = data
        yield base


def server_store():
    """The session server's store, to read what a test saved through the page (close it after use)."""
    from kit.store import Store

    return Store(f"sqlite:///{DATA['server'] / 'kit.db'}")


@pytest.fixture
def fresh_room(server) -> None:
    """Start from a room no other test has moved: tests share the session's server, and a room left
    on a block or a module by one test would make the next one's picks change nothing."""
    with sqlite3.connect(DATA["server"] / "kit.db") as db:
        db.execute("DELETE FROM room_state")


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """`kit serve` on the sample cohort with its synthetic year of answers loaded, so that the cohort
    page and the dashboard have charts, flags and paths to show; yields the base URL and the program
    manager's token. Tests only read from it."""
    from kit.sample_answers import load_answers
    from kit.store import Store

    data = tmp_path_factory.mktemp("kit-sample")
    store = Store(f"sqlite:///{data / 'kit.db'}")
    load_answers(ROOT / "sample_districts" / "_sample_answers.yaml", store)
    store.close()
    with running_server(ROOT / "sample_districts", data) as base:
        yield base, team_tokens(data)[""]


# The module a workspace shows: the others it has built stay in the page, hidden (kit.workspace).
SHOWN = ".kit-module-body:not(.kit-hidden)"


def shown(page):
    """The module the page shows (locators inside it never match a hidden module's items)."""
    return page.locator(SHOWN)


# What the browser reported during the current test (console errors, uncaught exceptions), shown with
# the server's log beside a failed test's report: a page that hung on a busy CI machine says why.
BROWSER_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def _fresh_browser_errors() -> Iterator[None]:
    BROWSER_ERRORS.clear()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    if BROWSER_ERRORS:
        report.sections.append(("browser errors", "\n".join(BROWSER_ERRORS[-30:])))
    log = DATA.get("server")
    if log is not None and (log / "serve.log").exists():
        tail = (log / "serve.log").read_text(errors="replace").splitlines()[-60:]
        report.sections.append(("kit serve log (session server, last 60 lines)", "\n".join(tail)))


def watch_errors(page) -> None:
    """Keep the page's console errors and uncaught exceptions for a failed test's report."""
    page.on("console", lambda m: m.type == "error" and BROWSER_ERRORS.append(f"{page.url[:80]}: {m.text[:300]}"))
    page.on("pageerror", lambda e: BROWSER_ERRORS.append(f"{page.url[:80]}: uncaught {str(e)[:300]}"))


def open_page(context, url: str):
    page = context.new_page()
    watch_errors(page)
    page.goto(url, timeout=120_000)
    # A page refused for a limit (pages of earlier tests not yet known as left) tries again by itself.
    page.wait_for_selector(".kit-page .kit-item, .kit-error-page:not(.kit-retrying), .kit-home", timeout=120_000)
    return page


def kernel_id(page) -> str:
    """The kernel behind a Voila page, from the page's own config."""
    return page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


def kernel_alive(base: str, kernel_id: str, manager_token: str | None = None) -> bool:
    """Whether Voila still has this kernel (its kernel route answers 404 once the kernel is stopped).

    Asked with the program manager's link (of the session's server unless another is given): a
    kernel's routes answer no one without a link.
    """
    token = manager_token or TOKENS[""]
    try:
        urllib.request.urlopen(f"{base}/api/kernels/{kernel_id}?token={token}", timeout=10)
    except urllib.error.HTTPError as refused:
        assert refused.code == 404, refused
        return False
    except OSError:  # busy (a kernel shutting down, a slow machine): ask again
        return True
    return True

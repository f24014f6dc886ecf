"""Shared fixtures: where the kit and the research briefs are, answer stores, a browser; the skip summary."""

from __future__ import annotations

import os
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.store import Store

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


PG_URL = os.environ.get("KIT_TEST_PG_URL", "")
NO_PG = ("PostgreSQL store tests need KIT_TEST_PG_URL (`make test` sets it; "
         "`bash scripts/postgres.sh run pytest ...` starts a throwaway server)")


@pytest.fixture(scope="session")
def pg_admin():
    """One connection pool per test process for creating and dropping the tests' schemas."""
    from sqlalchemy import create_engine

    engine = create_engine(PG_URL)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty answer store: a SQLite file, or a fresh schema on the test PostgreSQL server.

    Each PostgreSQL test gets its own schema (through the connection's search_path), so tests stay
    isolated from each other and can run in parallel on one database.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kit.db'}"
        return
    if not PG_URL:
        pytest.skip(NO_PG)
    from sqlalchemy.engine import make_url

    # A server store's link book (its tokens) lives in the data folder: the test's, not the checkout's.
    request.getfixturevalue("monkeypatch").setenv("KIT_DATA", str(tmp_path / "kit-data"))

    admin = request.getfixturevalue("pg_admin")
    schema = f"kit_test_{uuid.uuid4().hex[:16]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright, one per test process."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `apt-get install chromium` (`make test` does this as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that starts chromium must carry the `browser` mark, so that `-m "not browser"` never starts it."""
    unmarked = [item.nodeid for item in items
                if "browser" in getattr(item, "fixturenames", ()) and item.get_closest_marker("browser") is None]
    if unmarked:
        raise pytest.UsageError("tests that use the browser fixture without the `browser` mark: " + ", ".join(unmarked))


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """The run's last lines: every skip reason once, with how many tests it skipped."""
    reasons = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    if reasons:
        terminalreporter.section(f"skip reasons ({sum(reasons.values())} skipped)")
        for reason, count in reasons.most_common():
            terminalreporter.line(f"{count:4d}  {reason}")


def http_get(url: str, timeout: float = 120) -> tuple[int, str]:
    """A GET as a browser's address bar makes it: (status, body), with refusals (403, 404, 429) returned, not raised."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode("utf-8", "replace")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty answer store on each backend `store_url` gives (SQLite; PostgreSQL when configured)."""
    s = Store(store_url)
    yield s
    s.close()

"""Pool refills wait for a quiet machine unless a page needs the kernel now; what counts as busy."""

from __future__ import annotations

import asyncio
import time

import pytest

from kit import pool


async def started_after(delay: float, busy: list[bool], want: bool = False) -> float:
    """Seconds until a replacement's start ran, with the machine busy while busy[0] is True."""
    began = time.monotonic()
    ran: list[float] = []

    async def start() -> str:
        ran.append(time.monotonic() - began)
        return "kernel"

    task = asyncio.ensure_future(pool.wait_before(delay, start()))
    entries = [task]
    await asyncio.sleep(0.05)
    if want:
        pool.wanted(entries)
    assert await task == "kernel"
    return ran[0]


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(pool, "FILL_POLL", 0.02)
    busy = [True]
    monkeypatch.setattr(pool, "machine_busy", lambda: busy[0])
    return busy


def test_a_replacement_waits_while_the_machine_is_busy(fast, monkeypatch):
    monkeypatch.setattr(pool, "FILL_MAX_WAIT", 0.4)
    assert asyncio.run(started_after(0.01, fast)) >= 0.4


def test_a_replacement_starts_once_the_machine_is_quiet(fast):
    async def run() -> float:
        asyncio.get_running_loop().call_later(0.2, lambda: fast.__setitem__(0, False))
        return await started_after(0.01, fast)

    assert 0.2 <= asyncio.run(run()) < 1.0


def test_a_replacement_a_page_takes_starts_at_once(fast):
    assert asyncio.run(started_after(0.01, fast, want=True)) < 0.5  # FILL_MAX_WAIT is 60 s


def test_the_first_fill_as_the_server_starts_does_not_wait(fast):
    assert asyncio.run(started_after(0, fast)) < 0.5


def test_voila_uses_the_kits_wait():
    import voila.voila_kernel_manager as voila_pool

    before = voila_pool.wait_before
    try:
        pool.install()
        assert voila_pool.wait_before is pool.wait_before
    finally:
        voila_pool.wait_before = before


@pytest.mark.parametrize(("line", "busy"), [
    ("some avg10=85.00 avg60=20.00 avg300=5.00 total=1", True),
    ("some avg10=3.10 avg60=60.00 avg300=50.00 total=1", False),  # busy a minute ago, quiet now
])
def test_the_machine_is_busy_while_tasks_wait_for_a_core(tmp_path, monkeypatch, line, busy):
    from kit.machine import machine_busy

    pressure = tmp_path / "cpu"
    pressure.write_text(line + "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
    monkeypatch.setattr("kit.machine.PRESSURE_FILE", str(pressure))
    monkeypatch.setattr("os.getloadavg", lambda: (0.0, 0.0, 0.0) if busy else (99.0, 99.0, 99.0))
    assert machine_busy() is busy


def test_without_pressure_information_the_load_average_says(tmp_path, monkeypatch):
    from kit.machine import machine_busy

    monkeypatch.setattr("kit.machine.PRESSURE_FILE", str(tmp_path / "none"))
    monkeypatch.setattr("os.getloadavg", lambda: (99.0, 99.0, 99.0))
    assert machine_busy() is True
    monkeypatch.setattr("os.getloadavg", lambda: (0.1, 0.1, 0.1))
    assert machine_busy() is False

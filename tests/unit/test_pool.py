"""The pool's refills wait for the room: no replacement kernel starts while pages render, only one
starts at a time, and a page that takes a waiting replacement starts it at once (kit.pool)."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

import kit.pool
import kit.server
from kit.pool import Pacer


@pytest.fixture(autouse=True)
def idle_machine(monkeypatch):
    """This machine's own load must not decide the tests: it is idle unless a test says otherwise."""
    monkeypatch.setattr(kit.pool, "machine_busy", lambda: False)


def run(coro):
    """`asyncio.run` in a thread of its own: a worker that has run browser tests keeps Playwright's loop
    running in the main thread, where `asyncio.run` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_quiet_only_after_the_last_page_has_rendered_and_settled():
    clock = Clock()
    pacer = Pacer(clock)
    assert pacer.quiet()  # a server nobody has asked yet: the first fill goes at once
    with pacer.page():
        clock.now += 10
        assert not pacer.quiet()  # a page is rendering
    assert not pacer.quiet()  # just finished: more teams may be arriving
    clock.now += kit.pool.SETTLE_SECONDS
    assert pacer.quiet()


def test_after_the_first_page_a_busy_machine_is_not_quiet(monkeypatch):
    clock = Clock()
    pacer = Pacer(clock)
    monkeypatch.setattr(kit.pool, "machine_busy", lambda: True)
    assert pacer.quiet()  # the server's first fill: no team is waiting on the cores yet
    with pacer.page():
        pass
    clock.now += kit.pool.SETTLE_SECONDS
    assert not pacer.quiet()  # the teams' pages are drawing and building: the replacement waits
    monkeypatch.setattr(kit.pool, "machine_busy", lambda: False)
    assert pacer.quiet()


def test_one_replacement_starts_at_a_time_and_a_silent_one_is_forgotten():
    clock = Clock()
    pacer = Pacer(clock)
    pacer.started("k1")
    assert not pacer.quiet()
    pacer.ready("k1")  # it asked for its request: it is started
    assert pacer.quiet()
    pacer.started("k2")
    clock.now += kit.pool.STARTING_SECONDS + 1  # died before asking, or its notebook failed
    assert pacer.quiet() and "k2" not in pacer.starting


def test_a_wait_ends_when_taken_or_after_the_longest_wait(monkeypatch):
    monkeypatch.setattr(kit.pool, "POLL_SECONDS", 0.001)
    clock = Clock()
    pacer = Pacer(clock)
    pacer.started("busy")
    taken = False

    async def take_soon():
        nonlocal taken
        await asyncio.sleep(0.02)
        taken = True

    async def both():
        await asyncio.gather(pacer.turn(lambda: taken), take_soon())

    run(asyncio.wait_for(both(), 5))
    assert "busy" in pacer.starting  # it went because it was taken, not because the server was quiet

    async def tick():
        while True:
            clock.now += 10
            await asyncio.sleep(0.001)

    async def bounded():
        ticking = asyncio.ensure_future(tick())
        await pacer.turn(lambda: False)
        ticking.cancel()

    run(asyncio.wait_for(bounded(), 5))  # still starting, never taken: goes after MOST_WAIT_SECONDS


@pytest.fixture
def manager(monkeypatch):
    """The kit's kernel manager with Jupyter's start replaced by a recorder (no kernel process)."""
    monkeypatch.setattr(kit.pool, "POLL_SECONDS", 0.005)
    monkeypatch.setattr(kit.pool, "SETTLE_SECONDS", 0.05)
    pacer = Pacer()
    monkeypatch.setattr(kit.server, "PACER", pacer)
    started: list[str] = []

    async def start(self, *args, kernel_id=None, **kwargs):
        started.append(kernel_id or f"page-{len(started)}")
        return started[-1]

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", start)
    km = kit.server.KitKernelManager()
    km._pools = {}
    return km, pacer, started


REFILL = {"env": {"VOILA_PREHEAT": "True"}}


def test_a_refill_waits_while_a_page_renders_and_a_page_start_never_waits(manager):
    km, pacer, started = manager

    async def room():
        with pacer.page():
            refill = asyncio.ensure_future(km.start_kernel(**REFILL))
            km._pools["workspace.ipynb"] = [refill]
            await km.start_kernel(env={"VOILA_PREHEAT": "False"})  # a page's own kernel: at once
            await asyncio.sleep(0.1)
            assert started == ["page-0"]  # the replacement waits for the page
        await asyncio.wait_for(refill, 5)
        assert len(started) == 2 and started[1] in pacer.starting

    run(room())


def test_a_spare_started_during_a_page_request_belongs_to_no_one(manager, monkeypatch):
    """Voila starts a replacement from inside the request that took a spare: the team of that request
    must not own it (it would count against their limits, and their link would open it)."""
    km, pacer, started = manager
    gate = kit.server.Gate()
    monkeypatch.setattr(kit.server, "GATE", gate)
    owner = kit.server.Owner(kit.server.Link("c", "windy-city", "sha256:x"), "10.0.0.5")

    async def page_request():
        gate.request.set(owner)
        gate.pending.append(owner)
        spare = asyncio.ensure_future(km.start_kernel(**REFILL))  # copies this request's context
        km._pools["workspace.ipynb"] = [spare]
        spare_id = await asyncio.wait_for(spare, 5)
        assert spare_id not in gate.owners and gate.pending == [owner]
        page_id = await km.start_kernel()  # the page's own kernel is its team's
        assert gate.owners == {page_id: owner} and gate.pending == []

    run(page_request())


def test_replacements_start_one_at_a_time_unless_a_page_takes_one(manager):
    km, pacer, started = manager

    async def refills():
        first = asyncio.ensure_future(km.start_kernel(**REFILL))
        second = asyncio.ensure_future(km.start_kernel(**REFILL))
        km._pools["workspace.ipynb"] = [first, second]
        await asyncio.sleep(0.1)
        assert len(started) == 1  # the second waits for the first to be started
        km._pools["workspace.ipynb"].remove(second)  # a team's page takes it: it goes now
        await asyncio.wait_for(second, 5)
        assert len(started) == 2
        third = asyncio.ensure_future(km.start_kernel(**REFILL))
        km._pools["workspace.ipynb"] = [first, third]
        await asyncio.sleep(0.1)
        assert len(started) == 2
        for kernel_id in list(started):
            pacer.ready(kernel_id)  # both asked for their requests (kit.server.QuerySocket)
        await asyncio.wait_for(third, 5)
        assert len(started) == 3

    run(refills())


def test_a_request_is_kept_for_the_kernels_next_socket(monkeypatch):
    """A kernel that closed its socket just as its request was written gets it again when it reconnects."""
    from voila.request_info_handler import RequestInfoSocketHandler

    written: list[str] = []

    class ClosingSocket:
        def write_message(self, payload: str) -> None:
            written.append(payload)  # on the wire, but the kernel has already let go of this socket

    monkeypatch.setitem(RequestInfoSocketHandler._waiters, "k1", ClosingSocket())
    monkeypatch.setattr(RequestInfoSocketHandler, "_cache", {})
    RequestInfoSocketHandler.send_updates({"kernel_id": "k1", "payload": '{"QUERY_STRING": "district=x"}'})
    assert written == ['{"QUERY_STRING": "district=x"}']
    assert RequestInfoSocketHandler._cache["k1"] == '{"QUERY_STRING": "district=x"}'  # sent again on open


def test_a_page_that_never_finishes_does_not_hold_its_link_for_good(monkeypatch):
    from kit.server import Gate, Link, Owner

    monkeypatch.setattr(kit.server, "LINK_TURN_SECONDS", 0.05)
    gate = Gate()
    link = Link("sample_districts", "windy-city", "h")
    stuck_entered = asyncio.Event()
    order: list[str] = []

    async def stuck():
        async with gate.turn(Owner(link, "10.0.0.1")):
            stuck_entered.set()
            await asyncio.sleep(5)

    async def next_page():
        await stuck_entered.wait()
        async with gate.turn(Owner(link, "10.0.0.1")):
            order.append("rendered")

    async def room():
        first = asyncio.ensure_future(stuck())
        await asyncio.wait_for(next_page(), 2)
        first.cancel()

    run(room())
    assert order == ["rendered"]

"""When Voila refills its pool of ready kernels: once the machine is quiet, unless a page needs one now.

A room's teams take their ready kernels within seconds of each other, and Voila starts each
replacement a fixed delay after (`--VoilaKernelManager.fill_delay`). A replacement imports the kit,
bokeh and the content before it waits (kit.preheat): 2-3 s of CPU each, six of them on two cores
while the six pages being opened are served. Here a replacement waits, after that delay, until the
machine is no longer busy (kit.machine), for at most `FILL_MAX_WAIT`; a page asked for meanwhile
takes the oldest waiting replacement, which then starts at once.

Voila's pool has no hook for this: its `fill_if_needed` wraps each start in the module function
`wait_before(delay, start)`, which `install` replaces.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable
from typing import Any

import voila.voila_kernel_manager as voila_pool

from kit.machine import machine_busy

FILL_MAX_WAIT = 60.0  # seconds a replacement waits for a quiet machine at most
FILL_POLL = 0.5  # seconds between two looks at the machine

_wanted: weakref.WeakSet[Any] = weakref.WeakSet()  # waiting replacements a page has taken: they start now


async def wait_before(delay: float, start: Awaitable[Any]) -> Any:
    await asyncio.sleep(delay)
    me = asyncio.current_task()
    waited = 0.0
    try:
        # delay 0: the pool's first fill as the server starts, which nothing else is waiting for
        while delay > 0 and me not in _wanted and waited < FILL_MAX_WAIT and machine_busy():
            await asyncio.sleep(FILL_POLL)
            waited += FILL_POLL
    finally:
        _wanted.discard(me)
    return await start


def wanted(pool: list[Any]) -> None:
    """A page is about to take the pool's oldest entry: if it is a replacement still waiting, start it."""
    if pool and not pool[0].done():
        _wanted.add(pool[0])


def install() -> None:
    voila_pool.wait_before = wait_before  # type: ignore[assignment]

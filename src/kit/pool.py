"""When the pool of ready workspace kernels refills: once the room's pages have rendered, one kernel at a time.

Starting a pool kernel costs about 3 s of CPU (Python, ipykernel, the kit's imports). Voila starts a
replacement 2 s after each page takes a kernel, so when six teams opened their links at once, six
replacements started among the six pages being rendered, and the last pages' HTML waited up to 11 s
for the server (benchmarks/room.py). Here a replacement waits until no page is being rendered, none
has been asked for in the last few seconds and the machine is not busy (kit.machine), then starts
while no other replacement is still starting, so one core stays free for the teams. A page that
takes a kernel whose start is still waiting starts it at once: a replacement never makes a team
wait longer than a cold start would.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator

from kit.machine import machine_busy

# Seconds without a new page request before a replacement starts: a room's teams arrive within a
# couple of seconds of each other when told "open your link".
SETTLE_SECONDS = 3.0
# A replacement starts after this long whatever the server is doing, so a busy server still refills.
MOST_WAIT_SECONDS = 60.0
# A started kernel counts as starting until it asks for its request (kit.preheat), or this long.
STARTING_SECONDS = 30.0
POLL_SECONDS = 0.25


class Pacer:
    """What the server is doing, as far as a pool replacement's start is concerned."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.rendering = 0
        self.last_page = float("-inf")
        self.starting: dict[str, float] = {}  # kernel id → when its start began

    @contextlib.contextmanager
    def page(self) -> Iterator[None]:
        """Around a page's render (the kernel's cells run and the HTML is sent)."""
        self.rendering += 1
        self.last_page = self.clock()
        try:
            yield
        finally:
            self.rendering -= 1
            self.last_page = self.clock()

    def started(self, kernel_id: str) -> None:
        self.starting[kernel_id] = self.clock()

    def ready(self, kernel_id: str) -> None:
        """The kernel waits for its request (or has gone): the next replacement may start."""
        self.starting.pop(kernel_id, None)

    def quiet(self) -> bool:
        now = self.clock()
        for kernel_id in [k for k, since in self.starting.items() if now - since > STARTING_SECONDS]:
            del self.starting[kernel_id]  # never asked (it died, or its notebook failed): stop waiting on it
        if self.rendering or now - self.last_page < SETTLE_SECONDS or self.starting:
            return False
        # Once pages have been served, the machine must also be idle: the teams' first minutes (their
        # pages drawing, their modules built in the background) come before a kernel nobody has asked for.
        return self.last_page == float("-inf") or not machine_busy()

    async def turn(self, taken: Callable[[], bool]) -> None:
        """Wait until a replacement may start: the server is quiet, a page has `taken` it, or too long."""
        began = self.clock()
        while not (self.quiet() or taken() or self.clock() - began >= MOST_WAIT_SECONDS):
            await asyncio.sleep(POLL_SECONDS)


PACER = Pacer()

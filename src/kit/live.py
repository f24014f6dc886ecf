"""How a live page learns that the store changed: the room view and a team's room bar call `check`
when an answer or the room may have changed, and `check` reads the store's change mark.

On SQLite that is a check every `every` seconds on the kernel's event loop (the change mark is two
index lookups; SQLite has no way to tell another process). On PostgreSQL every save and room change
sends a NOTIFY (`announce`, in the writer's transaction, so it is delivered at the commit), and one
thread per kernel waits on a LISTEN connection and hands each notification to the event loop: the
page hears of a save at once and reads nothing while the room is quiet. It still checks every
`QUIET_SECONDS`, so a lost connection costs at most that long (it is reopened).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine


class Store(Protocol):
    """What a watcher needs of kit.store.Store (which imports this module, so it is not imported here)."""

    is_postgres: bool
    engine: Engine

# One channel a schema (a kit's tables), so kits sharing a database in their own schemas do not wake
# each other; a wake-up is cheap, and the change mark says what changed. Channel names stop at 63 bytes.
CHANNEL = "left('kit_changes_' || current_schema(), 63)"
QUIET_SECONDS = 10.0  # on PostgreSQL, a check even without a notification ("last save 3 min ago" moves on)
RETRY_SECONDS = 2.0  # after the LISTEN connection failed


def announce(conn: Connection) -> None:
    """Tell listening kernels that this transaction changed answers or a room (PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_notify({CHANNEL}, '')"))


def watch(store: Store, check: Callable[[], Any], every: float,
          loop: asyncio.AbstractEventLoop | None = None) -> Callable[[], None]:
    """Call `check` on the event loop whenever the store may have changed; returns a function that stops.

    `check` must be cheap when nothing changed (it reads the change mark) and must not raise.
    """
    loop = loop or asyncio.get_running_loop()
    if store.is_postgres:
        return _Listener(store, check, loop).start()
    stopped = False

    def again() -> None:
        if stopped:
            return
        check()
        loop.call_later(every, again)

    def stop() -> None:
        nonlocal stopped
        stopped = True

    loop.call_later(every, again)
    return stop


class _Listener:
    """A thread on its own connection, LISTENing; each notification becomes `check` on the event loop."""

    def __init__(self, store: Store, check: Callable[[], Any], loop: asyncio.AbstractEventLoop):
        self.store, self.check, self.loop = store, check, loop
        self.stopped = threading.Event()
        self.conn: Any = None

    def _connect(self) -> None:
        """A connection of the store's own (same URL and options), out of its pool, listening."""
        from psycopg import sql  # the PostgreSQL extra's driver: imported only where it is in use

        raw = self.store.engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # ours for good: never handed back to the pool in LISTEN state
        conn.autocommit = True
        channel = conn.execute(f"SELECT {CHANNEL}").fetchone()[0]
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self.conn = conn

    def start(self) -> Callable[[], None]:
        with suppress(Exception):  # the thread retries; meanwhile it checks every RETRY_SECONDS
            self._connect()  # here, not in the thread: a save right after `watch` returns is heard
        threading.Thread(target=self._run, name="kit-listen", daemon=True).start()
        return self.stop

    def stop(self) -> None:
        self.stopped.set()

    def _wake(self) -> None:
        if not self.stopped.is_set() and not self.loop.is_closed():
            with suppress(RuntimeError):  # the loop closed between the test and the call
                self.loop.call_soon_threadsafe(self.check)

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                if self.conn is None:
                    self._connect()
                    self._wake()  # anything saved while the connection was down
                heard = list(self.conn.notifies(timeout=QUIET_SECONDS, stop_after=1))
                if heard:
                    list(self.conn.notifies(timeout=0.05))  # a burst of saves: one check reads them all
                self._wake()  # a notification, or the quiet check
            except Exception:  # noqa: BLE001 - a dropped connection: reopen it, and check meanwhile
                with suppress(Exception):
                    self.conn.close()
                self.conn = None
                self._wake()
                self.stopped.wait(RETRY_SECONDS)
        with suppress(Exception):
            self.conn.close()

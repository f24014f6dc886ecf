"""Who has the SQLite store open, and whether it is sound: the checks behind `kit serve` and `kit restore`.

Two locks, because each sees what the other cannot:

- **The serve lock.** `kit serve` writes ``<db>.serve`` beside the database (its pid, port and
  start time) and holds an exclusive ``flock`` on it for as long as the server lives: the open
  file survives the ``exec`` into Voila, and the kernel dies with the process — a SIGKILL or a
  power cut included — so a stale file never blocks anything and needs no clean-up. Kernels do
  not inherit it (Jupyter starts them with ``close_fds``).
- **SQLite's own lock.** Every connection to a WAL database holds a shared lock on the file for
  its whole life (SQLite relies on it to know who closes last). ``kit restore`` opens the
  database with ``locking_mode=EXCLUSIVE`` and ``BEGIN EXCLUSIVE``: that fails while any other
  connection is open — a kernel left by a stopped server, ``kit load-answers``, a notebook —
  in this process or another. It then names the processes holding the file (from ``/proc``,
  Linux, the same user's only) so the person knows what to stop.

The restore itself then runs through SQLite's backup API on that exclusive connection: the new
pages are written through the database's own journal, nothing is deleted from under a reader.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from kit.errors import KitError


def serve_lock_path(db: Path) -> Path:
    return Path(f"{db}.serve")


def _describe(info: dict[str, object]) -> str:
    since = str(info.get("started", ""))[11:16]
    parts = [f"pid {info.get('pid', '?')}", f"port {info.get('port', '?')}"]
    if since:
        parts.append(f"since {since} UTC")
    return f"kit serve ({', '.join(parts)})"


def _read_info(path: Path) -> dict[str, object]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def hold_serve_lock(db: Path, port: int) -> IO[str]:
    """Take the serve lock of `db` for this process (and the Voila it becomes); keep the returned file open.

    Refuses if another `kit serve` holds it, naming that server.
    """
    path = serve_lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the life of the server
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise KitError(f"{db} is already served by {_describe(_read_info(path))} — stop it, or serve"
                       " another store with --db") from None
    os.chmod(path, 0o600)
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "port": port,
                             "started": datetime.now(UTC).isoformat(timespec="seconds")}))
    handle.flush()
    os.set_inheritable(handle.fileno(), True)  # survives os.execve into Voila
    return handle


def server_of(db: Path) -> str | None:
    """"kit serve (pid …, port …, since …)" if a live server holds the store's serve lock, else None."""
    path = serve_lock_path(db)
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _describe(_read_info(path))
    return None


def holders(db: Path) -> list[str]:
    """"pid N: command" of every process (of this user, on Linux) with the database or its WAL open."""
    wanted = {str(db.resolve()), f"{db.resolve()}-wal"}
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if not any(os.readlink(fd) in wanted for fd in (proc / "fd").iterdir()):
                continue
            argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        shown = " ".join(Path(a).name if "/" in a else a for a in argv[:3] if a)
        found.append(f"pid {proc.name}: {shown[:80]}")
    return sorted(found, key=lambda line: int(line.split()[1].rstrip(":")))


def exclusive(db: Path) -> sqlite3.Connection:
    """A connection that alone has the database open until it is closed, or KitError naming who else has it."""
    server = server_of(db)
    if server:
        raise KitError(f"{db} is in use by {server} — stop it (Ctrl-C where it runs), then run kit restore again")
    con = sqlite3.connect(db, timeout=1, isolation_level=None)
    try:
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        con.execute("COMMIT")  # the lock stays: exclusive locking mode keeps it until the connection closes
    except sqlite3.OperationalError as exc:
        con.close()
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        who = holders(db)
        named = f" ({'; '.join(who)})" if who else ""
        raise KitError(f"{db} is open in another program{named} — close it, then run kit restore again") from None
    except BaseException:
        con.close()
        raise
    return con


def check_sqlite(db: Path, had_links: bool, new_store: bool, restore: str = "kit restore BACKUP --force") -> None:
    """Refuse to serve a damaged store, or an empty or missing one that had team links (unless `new_store`).

    `PRAGMA quick_check` reads every page's structure (not every index entry, as integrity_check
    does), so a store of a convening's answers is checked in well under a second.
    """
    empty = not db.exists() or db.stat().st_size == 0
    if empty:
        if had_links and not new_store:
            state = "empty" if db.exists() else "missing"
            raise KitError(f"{db} is {state}, but its team links exist ({db}.links): the answers are gone —"
                           f" put the latest backup back with `{restore}`, or start"
                           " a fresh store on purpose with `kit serve --new-store` (every team link changes)")
        return
    try:
        con = sqlite3.connect(db, timeout=15)
        try:
            rows = [row[0] for row in con.execute("PRAGMA quick_check")]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows != ["ok"]:
        reason = next((r for r in rows if not str(r).startswith("***")), rows[0])
        raise KitError(f"{db} is damaged ({str(reason).strip().splitlines()[0]}) — kit serve will not write to it;"
                       f" put the latest backup back with `{restore}`,"
                       " then serve again")

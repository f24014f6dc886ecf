"""`kit backup` and `kit restore`: copies of the SQLite store, safe while the server runs.

SQLite's online backup API copies a consistent snapshot even while teams are saving; the copy
is written next to its target and renamed, so a failed backup never leaves half a file.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from kit.atomic import atomic_path
from kit.errors import KitError
from kit.guard import exclusive, holders
from kit.store import default_url, private_file, shown_url, sqlite_file


def sqlite_path(url: str | None) -> Path:
    url = url or default_url()
    path = sqlite_file(url)
    if path is None:
        raise KitError(f"{shown_url(url)}: backup and restore work on the SQLite store — for another database"
                       " use its own tools (e.g. pg_dump)")
    return path


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        # 0600: the answers are the owner's alone; a failed copy leaves neither half a file nor its temporary
        with atomic_path(target, mode=0o600) as tmp:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise KitError(f"the copy of {source} failed its integrity check — nothing was written")
            finally:
                dst.close()
    except sqlite3.DatabaseError as exc:
        raise KitError(f"{source} cannot be copied ({exc}): nothing was written to {target}") from None
    finally:
        src.close()


def backup(out: Path, url: str | None = None) -> Path:
    source = sqlite_path(url)
    if not source.is_file():
        raise KitError(f"{source}: no answer store to back up yet")
    out.parent.mkdir(parents=True, exist_ok=True)
    _copy(source, out)
    return out


def restore(backup_file: Path, url: str | None = None, force: bool = False) -> Path:
    """Put `backup_file` back as the store, through SQLite's backup API, with nobody else on the store.

    Refused while `kit serve` or any other program has the store open (kit.guard names it). The
    pages are copied into the live file on a connection holding the exclusive lock, so its WAL
    is written and checkpointed by SQLite itself, never deleted. A store too damaged for SQLite to
    open is moved aside to `<db>.damaged-<time>` (with its WAL) and the backup copied in its place.
    """
    target = sqlite_path(url)
    if not backup_file.is_file():
        raise KitError(f"{backup_file}: no such backup file")
    try:
        con = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        try:
            con.execute("SELECT version FROM schema_info").fetchone()
            con.execute("SELECT count(*) FROM responses").fetchone()
            sound = con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            con.close()
    except sqlite3.DatabaseError:
        raise KitError(f"{backup_file}: not a backup of the kit's answer store") from None
    if not sound:
        raise KitError(f"{backup_file} is damaged (PRAGMA quick_check failed): choose an earlier backup")
    if target.exists() and target.stat().st_size > 0 and not force:
        raise KitError(f"{target} already holds answers — add --force to replace it with {backup_file}"
                       " (make a backup of it first)")
    target.parent.mkdir(parents=True, exist_ok=True)
    private_file(target)
    try:
        live: sqlite3.Connection | None = exclusive(target)
    except sqlite3.DatabaseError:  # not readable as a database: copied in fresh below
        live = None
    if live is not None:
        try:
            src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True, timeout=30)
            try:
                src.backup(live)
            finally:
                src.close()
            if live.execute("PRAGMA quick_check").fetchone()[0] == "ok":
                return target
        except sqlite3.DatabaseError:
            pass  # the damaged store could not take the pages: copied in fresh below
        finally:
            live.close()
    others = holders(target)
    if others:
        raise KitError(f"{target} is open in another program ({'; '.join(others)}) — close it, then run kit"
                       " restore again")
    _move_aside(target)  # kept for inspection, never deleted
    _copy(backup_file, target)
    return target


def _move_aside(target: Path) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for suffix in ("", "-wal", "-shm"):
        old = Path(f"{target}{suffix}")
        if old.exists():
            old.rename(Path(f"{target}.damaged-{stamp}{suffix}"))

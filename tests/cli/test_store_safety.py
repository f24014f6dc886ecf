"""`kit restore` refuses while the store is open; `kit serve` refuses a damaged, empty or missing store."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

import kit.serve
from kit.cli import main
from kit.store import Store, responses

RESTORE_WAY = "put the latest backup back with `kit restore BACKUP --force --db {url}`"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def no_exec(monkeypatch, tmp_path):
    """`kit serve` up to the point where it would become Voila; the serve lock is released afterwards."""
    became: list[list[str]] = []
    monkeypatch.setenv("KIT_DATA", str(tmp_path / "kit-data"))
    monkeypatch.setattr(kit.serve.os, "execve", lambda path, args, env: became.append(args))
    yield became
    if getattr(kit.serve, "_SERVE_LOCK", None) is not None:
        kit.serve._SERVE_LOCK.close()
        kit.serve._SERVE_LOCK = None


def a_store_with_a_backup(tmp_path: Path) -> tuple[str, Path, Path]:
    db = tmp_path / "kit.db"
    url = f"sqlite:///{db}"
    store = Store(url)
    store.save("windy-city", "1", "02_scale", "notes", "in the backup")
    store.close()
    backup = tmp_path / "copy.db"
    assert CliRunner().invoke(main, ["backup", "--out", str(backup), "--db", url]).exit_code == 0
    store = Store(url)
    store.save("windy-city", "1", "02_scale", "notes", "typed after the backup")
    store.close()
    return url, db, backup


def notes(url: str) -> str:
    store = Store(url)
    try:
        return store.latest("windy-city", "1", "02_scale")["notes"].value
    finally:
        store.close()


def test_restore_is_refused_while_kit_serve_runs_on_the_store(tmp_path, no_exec):
    url, db, backup = a_store_with_a_backup(tmp_path)
    port = free_port()
    served = CliRunner().invoke(main, ["serve", "--db", url, "--port", str(port)])
    assert served.exit_code == 0, served.output + served.stderr
    assert no_exec, "kit serve did not get as far as starting Voila"
    result = CliRunner().invoke(main, ["restore", str(backup), "--db", url, "--force"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {db} is in use by kit serve (pid {os.getpid()}, port {port}, since ")
    assert lines[0].endswith(" UTC) — stop it (Ctrl-C where it runs), then run kit restore again")
    assert notes(url) == "typed after the backup"
    # once the server is gone (its lock dies with it), the restore goes ahead
    kit.serve._SERVE_LOCK.close()
    kit.serve._SERVE_LOCK = None
    done = CliRunner().invoke(main, ["restore", str(backup), "--db", url, "--force"])
    assert done.exit_code == 0, done.stderr
    assert notes(url) == "in the backup"


def test_restore_is_refused_while_another_program_has_the_store_open(tmp_path):
    url, db, backup = a_store_with_a_backup(tmp_path)
    script = tmp_path / "holder.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from kit.store import Store, responses
        store = Store(sys.argv[1])
        store.count()  # a pooled connection stays open, as in a worksheet's kernel
        print("open", flush=True)
        time.sleep(120)
    """))
    holder = subprocess.Popen([sys.executable, str(script), url], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        result = CliRunner().invoke(main, ["restore", str(backup), "--db", url, "--force"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    shown = f"pid {holder.pid}: {Path(sys.executable).name} holder.py kit.db"
    assert result.stderr == (f"Error: {db} is open in another program ({shown}) — close it, then run kit restore"
                             " again\n")
    assert notes(url) == "typed after the backup"


def test_restore_writes_through_the_live_file_and_keeps_a_damaged_one_aside(tmp_path):
    url, db, backup = a_store_with_a_backup(tmp_path)
    inode = db.stat().st_ino
    done = CliRunner().invoke(main, ["restore", str(backup), "--db", url, "--force"])
    assert done.exit_code == 0, done.stderr
    assert db.stat().st_ino == inode  # the pages were copied in, the file was not swapped
    assert notes(url) == "in the backup"
    db.write_bytes(b"not a database at all" * 100)
    done = CliRunner().invoke(main, ["restore", str(backup), "--db", url, "--force"])
    assert done.exit_code == 0, done.stderr
    assert notes(url) == "in the backup"
    aside = [p.name for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and (tmp_path / aside[0]).read_bytes() == b"not a database at all" * 100


def damage(db: Path, how: str) -> None:
    data = db.read_bytes()
    if how == "garbage header":
        db.write_bytes(b"\x00garbage" * 8 + data[64:])
    elif how == "truncated":
        db.write_bytes(data[: len(data) // 3])
    else:  # 64 KB of garbage in the middle
        middle = len(data) // 2 // 4096 * 4096
        db.write_bytes(data[:middle] + random.Random(23).randbytes(65536) + data[middle + 65536:])


@pytest.mark.parametrize("how", ["garbage header", "truncated", "garbage mid-file"])
def test_serve_refuses_a_damaged_store_with_one_line_and_the_way_out(tmp_path, no_exec, how):
    db = tmp_path / "kit.db"
    url = f"sqlite:///{db}"
    store = Store(url)
    with store.writer.begin() as conn:  # a store of several hundred KB, so the middle holds answers
        conn.execute(insert(responses), [
            {"district": f"district-{n % 6}", "convening": "1", "module": "03_fundamentals", "item": f"item{n}",
             "version": 1, "value": json.dumps(f"answer {n} " * 20), "saved_at": "2027-01-14T09:00:00+00:00"}
            for n in range(3000)])
    store.close()
    damage(db, how)
    result = CliRunner().invoke(main, ["serve", "--db", url, "--port", str(free_port())])
    assert result.exit_code == 2, result.output + result.stderr
    assert not no_exec
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith(f"Error: {db} is damaged (")
    assert lines[0].endswith(f") — kit serve will not write to it; {RESTORE_WAY.format(url=url)}, then serve again")
    if how == "garbage header":
        assert lines[0] == (f"Error: {db} is damaged (file is not a database) — kit serve will not write to it;"
                            f" {RESTORE_WAY.format(url=url)}, then serve again")


@pytest.mark.parametrize("state", ["empty", "missing"])
def test_serve_refuses_an_empty_or_missing_store_that_had_links_unless_asked_for_a_new_one(tmp_path, no_exec,
                                                                                           state):
    db = tmp_path / "kit.db"
    url = f"sqlite:///{db}"
    store = Store(url)
    old = store.links("sample_districts", ["windy-city"])
    store.close()
    assert Path(f"{db}.links").exists()
    if state == "empty":
        db.write_bytes(b"")
    else:
        db.unlink()
    result = CliRunner().invoke(main, ["serve", "--db", url, "--port", str(free_port())])
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr == (
        f"Error: {db} is {state}, but its team links exist ({db}.links): the answers are gone — put the latest"
        f" backup back with `kit restore BACKUP --force --db {url}`, or start a fresh store on purpose with"
        " `kit serve --new-store` (every team link changes)\n")
    assert not no_exec and (db.read_bytes() == b"" if state == "empty" else not db.exists())
    made = CliRunner().invoke(main, ["serve", "--db", url, "--port", str(free_port()), "--new-store"])
    assert made.exit_code == 0, made.output + made.stderr
    store = Store(url)
    assert store.holder(old[""]) is None  # a fresh store: the old links open nothing
    store.close()


def test_a_second_serve_on_the_same_store_is_refused(tmp_path, no_exec):
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    port = free_port()
    assert CliRunner().invoke(main, ["serve", "--db", url, "--port", str(port)]).exit_code == 0
    again = CliRunner().invoke(main, ["serve", "--db", url, "--port", str(free_port())])
    assert again.exit_code == 2
    assert again.stderr.startswith(f"Error: {tmp_path / 'kit.db'} is already served by kit serve (pid {os.getpid()},"
                                   f" port {port}, since ")

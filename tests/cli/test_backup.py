"""`kit backup` copies a live store consistently; `kit restore` refuses to overwrite without --force."""

from __future__ import annotations

import threading

from click.testing import CliRunner

from kit.cli import main
from kit.store import Store


def test_backup_while_saving_then_restore(tmp_path):
    # SQLite only: backup and restore copy the file; a PostgreSQL store is backed up with pg_dump (tested below).
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    store = Store(url)
    store.save("windy-city", "1", "02_scale", "notes", "before the backup")
    stop = threading.Event()

    def keep_saving() -> None:
        writer = Store(url)
        n = 0
        while not stop.is_set():
            writer.save("windy-city", "1", "02_scale", "stream", n)
            n += 1
        writer.close()

    thread = threading.Thread(target=keep_saving)
    thread.start()
    runner = CliRunner()
    result = runner.invoke(main, ["backup", "--out", str(tmp_path / "copy.db"), "--db", url])
    stop.set()
    thread.join()
    assert result.exit_code == 0, result.output
    copy = Store(f"sqlite:///{tmp_path / 'copy.db'}")
    assert copy.latest("windy-city", "1", "02_scale")["notes"].value == "before the backup"
    assert copy.integrity_ok()
    copy.close()

    store.save("windy-city", "1", "02_scale", "notes", "after the backup")
    refused = runner.invoke(main, ["restore", str(tmp_path / "copy.db"), "--db", url])
    assert refused.exit_code == 2 and "add --force" in refused.stderr
    assert store.latest("windy-city", "1", "02_scale")["notes"].value == "after the backup"
    store.close()
    done = runner.invoke(main, ["restore", str(tmp_path / "copy.db"), "--db", url, "--force"])
    assert done.exit_code == 0, done.output
    again = Store(url)
    assert again.latest("windy-city", "1", "02_scale")["notes"].value == "before the backup"
    again.close()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    result = CliRunner().invoke(main, ["restore", str(junk), "--db", f"sqlite:///{tmp_path / 'kit.db'}"])
    assert result.exit_code == 2
    assert "not a backup of the kit's answer store" in result.stderr
    assert not (tmp_path / "kit.db").exists()


def test_backup_of_a_postgresql_store_points_to_its_own_tools(tmp_path):
    url = "postgresql+psycopg://kit:s3cret@db.example/kit"
    result = CliRunner().invoke(main, ["backup", "--out", str(tmp_path / "copy.db"), "--db", url])
    assert result.exit_code == 2
    assert "backup and restore work on the SQLite store" in result.stderr and "pg_dump" in result.stderr
    assert "s3cret" not in result.stderr
    assert not (tmp_path / "copy.db").exists()


def test_a_store_that_cannot_be_read_is_named_and_nothing_is_left_behind(tmp_path):
    store = tmp_path / "kit.db"
    store.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # the header of a database, then garbage
    out = tmp_path / "backups" / "copy.db"
    result = CliRunner().invoke(main, ["backup", "--out", str(out), "--db", f"sqlite:///{store}"])
    assert result.exit_code == 2, result.output
    assert str(store) in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert list(out.parent.iterdir()) == []  # no copy and no temporary file

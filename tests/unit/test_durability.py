"""Never lose an answer: a writer SIGKILLed in the middle of saving loses nothing it acknowledged.

The same crash run as `benchmarks/load.py`, at a small scale: two kills in a stream of 300 saves.
"""

from __future__ import annotations

from sqlalchemy import delete, text, update

from benchmarks.load import Tally, count, crash_run, load_run
from kit.store import Store, responses


def test_every_acknowledged_save_survives_two_kills(tmp_path):
    tally = crash_run(f"sqlite:///{tmp_path / 'kit.db'}", kills=2, saves=300, seed=3)
    assert tally.kills == 2
    assert tally.errors == []
    assert len(tally.acknowledged) == 300
    assert tally.lost == set()
    assert tally.attempted >= len(tally.acknowledged)
    assert tally.integrity
    assert tally.gapless


def test_a_save_missing_from_the_database_is_counted_as_lost(tmp_path):
    """The check can fail: delete one acknowledged row and the count reports it lost."""
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    tally = crash_run(url, kills=1, saves=40, seed=5)
    assert (-1, 0) in tally.acknowledged
    store = Store(url)
    with store.writer.begin() as conn:
        conn.execute(delete(responses).where(responses.c.value == '{"writer": -1, "seq": 0}'))
    store.close()
    recount = count(url, Tally(acknowledged=dict(tally.acknowledged)))
    assert recount.lost == {(-1, 0)}
    assert not recount.gapless


def test_an_acknowledged_save_stored_with_another_value_or_status_is_counted(tmp_path):
    """The check reads back value, version and status: a row turned into a conflict, or rewritten, differs."""
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    tally = crash_run(url, kills=0, saves=20, seed=5)
    assert tally.ok and tally.acked("saved") == 20 and tally.acked("conflict") == 0
    store = Store(url)
    with store.writer.begin() as conn:
        conn.execute(update(responses).where(responses.c.value == '{"writer": -1, "seq": 3}').values(status="conflict"))
        conn.execute(update(responses).where(responses.c.value == '{"writer": -1, "seq": 4}')
                     .values(value='{"writer": -1, "seq": 4000}'))
    store.close()
    recount = count(url, Tally(acknowledged=dict(tally.acknowledged)))
    assert recount.differ == {(-1, 3)} and recount.lost == {(-1, 4)}  # the value it was told is not there
    assert not recount.ok


def test_contended_writers_are_told_applied_or_conflict_and_the_database_agrees(tmp_path):
    tally = load_run(f"sqlite:///{tmp_path / 'kit.db'}", writers=20, saves=10, mode="threads")
    assert tally.ok, tally.line()
    assert tally.acked("saved") + tally.acked("conflict") == len(tally.acknowledged) == 200
    assert "applied" in tally.line() and "kept as conflicts" in tally.line()


def test_the_store_syncs_every_commit_to_disk_by_default(tmp_path, monkeypatch):
    """synchronous=FULL: a commit survives a power cut, not only a crashed process."""
    monkeypatch.delenv("KIT_SQLITE_SYNCHRONOUS", raising=False)
    store = Store(f"sqlite:///{tmp_path / 'kit.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    store.close()

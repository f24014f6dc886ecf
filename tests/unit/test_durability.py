"""Never lose an answer: a writer SIGKILLed in the middle of saving loses nothing it acknowledged.

The same crash run as `benchmarks/load.py`, at a small scale: two kills in a stream of 300 saves.
"""

from __future__ import annotations

from sqlalchemy import delete

from benchmarks.load import Tally, count, crash_run
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
    recount = count(url, Tally(acknowledged=set(tally.acknowledged)))
    assert recount.lost == {(-1, 0)}
    assert not recount.gapless

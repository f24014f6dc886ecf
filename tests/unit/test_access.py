"""Team links: what the store keeps of a token, the link book, and which pages a link opens."""

from __future__ import annotations

import json
import sqlite3
import stat

import pytest

from kit.access import MANAGER, page_allowed, token_hash
from kit.backup import backup
from kit.content import all_modules
from kit.store import MAX_ANSWER_BYTES, AnswerTooLarge, Store

MODULES = {m.id for m in all_modules()}


@pytest.mark.parametrize(("district", "page", "params", "allowed"), [
    (MANAGER, "home.ipynb", {}, True),
    (MANAGER, "03_fundamentals.ipynb", {"district": "copper-mine"}, True),
    (MANAGER, "guide.ipynb", {"module": "03_fundamentals"}, True),
    ("windy-city", "03_fundamentals.ipynb", {"district": "windy-city"}, True),
    ("windy-city", "03_fundamentals.ipynb", {"district": "copper-mine"}, False),
    ("windy-city", "03_fundamentals.ipynb", {}, False),  # the notebook's default district is not the team's to assume
    ("windy-city", "home.ipynb", {}, False),
    ("windy-city", "pm_dashboard.ipynb", {"district": "windy-city"}, False),
    ("windy-city", "guide.ipynb", {"district": "windy-city"}, False),
    ("windy-city", "99_made_up.ipynb", {"district": "windy-city"}, False),
])
def test_a_team_link_opens_its_own_worksheets_only(district, page, params, allowed):
    assert page_allowed(district, page, params, MODULES) is allowed


def test_the_database_keeps_hashes_and_the_link_book_the_tokens(tmp_path, store_url):
    store = Store(store_url)
    tokens = store.links("cohort", ["windy-city", "copper-mine"])
    with store.engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM access"))
    assert all(token not in dump for token in tokens.values())
    assert token_hash(tokens["windy-city"]) in dump
    book = store.link_book_path()
    if book is None:  # a server database keeps its link book in a table of its own
        assert store.link_book() == {"cohort": tokens}
    else:
        assert json.loads(book.read_text())["cohort"] == tokens
        assert stat.S_IMODE(book.stat().st_mode) == 0o600
    assert store.holder(tokens["windy-city"]) == ("cohort", "windy-city")
    assert store.holder(token_hash(tokens["windy-city"])) is None  # the hash itself opens nothing
    assert store.links("cohort", ["windy-city", "copper-mine"]) == tokens  # printed again, unchanged
    store.close()


def test_one_link_is_rotated_and_the_others_stay(tmp_path, store_url):
    store = Store(store_url)
    before = store.links("cohort", ["windy-city", "copper-mine"])
    after = store.links("cohort", ["windy-city", "copper-mine"], rotate=["windy-city"])
    assert after["windy-city"] != before["windy-city"] and store.holder(before["windy-city"]) is None
    assert after["copper-mine"] == before["copper-mine"] and after[""] == before[""]
    store.close()


def test_a_link_missing_from_the_link_book_is_named_not_silently_replaced(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'kit.db'}")
    store.links("cohort", ["windy-city"])
    store.link_book_path().unlink()
    with pytest.raises(Exception, match="not in the link book.*--rotate"):
        store.links("cohort", ["windy-city"])


def test_an_old_store_with_plain_tokens_is_upgraded_and_its_links_keep_working(tmp_path):
    path = tmp_path / "kit.db"
    Store(f"sqlite:///{path}").close()
    con = sqlite3.connect(path)  # as schema 2 stored them: the token itself
    con.execute("INSERT INTO access VALUES ('OldTokenOfWindyCity123', 'cohort', 'windy-city', '2026-01-01')")
    con.execute("UPDATE schema_info SET version = 2")
    con.commit()
    con.close()
    store = Store(f"sqlite:///{path}")
    assert store.holder("OldTokenOfWindyCity123") == ("cohort", "windy-city")
    assert store.links("cohort", ["windy-city"])["windy-city"] == "OldTokenOfWindyCity123"
    store.close()
    assert b"OldTokenOfWindyCity123" not in path.read_bytes()


def test_the_store_and_its_backups_are_readable_by_their_owner_only(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'kit.db'}")
    store.save("windy-city", "1", "09_reflection", "x", "an answer")
    copy = backup(tmp_path / "copy.db", store.url)
    for path in (tmp_path / "kit.db", tmp_path / "kit.db-wal", copy):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_answer_past_the_cap_is_refused_with_its_size(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'kit.db'}")
    with pytest.raises(AnswerTooLarge, match=r"2\.0 MB.*up to 1 MB"):
        store.save("windy-city", "1", "09_reflection", "x", "a" * (2 * MAX_ANSWER_BYTES))
    assert store.latest("windy-city", "1", "09_reflection") == {}


def test_log_lines_never_show_a_token():
    import logging

    from kit.server import ScrubTokens

    record = logging.LogRecord("tornado.application", logging.ERROR, __file__, 1, "Uncaught exception GET %s\n%r",
                               ("/voila/render/x.ipynb?district=a&token=SeCrEt_-123", {"uri": "?token=SeCrEt_-123"}),
                               None)
    ScrubTokens().filter(record)
    assert "SeCrEt" not in record.getMessage() and record.getMessage().count("token=[secret]") == 2


def test_a_page_is_known_as_left_by_its_browser_connection_not_its_kernels_messages(monkeypatch):
    """A room view's kernel keeps sending updates with nobody watching: what counts is the connection."""
    import time as clock

    from kit import server


    class Kernels:
        def __init__(self) -> None:
            self.connections = {"k1": 1, "k2": 0}

        def __contains__(self, kernel_id: str) -> bool:
            return kernel_id in self.connections

        def kernel_model(self, kernel_id: str) -> dict:
            return {"connections": self.connections[kernel_id]}

    notes = []
    monkeypatch.setattr("tornado.ioloop.PeriodicCallback", lambda note, ms: notes.append(note) or type(
        "Started", (), {"start": lambda self: None})())
    gate = server.Gate()
    owner = server.Owner(server.Link("sample", "windy-city", "sha256:x"), "127.0.0.1")
    gate.owners = {"k1": owner, "k2": owner}
    kernels = Kernels()
    gate.watch_connections(kernels)
    gate.watch_connections(kernels)
    assert len(notes) == 1  # one watcher per server
    now = clock.monotonic()
    monkeypatch.setattr(server.time, "monotonic", lambda: now)
    notes[0]()
    assert gate.left_for("k1") == 0.0 and gate.left_for("k2") == 0.0  # k2 was never seen: loading, not left
    kernels.connections["k1"] = 0  # the tab is closed without a word
    monkeypatch.setattr(server.time, "monotonic", lambda: now + 20)
    notes[0]()
    assert gate.left_for("k1") == 20.0 > server.ABANDONED_AFTER_SECONDS
    gate.prune(["k2"])
    assert "k1" not in gate.connected_at and gate.left_for("k1") == 0.0

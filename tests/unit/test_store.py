"""The response store: versions, history, latest, conflicts, and concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, update

from kit.errors import KitError
from kit.store import Conflict, Store, responses, schema_info, sqlite_file

KEY = ("windy-city", "1", "03_fundamentals")


def test_every_save_is_a_new_version_and_latest_wins(store):
    a = store.save(*KEY, "notes", "first", client="laptop", based_on=0)
    b = store.save(*KEY, "notes", "second", client="laptop", based_on=a.version)
    assert (a.version, b.version) == (1, 2)
    assert store.latest(*KEY)["notes"].value == "second"
    assert [h.value for h in store.history(*KEY, "notes")] == ["first", "second"]


def test_values_round_trip_as_json(store):
    value = {"level": 3, "evidence": "O'Brien said <b>yes</b> — café"}
    store.save(*KEY, "depth", value)
    assert store.latest(*KEY)["depth"].value == value


def test_latest_is_per_item_and_per_district(store):
    store.save(*KEY, "a", 1)
    store.save(*KEY, "b", 2)
    store.save("copper-mine", "1", "03_fundamentals", "a", 99)
    assert {k: v.value for k, v in store.latest(*KEY).items()} == {"a": 1, "b": 2}
    assert store.latest("copper-mine", "1", "03_fundamentals")["a"].value == 99
    assert store.latest("windy-city", "2", "03_fundamentals") == {}


def test_stale_save_is_kept_but_not_applied(store):
    first = store.save(*KEY, "notes", "from the laptop", client="laptop", based_on=0)
    store.save(*KEY, "notes", "from the tablet", client="tablet", based_on=first.version)
    with pytest.raises(Conflict) as info:
        store.save(*KEY, "notes", "laptop again, from old version", client="laptop", based_on=first.version)
    assert info.value.latest.value == "from the tablet"
    assert info.value.mine.status == "conflict"
    assert store.latest(*KEY)["notes"].value == "from the tablet"
    history = store.history(*KEY, "notes")
    assert [(h.value, h.status) for h in history] == [
        ("from the laptop", "saved"), ("from the tablet", "saved"), ("laptop again, from old version", "conflict"),
    ]
    # Resolving: the laptop saves again, now based on the version it was shown.
    resolved = store.save(*KEY, "notes", "merged", client="laptop", based_on=info.value.latest.version)
    assert store.latest(*KEY)["notes"].version == resolved.version == 4


def test_first_save_from_two_devices_conflicts(store):
    store.save(*KEY, "notes", "one", based_on=0)
    with pytest.raises(Conflict):
        store.save(*KEY, "notes", "two", based_on=0)


def test_twenty_threads_writing_at_once_lose_nothing(store_url):
    url = store_url
    Store(url).close()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        store = Store(url)
        try:
            for i in range(25):
                store.save("windy-city", "1", "02_scale", f"item{n % 4}", {"writer": n, "i": i}, client=f"c{n}")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store(url)
    assert store.count() == 20 * 25
    for item in range(4):
        versions = [h.version for h in store.history("windy-city", "1", "02_scale", f"item{item}")]
        assert versions == list(range(1, len(versions) + 1))
    assert store.integrity_ok()
    store.close()


def test_devices_racing_on_one_item_never_both_win(store_url):
    """Each device saves based on the latest version it read; under contention every saved version
    must follow the saved version before it, and every stale save must be marked a conflict."""
    Store(store_url).close()
    start = threading.Barrier(20)
    errors: list[BaseException] = []
    conflicts: list[int] = []

    def device(n: int) -> None:
        store = Store(store_url)
        try:
            start.wait()
            for i in range(10):
                seen = store.latest(*KEY).get("notes")
                try:
                    store.save(*KEY, "notes", f"device {n} edit {i}", client=f"d{n}",
                               based_on=seen.version if seen else 0)
                except Conflict:
                    conflicts.append(n)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=device, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store(store_url)
    with store.engine.connect() as conn:
        rows = conn.execute(select(responses.c.version, responses.c.status, responses.c.based_on)
                            .order_by(responses.c.version)).all()
    store.close()
    assert [r.version for r in rows] == list(range(1, 201))
    previous_saved = 0
    for row in rows:
        if row.status == "saved":
            assert row.based_on == previous_saved, row
            previous_saved = row.version
        else:
            assert row.based_on != previous_saved, row
    assert sum(r.status == "conflict" for r in rows) == len(conflicts)


def test_completion_counts_items_answered(store):
    store.save(*KEY, "a", 1)
    store.save(*KEY, "a", 2)
    store.save(*KEY, "b", 3)
    counts = store.answered_items("1")
    assert counts[("windy-city", "03_fundamentals")][0] == 2


def test_if_exists_does_not_create_a_database(store_url, tmp_path):
    assert Store.if_exists(store_url) is None
    assert not (tmp_path / "kit.db").exists()
    engine = create_engine(store_url)
    assert inspect(engine).get_table_names() == []  # the PostgreSQL schema stays empty too
    engine.dispose()
    Store(store_url).close()
    opened = Store.if_exists(store_url)
    assert opened is not None and opened.count() == 0
    opened.close()


def test_newer_schema_is_refused(store_url):
    url = store_url
    store = Store(url)
    with store.writer.begin() as conn:
        conn.execute(update(schema_info).values(version=99))
    with pytest.raises(KitError, match="newer than this kit"):
        Store(url)
    store.close()


def test_an_unreachable_server_is_one_clear_message_without_the_password():
    with pytest.raises(KitError, match="cannot use the database postgresql") as info:
        Store("postgresql+psycopg://kit:s3cret@127.0.0.1:1/kit?connect_timeout=5")
    assert "s3cret" not in str(info.value)
    with pytest.raises(KitError, match="is not a database URL"):
        Store("kit.db")


@pytest.mark.parametrize(("url", "path"), [("sqlite:////srv/kit/kit.db", "/srv/kit/kit.db"),
                                           ("sqlite:///kit-data/kit.db", "kit-data/kit.db"),
                                           ("sqlite:///:memory:", None), ("sqlite://", None),
                                           ("postgresql+psycopg://kit@db/kit", None), ("not a url", None)])
def test_the_sqlite_file_of_a_store_url(url, path):
    assert sqlite_file(url) == (Path(path) if path else None)

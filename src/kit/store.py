"""The response store: every save is a new version; nothing a team typed is overwritten.

SQLAlchemy Core over SQLite by default (``./kit-data/kit.db``, WAL mode, busy timeout) or
PostgreSQL (``postgresql+psycopg://...``) for a server shared by several machines, chosen with
``--db`` or ``KIT_DB_URL``. The latest *saved* version of an item is what the worksheet shows.
A save made from an older version than the latest (another device saved in between) is still
kept, marked ``conflict``, and the caller is told, so both versions stay in the history and
neither is applied silently.

Writers of the same item take turns: on SQLite every write transaction starts with
``BEGIN IMMEDIATE``; on PostgreSQL a save holds a transaction-scoped advisory lock on its
(district, convening, module, item) key, so reading the latest version and appending the next
one cannot interleave with another writer of that item.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError

from kit.access import HASH_PREFIX, plausible_token, token_hash
from kit.errors import KitError
from kit.live import announce
from kit.paths import data_dir
from kit.settings import settings

# 2: responses.author (who saved, as typed on the worksheet); 3: access.token holds a token's hash
SCHEMA_VERSION = 4  # 4: room_state and fresh_starts (created by create_all; nothing to convert)
# First key of the PostgreSQL advisory locks the store takes ("kit" in ASCII), so they do not
# collide with locks another application takes in the same database.
LOCK_NAMESPACE = 0x6B6974
# The largest answer kept: far above any worksheet answer (a full page of text is ~5 KB), far below
# Tornado's 10 MiB websocket message limit, past which the page lost its connection instead.
MAX_ANSWER_BYTES = 1_000_000
MIGRATION_LOCK = 0
metadata = MetaData()

schema_info = Table("schema_info", metadata, Column("version", Integer, nullable=False))

districts = Table(
    "districts", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("cohort", String(200), nullable=False, default=""),
    Column("profile", Text, nullable=False, default="{}"),
    Column("loaded_at", String(32), nullable=False),
)

convenings = Table(
    "convenings", metadata,
    Column("id", String(64), primary_key=True),
    Column("cohort", String(200), nullable=False, default=""),
    Column("number", Integer, nullable=False, default=1),
    Column("title", Text, nullable=False, default=""),
    Column("date", String(10), nullable=True),
)

access = Table(
    "access", metadata,  # team links: a secret token per district, and one ("" district) for the program manager
    Column("token", String(80), primary_key=True),  # "sha256:<hex>" of the token (schema 3); the link book has it
    Column("cohort", String(200), nullable=False),
    Column("district", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("cohort", "district", name="one_link"),
)

link_tokens = Table(
    "link_tokens", metadata,  # a server database's link book (kit.db.links beside a SQLite file instead)
    Column("cohort", String(200), primary_key=True),
    Column("district", String(64), primary_key=True),
    Column("token", String(64), nullable=False),
)

responses = Table(
    "responses", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("district", String(64), nullable=False),
    Column("convening", String(64), nullable=False),
    Column("module", String(64), nullable=False),
    Column("item", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("value", Text, nullable=False),
    Column("status", String(16), nullable=False, default="saved"),
    Column("based_on", Integer, nullable=True),
    Column("saved_at", String(32), nullable=False),
    Column("client", String(64), nullable=False, default=""),
    Column("author", String(120), nullable=False, server_default=""),
    UniqueConstraint("district", "convening", "module", "item", "version", name="one_version"),
    Index("by_item", "district", "convening", "module", "item"),
)

fresh_starts = Table(
    "fresh_starts", metadata,  # "Start blank instead": a module whose earlier convening's answers a team set aside
    Column("district", String(64), primary_key=True),
    Column("convening", String(64), primary_key=True),
    Column("module", String(64), primary_key=True),
    Column("chosen_at", String(32), nullable=False),
    Column("client", String(64), nullable=False, default=""),
)


room_state = Table(
    "room_state", metadata,  # the live room of a convening (kit.room): "room" is the PM's, "done:<district>" a team's
    Column("cohort", String(200), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", String(32), nullable=False),
)


@dataclass(frozen=True)
class Answer:
    value: Any
    version: int
    saved_at: datetime
    client: str
    status: str = "saved"
    author: str = ""
    convening: str = ""


@dataclass(frozen=True)
class Convening:
    """One meeting of a cohort: its number (1, 2, …), date and title."""

    cohort: str
    number: int
    date: date | None = None
    title: str = ""

    @property
    def key(self) -> str:
        """How responses name this convening."""
        return str(self.number)

    def label(self) -> str:
        """`convening 2, 14 Jan 2027`, for the labels on worksheets and packets."""
        when = f", {self.date.day} {self.date:%b %Y}" if self.date else ""
        return f"convening {self.number}{when}"


class AnswerTooLarge(KitError):
    """An answer past MAX_ANSWER_BYTES: refused, so one paste cannot fill the store or stall the room."""

    def __init__(self, size: int):
        super().__init__(f"this answer is {size / 1e6:.1f} MB; the kit keeps answers up to"
                         f" {MAX_ANSWER_BYTES // 1_000_000} MB. Shorten it (or link to a document) and it will save")


class Conflict(KitError):
    """Another device saved a newer version; the save was kept in history, not applied."""

    def __init__(self, latest: Answer, mine: Answer):
        self.latest = latest
        self.mine = mine
        super().__init__(
            f"another device saved this answer at {latest.saved_at:%H:%M}; yours is kept in the history"
        )


def default_url() -> str:
    configured = settings().db_url
    if configured:
        return configured
    return f"sqlite:///{data_dir() / 'kit.db'}"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another database or SQLite in memory."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    with suppress(ArgumentError):
        return make_url(url).render_as_string(hide_password=True)
    return url


def _now() -> datetime:
    return datetime.now(UTC)


def _row_answer(row: Any) -> Answer:
    return Answer(
        value=json.loads(row.value),
        version=row.version,
        saved_at=datetime.fromisoformat(row.saved_at),
        client=row.client,
        status=row.status,
        author=row.author or "",
        convening=row.convening,
    )


def convening_order(key: str) -> tuple[int, str]:
    """Sort convening keys numerically when they are numbers ("2" before "10")."""
    return (int(key), "") if key.isdigit() else (10**9, key)


class Store:
    """Responses, districts and convenings behind one SQLAlchemy engine."""

    def __init__(self, url: str | None = None, create: bool = True):
        self.url = url or default_url()
        self.is_sqlite = self.url.startswith("sqlite")
        path = sqlite_file(self.url)
        if path and create:
            path.parent.mkdir(parents=True, exist_ok=True)
            private_file(path)
        self.engine: Engine = _engine(self.url)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
        self.writer = self.engine.execution_options(write=True)
        if create:
            self.migrate()

    @property
    def shown_url(self) -> str:
        return shown_url(self.url)

    @classmethod
    def if_exists(cls, url: str | None = None) -> Store | None:
        """Open the store only if it already exists (packets read answers but never create one)."""
        url = url or default_url()
        path = sqlite_file(url)
        if path:
            return cls(url) if path.exists() else None
        store = cls(url, create=False)
        with store._reachable(), store.engine.connect() as conn:
            found = store.engine.dialect.has_table(conn, responses.name)
        if not found:
            store.close()
            return None
        store.migrate()
        return store

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A server that refuses the connection becomes one clear message, not a driver traceback."""
        try:
            yield
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise KitError(f"cannot use the database {self.shown_url}: {reason} — check the URL given"
                           " with --db or KIT_DB_URL (and, for a server, that it is running)") from None

    def _lock(self, conn: Connection, key: str | None) -> None:
        """Serialise writers of one item (or migrations, key None) on PostgreSQL until the commit."""
        if not self.is_postgres:
            return  # SQLite's BEGIN IMMEDIATE already did; others rely on the unique version number
        if key is None:
            conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :id)"), {"ns": LOCK_NAMESPACE, "id": MIGRATION_LOCK})
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
                         {"ns": LOCK_NAMESPACE, "key": key})

    def migrate(self) -> None:
        """Create or upgrade the schema; the version lives in `schema_info`."""
        with self._reachable(), self.writer.begin() as conn:
            self._lock(conn, None)  # kernels opening a new PostgreSQL store at once create it once
            metadata.create_all(conn, checkfirst=True)
            current = conn.execute(select(schema_info.c.version)).scalar()
            if current is None:
                conn.execute(insert(schema_info).values(version=SCHEMA_VERSION))
            elif current > SCHEMA_VERSION:
                raise KitError(
                    f"the database {self.shown_url} has schema version {current}, newer than this kit"
                    f" ({SCHEMA_VERSION}) — upgrade the kit"
                )
            elif current < SCHEMA_VERSION:
                if current < 2:
                    conn.execute(text("ALTER TABLE responses ADD COLUMN author VARCHAR(120) NOT NULL DEFAULT ''"))
                if current < 3:
                    self._hash_tokens(conn)
                # 4: room_state and fresh_starts are new tables, made by create_all above
                conn.execute(update(schema_info).values(version=SCHEMA_VERSION))

    def _hash_tokens(self, conn: Connection) -> None:
        """Schema 3: move the tokens of existing links to the link book and keep only their hashes."""
        if not self.is_sqlite:
            conn.execute(text("ALTER TABLE access ALTER COLUMN token TYPE VARCHAR(80)"))
        rows = [r for r in conn.execute(select(access)) if not r.token.startswith(HASH_PREFIX)]
        if not rows:
            return
        book = self.link_book(conn)
        for row in rows:
            book.setdefault(row.cohort, {})[row.district] = row.token
        self._write_link_book(book, conn)  # first: a failure here leaves the old rows, and the links, as they were
        if self.is_sqlite:
            conn.exec_driver_sql("PRAGMA secure_delete=ON")  # the old tokens' bytes are zeroed, not just freed
        for row in rows:
            conn.execute(update(access).where(access.c.token == row.token).values(token=token_hash(row.token)))

    def close(self) -> None:
        self.engine.dispose()

    # districts and convenings -------------------------------------------------------------

    def load_districts(self, cohort: str, profiles: Iterable[Any]) -> int:
        """Insert or refresh district records from validated profiles; returns how many."""
        count = 0
        with self.writer.begin() as conn:
            for d in profiles:
                values = {"name": d.name, "cohort": cohort, "profile": d.model_dump_json(),
                          "loaded_at": _now().isoformat()}
                done = conn.execute(update(districts).where(districts.c.id == d.id).values(**values))
                if not done.rowcount:
                    conn.execute(insert(districts).values(id=d.id, **values))
                count += 1
        return count

    def add_convening(self, cohort: str, number: int | None = None, when: date | None = None,
                      title: str = "") -> Convening:
        """Record a convening of a cohort (the next number if none is given); an existing one is updated."""
        with self.writer.begin() as conn:
            if number is None:
                top = conn.execute(select(func.max(convenings.c.number)).where(convenings.c.cohort == cohort)).scalar()
                number = (top or 0) + 1
            if number < 1:
                raise KitError(f"convening number {number}: numbers start at 1")
            values = {"cohort": cohort, "number": number, "title": title,
                      "date": when.isoformat() if when else None}
            key = f"{cohort}/{number}"
            done = conn.execute(update(convenings).where(convenings.c.id == key).values(**values))
            if not done.rowcount:
                conn.execute(insert(convenings).values(id=key, **values))
        return Convening(cohort, number, when, title)

    def convenings(self, cohort: str) -> list[Convening]:
        """A cohort's convenings, first to last."""
        query = select(convenings).where(convenings.c.cohort == cohort).order_by(convenings.c.number)
        with self.engine.connect() as conn:
            return [Convening(r.cohort, r.number, date.fromisoformat(r.date) if r.date else None, r.title)
                    for r in conn.execute(query)]

    def all_convenings(self) -> list[Convening]:
        """Every recorded convening of every cohort, by cohort and number."""
        query = select(convenings).order_by(convenings.c.cohort, convenings.c.number)
        with self.engine.connect() as conn:
            return [Convening(r.cohort, r.number, date.fromisoformat(r.date) if r.date else None, r.title)
                    for r in conn.execute(query)]

    def convening(self, cohort: str, key: str) -> Convening:
        """The record of convening `key` ("2"), or a bare one if it was never added."""
        for found in self.convenings(cohort):
            if found.key == key:
                return found
        return Convening(cohort, int(key) if key.isdigit() else 0)

    def current_convening(self, cohort: str) -> str:
        """The latest convening added for a cohort ("1" if none was)."""
        found = self.convenings(cohort)
        return found[-1].key if found else "1"

    def link_book_path(self) -> Path | None:
        """The private file (mode 0600) beside a SQLite store that holds the tokens themselves.

        ``kit.db`` → ``kit.db.links``: the database keeps only the tokens' hashes, so a backup or a
        copy of the file opens no page. A server database (PostgreSQL) has no file of its own on
        every machine that prints links (the hub's service, staff servers), so there the tokens
        are in its ``link_tokens`` table, guarded by the database's own password: None.
        """
        path = sqlite_file(self.url)
        return Path(f"{path}.links") if path else None

    def link_book(self, conn: Connection | None = None) -> dict[str, dict[str, str]]:
        """{cohort: {district: token}} for the links made so far."""
        path = self.link_book_path()
        if path is None:
            with nullcontext(conn) if conn is not None else self.engine.connect() as reader:
                book: dict[str, dict[str, str]] = {}
                for row in reader.execute(select(link_tokens)):
                    book.setdefault(row.cohort, {})[row.district] = row.token
                return book
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise KitError(f"{path}: the link book cannot be read ({exc}) — `kit links --rotate` makes new"
                           " links") from None
        return found if isinstance(found, dict) else {}

    def _write_link_book(self, book: dict[str, dict[str, str]], conn: Connection) -> None:
        path = self.link_book_path()
        if path is None:
            conn.execute(link_tokens.delete())
            rows = [{"cohort": c, "district": d, "token": t} for c, links in book.items() for d, t in links.items()]
            if rows:
                conn.execute(insert(link_tokens), rows)
            return
        from kit.atomic import atomic_path

        with atomic_path(path, mode=0o600) as tmp:
            tmp.write_text(json.dumps(book, indent=1, sort_keys=True), encoding="utf-8")

    def links(self, cohort: str, district_ids: Iterable[str], rotate: bool | Iterable[str] = False) -> dict[str, str]:
        """The secret token of each district's team link ("" → the program manager's), made when missing.

        The database keeps only each token's hash; the tokens are in the link book, so a program
        manager can print the links again mid-convening. `rotate=True` replaces every link of the
        cohort, `rotate=["windy-city"]` that district's alone; old links stop working at once.
        """
        import secrets

        wanted = ["", *district_ids]
        renew = set(wanted) if rotate is True else set(rotate or ())
        with self.writer.begin() as conn:
            book = self.link_book(conn)
            tokens = book.setdefault(cohort, {})
            have = {r.district: r.token for r in conn.execute(select(access).where(access.c.cohort == cohort))}
            made: dict[str, str] = {}
            for district in wanted:
                known = tokens.get(district, "")
                if district in have and district not in renew and token_hash(known) == have[district]:
                    continue
                if district in have and district not in renew:
                    who = district or "the program manager"
                    raise KitError(f"{self.link_book_path() or self.shown_url}: the link of {who} is not"
                                   f" in the link book (made on another machine?) — `kit links --rotate"
                                   f" {district or 'program-manager'}` makes a new one")
                made[district] = secrets.token_urlsafe(18)
                conn.execute(access.delete().where(access.c.cohort == cohort, access.c.district == district))
                conn.execute(insert(access).values(token=token_hash(made[district]), cohort=cohort,
                                                   district=district, created_at=_now().isoformat()))
            if made:  # the book before the commit: a link is never in the database without its token on disk
                tokens.update(made)
                self._write_link_book(book, conn)
        return {d: tokens[d] for d in wanted}

    def holder(self, token: str) -> tuple[str, str] | None:
        """(cohort, district) a token opens — district "" for the program manager — or None."""
        if not plausible_token(token):
            return None
        return self.holder_of_hash(token_hash(token))

    def holder_of_hash(self, hashed: str) -> tuple[str, str] | None:
        """(cohort, district) of the link whose token has this hash, or None (a rotated or unknown link)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(access.c.cohort, access.c.district).where(access.c.token == hashed)).first()
        return (row.cohort, row.district) if row else None

    def guarded(self) -> bool:
        """Whether team links exist (then every page asks for a token; `kit serve` makes them)."""
        with self.engine.connect() as conn:
            return conn.execute(select(access.c.token).limit(1)).first() is not None

    def district_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(districts.c.id).order_by(districts.c.id)).scalars())

    # the room ------------------------------------------------------------------------------

    def room(self, cohort: str) -> dict[str, Any]:
        """Every key of a cohort's room state with its value (kit.room reads it)."""
        query = select(room_state.c.key, room_state.c.value).where(room_state.c.cohort == cohort)
        with self.engine.connect() as conn:
            return {key: json.loads(value) for key, value in conn.execute(query)}

    def put_room(self, cohort: str, key: str, value: Any) -> None:
        """Set one key of a cohort's room state; the program manager and each team write their own keys."""
        values = {"value": json.dumps(value, ensure_ascii=False), "updated_at": _now().isoformat()}
        where = (room_state.c.cohort == cohort) & (room_state.c.key == key)
        for _attempt in range(5):
            try:
                with self.writer.begin() as conn:
                    if not conn.execute(update(room_state).where(where).values(**values)).rowcount:
                        conn.execute(insert(room_state).values(cohort=cohort, key=key, **values))
                    announce(conn)
                return
            except IntegrityError:
                continue  # another writer inserted the key first: update it
        raise KitError("could not save the room: the database stayed busy — try again")

    def change_mark(self, cohort: str) -> tuple[Any, ...]:
        """Two index lookups that change whenever an answer or the room is saved: cheap to ask every second
        (on PostgreSQL, asked when kit.live hears a save)."""
        with self.engine.connect() as conn:
            last_answer = conn.execute(select(func.max(responses.c.id))).scalar()
            room = conn.execute(select(func.max(room_state.c.updated_at), func.count())
                                .where(room_state.c.cohort == cohort)).first()
        return (last_answer, *(room or ()))

    # responses -----------------------------------------------------------------------------

    def save(
        self, district: str, convening: str, module: str, item: str, value: Any,
        client: str = "", based_on: int | None = None, author: str = "", at: datetime | None = None,
    ) -> Answer:
        """Append a new version. `based_on` is the version the device last saw (0 = none).

        If a newer saved version exists, the save is stored with status ``conflict`` and
        Conflict is raised; otherwise it becomes the latest. Passing ``based_on=None``
        skips the check (imports). `at` stamps an imported answer with when it was given.
        """
        payload = json.dumps(value, ensure_ascii=False)
        if len(payload.encode("utf-8")) > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(len(payload.encode("utf-8")))
        for _attempt in range(20):
            try:
                return self._save_once(district, convening, module, item, payload, client[:64], based_on,
                                       author[:120], at)
            except IntegrityError:
                continue  # another writer took this version number (databases without locking)
        raise KitError("could not save: the database stayed busy — try again")

    def _save_once(self, district: str, convening: str, module: str, item: str, payload: str,
                   client: str, based_on: int | None, author: str, at: datetime | None = None) -> Answer:
        key = (responses.c.district == district) & (responses.c.convening == convening) \
            & (responses.c.module == module) & (responses.c.item == item)
        with self.writer.begin() as conn:
            self._lock(conn, "\x1f".join((district, convening, module, item)))
            top = conn.execute(select(func.max(responses.c.version)).where(key)).scalar() or 0
            latest_row = conn.execute(
                select(responses).where(key & (responses.c.status == "saved"))
                .order_by(responses.c.version.desc()).limit(1)
            ).first()
            latest_version = latest_row.version if latest_row else 0
            stale = based_on is not None and based_on != latest_version
            now = at or _now()
            conn.execute(insert(responses).values(
                district=district, convening=convening, module=module, item=item,
                version=top + 1, value=payload, status="conflict" if stale else "saved",
                based_on=based_on, saved_at=now.isoformat(), client=client, author=author,
            ))
            announce(conn)  # PostgreSQL: the room view hears of the save at the commit (kit.live)
        mine = Answer(json.loads(payload), top + 1, now, client, "conflict" if stale else "saved", author, convening)
        if stale:
            assert latest_row is not None or latest_version == 0
            if latest_row is None:  # the newer version vanished: cannot happen in an append-only table
                return mine
            raise Conflict(_row_answer(latest_row), mine)
        return mine

    def latest(self, district: str, convening: str, module: str) -> dict[str, Answer]:
        """The latest saved answer of every item of a module."""
        key = (responses.c.district == district) & (responses.c.convening == convening) \
            & (responses.c.module == module) & (responses.c.status == "saved")
        newest = (
            select(responses.c.item, func.max(responses.c.version).label("v"))
            .where(key).group_by(responses.c.item).subquery()
        )
        query = select(responses).join(
            newest, (responses.c.item == newest.c.item) & (responses.c.version == newest.c.v)
        ).where(key)
        with self.engine.connect() as conn:
            return {row.item: _row_answer(row) for row in conn.execute(query)}

    def history(self, district: str, convening: str, module: str, item: str) -> list[Answer]:
        """Every version of an item, oldest first, conflicts included."""
        key = (responses.c.district == district) & (responses.c.convening == convening) \
            & (responses.c.module == module) & (responses.c.item == item)
        with self.engine.connect() as conn:
            rows = conn.execute(select(responses).where(key).order_by(responses.c.version))
            return [_row_answer(r) for r in rows]

    def earlier(self, district: str, convening: str, module: str) -> dict[str, Answer]:
        """Each item's latest saved answer from the most recent convening before `convening` that has one.

        What a worksheet offers as a starting point at a new convening (`Answer.convening` says where
        it came from); the earlier convening's own answers are never changed.
        """
        key = (responses.c.district == district) & (responses.c.module == module) \
            & (responses.c.status == "saved") & (responses.c.convening != convening)
        here = convening_order(convening)
        found: dict[str, Answer] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(select(responses).where(key)):
                if convening_order(row.convening) >= here:
                    continue
                best = found.get(row.item)
                if best is None or (convening_order(row.convening), row.version) > (
                        convening_order(best.convening), best.version):
                    found[row.item] = _row_answer(row)
        return found

    def start_blank(self, district: str, convening: str, module: str, client: str = "") -> None:
        """Remember that a team chose to start `module` blank at `convening` rather than from the earlier
        convening's answers (a new table, created by `migrate` in an older store; no answer changes)."""
        key = (fresh_starts.c.district == district) & (fresh_starts.c.convening == convening) \
            & (fresh_starts.c.module == module)
        with self.writer.begin() as conn:
            if conn.execute(select(fresh_starts.c.module).where(key)).first() is None:
                with suppress(IntegrityError), conn.begin_nested():  # another device chose it just now
                    conn.execute(insert(fresh_starts).values(district=district, convening=convening, module=module,
                                                             chosen_at=_now().isoformat(), client=client[:64]))

    def started_blank(self, district: str, convening: str, module: str) -> bool:
        """Whether the team chose "Start blank instead" for this module at this convening."""
        key = (fresh_starts.c.district == district) & (fresh_starts.c.convening == convening) \
            & (fresh_starts.c.module == module)
        with self.engine.connect() as conn:
            return conn.execute(select(fresh_starts.c.module).where(key)).first() is not None

    def over_time(self, district: str, module: str, up_to: str | None = None) -> list[tuple[str, dict[str, Answer]]]:
        """The latest answers of a module at each convening (up to `up_to`), first convening first."""
        query = select(func.distinct(responses.c.convening)).where(
            (responses.c.district == district) & (responses.c.module == module) & (responses.c.status == "saved"))
        with self.engine.connect() as conn:
            keys = sorted(conn.execute(query).scalars(), key=convening_order)
        if up_to is not None:
            keys = [k for k in keys if convening_order(k) <= convening_order(up_to)]
        return [(k, self.latest(district, k, module)) for k in keys]

    def answered_items(self, convening: str, module: str | None = None) -> dict[tuple[str, str],
                                                                             tuple[int, datetime | None]]:
        """(district, module) → (items with a saved answer, last save) for a convening (or one module of it)."""
        where = (responses.c.convening == convening) & (responses.c.status == "saved")
        if module is not None:
            where &= responses.c.module == module
        query = (
            select(responses.c.district, responses.c.module,
                   func.count(func.distinct(responses.c.item)), func.max(responses.c.saved_at))
            .where(where)
            .group_by(responses.c.district, responses.c.module)
        )
        with self.engine.connect() as conn:
            return {
                (d, m): (n, datetime.fromisoformat(last) if last else None)
                for d, m, n, last in conn.execute(query)
            }

    def last_save(self, district: str, convening: str, module: str) -> datetime | None:
        """When a team last saved an answer to a module (one index range: a team's bar asks on each change)."""
        query = select(func.max(responses.c.saved_at)).where(
            (responses.c.district == district) & (responses.c.convening == convening)
            & (responses.c.module == module) & (responses.c.status == "saved"))
        with self.engine.connect() as conn:
            last = conn.execute(query).scalar()
        return datetime.fromisoformat(last) if last else None

    def answered_convenings(self) -> list[str]:
        """The convenings that have at least one saved answer, first first."""
        query = select(responses.c.convening).where(responses.c.status == "saved").distinct()
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars(), key=convening_order)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(responses)).scalar() or 0

    def integrity_ok(self) -> bool:
        if not self.is_sqlite:
            return True
        with self.engine.connect() as conn:
            return conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def private_file(path: Path) -> None:
    """Create `path` readable by its owner alone (0600), or make it so; SQLite gives its WAL the same mode.

    The store holds every answer a team typed; on a shared machine no other account should read it.
    """
    with suppress(OSError):
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if each.exists() and each.stat().st_uid == os.getuid() and each.stat().st_mode & 0o077:
                os.chmod(each, 0o600)


def _engine(url: str) -> Engine:
    try:
        return create_engine(url)
    except ArgumentError:
        raise KitError(f"{url!r} is not a database URL — use e.g. sqlite:///kit-data/kit.db or"
                       " postgresql+psycopg://user:password@host/dbname") from None
    except ImportError as exc:
        raise KitError(f"no driver for {shown_url(url)} ({exc}) — for PostgreSQL: pip install"
                       " 'district-scale-kit[postgres]'") from None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite's deferred BEGIN.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    with suppress(Exception):  # a read-only or in-memory database keeps its journal mode
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute(f"PRAGMA synchronous={sqlite_synchronous()}")
    cursor.close()


def sqlite_synchronous() -> str:
    """How SQLite syncs commits: FULL (a commit survives a power cut), or NORMAL from $KIT_SQLITE_SYNCHRONOUS.

    With WAL, NORMAL may lose the last commits when the machine loses power (a closed laptop's
    battery running out); `benchmarks/load.py --synchronous FULL,NORMAL` measures what FULL costs.
    """
    return settings().sqlite_synchronous


def _sqlite_begin_immediate(conn: Any) -> None:
    """Writers take the lock at the start, so read-then-insert cannot interleave between them."""
    mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
    try:
        conn.exec_driver_sql(f"BEGIN {mode}")
    except OperationalError as exc:
        raise KitError(f"the database is locked or unreadable ({exc.orig}) — try again") from None


# One store per kernel: a page's kernel (or a preheated one, before its request) opens it once, and
# a warm packet kernel renders many notebooks with the same one.
_kernel_stores: dict[str, Store | None] = {}


def page_store() -> Store:
    """The kernel's read-write store for live pages, opened once."""
    key = "live:" + settings().db_url
    store = _kernel_stores.get(key)
    if store is None:
        store = _kernel_stores[key] = Store()
    return store


def report_store() -> Store | None:
    """The kernel's read-only view of the store for reports and packets; None when there is no store."""
    url = default_url()
    if url not in _kernel_stores:
        _kernel_stores[url] = Store.if_exists(url)
    return _kernel_stores[url]

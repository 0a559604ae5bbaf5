"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL (scale)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ConfigError
from store.errors import StoreUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "Store",
    "database_url",
    "make_engine",
    "make_session_factory",
    "make_read_session_factory",
    "session_scope",
    "migrate",
    "current_revision",
    "head_revision",
    "require_current_schema",
    "sqlite_path",
    "sqlite_file",
    "file_problem",
    "ping",
]

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


#: The backends WildWatch is tested on (and their drivers installed with it).
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def database_url(url: str) -> URL:
    """``url`` parsed, or a ConfigError naming what is wrong (never SQLAlchemy's traceback)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"not a database URL: {url!r} (use sqlite:///PATH or postgresql://USER@HOST/DB)"
        ) from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r} in "
            f"{parsed.render_as_string(hide_password=True)!r}: use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"):
        raise ConfigError(f"unsupported database driver {parsed.drivername!r}: use sqlite or postgresql+psycopg")
    return parsed


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    parsed = database_url(url) if isinstance(url, str) else url
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):  # the URI form make_engine(create=False) uses
        return Path(unquote(database[len("file:"):].split("?", 1)[0]))
    return Path(database).expanduser()


#: Execution option naming transactions that will write: on SQLite they start ``BEGIN IMMEDIATE``.
WRITE_OPTION = "wildwatch_writes"


def _sqlite_begin(connection: Connection) -> None:
    """Take SQLite's write lock when a writing transaction starts, not at its first write.

    A deferred transaction that has read and then writes cannot wait for the lock (its snapshot
    may be stale), so SQLite answers "database is locked" at once; ``BEGIN IMMEDIATE`` waits
    for the busy timeout instead, so concurrent writers queue.  Other transactions keep the
    driver's deferred begin: readers never wait for writers under WAL.
    """
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None for PostgreSQL and in-memory SQLite)."""
    return sqlite_path(engine.url)


def file_problem(path: Path) -> str | None:
    """Why a SQLite file cannot serve writes right now (gone, not a file, not writable), or None."""
    if not path.exists():
        return f"the database file {path} is gone"
    if not path.is_file():
        return f"{path} is not a file"
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        return f"the database file {path} (or its directory) is not writable"
    return None


def _same_file_on_checkout(path: Path):  # type: ignore[no-untyped-def]
    def on_connect(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
        stat = path.stat()
        connection_record.info["inode"] = (stat.st_dev, stat.st_ino)

    name = str(path)  # os.stat on a str: pathlib's wrapper cost 5 % of a listing page (py-spy)

    def on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:  # type: ignore[no-untyped-def]
        try:
            stat = os.stat(name)
        except OSError:
            stat = None
        if stat is None or connection_record.info.get("inode") != (stat.st_dev, stat.st_ino):
            # The file was moved away or replaced: this connection still writes to the old one.
            raise DisconnectionError(f"{path} is not the file this connection opened")

    return on_connect, on_checkout


def make_engine(url: str, *, create: bool = True, **kwargs: object) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys, a busy timeout and immediate writes.

    ``create=False`` (the API server) never creates a SQLite file: a missing file is an error on
    every connection, and a pooled connection whose file was moved away or replaced is dropped,
    so requests fail alike (503) instead of half of them writing to a file nobody reads.
    """
    parsed = database_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        path = Path(database).expanduser().resolve() if database and database != ":memory:" else None
        if path is not None and create:
            path.parent.mkdir(parents=True, exist_ok=True)
        if path is not None and not create:
            parsed = parsed.set(database=f"file:{quote(str(path))}", query={"mode": "rw", "uri": "true"})
        engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        if path is not None and not create:
            on_connect, on_checkout = _same_file_on_checkout(path)
            event.listen(engine, "connect", on_connect)
            event.listen(engine, "checkout", on_checkout)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine, *, writes: bool = False) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (callers own the transaction).

    ``writes=True``: each transaction takes the write lock when it begins (SQLite), so writers
    queue within the busy timeout instead of failing; use it for work that will write.
    """
    bind = engine.execution_options(**{WRITE_OPTION: True}) if writes else engine
    return sessionmaker(bind, expire_on_commit=False)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads that change nothing: on PostgreSQL in autocommit, so a one-statement read
    is one statement to the server, not BEGIN, the read and ROLLBACK.

    Those two took 18 % of PostgreSQL's CPU for an API list page (0.66 against 0.55 ms a page,
    1M listings, 2026-12-07).  A read of several statements sees each at its own snapshot: fine
    for counts that only steer a plan, wrong for anything that must agree with itself.  SQLite's
    sessions are ``make_session_factory``'s.
    """
    if engine.dialect.name == "postgresql":
        return sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
    return make_session_factory(engine)


@dataclass
class Store:
    """One database: its engine (opened on first use) and session factory, shared by a process.

    A crawl hands its store to the pipeline through Scrapy's settings, which Scrapy deep-copies:
    a copy is this same store, so one process keeps one engine (one connection pool).
    """

    url: str

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    def migrate(self) -> None:
        """Bring the schema to the latest revision."""
        migrate(self.engine)

    def close(self) -> None:
        """Close the connection pool, if it was ever opened."""
        if "engine" in self.__dict__:
            self.engine.dispose()

    def __deepcopy__(self, memo: dict[int, Any]) -> Store:
        return self

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (``head`` by default); safe to run on every start.

    A schema already at the head is left without starting alembic: importing it and reading the
    migration scripts took 0.1 s of the 0.66 s a command that opens the store needed to start
    (`wildwatch apikey list`, 2026-12-07).
    """
    try:
        current = current_revision(engine)
        if revision == "head" and current == head_revision():
            return
        if current is not None:  # some rewrite every listing (0020: about 10 s per million on SQLite): say so first
            logger.info("migrating the schema of %s from %s to %s", engine.url.render_as_string(), current, revision)
        from alembic import command

        config = _alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot migrate {engine.url.render_as_string()}: {exc}") from exc


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (``base`` removes everything)."""
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None before the first migration."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """The newest schema revision this version of WildWatch knows.

    Migrations are numbered and linear, each file named as its revision (``0019_species_sort_keys.py``),
    so the head is the last name; tests/store/test_migrations.py checks that alembic agrees.
    """
    return max(path.stem for path in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def require_current_schema(engine: Engine) -> None:
    """Raise StoreUnavailable, saying to run ``wildwatch init``, unless the schema is the newest."""
    shown = engine.url.render_as_string()
    path = sqlite_file(engine)
    if path is not None and not path.is_file():
        raise StoreUnavailable(f"no database at {path}: run `wildwatch init` to create it")
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[-1:] or [type(exc).__name__]
        raise StoreUnavailable(f"cannot open the database at {shown} ({reason[0].strip()}): check the URL; "
                               "run `wildwatch init` once it exists") from exc
    if revision is None:
        raise StoreUnavailable(f"the database at {shown} has no WildWatch schema: run `wildwatch init`")
    if revision != head_revision():
        raise StoreUnavailable(f"the database at {shown} is at schema {revision}, this version needs "
                               f"{head_revision()}: run `wildwatch init` to migrate it")


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False

"""Writers queue for SQLite's write lock instead of failing (issue 14: "database is locked" under
8 concurrent moderators).

A transaction that reads and then writes, begun the default (deferred) way, cannot wait for the
lock once another writer has committed since its read: SQLite refuses it at once.  The review
API's Idempotency-Key path does exactly that (a SAVEPOINT, which begins a deferred transaction,
then a read, then the insert).  Sessions from ``make_session_factory(engine, writes=True)``
begin ``IMMEDIATE`` and wait instead.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from store.apikeys import create_api_key
from store.db import make_session_factory, session_scope
from store.models import ApiKey


def test_a_writer_that_read_first_waits_instead_of_failing(engine: Engine) -> None:
    with session_scope(make_session_factory(engine)) as session:
        first = create_api_key(session, role="moderator", name="first")[0].id
        second = create_api_key(session, role="moderator", name="second")[0].id
    writes = make_session_factory(engine, writes=True)
    other_done = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            with writes() as session, session.begin():
                session.execute(update(ApiKey).where(ApiKey.id == second).values(name="other"))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            other_done.set()

    with writes() as session:
        savepoint = session.begin_nested()  # as record_review_once does
        assert session.scalar(select(ApiKey.name).where(ApiKey.id == first)) == "first"  # read first
        thread = threading.Thread(target=other_writer)
        thread.start()
        other_done.wait(1.0)  # deferred: the other writer commits now; immediate: it waits for us
        session.execute(update(ApiKey).where(ApiKey.id == first).values(name="mine"))  # ... then write
        savepoint.commit()
        session.commit()
    thread.join(30)
    assert not errors, errors
    with Session(engine) as session:
        assert {row.id: row.name for row in session.execute(select(ApiKey.id, ApiKey.name))} == {
            first: "mine", second: "other"}


def test_readers_do_not_take_the_write_lock(engine: Engine) -> None:
    """Only writing sessions begin IMMEDIATE: a reader in the middle of a writer's transaction reads."""
    with session_scope(make_session_factory(engine)) as session:
        create_api_key(session, role="analyst", name="reader")
    writes = make_session_factory(engine, writes=True)
    reads = make_session_factory(engine)
    with writes() as writer, reads() as reader:
        writer.execute(update(ApiKey).values(name="changing"))
        assert reader.scalar(select(ApiKey.name)) == "reader"  # no wait: WAL readers see the last commit
        writer.rollback()

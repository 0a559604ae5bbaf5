"""The inline reader answers like a session of the store's own, or says it did not answer: it never waits.

It runs on the API's event loop (see store.inline_reads), so a read that would run long or wait
for a lock must come back at once as NotAnswered, leaving nothing behind, for the caller to run
the usual way.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from store import queries
from store.db import make_session_factory, sqlite_file
from store.inline_reads import InlineReader, NotAnswered
from store.models import Listing
from store.queries import ListingFilter, list_listing_values
from tests.databases import Databases, engine_for
from tests.store.seed import seed_store


@pytest.fixture
def sqlite_engine(databases: Databases, tmp_path: Path) -> Iterator[Engine]:
    with engine_for(databases, "sqlite", tmp_path) as engine:
        with make_session_factory(engine)() as session:
            seed_store(session)
            session.commit()
        yield engine


@pytest.fixture
def reader(sqlite_engine: Engine) -> Iterator[InlineReader]:
    # the test store is small: look at the clock often; a limit no test read reaches unless it sets a lower one
    reader = InlineReader.for_engine(sqlite_engine, steps=100, budget=60.0)
    assert reader is not None
    reader.open()
    yield reader
    reader.close()


def _page(filters: ListingFilter) -> object:
    return lambda session: list_listing_values(session, filters, limit=3)


FILTERS = [ListingFilter(), ListingFilter(flagged=True, species="pangolin"), ListingFilter(q="象牙"),
           ListingFilter(q="ivory", lang="en"), ListingFilter(species="elephant", min_score=0.5)]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f.as_params()))
def test_answers_what_a_session_answers(sqlite_engine: Engine, reader: InlineReader, filters: ListingFilter) -> None:
    with make_session_factory(sqlite_engine)() as session:
        expected = list_listing_values(session, filters, limit=3)
    assert reader.ready
    assert reader.read(_page(filters), key=filters) == expected


def test_only_sqlite_files_get_one(engine: Engine) -> None:
    reader = InlineReader.for_engine(engine)
    assert (reader is not None) == (sqlite_file(engine) is not None)


def test_a_read_over_the_time_limit_is_not_answered_then_goes_elsewhere_for_a_while(
    sqlite_engine: Engine, reader: InlineReader
) -> None:
    # far longer than any limit
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT count(*) FROM n"
    reader.budget = 0.001
    with pytest.raises(NotAnswered, match="time limit"):
        reader.read(lambda session: session.execute(text(slow)).scalar(), key="slow")
    reader.budget = 60.0
    # the same kind is not tried again for a while, even when it would now be quick
    with pytest.raises(NotAnswered, match="slow"):
        reader.read(lambda session: 1, key="slow")
    # other kinds are, and the connection works after the interrupt
    assert reader.read(lambda session: session.scalar(select(Listing.id).order_by(Listing.id).limit(1)), key="other") == 1
    reader._slow["slow"] = (0.0, 1)  # its while is over
    assert reader.read(lambda session: 1, key="slow") == 1


def _overrun(reader: InlineReader, key: str) -> float:
    """Interrupt one read of ``key``; the seconds it then stays away from the loop."""
    reader.budget = -1.0  # interrupted at the first look at the clock
    try:
        with pytest.raises(NotAnswered, match="time limit"):
            reader.read(lambda session: session.execute(text("SELECT count(*) FROM listings")).scalar(), key=key)
    finally:
        reader.budget = 60.0
    until, _ = reader._slow[key]
    reader._slow[key] = (0.0, reader._slow[key][1])  # its while is over: the next read tries the loop
    return until - time.monotonic()


def test_a_kind_that_keeps_overrunning_stays_away_longer_and_one_answer_in_time_forgives_it(
    reader: InlineReader,
) -> None:
    """One overrun (a cold page) must not send a kind to the slower thread path for long; one that
    overruns every time must not cost the loop a budget on every request."""
    reader.first_slow_seconds, reader.slow_seconds = 1.0, 5.0
    waits = [_overrun(reader, "kind") for _ in range(5)]
    assert [round(wait) for wait in waits] == [1, 2, 4, 5, 5]
    assert reader.read(lambda session: 1, key="kind") == 1  # answered in time: forgiven
    assert round(_overrun(reader, "kind")) == 1


def test_an_interrupted_page_leaves_nothing_behind(sqlite_engine: Engine, reader: InlineReader) -> None:
    filters = ListingFilter(flagged=True, species="pangolin")
    with make_session_factory(sqlite_engine)() as session:
        expected = list_listing_values(session, filters, limit=2)
    reader.budget = -1.0  # interrupted at the first look at the clock
    with pytest.raises(NotAnswered, match="time limit"):
        reader.read(_page(filters), key=filters)
    reader.budget = 60.0
    assert reader.read(_page(filters), key="again") == expected


def test_plan_statistics_are_never_counted_inline(sqlite_engine: Engine, reader: InlineReader) -> None:
    """Counting a million listings would hold up the loop: a statistic not counted yet, or due for
    a recount, sends the read to a session of the store, which counts it; then the reader answers."""
    filters = ListingFilter(flagged=True, species="pangolin")
    for _ in range(2):
        with pytest.raises(NotAnswered, match="statistic"):
            reader.read(_page(filters), key=filters)
    with make_session_factory(sqlite_engine)() as session:
        expected = list_listing_values(session, filters, limit=3)
    assert reader.read(_page(filters), key=filters) == expected
    with queries._statistics_lock:  # every count is due again
        for full_key, (_, value) in list(queries._statistics.items()):
            queries._statistics[full_key] = (-queries.STATISTICS_TTL, value)
    with pytest.raises(NotAnswered, match="statistic"):
        reader.read(_page(filters), key=filters)
    with make_session_factory(sqlite_engine)() as session:
        assert list_listing_values(session, filters, limit=3) == expected  # recounted here
    assert reader.read(_page(filters), key=filters) == expected


def test_a_locked_database_is_not_waited_for(sqlite_engine: Engine, reader: InlineReader) -> None:
    """A connection holding the database exclusively: the inline read says so at once; a session waits."""
    path = sqlite_file(sqlite_engine)
    sqlite_engine.dispose()  # the only connection left is the reader's, which has not read yet
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE listings SET title = title WHERE id = 1")
    holder.commit()  # in exclusive locking mode the lock outlives the transaction
    try:
        with pytest.raises(NotAnswered, match="database error"):
            reader.read(lambda session: session.scalar(select(Listing.id).limit(1)), key="locked")
        # a session of the store waits (busy timeout) and reads once the holder lets go
        release = threading.Timer(0.5, holder.close)
        release.start()
        with Session(sqlite_engine) as session:
            assert session.scalar(select(Listing.id).order_by(Listing.id).limit(1)) == 1
        release.join()
    finally:
        holder.close()
    assert reader.ready  # a lock is no reason to drop the connection
    assert reader.read(lambda session: session.scalar(select(Listing.id).order_by(Listing.id).limit(1))) == 1


def test_a_replaced_file_is_not_read(sqlite_engine: Engine, reader: InlineReader, tmp_path: Path) -> None:
    path = sqlite_file(sqlite_engine)
    assert path is not None
    os.replace(path, tmp_path / "moved.db")
    try:
        with pytest.raises(NotAnswered, match="replaced"):
            reader.read(lambda session: 1)
        assert not reader.ready  # open() again, in a thread, makes a new connection
    finally:
        os.replace(tmp_path / "moved.db", path)


def test_it_never_writes(reader: InlineReader) -> None:
    with pytest.raises(NotAnswered, match="database error"):
        reader.read(lambda session: session.execute(text("UPDATE listings SET title = 'x' WHERE id = 1")))


def test_a_fork_opens_its_own(reader: InlineReader, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as seen from a forked worker
    assert not reader.ready
    with pytest.raises(NotAnswered):
        reader.read(lambda session: 1)

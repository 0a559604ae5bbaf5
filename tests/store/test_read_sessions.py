"""Read sessions answer what the store's usual sessions answer; on PostgreSQL without a transaction around the read.

The API's list pages read through ``make_read_session_factory`` (api.deps.run_read): a page must
not depend on which kind of session read it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from store.db import make_read_session_factory, make_session_factory
from store.queries import ListingFilter, list_listing_values
from tests.store.seed import seed_store

FILTERS = [ListingFilter(), ListingFilter(flagged=True, species="pangolin"), ListingFilter(q="象牙"),
           ListingFilter(q="ivory", lang="en"), ListingFilter(species="elephant", min_score=0.5)]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with make_session_factory(engine)() as session:
        seed_store(session)
        session.commit()
    return engine


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f.as_params()))
def test_a_read_session_answers_what_a_session_answers(seeded: Engine, filters: ListingFilter) -> None:
    with make_session_factory(seeded)() as session:
        expected = list_listing_values(session, filters, limit=3)
    with make_read_session_factory(seeded)() as session:
        assert list_listing_values(session, filters, limit=3) == expected


def test_postgresql_reads_run_outside_a_transaction(seeded: Engine) -> None:
    with make_read_session_factory(seeded)() as session:
        connection = session.connection()
        if seeded.dialect.name != "postgresql":
            assert "isolation_level" not in connection.get_execution_options()  # the store's own sessions
            return
        assert connection.connection.driver_connection.autocommit is True
        session.execute(text("SELECT pg_sleep(0.01)"))
        # each statement is a transaction of its own: one begun before it would have started earlier
        assert session.scalar(text("SELECT now() = statement_timestamp()")) is True
    with make_session_factory(seeded)() as session:  # the usual sessions: one transaction
        session.execute(text("SELECT pg_sleep(0.01)"))
        assert session.scalar(text("SELECT now() = statement_timestamp()")) is False

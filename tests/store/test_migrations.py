"""Migrations upgrade and downgrade cleanly on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from alembic.script import ScriptDirectory

from store.db import MIGRATIONS_DIR, current_revision, downgrade, head_revision, make_engine, migrate
from store.models import Listing
from store.queries import ListingFilter, list_listings
from tests.databases import BACKENDS, postgres_database


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        with postgres_database() as url:
            yield url


HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_head_revision_is_alembics_head() -> None:
    # store.db names the head by the newest migration's file name, without reading the scripts
    assert head_revision() == HEAD


def test_a_schema_at_head_is_not_handed_to_alembic(fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command

    engine = make_engine(fresh_url)
    try:
        migrate(engine)
        calls: list[str] = []
        monkeypatch.setattr(command, "upgrade", lambda config, revision: calls.append(revision))
        migrate(engine)
        assert calls == []
        downgrade(engine, "0018_redundant_indexes")
        migrate(engine)  # one revision behind: alembic is asked to upgrade
        assert calls == ["head"]
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine)
        assert current_revision(engine) == HEAD
        tables = set(inspect(engine).get_table_names())
        assert "listings" in tables and ({"listings_fts", "listing_fts"} & tables)
        downgrade(engine, "0001")
        tables = set(inspect(engine).get_table_names())
        assert not ({"listings_fts", "listing_fts"} & tables)
        downgrade(engine, "base")
        assert "listings" not in set(inspect(engine).get_table_names())
        migrate(engine)
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_upgrade_indexes_existing_listings(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0001")
        with Session(engine) as session, session.begin():
            session.add(Listing(url="https://x.example/1", marketplace="x.example", title="象牙手鐲", content_hash="h"))
        migrate(engine)
        with Session(engine) as session:
            assert [item.title for item in list_listings(session, ListingFilter(q="象牙手镯")).items] == ["象牙手鐲"]
    finally:
        engine.dispose()



def _indexes(engine: Engine, table: str) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes(table) if index["name"]}


#: 0006_redundant_indexes: dropped index -> (table, the index that covers it, backends it is dropped on)
REDUNDANT = {
    "ix_listing_species_species": ("listing_species", "ix_listing_species_species_listing", {"sqlite", "postgresql"}),
    "ix_listings_seller_id": ("listings", "ix_listings_seller_last_seen", {"sqlite", "postgresql"}),
    "ix_listings_last_seen": ("listings", "ix_listings_last_seen_id", {"postgresql"}),
    "ix_listings_first_seen": ("listings", "ix_listings_first_seen_id", {"postgresql"}),
    "ix_listings_flagged_last_seen": ("listings", "ix_listings_flagged_last_seen_id", {"postgresql"}),
    "ix_listings_marketplace_last_seen": ("listings", "ix_listings_marketplace_last_seen_id", {"postgresql"}),
}


def test_redundant_indexes_dropped_and_restored(fresh_url: str) -> None:
    """0006 drops indexes that lead a longer one (which stays); its downgrade brings them back."""
    engine = make_engine(fresh_url)
    try:
        backend = engine.dialect.name
        migrate(engine, "0006_redundant_indexes")
        for name, (table, covering, backends) in REDUNDANT.items():
            present = _indexes(engine, table)
            assert (name in present) == (backend not in backends), name
            if backend in backends:
                assert covering in present, covering
        downgrade(engine, "0005_fts_sort_keys")
        for name, (table, _, _) in REDUNDANT.items():
            assert name in _indexes(engine, table), name
    finally:
        engine.dispose()


IMAGE_TABLES = {"images", "listing_images", "image_hashes", "image_links"}


def test_images_migration_up_and_down(fresh_url: str) -> None:
    """0011_images adds the photo tables with one index per hash chunk; its downgrade removes them."""
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0011_images")
        assert IMAGE_TABLES <= set(inspect(engine).get_table_names())
        assert {f"ix_image_hashes_c{n}" for n in range(11)} <= _indexes(engine, "image_hashes")
        downgrade(engine, "0008_review_idempotency")
        assert not IMAGE_TABLES & set(inspect(engine).get_table_names())
        migrate(engine, "0011_images")
        assert IMAGE_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_session_versions_added_and_removed(fresh_url: str) -> None:
    """0009 gives every key (old ones too) session version 0; its downgrade drops the column."""
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0008_review_idempotency")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO api_keys (name, role, prefix, key_hash, created_at) "
                              "VALUES ('old', 'moderator', 'ww_x', 'h', CURRENT_TIMESTAMP)"))
        migrate(engine, "0009_sessions_secrets")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT session_version FROM api_keys")).scalar_one() == 0
        downgrade(engine, "0008_review_idempotency")
        assert "session_version" not in {c["name"] for c in inspect(engine).get_columns("api_keys")}
    finally:
        engine.dispose()


def test_run_outcomes_added_and_removed(fresh_url: str) -> None:
    """0017 gives crawl runs (old ones too, with NULL) a stop reason and detail; its downgrade drops them."""
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0014_review_undo")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO crawl_runs (start_url, status, started_at, pages_fetched, listings_new, "
                              "listings_updated, listings_unchanged, bytes_fetched, errors) VALUES "
                              "('http://x.example/', 'completed', CURRENT_TIMESTAMP, 0, 0, 0, 0, 0, '{}')"))
        migrate(engine, "0017_run_outcomes")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT stop_reason, stop_detail FROM crawl_runs")).one() == (None, None)
        downgrade(engine, "0014_review_undo")
        columns = {c["name"] for c in inspect(engine).get_columns("crawl_runs")}
        assert not {"stop_reason", "stop_detail"} & columns and "status" in columns
    finally:
        engine.dispose()


def test_redundant_indexes_dropped_and_lookups_still_indexed(fresh_url: str) -> None:
    """0018 drops single-column indexes a unique constraint already leads with; each column keeps an index."""
    redundant = {
        ("scores", "ix_scores_listing_id", "listing_id"),
        ("listing_versions", "ix_listing_versions_listing_id", "listing_id"),
        ("contacts", "ix_contacts_listing_id", "listing_id"),
        ("sellers", "ix_sellers_marketplace", "marketplace"),
        ("alert_deliveries", "ix_alert_deliveries_subscription_id", "subscription_id"),
    }
    engine = make_engine(fresh_url)
    try:
        migrate(engine)
        inspector = inspect(engine)
        for table, index, column in redundant:
            leading = [i["column_names"][0] for i in inspector.get_indexes(table)]
            leading += [u["column_names"][0] for u in inspector.get_unique_constraints(table)]
            assert index not in {i["name"] for i in inspector.get_indexes(table)}
            assert column in leading, f"{table}.{column} lost its index"
        downgrade(engine, "0017_run_outcomes")
        inspector = inspect(engine)
        for table, index, _ in redundant:
            assert index in {i["name"] for i in inspector.get_indexes(table)}
    finally:
        engine.dispose()


def test_species_sort_keys_filled_for_existing_rows_and_removed(fresh_url: str) -> None:
    """0019 (PostgreSQL) copies each listing's flag and last_seen beside its species, old rows too; SQLite: no-op."""
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0018_redundant_indexes")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO listings (url, marketplace, title, description, images, content_hash, version, first_seen, "
                "last_seen, fetched_at, flagged, species, reasons) VALUES ('https://x.example/1', 'x.example', 't', 'd', "
                "'[]', 'h', 1, '2026-12-01T00:00:00+00:00', '2026-12-02T00:00:00+00:00', '2026-12-02T00:00:00+00:00', "
                "true, 'pangolin', '[]')"))
            conn.execute(text("INSERT INTO listing_species (listing_id, species) SELECT id, 'pangolin' FROM listings"))
        migrate(engine, "0019_species_sort_keys")
        columns = {c["name"] for c in inspect(engine).get_columns("listing_species")}
        if engine.dialect.name != "postgresql":
            assert columns == {"listing_id", "species"}
            return
        with engine.connect() as conn:
            assert conn.execute(text("SELECT s.flagged, s.last_seen = l.last_seen FROM listing_species s "
                                     "JOIN listings l ON l.id = s.listing_id")).one() == (True, True)
        downgrade(engine, "0018_redundant_indexes")
        assert {c["name"] for c in inspect(engine).get_columns("listing_species")} == {"listing_id", "species"}
    finally:
        engine.dispose()

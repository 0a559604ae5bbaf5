"""SQLite: search-index rowids in last_seen order, so a word's newest matches come first

Revision ID: 0020_fts_recency
Revises: 0019_species_sort_keys
Create Date: 2026-12-07 14:00:00

A text search's default page is a word's newest matches.  With the FTS5 rowid equal to the listing
id, SQLite collected every match (4,377 for 象牙 at 1M listings) and looked each one up in
``listings`` to sort it, or walked the ``last_seen`` index probing the matches: 2.4-3.7 ms of CPU a
page.  The rowid is now ``(whole seconds of last_seen << 30) + id``: FTS5 returns a word's matches
in rowid order and stops at a LIMIT, so the newest page is a few dozen lookups (store.queries).

A trigger moves a listing's FTS row when its ``last_seen`` changes second, and the delete trigger
finds the row by the same key.  Ids must stay below 2**30 (store.search refuses larger ones).
PostgreSQL: no-op (its search table carries its own sort keys, 0005).
"""

from __future__ import annotations

from alembic import op

revision = "0020_fts_recency"
down_revision = "0019_species_sort_keys"
branch_labels = None
depends_on = None

_MASK = (1 << 30) - 1


def _key(row: str) -> str:
    """The rowid of ``row``'s search document (written out here: a migration is a frozen record)."""
    return f"((CAST(strftime('%s', substr({row}.last_seen, 1, 19)) AS INTEGER) << 30) + {row}.id)"


def _renumber(key: str) -> None:
    """Give every search document the rowid ``key`` of its listing, inserted in rowid order (one merge)."""
    op.execute(
        f"CREATE TEMP TABLE fts_renumber AS SELECT {key} AS rowid_new, f.tokens AS tokens "
        f"FROM listings_fts f JOIN listings ON listings.id = (f.rowid & {_MASK})"
    )
    op.execute("DELETE FROM listings_fts")
    op.execute("INSERT INTO listings_fts (rowid, tokens) SELECT rowid_new, tokens FROM fts_renumber ORDER BY rowid_new")
    op.execute("DROP TABLE fts_renumber")
    op.execute("INSERT INTO listings_fts (listings_fts) VALUES ('optimize')")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    largest = bind.exec_driver_sql("SELECT max(id) FROM listings").scalar()
    if largest is not None and largest > _MASK:
        raise RuntimeError(f"listing id {largest} is above the SQLite search index's limit of 2**30 - 1")
    _renumber(_key("listings"))
    op.execute("DROP TRIGGER IF EXISTS listings_fts_delete")
    op.execute(
        "CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings "
        f"BEGIN DELETE FROM listings_fts WHERE rowid = {_key('old')}; END"
    )
    op.execute(
        "CREATE TRIGGER listings_fts_follow_last_seen AFTER UPDATE OF last_seen ON listings "
        f"WHEN {_key('old')} IS NOT {_key('new')} BEGIN "
        f"INSERT INTO listings_fts (rowid, tokens) SELECT {_key('new')}, tokens FROM listings_fts WHERE rowid = {_key('old')}; "
        f"DELETE FROM listings_fts WHERE rowid = {_key('old')}; "
        "END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS listings_fts_follow_last_seen")
    op.execute("DROP TRIGGER IF EXISTS listings_fts_delete")
    op.execute(
        "CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings "
        "BEGIN DELETE FROM listings_fts WHERE rowid = old.id; END"
    )
    _renumber("listings.id")

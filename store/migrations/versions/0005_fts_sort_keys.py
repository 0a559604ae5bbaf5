"""PostgreSQL: listing sort keys beside the search tsvector

Revision ID: 0005_fts_sort_keys
Revises: 0004_search_tokens_rs
Create Date: 2026-11-25 17:00:00

A text search sorted newest-first had to look up every match's ``last_seen`` in ``listings``
(one index probe per match: ~20 ms for a word in 0.4 % of a million listings).  ``listing_fts``
now carries ``last_seen``, ``first_seen`` and ``score``, so the matches' top page is found in
the same heap pages the GIN bitmap points at.  Triggers keep the copies exact: one fills them
when a document is inserted, one follows every change to those columns of ``listings`` (the
table gets ``fillfactor = 90`` so those updates stay HOT: no GIN maintenance).  SQLite: no-op.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_fts_sort_keys"
down_revision = "0004_search_tokens_rs"
branch_labels = None
depends_on = None

FILL_KEYS = """
CREATE FUNCTION listing_fts_fill_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT l.last_seen, l.first_seen, l.score INTO NEW.last_seen, NEW.first_seen, NEW.score
    FROM listings l WHERE l.id = NEW.listing_id;
    RETURN NEW;
END $$
"""
FOLLOW_KEYS = """
CREATE FUNCTION listing_fts_follow_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listing_fts SET last_seen = NEW.last_seen, first_seen = NEW.first_seen, score = NEW.score
    WHERE listing_id = NEW.id;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Rebuilt rather than updated in place: one pass, no dead tuples, the new fillfactor everywhere.
    op.create_table(
        "listing_fts_new",
        sa.Column("listing_id", sa.BigInteger(), nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR(), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        postgresql_with={"fillfactor": 90},
    )
    op.execute(
        "INSERT INTO listing_fts_new (listing_id, tsv, last_seen, first_seen, score) "
        "SELECT f.listing_id, f.tsv, l.last_seen, l.first_seen, l.score "
        "FROM listing_fts f JOIN listings l ON l.id = f.listing_id"
    )
    op.drop_table("listing_fts")
    op.rename_table("listing_fts_new", "listing_fts")
    op.create_primary_key("pk_listing_fts", "listing_fts", ["listing_id"])
    op.create_foreign_key(
        "fk_listing_fts_listing_id_listings", "listing_fts", "listings", ["listing_id"], ["id"], ondelete="CASCADE"
    )
    op.create_index("ix_listing_fts_tsv", "listing_fts", ["tsv"], postgresql_using="gin")
    op.execute(FILL_KEYS)
    # WHEN: a writer that supplies the keys itself (the bulk loader's COPY) costs no function call.
    op.execute(
        "CREATE TRIGGER listing_fts_fill_sort_keys BEFORE INSERT ON listing_fts FOR EACH ROW "
        "WHEN (NEW.last_seen IS NULL) EXECUTE FUNCTION listing_fts_fill_sort_keys()"
    )
    op.execute(FOLLOW_KEYS)
    op.execute(
        "CREATE TRIGGER listings_follow_sort_keys AFTER UPDATE OF last_seen, first_seen, score ON listings "
        "FOR EACH ROW WHEN (OLD.last_seen IS DISTINCT FROM NEW.last_seen OR OLD.first_seen IS DISTINCT FROM "
        "NEW.first_seen OR OLD.score IS DISTINCT FROM NEW.score) EXECUTE FUNCTION listing_fts_follow_sort_keys()"
    )
    op.execute("ANALYZE listing_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER listings_follow_sort_keys ON listings")
    op.execute("DROP FUNCTION listing_fts_follow_sort_keys()")
    op.execute("DROP TRIGGER listing_fts_fill_sort_keys ON listing_fts")
    op.execute("DROP FUNCTION listing_fts_fill_sort_keys()")
    op.drop_column("listing_fts", "score")
    op.drop_column("listing_fts", "first_seen")
    op.drop_column("listing_fts", "last_seen")
    op.execute("ALTER TABLE listing_fts RESET (fillfactor)")

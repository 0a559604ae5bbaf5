"""full-text search index and analyst query indexes

Revision ID: 0002_api_fts
Revises: 0001
Create Date: 2026-11-25 13:20:00

SQLite: an FTS5 table ``listings_fts`` (rowid = listing id) of pre-tokenised text.
PostgreSQL: ``listing_fts`` (listing id, tsvector) with a GIN index.
Both: indexes for the seller, review-status and price filters and the seller network.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_api_fts"
down_revision = "0001"
branch_labels = None
depends_on = None

PG_ORDER_INDEXES = {
    "ix_listings_last_seen_id": ["last_seen", "id"],
    "ix_listings_first_seen_id": ["first_seen", "id"],
    "ix_listings_flagged_last_seen_id": ["flagged", "last_seen", "id"],
    "ix_listings_marketplace_last_seen_id": ["marketplace", "last_seen", "id"],
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE listings_fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0')")
        op.execute(
            "CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings "
            "BEGIN DELETE FROM listings_fts WHERE rowid = old.id; END"
        )
    else:
        op.create_table(
            "listing_fts",
            sa.Column("listing_id", sa.BigInteger(), nullable=False),
            sa.Column("tsv", postgresql.TSVECTOR(), nullable=True),
            sa.ForeignKeyConstraint(
                ["listing_id"], ["listings.id"], name="fk_listing_fts_listing_id_listings", ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("listing_id", name="pk_listing_fts"),
        )
        op.create_index("ix_listing_fts_tsv", "listing_fts", ["tsv"], postgresql_using="gin")
        # lets a text match be ordered by last_seen with index-only probes
        op.create_index("ix_listings_id_last_seen", "listings", ["id"], postgresql_include=["last_seen"])
        # keyset order (sort key, id) straight from an index; SQLite indexes end in the rowid anyway
        for name, columns in PG_ORDER_INDEXES.items():
            op.create_index(name, "listings", columns)
    _index_existing_listings(bind)
    op.create_index("ix_listings_seller_last_seen", "listings", ["seller_id", "last_seen"])
    op.create_index("ix_listings_price", "listings", ["price"])
    op.create_index("ix_listing_species_species_listing", "listing_species", ["species", "listing_id"])


def _index_existing_listings(bind: sa.Connection) -> None:
    """Listings stored before this revision get their search documents now."""
    from store.search import reindex_in_migration

    reindex_in_migration(bind)


def downgrade() -> None:
    op.drop_index("ix_listing_species_species_listing", table_name="listing_species")
    op.drop_index("ix_listings_price", table_name="listings")
    op.drop_index("ix_listings_seller_last_seen", table_name="listings")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS listings_fts_delete")
        op.execute("DROP TABLE listings_fts")
    else:
        for name in PG_ORDER_INDEXES:
            op.drop_index(name, table_name="listings")
        op.drop_index("ix_listings_id_last_seen", table_name="listings")
        op.drop_index("ix_listing_fts_tsv", table_name="listing_fts")
        op.drop_table("listing_fts")

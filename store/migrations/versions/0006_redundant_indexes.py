"""drop indexes that are strict prefixes of another index

Revision ID: 0006_redundant_indexes
Revises: 0005_fts_sort_keys
Create Date: 2026-11-25 17:40:00

Every index costs each bulk load and crawl write a b-tree insert.  An index whose columns are
the leading columns of another index on the same table answers nothing the longer one cannot:

- both backends: ``ix_listing_species_species`` (species) beside ``ix_listing_species_species_listing``
  (species, listing_id), and ``ix_listings_seller_id`` beside ``ix_listings_seller_last_seen``;
- PostgreSQL: ``ix_listings_{last_seen,first_seen,flagged_last_seen,marketplace_last_seen}`` beside
  the keyset-order indexes that end in ``id`` (0002_api_fts).  SQLite has no such twins (its
  indexes end in the rowid implicitly), so it keeps those four.
"""

from __future__ import annotations

from alembic import op

revision = "0006_redundant_indexes"
down_revision = "0005_fts_sort_keys"
branch_labels = None
depends_on = None

#: name -> (table, columns), dropped on both backends
BOTH = {
    "ix_listing_species_species": ("listing_species", ["species"]),
    "ix_listings_seller_id": ("listings", ["seller_id"]),
}
#: name -> (table, columns), dropped on PostgreSQL only
POSTGRESQL = {
    "ix_listings_last_seen": ("listings", ["last_seen"]),
    "ix_listings_first_seen": ("listings", ["first_seen"]),
    "ix_listings_flagged_last_seen": ("listings", ["flagged", "last_seen"]),
    "ix_listings_marketplace_last_seen": ("listings", ["marketplace", "last_seen"]),
}


def _redundant() -> dict[str, tuple[str, list[str]]]:
    return BOTH | (POSTGRESQL if op.get_bind().dialect.name == "postgresql" else {})


def upgrade() -> None:
    for name, (table, _) in _redundant().items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, (table, columns) in _redundant().items():
        op.create_index(name, table, columns)

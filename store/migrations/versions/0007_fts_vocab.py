"""SQLite: a vocabulary table over the search index, and the index merged into one segment

Revision ID: 0007_fts_vocab
Revises: 0006_redundant_indexes
Create Date: 2026-11-25 17:50:00

``listings_fts_vocab`` (fts5vocab, 'row') gives each token's document count, from which the
analyst API picks a plan for a text search: collect the matches first, or walk the sort index
and look each listing up in the search index (for a word in a large share of all listings).
That lookup reads every segment of the FTS5 index, so the index is merged into one here, as
the bulk loader and the nightly now do.  PostgreSQL: no-op.
"""

from __future__ import annotations

from alembic import op

revision = "0007_fts_vocab"
down_revision = "0006_redundant_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE listings_fts_vocab USING fts5vocab(listings_fts, 'row')")
    op.execute("INSERT INTO listings_fts (listings_fts) VALUES ('optimize')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE listings_fts_vocab")

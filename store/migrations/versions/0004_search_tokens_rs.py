"""search documents re-tokenised with jieba-rs (no "_" tokens)

Revision ID: 0004_search_tokens_rs
Revises: 0003_nightly_indexes
Create Date: 2026-11-25 16:00:00

The crawl now segments with jieba-rs, which keeps ``yl_laoliao888`` and ``19.4g`` whole where
Python jieba split them; search words also drop "_".  Documents written before keep matching
almost every query, but not all, so they are written again with the tokens queries now use.
"""

from __future__ import annotations

from alembic import op

revision = "0004_search_tokens_rs"
down_revision = "0003_nightly_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from store.search import reindex_in_migration

    reindex_in_migration(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: the table is unchanged, and the documents stay as written."""

"""listings keep what the crawler read them from (source) and extra facts (extra)

Revision ID: 0015_listing_record
Revises: 0011_images
Create Date: 2026-12-06 12:00:00

The spider records which syntax gave a listing's title (``jsonld``, ``microdata``, ``rdfa``,
``opengraph``, ``heuristic`` or ``profile``) and extra facts such as the search term that found
it; both were dropped on the way to the store.  Listings stored before this revision, and
bulk-loaded ones, have NULL in both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_listing_record"
down_revision = "0011_images"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("listings", sa.Column("source", sa.String(20), nullable=True, server_default=sa.text("NULL")))
    op.add_column("listings", sa.Column("extra", sa.JSON(), nullable=True, server_default=sa.text("NULL")))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy of ``listings`` would drop
    # the triggers that keep its search index in step.
    op.drop_column("listings", "extra")
    op.drop_column("listings", "source")

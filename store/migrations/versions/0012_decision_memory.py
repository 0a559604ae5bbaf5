"""reviews remember what was decided on (decision memory)

Revision ID: 0012_decision_memory
Revises: 0009_sessions_secrets
Create Date: 2026-12-06 18:30:00

A dismissal holds for the content it was made on: ``content_hash`` lets a re-crawled, unchanged
listing stay unflagged, and ``text_hash`` (normalised title and description, no price) finds the
same seller's relists.  Older reviews keep NULL: nobody knows what content they were made on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_decision_memory"
down_revision = "0009_sessions_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("content_hash", sa.String(64), nullable=True))
    op.add_column("reviews", sa.Column("text_hash", sa.String(64), nullable=True))
    op.create_index("ix_reviews_text_hash", "reviews", ["text_hash"])


def downgrade() -> None:
    op.drop_index("ix_reviews_text_hash", table_name="reviews")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("text_hash")
        batch.drop_column("content_hash")

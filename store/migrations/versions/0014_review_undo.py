"""reviews can be undone: undone_at, and the batch a bulk decision's reviews share

Revision ID: 0014_review_undo
Revises: 0013_lang_vocabulary
Create Date: 2026-12-06 18:40:00

A moderator may take back their last decision within a minute (the review UI's Undo).  The
review row stays, marked ``undone_at``, so the audit trail keeps what was decided and undone;
``batch`` ties together the reviews one bulk decision made, so Undo takes them all back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_review_undo"
down_revision = "0013_lang_vocabulary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("reviews", sa.Column("batch", sa.String(32), nullable=True))


def downgrade() -> None:
    # an undone review would read as a decision again: drop those rows first
    op.execute("DELETE FROM reviews WHERE undone_at IS NOT NULL")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("batch")
        batch.drop_column("undone_at")

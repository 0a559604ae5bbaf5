"""reviews remember the client's Idempotency-Key

Revision ID: 0008_review_idempotency
Revises: 0007_fts_vocab
Create Date: 2026-11-25 17:30:00

A moderator's client that lost the response to ``POST /v1/listings/{id}/reviews`` (timeout,
server restart) could not tell whether the review was stored.  With an ``Idempotency-Key``
header it retries safely: the key is unique per API key (NULLs never collide), and a retry
returns the review stored the first time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_review_idempotency"
down_revision = "0007_fts_vocab"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("idempotency_key", sa.String(200), nullable=True))
    op.create_index("uq_reviews_api_key_idempotency", "reviews", ["api_key_id", "idempotency_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_reviews_api_key_idempotency", table_name="reviews")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("idempotency_key")

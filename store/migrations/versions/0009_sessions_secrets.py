"""api keys carry a session version: logging out or revoking ends review sessions at once

Revision ID: 0009_sessions_secrets
Revises: 0015_listing_record
Create Date: 2026-12-06 15:00:00

A review-UI session cookie names the key and the key's session version when it was signed;
logout and revocation bump the version, so every cookie signed before stops working on the
next request instead of living out its 12 hours.  (Webhook secrets are sealed by the
application, which holds the key: `wildwatch init` seals any stored in plain text.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_sessions_secrets"
down_revision = "0015_listing_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("session_version")

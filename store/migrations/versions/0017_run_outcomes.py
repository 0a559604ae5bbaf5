"""crawl runs say why they stopped: capped by a limit, interrupted, or failed and the cause

Revision ID: 0017_run_outcomes
Revises: 0014_review_undo
Create Date: 2026-12-06 18:30:00

``stop_reason`` is a short code (``max_pages``, ``time_budget``, ``unreachable``, ``signal``,
``store_error``, ``spider_error``) and ``stop_detail`` the line an operator reads ("connection
refused on every request").  A run that ended on its own with nothing to say keeps both NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_run_outcomes"
down_revision = "0014_review_undo"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("stop_reason", sa.String(32), nullable=True))
    op.add_column("crawl_runs", sa.Column("stop_detail", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("stop_detail")
        batch.drop_column("stop_reason")

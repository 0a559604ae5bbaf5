"""indexes for the nightly: newly flagged listings, retention scans

Revision ID: 0003_nightly_indexes
Revises: 0002_api_fts
Create Date: 2026-11-25 13:40:00

The nightly asks "which listings were first flagged since the run began" (scores by flagged and
time) and prunes old snapshots and skip records by time; without these indexes each of those is
a full scan that grows every night.
"""

from __future__ import annotations

from alembic import op

revision = "0003_nightly_indexes"
down_revision = "0002_api_fts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_scores_flagged_scored_at", "scores", ["flagged", "scored_at"])
    op.create_index("ix_snapshots_fetched_at", "snapshots", ["fetched_at"])
    op.create_index("ix_crawl_skips_at", "crawl_skips", ["at"])


def downgrade() -> None:
    op.drop_index("ix_crawl_skips_at", table_name="crawl_skips")
    op.drop_index("ix_snapshots_fetched_at", table_name="snapshots")
    op.drop_index("ix_scores_flagged_scored_at", table_name="scores")

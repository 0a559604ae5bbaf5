"""drop five indexes that a unique constraint on the same leading column already provides

Revision ID: 0018_redundant_indexes
Revises: 0017_run_outcomes
Create Date: 2026-12-06 23:45:00

Each of these single-column indexes is the first column of a unique constraint's index on the
same table (``scores (listing_id, model_version, content_hash)``, ``listing_versions (listing_id,
version)``, ``contacts (listing_id, kind, value)``, ``sellers (marketplace, url)``,
``alert_deliveries (subscription_id, listing_id, event)``), which both SQLite and PostgreSQL use
for lookups on that column alone.  Dropping them leaves every plan as it was and saves one index
write per scored listing, version, contact, seller and delivery.
"""

from __future__ import annotations

from alembic import op

revision = "0018_redundant_indexes"
down_revision = "0017_run_outcomes"
branch_labels = None
depends_on = None

#: (table, index, column) — each covered by the named unique constraint's leading column.
REDUNDANT = (
    ("scores", "ix_scores_listing_id", "listing_id"),
    ("listing_versions", "ix_listing_versions_listing_id", "listing_id"),
    ("contacts", "ix_contacts_listing_id", "listing_id"),
    ("sellers", "ix_sellers_marketplace", "marketplace"),
    ("alert_deliveries", "ix_alert_deliveries_subscription_id", "subscription_id"),
)


def upgrade() -> None:
    for table, index, _ in REDUNDANT:
        op.drop_index(index, table_name=table)


def downgrade() -> None:
    for table, index, column in REDUNDANT:
        op.create_index(index, table, [column])

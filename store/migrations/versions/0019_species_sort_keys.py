"""PostgreSQL: each listing's flag and last_seen beside its species, for the species pages

Revision ID: 0019_species_sort_keys
Revises: 0018_redundant_indexes
Create Date: 2026-12-07 10:00:00

The analysts' commonest page, flagged listings of one species newest first, walked the flagged
listings by ``last_seen`` and probed ``listing_species`` for each until a page turned up: about
500 probes for 51 pangolins at 1M listings, 2.0-2.3 ms of PostgreSQL's CPU a page.
``listing_species`` now carries ``flagged`` and ``last_seen`` with an index on
``(species, last_seen, listing_id) INCLUDE (flagged)``, so the page is the species' newest index
entries and one primary-key lookup per row: 0.74-0.87 ms (bench/results.md, 2026-12-07).

Triggers keep the copies exact, as 0005 does for ``listing_fts``: one fills them when a species
row is inserted without them, one follows every change of those columns of a listing that has
species (``listings.species`` is not empty).  SQLite: no-op (its species pages walk in-process).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_species_sort_keys"
down_revision = "0018_redundant_indexes"
branch_labels = None
depends_on = None

FILL_KEYS = """
CREATE FUNCTION listing_species_fill_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT l.flagged, l.last_seen INTO NEW.flagged, NEW.last_seen FROM listings l WHERE l.id = NEW.listing_id;
    RETURN NEW;
END $$
"""
FOLLOW_KEYS = """
CREATE FUNCTION listing_species_follow_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listing_species SET flagged = NEW.flagged, last_seen = NEW.last_seen WHERE listing_id = NEW.id;
    RETURN NULL;
END $$
"""
INDEX = "ix_listing_species_species_last_seen"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.add_column("listing_species", sa.Column("flagged", sa.Boolean(), nullable=True))
    op.add_column("listing_species", sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE listing_species s SET flagged = l.flagged, last_seen = l.last_seen FROM listings l WHERE l.id = s.listing_id"
    )
    op.execute(
        f"CREATE INDEX {INDEX} ON listing_species (species, last_seen, listing_id) INCLUDE (flagged)"
    )
    op.execute(FILL_KEYS)
    # WHEN: a writer that supplies the keys itself (the bulk loader, stored scoring) costs no function call.
    op.execute(
        "CREATE TRIGGER listing_species_fill_keys BEFORE INSERT ON listing_species FOR EACH ROW "
        "WHEN (NEW.last_seen IS NULL) EXECUTE FUNCTION listing_species_fill_keys()"
    )
    op.execute(FOLLOW_KEYS)
    # Only listings with species have rows to follow: the rest (most of a marketplace) cost no call.
    op.execute(
        "CREATE TRIGGER listings_follow_species_keys AFTER UPDATE OF flagged, last_seen ON listings "
        "FOR EACH ROW WHEN ((OLD.flagged IS DISTINCT FROM NEW.flagged OR OLD.last_seen IS DISTINCT FROM "
        "NEW.last_seen) AND (NEW.species <> '' OR OLD.species <> '')) EXECUTE FUNCTION listing_species_follow_keys()"
    )
    op.execute("ANALYZE listing_species")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER listings_follow_species_keys ON listings")
    op.execute("DROP FUNCTION listing_species_follow_keys()")
    op.execute("DROP TRIGGER listing_species_fill_keys ON listing_species")
    op.execute("DROP FUNCTION listing_species_fill_keys()")
    op.execute(f"DROP INDEX {INDEX}")
    op.drop_column("listing_species", "last_seen")
    op.drop_column("listing_species", "flagged")

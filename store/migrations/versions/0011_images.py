"""listing photos: images (content-addressed evidence), their URLs per listing, PDQ hash index, links

Revision ID: 0011_images
Revises: 0008_review_idempotency
Create Date: 2026-12-06 12:00:00

``images`` holds one row per distinct image (SHA-256 of its bytes; the bytes live on disk beside the
page snapshots), ``listing_images`` each image URL of a listing and what fetching it gave (an image or
a skip reason), ``image_hashes`` the PDQ hashes of the whole frame and two centre crops, cut into 11
chunks with an index each (multi-index hashing), and ``image_links`` the pairs of images found to be
the same photo.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_images"
down_revision = "0008_review_idempotency"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CHUNKS = 11


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mime", sa.String(40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("pdq", sa.String(64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_images"),
        sa.UniqueConstraint("sha256", name="uq_images_sha256"),
    )
    op.create_index("ix_images_fetched_at", "images", ["fetched_at"])
    op.create_table(
        "listing_images",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("listing_id", _ID, nullable=False),
        sa.Column("image_id", _ID, nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("skip_reason", sa.String(40), nullable=True),
        sa.Column("skip_detail", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_listing_images"),
        sa.ForeignKeyConstraint(["listing_id"], ["listings.id"], ondelete="CASCADE",
                                name="fk_listing_images_listing_id_listings"),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE",
                                name="fk_listing_images_image_id_images"),
    )
    op.create_index("ix_listing_images_listing_url", "listing_images", ["listing_id", "url"])
    op.create_index("ix_listing_images_image_id", "listing_images", ["image_id"])
    op.create_index("ix_listing_images_last_seen", "listing_images", ["last_seen"])
    op.create_table(
        "image_hashes",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("image_id", _ID, nullable=False),
        sa.Column("crop", sa.Integer(), nullable=False),
        *[sa.Column(f"h{n}", sa.BigInteger(), nullable=False) for n in range(4)],
        *[sa.Column(f"c{n}", sa.Integer(), nullable=False) for n in range(_CHUNKS)],
        sa.PrimaryKeyConstraint("id", name="pk_image_hashes"),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE",
                                name="fk_image_hashes_image_id_images"),
    )
    op.create_index("ix_image_hashes_image_id", "image_hashes", ["image_id"])
    for n in range(_CHUNKS):
        op.create_index(f"ix_image_hashes_c{n}", "image_hashes", [f"c{n}"])
    op.create_table(
        "image_links",
        sa.Column("image_id", _ID, nullable=False),
        sa.Column("other_id", _ID, nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("image_id", "other_id", name="pk_image_links"),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE",
                                name="fk_image_links_image_id_images"),
        sa.ForeignKeyConstraint(["other_id"], ["images.id"], ondelete="CASCADE",
                                name="fk_image_links_other_id_images"),
    )
    op.create_index("ix_image_links_other_id", "image_links", ["other_id"])


def downgrade() -> None:
    op.drop_table("image_links")
    op.drop_table("image_hashes")
    op.drop_table("listing_images")
    op.drop_table("images")

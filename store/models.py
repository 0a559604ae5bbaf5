"""The store's tables (SQLAlchemy 2 typed mappings).

Every timestamp is UTC.  Listings carry a denormalised copy of their latest score so the
analyst API can filter millions of rows without a join; the full history lives in ``scores``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Base",
    "utcnow",
    "Site",
    "CrawlRun",
    "CrawlSkip",
    "Snapshot",
    "Seller",
    "Listing",
    "ListingVersion",
    "ListingSpecies",
    "Contact",
    "Score",
    "Review",
    "AuditLog",
    "ApiKey",
    "Subscription",
    "AlertDelivery",
    "NightlyRun",
    "ImageRecord",
    "ListingImage",
    "ImageHash",
    "ImageLink",
    "PDQ_CHUNK_BITS",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT ids on PostgreSQL, INTEGER (rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only kind stored)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    """A marketplace registered for the nightly crawl."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    start_url: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255), index=True)
    profile_path: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    """One crawl: what it fetched and stored, for the operator's summary and the run report."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    nightly_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("nightly_runs.id", ondelete="SET NULL"), index=True
    )
    start_url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|completed|failed|interrupted
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    listings_new: Mapped[int] = mapped_column(Integer, default=0)
    listings_updated: Mapped[int] = mapped_column(Integer, default=0)
    listings_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    bytes_fetched: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)  # error kind -> count
    job_dir: Mapped[str | None] = mapped_column(Text)
    # Why the run stopped (0017_run_outcomes): max_pages|time_budget (completed, capped),
    # signal (interrupted), unreachable|store_error|spider_error (failed); NULL: it ran out of pages.
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    stop_detail: Mapped[str | None] = mapped_column(Text)


class CrawlSkip(Base):
    """A page the crawler did not store, and why (bad encoding, too large, 5xx, ...)."""

    __tablename__ = "crawl_skips"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # 0003_nightly_indexes


class Snapshot(Base):
    """Evidence: the raw bytes of a fetched page, kept compressed on disk with their SHA-256."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # 0003_nightly_indexes
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the raw, uncompressed body
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)  # relative to the snapshot directory
    encoding: Mapped[str | None] = mapped_column(String(40))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True)


class Seller(Base):
    """A seller account on one marketplace."""

    __tablename__ = "sellers"
    __table_args__ = (UniqueConstraint("marketplace", "url", name="uq_sellers_marketplace_url"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(255))  # indexed by the unique constraint above (0018)
    url: Mapped[str] = mapped_column(Text)  # canonical profile URL, or "name:<name>" when there is none
    name: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class Listing(Base):
    """A marketplace listing as last seen, with its latest score (history in versions and scores)."""

    __tablename__ = "listings"
    __table_args__ = (
        # Keyset order (sort key, id).  SQLite indexes end in the rowid, so the key alone gives it;
        # PostgreSQL spells id out (0002_api_fts), and the key-only twins went in 0006_redundant_indexes.
        Index("ix_listings_last_seen", "last_seen").ddl_if(dialect="sqlite"),
        Index("ix_listings_first_seen", "first_seen").ddl_if(dialect="sqlite"),
        Index("ix_listings_flagged_last_seen", "flagged", "last_seen").ddl_if(dialect="sqlite"),
        Index("ix_listings_marketplace_last_seen", "marketplace", "last_seen").ddl_if(dialect="sqlite"),
        Index("ix_listings_last_seen_id", "last_seen", "id").ddl_if(dialect="postgresql"),
        Index("ix_listings_first_seen_id", "first_seen", "id").ddl_if(dialect="postgresql"),
        Index("ix_listings_flagged_last_seen_id", "flagged", "last_seen", "id").ddl_if(dialect="postgresql"),
        Index("ix_listings_marketplace_last_seen_id", "marketplace", "last_seen", "id").ddl_if(dialect="postgresql"),
        # a text match ordered by last_seen with index-only probes
        Index("ix_listings_id_last_seen", "id", postgresql_include=["last_seen"]).ddl_if(dialect="postgresql"),
        Index("ix_listings_seller_last_seen", "seller_id", "last_seen"),  # also serves seller_id alone
        Index("ix_listings_price", "price"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)  # canonical URL
    marketplace: Mapped[str] = mapped_column(String(255))  # the host
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(8))
    price_text: Mapped[str | None] = mapped_column(Text)
    images: Mapped[list[Any]] = mapped_column(default=list)
    lang: Mapped[str | None] = mapped_column(String(16), index=True)
    # What the title was read from (jsonld|microdata|rdfa|opengraph|heuristic|profile) and extra
    # facts such as the search term that found the listing (0015_listing_record).  DEFAULT NULL:
    # an INSERT that does not name them (bulk loads, a row built without them) leaves them unknown.
    source: Mapped[str | None] = mapped_column(String(20), server_default=text("NULL"))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, server_default=text("NULL"))
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the scored fields
    version: Mapped[int] = mapped_column(Integer, default=1)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", ondelete="SET NULL"))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Latest score, denormalised for fast filtering.
    score: Mapped[float | None] = mapped_column(Float, index=True)
    flagged: Mapped[bool | None] = mapped_column(Boolean)
    species: Mapped[str] = mapped_column(Text, default="")  # ";"-separated English common names
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    model_version: Mapped[str | None] = mapped_column(String(64))
    scored_hash: Mapped[str | None] = mapped_column(String(64))  # content_hash the latest score is for
    scored_at: Mapped[datetime | None]
    review_status: Mapped[str | None] = mapped_column(String(20), index=True)  # confirmed|dismissed|escalated

    seller: Mapped[Seller | None] = relationship(lazy="raise")
    snapshot: Mapped[Snapshot | None] = relationship(lazy="raise")

    # An INSERT names only the columns it sets and returns nothing extra: source/extra stay out of
    # it when unset (see above), and no RETURNING reads them back.
    __mapper_args__ = {"eager_defaults": False}


class ListingVersion(Base):
    """A listing's content as it was at one point: a price or text change adds a row."""

    __tablename__ = "listing_versions"
    __table_args__ = (UniqueConstraint("listing_id", "version", name="uq_listing_versions_listing_version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))  # indexed by the unique constraint above (0018)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(8))
    content_hash: Mapped[str] = mapped_column(String(64))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListingSpecies(Base):
    """One species detected in a listing's latest score (indexed for the species filter)."""

    __tablename__ = "listing_species"
    __table_args__ = (Index("ix_listing_species_species_listing", "species", "listing_id"),)

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)
    species: Mapped[str] = mapped_column(String(64), primary_key=True)


class Contact(Base):
    """A contact handle found in listing text (WeChat, QQ, phone...): links sellers across sites."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("listing_id", "kind", "value", name="uq_contacts_listing_kind_value"),
        Index("ix_contacts_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))  # indexed by the unique constraint above (0018)
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(128))


class Score(Base):
    """One model's verdict on one version of a listing's content."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("listing_id", "model_version", "content_hash", name="uq_scores_listing_model_content"),
        Index("ix_scores_flagged_scored_at", "flagged", "scored_at"),  # 0003_nightly_indexes
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))  # indexed by the unique constraint above (0018)
    model_version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean)
    species: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)


class Review(Base):
    """A moderator's decision on a listing."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # confirmed|dismissed|escalated
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(100))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    model_version: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The client's Idempotency-Key header: a retried POST returns this review instead of adding one.
    idempotency_key: Mapped[str | None] = mapped_column(String(200))  # 0008_review_idempotency
    #: What was decided on (0012_decision_memory): the listing's content hash, and the fingerprint
    #: of its normalised text that relists are matched by (store.memory). NULL for older reviews.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    text_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Set when the moderator took the decision back (the row stays for the audit trail); 0014_review_undo.
    undone_at: Mapped[datetime | None]
    #: Shared by the reviews of one bulk decision, so Undo takes them back together.
    batch: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("uq_reviews_api_key_idempotency", "api_key_id", "idempotency_key", unique=True),
    )


class AuditLog(Base):
    """Who did what, when: reviews, key changes, settings."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ApiKey(Base):
    """An API key; only its SHA-256 is stored, with a short prefix to find it."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # analyst|moderator|admin
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Bumped by logout and revocation: review-UI cookies signed with an older version stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0009_sessions_secrets


class Subscription(Base):
    """An alert rule and where its alerts go."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))  # webhook|apprise
    target: Mapped[str] = mapped_column(Text)  # webhook URL or apprise URL
    secret: Mapped[str | None] = mapped_column(Text)  # HMAC secret for webhooks
    min_score: Mapped[float | None] = mapped_column(Float)
    species: Mapped[list[Any]] = mapped_column(default=list)
    marketplaces: Mapped[list[Any]] = mapped_column(default=list)
    seller_ids: Mapped[list[Any]] = mapped_column(default=list)
    mode: Mapped[str] = mapped_column(String(20), default="immediate")  # immediate|digest
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertDelivery(Base):
    """The alert outbox: one row per (subscription, listing, event), delivered exactly once."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "listing_id", "event", name="uq_alert_deliveries_sub_listing_event"),
        Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)  # stable across retries
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))  # indexed by the unique constraint above (0018)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40), default="listing.flagged")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class NightlyRun(Base):
    """One `wildwatch nightly` run and the stage it reached (for resume after a crash)."""

    __tablename__ = "nightly_runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|completed|failed|interrupted
    stage: Mapped[str] = mapped_column(String(20), default="crawl")  # crawl|score|alert|report|done
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report_path: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ImageRecord(Base):
    """Evidence: one distinct image (by the SHA-256 of its bytes), kept raw on disk, with its PDQ hash."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(Text)  # relative to the image directory
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(40))  # sniffed from the bytes, never the server's word
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    frames: Mapped[int] = mapped_column(Integer, default=1)
    pdq: Mapped[str] = mapped_column(String(64))  # hex, whole frame
    quality: Mapped[int] = mapped_column(Integer)  # PDQ quality 0-100; below 50 it never links
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # first fetch


class ListingImage(Base):
    """One image URL of a listing and what fetching it gave: an image, or the reason it was skipped."""

    __tablename__ = "listing_images"
    __table_args__ = (Index("ix_listing_images_listing_url", "listing_id", "url"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str | None] = mapped_column(String(100))  # as the server declared it
    http_status: Mapped[int | None] = mapped_column(Integer)
    skip_reason: Mapped[str | None] = mapped_column(String(40))
    skip_detail: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)  # first fetch with this outcome
    last_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # latest fetch with this outcome


#: The 256 PDQ bits cut into 11 chunks (3 of 24 bits, 8 of 23) for multi-index hashing: two hashes
#: within 31 bits agree to within 2 bits on at least one chunk (31 // 11 == 2).
PDQ_CHUNK_BITS = (24, 24, 24, 23, 23, 23, 23, 23, 23, 23, 23)


class ImageHash(Base):
    """One PDQ hash of an image (whole frame or a centre crop), indexed chunk by chunk for matching."""

    __tablename__ = "image_hashes"
    __table_args__ = tuple(Index(f"ix_image_hashes_c{n}", f"c{n}") for n in range(len(PDQ_CHUNK_BITS)))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    crop: Mapped[int] = mapped_column(Integer)  # per-mille cut off each side: 0, 25 or 50
    # the hash as four signed 64-bit words, most significant first
    h0: Mapped[int] = mapped_column(BigInteger)
    h1: Mapped[int] = mapped_column(BigInteger)
    h2: Mapped[int] = mapped_column(BigInteger)
    h3: Mapped[int] = mapped_column(BigInteger)
    c0: Mapped[int] = mapped_column(Integer)
    c1: Mapped[int] = mapped_column(Integer)
    c2: Mapped[int] = mapped_column(Integer)
    c3: Mapped[int] = mapped_column(Integer)
    c4: Mapped[int] = mapped_column(Integer)
    c5: Mapped[int] = mapped_column(Integer)
    c6: Mapped[int] = mapped_column(Integer)
    c7: Mapped[int] = mapped_column(Integer)
    c8: Mapped[int] = mapped_column(Integer)
    c9: Mapped[int] = mapped_column(Integer)
    c10: Mapped[int] = mapped_column(Integer)


class ImageLink(Base):
    """Two distinct images found to be the same photo (stored both ways round), and how close they are."""

    __tablename__ = "image_links"

    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), primary_key=True, index=True)
    distance: Mapped[int] = mapped_column(Integer)  # smallest PDQ distance over the frame/crop pairs

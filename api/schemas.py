"""Pydantic shapes of what the API takes and returns (named by role: ...Out, ...In)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "SafeStr",
    "UtcDatetime",
    "ListingOut",
    "ListingPageOut",
    "VersionOut",
    "ReviewOut",
    "SnapshotOut",
    "SellerBriefOut",
    "ImageOut",
    "ImageMatchOut",
    "ImageMatchPageOut",
    "ListingDetailOut",
    "SellerOut",
    "SellerPageOut",
    "ContactOut",
    "LinkedSellerOut",
    "SellerDetailOut",
    "CountOut",
    "SpeciesOut",
    "StatsOut",
    "ScoreIn",
    "ScoreOut",
    "KeyIn",
    "KeyOut",
    "KeyCreatedOut",
    "HealthOut",
]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _utc(value: datetime) -> datetime:
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date out of range") from exc


#: Text that is safe to send to any database (PostgreSQL refuses NUL characters).
SafeStr = Annotated[str, AfterValidator(_no_nul)]
#: A timestamp; one without a zone is taken as UTC.
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class ListingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    marketplace: str
    title: str
    description: str
    price: float | None
    currency: str | None
    lang: str | None = Field(description="`en`, `zh-Hans` (Simplified) or `zh-Hant` (Traditional); another "
                             "language's own tag; null when the page did not say.")
    seller_id: int | None
    first_seen: datetime
    last_seen: datetime
    score: float | None = Field(description="Probability (0-1) that this listing is wildlife trade.")
    flagged: bool | None = Field(
        description="Score at or above the model's operating threshold, unless a moderator dismissed this very "
        "content (decision memory: a dismissal holds until the listing's title, description or price change)."
    )
    species: list[str]
    reasons: list[str]
    model_version: str | None
    review_status: str | None
    links: dict[str, str]


class ListingPageOut(BaseModel):
    items: list[ListingOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class VersionOut(BaseModel):
    version: int
    title: str
    description: str
    price: float | None
    currency: str | None
    content_hash: str
    snapshot_id: int | None
    seen_at: datetime


class ReviewOut(BaseModel):
    id: int
    decision: str
    reason: str | None
    note: str | None
    reviewer: str
    model_version: str | None
    score: float | None
    created_at: datetime


class PriorDecisionOut(BaseModel):
    review_id: int
    decision: Literal["confirmed", "dismissed"]
    listing_id: int = Field(description="The earlier listing the decision was made on.")
    reviewed_at: UtcDatetime
    via: Literal["same_text", "near_identical_text"] = Field(
        description="How this listing matches it: the same seller and the same normalised title and description, "
        "or the same seller and near-identical text (character 3-gram Jaccard >= 0.9)."
    )


class SnapshotOut(BaseModel):
    id: int
    url: str
    http_status: int
    fetched_at: datetime
    sha256: str = Field(description="SHA-256 of the raw page bytes, to cite as evidence.")
    size: int
    encoding: str | None
    link: str = Field(description="The page served as plain text (never as live HTML).")


class SellerBriefOut(BaseModel):
    id: int
    marketplace: str
    name: str | None
    url: str | None
    link: str


class ImageOut(BaseModel):
    sha256: str | None = Field(description="SHA-256 of the image bytes (fetch it at /v1/images/{sha256}); null when "
                                           "the image was not fetched or was skipped.")
    url: str
    width: int | None
    height: int | None
    pdq: str | None = Field(description="PDQ perceptual hash of the whole photo, 64 hex digits.")
    quality: int | None = Field(description="PDQ quality 0-100; below 50 the photo is never linked by its hash.")


class ImageMatchOut(BaseModel):
    listing_id: int
    url: str = Field(description="The other listing's image URL.")
    seller_id: int | None
    marketplace: str
    distance: int = Field(description="PDQ bits that differ (of 256; 0: the same bytes); links at 31 or less.")


class ImageMatchPageOut(BaseModel):
    items: list[ImageMatchOut]


class ListingDetailOut(ListingOut):
    price_text: str | None
    images: list[ImageOut] = Field(description="The listing's image URLs in page order, then earlier photos it carried.")
    version: int
    seller: SellerBriefOut | None
    snapshot: SnapshotOut | None
    versions: list[VersionOut] = Field(description="Content history, newest first.")
    reviews: list[ReviewOut] = Field(description="Moderator decisions, newest first.")
    prior_decision: PriorDecisionOut | None = Field(
        None, description="The latest decision on an earlier listing this one relists (decision memory), if any."
    )


class SellerOut(BaseModel):
    id: int
    marketplace: str
    name: str | None
    url: str | None
    first_seen: datetime
    last_seen: datetime
    listings: int
    flagged: int = Field(description="Listings flagged by their latest score.")
    first_activity: datetime | None
    last_activity: datetime | None
    species: list[str] = Field(description="Species detected in this seller's listings, most frequent first.")
    links: dict[str, str]


class SellerPageOut(BaseModel):
    items: list[SellerOut]
    total: int
    next_offset: int | None


class ContactOut(BaseModel):
    kind: str = Field(description="wechat, qq, whatsapp, line, phone, ...")
    value: str
    listings: int


class LinkedSellerOut(BaseModel):
    seller: SellerBriefOut
    via: Literal["contact", "image"] = Field(description="Why they are linked: a shared contact handle or photo.")
    shared_contacts: list[dict[str, str]]
    shared_images: list[str] = Field(description="SHA-256s of this seller's photos that the other seller's listings carry.")
    hops: int = Field(description="1: shares a contact or photo with this seller; 2: through one other seller.")


class SellerDetailOut(SellerOut):
    contacts: list[ContactOut]
    linked_sellers: list[LinkedSellerOut]


class CountOut(BaseModel):
    key: str
    listings: int
    flagged: int


class SpeciesOut(BaseModel):
    """A species the filters accept, by any of ``name``, ``en``, ``zh_hans``, ``zh_hant`` (any case)."""

    name: str = Field(description="The English common name scores and exports carry.")
    en: str
    zh_hans: str | None = Field(description="Simplified Chinese name (null for a species only stored data names).")
    zh_hant: str | None
    scientific: list[str]
    listings: int = Field(description="Listings whose latest score names it.")
    flagged: int = Field(description="Of those, flagged.")


class StatsOut(BaseModel):
    total: int
    flagged: int
    interval: Literal["day", "week"]
    by_species: list[CountOut]
    by_marketplace: list[CountOut]
    by_period: list[CountOut] = Field(description="By first-seen day or week (`YYYY-MM-DD` of the day or Monday).")
    by_review_status: list[CountOut]


class ScoreIn(BaseModel):
    title: Annotated[str, Field(max_length=2000)]
    description: Annotated[str, Field(max_length=50_000)] = ""


class ScoreOut(BaseModel):
    score: float
    flagged: bool
    threshold: float | None
    species: list[str]
    reasons: list[str]
    model_version: str


class KeyIn(BaseModel):
    role: Literal["analyst", "moderator", "admin"]
    name: Annotated[SafeStr, Field(min_length=1, max_length=100)]


class KeyOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreatedOut(KeyOut):
    key: str = Field(description="The new key. It is shown only this once.")


class HealthOut(BaseModel):
    status: str
    database: bool
    model: str | None
    detail: str | None = None

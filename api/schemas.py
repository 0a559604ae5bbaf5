"""Pydantic shapes of what the API returns (named by role: ...Out, ...In)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ListingOut", "ListingPageOut", "HealthOut"]


class ListingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    marketplace: str
    title: str
    description: str
    price: float | None
    currency: str | None
    lang: str | None
    seller_id: int | None
    first_seen: datetime
    last_seen: datetime
    score: float | None = Field(description="Probability (0-1) that this listing is wildlife trade.")
    flagged: bool | None = Field(description="Score at or above the model's operating threshold.")
    species: list[str]
    reasons: list[str]
    model_version: str | None
    review_status: str | None
    links: dict[str, str]


class ListingPageOut(BaseModel):
    items: list[ListingOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class HealthOut(BaseModel):
    status: str
    database: bool
    model: str | None
    detail: str | None = None

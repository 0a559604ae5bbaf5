"""Analysts' view of stored listings: search, detail with history, and the evidence snapshot."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
import orjson
from sqlalchemy import Row
from sqlalchemy.orm import Session

from api.deps import CurrentKey, SessionDep, SettingsDep, base_url, run_read
from api.errors import ERROR_RESPONSES, NOT_FOUND, ApiError
from api.routes.filters import MAX_ID, ListingFilterDep
from api.schemas import (
    ImageOut,
    ListingDetailOut,
    ListingOut,
    ListingPageOut,
    PriorDecisionOut,
    ReviewOut,
    SellerBriefOut,
    SnapshotOut,
    VersionOut,
)
from store.errors import NotFound
from store.memory import prior_decisions
from store.models import Listing, Seller
from store.queries import InvalidCursor, RawListingPage, get_listing_detail, list_listing_values, utc_datetime
from store.images import listing_images
from store.snapshots import SnapshotStore

router = APIRouter(prefix="/v1", tags=["listings"], responses=ERROR_RESPONSES)

ListingId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _links(listing: Listing | Row[Any], base: str) -> dict[str, str]:
    links = {"self": f"{base}v1/listings/{listing.id}", "source": listing.url}
    if listing.seller_id is not None:
        links["seller"] = f"{base}v1/sellers/{listing.seller_id}"
    if listing.snapshot_id is not None:
        links["snapshot"] = f"{base}v1/listings/{listing.id}/snapshot"
    return links


def listing_dict(listing: Listing | Row[Any], base: str) -> dict[str, Any]:
    """A listing (or a row of ``PAGE_COLUMNS``) in the ListingOut shape as a plain dict.

    The list endpoint serialises these directly, skipping re-validation (see ``get_listings``).
    """
    return {
        "id": listing.id,
        "url": listing.url,
        "marketplace": listing.marketplace,
        "title": listing.title,
        "description": listing.description,
        "price": None if listing.price is None else float(listing.price),
        "currency": listing.currency,
        "lang": listing.lang,
        "seller_id": listing.seller_id,
        "first_seen": listing.first_seen,
        "last_seen": listing.last_seen,
        "score": listing.score,
        "flagged": listing.flagged,
        "species": [s for s in (listing.species or "").split(";") if s],
        "reasons": [str(reason) for reason in listing.reasons or []],
        "model_version": listing.model_version,
        "review_status": listing.review_status,
        "links": _links(listing, base),
    }


#: Decoded ``reasons`` by their stored JSON text: pages repeat a small vocabulary of reasons.
_REASONS: dict[str, list[str]] = {}
_REASONS_MAX = 4096


def _reasons(value: str | None) -> list[str]:
    """A page's ``reasons`` (JSON text on both backends, see ``store.queries.RawListingPage``) as strings."""
    if not value:
        return []
    reasons = _REASONS.get(value)
    if reasons is None:
        reasons = [str(reason) for reason in json.loads(value) or []]
        if len(_REASONS) >= _REASONS_MAX:
            _REASONS.clear()
        _REASONS[value] = reasons
    return reasons


def _json_time(value: datetime | str) -> datetime | str:
    """A stored time as ListingOut writes it: SQLite's UTC text rewritten in place, else a UTC datetime.

    ``2026-02-04 13:49:59.738029`` -> ``2026-02-04T13:49:59.738029Z`` (``...:59Z`` for whole
    seconds), exactly what pydantic writes for that datetime; any other shape goes through
    a datetime.
    """
    if isinstance(value, str) and len(value) == 26 and value[10] == " " and value[19] == ".":
        if value.endswith("000000"):
            return f"{value[:10]}T{value[11:19]}Z"
        return f"{value[:10]}T{value[11:]}Z"
    return utc_datetime(value)


def _json_price(value: Decimal | float | None) -> float | None:
    """As SQLAlchemy's Numeric(18, 2) reads it (SQLite: rounded to cents), then as a float."""
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else float(f"{value:.2f}")


def listing_values_dict(values: tuple[Any, ...], base: str) -> dict[str, Any]:
    """``listing_dict`` of a row of ``list_listing_values`` (the driver's own values, in PAGE_COLUMNS order)."""
    (listing_id, url, marketplace, title, description, price, currency, lang, seller_id, first_seen, last_seen,
     score, flagged, species, reasons, model_version, review_status, snapshot_id) = values
    self_link = f"{base}v1/listings/{listing_id}"
    links = {"self": self_link, "source": url}
    if seller_id is not None:
        links["seller"] = f"{base}v1/sellers/{seller_id}"
    if snapshot_id is not None:
        links["snapshot"] = f"{self_link}/snapshot"
    return {
        "id": listing_id,
        "url": url,
        "marketplace": marketplace,
        "title": title,
        "description": description,
        "price": _json_price(price),
        "currency": currency,
        "lang": lang,
        "seller_id": seller_id,
        "first_seen": _json_time(first_seen),
        "last_seen": _json_time(last_seen),
        "score": score,
        "flagged": None if flagged is None else bool(flagged),
        "species": [name for name in species.split(";") if name] if species else [],
        "reasons": _reasons(reasons),
        "model_version": model_version,
        "review_status": review_status,
        "links": links,
    }


def listing_page_json(page: RawListingPage, base: str) -> bytes:
    """A ``list_listing_values`` page as the JSON of its ListingPageOut, without building the models.

    orjson writes what pydantic writes for these values (floats, UTC times with ``Z``, strings and
    their escapes; checked in tests/api/test_list_schema.py), at a third of pydantic-core's time; a
    non-finite float becomes null, as in ListingOut's own JSON.
    """
    return orjson.dumps(
        {"items": [listing_values_dict(item, base) for item in page.items], "next_cursor": page.next_cursor},
        option=orjson.OPT_UTC_Z,
    )


def listing_out(listing: Listing, request: Request) -> ListingOut:
    """The API shape of a listing, with links to itself, its seller, snapshot and source page."""
    return ListingOut(**listing_dict(listing, base_url(request)))


def seller_brief(seller: Seller, request: Request) -> SellerBriefOut:
    """A seller reference: who and where, with a link."""
    return SellerBriefOut(
        id=seller.id,
        marketplace=seller.marketplace,
        name=seller.name,
        url=None if seller.url.startswith("name:") else seller.url,
        link=f"{base_url(request)}v1/sellers/{seller.id}",
    )


# The list endpoint declares ListingPageOut (the OpenAPI schema, and what tests/api/test_list_schema.py
# checks every page against) but returns the bytes itself: ``listing_page_json`` writes the plain
# dicts of ``listing_values_dict`` without validating 50-500 ListingOut models again, which would
# more than double the serialisation time of a page (2.9 ms -> 6.6 ms for 500 items, measured 2026-12-06).
# It is async and reads the page through api.deps.run_read: on a SQLite file on the event loop when
# the read is short, else in one hop to a worker thread that opens a session, reads the page, writes
# the JSON and gives the connection back. With SessionDep a request made three hops and held its
# pooled connection across them, so at 32 connections most of a request's time was spent queued for
# a thread or for one of the pool's connections (profiled 2026-12-06).
@router.get("/listings", response_model=ListingPageOut)
async def get_listings(
    request: Request,
    key: CurrentKey,
    filters: ListingFilterDep,
    sort: Annotated[
        Literal["-last_seen", "last_seen", "-first_seen", "first_seen", "-score", "score"],
        Query(description="Sort key; `-` for descending. Ties are broken by id."),
    ] = "-last_seen",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """Listings matching every given filter, sorted; follow `next_cursor` for more."""
    base = base_url(request)

    def page_json(session: Session) -> bytes:
        try:
            page = list_listing_values(session, filters, limit=limit, cursor=cursor, sort=sort)
        except InvalidCursor as exc:
            raise ApiError(422, "invalid_cursor", str(exc)) from exc
        return listing_page_json(page, base)

    page = await run_read(request, page_json, key=(filters, sort, limit, cursor is None))
    return Response(page, media_type="application/json")


@router.get(
    "/listings/{listing_id}", response_model=ListingDetailOut, name="get_listing_detail", responses=NOT_FOUND
)
def get_listing_detail_route(
    listing_id: ListingId, request: Request, session: SessionDep, key: CurrentKey
) -> ListingDetailOut:
    """One listing with its seller, version history, evidence snapshot and reviews."""
    detail = get_listing_detail(session, listing_id)
    listing = detail.listing
    snapshot = detail.snapshot
    prior = prior_decisions(session, [listing]).get(listing.id)
    return ListingDetailOut(
        **listing_out(listing, request).model_dump(),
        price_text=listing.price_text,
        images=[
            ImageOut(sha256=view.image.sha256, url=view.url, width=view.image.width, height=view.image.height,
                     pdq=view.image.pdq, quality=view.image.quality)
            if view.image is not None
            else ImageOut(sha256=None, url=view.url, width=None, height=None, pdq=None, quality=None)
            for view in listing_images(session, listing)
        ],
        version=listing.version,
        seller=None if detail.seller is None else seller_brief(detail.seller, request),
        snapshot=None
        if snapshot is None
        else SnapshotOut(
            id=snapshot.id,
            url=snapshot.url,
            http_status=snapshot.http_status,
            fetched_at=snapshot.fetched_at,
            sha256=snapshot.sha256,
            size=snapshot.size,
            encoding=snapshot.encoding,
            link=f"{base_url(request)}v1/listings/{listing.id}/snapshot",
        ),
        versions=[
            VersionOut(
                version=v.version,
                title=v.title,
                description=v.description,
                price=None if v.price is None else float(v.price),
                currency=v.currency,
                content_hash=v.content_hash,
                snapshot_id=v.snapshot_id,
                seen_at=v.seen_at,
            )
            for v in detail.versions
        ],
        prior_decision=None if prior is None else PriorDecisionOut(
            review_id=prior.review_id, decision=prior.decision, listing_id=prior.listing_id,  # type: ignore[arg-type]
            reviewed_at=prior.reviewed_at, via=prior.via,
        ),
        reviews=[
            ReviewOut(
                id=r.id,
                decision=r.decision,
                reason=r.reason,
                note=r.note,
                reviewer=r.reviewer,
                model_version=r.model_version,
                score=r.score,
                created_at=r.created_at,
            )
            for r in detail.reviews
        ],
    )


#: Headers that keep a browser from rendering or running anything in a snapshot.
SNAPSHOT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


SNAPSHOT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {}}, "description": "The page source as plain text."},
    **NOT_FOUND,
}


@router.get(
    "/listings/{listing_id}/snapshot",
    name="get_listing_snapshot",
    response_class=Response,
    responses=SNAPSHOT_RESPONSES,
)
def get_listing_snapshot(
    listing_id: ListingId, session: SessionDep, settings: SettingsDep, key: CurrentKey
) -> Response:
    """The evidence snapshot of a listing's page, as inert UTF-8 text (never live HTML)."""
    detail = get_listing_detail(session, listing_id)
    snapshot = detail.snapshot
    if snapshot is None:
        raise NotFound(f"listing {listing_id} has no snapshot")
    raw = SnapshotStore(settings.crawler.snapshot_dir).read(snapshot.path)
    try:
        body = raw.decode(snapshot.encoding or "utf-8", errors="replace")
    except LookupError:
        body = raw.decode("utf-8", errors="replace")
    headers = SNAPSHOT_HEADERS | {
        "X-Snapshot-SHA256": snapshot.sha256,
        "Content-Disposition": f'inline; filename="snapshot-{snapshot.sha256[:16]}.txt"',
    }
    return Response(body, media_type="text/plain; charset=utf-8", headers=headers)



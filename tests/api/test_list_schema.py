"""GET /v1/listings writes its page without re-validating it: the bytes must still be its declared schema."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic_core import to_json
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.routes.listings import listing_dict
from api.schemas import ListingDetailOut, ListingOut, ListingPageOut
from store.models import Listing
from tests.api.conftest import Api


def test_every_listing_page_is_a_valid_listing_page_out(api: Api) -> None:
    cursor = None
    seen = 0
    while True:
        response = api.get("/v1/listings", params={"limit": 4, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = ListingPageOut.model_validate_json(response.content)
        assert all(set(item) == set(ListingOut.model_fields) for item in response.json()["items"])  # nothing extra
        for item in page.items:  # the same listing, field for field, as the validated detail endpoint says
            detail = ListingDetailOut.model_validate_json(api.get(f"/v1/listings/{item.id}").content)
            assert item.model_dump() == detail.model_dump(include=set(item.model_dump()))
        seen += len(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == len(api.seeded.ids)


def test_list_page_bytes_are_what_the_listing_objects_write(api: Api) -> None:
    """The page converts the driver's own values (SQLite's time text, JSON text, 0/1) itself: byte for byte
    what ``listing_dict`` writes of the ORM listings, which SQLAlchemy converted."""
    engine = api.client.app.state.engine  # type: ignore[attr-defined]
    base = api.client.app.state.base_url  # type: ignore[attr-defined]
    with Session(engine) as session:  # edge values the seed may not have: whole seconds, cents, no flag yet
        listing = session.scalars(select(Listing).order_by(Listing.id)).first()
        assert listing is not None
        listing_id = listing.id
        saved = (listing.last_seen, listing.price, listing.flagged, listing.reasons)
        listing.last_seen = listing.last_seen.replace(microsecond=0)
        listing.price, listing.flagged, listing.reasons = Decimal("12.30"), None, ["lexicon:象牙", "model"]
        session.commit()
    try:
        for sort in ("-last_seen", "first_seen", "-score"):
            response = api.get("/v1/listings", params={"limit": 500, "sort": sort})
            assert response.status_code == 200, response.text
            ids = [item["id"] for item in response.json()["items"]]
            with Session(engine) as session:
                listings = {row.id: row for row in session.scalars(select(Listing).where(Listing.id.in_(ids)))}
            expected = to_json({"items": [listing_dict(listings[i], base) for i in ids], "next_cursor": None})
            assert response.content == expected
    finally:
        with Session(engine) as session:
            listing = session.get(Listing, listing_id)
            assert listing is not None
            listing.last_seen, listing.price, listing.flagged, listing.reasons = saved
            session.commit()


#: No NUL: PostgreSQL refuses it in text (and the crawler never stores one).
HOSTILE = "\"quoted\" \\back\\ </script><b>x</b> \x01\x1f\x7f \u2028\u2029 象牙 \U0001F418 \ud7ff"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"flagged": "true", "species": "pangolin"},
        {"flagged": "true", "species": "elephant"},
        {"species": "穿山甲"},
        {"q": "象牙"},
        {"q": "ivory", "sort": "-score"},
        {"lang": "zh-Hant", "sort": "first_seen"},
        {"review_status": "unreviewed", "sort": "score"},
        {"min_price": "10", "max_price": "9000", "sort": "-first_seen"},
        {"min_score": "0.5", "last_seen_from": "2026-01-01T00:00:00Z"},
    ],
)
def test_list_pages_are_byte_for_byte_what_pydantic_writes(api: Api, params: dict[str, str]) -> None:
    """Every page of a filter, cursor after cursor, against ListingPageOut of the ORM listings (the
    response_model path), with a listing whose text holds quotes, markup, control characters and
    astral characters, and edge values (whole seconds, cents, no flag yet)."""
    engine = api.client.app.state.engine  # type: ignore[attr-defined]
    base = api.client.app.state.base_url  # type: ignore[attr-defined]
    with Session(engine) as session:
        listing = session.scalars(select(Listing).order_by(Listing.id.desc())).first()
        assert listing is not None
        listing_id = listing.id
        saved = (listing.title, listing.description, listing.last_seen, listing.price, listing.score)
        listing.title, listing.description = HOSTILE, HOSTILE[::-1]
        listing.last_seen = listing.last_seen.replace(microsecond=0)
        listing.price, listing.score = Decimal("0.10"), 0.1 + 0.2
        session.commit()
    try:
        cursor, pages = None, 0
        while True:
            response = api.get("/v1/listings", params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})})
            assert response.status_code == 200, response.text
            body = response.json()
            ids = [item["id"] for item in body["items"]]
            with Session(engine) as session:
                listings = {row.id: row for row in session.scalars(select(Listing).where(Listing.id.in_(ids)))}
            expected = ListingPageOut(
                items=[ListingOut(**listing_dict(listings[i], base)) for i in ids], next_cursor=body["next_cursor"]
            ).model_dump_json().encode()
            assert response.content == expected
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert pages >= 1
    finally:
        with Session(engine) as session:
            listing = session.get(Listing, listing_id)
            assert listing is not None
            listing.title, listing.description, listing.last_seen, listing.price, listing.score = saved
            session.commit()

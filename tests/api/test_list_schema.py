"""GET /v1/listings writes its page without re-validating it: the bytes must still be its declared schema."""

from __future__ import annotations

from decimal import Decimal

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

"""GET /v1/listings writes its page without re-validating it: the bytes must still be its declared schema."""

from __future__ import annotations

from api.schemas import ListingDetailOut, ListingOut, ListingPageOut
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

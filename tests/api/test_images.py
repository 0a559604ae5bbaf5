"""Photos over the API: listing detail images, /v1/listings/{id}/image-matches, /v1/images/{sha256}
served safely, and sellers linked by a shared photo (``via: "image"``) beside contact links."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from bench.gen_photos import edit, jpeg_bytes, photo
from store.apikeys import create_api_key
from store.db import make_session_factory, session_scope
from store.images import ImageStore, record_listing_image
from store.models import Contact, Listing, Seller
from tests.api.conftest import make_settings
from tests.fakes import FakeModel


@cache
def original() -> bytes:
    return jpeg_bytes(photo(3))


@cache
def reposted() -> bytes:
    return edit(photo(3), "issue_80pct_crop_2_5", 1)


@dataclass
class PhotoApi:
    client: TestClient
    key: str
    listings: dict[str, int]
    sellers: dict[str, int]
    shas: dict[str, str]
    images: ImageStore

    def get(self, path: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers={"Authorization": f"Bearer {self.key}"}, **kwargs)


@pytest.fixture
def photo_api(engine: Engine, tmp_path: Path) -> Iterator[PhotoApi]:
    """Two marketplaces: a seller re-posts another's photo (80%, cropped 2.5% a side); a third shares a handle."""
    settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False), rate_limit_per_minute=0)
    settings.images.dir = tmp_path / "images"
    images = ImageStore(settings.images.dir)
    listings: dict[str, int] = {}
    sellers: dict[str, int] = {}
    shas: dict[str, str] = {}
    with session_scope(make_session_factory(engine)) as session:
        for name, marketplace, seller, urls in [
            ("orig", "shop.example", "laowang", ["https://shop.example/p/1.jpg", "https://shop.example/p/missing.jpg"]),
            ("copy", "bazaar.example", "copycat", ["https://cdn.bazaar.example/x.jpg"]),
            ("other", "bazaar.example", "handle_friend", []),
        ]:
            row = Seller(marketplace=marketplace, url=f"https://{marketplace}/u/{seller}", name=seller)
            session.add(row)
            session.flush()
            sellers[seller] = row.id
            listing = Listing(url=f"https://{marketplace}/item/{name}", marketplace=marketplace, title=name,
                              content_hash="h", images=urls, seller_id=row.id)
            session.add(listing)
            session.flush()
            listings[name] = listing.id
        shas["orig"] = record_listing_image(session, images, listing_id=listings["orig"], url="https://shop.example/p/1.jpg",
                                            body=original()).sha256  # type: ignore[assignment]
        record_listing_image(session, images, listing_id=listings["orig"], url="https://shop.example/p/missing.jpg",
                             body=None, http_status=403)
        shas["copy"] = record_listing_image(session, images, listing_id=listings["copy"], url="https://cdn.bazaar.example/x.jpg",
                                            body=reposted()).sha256  # type: ignore[assignment]
        for name in ("orig", "other"):
            session.add(Contact(listing_id=listings[name], seller_id=sellers["laowang" if name == "orig" else "handle_friend"],
                                kind="wechat", value="wx_same"))
        key = create_api_key(session, role="analyst", name="photos")[1]
    app = create_app(settings, engine=engine, model=FakeModel())
    with TestClient(app) as client:
        yield PhotoApi(client, key, listings, sellers, shas, images)


def test_listing_detail_lists_images_with_hashes(photo_api: PhotoApi) -> None:
    body = photo_api.get(f"/v1/listings/{photo_api.listings['orig']}").json()
    first, missing = body["images"]
    assert first["sha256"] == photo_api.shas["orig"] and first["url"] == "https://shop.example/p/1.jpg"
    assert (first["width"], first["height"]) == (800, 800)
    assert len(first["pdq"]) == 64 and first["quality"] >= 50
    assert missing == {"sha256": None, "url": "https://shop.example/p/missing.jpg", "width": None, "height": None,
                       "pdq": None, "quality": None}


def test_image_matches_across_marketplaces(photo_api: PhotoApi) -> None:
    response = photo_api.get(f"/v1/listings/{photo_api.listings['orig']}/image-matches")
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["listing_id"] == photo_api.listings["copy"] and item["marketplace"] == "bazaar.example"
    assert item["seller_id"] == photo_api.sellers["copycat"] and item["url"] == "https://cdn.bazaar.example/x.jpg"
    assert 0 < item["distance"] <= 31
    assert set(item) == {"listing_id", "url", "seller_id", "marketplace", "distance"}
    assert photo_api.get(f"/v1/listings/{photo_api.listings['other']}/image-matches").json() == {"items": []}
    assert photo_api.get("/v1/listings/99999/image-matches").status_code == 404


def test_seller_links_say_why(photo_api: PhotoApi) -> None:
    body = photo_api.get(f"/v1/sellers/{photo_api.sellers['laowang']}").json()
    links = {(link["seller"]["name"], link["via"]): link for link in body["linked_sellers"]}
    assert set(links) == {("copycat", "image"), ("handle_friend", "contact")}
    assert links[("copycat", "image")]["shared_images"] == [photo_api.shas["orig"]]
    assert links[("copycat", "image")]["seller"]["marketplace"] == "bazaar.example"
    assert links[("handle_friend", "contact")]["shared_contacts"] == [{"kind": "wechat", "value": "wx_same"}]


def test_image_bytes_are_served_as_what_they_are(photo_api: PhotoApi) -> None:
    response = photo_api.get(f"/v1/images/{photo_api.shas['copy']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.content == reposted()


def test_stored_bytes_that_are_not_an_image_are_never_inline(photo_api: PhotoApi) -> None:
    """Defence in depth: had an SVG or HTML file been swapped in on disk, it is a download, never a page."""
    digest = photo_api.shas["orig"]
    (photo_api.images.root / ImageStore.relative_path(digest)).write_bytes(b"<svg onload=alert(1)></svg>")
    response = photo_api.get(f"/v1/images/{digest}")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("path", "status"), [("/v1/images/" + "0" * 64, 404), ("/v1/images/not-a-hash", 422),
                                              ("/v1/images/" + "g" * 64, 422)])
def test_image_errors(photo_api: PhotoApi, path: str, status: int) -> None:
    assert photo_api.get(path).status_code == status


def test_images_need_a_key(photo_api: PhotoApi) -> None:
    assert photo_api.client.get(f"/v1/images/{photo_api.shas['orig']}").status_code == 401

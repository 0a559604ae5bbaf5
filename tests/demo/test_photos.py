"""The demo marketplaces' photos: deterministic, hashable, re-posted where the demo says, apart elsewhere."""

from __future__ import annotations

from itertools import combinations

import httpx
import pytest

from store.imaging import MIN_QUALITY, ImageFacts, analyze_image
from wildwatch.demo.bazaar import bazaar_items
from wildwatch.demo.photos import DemoPhotos, reused_pairs
from wildwatch.demo.server import load_listings, make_bazaar_server, make_server


def distance(a: ImageFacts, b: ImageFacts) -> int:
    """The linking distance of store.image_index: whole frame against the other's frame and crops."""
    return min([(a.pdq ^ crop).bit_count() for _, crop in b.crops] + [(b.pdq ^ crop).bit_count() for _, crop in a.crops])


@pytest.fixture(scope="module")
def listings() -> list[dict]:
    return load_listings()


def test_photos_are_deterministic_and_good_enough_to_link(listings: list[dict]) -> None:
    photos, again = DemoPhotos(listings), DemoPhotos(listings)
    paths = [path for record in listings[:12] for path in record["images"]]
    facts = []
    for path in paths:
        content_type, body = photos.body(path)
        assert (content_type, body) == again.body(path)
        facts.append(analyze_image(body))
        assert content_type == ("image/png" if path.endswith(".png") else "image/jpeg") == facts[-1].mime
    assert min(f.quality for f in facts) >= MIN_QUALITY
    originals = [f for path, f in zip(paths, facts, strict=True) if photos.source(path)[0] == path]
    assert min(distance(a, b) for a, b in combinations(originals, 2)) > 31  # unrelated photos stay apart


def test_reused_photos_belong_to_other_sellers_and_stay_within_the_threshold(listings: list[dict]) -> None:
    pairs = reused_pairs(listings)
    by_id = {int(r["id"]): r for r in listings}
    photos = DemoPhotos(listings)
    assert len(pairs) >= 5
    for copy, original in pairs.items():
        assert by_id[copy]["seller_id"] != by_id[original]["seller_id"]
        assert by_id[copy]["label"] == by_id[original]["label"] == 1
        copy_body = photos.body(by_id[copy]["images"][0])[1]
        original_body = photos.body(by_id[original]["images"][0])[1]
        assert copy_body != original_body  # re-encoded: other bytes, the same photo
        assert distance(analyze_image(copy_body), analyze_image(original_body)) <= 31


def test_the_second_marketplace_reposts_edited_photos_that_still_link(listings: list[dict]) -> None:
    items = bazaar_items(listings)
    photos = DemoPhotos(listings)
    with make_server() as first, make_bazaar_server() as second:
        page = httpx.get(f"{second.url}/item/1").text
        assert f"{second.url}/img/1.jpg" in page and items[0]["seller"] in page
        for item in items[:4]:
            repost = httpx.get(f"{second.url}/img/{item['number']}.jpg")
            original = httpx.get(first.url + item["original_image"])
            assert repost.headers["content-type"] == "image/jpeg"
            edited, source = analyze_image(repost.content), analyze_image(original.content)
            assert (edited.width, edited.height) == (244, 244)  # 320 px resized to 256, less 6 px a side
            assert distance(edited, source) <= 31
            assert photos.source(item["original_image"]) == (item["original_image"], 88)
        assert httpx.get(f"{second.url}/img/999.jpg").status_code == 404

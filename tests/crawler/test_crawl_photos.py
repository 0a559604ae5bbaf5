"""End to end: a crawl fetches each listing's photos through the same downloader as its pages, stores
the good ones by SHA-256 with their hashes, and records every bad one as a skip with its reason.

The marketplace (``PhotoMarket`` on loopback) answers each image URL as the bad-input table says:
truncated and cut-off bodies, a decompression bomb, HTML served as ``image/jpeg``, SVG with a
script, an animation of a thousand frames, 0 bytes, a body over the byte limit, a hotlink 403,
a path robots.txt forbids and a photo on an internal address.  None may crash the crawl.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from bench.gen_photos import jpeg_bytes, photo
from store.models import CrawlRun, ImageRecord, Listing, ListingImage
from store.snapshots import sha256_hex
from tests.crawler.sites.photo_site import PhotoFile, PhotoItem, PhotoMarket
from tests.crawler.sites.runner import run_crawl_cli
from tests.store.test_imaging import SVG_SCRIPT, gif, png_bomb

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

MAX_BYTES = 1_000_000
GOOD = jpeg_bytes(photo(11, size=480))
GOOD_PNG_IMAGE = photo(12, size=300)


def _png() -> bytes:
    out = io.BytesIO()
    GOOD_PNG_IMAGE.save(out, "PNG")
    return out.getvalue()


#: path -> (what the site answers, the skip reason recorded; None: stored)
TABLE: dict[str, tuple[PhotoFile, str | None]] = {
    "/img/good.jpg": (PhotoFile(GOOD), None),
    "/img/good.png": (PhotoFile(_png(), "image/png"), None),
    "/img/truncated.jpg": (PhotoFile(GOOD[: len(GOOD) // 2]), "truncated"),
    "/img/cut-off.jpg": (PhotoFile(GOOD[:5000], declared_length=len(GOOD)), "truncated"),
    "/img/bomb.png": (PhotoFile(png_bomb(), "image/png"), "decompression_bomb"),
    "/img/html.jpg": (PhotoFile(b"<!DOCTYPE html><html><body>no hotlinking</body></html>"), "not_an_image"),
    "/img/script.svg": (PhotoFile(SVG_SCRIPT, "image/svg+xml"), "svg"),
    "/img/frames.gif": (PhotoFile(gif(1000), "image/gif"), "too_many_frames"),
    "/img/zero.jpg": (PhotoFile(b""), "empty"),
    "/img/huge.jpg": (PhotoFile(b"\xff\xd8\xff" + b"\x00" * (MAX_BYTES + 10)), "too_large"),
    "/img/hotlink.jpg": (PhotoFile(b"<html>forbidden</html>", "text/html", status=403), "http_403"),
    "/private/robots.jpg": (PhotoFile(GOOD), "robots_disallowed"),
}
PER_LISTING = 4


def _items(internal: str) -> list[PhotoItem]:
    paths = list(TABLE)
    return [
        PhotoItem(1, "Carved ivory bangle", "alice", paths[0:4]),
        PhotoItem(2, "Rhino horn cup", "bob", paths[4:8]),
        PhotoItem(3, "Pangolin scales", "carol", paths[8:12]),
        # the same photo URL as item 1 (its bytes are fetched once), then one on an internal address
        PhotoItem(4, "Tiger claw pendant", "dave", ["/img/good.jpg", internal]),
        # more image URLs than WILDWATCH_IMAGES_PER_LISTING: only the first few are fetched
        PhotoItem(5, "Hawksbill comb", "erin", [f"/img/extra-{n}.jpg" for n in range(8)]),
    ]


@dataclass
class Crawled:
    market: PhotoMarket
    engine: Engine
    image_dir: Path
    stderr: str


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("photos")
    files = {path: file for path, (file, _) in TABLE.items()}
    files |= {f"/img/extra-{n}.jpg": PhotoFile(jpeg_bytes(photo(100 + n, size=200))) for n in range(8)}
    market = PhotoMarket([], files).start()
    market.items = {item.number: item for item in _items(market.url.replace("127.0.0.1", "127.0.0.2") + "/x.jpg")}
    db_url = f"sqlite:///{tmp / 'crawl.db'}"
    env = {"WILDWATCH_IMAGES__DIR": str(tmp / "images"), "WILDWATCH_IMAGES__MAX_BYTES": str(MAX_BYTES),
           "WILDWATCH_IMAGES__PER_LISTING": str(PER_LISTING)}
    try:
        result = run_crawl_cli(market.url + "/", db_url, tmp, "--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_TIMEOUT=5",
                               env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        engine = create_engine(db_url)
        yield Crawled(market, engine, tmp / "images", result.stderr)
        engine.dispose()
    finally:
        market.stop()


def _outcomes(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    """image URL path -> (skip reason, SHA-256 of the stored image)"""
    with engine.connect() as conn:
        rows = conn.execute(select(ListingImage.url, ListingImage.skip_reason, ImageRecord.sha256)
                            .outerjoin(ImageRecord, ImageRecord.id == ListingImage.image_id)).all()
    return {"/" + url.split("/", 3)[3]: (reason, sha) for url, reason, sha in rows}


@pytest.mark.parametrize("path", list(TABLE))
def test_each_image_url_is_stored_or_a_recorded_skip(crawled: Crawled, path: str) -> None:
    reason, sha = _outcomes(crawled.engine)[path]
    expected = TABLE[path][1]
    assert reason == expected
    if expected is None:
        assert sha is not None and (crawled.image_dir / sha[:2] / sha[2:4] / sha).is_file()


def test_good_photos_are_stored_by_sha256_with_size_and_hashes(crawled: Crawled) -> None:
    with crawled.engine.connect() as conn:
        record = conn.execute(select(ImageRecord).where(ImageRecord.sha256 == sha256_hex(GOOD))).one()
    assert (record.size, record.mime, record.width, record.height) == (len(GOOD), "image/jpeg", 480, 480)
    assert len(record.pdq) == 64 and record.quality >= 50 and record.fetched_at is not None


def test_a_photo_shared_by_two_listings_is_fetched_once_and_stored_once(crawled: Crawled) -> None:
    assert crawled.market.hits.count("/img/good.jpg") == 1
    with crawled.engine.connect() as conn:
        rows = conn.execute(select(Listing.url, ListingImage.image_id)
                            .join(Listing, Listing.id == ListingImage.listing_id)
                            .where(ListingImage.url.endswith("/img/good.jpg"))).all()
    assert {url.rsplit("/", 1)[1] for url, _ in rows} == {"1", "4"}
    assert len({image_id for _, image_id in rows}) == 1 and rows[0][1] is not None


def test_robots_and_the_address_policy_hold_for_photos(crawled: Crawled) -> None:
    assert "/private/robots.jpg" not in crawled.market.hits
    with crawled.engine.connect() as conn:
        internal = conn.execute(select(ListingImage.skip_reason).where(ListingImage.url.contains("127.0.0.2"))).one()
    assert internal.skip_reason in {"offsite", "other_host", "address_refused"}


def test_at_most_the_configured_number_of_photos_per_listing(crawled: Crawled) -> None:
    fetched = [path for path in crawled.market.hits if path.startswith("/img/extra-")]
    assert len(fetched) == len(set(fetched)) == PER_LISTING
    with crawled.engine.connect() as conn:
        recorded = conn.execute(select(ListingImage.url).where(ListingImage.url.contains("/img/extra-"))).scalars()
        assert {"/" + url.split("/", 3)[3] for url in recorded} == set(fetched)


def test_the_crawl_completes_without_a_traceback(crawled: Crawled) -> None:
    with crawled.engine.connect() as conn:
        run = conn.execute(select(CrawlRun)).one()
        listings = conn.execute(select(Listing.url)).scalars().all()
    assert run.status == "completed"
    assert len(listings) == 5
    assert run.pages_fetched == len([path for path in crawled.market.hits if not path.startswith(("/img/", "/x"))])
    assert "Traceback" not in crawled.stderr


def test_photo_skips_are_counted_in_the_runs_errors(crawled: Crawled) -> None:
    """Each image URL recorded as a skip counts once in the run's errors, as ``photo_<reason>``."""
    with crawled.engine.connect() as conn:
        errors = conn.execute(select(CrawlRun.errors)).scalar_one()
        reasons = conn.execute(select(ListingImage.skip_reason).where(ListingImage.skip_reason.is_not(None))).scalars()
        recorded = Counter(f"photo_{reason}" for reason in reasons)
    assert {key: count for key, count in errors.items() if key.startswith("photo_")} == recorded
    assert {f"photo_{reason}" for _, reason in TABLE.values() if reason} <= set(recorded)

"""Issue 19's "done when": two marketplaces on loopback, one seller re-posting another's photo (re-encoded,
resized to 80%, cropped 2.5% a side); after crawling both, the API links the two listings and their
sellers (``via: "image"``) and the review UI shows the photo and a "same photo as" link (a Playwright
screenshot when Debian's Chromium is installed, as the other browser tests).
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select, update

from api.app import create_app
from bench.gen_photos import jpeg_bytes, photo
from core.settings import PROJECT_ROOT, Settings
from store.apikeys import create_api_key
from store.db import Store, session_scope
from store.imaging import THUMB_SIDE
from store.models import Listing, Seller
from tests.crawler.sites.photo_site import PhotoFile, PhotoItem, PhotoMarket
from tests.crawler.sites.runner import run_crawl_cli

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"


def reposted(original: Image.Image) -> bytes:
    """The issue's edit: resized to 80%, 2.5% cropped off each side, re-encoded."""
    small = original.resize((round(original.width * 0.8), round(original.height * 0.8)), Image.Resampling.LANCZOS)
    w, h = small.size
    cropped = small.crop((round(w * 0.025), round(h * 0.025), round(w * 0.975), round(h * 0.975)))
    out = io.BytesIO()
    cropped.save(out, "JPEG", quality=72)
    return out.getvalue()


@dataclass
class Linked:
    store: Store
    settings: Settings
    ids: dict[str, int]  # listing ids by seller
    sellers: dict[str, int]  # seller ids by name
    keys: dict[str, str]


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Linked]:
    tmp = tmp_path_factory.mktemp("photo-links")
    original = photo(19, size=800, kind="product")
    first = PhotoMarket([PhotoItem(1, "Carved ivory bangle, old stock", "alice", ["/img/bangle.jpg"]),
                         PhotoItem(2, "Pu'er tea cake 2012", "zoe", ["/img/tea.jpg"])],
                        {"/img/bangle.jpg": PhotoFile(jpeg_bytes(original)),
                         "/img/tea.jpg": PhotoFile(jpeg_bytes(photo(20, size=800)))}, name="market-a.test").start()
    second = PhotoMarket([PhotoItem(1, "Ivory bangle for collectors", "bob", ["/img/p1.jpg"]),
                          PhotoItem(2, "Rosewood chopsticks", "yan", ["/img/p2.jpg"])],
                         {"/img/p1.jpg": PhotoFile(reposted(original)),
                          "/img/p2.jpg": PhotoFile(jpeg_bytes(photo(21, size=800)))}, name="market-b.test").start()
    db_url = f"sqlite:///{tmp / 'links.db'}"
    env = {"WILDWATCH_IMAGES__DIR": str(tmp / "images"), "WILDWATCH_IMAGES__PER_LISTING": "10",
           "WILDWATCH_CRAWLER__STATIC_HOSTS": json.dumps({"market-a.test": "127.0.0.1", "market-b.test": "127.0.0.1"}),
           "WILDWATCH_CRAWLER__ALLOWED_NETWORKS": '["127.0.0.1/32"]'}
    try:
        for market in (first, second):
            result = run_crawl_cli(market.url + "/", db_url, tmp, env=env)
            assert result.returncode == 0, result.stderr[-3000:]
    finally:
        first.stop()
        second.stop()
    store = Store(db_url)
    settings = Settings(database_url=db_url, var_dir=tmp, images={"dir": tmp / "images"},  # type: ignore[arg-type]
                        crawler={"snapshot_dir": tmp / "snapshots"})  # type: ignore[arg-type]
    with session_scope(store.sessions) as session:
        rows = session.execute(select(Listing.id, Seller.name, Seller.id).join(Seller, Seller.id == Listing.seller_id))
        ids, sellers = {}, {}
        for listing_id, name, seller_id in rows:
            ids[name], sellers[name] = listing_id, seller_id
        # flagged as a model would, so the two listings are in the review queue
        session.execute(update(Listing).where(Listing.id.in_([ids["alice"], ids["bob"]]))
                        .values(flagged=True, score=0.9, species="elephant"))
        keys = {role: create_api_key(session, role=role, name=f"{role}-photos")[1] for role in ("analyst", "moderator")}
    yield Linked(store, settings, ids, sellers, keys)
    store.close()


@pytest.fixture
def client(linked: Linked) -> Iterator[TestClient]:
    app = create_app(linked.settings, engine=linked.store.engine, model=object())
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def test_the_api_links_the_two_listings_across_marketplaces(linked: Linked, client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {linked.keys['analyst']}"}
    matches = client.get(f"/v1/listings/{linked.ids['alice']}/image-matches", headers=auth).json()["items"]
    assert [(m["listing_id"], m["seller_id"], m["marketplace"]) for m in matches] == [
        (linked.ids["bob"], linked.sellers["bob"], "market-b.test")]
    assert 0 < matches[0]["distance"] <= 31
    back = client.get(f"/v1/listings/{linked.ids['bob']}/image-matches", headers=auth).json()["items"]
    assert [m["listing_id"] for m in back] == [linked.ids["alice"]]
    for unrelated in ("zoe", "yan"):
        assert client.get(f"/v1/listings/{linked.ids[unrelated]}/image-matches", headers=auth).json()["items"] == []
    detail = client.get(f"/v1/listings/{linked.ids['alice']}", headers=auth).json()
    [image] = detail["images"]
    assert image["url"] == "http://market-a.test:" + image["url"].split(":")[2] and image["width"] == 800
    served = client.get(f"/v1/images/{image['sha256']}", headers=auth)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"


def test_the_api_links_the_two_sellers_via_the_image(linked: Linked, client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {linked.keys['analyst']}"}
    seller = client.get(f"/v1/sellers/{linked.sellers['alice']}", headers=auth).json()
    links = [(link["seller"]["id"], link["via"]) for link in seller["linked_sellers"]]
    assert links == [(linked.sellers["bob"], "image")]
    assert len(seller["linked_sellers"][0]["shared_images"]) == 1


def _login(client: TestClient, key: str) -> None:
    page = client.get("/review/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/review/login", data={"api_key": key, "csrf": token}, follow_redirects=False).status_code == 303


def test_the_review_ui_shows_the_photo_and_the_same_photo_link(linked: Linked, client: TestClient) -> None:
    _login(client, linked.keys["moderator"])
    page = client.get(f"/review/listings/{linked.ids['alice']}").text
    assert f'href="/review/listings/{linked.ids["bob"]}?view=flagged"' in page
    assert "market-b.test" in page and "bob" in page
    thumbnail_src = page.split('src="/review/images/')[1].split('"')[0]  # the thumbnail, not the photo
    assert thumbnail_src.endswith("/thumbnail")
    sha = thumbnail_src.removesuffix("/thumbnail")
    image = client.get(f"/review/images/{sha}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert f'<a class="lightbox" id="photo-{linked.ids["alice"]}-1" href="#_"><img src="/review/images/{sha}"' in page
    thumbnail = client.get(f"/review/images/{thumbnail_src}")
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.headers["x-content-type-options"] == "nosniff"
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) <= THUMB_SIDE < max(Image.open(io.BytesIO(image.content)).size)
    queue = client.get("/review").text
    assert queue.count('class="thumb"') == 2  # alice's and bob's listings, one photo each
    # each queue row links to the other listing carrying the same photo
    assert queue.count('class="same-photo-link"') == 2
    for me, other in (("alice", "bob"), ("bob", "alice")):
        row = queue.split(f'data-id="{linked.ids[me]}"')[1].split("</li>")[0]
        assert f'class="same-photo-link" href="/review/listings/{linked.ids[other]}?view=flagged"' in row


def _wait_until(page: Any, expression: str, seconds: float = 15) -> None:
    """Poll ``expression`` from the test: ``wait_for_function``'s polling evaluates strings in the page,
    which the review UI's CSP (no 'unsafe-eval') refuses whenever the first check comes back false."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (`make browser`)")
def test_a_moderator_sees_the_link_in_a_browser(linked: Linked) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev dependency)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(linked.settings, engine=linked.store.engine, model=object())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=["--headless", "--no-sandbox", "--disable-gpu",
                                                       "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            page.goto(f"{base}/review/login")
            page.fill("#api_key", linked.keys["moderator"])
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/review")
            _wait_until(page, "Array.from(document.querySelectorAll('.thumb img')).every(i => i.naturalWidth > 0)")
            page.screenshot(path=str(ARTIFACTS / "review-queue-photos.png"), full_page=True)
            assert page.locator(".same-photo-link").count() == 2
            page.goto(f"{base}/review/listings/{linked.ids['alice']}")
            link = page.locator(".same-photo a")
            assert link.inner_text() == f"#{linked.ids['bob']}"
            page.locator(".thumb").first.click()
            _wait_until(page, "document.querySelector('.lightbox:target img').naturalWidth > 0")
            assert page.locator(".lightbox:target").is_visible()
            page.screenshot(path=str(ARTIFACTS / "review-listing-photo-enlarged.png"))
            page.goto(f"{base}/review/listings/{linked.ids['alice']}")
            page.screenshot(path=str(ARTIFACTS / "review-listing-same-photo.png"), full_page=True)
            link.click()
            page.wait_for_url(f"**/review/listings/{linked.ids['bob']}?view=flagged")
            assert page.locator(".same-photo a").inner_text() == f"#{linked.ids['alice']}"
            browser.close()
    finally:
        server.should_exit = True
        thread.join(10)

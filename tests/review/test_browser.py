"""A real browser works the queue: Playwright drives Debian's Chromium against the app on loopback.

Screenshots go to tests/artifacts/ (gitignored).  Skipped, with the reason, when /usr/bin/chromium
is missing; `make browser` installs it (CI runs it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from api.app import create_app
from store.db import session_scope
from store.models import Review
from tests.review.conftest import World
from core.settings import PROJECT_ROOT, Settings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (`make browser`)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (dev dependency)")


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(Settings(database_url=world.store.url, var_dir=tmp_path), engine=world.store.engine, model=object())
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield instance
        instance.close()


def decisions(world: World) -> list[tuple[int, str, str, str | None]]:
    with session_scope(world.store.sessions) as session:
        return [(r.listing_id, r.decision, r.reason or "", r.note) for r in session.scalars(select(Review).order_by(Review.id))]


def test_a_moderator_logs_in_and_works_the_queue_with_the_keyboard(server: str, browser: Any, world: World) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{server}/review/login")
    page.fill("#api_key", world.keys["moderator"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/review")
    page.screenshot(path=str(ARTIFACTS / "review-queue-desktop.png"), full_page=True)
    cookie = next(c for c in context.cookies() if c["name"] == "ww_review")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""

    page.keyboard.press("Enter")  # open the top of the queue: the hostile pangolin listing
    page.wait_for_url(f"**/review/listings/{world.ids['hostile']}?view=flagged")
    assert page.locator("mark", has_text="穿山甲片").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "review-listing-desktop.png"), full_page=True)
    page.keyboard.press("d")
    page.keyboard.press("1")  # dismissed: not wildlife -> saved, next listing opens
    page.wait_for_url(f"**/review/listings/{world.ids['ivory']}?view=flagged&done={world.ids['hostile']}")
    assert page.locator(".flash").is_visible()

    page.keyboard.press("c")
    page.keyboard.press("n")
    page.keyboard.type("同一卖家 repeat photos")
    page.keyboard.press("Escape")
    page.keyboard.press("4")  # confirmed: repeat seller
    page.wait_for_url(f"**done={world.ids['ivory']}")
    assert decisions(world) == [
        (world.ids["hostile"], "dismissed", "not_wildlife", None),
        (world.ids["ivory"], "confirmed", "repeat_seller", "同一卖家 repeat photos"),
    ]
    assert dialogs == []  # the hostile listing's script never ran
    analyst = httpx.get(f"{server}/v1/reviews", headers={"Authorization": f"Bearer {world.keys['analyst']}"})
    assert [(r["listing_id"], r["decision"]) for r in analyst.json()["items"]] == [
        (world.ids["hostile"], "dismissed"), (world.ids["ivory"], "confirmed")]

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(f"{server}/review/listings/{world.ids['seahorse']}?lang=zh-Hans")
    assert "确认为非法贸易" in small.locator("label.choice.confirmed").inner_text()
    assert small.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    small.screenshot(path=str(ARTIFACTS / "review-listing-phone-zh-Hans.png"), full_page=True)
    small.goto(f"{server}/review?lang=zh-Hant")
    small.screenshot(path=str(ARTIFACTS / "review-queue-phone-zh-Hant.png"), full_page=True)
    phone.close()
    context.close()

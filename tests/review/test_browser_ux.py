"""Issue 15's review UI and reports in a real browser: Playwright drives Debian's Chromium on loopback.

A moderator reads labelled badges, follows a contact handle's linked seller, decides and undoes
with the keyboard, pages through the queue, reads Chinese species names on a phone, and opens the
nightly report signed in; an analyst signs in from the report's link.  Screenshots go to
tests/artifacts/ux-*.png (gitignored, kept by CI).  Skipped without /usr/bin/chromium (`make browser`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store.db import session_scope
from store.models import Contact, NightlyRun
from tests.nightly.test_reports import summary
from tests.review.conftest import World
from tests.review.factories import add_listing, add_seller
from tests.review.test_browser import ARTIFACTS, CHROMIUM, browser, server  # noqa: F401  (fixtures)
from wildwatch.reports import write_report
from wildwatch.reports.build import flagged_by_day

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (`make browser`)"),
]
HISTORY = {"pangolin": {"2026-11-24": 3, "2026-11-25": 40}, "elephant ivory": {"2026-11-25": 17}}
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def ux_world(world: World, tmp_path: Path) -> Iterator[dict[str, int]]:
    """The review world plus a linked twin seller, 60 more flagged listings (two queue pages) and a report."""
    with session_scope(world.store.sessions) as session:
        twin = add_seller(session, "白货行", marketplace="other.test")
        twin_listing = add_listing(session, title="白货 手镯 (twin)", score=0.52, species="elephant ivory", seller=twin,
                                   marketplace="other.test")
        session.add_all([Contact(listing_id=world.ids["ivory"], seller_id=world.seller_id, kind="wechat", value="ivory88"),
                         Contact(listing_id=twin_listing.id, seller_id=twin.id, kind="wechat", value="ivory88")])
        for n in range(60):
            add_listing(session, title=f"象牙 摆件 {n}", score=0.55, species="elephant ivory",
                        reasons=["象牙 (elephant ivory)"])
        run = NightlyRun(status="completed", stage="done", summary={}, report_path="x")
        session.add(run)
        session.flush()
        ids = {"twin": twin.id, "run": run.id}
    write_report(tmp_path / "reports", summary(
        run_id=ids["run"], flagged_history=HISTORY, flagged_by_day=flagged_by_day(HISTORY),
        newly_flagged={"count": 57, "listing_ids": [], "by_species": {"pangolin": 40, "elephant ivory": 17},
                       "by_marketplace": {"demo.test": 57}, "by_species_marketplace": []},
        top_listings=[{"id": world.ids["hostile"], "title": "穿山甲片 a very long listing title that wraps on a phone",
                       "url": "https://demo.test/item/x", "marketplace": "demo.test", "score": 0.9,
                       "species": "pangolin", "price": "¥300"}],
        errors=["alerts: subscription 3 answered HTTP 500"]))
    yield ids


def test_a_moderator_reads_badges_follows_a_seller_undoes_and_pages(
    server: str, browser: Any, world: World, ux_world: dict[str, int],  # noqa: F811
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{server}/review/login")
    page.fill("#api_key", world.keys["moderator"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/review")
    first = page.locator(".queue .item").first
    assert first.locator(".priority").inner_text() == "Priority 2.70"  # the pangolin: 0.90 x CITES I
    assert first.locator(".score").inner_text() == "score 0.90 / threshold 0.50"
    assert page.locator(".queue .item").count() == 50 and "Page 1 of 2" in page.locator("nav.pages").inner_text()
    page.screenshot(path=str(ARTIFACTS / "ux-queue-desktop.png"), full_page=True)
    page.click("#page-next")
    page.wait_for_url("**page=2")
    assert page.locator(".queue .item").count() == 64 - 50 + 1  # 65 flagged in all

    page.goto(f"{server}/review/listings/{world.ids['ivory']}")
    assert page.locator("ul.contacts").inner_text().strip() == "wechat ivory88"
    page.screenshot(path=str(ARTIFACTS / "ux-listing-network.png"), full_page=True)
    page.click("ul.linked a")
    page.wait_for_url(f"**/review/sellers/{ux_world['twin']}")
    assert "白货行" in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "ux-seller-page.png"), full_page=True)
    page.click("a.title")  # the twin's listing, to decide from the seller page
    page.wait_for_url("**/review/listings/*")  # keys pressed before the page loads go to the seller page

    page.keyboard.press("c")
    page.keyboard.press("1")
    page.wait_for_url("**done=*")
    assert "Undo" in page.locator(".flash").inner_text()
    page.screenshot(path=str(ARTIFACTS / "ux-saved-with-undo.png"), full_page=True)
    page.keyboard.press("z")
    page.wait_for_url("**undone=1")
    assert "Decision undone" in page.locator(".flash").inner_text()
    assert page.locator("li.undone").count() == 1

    phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True,
                                storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(f"{server}/review/listings/{world.ids['seahorse']}?lang=zh-Hans")
    assert small.locator(".meta .species").inner_text() == "海马"
    assert small.locator(".meta .score").inner_text() == "评分 0.95 / 阈值 0.50"
    assert small.evaluate(FITS)
    small.screenshot(path=str(ARTIFACTS / "ux-listing-phone-zh-Hans.png"), full_page=True)
    small.goto(f"{server}/review?lang=zh-Hant")
    assert small.evaluate(FITS)
    small.screenshot(path=str(ARTIFACTS / "ux-queue-phone-zh-Hant.png"), full_page=True)

    small.goto(f"{server}/reports/latest/")  # the moderator's session opens the report
    assert small.locator("#headline-flagged").inner_text() == "57"
    assert small.evaluate(FITS), "the report fits a 375 px phone"
    assert small.locator("#errors li").inner_text() == "alerts: subscription 3 answered HTTP 500"
    small.screenshot(path=str(ARTIFACTS / "ux-report-phone.png"), full_page=True)
    small.click("table.listings a.review")
    small.wait_for_url(f"**/review/listings/{world.ids['hostile']}")
    phone.close()
    context.close()


def test_an_analyst_signs_in_from_the_report_link(
    server: str, browser: Any, world: World, ux_world: dict[str, int],  # noqa: F811
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{server}/reports/latest/")
    page.wait_for_url("**/review/login?next=*")
    page.fill("#api_key", world.keys["analyst"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/reports/{ux_world['run']}/")
    assert page.locator("h1").inner_text() == "WildWatch nightly report"
    total = page.locator("table.crawl tfoot td").first.bounding_box()
    pages = page.locator("table.crawl thead th").nth(3).bounding_box()
    assert abs((total["x"] + total["width"]) - (pages["x"] + pages["width"])) < 2, "Total lines up with Pages"
    page.screenshot(path=str(ARTIFACTS / "ux-report-desktop.png"), full_page=True)
    context.close()

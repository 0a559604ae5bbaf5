"""Reports as a signed-in reader sees them (issue 15, capability 4): the real app, the review session cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, migrate, session_scope
from store.models import NightlyRun
from tests.nightly.test_reports import summary
from tests.review.conftest import csrf_of
from wildwatch.reports import write_report
from wildwatch.reports.build import flagged_by_day
from core.settings import Settings

HISTORY = {"pangolin": {"2026-11-24": 3, "2026-11-25": 40}, "elephant": {"2026-11-25": 17}}


@pytest.fixture
def reports(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    url = f"sqlite:///{tmp_path / 'ww.db'}"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(make_session_factory(engine)) as session:
        keys = {role: create_api_key(session, role=role, name=f"{role}-bo")[1] for role in ("analyst", "moderator")}
        run = NightlyRun(status="completed", stage="done", summary={}, report_path="x")
        session.add(run)
        session.flush()
        run_id = run.id
    report = summary(
        run_id=run_id, flagged_history=HISTORY, flagged_by_day=flagged_by_day(HISTORY),
        newly_flagged={"count": 57, "listing_ids": [], "by_species": {"pangolin": 40, "elephant": 17},
                       "by_marketplace": {"m.example": 57}, "by_species_marketplace": []},
        top_listings=[{"id": 41, "title": "穿山甲片 正品", "url": "https://m.example/item/41", "marketplace": "m.example",
                       "score": 0.97, "species": "pangolin;tiger", "price": "¥300"}],
        errors=["alerts: subscription 3 answered HTTP 500", "crawl of http://m.example/ (site demo): failed"],
    )
    write_report(tmp_path / "var" / "reports", report)
    app = create_app(Settings(database_url=url, var_dir=tmp_path / "var"), engine=engine, model=object())
    with TestClient(app, base_url="http://testserver") as client:
        yield client, keys
    engine.dispose()


def sign_in(client: TestClient, key: str, next_path: str = "") -> str:
    page = client.get("/review/login" + (f"?next={next_path}" if next_path else ""))
    form = {"api_key": key, "csrf": csrf_of(page.text)}
    if next_path:
        assert f'name="next" value="{next_path}"' in page.text
        form["next"] = next_path
    response = client.post("/review/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


BROWSER = {"Accept": "text/html,application/xhtml+xml"}


def test_a_browser_without_a_session_is_sent_to_sign_in_and_back(reports: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = reports
    response = client.get("/reports/latest/", headers=BROWSER, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/review/login?next=%2Freports%2Flatest%2F"
    assert client.get("/reports/latest/").status_code == 401  # an API client still gets the JSON error
    assert sign_in(client, keys["analyst"], "/reports/latest/") == "/reports/latest/"
    page = client.get("/reports/latest/", headers=BROWSER)
    assert page.status_code == 200 and "WildWatch nightly report" in page.text


@pytest.mark.parametrize("role", ["analyst", "moderator"])
def test_a_signed_in_reviewer_or_analyst_reads_every_report_file(reports: tuple[TestClient, dict[str, str]],
                                                                 role: str) -> None:
    client, keys = reports
    landing = sign_in(client, keys[role])
    assert landing == ("/reports/latest/" if role == "analyst" else "/review")
    for path in ("/reports/", "/reports/1/", "/reports/1/summary.json", "/reports/1/flagged_by_species.png"):
        assert client.get(path).status_code == 200, path
    if role == "analyst":  # an analyst's session reads reports, never decides
        assert client.get("/review", follow_redirects=False).headers["location"] == "/review/login"


def test_login_never_redirects_off_site(reports: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = reports
    page = client.get("/review/login?next=//evil.example/")
    assert 'name="next"' not in page.text
    form = {"api_key": keys["moderator"], "csrf": csrf_of(page.text), "next": "https://evil.example/"}
    assert client.post("/review/login", data=form, follow_redirects=False).headers["location"] == "/review"


def test_the_page_reads_on_a_phone_links_to_wildwatch_and_lists_errors(
    reports: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = reports
    html = client.get("/reports/1/", headers={"X-API-Key": keys["analyst"]}).text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media (max-width: 600px)" in html
    row = re.search(r'<table class="stack listings">.*?</table>', html, re.S)
    assert row is not None
    links = re.findall(r'<a class="(\w+)" href="([^"]+)"', row.group(0))
    assert links == [("review", "/review/listings/41"), ("source", "https://m.example/item/41")]
    assert '<a href="/review/sellers/1">' in html
    # the Total row: a row header spanning the text columns, then one number cell per numeric column
    total = re.search(r"<tfoot><tr>(.*?)</tr></tfoot>", html, re.S)
    assert total is not None
    cells = re.findall(r"<(t[hd])([^>]*)>", total.group(1))
    assert cells[0] == ("th", ' scope="row" colspan="3"') and cells[1:] == [("td", ' class="n"')] * 5
    header = re.search(r'<table class="crawl"><thead><tr>(.*?)</tr>', html, re.S)
    assert header is not None and len(re.findall(r'<th class="n">', header.group(1))) == 5
    errors = html[html.index('<section id="errors">'):]
    assert "Errors (2)" in errors and "subscription 3 answered HTTP 500" in errors
    assert "http_404" in errors  # the pages skipped, by cause
    assert 'href="#errors"><b>2</b>errors, 2 pages skipped' in html


def test_the_chart_caption_quotes_the_days_total(reports: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = reports
    html = client.get("/reports/1/", headers={"X-API-Key": keys["analyst"]}).text
    assert "2026-11-25: 57 first flagged that day, 57 of them by this run." in html
    assert client.get("/reports/1/summary.json", headers={"X-API-Key": keys["analyst"]}).json()["flagged_by_day"] == {
        "2026-11-24": 3, "2026-11-25": 57}

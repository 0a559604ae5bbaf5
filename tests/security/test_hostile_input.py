"""SQL injection and XSS stored as listing text, CSRF on the review forms, path traversal on
snapshot downloads, oversized and malformed request bodies."""

from __future__ import annotations

import csv
import html
import io
import os

import pytest
from markupsafe import escape
from sqlalchemy import func, select, update

from store.models import Listing, Review, Snapshot
from tests.faults.tally import note
from tests.security.conftest import PAYLOADS, SecureWorld

_SCRIPTY = [p for p in PAYLOADS if "<" in p]


def _login(world: SecureWorld, role: str = "moderator") -> str:
    """Sign in to the review UI; returns the session's CSRF token."""
    page = world.client.get("/review/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    response = world.client.post("/review/login", data={"api_key": world.keys[role], "csrf": token},
                                 follow_redirects=False)
    assert response.status_code == 303
    listing = world.client.get(f"/review/listings/{world.listing_ids[0]}")
    return listing.text.split('name="csrf" value="')[1].split('"')[0]


def _count(world: SecureWorld, model) -> int:  # type: ignore[no-untyped-def]
    with world.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_payloads_are_data_in_every_filter(world: SecureWorld, payload: str) -> None:
    before = _count(world, Listing)
    analyst = world.headers("analyst")
    detail = world.client.get(f"/v1/listings/{world.hostile_ids[payload]}", headers=analyst)
    assert detail.status_code == 200 and detail.json()["description"] == payload  # stored verbatim
    for path, params in [("/v1/listings", {"q": payload}), ("/v1/listings", {"species": payload}),
                         ("/v1/listings", {"marketplace": payload, "sort": payload}), ("/v1/sellers", {"marketplace": payload}),
                         ("/v1/stats", {"q": payload, "species": payload}), ("/v1/export", {"q": payload}),
                         ("/v1/listings", {"cursor": payload}), ("/v1/reviews", {"decision": payload})]:
        response = world.client.get(path, params=params, headers=analyst)
        note("security/requests")
        assert response.status_code < 500, f"{path} {params}: {response.text[:300]}"
    assert _count(world, Listing) == before


@pytest.mark.parametrize("payload", _SCRIPTY)
def test_xss_payloads_are_escaped_in_the_review_ui(world: SecureWorld, payload: str) -> None:
    _login(world)
    listing_id = world.hostile_ids[payload]
    pages = [world.client.get("/review"), world.client.get(f"/review/listings/{listing_id}")]
    for page in pages:
        note("security/requests")
        assert page.status_code == 200
        assert payload not in page.text, "a stored payload reached the page unescaped"
        assert "onerror=alert" not in page.text.replace("onerror=alert(1)&gt;", "")
    tag = payload[payload.index("<"):]
    assert str(escape(tag)) in pages[1].text or html.escape(tag, quote=False) in pages[1].text


def test_csv_export_neutralises_spreadsheet_formulas(world: SecureWorld) -> None:
    """A marketplace can plant '=HYPERLINK(...)' in a title; analysts open exports in Excel."""
    response = world.client.get("/v1/export", params={"format": "csv"}, headers=world.headers("analyst"))
    assert response.status_code == 200
    for row in csv.DictReader(io.StringIO(response.text)):
        for column in ("title", "description", "seller"):
            assert not (row[column] or " ")[0] in "=+-@\t\r", f"{column}={row[column]!r} would run as a formula"


def test_review_decision_needs_the_sessions_csrf_token_and_same_origin(world: SecureWorld) -> None:
    token = _login(world)
    target = f"/review/listings/{world.listing_ids[0]}/decision"
    form = {"decision": "confirmed", "reason": "protected_species"}
    attempts = [
        ({**form}, {}),  # no token
        ({**form, "csrf": "forged"}, {}),
        ({**form, "csrf": token}, {"Origin": "https://evil.example"}),
        ({**form, "csrf": token}, {"Origin": "null"}),
    ]
    for data, headers in attempts:
        response = world.client.post(target, data=data, headers=headers, follow_redirects=False)
        note("security/requests")
        assert response.status_code == 403, (data, headers, response.status_code)
    assert _count(world, Review) == 0
    ok = world.client.post(target, data={**form, "csrf": token}, headers={"Origin": "http://testserver"},
                           follow_redirects=False)
    assert ok.status_code == 303 and _count(world, Review) == 1


def test_login_form_needs_its_token(world: SecureWorld) -> None:
    response = world.client.post("/review/login", data={"api_key": world.keys["admin"]}, follow_redirects=False)
    assert response.status_code == 403 and "ww_review" not in response.cookies
    world.client.get("/review/login")
    forged = world.client.post("/review/login", data={"api_key": world.keys["admin"], "csrf": "x"},
                               follow_redirects=False)
    assert forged.status_code == 403


def test_session_cookie_flags(world: SecureWorld) -> None:
    page = world.client.get("/review/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    response = world.client.post("/review/login", data={"api_key": world.keys["moderator"], "csrf": token},
                                 follow_redirects=False)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("ww_review="))
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/review" in cookie


@pytest.mark.parametrize("stored_path", ["../../../../../../etc/passwd", "/etc/passwd", "..%2f..%2fetc%2fpasswd",
                                         "ab/../../outside.gz", "symlink.gz"])
def test_snapshot_download_never_leaves_the_snapshot_dir(world: SecureWorld, stored_path: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "outside.gz"
    secret.write_bytes(b"TOP SECRET")
    if stored_path == "symlink.gz":
        os.symlink(secret, world.snapshot_dir / "symlink.gz")
    with world.engine.begin() as conn:
        conn.execute(update(Snapshot).values(path=stored_path))
    api = world.client.get(f"/v1/listings/{world.listing_ids[0]}/snapshot", headers=world.headers("analyst"))
    note("security/requests")
    assert api.status_code == 404 and b"root:" not in api.content and b"SECRET" not in api.content
    _login(world)
    with world.engine.connect() as conn:
        snapshot_id = conn.execute(select(Snapshot.id)).scalar_one()
    ui = world.client.get(f"/review/snapshots/{snapshot_id}")
    assert ui.status_code == 404 and b"root:" not in ui.content and b"SECRET" not in ui.content


@pytest.mark.parametrize("name", ["..%2F..%2Fapp.py", "../../app.py", "%2e%2e/%2e%2e/errors.py", "app.css%00.py"])
def test_static_files_are_a_closed_list(world: SecureWorld, name: str) -> None:
    response = world.client.get(f"/review/static/{name}")
    assert response.status_code == 404 and b"import" not in response.content


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "' + b"x" * (20 * 1024 * 1024) + b'"}',  # 20 MB
        b"[" * 100_000 + b"]" * 100_000,  # deeply nested JSON
        b'{"title": "\xff\xfe\x00"}',  # not UTF-8
        b'{"title": 1e999999}',
        b'{"title": ["' + b"x" * 1000 + b'"] }',
    ],
    ids=["20MB", "nested", "not-utf8", "huge-number", "wrong-type"],
)
def test_oversized_and_malformed_bodies_are_client_errors(world: SecureWorld, body: bytes) -> None:
    response = world.client.post("/v1/score", content=body, headers={**world.headers("analyst"),
                                                                      "Content-Type": "application/json"})
    note("security/requests")
    assert 400 <= response.status_code < 500, response.text[:300]


@pytest.mark.parametrize(("note_length", "status"), [(10_000, 422), (100_000, 413)])
def test_oversized_form_fields_are_refused(world: SecureWorld, note_length: int, status: int) -> None:
    """A note over its 4,000 characters is a 422; a form over the route's body limit never gets read (413)."""
    token = _login(world)
    response = world.client.post(f"/review/listings/{world.listing_ids[0]}/decision", follow_redirects=False,
                                 data={"decision": "confirmed", "reason": "other", "note": "n" * note_length,
                                       "csrf": token})
    assert response.status_code == status and _count(world, Review) == 0

"""GET /v1/listings/{id}/evidence.wacz and the review UI's "Download evidence": signed, verifiable, audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from core.evidence.verify import verify_package
from core.settings import Settings
from store.apikeys import create_api_key
from store.db import session_scope
from store.models import AuditLog, ImageRecord, Listing, Snapshot
from tests.evidence.seed import Case, seed_case, seed_photos
from tests.review.conftest import login
from wildwatch.runtime import Store, open_store


@dataclass
class App:
    client: TestClient
    store: Store
    case: Case
    keys: dict[str, str]
    settings: Settings


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    store = open_store(f"sqlite:///{tmp_path / 'ww.db'}")
    settings = Settings(database_url=store.url, var_dir=tmp_path,
                        crawler={"snapshot_dir": tmp_path / "snaps"},  # type: ignore[arg-type]
                        images={"dir": tmp_path / "images"})  # type: ignore[arg-type]
    with session_scope(store.sessions) as session:
        case = seed_case(session, tmp_path / "snaps")
        seed_photos(session, case, tmp_path / "images")
        keys = {role: create_api_key(session, role=role, name=f"{role}-bob")[1] for role in ("analyst", "moderator")}
    with TestClient(create_app(settings, engine=store.engine, model=object())) as client:
        yield App(client, store, case, keys, settings)
    store.close()


def _audit(app: App) -> list[AuditLog]:
    with app.store.sessions() as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == "evidence.export")))


def test_analyst_downloads_a_verifiable_package_and_the_download_is_audited(app: App, tmp_path: Path) -> None:
    listing_id = app.case.ids["ivory"]
    response = app.client.get(f"/v1/listings/{listing_id}/evidence.wacz",
                              headers={"Authorization": f"Bearer {app.keys['analyst']}", "Accept-Language": "zh-HK"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/wacz"
    assert f"wildwatch-case-listing-{listing_id}-" in response.headers["content-disposition"]
    package = tmp_path / "download.wacz"
    package.write_bytes(response.content)
    result = verify_package(package)
    assert (result.pages, result.records) == (4, 1 + 3 * 2 + 1 + 3)  # + 2 photos and a re-fetch of one
    [row] = _audit(app)
    assert (row.actor, row.target_id, row.detail["via"]) == ("analyst-bob", str(listing_id), "api")
    assert list(tmp_path.glob("wildwatch-evidence-*")) == []


def test_errors(app: App) -> None:
    auth = {"Authorization": f"Bearer {app.keys['analyst']}"}
    assert app.client.get("/v1/listings/999999/evidence.wacz", headers=auth).status_code == 404
    assert app.client.get(f"/v1/listings/{app.case.ids['ivory']}/evidence.wacz").status_code == 401
    with session_scope(app.store.sessions) as session:
        listing = session.get(Listing, app.case.ids["pangolin"])
        assert listing is not None
        snapshot = session.get(Snapshot, listing.snapshot_id)
        assert snapshot is not None
        (app.settings.crawler.snapshot_dir / snapshot.path).unlink()
    response = app.client.get(f"/v1/listings/{app.case.ids['pangolin']}/evidence.wacz", headers=auth)
    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith(f"listing {app.case.ids['pangolin']} version 1:")
    with session_scope(app.store.sessions) as session:
        for image in session.scalars(select(ImageRecord)):
            (app.settings.images.dir / image.path).unlink()
    response = app.client.get(f"/v1/listings/{app.case.ids['ivory']}/evidence.wacz", headers=auth)
    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith(f"listing {app.case.ids['ivory']}: its photo ")
    assert _audit(app) == []


def test_review_ui_offers_the_download_and_audits_it(app: App, tmp_path: Path) -> None:
    listing_id = app.case.ids["ivory"]
    assert app.client.get(f"/review/listings/{listing_id}/evidence.wacz", follow_redirects=False).status_code == 303
    login(app.client, app.keys["moderator"])
    page = app.client.get(f"/review/listings/{listing_id}?lang=zh-Hans")
    assert f'href="/review/listings/{listing_id}/evidence.wacz"' in page.text and "下载证据包" in page.text
    response = app.client.get(f"/review/listings/{listing_id}/evidence.wacz")
    assert response.status_code == 200
    (tmp_path / "ui.wacz").write_bytes(response.content)
    assert verify_package(tmp_path / "ui.wacz").pages == 4
    [row] = _audit(app)
    assert (row.actor, row.detail["via"]) == ("moderator-bob", "review-ui")

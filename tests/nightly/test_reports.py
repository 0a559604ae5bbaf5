"""The run report: readable HTML (escaped, chart embedded), JSON beside it, served behind a key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, session_scope
from store.models import NightlyRun
from wildwatch.reports import render_html, write_report
from core.settings import Settings


def summary(run_id: int = 7, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "version": 1, "run_id": run_id, "started_at": "2026-11-25T02:30:00+00:00",
        "finished_at": "2026-11-25T03:10:00+00:00", "model_version": "2026.11.25-1", "sites": ["demo"],
        "crawl": {"totals": {"pages": 437, "new": 3, "updated": 1, "unchanged": 225, "errors": 2},
                  "runs": [{"crawl_run_id": 1, "site": "demo", "start_url": "http://m.example/", "status": "completed",
                            "pages": 437, "new": 3, "updated": 1, "unchanged": 225, "bytes": 1, "errors": {"http_404": 2}}]},
        "scored": 4,
        "newly_flagged": {"count": 2, "listing_ids": [1, 2], "by_species": {"pangolin": 2},
                          "by_marketplace": {"m.example": 2},
                          "by_species_marketplace": [{"species": "pangolin", "marketplace": "m.example", "count": 2}]},
        "top_listings": [{"id": 1, "title": "穿山甲片 正品", "url": "javascript:alert(1)", "marketplace": "m.example",
                          "score": 0.97, "species": "pangolin", "price": "¥300"}],
        "top_sellers": [{"seller_id": 1, "name": "老王收藏", "marketplace": "m.example", "url": None,
                         "flagged_listings": 5, "new_flagged": 2}],
        "review_backlog": {"unreviewed": 9, "oldest_scored_at": "2026-11-20T02:00:00+00:00"},
        "queues": {"to_score": 0, "alerts_pending": 0, "alerts_failed": 0, "review_backlog": 9},
        "alerts": {"status": "ok", "enqueued": 2, "sent": 2}, "retention": {},
        "flagged_history": {"pangolin": {"2026-11-24": 1, "2026-11-25": 2}, "tiger": {"2026-11-25": 1}},
        "errors": [],
    }
    return base | extra


def test_report_page_has_the_briefing_sections_and_escapes_listing_text(tmp_path: Path) -> None:
    path = write_report(tmp_path, summary(top_sellers=[{"seller_id": 1, "name": "<script>alert(1)</script>",
                                                         "marketplace": "m", "url": None, "flagged_listings": 1,
                                                         "new_flagged": 1}]))
    html = path.read_text(encoding="utf-8")
    for heading in ("New flagged listings by species", "by marketplace", "Top sellers", "Review backlog",
                    "What was crawled", "Errors", "2026.11.25-1"):
        assert heading in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "穿山甲片 正品" in html and 'href="javascript:' not in html
    assert 'src="data:image/png;base64,' in html
    assert (path.parent / "flagged_by_species.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((path.parent / "summary.json").read_text(encoding="utf-8"))["run_id"] == 7
    assert not list(path.parent.glob(".*")), "no temp files left behind"


def test_a_quiet_night_renders_without_a_chart() -> None:
    html = render_html(summary(flagged_history={}, newly_flagged={"count": 0, "by_species": {}, "by_marketplace": {},
                                                                 "by_species_marketplace": []}), None)
    assert "No newly flagged listings tonight." in html and "data:image/png" not in html


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = f"sqlite:///{tmp_path / 'ww.db'}"
    settings = Settings(database_url=url, var_dir=tmp_path / "var")
    engine = make_engine(url)
    from store.db import migrate

    migrate(engine)
    with session_scope(make_session_factory(engine)) as session:
        _, key = create_api_key(session, role="analyst", name="reports")
        run = NightlyRun(status="completed", stage="done", summary=summary(), report_path="x")
        session.add(run)
        session.flush()
        run_id = run.id
    write_report(tmp_path / "var" / "reports", summary(run_id=run_id))
    with TestClient(create_app(settings, engine=engine, model=object())) as test_client:
        yield test_client, key
    engine.dispose()


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("/reports/1/", 200, "text/html"),
        ("/reports/1/summary.json", 200, "application/json"),
        ("/reports/1/flagged_by_species.png", 200, "image/png"),
        ("/reports/latest/", 200, "text/html"),
        ("/reports/2/", 404, "application/json"),
        ("/reports/1/..%2F..%2Fww.db", 404, "application/json"),
        ("/reports/1/%2e%2e/%2e%2e/ww.db", 404, "application/json"),
        ("/reports/..%2F..%2F/index.html", 404, "application/json"),
    ],
)
def test_reports_are_served_by_run_id_only(client: tuple[TestClient, str], path: str, status: int, kind: str) -> None:
    test_client, key = client
    response = test_client.get(path, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(kind)


def test_reports_need_a_key(client: tuple[TestClient, str]) -> None:
    test_client, key = client
    assert test_client.get("/reports/1/").status_code == 401
    listing = test_client.get("/reports/", headers={"X-API-Key": key}).json()
    assert listing["items"][0]["report"] == "/reports/1/"

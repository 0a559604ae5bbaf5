"""API fixtures: the real app over a real store (SQLite and PostgreSQL), seeded, with a key per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from store.apikeys import create_api_key
from store.db import make_session_factory, session_scope
from tests.fakes import FakeModel
from tests.databases import BACKENDS, Databases, engine_for
from tests.store.seed import Seeded, seed_store
from core.settings import Settings


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]  # role -> key
    seeded: Seeded

    def get(self, path: str, role: str = "analyst", **kwargs):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers={"Authorization": f"Bearer {self.keys[role]}"}, **kwargs)

    def post(self, path: str, role: str = "analyst", **kwargs):  # type: ignore[no-untyped-def]
        return self.client.post(path, headers={"Authorization": f"Bearer {self.keys[role]}"}, **kwargs)


def make_settings(tmp_path: Path, url: str, **api: object) -> Settings:
    settings = Settings(database_url=url, var_dir=tmp_path)
    settings.crawler.snapshot_dir = tmp_path / "snapshots"
    for name, value in api.items():
        setattr(settings.api, name, value)
    return settings


@pytest.fixture(scope="session")
def seeded_databases(tmp_path_factory: pytest.TempPathFactory) -> Databases:
    """Databases of their own: the tests using ``engine`` empty theirs between tests."""
    return Databases(tmp_path_factory.mktemp("api-seeded-template"))


@pytest.fixture(scope="session", params=BACKENDS)
def api(request: pytest.FixtureRequest, seeded_databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One seeded store and app per backend, shared by the tests (they only add keys and audit rows)."""
    tmp_path = tmp_path_factory.mktemp(f"api-{request.param}")
    with engine_for(seeded_databases, request.param, tmp_path) as engine:
        settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False), rate_limit_per_minute=0)
        factory = make_session_factory(engine)
        keys = {}
        with session_scope(factory) as session:
            seeded = seed_store(session, settings.crawler.snapshot_dir)
            for role in ("analyst", "moderator", "admin"):
                keys[role] = create_api_key(session, role=role, name=f"test {role}")[1]
        app = create_app(settings, engine=engine, model=FakeModel())
        with TestClient(app) as client:
            yield Api(client=client, keys=keys, seeded=seeded)

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from store.apikeys import create_api_key
from store.db import session_scope
from tests.review.factories import add_listing, add_seller, make_store, store_for
from wildwatch.runtime import Store
from core.settings import Settings

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass
class World:
    """A store with keys, a repeat seller and flagged listings of every kind the queue shows."""

    store: Store
    keys: dict[str, str]
    ids: dict[str, int]
    seller_id: int


def build_world(store: Store) -> World:
    with session_scope(store.sessions) as session:
        keys = {role: create_api_key(session, role=role, name=f"{role}-alice")[1]
                for role in ("analyst", "moderator", "admin")}
        repeat = add_seller(session, "ivory_king")
        other = add_seller(session, "tea_shop")
        ids = {
            "ivory": add_listing(session, title="象牙手镯 ivory bangle 保真", description="老象牙，加微信 ivory88",
                                 score=0.82, species="elephant ivory", reasons=["lexicon: 象牙", 'code word "保真"'],
                                 seller=repeat).id,
            "ivory2": add_listing(session, title="猛犸象牙 吊坠", score=0.75, species="elephant ivory",
                                  reasons=["lexicon: 象牙"], seller=repeat).id,
            "seahorse": add_listing(session, title="干海马 药材", score=0.95, species="seahorse",
                                    reasons=["lexicon: 海马"], seller=other).id,
            "hostile": add_listing(session, title=f"穿山甲片 {HOSTILE}", description=HOSTILE, score=0.9,
                                   species="pangolin", reasons=["lexicon: 穿山甲片", f"lexicon: {HOSTILE}"]).id,
            "borderline": add_listing(session, title="牛角梳子", score=0.46, reasons=["lexicon: 角"]).id,
            "clean": add_listing(session, title="普洱茶饼", score=0.02).id,
        }
        seller_id = repeat.id
    return World(store, keys, ids, seller_id)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The world on SQLite and on PostgreSQL."""
    with store_for(request, tmp_path) as store:
        yield build_world(store)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with make_store(tmp_path) as store:
        yield build_world(store)


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=world.store.url, var_dir=tmp_path,
                        crawler={"snapshot_dir": tmp_path / "snapshots"})  # type: ignore[arg-type]
    app = create_app(settings, engine=world.store.engine, model=object())
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def login(client: TestClient, key: str) -> None:
    page = client.get("/review/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    response = client.post("/review/login", data={"api_key": key, "csrf": token}, follow_redirects=False)
    assert response.status_code == 303, response.text


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"')[0]

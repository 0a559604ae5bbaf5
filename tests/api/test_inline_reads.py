"""GET /v1/listings read on the event loop (SQLite, store.inline_reads) answers exactly as read in a thread.

And when the inline read does not answer (over its time limit, or the database locked) the
request still gets its page from the thread, while the loop goes on serving other requests.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from store.apikeys import create_api_key
from store.db import make_session_factory, session_scope, sqlite_file
from store.inline_reads import InlineReader
from tests.api.conftest import make_settings
from tests.databases import Databases, engine_for
from tests.fakes import FakeModel
from tests.store.seed import seed_store

PAGES = [
    {"limit": "3"},
    {"flagged": "true", "species": "pangolin"},
    {"q": "象牙", "limit": "2"},
    {"q": "ivory", "sort": "score"},
    {"species": "elephant", "min_score": "0.5", "sort": "first_seen", "limit": "2"},
    {"lang": "zh-Hant", "sort": "-score"},
]


@pytest.fixture
def store(databases: Databases, tmp_path: Path) -> Iterator[tuple[Engine, Path, str]]:
    with engine_for(databases, "sqlite", tmp_path) as engine:
        with session_scope(make_session_factory(engine)) as session:
            seed_store(session, tmp_path / "snapshots")
            key = create_api_key(session, role="analyst", name="inline")[1]
        yield engine, tmp_path, key


def _app(store: tuple[Engine, Path, str]) -> FastAPI:
    engine, tmp_path, _ = store
    settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False), rate_limit_per_minute=0)
    return create_app(settings, engine=engine, model=FakeModel())


def _every_page(client: TestClient, key: str, params: dict[str, str]) -> list[bytes]:
    pages, cursor = [], None
    while True:
        response = client.get("/v1/listings", params={**params, **({"cursor": cursor} if cursor else {})},
                              headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text
        pages.append(response.content)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


def _reader(app: FastAPI, **kwargs: Any) -> InlineReader:
    reader = InlineReader.for_engine(app.state.engine, steps=1, **kwargs)
    assert reader is not None
    reader.open()
    app.state.inline_reader = reader
    return reader


def test_sqlite_apps_read_pages_inline(store: tuple[Engine, Path, str]) -> None:
    app = _app(store)
    assert isinstance(app.state.inline_reader, InlineReader)
    with TestClient(app) as client:
        for _ in range(50):  # the reader is opened in a thread on the first page
            _every_page(client, store[2], PAGES[0])
            if app.state.inline_reader.ready:
                break
        assert app.state.inline_reader.ready
    assert not app.state.inline_reader.ready  # closed with the app


@pytest.mark.parametrize("params", PAGES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_pages_read_inline_or_over_the_limit_are_the_pages_read_in_a_thread(
    store: tuple[Engine, Path, str], params: dict[str, str]
) -> None:
    app = _app(store)
    key = store[2]
    with TestClient(app) as client:
        app.state.inline_reader = None
        threaded = _every_page(client, key, params)
        reader = _reader(app, budget=60.0)
        assert _every_page(client, key, params) == threaded
        assert not reader._slow  # every page was answered inline
        reader.close()
        reader = _reader(app, budget=-1.0)  # every read interrupted at its first look at the clock
        assert _every_page(client, key, params) == threaded
        assert reader._slow  # ... and they were tried inline, then read in the thread
        reader.close()


def test_a_locked_database_does_not_hold_up_the_loop(store: tuple[Engine, Path, str]) -> None:
    engine, _, key = store
    app = _app(store)
    headers = {"Authorization": f"Bearer {key}"}
    params = {"flagged": "true", "species": "pangolin"}
    with TestClient(app) as client:
        expected = client.get("/v1/listings", params=params, headers=headers)  # also caches the key
        assert expected.status_code == 200
    engine.dispose()
    reader = _reader(app, budget=60.0)  # opened, has not read: holds no lock the holder would wait for
    holder = sqlite3.connect(sqlite_file(engine), check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE listings SET title = title WHERE id = 1")
    holder.commit()  # in exclusive locking mode the lock outlives the transaction

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            page = asyncio.ensure_future(client.get("/v1/listings", params=params, headers=headers))
            for _ in range(20):  # the page waits for the lock in a thread; the loop serves others
                response = await asyncio.wait_for(client.get("/openapi.json"), 10)
                assert response.status_code == 200
                assert not page.done()
            threading.Thread(target=holder.close).start()
            response = await asyncio.wait_for(page, 30)
            assert response.status_code == 200
            assert response.content == expected.content

    try:
        asyncio.run(main())
    finally:
        holder.close()
        reader.close()

"""Property-based run of the OpenAPI schema: no input may produce a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from sqlalchemy import Engine, text

from api.app import create_app
from store.apikeys import create_api_key
from store.db import make_session_factory, session_scope
from tests.api.conftest import make_settings
from tests.fakes import FakeModel
from tests.databases import Databases, engine_for
from tests.schemathesis_run import run_all_operations
from tests.store.seed import seed_store

#: Backend and role in pairs, not all four: the role decides which operations answer (admin sees
#: every analyst operation and more), the backend how they are stored; each half of the run takes
#: 18 s on a slow 2-core machine. tests/security/test_schemathesis_roles.py runs the moderator.
PAIRS = [pytest.param(("sqlite", "analyst"), id="analyst-sqlite"),
         pytest.param(("postgresql", "admin"), id="admin-postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=PAIRS)
def api_schema(request: pytest.FixtureRequest, databases: Databases, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    backend, role = request.param
    with engine_for(databases, backend, tmp_path_factory.mktemp("schemathesis")) as engine:
        yield _schema(engine, role, tmp_path_factory)


def _schema(schemathesis_engine: Engine, role: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp_path: Path = tmp_path_factory.mktemp("schemathesis-app")
    url = schemathesis_engine.url.render_as_string(hide_password=False)
    settings_ = make_settings(tmp_path, url, rate_limit_per_minute=0)
    with session_scope(make_session_factory(schemathesis_engine)) as session:
        if not session.execute(text("SELECT 1 FROM listings LIMIT 1")).first():
            seed_store(session, settings_.crawler.snapshot_dir)
        key = create_api_key(session, role=role, name=f"schemathesis {role}")[1]
    app = create_app(settings_, engine=schemathesis_engine, model=FakeModel())
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    loaded.config.headers = {"Authorization": f"Bearer {key}"}
    return loaded.exclude(method="DELETE")


def test_no_server_errors(api_schema) -> None:  # type: ignore[no-untyped-def]
    """Every operation, with generated valid and invalid input; the pytest plugin is not used
    because schemathesis' lazy fixture support breaks on pytest 9."""
    failures, calls = run_all_operations(api_schema, examples=40)
    assert not failures, "\n\n".join(failures)
    assert len(set(calls)) >= 10  # every operation was exercised

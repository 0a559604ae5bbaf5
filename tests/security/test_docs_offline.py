"""/docs works on a machine without internet, offers "Authorize" for a key, and can be switched off.

Before issue 14 the page loaded Swagger UI from a CDN (blank offline) and the OpenAPI had no
security scheme.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.security.conftest import SecureWorld, sqlite_world


def _assets(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""", html)


def test_docs_pages_load_only_local_assets(world: SecureWorld) -> None:
    for page in ("/docs", "/redoc"):
        response = world.client.get(page)  # open: no key (they describe the API, they hold no data)
        assert response.status_code == 200
        html = response.text
        assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", html), re.findall(r"https?://[^\"' ]+", html)
        assets = [a or b for a, b in _assets(html)]
        assert any(a.endswith(".js") for a in assets)
        for asset in assets:
            fetched = world.client.get(asset)
            assert fetched.status_code == 200, asset
            assert len(fetched.content) > (100_000 if asset.endswith(".js") else 100)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "http" not in csp


def test_openapi_declares_the_key_schemes_on_every_keyed_operation(world: SecureWorld) -> None:
    spec = world.client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(
        s for s in schemes.values() if s["type"] == "http").items()
    assert any(s["type"] == "apiKey" and s["name"] == "X-API-Key" and s["in"] == "header" for s in schemes.values())
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    for path, method, op in operations:
        if path == "/healthz":
            assert not op.get("security"), (path, method)
        else:
            assert op.get("security"), (path, method)


def test_a_key_entered_in_docs_works_as_the_bearer_scheme_says(world: SecureWorld) -> None:
    """What "Authorize" sends: either declared scheme is accepted by the API."""
    assert world.client.get("/v1/stats", headers={"Authorization": f"Bearer {world.keys['analyst']}"}).status_code == 200
    assert world.client.get("/v1/stats", headers={"X-API-Key": world.keys["analyst"]}).status_code == 200


def test_docs_can_be_switched_off(tmp_path: Path) -> None:
    with sqlite_world(tmp_path, docs=False) as closed:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/static/swagger-ui-bundle.js"):
            assert closed.client.get(path).status_code == 404, path

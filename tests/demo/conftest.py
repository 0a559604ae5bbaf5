"""A real demo marketplace on a loopback port, shared by the demo tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from wildwatch.demo.server import DemoServer, load_listings, make_server


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    with make_server(port=0) as server:
        yield server


@pytest.fixture(scope="session")
def client(demo_server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo_server.url, follow_redirects=False, timeout=10) as http:
        yield http


@pytest.fixture(scope="session")
def listings() -> list[dict[str, Any]]:
    return load_listings()

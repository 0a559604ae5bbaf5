"""KeyCache: one lookup per key for concurrent requests, refreshed ahead of expiry, revocation honoured."""

from __future__ import annotations

import asyncio

import pytest

from api.deps import KeyCache
from store.models import ApiKey


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Lookups:
    """A key store that counts lookups; ``release`` lets the waiting ones answer."""

    def __init__(self) -> None:
        self.row: ApiKey | None = ApiKey(id=1, name="k", role="analyst", prefix="ww_x", key_hash="h")
        self.calls = 0
        self.release = asyncio.Event()

    async def __call__(self) -> ApiKey | None:
        self.calls += 1
        await self.release.wait()
        return self.row


def test_concurrent_requests_for_one_key_make_one_lookup() -> None:
    async def main() -> None:
        cache, lookups = KeyCache(10.0), Lookups()
        waiting = [asyncio.ensure_future(cache.check("ww_key", lookups)) for _ in range(32)]
        await asyncio.sleep(0)
        lookups.release.set()
        rows = await asyncio.gather(*waiting)
        assert lookups.calls == 1
        assert all(row is lookups.row for row in rows)
        assert await cache.check("ww_key", lookups) is lookups.row and lookups.calls == 1  # cached

    asyncio.run(main())


def test_a_busy_key_is_looked_up_again_in_the_background_and_a_revocation_ends_it() -> None:
    async def main() -> None:
        clock = Clock()
        cache, lookups = KeyCache(10.0, clock=clock), Lookups()
        lookups.release.set()
        row = await cache.check("ww_key", lookups)
        clock.now += 4  # under half the time gone: the cached row, no lookup
        assert await cache.check("ww_key", lookups) is row and lookups.calls == 1
        lookups.release.clear()
        lookups.row = None  # revoked meanwhile
        clock.now += 2  # past half: answered from the cache at once, looked up behind it
        assert await asyncio.wait_for(cache.check("ww_key", lookups), 1) is row
        assert lookups.calls == 2
        lookups.release.set()
        await asyncio.sleep(0.01)
        assert await cache.check("ww_key", lookups) is None  # the background lookup dropped it
        assert lookups.calls == 3

    asyncio.run(main())


def test_an_expired_row_is_never_served() -> None:
    async def main() -> None:
        clock = Clock()
        cache, lookups = KeyCache(10.0, clock=clock), Lookups()
        lookups.release.set()
        await cache.check("ww_key", lookups)
        lookups.row = None
        clock.now += 10.5
        assert await cache.check("ww_key", lookups) is None

    asyncio.run(main())


@pytest.mark.parametrize("ttl", [0.0, -1.0])
def test_no_cache_time_looks_every_request_up(ttl: float) -> None:
    async def main() -> None:
        cache, lookups = KeyCache(ttl), Lookups()
        lookups.release.set()
        for _ in range(3):
            assert await cache.check("ww_key", lookups) is lookups.row
        assert lookups.calls == 3

    asyncio.run(main())


def test_a_failed_lookup_fails_its_requests_and_is_tried_again() -> None:
    async def main() -> None:
        cache, calls = KeyCache(10.0), []

        async def failing() -> ApiKey | None:
            calls.append(1)
            raise RuntimeError("database down")

        for _ in range(2):
            with pytest.raises(RuntimeError):
                await cache.check("ww_key", failing)
        assert len(calls) == 2

    asyncio.run(main())

"""Per-key rate limiting: an in-process token bucket (one per API key, per worker process).

With several uvicorn workers each enforces its own bucket, so the effective limit is
``workers x rate``; put a shared limiter (e.g. Redis) in front if that matters.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``take(key)`` returns 0 when a request may go ahead, else the seconds to wait."""

    def __init__(self, per_minute: int, burst: int, *, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.rate = per_minute / 60.0
        self.burst = max(burst, 1)
        self.enabled = per_minute > 0
        self._clock = clock
        self._buckets: dict[object, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: object) -> float:
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

"""Signed JSON webhooks: ``X-WildWatch-Signature: sha256=HMAC(secret, "<timestamp>.<raw body>")``."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from core.errors import AlertError

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "encode_body", "post_webhook", "sign", "verify"]

SIGNATURE_HEADER = "X-WildWatch-Signature"
TIMESTAMP_HEADER = "X-WildWatch-Timestamp"


def encode_body(message: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does: check the HMAC in constant time and reject stale timestamps."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature)


def post_webhook(url: str, secret: str, message: dict[str, Any], *, timeout: float,
                 client: httpx.Client | None = None) -> int:
    """POST one signed message; returns the 2xx status, raises AlertError for anything else."""
    body = encode_body(message)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "WildWatch-Alerts/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    owned = client is None
    client = client or httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        raise AlertError(f"webhook timed out after {timeout:g}s") from exc
    except httpx.HTTPError as exc:
        raise AlertError(f"webhook unreachable: {type(exc).__name__}: {exc}") from exc
    finally:
        if owned:
            client.close()
    if not 200 <= response.status_code < 300:
        raise AlertError(f"webhook answered HTTP {response.status_code}")
    return response.status_code

"""The receiver snippet in docs/alerts.md works on what WildWatch actually sends."""

from __future__ import annotations

import time
from typing import Any

import pytest

from wildwatch.alerts import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from wildwatch.alerts.webhook import encode_body
from core.settings import PROJECT_ROOT


def snippet() -> dict[str, Any]:
    text = (PROJECT_ROOT / "docs" / "alerts.md").read_text(encoding="utf-8")
    section = text.split("### Verifying the signature", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/alerts.md", "exec"), namespace)
    return namespace


def test_the_documented_receiver_check_accepts_real_messages_and_rejects_forgeries() -> None:
    verify_wildwatch = snippet()["verify_wildwatch"]
    body = encode_body({"delivery_id": "d-1", "event": "listing.flagged", "listing": {"title": "穿山甲"}})
    stamp = int(time.time())
    headers = {TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign("s3cret", stamp, body)}
    assert verify_wildwatch("s3cret", headers, body)["listing"]["title"] == "穿山甲"
    with pytest.raises(ValueError, match="signature"):
        verify_wildwatch("other", headers, body)
    with pytest.raises(ValueError, match="signature"):
        verify_wildwatch("s3cret", headers, body.replace(b"d-1", b"d-2"))
    old = {TIMESTAMP_HEADER: str(stamp - 3600), SIGNATURE_HEADER: sign("s3cret", stamp - 3600, body)}
    with pytest.raises(ValueError, match="stale"):
        verify_wildwatch("s3cret", old, body)

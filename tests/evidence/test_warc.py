"""WARC records of a capture: request and response with headers, fetch time, IP and SHA-256 digests."""

from __future__ import annotations

import gzip
import hashlib
import io
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

from core.evidence.warc import (
    Capture,
    WarcFormatError,
    capture_records,
    converted_record,
    iter_records,
    response_payload,
    stored_image_record,
    surt,
)

BODY = "<html><title>象牙手镯</title></html>".encode()
AT = datetime(2026, 12, 6, 10, 15, 30, 123456, tzinfo=UTC)
CAPTURE = Capture(url="https://shop.example.cn/item/1?b=2&a=1", status=200, body=BODY, fetched_at=AT,
                  response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "br"),
                                    ("Content-Length", "17")],
                  request_headers=[("User-Agent", "WildWatchBot/0.1"), ("Accept-Encoding", "gzip, br")],
                  ip_address="203.0.113.7")


def test_capture_is_a_response_then_its_request_each_in_its_own_gzip_member() -> None:
    data = capture_records(CAPTURE)
    records = list(ArchiveIterator(io.BytesIO(data), check_digests=True))
    assert [r.rec_type for r in records] == ["response", "request"]
    members = data.split(b"\x1f\x8b\x08")
    assert len([m for m in members if m]) == 2


def test_response_record_carries_fetch_time_ip_headers_and_the_snapshot_sha256() -> None:
    data = capture_records(CAPTURE)
    text = gzip.decompress(data).decode("utf-8")
    sha = hashlib.sha256(BODY).hexdigest()
    assert f"WARC-Payload-Digest: sha256:{sha}" in text
    assert "WARC-Date: 2026-12-06T10:15:30.123456Z" in text
    assert "WARC-IP-Address: 203.0.113.7" in text
    assert "WARC-Target-URI: https://shop.example.cn/item/1?b=2&a=1" in text
    # the stored body is decoded: the encodings are kept as X-Archive-Orig-*, Content-Length is the body's
    assert "X-Archive-Orig-Content-Encoding: br" in text
    assert f"\r\nContent-Length: {len(BODY)}\r\n" in text
    assert "GET /item/1?b=2&a=1 HTTP/1.1\r\nHost: shop.example.cn\r\nUser-Agent: WildWatchBot/0.1" in text
    assert response_payload(data) == BODY


def test_every_digest_holds_and_a_changed_byte_is_caught() -> None:
    data = capture_records(CAPTURE)
    assert [passed for _, passed in iter_records(io.BytesIO(data), check_digests=True)] == [True, True]
    raw = bytearray(gzip.decompress(converted_record(CAPTURE.url, 200, {}, AT, BODY)))
    raw[raw.index("象".encode())] ^= 1  # the page changed, its gzip member rebuilt to match: the digest still tells
    assert [passed for _, passed in iter_records(io.BytesIO(gzip.compress(bytes(raw))), check_digests=True)] == [False]


def test_a_pre_warc_snapshot_converts_to_a_response_record_marked_as_converted() -> None:
    data = converted_record("https://x.example/1", 200, {"Content-Type": ["text/html"]}, AT, BODY)
    [(info, passed)] = list(iter_records(io.BytesIO(data), check_digests=True))
    assert (info.record_type, passed, info.payload_digest) == ("response", True,
                                                              f"sha256:{hashlib.sha256(BODY).hexdigest()}")
    assert b"WildWatch-Converted-From" in gzip.decompress(data)


def test_not_a_warc_or_two_records_in_one_member_are_refused() -> None:
    with pytest.raises(WarcFormatError, match="no gzip member"):
        list(iter_records(io.BytesIO(b"WARC/1.1 plain text")))
    with pytest.raises(WarcFormatError, match="two records"):
        list(iter_records(io.BytesIO(gzip.compress(gzip.decompress(capture_records(CAPTURE))))))
    with pytest.raises(WarcFormatError, match="cut short"):
        list(iter_records(io.BytesIO(capture_records(CAPTURE)[:-30])))


def test_surt_keys() -> None:
    assert surt("https://www.Example.com/A/b?z=1&a=2") == "com,example)/a/b?a=2&z=1"
    assert surt("http://127.0.0.1:8000/item/1") == "127.0.0.1:8000)/item/1"


def test_a_photo_record_is_rebuilt_from_the_image_store_with_the_sniffed_type() -> None:
    """A server that called a photo text/html does not make a replay serve it as a page."""
    photo = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    data = stored_image_record("https://cdn.shop.example/1.png", 200, "image/png", AT, photo, declared="text/html")
    ((info, passed),) = list(iter_records(io.BytesIO(data), check_digests=True))
    assert passed is True and info.record_type == "response" and info.mime == "image/png"
    assert info.payload_digest == f"sha256:{hashlib.sha256(photo).hexdigest()}"
    assert response_payload(data) == photo
    record = next(iter(ArchiveIterator(io.BytesIO(data))))
    assert record.rec_headers.get_header("WildWatch-Rebuilt-From").startswith("image store")
    assert record.http_headers.get_header("X-Archive-Orig-Content-Type") == "text/html"

"""WARC records (ISO 28500, WARC/1.1) for captured pages, written with Webrecorder's ``warcio``.

A capture is a ``response`` record (the HTTP status line and headers the crawler received, then
the body it stored) followed by the ``request`` record that fetched it, each its own gzip member
so any record can be read at its offset.  Both carry SHA-256 digests in hex: the payload digest
is exactly the SHA-256 an analyst cites for the snapshot (``snapshots.sha256``).

The body is the one the crawler read: transfer and content encodings already removed.  The
headers say so: ``Content-Encoding``, ``Transfer-Encoding`` and a ``Content-Length`` that no
longer fits are kept as ``X-Archive-Orig-*`` (the convention replay tools know), and
``Content-Length`` is the stored body's.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date, iso_date_to_datetime
from warcio.warcwriter import WARCWriter

__all__ = [
    "Capture",
    "RecordInfo",
    "capture_records",
    "cdxj_line",
    "converted_record",
    "header_pairs",
    "iter_records",
    "response_payload",
    "revisit_record",
    "stored_image_record",
    "surt",
    "WarcFormatError",
    "warc_date",
    "warcinfo_record",
]

WARC_VERSION = "1.1"
#: gzip level of stored records: the snapshot store's level before WARC (9 costs more CPU for ~1%).
GZIP_LEVEL = 6
#: Response headers that describe bytes we no longer hold (see module docstring).
_ENCODING_HEADERS = ("content-encoding", "transfer-encoding")
#: A WARC extension field on records rebuilt from the pre-WARC snapshot store.
CONVERTED_FIELD = "WildWatch-Converted-From"
#: A WARC extension field on revisit records written from the store's fetch log when a package is made.
FETCH_LOG_FIELD = "WildWatch-Recorded-From"
#: A WARC extension field on photo records rebuilt from the image store when a package is made.
IMAGE_STORE_FIELD = "WildWatch-Rebuilt-From"


@dataclass(frozen=True, slots=True)
class Capture:
    """One fetch as the crawler saw it: what was asked, what came back, when and from where."""

    url: str
    status: int
    body: bytes = field(repr=False)
    fetched_at: datetime
    response_headers: Sequence[tuple[str, str]] = ()
    request_headers: Sequence[tuple[str, str]] = ()
    method: str = "GET"
    ip_address: str | None = None


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """What an index or a verifier needs to know about one record in a WARC file."""

    record_id: str
    record_type: str
    uri: str
    date: str  # WARC-Date as written
    offset: int
    length: int
    status: str | None = None
    mime: str | None = None
    payload_digest: str | None = None


def header_pairs(headers: Mapping[str, Sequence[str] | str] | None) -> list[tuple[str, str]]:
    """Headers stored as ``{name: [values]}`` (how the store keeps them) as (name, value) pairs."""
    pairs: list[tuple[str, str]] = []
    for name, values in (headers or {}).items():
        for value in [values] if isinstance(values, str) else values:
            pairs.append((str(name), str(value)))
    return pairs


def warc_date(moment: datetime) -> str:
    """A WARC/1.1 date (UTC, microseconds)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(moment, use_micros=True))


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _response_headers(pairs: Iterable[tuple[str, str]], body_length: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in pairs:
        lowered = name.lower()
        if lowered in _ENCODING_HEADERS:
            out.append((f"X-Archive-Orig-{name}", value))
        elif lowered == "content-length":
            if value.strip() != str(body_length):
                out.append((f"X-Archive-Orig-{name}", value))
        else:
            out.append((name, value))
    out.append(("Content-Length", str(body_length)))
    return out


def _writer(buffer: BinaryIO) -> WARCWriter:
    return WARCWriter(buffer, gzip=False, warc_version=WARC_VERSION)


def _gzip_record(record: object) -> bytes:
    """One record, serialised by warcio and compressed as its own gzip member."""
    buffer = io.BytesIO()
    _writer(buffer).write_record(record)
    return gzip.compress(buffer.getvalue(), compresslevel=GZIP_LEVEL, mtime=0)


def _digests(http_headers: StatusAndHeaders, body: bytes, payload_sha256: str | None = None) -> dict[str, str]:
    head = http_headers.to_bytes()
    block = hashlib.sha256(head)
    block.update(body)
    return {
        "WARC-Payload-Digest": f"sha256:{payload_sha256 or hashlib.sha256(body).hexdigest()}",
        "WARC-Block-Digest": f"sha256:{block.hexdigest()}",
    }


def _response(url: str, status: int, body: bytes, fetched_at: datetime, pairs: Iterable[tuple[str, str]],
               extra: Mapping[str, str]) -> tuple[object, str]:
    http_headers = StatusAndHeaders(_status_line(status), _response_headers(pairs, len(body)), protocol="HTTP/1.1")
    headers = {"WARC-Date": warc_date(fetched_at), **extra, **_digests(http_headers, body)}
    record = _writer(io.BytesIO()).create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http_headers,
        warc_headers_dict=headers)
    return record, record.rec_headers.get_header("WARC-Record-ID")


def _request_target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return target, parts.netloc


def capture_records(capture: Capture) -> bytes:
    """The ``response`` and ``request`` records of one fetch, as two gzip members."""
    extra = {"WARC-IP-Address": capture.ip_address} if capture.ip_address else {}
    response, response_id = _response(capture.url, capture.status, capture.body, capture.fetched_at,
                                      capture.response_headers, extra)
    target, host = _request_target(capture.url)
    request_pairs = list(capture.request_headers)
    if not any(name.lower() == "host" for name, _ in request_pairs):
        request_pairs.insert(0, ("Host", host))
    request_headers = StatusAndHeaders(f"{capture.method} {target} HTTP/1.1", request_pairs,
                                       protocol="", is_http_request=True)
    request_fields = {"WARC-Date": warc_date(capture.fetched_at), "WARC-Concurrent-To": response_id, **extra}
    request_fields["WARC-Block-Digest"] = f"sha256:{hashlib.sha256(request_headers.to_bytes()).hexdigest()}"
    request_fields["WARC-Payload-Digest"] = f"sha256:{hashlib.sha256(b'').hexdigest()}"  # a GET has no body
    request = _writer(io.BytesIO()).create_warc_record(
        capture.url, "request", http_headers=request_headers, warc_headers_dict=request_fields)
    return _gzip_record(response) + _gzip_record(request)


def converted_record(url: str, status: int, headers: Mapping[str, Sequence[str] | str] | None,
                     fetched_at: datetime, body: bytes) -> bytes:
    """A ``response`` record for a page stored before WARC capture (body and headers as the store kept them;
    the request was not kept, so there is no request record)."""
    extra = {CONVERTED_FIELD: "pre-WARC snapshot store (body and response headers as stored; no request kept)"}
    record, _ = _response(url, status, body, fetched_at, header_pairs(headers), extra)
    return _gzip_record(record)


def stored_image_record(url: str, status: int, mime: str, fetched_at: datetime, body: bytes,
                        declared: str | None = None) -> bytes:
    """A ``response`` record for a listing photo, rebuilt from the image store when a package is made.

    The crawler keeps a photo's bytes (named by their SHA-256), URL, fetch time, the type sniffed
    from the bytes and the server's declared content type, but not its response headers or request:
    the record says so, and its payload digest is the SHA-256 the store addresses the photo by.
    ``Content-Type`` is the sniffed type (a replay never serves a photo as HTML because a server said
    so); a different declared type is kept as ``X-Archive-Orig-Content-Type``.
    """
    extra = {IMAGE_STORE_FIELD: "image store (bytes, URL, fetch time and content type as stored; "
                                "response headers and request not kept)"}
    pairs = [("Content-Type", mime)]
    if declared and declared != mime:
        pairs.append(("X-Archive-Orig-Content-Type", declared))
    record, _ = _response(url, status, body, fetched_at, pairs, extra)
    return _gzip_record(record)


def revisit_record(*, url: str, status: int, headers: Mapping[str, Sequence[str] | str] | None,
                   fetched_at: datetime, payload_sha256: str, refers_to: RecordInfo, what: str = "page") -> bytes:
    """A ``revisit`` record (identical payload) for a fetch that found bytes already captured.

    The crawler stores such a fetch as a row, not as a second copy of the page; a package
    writes the row out as this record, pointing at the capture that holds the bytes.
    """
    http_headers = StatusAndHeaders(_status_line(status), _response_headers(header_pairs(headers), 0)[:-1],
                                    protocol="HTTP/1.1")
    record = _writer(io.BytesIO()).create_revisit_record(
        url, f"sha256:{payload_sha256}", refers_to.uri, refers_to.date, http_headers=http_headers,
        warc_headers_dict={"WARC-Date": warc_date(fetched_at), "WARC-Refers-To": refers_to.record_id,
                           FETCH_LOG_FIELD: f"store fetch log (the {what} bytes are in the record referred to)"})
    return _gzip_record(record)


def warcinfo_record(filename: str, info: Mapping[str, str]) -> bytes:
    """A ``warcinfo`` record describing the file it opens."""
    builder = RecordBuilder(warc_version=WARC_VERSION)
    record = builder.create_warcinfo_record(filename, dict(info))
    return _gzip_record(record)


class WarcFormatError(ValueError):
    """Bytes that are not a well-formed gzipped WARC file (truncated, damaged, or something else)."""


_READ = 1 << 20
_GROW = 1 << 20


class Readable(Protocol):
    """Anything with ``read``: a file, or a stream that hashes what passes through it."""

    def read(self, size: int = -1, /) -> bytes: ...


def _members(stream: Readable, grown: Callable[[int], None] | None) -> Iterator[tuple[int, int, bytes]]:
    """(offset, compressed length, content) of each gzip member, decompressed a megabyte at a time
    (``grown`` hears of every step, so a caller can stop a gzip bomb before it is inflated)."""
    offset = 0
    pending = b""
    while True:
        if not pending:
            pending = stream.read(_READ)
            if not pending:
                return
        if pending[:2] != b"\x1f\x8b":
            raise WarcFormatError(f"no gzip member at byte {offset}")
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        parts: list[bytes] = []
        fed = len(pending)
        data = pending
        while not inflater.eof:
            if not data:
                data = stream.read(_READ)
                if not data:
                    raise WarcFormatError(f"the gzip member at byte {offset} is cut short")
                fed += len(data)
            out = inflater.decompress(data, _GROW)
            data = inflater.unconsumed_tail
            if out:
                parts.append(out)
                if grown is not None:
                    grown(len(out))
        pending = inflater.unused_data + data
        length = fed - len(pending)
        yield offset, length, b"".join(parts)
        offset += length


def _fields(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("utf-8", "replace").split("\r\n")
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            fields.setdefault(name.strip().lower(), value.strip())
    return lines[0], fields


def _digest_holds(declared: str, data: bytes) -> bool:
    algorithm, _, encoded = declared.partition(":")
    try:
        raw = hashlib.new(algorithm.strip().lower().replace("-", ""), data).digest()
    except ValueError:
        return False
    encoded = encoded.strip()
    return encoded.lower() == raw.hex() or encoded.upper().rstrip("=") == base64.b32encode(raw).decode().rstrip("=") \
        or encoded.rstrip("=") == base64.b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class _Record:
    info: RecordInfo
    passed: bool | None
    payload: bytes = field(repr=False)


def _record(content: bytes, offset: int, length: int, check_digests: bool) -> _Record:
    end = content.find(b"\r\n\r\n")
    if end < 0:
        raise WarcFormatError(f"the record at byte {offset} has no header block")
    version, fields = _fields(content[:end])
    if not version.startswith("WARC/"):
        raise WarcFormatError(f"the record at byte {offset} is not a WARC record")
    try:
        declared = int(fields.get("content-length", ""))
    except ValueError as exc:
        raise WarcFormatError(f"the record at byte {offset} has no Content-Length") from exc
    block = content[end + 4:end + 4 + declared]
    if len(block) != declared or content[end + 4 + declared:].strip(b"\r\n"):
        raise WarcFormatError(f"the record at byte {offset} does not hold its Content-Length (or holds two records)")
    record_type = fields.get("warc-type", "")
    http = record_type in ("response", "request", "revisit") and fields.get("content-type", "").startswith(
        "application/http")
    split = block.find(b"\r\n\r\n") if http else -1
    payload = block[split + 4:] if split >= 0 else (b"" if http else block)
    status = mime = None
    if http and split >= 0 and record_type in ("response", "revisit"):
        status_line, http_fields = _fields(block[:split])
        parts = status_line.split(" ")
        status = parts[1] if len(parts) > 1 else None
        mime = http_fields.get("content-type", "").split(";")[0].strip() or None
    passed: bool | None = None
    if check_digests:
        checks = []
        if "warc-block-digest" in fields:
            checks.append(_digest_holds(fields["warc-block-digest"], block))
        if "warc-payload-digest" in fields and record_type != "revisit":
            checks.append(_digest_holds(fields["warc-payload-digest"], payload))
        passed = all(checks) if checks else None
    info = RecordInfo(record_id=fields.get("warc-record-id", ""), record_type=record_type,
                      uri=fields.get("warc-target-uri", ""), date=fields.get("warc-date", ""), offset=offset,
                      length=length, status=status, mime=mime, payload_digest=fields.get("warc-payload-digest"))
    return _Record(info, passed, payload)


def iter_records(stream: Readable, *, check_digests: bool = False,
                 before_read: Callable[[int], None] | None = None) -> Iterator[tuple[RecordInfo, bool | None]]:
    """Each record of a gzipped WARC stream (one record per gzip member, as WARC/1.1 recommends and
    replay needs) with its offset and length, and whether its block and payload digests held
    (``None`` when it has none, or ``check_digests`` is off).  ``before_read`` hears of every
    megabyte inflated.  A lean reader for the hot paths (export and verify read every record);
    records are written with warcio.  Raises ``WarcFormatError`` on bytes that are not such a file."""
    for offset, length, content in _members(stream, before_read):
        record = _record(content, offset, length, check_digests)
        yield record.info, record.passed


def response_payload(data: bytes) -> bytes:
    """The body held by the first ``response`` record of a WARC file's bytes."""
    for offset, length, content in _members(io.BytesIO(data), None):
        record = _record(content, offset, length, False)
        if record.info.record_type == "response":
            return record.payload
    raise WarcFormatError("no response record")


def surt(url: str) -> str:
    """Sort-friendly URI Reordering Transform (the key of CDXJ indexes): ``com,example)/path?a=1``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if host.replace(".", "").isdigit():
        key = host
    else:
        key = ",".join(reversed(host.split(".")))
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port and parts.port != default_port:
        key += f":{parts.port}"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return f"{key})" + (parts.path or "/").lower() + (f"?{query.lower()}" if query else "")


def cdxj_line(info: RecordInfo, filename: str) -> str:
    """One CDXJ index line for a record of ``filename`` (at its offset in that file)."""
    moment = iso_date_to_datetime(info.date)
    fields = {"url": info.uri, "mime": info.mime or "", "status": info.status or "",
              "digest": info.payload_digest or "", "length": str(info.length), "offset": str(info.offset),
              "filename": filename}
    if info.record_type == "revisit":
        fields["mime"] = "warc/revisit"
    return f"{surt(info.uri)} {moment:%Y%m%d%H%M%S} {json.dumps(fields, ensure_ascii=False, sort_keys=True)}"

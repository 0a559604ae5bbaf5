"""Checking a WACZ package with nothing but the file: every byte against its SHA-256, every WARC
record against its digests, and the signature over the list of hashes.

The first thing that does not hold is named (a file, or a record by number, id and URL) and
nothing further is read.  Hostile input is expected: a truncated or foreign file, a zip bomb
(members far larger than they claim, or than any real package), a gzip bomb inside the WARC, and
duplicate or unlisted members all fail with one clear message; memory stays flat throughout.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.evidence.keys import SignatureError, fingerprint, verify_signed_data
from core.evidence.timestamp import TimestampError, TimestampInfo, verify_token
from core.evidence.warc import RecordInfo, iter_records

__all__ = ["Limits", "PackageInvalid", "Verified", "verify_package"]

_CHUNK = 1 << 20
_MANIFESTS = ("datapackage.json", "datapackage-digest.json")


class PackageInvalid(Exception):
    """The package does not hold; the message names the first file or record that does not."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds no honest package comes near (a bomb, or a foreign file, does)."""

    max_members: int = 10_000
    max_manifest_bytes: int = 64 << 20
    max_member_bytes: int = 256 << 30
    #: deflated members bigger than ``bomb_floor`` may not expand more than this (text rarely passes 15x)
    max_ratio: int = 200
    bomb_floor: int = 16 << 20


@dataclass(frozen=True, slots=True)
class Verified:
    """A package whose every digest and signature held."""

    pages: int
    records: int
    fingerprint: str
    created: str
    timestamp: TimestampInfo | None = None

    def summary(self) -> str:
        """The one line ``wildwatch evidence verify`` prints."""
        line = f"valid: {self.pages} pages, {self.records} records, signed by {self.fingerprint} at {self.created}"
        if self.timestamp is not None:
            line += f"; time-stamped {self.timestamp.time:%Y-%m-%dT%H:%M:%SZ} by {self.timestamp.authority}"
        return line


class _Hashing:
    """A read-only stream that hashes and counts what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise PackageInvalid(f"{info.filename} is larger than any real one ({info.file_size} bytes)")
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise PackageInvalid(f"{info.filename} is larger than it claims")
    return data


def _json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageInvalid(f"{name} is not valid JSON") from exc


def _members(archive: zipfile.ZipFile, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise PackageInvalid(f"the zip has {len(infos)} members; no evidence package has that many")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename in members:
            raise PackageInvalid(f"{info.filename} appears twice in the zip")
        if info.file_size > limits.max_member_bytes:
            raise PackageInvalid(f"{info.filename} claims {info.file_size} bytes (zip bomb?)")
        if (info.compress_type != zipfile.ZIP_STORED and info.file_size > limits.bomb_floor
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
            raise PackageInvalid(f"{info.filename} expands {info.file_size // max(info.compress_size, 1)}-fold "
                                 "(zip bomb?)")
        members[info.filename] = info
    return members


def _signature(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], limits: Limits,
               expected_key: Ed25519PublicKey | None) -> tuple[dict[str, Any], str, TimestampInfo | None]:
    for name in _MANIFESTS:
        if name not in members:
            raise PackageInvalid(f"{name} is missing: not a signed WACZ package")
    envelope = _json(_read_small(archive, members["datapackage-digest.json"], 1 << 20), "datapackage-digest.json")
    manifest_bytes = _read_small(archive, members["datapackage.json"], limits.max_manifest_bytes)
    digest = f"sha256:{hashlib.sha256(manifest_bytes).hexdigest()}"
    if not isinstance(envelope, dict) or envelope.get("hash") != digest:
        raise PackageInvalid("datapackage.json does not match its SHA-256 in datapackage-digest.json")
    manifest = _json(manifest_bytes, "datapackage.json")
    if not isinstance(manifest, dict):
        raise PackageInvalid("datapackage.json is not an object")
    signed = envelope.get("signedData")
    if signed is None:
        raise PackageInvalid("datapackage-digest.json carries no signature")
    try:
        public_key, signature = verify_signed_data(signed, digest)
    except SignatureError as exc:
        raise PackageInvalid(f"datapackage-digest.json: {exc}") from exc
    if signed.get("created") != manifest.get("created"):
        raise PackageInvalid("datapackage-digest.json: the signature's time is not the package's")
    if expected_key is not None and _raw(expected_key) != _raw(public_key):
        raise PackageInvalid(f"signed by {fingerprint(public_key)}, not by the key given ({fingerprint(expected_key)})")
    stamp = None
    if envelope.get("timestamp") is not None:
        try:
            token = base64.b64decode(envelope["timestamp"]["token"], validate=True)
            stamp = verify_token(token, signature)
        except (TimestampError, binascii.Error, KeyError, TypeError) as exc:
            raise PackageInvalid(f"datapackage-digest.json: the time-stamp does not hold ({exc})") from exc
    return manifest, fingerprint(public_key), stamp


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _resources(manifest: dict[str, Any], members: dict[str, zipfile.ZipInfo]) -> list[dict[str, Any]]:
    resources = manifest.get("resources")
    if not isinstance(resources, list) or not resources:
        raise PackageInvalid("datapackage.json lists no files")
    listed: set[str] = set()
    for resource in resources:
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str) \
                or not isinstance(resource.get("hash"), str) or not isinstance(resource.get("bytes"), int):
            raise PackageInvalid("datapackage.json lists a file without path, hash and bytes")
        path = resource["path"]
        if path in listed:
            raise PackageInvalid(f"datapackage.json lists {path} twice")
        if path not in members:
            raise PackageInvalid(f"{path} is listed in datapackage.json but missing from the package")
        if members[path].file_size != resource["bytes"]:
            raise PackageInvalid(f"{path} does not match its size in datapackage.json")
        listed.add(path)
    extra = sorted(set(members) - listed - set(_MANIFESTS))
    if extra:
        raise PackageInvalid(f"{extra[0]} is in the package but not listed in datapackage.json")
    return resources


def _check_warc(stream: _Hashing, path: str, limits: Limits) -> int:
    count = 0
    expanded = 0
    last: RecordInfo | None = None

    def refuse_bombs(inflated: int) -> None:
        nonlocal expanded
        expanded += inflated
        if expanded > limits.bomb_floor and expanded > limits.max_ratio * max(stream.size, 1):
            raise PackageInvalid(f"{path} record {count + 1} expands far beyond its compressed size (gzip bomb?)")

    try:
        for info, passed in iter_records(stream, check_digests=True, before_read=refuse_bombs):
            count += 1
            last = info
            if passed is False:
                raise PackageInvalid(f"{path} record {count} ({info.record_id} {info.uri}) does not match its digest")
    except (zlib.error, EOFError, OSError, ValueError) as exc:  # WarcFormatError is a ValueError
        start = last.offset + last.length if last is not None else 0
        reason = "its gzip data is corrupt" if isinstance(exc, zlib.error) else str(exc) or type(exc).__name__
        raise PackageInvalid(f"{path} record {count + 1} (at byte {start}) is damaged: {reason}") from exc
    return count


def _count_pages(stream: _Hashing) -> int:
    pages = 0
    buffered = b""
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        lines = (buffered + chunk).split(b"\n")
        buffered = lines.pop()
        pages += sum(1 for line in lines if line.strip() and b'"format"' not in line)
    if buffered.strip() and b'"format"' not in buffered:
        pages += 1
    return pages


class _Stored:
    """The raw bytes of a member stored uncompressed, read without the zip's CRC check (which would
    fail the whole member at its first read, before the broken record could be named)."""

    def __init__(self, package: Path, info: zipfile.ZipInfo) -> None:
        self.handle = package.open("rb")
        self.handle.seek(info.header_offset)
        header = self.handle.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            self.handle.close()
            raise PackageInvalid(f"{info.filename} is damaged (bad local header)")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        self.handle.seek(name_length + extra_length, 1)
        self.left = info.compress_size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        return data

    def __enter__(self) -> _Stored:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def _open(package: Path, archive: zipfile.ZipFile, path: str) -> Any:
    info = archive.getinfo(path)
    if info.compress_type == zipfile.ZIP_STORED and path.endswith((".warc.gz", ".warc")):
        return _Stored(package, info)
    return archive.open(info)


def _iter_checked(package: Path, archive: zipfile.ZipFile, resources: list[dict[str, Any]], limits: Limits
                  ) -> Iterator[tuple[str, int, int]]:
    """(path, records, pages) for each resource once its bytes matched."""
    for resource in resources:
        path = resource["path"]
        records = pages = 0
        try:
            with _open(package, archive, path) as member:
                stream = _Hashing(member)
                if path.endswith((".warc.gz", ".warc")):
                    records = _check_warc(stream, path, limits)
                elif path.startswith("pages/") and path.endswith(".jsonl"):
                    pages = _count_pages(stream)
                stream.drain()
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise PackageInvalid(f"{path} is damaged ({exc.__class__.__name__})") from exc
        if f"sha256:{stream.sha256.hexdigest()}" != resource["hash"] or stream.size != resource["bytes"]:
            raise PackageInvalid(f"{path} does not match its SHA-256 in datapackage.json")
        yield path, records, pages


def verify_package(path: Path, *, expected_key: Ed25519PublicKey | None = None, limits: Limits = Limits()) -> Verified:
    """Verify the package at ``path`` (raises ``PackageInvalid`` naming what does not hold)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise PackageInvalid(f"{Path(path).name} is not a zip file (truncated, or not a WACZ package)") from exc
    with archive:
        try:
            members = _members(archive, limits)
            manifest, signer, stamp = _signature(archive, members, limits, expected_key)
            resources = _resources(manifest, members)
            records = pages = 0
            for _, found_records, found_pages in _iter_checked(Path(path), archive, resources, limits):
                records += found_records
                pages += found_pages
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise PackageInvalid(f"{Path(path).name} is damaged ({exc})") from exc
    return Verified(pages=pages, records=records, fingerprint=signer, created=str(manifest.get("created")),
                    timestamp=stamp)

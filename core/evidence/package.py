"""Writing WACZ packages (Webrecorder's WACZ 1.1.1): a zip whose ``datapackage.json`` lists every
file with its SHA-256, and whose ``datapackage-digest.json`` signs that list.

Files are streamed into the zip and hashed as they go, so memory stays flat however large the
package.  The zip is written beside the target under a hidden temporary name and renamed only
once it is complete and signed: an export killed at any point (even ``kill -9``) leaves no file,
partial or otherwise, under the name the analyst asked for.

Layout (every file sits one folder deep: ``wacz validate`` checks ``folder/file`` names)::

    archive/data.warc.gz     WARC records, stored uncompressed in the zip (they are gzip already)
    indexes/index.cdx.gz     CDXJ index of the records (for replay tools)
    pages/pages.jsonl        one line per captured page
    case/...                 WildWatch's case file (see store.evidence)
    datapackage.json         every file above with its SHA-256 and size
    datapackage-digest.json  SHA-256 of datapackage.json, signed (and optionally time-stamped)
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from core.evidence.keys import SigningKey, sign_digest
from core.evidence.timestamp import request_token

__all__ = ["PackageWriter", "Resource", "WACZ_VERSION", "TimestampConfig"]

logger = logging.getLogger(__name__)

WACZ_VERSION = "1.1.1"


@dataclass(frozen=True, slots=True)
class Resource:
    """One file of the package as ``datapackage.json`` lists it."""

    name: str
    path: str
    hash: str  # "sha256:<hex>"
    bytes: int

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "hash": self.hash, "bytes": self.bytes}


@dataclass(frozen=True, slots=True)
class TimestampConfig:
    """Where to get an RFC 3161 time-stamp for the signature (see core.evidence.timestamp)."""

    url: str
    timeout: float = 10.0


class PackageWriter:
    """A WACZ being written; ``finish`` signs it and gives it its name, leaving it any other way removes it."""

    def __init__(self, target: Path, *, created: datetime) -> None:
        self.target = Path(target)
        self.created = created.astimezone(UTC).replace(microsecond=0)
        descriptor, temporary = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.",
                                                 suffix=".part")
        self.temporary = Path(temporary)
        self._file = os.fdopen(descriptor, "w+b")
        self._zip = zipfile.ZipFile(self._file, "w", allowZip64=True)
        self.resources: list[Resource] = []
        self._done = False

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if not self._done:
            self.abort()

    def _info(self, path: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.created.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def add(self, path: str, chunks: Iterable[bytes], *, compress: bool = True) -> Resource:
        """Stream one file into the package, hashing it on the way."""
        digest = hashlib.sha256()
        size = 0
        with self._zip.open(self._info(path, compress), "w", force_zip64=True) as member:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
        resource = Resource(name=path.rsplit("/", 1)[-1].lower(), path=path, hash=f"sha256:{digest.hexdigest()}",
                            bytes=size)
        self.resources.append(resource)
        return resource

    def finish(self, *, key: SigningKey, software: str, title: str, description: str = "",
               extra: dict[str, Any] | None = None, timestamp: TimestampConfig | None = None) -> Path:
        """Write datapackage.json and its signed digest, then give the package its name."""
        created = self.created.strftime("%Y-%m-%dT%H:%M:%SZ")
        manifest: dict[str, Any] = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title,
            "description": description,
            "created": created,
            "modified": created,
            "software": software,
            "resources": [resource.as_json() for resource in self.resources],
            **(extra or {}),
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        digest = f"sha256:{hashlib.sha256(manifest_bytes).hexdigest()}"
        signed = sign_digest(key, digest, created=self.created, software=software)
        envelope: dict[str, Any] = {"path": "datapackage.json", "hash": digest, "signedData": signed}
        if timestamp is not None:
            signature = base64.b64decode(signed["signature"])
            token = request_token(timestamp.url, signature, timeout=timestamp.timeout)
            envelope["timestamp"] = {"authority": timestamp.url, "imprint": "sha256 of signedData.signature",
                                     "token": base64.b64encode(token).decode("ascii")}
        self._zip.writestr(self._info("datapackage.json", True), manifest_bytes)
        self._zip.writestr(self._info("datapackage-digest.json", True),
                           json.dumps(envelope, ensure_ascii=False, indent=1).encode("utf-8"))
        self._zip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.chmod(self.temporary, 0o644)
        os.replace(self.temporary, self.target)
        self._done = True
        _sync_directory(self.target.parent)
        logger.info("evidence package %s: %d files, signed by key %s", self.target, len(self.resources) + 2,
                    key.key_id)
        return self.target

    def abort(self) -> None:
        """Drop the unfinished package."""
        self._done = True
        try:
            self._zip.close()
        except (OSError, ValueError):
            pass
        self._file.close()
        self.temporary.unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

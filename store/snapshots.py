"""Evidence snapshots on disk: files named by the SHA-256 of the raw body.

A crawled page is kept as WARC records (``<sha256>.warc.gz``: the response with its headers,
then the request, see ``core.evidence.warc``); pages stored before WARC capture, or without a
capture, are the gzip-compressed body alone (``<sha256>.gz``).  Both are read the same way.

Content addressing means a page fetched twice unchanged costs one file (the first capture of
those bytes; later fetches are rows in ``snapshots``), and a file's name proves its content.
Writes are atomic (temp file + rename) so a crash never leaves half a file.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.evidence.warc import Capture, capture_records, response_payload
from core.files import write_atomic
from store.errors import NotFound

__all__ = ["SnapshotStore", "StoredBlob", "is_warc", "sha256_hex"]

WARC_SUFFIX = ".warc.gz"


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of raw bytes (what analysts cite for a snapshot)."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    path: str  # relative to the store root, POSIX separators
    size: int  # raw (uncompressed) bytes


class SnapshotStore:
    """A directory of compressed page snapshots."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, body: bytes) -> StoredBlob:
        """Store a body with no capture around it (idempotent: the same bytes map to the same file)."""
        digest = sha256_hex(body)
        relative = f"{digest[:2]}/{digest[2:4]}/{digest}.gz"
        self._write(relative, lambda: gzip.compress(body, compresslevel=6, mtime=0))
        return StoredBlob(sha256=digest, path=relative, size=len(body))

    def save_capture(self, capture: Capture) -> StoredBlob:
        """Store a fetched page as WARC records; bytes already captured keep their first capture."""
        digest = sha256_hex(capture.body)
        relative = f"{digest[:2]}/{digest[2:4]}/{digest}{WARC_SUFFIX}"
        self._write(relative, lambda: capture_records(capture))
        return StoredBlob(sha256=digest, path=relative, size=len(capture.body))

    def _write(self, relative: str, content: Callable[[], bytes]) -> None:
        target = self.root / relative
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, content())

    def resolve(self, relative: str) -> Path:
        """The file for a stored relative path; refuses anything outside the root."""
        root = self.root.resolve()
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            raise NotFound(f"no snapshot at {relative!r}")
        return candidate

    def read(self, relative: str) -> bytes:
        """The raw page bytes of a stored snapshot, whichever way it was stored."""
        path = self.resolve(relative)
        if is_warc(relative):
            return response_payload(path.read_bytes())
        with gzip.open(path, "rb") as fh:
            return fh.read()


def is_warc(relative: str) -> bool:
    """Whether a stored snapshot path holds WARC records (else the pre-WARC gzip of the body)."""
    return relative.endswith(WARC_SUFFIX)

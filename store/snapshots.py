"""Evidence snapshots on disk: gzip files named by the SHA-256 of the raw body.

Content addressing means a page fetched twice unchanged costs one file, and a file's name
proves its content.  Writes are atomic (temp file + rename) so a crash never leaves half a file.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from store.errors import NotFound

__all__ = ["SnapshotStore", "StoredBlob", "sha256_hex"]


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
        """Store ``body`` (idempotent: the same bytes map to the same file)."""
        digest = sha256_hex(body)
        relative = f"{digest[:2]}/{digest[2:4]}/{digest}.gz"
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
                    gz.write(body)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return StoredBlob(sha256=digest, path=relative, size=len(body))

    def resolve(self, relative: str) -> Path:
        """The file for a stored relative path; refuses anything outside the root."""
        root = self.root.resolve()
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            raise NotFound(f"no snapshot at {relative!r}")
        return candidate

    def read(self, relative: str) -> bytes:
        """The raw bytes of a stored snapshot."""
        with gzip.open(self.resolve(relative), "rb") as fh:
            return fh.read()

"""Ways to change a package after it was signed, as a forger or a bad disk would."""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path


def rewrite(package: Path, name: str, change: Callable[[bytes], bytes], target: Path | None = None) -> Path:
    """A copy of ``package`` whose member ``name`` is ``change``d (a well-formed zip: CRCs recomputed)."""
    target = target or package.with_name(f"changed-{package.name}")
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            out.writestr(info, change(data) if info.filename == name else data)
    return target


def member_offset(package: Path, name: str) -> int:
    """Where ``name``'s bytes start in the zip file (for a member stored uncompressed)."""
    with zipfile.ZipFile(package) as archive:
        info = archive.getinfo(name)
    with package.open("rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_length + extra_length


def flip_byte(path: Path, offset: int) -> None:
    """Change one byte of a file in place."""
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


def record_offsets(package: Path) -> list[tuple[int, int, str]]:
    """(offset, length, url) of the indexed records of archive/data.warc.gz, from indexes/index.cdx."""
    with zipfile.ZipFile(package) as archive:
        lines = archive.read("indexes/index.cdx").decode().splitlines()
    fields = [json.loads(line.split(" ", 2)[2]) for line in lines]
    return sorted((int(f["offset"]), int(f["length"]), f["url"]) for f in fields)

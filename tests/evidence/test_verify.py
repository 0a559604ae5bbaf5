"""Verification with nothing but the file: hostile and broken packages fail cleanly, naming what broke."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.evidence.keys import load_or_create_key
from core.evidence.package import PackageWriter
from core.evidence.verify import Limits, PackageInvalid, verify_package
from core.evidence.warc import Capture, capture_records
from tests.evidence.tamper import rewrite

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A small signed package written with the real writer (no database needed)."""
    key = load_or_create_key(tmp_path / "k.pem")
    warc = capture_records(Capture(url="https://x.example/1", status=200, body=b"<html>ivory</html>", fetched_at=AT))
    target = tmp_path / "case.wacz"
    with PackageWriter(target, created=AT) as writer:
        writer.add("archive/data.warc.gz", [warc], compress=False)
        writer.add("pages/pages.jsonl", [b'{"format": "json-pages-1.0", "id": "pages"}\n{"url": "https://x.example/1"}\n'])
        writer.add("case/case.json", [b'{"listings": []}'])
        writer.finish(key=key, software="test", title="t")
    return target


def test_a_sound_package_verifies(package: Path) -> None:
    result = verify_package(package)
    assert (result.pages, result.records, result.created) == (1, 2, "2026-12-06T09:00:00Z")
    assert result.summary().startswith("valid: 1 pages, 2 records, signed by ")


def test_truncated_zip_fails_cleanly(package: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.wacz"
    short.write_bytes(package.read_bytes()[: package.stat().st_size // 2])
    with pytest.raises(PackageInvalid, match="not a zip file"):
        verify_package(short)


def test_foreign_files_fail_cleanly(tmp_path: Path) -> None:
    text = tmp_path / "notes.wacz"
    text.write_text("just some text\n")
    with pytest.raises(PackageInvalid, match="not a zip file"):
        verify_package(text)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(PackageInvalid, match="datapackage.json is missing"):
        verify_package(other)


def test_zip_bomb_is_refused_before_it_is_read(package: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.wacz"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        with out.open("case/zeros.json", "w") as member:
            for _ in range(64):
                member.write(bytes(1 << 20))
    with pytest.raises(PackageInvalid, match=r"case/zeros.json expands \d+-fold \(zip bomb\?\)"):
        verify_package(bomb)
    with pytest.raises(PackageInvalid, match="claims"):
        verify_package(bomb, limits=Limits(max_member_bytes=1 << 20))


def test_unlisted_and_duplicate_members_fail(package: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.wacz"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(extra, "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr("case/planted.html", "<script>")
    with pytest.raises(PackageInvalid, match="case/planted.html is in the package but not listed"):
        verify_package(extra)
    twice = tmp_path / "twice.wacz"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(twice, "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        with pytest.warns(UserWarning, match="Duplicate name"):
            out.writestr("case/case.json", b'{"listings": ["forged"]}')
    with pytest.raises(PackageInvalid, match="case/case.json appears twice"):
        verify_package(twice)


def test_a_resigned_manifest_or_a_swapped_signature_fails(package: Path, tmp_path: Path) -> None:
    def drop_hash(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["resources"][0]["hash"] = "sha256:" + "0" * 64
        return json.dumps(manifest).encode()

    with pytest.raises(PackageInvalid, match="datapackage.json does not match its SHA-256"):
        verify_package(rewrite(package, "datapackage.json", drop_hash))

    def unsigned(data: bytes) -> bytes:
        envelope = json.loads(data)
        envelope["signedData"]["signature"] = envelope["signedData"]["signature"][::-1]
        return json.dumps(envelope).encode()

    with pytest.raises(PackageInvalid, match="signature does not verify|signature"):
        verify_package(rewrite(package, "datapackage-digest.json", unsigned))

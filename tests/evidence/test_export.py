"""Case export on both backends: every version's capture and every stored photo, signed; missing or
altered pages or photos and unknown ids fail without leaving a package; the export is audited."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence.keys import SigningKey, load_or_create_key
from core.evidence.verify import PackageInvalid, verify_package
from store.errors import NotFound
from core.evidence.warc import iter_records
from store.evidence import EvidenceError, export_case
from store.images import ImageStore
from store.models import AuditLog, ImageRecord, Listing, Review, Snapshot
from store.snapshots import SnapshotStore, sha256_hex
from tests.evidence.seed import MARKET, seed_case, seed_photos
from tests.evidence.tamper import flip_byte, member_offset, record_offsets, rewrite


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return load_or_create_key(tmp_path / "keys" / "k.pem")


def _export(session: Session, tmp_path: Path, key: SigningKey, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("listing_ids", [])
    return export_case(session, SnapshotStore(tmp_path / "snaps"), ImageStore(tmp_path / "images"),
                       tmp_path / "case.wacz", key=key, actor="alice", via="test", **kwargs)


def test_seller_case_holds_every_version_and_verifies(session: Session, tmp_path: Path, key: SigningKey) -> None:
    case = seed_case(session, tmp_path / "snaps")
    result = _export(session, tmp_path, key, seller_id=case.seller_id)
    verified = verify_package(result.path, expected_key=key.public)
    # ivory: 3 versions + the re-fetch (revisit); pangolin: 1; old: 1 converted page
    assert (result.listings, result.pages, verified.pages) == (3, 6, 6)
    # warcinfo + 4 WARC captures x (response, request) + 1 revisit + 1 converted response
    assert verified.records == result.records == 1 + 4 * 2 + 1 + 1
    assert verified.fingerprint == key.fingerprint
    with zipfile.ZipFile(result.path) as archive:
        document = json.loads(archive.read("case/case.json"))
        html = archive.read("case/index.html").decode()
        manifest = json.loads(archive.read("datapackage.json"))
    ivory = next(item for item in document["listings"] if item["id"] == case.ids["ivory"])
    assert [v["version"] for v in ivory["versions"]] == [1, 2, 3]
    assert ivory["latest_fetch"]["capture"] == "revisit"
    assert [s["threshold"] for s in ivory["scores"]] == [0.5]
    assert ivory["reviews"][0]["decision"] == "confirmed" and ivory["reviews"][0]["undone_at"] is None
    assert ivory["audit"][0]["action"] == "review.decide"
    assert document["sellers"][0]["contacts"][0]["value"] == "wx_ivory88"
    old = next(item for item in document["listings"] if item["id"] == case.ids["old"])
    assert old["versions"][0]["page"]["capture"] == "converted"
    assert {"案件" not in html, 'lang="zh-Hans"' in html, 'lang="zh-Hant"' in html, "证据包" in html} == {True}
    assert {r["path"] for r in manifest["resources"]} == {
        "archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl", "case/case.json", "case/index.html"}
    assert manifest["signingKeyId"] == key.key_id
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "evidence.export")).all()
    assert sorted(int(row.target_id or 0) for row in audit) == sorted(case.ids.values())
    assert {row.actor for row in audit} == {"alice"}


def test_changed_byte_in_a_record_or_the_case_file_fails_naming_it(session: Session, tmp_path: Path,
                                                                   key: SigningKey) -> None:
    case = seed_case(session, tmp_path / "snaps")
    package = _export(session, tmp_path, key, listing_ids=[case.ids["pangolin"]]).path
    offset, length, url = record_offsets(package)[0]
    broken = tmp_path / "broken.wacz"
    broken.write_bytes(package.read_bytes())
    flip_byte(broken, member_offset(broken, "archive/data.warc.gz") + offset + length // 2)
    with pytest.raises(PackageInvalid, match=r"archive/data.warc.gz record 2 .*"):
        verify_package(broken)
    forged = rewrite(package, "case/case.json", lambda data: data.replace(b"0.9", b"0.1", 1))
    with pytest.raises(PackageInvalid, match=r"^case/case.json does not match its SHA-256"):
        verify_package(forged)
    with pytest.raises(PackageInvalid, match="not by the key given"):
        verify_package(package, expected_key=load_or_create_key(tmp_path / "other.pem").public)


@pytest.mark.parametrize("damage", ["missing", "altered"])
def test_a_missing_or_altered_snapshot_fails_naming_the_listing(session: Session, tmp_path: Path, key: SigningKey,
                                                               damage: str) -> None:
    case = seed_case(session, tmp_path / "snaps")
    listing = session.get(Listing, case.ids["pangolin"])
    assert listing is not None
    snapshot = session.get(Snapshot, listing.snapshot_id)
    assert snapshot is not None
    file = tmp_path / "snaps" / snapshot.path
    if damage == "missing":
        file.unlink()
    else:
        raw = bytearray(file.read_bytes())
        raw[len(raw) // 3] ^= 0x01
        file.write_bytes(bytes(raw))
    with pytest.raises(EvidenceError, match=rf"^listing {case.ids['pangolin']} version 1: its page snapshot"):
        _export(session, tmp_path, key, seller_id=case.seller_id)
    assert list(tmp_path.glob("*.wacz")) == [] and list(tmp_path.glob(".case.wacz*")) == []


def test_unknown_ids_are_an_error(session: Session, tmp_path: Path, key: SigningKey) -> None:
    case = seed_case(session, tmp_path / "snaps")
    with pytest.raises(NotFound, match="no listing 987654"):
        _export(session, tmp_path, key, listing_ids=[case.ids["ivory"], 987654])
    with pytest.raises(NotFound, match="no seller 987654"):
        _export(session, tmp_path, key, seller_id=987654)
    assert not (tmp_path / "case.wacz").exists()


def test_an_undone_review_is_in_the_case_marked_undone(session: Session, tmp_path: Path, key: SigningKey) -> None:
    """The trail keeps a decision the moderator took back, and says so: an agency must not read it as standing."""
    case = seed_case(session, tmp_path / "snaps")
    review = session.scalars(select(Review).where(Review.listing_id == case.ids["ivory"])).one()
    review.undone_at = review.created_at
    session.flush()
    result = _export(session, tmp_path, key, listing_ids=[case.ids["ivory"]])
    with zipfile.ZipFile(result.path) as archive:
        document = json.loads(archive.read("case/case.json"))
        html = archive.read("case/index.html").decode()
    (entry,) = document["listings"][0]["reviews"]
    assert entry["decision"] == "confirmed" and entry["undone_at"] is not None
    assert "undone by the moderator" in html


def _warc(package: Path) -> bytes:
    with zipfile.ZipFile(package) as archive:
        return archive.read("archive/data.warc.gz")


def test_stored_photos_are_records_listed_in_the_case_and_signed(session: Session, tmp_path: Path,
                                                                 key: SigningKey) -> None:
    case = seed_case(session, tmp_path / "snaps")
    photos = seed_photos(session, case, tmp_path / "images")
    result = _export(session, tmp_path, key, seller_id=case.seller_id)
    verified = verify_package(result.path, expected_key=key.public)
    # the pages' 11 records, then 2 photos rebuilt from the image store and 2 later fetches of the same bytes
    assert verified.records == result.records == 11 + 2 + 2 and result.photos == 4
    assert verified.pages == 6  # photos are records, not pages
    with zipfile.ZipFile(result.path) as archive:
        document = json.loads(archive.read("case/case.json"))
        html = archive.read("case/index.html").decode()
        index = archive.read("indexes/index.cdx").decode()
    ivory = next(item for item in document["listings"] if item["id"] == case.ids["ivory"])
    front = sha256_hex(photos["front"])
    assert [(p["url"].rsplit("/", 1)[1], p["sha256"], p["capture"]) for p in ivory["photos"]] == [
        ("ivory-1.jpg", front, "rebuilt"), ("ivory-1.jpg", front, "revisit"),
        ("ivory-2.jpg", sha256_hex(photos["side"]), "rebuilt")]
    first = ivory["photos"][0]
    assert (first["url"], first["fetched_at"], first["width"], first["height"], first["mime"]) == (
        f"https://{MARKET}/img/ivory-1.jpg", "2026-11-02T08:00:00.000000Z", 240, 240, "image/jpeg")
    assert len(first["pdq"]) == 64 and first["bytes"] == len(photos["front"])
    assert ivory["photos"][1]["refers_to"] == first["warc_record_id"]
    pangolin = next(item for item in document["listings"] if item["id"] == case.ids["pangolin"])
    assert pangolin["photos"][0]["capture"] == "revisit"  # same URL and bytes, fetched a day later
    assert document["archive"]["photos"] == 4
    assert front in html and f"https://{MARKET}/img/ivory-1.jpg" in html
    assert f'"url": "https://{MARKET}/img/ivory-1.jpg"' in index and '"mime": "image/jpeg"' in index
    # the response record holds the stored bytes, with their SHA-256 as payload digest, marked as rebuilt
    data = _warc(result.path)
    response = next(info for info, _ in iter_records(io.BytesIO(data))
                    if info.record_type == "response" and info.payload_digest == f"sha256:{front}")
    raw = gzip.decompress(data[response.offset:response.offset + response.length])
    assert raw.endswith(photos["front"] + b"\r\n\r\n") and b"WildWatch-Rebuilt-From: image store" in raw
    assert b"WARC-Date: 2026-11-02T08:00:00" in raw and b"Content-Type: image/jpeg" in raw


def test_a_changed_byte_in_a_photo_record_fails_verify_naming_it(session: Session, tmp_path: Path,
                                                                 key: SigningKey) -> None:
    case = seed_case(session, tmp_path / "snaps")
    photos = seed_photos(session, case, tmp_path / "images")
    package = _export(session, tmp_path, key, listing_ids=[case.ids["ivory"]]).path
    side = f"sha256:{sha256_hex(photos['side'])}"
    number, info = next((n, info) for n, (info, _) in enumerate(iter_records(io.BytesIO(_warc(package))), 1)
                        if info.record_type == "response" and info.payload_digest == side)
    flip_byte(package, member_offset(package, "archive/data.warc.gz") + info.offset + info.length // 2)
    with pytest.raises(PackageInvalid, match=rf"^archive/data.warc.gz record {number} "):
        verify_package(package)


@pytest.mark.parametrize("damage", ["missing", "altered"])
def test_a_missing_or_altered_photo_fails_naming_the_listing(session: Session, tmp_path: Path, key: SigningKey,
                                                            damage: str) -> None:
    case = seed_case(session, tmp_path / "snaps")
    photos = seed_photos(session, case, tmp_path / "images")
    record = session.scalars(select(ImageRecord).where(ImageRecord.sha256 == sha256_hex(photos["side"]))).one()
    file = tmp_path / "images" / record.path
    if damage == "missing":
        file.unlink()
    else:
        raw = bytearray(file.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        file.write_bytes(bytes(raw))
    words = "is missing from" if damage == "missing" else "on disk does not match its SHA-256"
    with pytest.raises(EvidenceError, match=rf"^listing {case.ids['ivory']}: its photo {record.sha256[:16]} "
                                            rf"\(https://{MARKET}/img/ivory-2.jpg\) {words}.*no package was written"):
        _export(session, tmp_path, key, seller_id=case.seller_id)
    assert list(tmp_path.glob("*.wacz")) == [] and list(tmp_path.glob(".case.wacz*")) == []

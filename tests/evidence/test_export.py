"""Case export on both backends: every version's capture, signed; missing or altered pages and
unknown ids fail without leaving a package; the export is audited."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence.keys import SigningKey, load_or_create_key
from core.evidence.verify import PackageInvalid, verify_package
from store.errors import NotFound
from store.evidence import EvidenceError, export_case
from store.models import AuditLog, Listing, Review, Snapshot
from store.snapshots import SnapshotStore
from tests.evidence.seed import seed_case
from tests.evidence.tamper import flip_byte, member_offset, record_offsets, rewrite


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return load_or_create_key(tmp_path / "keys" / "k.pem")


def _export(session: Session, tmp_path: Path, key: SigningKey, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("listing_ids", [])
    return export_case(session, SnapshotStore(tmp_path / "snaps"), tmp_path / "case.wacz", key=key, actor="alice",
                       via="test", **kwargs)


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

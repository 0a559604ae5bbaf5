"""Case export: one signed WACZ holding the page captures of every stored version of the listings
asked for and their stored photos, the pages list, and WildWatch's case file (``case/case.json``
and ``case/index.html``).

Each page capture and photo is checked against its SHA-256 before it goes in: a snapshot or photo
missing or altered on disk fails the export naming the listing, and no package is left behind (see
``core.evidence.package``).  Captures are copied record for record as the crawler wrote them;
pages stored before WARC capture are converted, and a later fetch that found bytes already
captured becomes a ``revisit`` record pointing at them (``core.evidence.warc``).  Photos are kept
as bytes in the image store, not as WARC: each becomes a ``response`` record rebuilt from the
store, written once per distinct image; another fetch of the same bytes is a ``revisit``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from warcio.timeutils import iso_date_to_datetime

from core import __version__
from core.errors import StoreError
from core.evidence.keys import SigningKey
from core.evidence.package import PackageWriter, TimestampConfig
from core.evidence.warc import (
    RecordInfo,
    cdxj_line,
    converted_record,
    iter_records,
    revisit_record,
    stored_image_record,
    warc_date,
    warcinfo_record,
)
from store.errors import NotFound
from store.evidence.case import Case, collect_case, listing_json
from store.evidence.render import render_case_html
from store.images import ImageStore
from store.models import AuditLog, ImageRecord, Listing, ListingImage, Snapshot, utcnow
from store.snapshots import SnapshotStore, is_warc

__all__ = ["EvidenceError", "ExportResult", "export_case", "package_name"]

logger = logging.getLogger(__name__)

WARC_NAME = "data.warc.gz"
SOFTWARE = f"WildWatch {__version__}"
_SAME_FETCH = timedelta(seconds=1)


class EvidenceError(StoreError):
    """A listing's evidence cannot be packaged as stored (a page capture missing or altered on disk)."""


@dataclass
class ExportResult:
    """What a finished export holds."""

    path: Path
    listings: int
    pages: int
    records: int
    fingerprint: str
    listing_ids: list[int] = field(default_factory=list)
    photos: int = 0


def package_name(listing_ids: Sequence[int], seller_id: int | None, created: datetime) -> str:
    """A file name that says what the package is: ``wildwatch-case-listing-12-20261206T101500Z.wacz``."""
    subject = f"seller-{seller_id}" if seller_id is not None else (
        f"listing-{listing_ids[0]}" if len(listing_ids) == 1 else f"{len(listing_ids)}-listings")
    return f"wildwatch-case-{subject}-{created:%Y%m%dT%H%M%SZ}.wacz"


class _Archive:
    """Builds data.warc.gz as a stream, remembering where each capture's records landed."""

    def __init__(self, case: Case, snapshots: SnapshotStore, images: ImageStore, created: datetime) -> None:
        self.case = case
        self.snapshots = snapshots
        self.images = images
        self.created = created
        self.offset = 0
        self.records: list[RecordInfo] = []
        self.pages: list[dict[str, Any]] = []
        self.captures: dict[int, dict[str, Any]] = {}
        self._by_path: dict[str, RecordInfo] = {}
        self.photo_captures: dict[int, dict[str, Any]] = {}  # listing image row id -> its record
        self._by_image: dict[str, RecordInfo] = {}  # sha256 -> the response record holding the bytes

    def _emit(self, data: bytes, infos: list[RecordInfo] | None = None) -> list[RecordInfo]:
        if infos is None:
            infos = [info for info, _ in iter_records(io.BytesIO(data))]
        infos = [_shifted(info, self.offset) for info in infos]
        self.records.extend(infos)
        self.offset += len(data)
        return infos

    def chunks(self) -> Iterator[bytes]:
        info = warcinfo_record(WARC_NAME, {
            "software": SOFTWARE, "format": "WARC File Format 1.1",
            "description": "WildWatch case package: page captures of the listings in case/case.json",
            "isPartOf": "WildWatch evidence export"})
        self._emit(info)
        yield info
        for listing, version, snapshot in self.case.snapshot_order():
            if snapshot.id in self.captures:
                continue
            yield from self._snapshot(listing, version, snapshot)
        for listing, fetch, image in self.case.photo_order():
            yield from self._photo(listing, fetch, image)

    def _snapshot(self, listing: Listing, version: int | None, snapshot: Snapshot) -> Iterator[bytes]:
        what = f"listing {listing.id}" + (f" version {version}" if version is not None else " latest fetch")
        original = self._by_path.get(snapshot.path)
        if original is None:
            data, checked = self._read(snapshot, what)
            infos = self._emit(data, checked)
            original = next(i for i in infos if i.record_type == "response")
            self._by_path[snapshot.path] = original
            yield data
        capture: dict[str, Any] = {"warc_record_id": original.record_id,
                                   "capture": "warc" if is_warc(snapshot.path) else "converted"}
        captured_at = iso_date_to_datetime(original.date).replace(tzinfo=UTC)
        if original.uri != snapshot.url or abs(captured_at - snapshot.fetched_at) > _SAME_FETCH:
            revisit = revisit_record(url=snapshot.url, status=snapshot.http_status, headers=snapshot.headers,
                                     fetched_at=snapshot.fetched_at, payload_sha256=snapshot.sha256,
                                     refers_to=original)
            record = self._emit(revisit)[0]
            capture = {"warc_record_id": record.record_id, "capture": "revisit", "refers_to": original.record_id}
            yield revisit
        self.captures[snapshot.id] = capture
        title = listing.title
        if version is not None:
            title = next((v.title for v in self.case.versions.get(listing.id, []) if v.version == version), title)
        self.pages.append({"id": capture["warc_record_id"].strip("<>").removeprefix("urn:uuid:"), "url": snapshot.url,
                           "ts": warc_date(snapshot.fetched_at), "title": title})

    def _photo(self, listing: Listing, fetch: ListingImage, image: ImageRecord) -> Iterator[bytes]:
        original = self._by_image.get(image.sha256)
        if original is None:
            body = self._read_photo(listing, fetch, image)
            data = stored_image_record(fetch.url, fetch.http_status or 200, image.mime, fetch.fetched_at, body,
                                       declared=fetch.content_type)
            original = self._emit(data)[0]
            self._by_image[image.sha256] = original
            self.photo_captures[fetch.id] = {"warc_record_id": original.record_id, "capture": "rebuilt"}
            yield data
            return
        captured_at = iso_date_to_datetime(original.date).replace(tzinfo=UTC)
        if original.uri == fetch.url and abs(captured_at - fetch.fetched_at) <= _SAME_FETCH:
            self.photo_captures[fetch.id] = {"warc_record_id": original.record_id, "capture": "rebuilt"}
            return
        revisit = revisit_record(url=fetch.url, status=fetch.http_status or 200,
                                 headers={"Content-Type": [image.mime]}, fetched_at=fetch.fetched_at,
                                 payload_sha256=image.sha256, refers_to=original, what="photo")
        record = self._emit(revisit)[0]
        self.photo_captures[fetch.id] = {"warc_record_id": record.record_id, "capture": "revisit",
                                         "refers_to": original.record_id}
        yield revisit

    def _read_photo(self, listing: Listing, fetch: ListingImage, image: ImageRecord) -> bytes:
        """A stored photo's bytes, checked against its SHA-256 (the same rule as page snapshots)."""
        what = f"listing {listing.id}: its photo {image.sha256[:16]} ({fetch.url})"
        try:
            body = self.images.read(image.path)
        except (NotFound, OSError) as exc:
            raise EvidenceError(f"{what} is missing from {self.images.root}; no package was written") from exc
        if hashlib.sha256(body).hexdigest() != image.sha256:
            raise EvidenceError(f"{what} on disk does not match its SHA-256 (altered or damaged); "
                                "no package was written")
        return body

    def _read(self, snapshot: Snapshot, what: str) -> tuple[bytes, list[RecordInfo] | None]:
        """The snapshot's WARC records (and their infos when already parsed), checked against its SHA-256."""
        try:
            path = self.snapshots.resolve(snapshot.path)
            raw = path.read_bytes()
        except (NotFound, OSError) as exc:
            raise EvidenceError(f"{what}: its page snapshot {snapshot.sha256[:16]} is missing from "
                                f"{self.snapshots.root}; no package was written") from exc
        altered = EvidenceError(f"{what}: its page snapshot {snapshot.sha256[:16]} on disk does not match "
                                "its SHA-256 (altered or damaged); no package was written")
        if not is_warc(snapshot.path):
            try:
                body = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error) as exc:
                raise altered from exc
            if hashlib.sha256(body).hexdigest() != snapshot.sha256:
                raise altered
            return converted_record(snapshot.url, snapshot.http_status, snapshot.headers, snapshot.fetched_at,
                                    body), None
        try:
            checked = list(iter_records(io.BytesIO(raw), check_digests=True))
        except (OSError, EOFError, zlib.error, ValueError) as exc:  # WarcFormatError is a ValueError
            raise altered from exc
        responses = [info for info, _ in checked if info.record_type == "response"]
        if any(passed is False for _, passed in checked) or not responses \
                or responses[0].payload_digest != f"sha256:{snapshot.sha256}":
            raise altered
        return raw, [info for info, _ in checked]


def _shifted(info: RecordInfo, offset: int) -> RecordInfo:
    return RecordInfo(info.record_id, info.record_type, info.uri, info.date, info.offset + offset, info.length,
                      info.status, info.mime, info.payload_digest)


def export_case(session: Session, snapshots: SnapshotStore, images: ImageStore, target: Path, *,
                listing_ids: Sequence[int], seller_id: int | None = None, key: SigningKey, actor: str, via: str,
                lang: str = "en", timestamp: TimestampConfig | None = None) -> ExportResult:
    """Write the case package to ``target`` and record the export in the audit log (not committed)."""
    case = collect_case(session, listing_ids, seller_id=seller_id)
    created = utcnow().replace(microsecond=0)
    archive = _Archive(case, snapshots, images, created)
    with PackageWriter(Path(target), created=created) as package:
        package.add(f"archive/{WARC_NAME}", archive.chunks(), compress=False)
        index = sorted(cdxj_line(info, WARC_NAME) for info in archive.records
                       if info.record_type in ("response", "revisit"))
        package.add("indexes/index.cdx", ["".join(f"{line}\n" for line in index).encode("utf-8")])
        header = {"format": "json-pages-1.0", "id": "pages", "title": "Listing pages"}
        lines = [json.dumps(header)] + [json.dumps(page, ensure_ascii=False) for page in archive.pages]
        package.add("pages/pages.jsonl", ["\n".join(lines).encode("utf-8") + b"\n"])
        document = _case_json(case, archive, created, key, listing_ids, seller_id, actor)
        package.add("case/case.json", [json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")])
        package.add("case/index.html", [render_case_html(document, lang).encode("utf-8")])
        title = _title(case, seller_id)
        package.finish(key=key, software=SOFTWARE, title=title, timestamp=timestamp,
                       description="Listings, page captures, photos, scores, reviews and audit trail "
                                   "(see case/index.html)",
                       extra={"mainPageURL": archive.pages[0]["url"] if archive.pages else None,
                              "mainPageDate": archive.pages[0]["ts"] if archive.pages else None,
                              "signingKeyId": key.key_id})
    ids = [listing.id for listing in case.listings]
    session.add_all(AuditLog(actor=actor, action="evidence.export", target_type="listing", target_id=str(listing_id),
                             detail={"package": Path(target).name, "seller_id": seller_id, "via": via,
                                     "listings": len(ids), "key_id": key.key_id})
                    for listing_id in ids)
    logger.info("evidence export by %s via %s: %d listings, %d pages, %d photos, %d records", actor, via, len(ids),
                len(archive.pages), len(archive.photo_captures), len(archive.records))
    return ExportResult(path=Path(target), listings=len(ids), pages=len(archive.pages), records=len(archive.records),
                        fingerprint=key.fingerprint, listing_ids=ids, photos=len(archive.photo_captures))


def _title(case: Case, seller_id: int | None) -> str:
    if seller_id is not None and seller_id in case.sellers:
        seller = case.sellers[seller_id]
        return f"WildWatch case: seller {seller['name'] or seller_id} ({len(case.listings)} listings)"
    if len(case.listings) == 1:
        return f"WildWatch case: listing {case.listings[0].id}"
    return f"WildWatch case: {len(case.listings)} listings"


def _case_json(case: Case, archive: _Archive, created: datetime, key: SigningKey, listing_ids: Sequence[int],
               seller_id: int | None, actor: str) -> dict[str, Any]:
    return {
        "format": "wildwatch-case/1",
        "title": _title(case, seller_id),
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": SOFTWARE,
        "exported_by": actor,
        "asked_for": {"listing_ids": sorted(set(listing_ids)), "seller_id": seller_id},
        "signing_key": {"algorithm": "Ed25519", "key_id": key.key_id, "fingerprint": key.fingerprint},
        "archive": {"path": f"archive/{WARC_NAME}", "records": len(archive.records), "pages": len(archive.pages),
                    "photos": len(archive.photo_captures)},
        "listings": [listing_json(case, listing, archive.captures, archive.photo_captures)
                     for listing in case.listings],
        "sellers": list(case.sellers.values()),
    }

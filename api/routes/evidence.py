"""A listing's evidence package: a signed WACZ of every stored version's page capture and its case
file, built on request, audited, and streamed from a temporary file that is removed afterwards."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from api.deps import CurrentKey, SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, NOT_FOUND, ApiError, error_response
from api.review.i18n import pick_language
from api.routes.listings import ListingId
from core.evidence.keys import load_or_create_key
from core.evidence.package import TimestampConfig
from core.evidence.timestamp import TimestampError
from core.settings import Settings
from store.evidence import EvidenceError, export_case, package_name
from store.images import ImageStore
from store.models import utcnow
from store.snapshots import SnapshotStore

__all__ = ["evidence_response", "router"]

router = APIRouter(prefix="/v1", tags=["listings"], responses=ERROR_RESPONSES)

WACZ_MEDIA_TYPE = "application/wacz"


def evidence_response(session: Session, settings: Settings, listing_id: int, *, actor: str, via: str,
                      lang: str) -> FileResponse:
    """Build the package for one listing in a private temporary folder and send it as a download."""
    signing_key = load_or_create_key(settings.evidence_key_path)
    stamp = (TimestampConfig(settings.evidence.tsa_url, settings.evidence.tsa_timeout)
             if settings.evidence.tsa_url else None)
    folder = Path(tempfile.mkdtemp(prefix="wildwatch-evidence-"))
    name = package_name([listing_id], None, utcnow())
    try:
        export_case(session, SnapshotStore(settings.crawler.snapshot_dir), ImageStore(settings.images.dir),
                    folder / name, listing_ids=[listing_id], key=signing_key, actor=actor, via=via, lang=lang,
                    timestamp=stamp)
    except EvidenceError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ApiError(409, "evidence_unavailable", str(exc)) from exc
    except TimestampError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ApiError(502, "timestamp_unavailable", str(exc)) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(folder / name, media_type=WACZ_MEDIA_TYPE, filename=name,
                        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get(
    "/listings/{listing_id}/evidence.wacz",
    name="get_listing_evidence",
    response_class=FileResponse,
    responses={200: {"content": {WACZ_MEDIA_TYPE: {}},
                     "description": "A signed WACZ: page captures of every stored version, photos, pages list, "
                                    "case file."}}
    | NOT_FOUND | {409: error_response("A page capture or photo is missing or altered on disk."),
                   502: error_response("The configured time-stamping authority did not answer.")},
)
def get_listing_evidence(
    listing_id: ListingId, request: Request, session: SessionDep, settings: SettingsDep, key: CurrentKey,
    lang: Annotated[Literal["en", "zh-Hans", "zh-Hant"] | None,
                    Query(description="Language shown first in case/index.html (default: Accept-Language).")] = None,
) -> FileResponse:
    """The listing's evidence package (signed WACZ); every download is recorded in the audit log."""
    chosen = pick_language(lang, None, request.headers.get("accept-language", ""))
    return evidence_response(session, settings, listing_id, actor=key.name, via="api", lang=chosen)

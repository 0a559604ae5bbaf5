"""Nightly run reports (HTML page, JSON summary, chart) for analysts: ``/reports/<run-id>/``.

Read with an API key (analyst or above) or in the browser with the review UI's session cookie
(analysts may sign in at /review/login too); a browser without either is sent to sign in.
Files are looked up by run id and a fixed set of names, never by a client-supplied path, so
there is nothing to traverse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select

from api.deps import BearerScheme, KeyHeaderScheme, SessionDep, SettingsDep, require_role
from api.errors import ERROR_RESPONSES, NOT_FOUND, ApiError
from api.review.auth import LoginRequired, session_user
from api.routes.filters import MAX_ID
from store.models import NightlyRun

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES | NOT_FOUND)

FILES = {
    "index.html": "text/html; charset=utf-8",
    "summary.json": "application/json",
    "flagged_by_species.png": "image/png",
}
RunId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
#: Reports hold marketplace text: nothing in them may run, load from elsewhere, or leak the report's URL.
REPORT_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


_analyst_key = require_role("analyst")


async def get_report_reader(request: Request, bearer: BearerScheme, header: KeyHeaderScheme) -> str:
    """Who reads the report: an API key with the analyst role or above, else the browser's session."""
    if bearer is not None or header:
        return (await _analyst_key(request, bearer, header)).name  # the checks and rate limit of every /v1 call
    user = await session_user(request, "analyst")
    if user is not None:
        return user.name
    if "text/html" in request.headers.get("accept", ""):
        raise LoginRequired(request.url.path)
    raise ApiError(401, "unauthenticated", "an API key is required (Authorization: Bearer <key>), "
                   "or sign in at /review/login")


ReportReader = Annotated[str, Depends(get_report_reader)]


def _report_dir(settings: Any, run_id: int) -> Path:
    return Path(settings.var_dir) / "reports" / str(run_id)


@router.get("/", summary="Nightly runs with a report")
def list_reports(session: SessionDep, settings: SettingsDep, reader: ReportReader) -> dict[str, Any]:
    """The latest nightly runs, newest first, with links to their reports."""
    runs = session.scalars(select(NightlyRun).order_by(NightlyRun.id.desc()).limit(100))
    return {
        "items": [
            {
                "run_id": run.id, "status": run.status, "started_at": run.started_at.isoformat(),
                "newly_flagged": (run.summary or {}).get("newly_flagged", {}).get("count"),
                "report": f"/reports/{run.id}/" if (_report_dir(settings, run.id) / "index.html").is_file() else None,
            }
            for run in runs
        ]
    }


@router.get("/latest/", summary="The newest report")
def latest_report(session: SessionDep, reader: ReportReader) -> RedirectResponse:
    run_id = session.scalar(
        select(NightlyRun.id).where(NightlyRun.report_path.is_not(None)).order_by(NightlyRun.id.desc()).limit(1)
    )
    if run_id is None:
        raise ApiError(404, "not_found", "no nightly report yet")
    return RedirectResponse(f"/reports/{run_id}/", status_code=307)


@router.get("/{run_id}/", summary="A run's report page")
def report_page(run_id: RunId, settings: SettingsDep, reader: ReportReader) -> FileResponse:
    return report_file(run_id, "index.html", settings, reader)


@router.get("/{run_id}/{name}", summary="A run's report file (summary.json, chart)")
def report_file(run_id: RunId, name: str, settings: SettingsDep, reader: ReportReader) -> FileResponse:
    if name not in FILES:
        raise ApiError(404, "not_found", f"no report file {name!r}")
    path = _report_dir(settings, run_id) / name
    if not path.is_file():
        raise ApiError(404, "not_found", f"no report {name} for nightly run {run_id}")
    return FileResponse(path, media_type=FILES[name], headers=REPORT_HEADERS)

"""The review UI's "Download evidence" action: the listing's signed WACZ, audited like the API's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.review import auth
from api.review.i18n import pick_language
from api.review.pages import LANG_COOKIE, to_login
from api.routes.evidence import evidence_response

router = APIRouter(prefix="/review", include_in_schema=False)


@router.get("/listings/{listing_id}/evidence.wacz")
def get_evidence(listing_id: int, request: Request, session: SessionDep) -> Response:
    """Download the listing's evidence package (moderators signed in to the review UI)."""
    user = auth.current_user(request, session)
    if user is None:
        return to_login()
    return evidence_response(session, request.app.state.settings, listing_id, actor=user.name, via="review-ui",
                             lang=pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                                                request.headers.get("accept-language", "")))

"""The review UI's "Download evidence" action: the listing's signed WACZ, audited like the API's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.review.auth import ReviewerDep
from api.review.pages import ListingId, page_language
from api.routes.evidence import evidence_response

router = APIRouter(prefix="/review", include_in_schema=False)


@router.get("/listings/{listing_id}/evidence.wacz")
def get_evidence(listing_id: ListingId, request: Request, session: SessionDep, user: ReviewerDep) -> Response:
    """Download the listing's evidence package (moderators signed in to the review UI)."""
    return evidence_response(session, request.app.state.settings, listing_id, actor=user.name, via="review-ui",
                             lang=page_language(request))

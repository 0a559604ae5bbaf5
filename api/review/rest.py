"""JSON endpoints: analysts read decisions; moderators decide over the API and watch alert deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from pydantic import BaseModel, Field

from api.deps import CurrentKey, SessionDep, require_role
from api.errors import ERROR_RESPONSES, NOT_FOUND, ApiError, error_response
from api.routes.filters import MAX_ID
from store.alerts import delivery_counts, list_deliveries
from store.models import AlertDelivery, ApiKey, Review
from store.errors import Conflict
from store.reviews import DECISIONS, REASONS, list_reviews, record_review, record_review_once

router = APIRouter(prefix="/v1", tags=["reviews"], responses=ERROR_RESPONSES)
ModeratorKey = Annotated[ApiKey, Depends(require_role("moderator"))]
ListingId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ReviewIn(BaseModel):
    decision: Literal["confirmed", "dismissed", "escalated"]
    reason: str = Field(max_length=40, description="A reason code for the decision (see GET /v1/review-reasons).")
    note: str | None = Field(None, max_length=4000)


class ReviewRecordOut(BaseModel):
    id: int
    listing_id: int
    decision: str
    reason: str | None
    note: str | None
    reviewer: str
    model_version: str | None = Field(description="The model whose score the moderator saw.")
    score: float | None
    created_at: datetime


class ReviewPageOut(BaseModel):
    items: list[ReviewRecordOut]
    next_after_id: int | None = Field(description="Pass as `after_id` for the next page; null on the last page.")


class DeliveryOut(BaseModel):
    id: int
    delivery_id: str
    subscription_id: int
    listing_id: int | None
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class DeliveriesOut(BaseModel):
    counts: dict[str, int]
    items: list[DeliveryOut]


def review_out(review: Review) -> ReviewRecordOut:
    return ReviewRecordOut.model_validate(review, from_attributes=True)


@router.get("/reviews", response_model=ReviewPageOut)
def get_reviews(
    session: SessionDep, key: CurrentKey, listing_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    decision: Annotated[Literal["confirmed", "dismissed", "escalated"] | None, Query()] = None,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ReviewPageOut:
    """Moderators' decisions, oldest first (who, when, what, with which model's score)."""
    rows = list_reviews(session, listing_id=listing_id, decision=decision, after_id=after_id, limit=limit)
    return ReviewPageOut(items=[review_out(r) for r in rows], next_after_id=rows[-1].id if len(rows) == limit else None)


@router.get("/review-reasons")
def get_review_reasons(key: CurrentKey) -> dict[str, list[str]]:
    """The reason codes each decision accepts."""
    return {decision: list(REASONS[decision]) for decision in DECISIONS}


#: Idempotency-Key values: visible ASCII, as the IETF draft's examples (UUIDs, random tokens).
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              pattern=r"^[\x21-\x7e]+$")]


@router.post("/listings/{listing_id}/reviews", response_model=ReviewRecordOut, status_code=201,
             responses={404: NOT_FOUND[404], 409: error_response("The Idempotency-Key was used for another review.")})
def post_review(listing_id: ListingId, body: ReviewIn, session: SessionDep, key: ModeratorKey, response: Response,
                idempotency_key: IdempotencyKey = None) -> ReviewRecordOut:
    """Record a decision on a listing through the API (same audit trail as the review UI).

    Send an ``Idempotency-Key`` header to retry safely after a lost response: a retry with the
    same key returns the review stored the first time (header ``Idempotent-Replayed: true``).
    """
    try:
        if idempotency_key is None:
            review = record_review(session, listing_id, decision=body.decision, reason=body.reason,
                                   note=body.note, reviewer=key.name, api_key_id=key.id)
        else:
            review, replayed = record_review_once(
                session, listing_id, idempotency_key=idempotency_key, api_key_id=key.id, decision=body.decision,
                reason=body.reason, note=body.note, reviewer=key.name)
            if replayed:
                response.headers["Idempotent-Replayed"] = "true"
    except ValueError as exc:
        raise ApiError(422, "invalid_review", str(exc)) from exc
    except Conflict as exc:
        raise ApiError(409, "idempotency_key_reused", str(exc)) from exc
    return review_out(review)


@router.get("/alerts/deliveries", response_model=DeliveriesOut, tags=["alerts"])
def get_deliveries(
    session: SessionDep, key: ModeratorKey, problems: bool = False,
    status: Annotated[Literal["pending", "sending", "sent", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveriesOut:
    """Alert deliveries newest first; `problems=true` keeps those whose last attempt failed."""
    rows: list[AlertDelivery] = list_deliveries(session, problems_only=problems, status=status, limit=limit)
    return DeliveriesOut(counts=delivery_counts(session),
                         items=[DeliveryOut.model_validate(r, from_attributes=True) for r in rows])

"""The moderators' workflow: review pages under /review and the JSON endpoints for reviews and alerts."""

from fastapi import APIRouter

from api.review import evidence, pages, rest

__all__ = ["router"]

router = APIRouter()
router.include_router(pages.router)
router.include_router(rest.router)
router.include_router(evidence.router)  # issue 18: Download evidence

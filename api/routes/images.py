"""Listing photos: the listings sharing a photo with a listing, and the photo bytes themselves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from api.deps import CurrentKey, SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES, NOT_FOUND
from api.routes.filters import MAX_ID
from api.schemas import ImageMatchOut, ImageMatchPageOut
from store.images import ImageStore, get_image, listing_image_matches
from store.imaging import sniff

router = APIRouter(prefix="/v1", tags=["images"], responses=ERROR_RESPONSES)

#: Served only as what the bytes are; anything else (never stored, but never trusted either) is a download.
_INLINE = {"image/jpeg", "image/png", "image/gif", "image/webp"}
#: Headers that keep a browser from sniffing, rendering or running anything else in an image.
IMAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, max-age=86400, immutable",  # content-addressed: the bytes never change
    "Cross-Origin-Resource-Policy": "same-origin",
}


@router.get("/listings/{listing_id}/image-matches", response_model=ImageMatchPageOut, responses=NOT_FOUND)
def get_listing_image_matches(
    listing_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, key: CurrentKey
) -> ImageMatchPageOut:
    """Other listings, on any marketplace, that carry one of this listing's photos (closest first)."""
    return ImageMatchPageOut(items=[
        ImageMatchOut(listing_id=m.listing_id, url=m.url, seller_id=m.seller_id, marketplace=m.marketplace,
                      distance=m.distance)
        for m in listing_image_matches(session, listing_id)
    ])


IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {mime: {} for mime in sorted(_INLINE)}, "description": "The image bytes."}, **NOT_FOUND,
}


@router.get(
    "/images/{sha256}",
    response_class=Response,
    responses=IMAGE_RESPONSES,
)
def get_image_bytes(
    sha256: Annotated[str, Path(pattern="^[0-9a-fA-F]{64}$", description="SHA-256 of the image bytes.")],
    session: SessionDep,
    settings: SettingsDep,
    key: CurrentKey,
) -> Response:
    """A stored listing photo, with its type sniffed from the bytes (never SVG or HTML inline)."""
    record = get_image(session, sha256)
    return image_response(record.sha256, ImageStore(settings.images.dir).read(record.path))


def image_response(sha256: str, data: bytes) -> Response:
    """Stored photo bytes as served to the API and the review pages: typed from the bytes, inert otherwise."""
    mime = sniff(data)
    headers = IMAGE_HEADERS | {"X-Image-SHA256": sha256}
    if mime not in _INLINE:
        headers["Content-Disposition"] = f'attachment; filename="image-{sha256[:16]}.bin"'
        return Response(data, media_type="application/octet-stream", headers=headers)
    extension = mime.split("/")[1]
    headers["Content-Disposition"] = f'inline; filename="image-{sha256[:16]}.{extension}"'
    return Response(data, media_type=mime, headers=headers)

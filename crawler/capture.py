"""The WARC capture of a fetched page: what the spider saw, in the shape the snapshot store writes.

Kept apart from the spider and the writer so both hooks stay one line; imports no Scrapy (the
writer process starts light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.evidence.warc import Capture, header_pairs
from crawler.items import ListingItem

if TYPE_CHECKING:
    from scrapy.http import Response

__all__ = ["capture_of", "sent_headers"]


def sent_headers(response: Response) -> dict[str, list[str]]:
    """The headers of the request that fetched ``response``, as the downloader sent them."""
    request = response.request
    if request is None:
        return {}
    return {name.decode("latin-1"): [value.decode("latin-1") for value in values]
            for name, values in request.headers.items()}


def capture_of(item: ListingItem) -> Capture:
    """The WARC capture of a listing page (request and response, fetch time, server address)."""
    return Capture(
        url=item.fetched_url,
        status=item.http_status,
        body=item.body,
        fetched_at=item.fetched_at,
        response_headers=header_pairs(item.headers),
        request_headers=header_pairs(item.request_headers),
        ip_address=item.ip_address,
    )

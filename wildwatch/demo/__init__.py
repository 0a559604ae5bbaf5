"""The bundled demo marketplace that ``make run`` and the end-to-end tests crawl (see ``server``)."""

from wildwatch.demo.server import (
    DemoServer,
    canonical_path,
    listing_url,
    load_listings,
    load_sellers,
    make_server,
    section_of,
)

__all__ = ["DemoServer", "canonical_path", "listing_url", "load_listings", "load_sellers", "make_server", "section_of"]

"""The bundled demo marketplace that ``make run`` and the end-to-end tests crawl (see ``server``).

Names are re-exported lazily so ``python -m wildwatch.demo.server`` does not import the module twice.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DemoServer", "canonical_path", "listing_url", "load_listings", "load_sellers", "make_server", "section_of"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from wildwatch.demo import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

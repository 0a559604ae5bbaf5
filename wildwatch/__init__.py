"""WildWatch: find illegal wildlife trade in online marketplace listings (the CLI and orchestration)."""

from core import __version__

__all__ = ["__version__"]

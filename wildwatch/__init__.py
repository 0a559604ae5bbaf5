"""WildWatch: find illegal wildlife trade in online marketplace listings."""

__version__ = "0.1.0"

"""The floor every WildWatch package may import: the error tree, settings, tables, logging, the version.

It imports nothing of ours, so ``store``, ``crawler``, ``api`` and the ``wildwatch`` roof can all stand on it.
"""

__version__ = "0.1.0"

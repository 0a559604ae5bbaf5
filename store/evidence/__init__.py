"""Case packages: a signed WACZ of listings' page captures and their case file, built from the store.

The API and the CLI both reach the export here (``export_case``); formats and verification that
need no database live in ``core.evidence``.
"""

from store.evidence.export import EvidenceError, ExportResult, export_case, package_name

__all__ = ["EvidenceError", "ExportResult", "export_case", "package_name"]

"""Evidence formats with no database behind them: WARC records, WACZ packages, Ed25519 signatures,
RFC 3161 time-stamps and the package verifier (which must run on a machine with nothing but the file).

The store builds case packages from these (``store.evidence``); the crawler writes WARC records
through the snapshot store; the CLI verifies packages without opening a database.
"""

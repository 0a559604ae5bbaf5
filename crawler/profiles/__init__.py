"""Shipped site profiles (YAML/TOML data; see crawler.profile and docs/crawler.md)."""

"""Site profiles: what a crawl of one marketplace needs to know, declared in YAML or TOML.

A profile lets an operator add a marketplace without Python: start URLs, a search URL template
for keyword-seeded crawls, URL patterns that say which pages are items or listings, CSS/XPath
overrides for fields the generic extractor gets wrong, a pagination rule, and politeness.
Relative URLs in a profile are resolved against the crawl's start URL, so one profile serves a
site wherever it runs (the demo marketplace listens on a random loopback port).
See ``docs/crawler.md`` for the format.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import ConfigError
from crawler.scope import parse_allowed_host

__all__ = ["FieldRule", "Pagination", "RateLimit", "SiteProfile", "find_profile", "load_profile", "shipped_profiles", "PROFILES_DIR"]

#: Where shipped profiles live.
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"

FIELD_NAMES = ("title", "description", "price", "currency", "seller_name", "seller_url", "images")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldRule(_Strict):
    """Where one field lives on an item page: a CSS or an XPath selector (text or attribute)."""

    css: str | None = None
    xpath: str | None = None

    @model_validator(mode="after")
    def _one_selector(self) -> FieldRule:
        if bool(self.css) == bool(self.xpath):
            raise ValueError("give exactly one of css or xpath")
        return self


class Pagination(_Strict):
    """How to find the next page of a listing or search result."""

    next: FieldRule | None = Field(None, description="Selector of the next-page link (href).")
    max_pages: int = Field(0, ge=0, description="Stop after this many pages of one listing (0 = no limit).")


class RateLimit(_Strict):
    """Politeness for this site; each value overrides the global default when set."""

    download_delay: float | None = Field(None, ge=0)
    concurrent_requests_per_domain: int | None = Field(None, ge=1)
    autothrottle: bool | None = None
    autothrottle_target_concurrency: float | None = Field(None, gt=0)
    obey_robots: bool | None = None

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings these values stand for."""
        names = {
            "download_delay": "DOWNLOAD_DELAY",
            "concurrent_requests_per_domain": "CONCURRENT_REQUESTS_PER_DOMAIN",
            "autothrottle": "AUTOTHROTTLE_ENABLED",
            "autothrottle_target_concurrency": "AUTOTHROTTLE_TARGET_CONCURRENCY",
            "obey_robots": "ROBOTSTXT_OBEY",
        }
        return {names[key]: value for key, value in self.model_dump().items() if value is not None}


class SiteProfile(_Strict):
    """A declarative description of one marketplace (see module docstring)."""

    name: str = Field(min_length=1, max_length=100)
    start_urls: list[str] = Field(default_factory=list, description="Category/home pages; relative to the crawl URL.")
    search_url: str | None = Field(None, description="Search URL template with {keyword}; relative allowed.")
    item_url: str | None = Field(None, description="Regex: URLs matching it are item pages.")
    listing_url: str | None = Field(None, description="Regex: URLs matching it are listing/search pages.")
    seller_url: str | None = Field(None, description="Regex: URLs matching it are seller pages.")
    allow: list[str] = Field(default_factory=list, description="Regexes: follow only URLs matching one of them.")
    deny: list[str] = Field(default_factory=list, description="Regexes: never follow URLs matching one of them.")
    follow_other: bool = Field(True, description="Follow links that are neither items, listings nor sellers.")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Other hosts the crawl may fetch: host, host:port or scheme://host[:port] (see crawler.scope).")
    fields: dict[str, FieldRule] = Field(default_factory=dict, description="Selector overrides per field.")
    pagination: Pagination = Field(default_factory=Pagination)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    encoding: str | None = Field(None, description="Force this charset when the site mislabels its pages.")
    currency: str | None = Field(None, description="Currency of bare prices (e.g. CNY).")
    keywords: list[str] = Field(default_factory=list, description="Extra search terms for this site.")
    settings: dict[str, Any] = Field(default_factory=dict, description="Any Scrapy setting, for this site.")
    source: str | None = Field(None, description="The file this profile was read from.")

    @field_validator("item_url", "listing_url", "seller_url")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @field_validator("allow", "deny")
    @classmethod
    def _regexes(cls, values: list[str]) -> list[str]:
        for value in values:
            re.compile(value)
        return values

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, values: list[str]) -> list[str]:
        for value in values:
            parse_allowed_host(value)  # ValueError: a clear "invalid profile" line
        return values

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, FieldRule]) -> dict[str, FieldRule]:
        unknown = sorted(set(value) - set(FIELD_NAMES))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; known: {list(FIELD_NAMES)}")
        return value

    @field_validator("search_url")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None and "{keyword}" not in value:
            raise ValueError("search_url must contain {keyword}")
        return value

    def resolve_start_urls(self, base_url: str) -> list[str]:
        """Absolute start URLs (the crawl URL itself when the profile names none)."""
        return [urljoin(base_url, url) for url in self.start_urls] or [base_url]

    def search_urls(self, base_url: str, terms: list[str]) -> list[tuple[str, str]]:
        """(term, absolute search URL) for each term, the term percent-encoded as UTF-8."""
        if not self.search_url:
            return []
        template = urljoin(base_url, self.search_url.replace("{keyword}", "__KEYWORD__"))
        return [(term, template.replace("__KEYWORD__", quote(term, safe=""))) for term in terms]

    def page_kind(self, url: str) -> str | None:
        """The kind of page ``url`` is by this profile's URL patterns, or None when they don't say."""
        for kind, pattern in (("item", self.item_url), ("seller", self.seller_url), ("listing", self.listing_url)):
            if pattern and re.search(pattern, url):
                return kind
        return None

    def may_follow(self, url: str) -> bool:
        """True unless the allow/deny patterns exclude ``url``."""
        if any(re.search(pattern, url) for pattern in self.deny):
            return False
        return not self.allow or any(re.search(pattern, url) for pattern in self.allow)

    def scrapy_settings(self) -> dict[str, Any]:
        """Scrapy settings this profile asks for (rate limit first, then free-form settings)."""
        return self.rate_limit.scrapy_settings() | dict(self.settings)


def find_profile(value: str | Path, *, base: Path | None = None) -> Path:
    """Where a profile named by an operator lives: a shipped one by bare name (``demo``), else a
    path, relative ones against ``base`` (a config file's folder) when given."""
    candidate = Path(value)
    if candidate.suffix == "" and len(candidate.parts) == 1 and not (base or Path.cwd()).joinpath(candidate).exists():
        for suffix in (".yaml", ".yml", ".toml"):
            shipped = PROFILES_DIR / f"{value}{suffix}"
            if shipped.exists():
                return shipped
    if base is not None and not candidate.is_absolute():
        return (base / candidate).resolve()
    return candidate


def shipped_profiles() -> list[str]:
    """Names of the profiles that come with WildWatch (for error messages and docs)."""
    return sorted(p.stem for p in PROFILES_DIR.iterdir() if p.suffix in (".yaml", ".yml", ".toml"))


def load_profile(path: str | Path) -> SiteProfile:
    """Read and validate a profile (``.yaml``/``.yml``/``.toml``); a bare name looks in PROFILES_DIR."""
    candidate = find_profile(path)
    try:
        text = candidate.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read site profile {str(path)!r}: {exc}") from exc
    try:
        data = tomllib.loads(text) if candidate.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"site profile {candidate} is not valid {candidate.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"site profile {candidate} must be a mapping")
    data.setdefault("source", str(candidate))
    try:
        return SiteProfile.model_validate(data)
    except (ValidationError, re.error) as exc:
        raise ConfigError(f"site profile {candidate} is invalid: {exc}") from exc

"""The one operations file: sites, the nightly schedule and budgets, alert rules, retention.

It is YAML (``wildwatch.yaml`` at the project root by default, or ``WILDWATCH_CONFIG_FILE``),
validated on load: an unknown key, a bad URL or a bad cron line is a :class:`ConfigError`
naming the field, never a traceback.  Every field is documented in docs/operations.md
(a test keeps the two in step).  A missing file means "all defaults, no sites from the file"
(sites can also be registered with ``wildwatch sites add``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import ConfigError
from crawler.profile import find_profile

__all__ = [
    "OpsConfig",
    "SiteConfig",
    "NightlyConfig",
    "ScheduleConfig",
    "AlertRule",
    "AlertsConfig",
    "RetentionConfig",
    "load_config",
    "validate_cron",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


def validate_cron(value: str) -> str:
    """A five-field crontab line, as APScheduler and cron read it."""
    if len(value.split()) != 5:
        raise ValueError(f"expected 5 crontab fields (minute hour day month weekday), got {value!r}")
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(f"invalid crontab line {value!r}: {exc}") from None
    return value


class SiteConfig(_Strict):
    """A marketplace crawled every night."""

    name: str = Field(min_length=1, max_length=100, description="Unique short name (shown in reports).")
    url: str = Field(description="Start URL; the crawl stays on this host.")
    profile: Path | None = Field(None, description="Site profile: the name of a shipped one (`demo`) or a file, relative to this config file.")
    enabled: bool = Field(True, description="Crawl it in the nightly run.")
    search_terms: list[str] = Field(
        default_factory=list,
        description="Keyword-seeded crawl terms (need a profile with `search_url`); empty: the lexicon's.",
    )
    workers: int | None = Field(None, ge=1, description="Crawl processes for this site (default: nightly's).")
    budget_minutes: float | None = Field(None, gt=0, description="Wall-clock budget for this site (default: nightly's).")
    max_pages: int | None = Field(None, ge=0, description="Page cap per crawl of this site (default: nightly's).")

    _url = field_validator("url")(_check_http_url)


class NightlyConfig(_Strict):
    """Budgets and limits of one `wildwatch nightly` run."""

    run_budget_minutes: float = Field(360, gt=0, description="Wall-clock budget for all crawls of one run.")
    site_budget_minutes: float = Field(90, gt=0, description="Wall-clock budget per site (all its crawls).")
    max_pages_per_crawl: int = Field(0, ge=0, description="Stop each crawl after this many pages (0 = no limit).")
    stop_grace_seconds: float = Field(30, ge=0, description="After SIGTERM, how long a crawl may take to stop.")
    max_search_terms: int = Field(20, ge=0, description="Most keyword searches per site and night.")
    crawl_workers: int = Field(1, ge=1, description="Crawl processes per site; more than 1 needs `redis_url`.")
    redis_url: str | None = Field(None, description="Redis shared by a site's crawl workers (scrapy-redis).")
    resume_within_hours: float = Field(
        20, gt=0, description="An unfinished run younger than this is resumed; an older one is abandoned."
    )
    report_history_days: int = Field(90, ge=1, description="Days of history in the report's chart.")
    scrapy_settings: dict[str, Any] = Field(
        default_factory=dict, description="Extra Scrapy settings for every nightly crawl (e.g. DOWNLOAD_DELAY)."
    )


class ScheduleConfig(_Strict):
    """When `wildwatch schedule` (the long-running alternative to cron/systemd) starts runs."""

    nightly: str = Field("30 2 * * *", description="Crontab line for the nightly run.")
    timezone: str = Field("UTC", description="Time zone of the crontab line (IANA name).")

    _cron = field_validator("nightly")(validate_cron)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class AlertRule(_Strict):
    """A subscription kept in step with this file (matched by name)."""

    name: str = Field(min_length=1, max_length=100, description="Unique rule name.")
    channel: Literal["webhook", "apprise"] = Field(description="Where alerts go.")
    target: str = Field(min_length=1, description="Webhook URL or Apprise URL.")
    secret: str | None = Field(
        None, description="HMAC secret for webhook signatures (better out of this file: `secret_file`, `secret_env`)."
    )
    secret_file: Path | None = Field(None, exclude=True, description="Read the webhook secret from this file.")
    secret_env: str | None = Field(
        None, exclude=True, description="Read the webhook secret from this environment variable."
    )
    min_score: float | None = Field(None, ge=0, le=1, description="Only listings scoring at least this.")
    species: list[str] = Field(default_factory=list, description="Only these species (empty: any).")
    marketplaces: list[str] = Field(default_factory=list, description="Only these hosts (empty: any).")
    mode: Literal["immediate", "digest"] = Field("immediate", description="One alert per listing, or a daily digest.")
    active: bool = Field(True, description="Send alerts for this rule.")

    @model_validator(mode="after")
    def _webhook_url(self) -> AlertRule:
        if sum(x is not None for x in (self.secret, self.secret_file, self.secret_env)) > 1:
            raise ValueError("give one of secret, secret_file or secret_env")
        if self.secret_env is not None:
            self.secret = os.environ.get(self.secret_env) or None
            if self.secret is None:
                raise ValueError(f"the environment variable {self.secret_env} is not set")
        if self.secret_file is not None:
            try:
                lines = self.secret_file.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeError) as exc:
                raise ValueError(f"cannot read the secret file {self.secret_file}: {exc}") from None
            self.secret = lines[0].strip() if lines and lines[0].strip() else None
            if self.secret is None:
                raise ValueError(f"the secret file {self.secret_file} is empty")
        if self.channel == "webhook":
            _check_http_url(self.target)
            if not self.secret:
                raise ValueError("a webhook rule needs a secret (receivers verify the HMAC signature with it)")
        return self


class AlertsConfig(_Strict):
    enabled: bool = Field(True, description="Run the alert stage (enqueue, send, digest).")
    digest: bool = Field(True, description="Send the digest at the end of the alert stage.")
    rules: list[AlertRule] = Field(default_factory=list, description="Alert rules (subscriptions).")


class RetentionConfig(_Strict):
    """What the nightly prunes so the store stays fast after a year."""

    snapshots_days: int = Field(90, ge=1, description="Delete page snapshots and listing photos older than this (evidence still used is kept).")
    crawl_skips_days: int = Field(30, ge=1, description="Delete skipped-page records older than this.")
    reports_keep: int = Field(120, ge=1, description="Keep the newest N run reports on disk.")


class OpsConfig(_Strict):
    """The whole operations file."""

    sites: list[SiteConfig] = Field(default_factory=list)
    nightly: NightlyConfig = Field(default_factory=NightlyConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)

    @model_validator(mode="after")
    def _unique_names(self) -> OpsConfig:
        wants_workers = self.nightly.crawl_workers > 1 or any((s.workers or 1) > 1 for s in self.sites)
        if wants_workers and not self.nightly.redis_url:
            raise ValueError("several crawl workers per site need nightly.redis_url (they share its queue)")
        for kind, names in (("site", [s.name for s in self.sites]), ("alert rule", [r.name for r in self.alerts.rules])):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"duplicate {kind} name(s): {', '.join(dupes)}")
        return self


def _describe(error: ValidationError, path: Path | str) -> str:
    lines = [f"invalid config {path}:"]
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (typo?)"
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def parse_config(data: Any, *, source: Path | str = "<config>") -> OpsConfig:
    """Validate already-parsed YAML (``None`` = empty file)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"invalid config {source}: the top level must be a mapping")
    try:
        return OpsConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


def load_config(path: Path | None) -> OpsConfig:
    """The operations config at ``path``; defaults when ``path`` is None or does not exist.

    A profile is a shipped profile's name (``demo``) or a path; relative paths are resolved
    against the config file's directory.
    """
    if path is None or not Path(path).exists():
        return OpsConfig()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML in config {path}: {exc}") from None
    config = parse_config(data, source=path)
    for site in config.sites:
        if site.profile is not None:
            site.profile = find_profile(site.profile, base=path.parent)
    return config

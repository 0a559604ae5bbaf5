"""One place for configuration: environment variables with the ``WILDWATCH_`` prefix.

Nested groups use a double underscore, e.g. ``WILDWATCH_CRAWLER__USER_AGENT``.
A ``.env`` file in the working directory is read too.  Reach settings through
:func:`get_settings` (cached) so tests can override them with ``get_settings.cache_clear()``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, NonNegativeInt, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.addresses import parse_networks
from core.errors import ConfigError
from core.secrets import PUBLISHED_SECRETS, SECRET_FILE, secret_problem

__all__ = [
    "PROJECT_ROOT", "AlertSettings", "ApiSettings", "CrawlerSettings", "EvidenceSettings", "ImageSettings", "Settings",
    "get_settings",
]

#: The repository root (the project is installed editable; data and models live beside the code).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'wildwatch.db'}"


class CrawlerSettings(BaseModel):
    """Politeness and limits for crawls; any Scrapy setting can still be overridden per run."""

    user_agent: str = Field(
        "WildWatchBot/0.1 (+https://github.com/wildwatch/wildwatch; wildlife-trade monitoring)",
        description="User-Agent sent with every request.",
    )
    obey_robots: bool = Field(True, description="Obey robots.txt.")
    download_delay: float = Field(0.0, description="Seconds between requests to one domain (AutoThrottle adapts it).")
    concurrent_requests_per_domain: int = Field(8, description="Parallel requests to one domain.")
    autothrottle: bool = Field(True, description="Enable Scrapy AutoThrottle.")
    max_page_bytes: int = Field(5_000_000, description="Pages larger than this are skipped (recorded).")
    max_pages: int = Field(0, description="Stop a crawl after this many pages (0 = no limit); the run is completed, capped.")
    max_minutes: float = Field(0.0, description="Stop a crawl after this many minutes (0 = no limit); the run is completed, capped.")
    extract_workers: Literal["auto"] | NonNegativeInt = Field(
        "auto",
        description='Processes that read pages while the crawl downloads ("auto": one on two cores, one per core '
        "beyond two up to 4, none on one core; 0: pages are read in the crawl process).",
    )
    snapshot_dir: Path = Field(PROJECT_ROOT / "var" / "snapshots", description="Where raw page snapshots are kept.")
    job_dir: Path = Field(PROJECT_ROOT / "var" / "jobs", description="Per-crawl state (the identity `--resume` continues, and locks).")
    allowed_networks: list[str] = Field(
        default_factory=list,
        description="Networks a crawl may fetch from although they are loopback, private, link-local or cloud "
        'metadata (CIDRs, JSON list: `["127.0.0.0/8"]`). Empty: only public addresses, and the address the '
        "start URL names itself (`http://127.0.0.1:8088/`, `localhost`). See docs/crawler.md, address policy.",
    )
    static_hosts: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Fixed addresses for host names, like /etc/hosts (JSON: `{"m.market.test": "127.0.0.1"}`); '
        "the address policy still applies to them.",
    )

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        try:
            parse_networks(values)
        except ConfigError as exc:
            raise ValueError(str(exc)) from exc
        return values

    @field_validator("static_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        hosts = {name: [addresses] if isinstance(addresses, str) else addresses for name, addresses in value.items()}
        for name, addresses in hosts.items():
            for address in addresses:
                try:
                    ipaddress.ip_address(str(address).strip())
                except ValueError as exc:
                    raise ValueError(f"static host {name!r}: {address!r} is not an IP address") from exc
        return hosts


class ImageSettings(BaseModel):
    """Listing photos: where their bytes are kept and what one may cost before it is skipped."""

    dir: Path = Field(PROJECT_ROOT / "var" / "images", description="Where listing photos are kept (by SHA-256).")
    max_bytes: int = Field(15_000_000, description="Photos larger than this are skipped (recorded).")
    max_pixels: int = Field(
        40_000_000, description="Photos with more pixels than this are skipped as decompression bombs (recorded)."
    )
    max_frames: int = Field(200, description="Animations with more frames than this are skipped (recorded).")
    per_listing: int = Field(
        10, ge=0, description="Photos a crawl fetches per listing (JSON-LD, og:image, gallery; 0: none)."
    )
    match_index: Literal["memory", "database"] = Field(
        "memory",
        description="How a crawl finds near-identical stored photos: `memory` (sorted arrays in the writer, "
        "~130 bytes per hash row, 3 rows per image, loaded in the background as the crawl starts) or "
        "`database` (indexed chunk queries, no memory; ~10-20x slower at 1M photos). Same answers.",
    )


class ApiSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Address `wildwatch serve` binds to.")
    port: int = Field(8000, description="Port `wildwatch serve` listens on.")
    workers: int = Field(
        0, ge=0, le=64,
        description="Processes `wildwatch serve` starts; 0: one per CPU core, at most 4 (forked, sharing one socket).",
    )
    rate_limit_per_minute: int = Field(
        600, description="Requests per minute allowed per API key (token bucket, per process); 0 disables."
    )
    rate_limit_burst: int = Field(120, description="Requests a key may make at once before the rate applies.")
    key_cache_seconds: float = Field(
        10.0, description="How long a checked API key is trusted before the database is asked again."
    )
    base_url: str | None = Field(
        None,
        description="Public URL that links in API responses and alert payloads (`review_url`) start with "
        "(never taken from the request's Host header); default: `http://<host>:<port>`, loopback for a wildcard host.",
    )
    max_body_bytes: int = Field(
        65_536, ge=0, description="Largest request body accepted by a route not in `body_limits` (HTTP 413 above)."
    )
    body_limits: dict[str, int] = Field(
        # /v1/score: 52,000 characters of title and description, each up to 12 bytes as JSON escapes
        {"/v1/score": 1_048_576},
        description="Largest request body per route path, in bytes (JSON object); other routes get `max_body_bytes`.",
    )
    body_timeout_seconds: float = Field(
        30.0, gt=0, description="A request body not fully received in this time is refused (HTTP 408)."
    )
    docs: bool = Field(True, description="Serve `/docs`, `/redoc` and `/openapi.json` (open, no key needed).")

    def public_base_url(self) -> str:
        """Where people reach the API and review UI, ending in ``/``: ``base_url``, else host and port."""
        if self.base_url:
            return self.base_url.rstrip("/") + "/"
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else "[::1]" if self.host == "::" else self.host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}/"


class AlertSettings(BaseModel):
    webhook_timeout: float = Field(10.0, description="Seconds to wait for a webhook receiver's answer.")
    lease_seconds: int = Field(300, description="A delivery claimed by a sender that died is resent after this.")
    digest_top: int = Field(20, description="Listings in one digest message (the highest scores).")


class ClassifierSettings(BaseModel):
    model_path: Path | None = Field(
        None, description="A model directory; default: the newest under `models_dir`."
    )
    models_dir: Path = Field(PROJECT_ROOT / "models", description="Where trained models are kept.")
    batch_size: int = Field(2000, description="Listings scored per batch.")
    flag_mammoth_ivory: bool = Field(
        True,
        description="Flag listings whose only species is mammoth ivory (monitors track it because it launders "
        "elephant ivory); false keeps their score and species but does not flag them.",
    )


class ModerationSettings(BaseModel):
    """Moderators' decisions and what the system does with them (docs/moderation.md)."""

    auto_dismiss_relists: bool = Field(
        False,
        description="Dismiss a flagged, unreviewed relist of a dismissed listing by the same seller (same or "
        "near-identical text) when it is scored, as reviewer `decision-memory` (audited); false only shows "
        "the earlier decision.",
    )
    retrain_after_reviews: int = Field(
        0,
        description="The nightly retrains (`train --with-reviews`, same promotion gate) once this many new "
        "decisions (confirmed or dismissed) were made since the last retraining, promoted or not; 0 never retrains.",
    )


class EvidenceSettings(BaseModel):
    """Signed case packages (``wildwatch evidence``, docs/evidence.md)."""

    key_path: Path | None = Field(
        None,
        description="The installation's Ed25519 signing key (PEM), made there (mode 0600) on first use; "
        "default: `keys/evidence-ed25519.pem` under `WILDWATCH_VAR_DIR`.",
    )
    tsa_url: str | None = Field(
        None, description="An RFC 3161 time-stamping authority URL; when set, every package's signature is time-stamped."
    )
    tsa_timeout: float = Field(10.0, description="Seconds to wait for the time-stamping authority.")


class Settings(BaseSettings):
    """All WildWatch settings (env prefix ``WILDWATCH_``)."""

    model_config = SettingsConfigDict(
        env_prefix="WILDWATCH_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    env: str = Field("development", description="`development` or `production`.")
    database_url: str = Field(default_factory=_default_database_url, description="SQLAlchemy URL of the store.")
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Lexicons, seed data and demo fixtures.")
    var_dir: Path = Field(PROJECT_ROOT / "var", description="Runtime state: SQLite file, snapshots, reports.")
    log_level: str = Field("INFO", description="Logging level.")
    log_json: bool = Field(False, description="Emit JSON log lines.")
    secret_key: str | None = Field(
        None,
        description="Signs review-UI sessions and encrypts stored webhook secrets. Required outside development "
        f"(at least 32 characters, random); in development a random one is generated in `<var_dir>/{SECRET_FILE}`.",
    )
    previous_secret_key: str | None = Field(
        None, description="The key a rotation replaced: only decrypts stored secrets until "
        "`wildwatch alerts rotate-secrets` re-encrypts them; signs nothing.",
    )
    config_file: Path = Field(
        PROJECT_ROOT / "wildwatch.yaml", description="Operations file: sites, schedule, alert rules, retention."
    )
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    images: ImageSettings = Field(default_factory=ImageSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)

    @property
    def evidence_key_path(self) -> Path:
        """Where the evidence signing key lives (``evidence.key_path``, else under ``var_dir``)."""
        return self.evidence.key_path or self.var_dir / "keys" / "evidence-ed25519.pem"

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        """Outside development the key must be strong; published values are refused everywhere."""
        if self.secret_key is None:
            if self.env != "development":
                raise ValueError(f"WILDWATCH_SECRET_KEY must be set outside development (env {self.env!r}); "
                                 'generate one: python -c "import secrets; print(secrets.token_urlsafe(48))"')
            return self
        published = self.secret_key.strip() in PUBLISHED_SECRETS
        problem = secret_problem(self.secret_key) if published or self.env != "development" else None
        if problem:
            raise ValueError(f"WILDWATCH_SECRET_KEY {problem}; "
                             'generate one: python -c "import secrets; print(secrets.token_urlsafe(48))"')
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (invalid ones: a ConfigError)."""
    try:
        return Settings()
    except ValidationError as exc:
        # One line, and never the input values: a rejected WILDWATCH_SECRET_KEY is still a secret.
        problems = "; ".join(
            ": ".join(part for part in (".".join(map(str, error["loc"])), error["msg"].removeprefix("Value error, "))
                      if part)
            for error in exc.errors(include_input=False, include_url=False)
        )
        raise ConfigError(f"invalid settings: {problems}") from None


def settings_reference() -> list[tuple[str, str, str]]:
    """Every setting as (environment variable, default, description), for the docs."""
    rows: list[tuple[str, str, str]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{prefix}{name.upper()}__")
                continue
            default = field.get_default(call_default_factory=True)
            shown = "" if default is None else str(default).replace(str(PROJECT_ROOT), "<repo>")
            rows.append((f"{prefix}{name.upper()}", shown, field.description or ""))

    walk(Settings, "WILDWATCH_")
    return rows


def settings_markdown() -> str:
    """docs/configuration.md, generated from the settings themselves so the two never disagree."""
    lines = [
        "# Configuration",
        "",
        "<!-- Generated by `python -m core.settings > docs/configuration.md`; a test keeps it current. -->",
        "",
        "WildWatch reads every setting from environment variables with the `WILDWATCH_` prefix, or from a",
        "`.env` file in the working directory. Nested groups use a double underscore",
        "(`WILDWATCH_CRAWLER__USER_AGENT`). `<repo>` stands for the repository root.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for variable, default, description in settings_reference():
        shown = f"`{default}`" if default else ""
        lines.append(f"| `{variable}` | {shown} | {description.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(settings_markdown(), end="")

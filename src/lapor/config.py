"""All configuration, read once from ``LAPOR_*`` environment variables.

No other module reads ``os.environ``: every process (API, worker, CLI, tests) builds a
``Settings`` and hands it on explicitly.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lapor.credentials.secret_key import load_or_create as load_or_create_secret_key
from lapor.credentials.secret_key import weakness as secret_key_weakness

# The key earlier versions used when none was set. It is published, so it is refused everywhere:
# anyone could sign a staff token with it.
DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105 - a known placeholder
DEVELOPMENT_VAPID_SUBJECT = "mailto:facilities@lapor.invalid"


class Settings(BaseSettings):
    """Settings of one Lapor process; development defaults work with no variables at all."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_workers: int = Field(default=0, ge=0, description="0 means one per CPU core")
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signs staff and CSRF tokens; empty: generated once in the data dir",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1", description="Proxies whose X-Forwarded-For the API trusts (comma-separated)"
    )

    # Broker and worker
    worker_batch_size: int = Field(default=32, ge=1, le=1000)
    worker_block_ms: int = Field(default=1000, ge=10)
    worker_claim_idle_seconds: float = Field(default=30.0, gt=0)
    worker_max_attempts: int = Field(default=5, ge=1)
    worker_heartbeat_seconds: float = Field(default=5.0, gt=0)
    worker_db_retry_max_seconds: float = Field(default=10.0, gt=0)
    events_maxlen: int = Field(default=100_000, ge=100)
    redis_wait_aof: bool = False
    processed_retention_days: float = Field(
        default=30, gt=0, description="How long a worker remembers applied commands and sent pushes"
    )

    # Intake limits
    max_photo_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_photo_pixels: int = Field(default=40_000_000, ge=10_000)
    queued_view_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # BRIEF.md: answers are kept at least 7 days (a phone may resend a report made offline days later).
    idempotency_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=7 * 24 * 3600)

    # Staff sessions
    token_max_age_seconds: int = Field(default=12 * 3600, ge=60)

    # Service-level targets: an open report older than this is flagged overdue on the dashboard.
    sla_emergency_hours: float = Field(default=4, gt=0)
    sla_medium_hours: float = Field(default=24, gt=0)
    sla_normal_hours: float = Field(default=72, gt=0)

    # SSE
    sse_max_connection_seconds: float = Field(default=15 * 60, gt=0)
    sse_keepalive_seconds: float = Field(default=15.0, gt=0)

    # Web Push
    vapid_private_key: SecretStr = Field(
        default=SecretStr(""), description="PEM or base64url; empty: generated once in the data dir"
    )
    vapid_subject: str = Field(
        default=DEVELOPMENT_VAPID_SUBJECT,
        pattern=r"^(mailto:[^\s@]+@[^\s@]+|https://\S+)$",
        description="Who runs this server, for the push services: a mailto: or https: URL",
    )
    push_allow_insecure: bool = Field(
        default=False, description="Send to http:// and private addresses (tests and development only)"
    )
    push_ttl_seconds: int = Field(default=24 * 3600, ge=0, le=28 * 24 * 3600)
    push_timeout_seconds: float = Field(default=10.0, gt=0)
    push_retry_max_seconds: float = Field(default=300.0, gt=0)
    push_give_up_seconds: float = Field(default=24 * 3600, gt=0)

    # Pool exhaustion, slow and greedy clients (issue 9, items 6 and 9). The why of each default is
    # in docs/operations.md ("Connection limits and timeouts").
    redis_max_connections: int = Field(
        default=100, ge=1, description="Redis connections per API process (redis-py's default)"
    )
    redis_pool_timeout_seconds: float = Field(
        default=2.0, gt=0, description="How long a request waits for a free pooled Redis connection"
    )
    redis_retry_after_seconds: int = Field(
        default=5, ge=1, description="Retry-After of the 503 answered while Redis cannot be reached"
    )
    sse_max_streams_per_address: int = Field(
        default=200, ge=1, description="Open event streams per client address, over all API processes"
    )
    http_header_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="Time a client has to send a request's headers"
    )
    http_body_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Time a client has to start a body; extended by the bytes it sends"
    )
    http_body_min_rate_bytes: int = Field(
        default=500, ge=1, description="Each this many body bytes received extend the body timeout by 1 s"
    )

    # Floods (issue 9, docs/operations.md "Intake limits"): per-address reports, the command
    # backlog, free disk for uploads. 0 turns a limit off.
    intake_rate_limit: int = Field(
        default=120, ge=0, description="Reports accepted per address (IPv6: per /64) per window; 0: no limit"
    )
    intake_rate_window_seconds: int = Field(default=60, ge=1, le=24 * 3600)
    intake_max_backlog: int = Field(
        default=10_000, ge=0, description="Commands in the stream above which intake answers 503; 0: no bound"
    )
    upload_min_free_bytes: int = Field(
        default=1024**3, ge=0, description="Free space the upload directory keeps; below it photos get 503"
    )

    # Hostile input (issue 9, h9a): the staff sign-in throttle and the metrics of several API
    # processes. Defaults and why: docs/operations.md ("Sign-in throttle", "Metrics").
    login_free_attempts: int = Field(
        default=5, ge=1, le=100, description="Attempts for one username from one address before delays start"
    )
    login_free_attempts_per_address: int = Field(
        default=20, ge=1, le=10_000, description="Attempts from one address (any username) before delays"
    )
    login_max_delay_seconds: int = Field(
        default=60, ge=1, le=600, description="The longest one sign-in attempt is ever made to wait"
    )
    prometheus_multiproc_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"),
        description="Set by `lapor api` for its processes: where they share their metrics",
    )

    # Photos off the command path, time limits, database timeouts (issue 10; docs/operations.md)
    worker_batch_timeout_seconds: float = Field(
        default=20.0, gt=0, description="A batch (or one command) taking longer is a failed attempt"
    )
    photo_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often a worker looks for photos other workers left pending"
    )
    photo_render_timeout_seconds: float = Field(
        default=60.0, gt=0, description="A render taking longer is stopped and counts as a failed attempt"
    )
    photo_retry_max_seconds: float = Field(
        default=60.0, gt=0, description="Longest wait between attempts at a photo that failed to render"
    )
    database_statement_timeout_ms: int = Field(
        default=15_000, ge=0, description="PostgreSQL statement_timeout of the workers' sessions; 0: none"
    )
    database_lock_timeout_ms: int = Field(
        default=5_000, ge=0, description="PostgreSQL lock_timeout of the workers' sessions; 0: none"
    )
    category_cache_seconds: float = Field(
        default=3.0,
        gt=0,
        le=300,
        description="How long an API process serves its category list before re-reading it",
    )
    # The campus's own clock: for display and for the original project's API, whose times are
    # local "YYYY-MM-DD HH:MM:SS" strings (every other time is UTC with ``Z``).
    campus_timezone: str = Field(
        default="Asia/Jakarta", description="IANA time zone of the campus, e.g. Asia/Makassar"
    )
    # The original project's two pages (index.html, admin.html), served same-origin under /lama/.
    legacy_pages_dir: Path | None = Field(
        default=None,
        description="A directory of the operator's copy of the original pages; unset: not served",
    )
    # The address students and staff reach the system at; every absolute link is built from it.
    public_url: str = Field(default="", description="Required in production; in development http://HOST:PORT")

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        self._check_secret_key()
        if self.env == "production" and self.push_allow_insecure:
            raise ValueError("LAPOR_PUSH_ALLOW_INSECURE is for tests and local development only")
        if self.env == "production" and self.vapid_subject == DEVELOPMENT_VAPID_SUBJECT:
            raise ValueError(
                "LAPOR_VAPID_SUBJECT must name who runs this server in production "
                "(mailto:facilities@your-campus.ac.id or an https:// URL)"
            )
        self._check_public_url()
        try:
            ZoneInfo(self.campus_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"LAPOR_CAMPUS_TIMEZONE is not a known IANA time zone: {self.campus_timezone!r} "
                "(for example Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"
            ) from exc
        return self

    def _check_secret_key(self) -> None:
        key = self.secret_key.get_secret_value().strip()
        if key == DEVELOPMENT_SECRET:
            raise ValueError(
                "LAPOR_SECRET_KEY is the published development placeholder: anyone could sign a staff "
                "token with it; unset it (a key is then generated in the data dir) or set a random one"
            )
        if self.env != "production":
            return
        if not key:
            raise ValueError(
                "LAPOR_SECRET_KEY must be set to a long random value in production, the same for every "
                'API and worker process (for example: python -c "import secrets; '
                'print(secrets.token_urlsafe(48))")'
            )
        problem = secret_key_weakness(key)
        if problem is not None:
            raise ValueError(
                f"LAPOR_SECRET_KEY is too weak for production: {problem} "
                '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )

    @property
    def resolved_database_url(self) -> str:
        """The database URL; by default an embedded SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'lapor.db').resolve()}"

    # LAPOR_PUBLIC_URL
    @property
    def resolved_public_url(self) -> str:
        """The address every absolute link starts with (QR codes, tracking links), no trailing slash."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def _check_public_url(self) -> None:
        # A QR code printed with a wrong address is glued to a thousand doors: refuse it at start.
        url = self.public_url.strip()
        if url and not url.startswith(("http://", "https://")):
            raise ValueError(f"LAPOR_PUBLIC_URL must start with http:// or https:// (got {url!r})")
        if self.env == "production" and not url:
            raise ValueError(
                "LAPOR_PUBLIC_URL must be set in production: the address students reach the system at "
                "(for example https://lapor.your-campus.ac.id); QR labels and invitation links are "
                "built from it"
            )

    @property
    def campus_zone(self) -> ZoneInfo:
        """The campus's time zone (checked at start)."""
        return ZoneInfo(self.campus_timezone)

    @cached_property
    def upload_dir(self) -> Path:
        """Raw uploads waiting for the worker; the API writes here and nothing else."""
        return self.data_dir / "uploads"

    @cached_property
    def photo_dir(self) -> Path:
        """Re-encoded photos and thumbnails, written by the worker and served by the API."""
        return self.data_dir / "photos"

    @cached_property
    def vapid_key_file(self) -> Path:
        """The VAPID private key generated on first start when LAPOR_VAPID_PRIVATE_KEY is empty."""
        return self.data_dir / "vapid_private.pem"

    @property
    def effective_api_workers(self) -> int:
        return self.api_workers or (os.cpu_count() or 1)

    @property
    def max_body_bytes(self) -> int:
        """A whole request body may carry one photo plus the form fields around it."""
        return self.max_photo_bytes + 256 * 1024

    # Signing key (staff tokens, CSRF tokens, photo names)
    @cached_property
    def secret_key_file(self) -> Path:
        """The key generated on first start when LAPOR_SECRET_KEY is empty (0600, never logged)."""
        return self.data_dir / "secret_key"

    @cached_property
    def signing_key(self) -> str:
        """The key every process signs and checks with: LAPOR_SECRET_KEY, or else the key in the
        data dir, created on first use. Processes read it at start (``lapor api``, the app's
        lifespan, ``lapor worker``), so a bad key file stops them there and the log says which key
        is used; a module needing the key asks for this, never for ``secret_key``."""
        configured = self.secret_key.get_secret_value().strip()
        if configured:
            return configured
        return load_or_create_secret_key(self.secret_key_file)

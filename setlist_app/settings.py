"""One typed settings object, read from environment variables (and an optional `.env`).

Every knob of the app, the worker and the launcher lives here; the README lists them all.
Defaults are the embedded first-run setup: a SQLite file, local Redis, the local API simulator.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REAL_PROVIDER_URLS = {
    "spotify": "https://api.spotify.com",
    "spotify_accounts": "https://accounts.spotify.com",
    "ticketmaster": "https://app.ticketmaster.com",
    "setlistfm": "https://api.setlist.fm",
    "musicbrainz": "https://musicbrainz.org",
}


class OidcProvider(BaseModel):
    """One sign-in provider of `OIDC_PROVIDERS` (its own button; redirect URI /auth/callback/<id>)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    issuer_url: str = Field(pattern=r"^https?://")
    client_id: str = Field(min_length=1)
    client_secret: str = ""
    name: str = ""  # the button's label; derived from the issuer when empty
    scopes: str = "openid email profile"


class Settings(BaseSettings):
    """Application settings; field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field("dev", description="dev | test | prod")
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'setlist.db'}"
    redis_url: str = "redis://127.0.0.1:6379"
    # Separate Redis DB numbers: Reflex SCANs and reconfigures its own DB (notes/reflex-practicalities.md).
    redis_db_reflex: int = 0
    redis_db_queue: int = 1
    redis_db_app: int = 2
    reflex_oplock: bool = True  # Reflex's opportunistic locking where its Redis is 7+ (db.oplock_supported)

    port: int = 3000  # the app (frontend and backend on one port in prod mode)
    app_url: str = "http://127.0.0.1:3000"  # the public URL; unset = http://127.0.0.1:<PORT>
    # Reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated IPs or CIDRs, e.g.
    # "127.0.0.1,10.0.0.0/8"); empty = none: the socket's peer is the client (README "Production").
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Origins besides APP_URL's that may call us with credentials (CORS) or open the event websocket.
    cors_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    secret_key: str = Field("dev-insecure-secret-change-me", min_length=16)
    admin_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)  # comma-separated

    # Providers: base URLs point at the local simulator unless real keys are configured.
    simulator_url: str = "http://127.0.0.1:8765"
    spotify_client_id: str = ""
    spotify_client_secret: str = ""
    spotify_api_url: str = ""
    spotify_accounts_url: str = ""
    ticketmaster_api_key: str = ""
    ticketmaster_api_url: str = ""
    setlistfm_api_key: str = ""
    setlistfm_api_url: str = ""
    musicbrainz_api_url: str = ""
    musicbrainz_user_agent: str = "setlist_app/0.1 ( admin@example.com )"
    http_timeout_seconds: float = 10.0
    # Shared rate limits (DESIGN.md §6); Spotify is adaptive on top of its soft per-second rate.
    ticketmaster_rate_per_second: int = 2
    ticketmaster_daily_quota: int = 5000
    setlistfm_rate_per_second: int = 2
    setlistfm_daily_quota: int = 1440
    musicbrainz_rate_per_second: int = 1
    spotify_rate_per_second: int = 5
    rate_limit_max_wait_seconds: float = 30.0
    # Provider circuit: this many failures within the window open it; probe after the cool-down.
    circuit_failure_threshold: int = 5
    circuit_failure_window_seconds: int = 300
    circuit_cooldown_seconds: int = 300
    circuit_quota_cooldown_seconds: int = 3600

    # Voting (DESIGN.md §4) and live fan-out (§5).
    anon_votes_per_show: int = 2  # before signing in; enforced in the vote transaction
    anon_adds_per_show: int = 2
    vote_rate_per_minute: int = 100  # per voter, against scripted abuse
    anon_ip_rate_per_minute: int = 60  # per client IP for anonymous voters (cookie churn)
    artist_requests_per_ip_per_hour: int = 10  # new artist discoveries per client IP (beside 5 per requester)
    live_tick_ms: int = 50  # at most one snapshot per show per tick, per backend worker (README Benchmarks)
    live_viewers_push_seconds: float = 1.0  # a change of only the viewer count is pushed at most this often
    live_resync_seconds: float = 5.0  # re-read watched shows this often even without a publish
    health_poll_seconds: float = 3.0  # each backend worker re-reads sync health this often for the banner
    live_viewer_ttl_seconds: float = 15.0  # a worker's viewer count expires if not refreshed

    # Sync pipeline (DESIGN.md §6). Budgets are alarms, not hard limits: over them the
    # non-essential planners pause themselves and sync_status carries an alert.
    sync_lease_seconds: int = 600  # a running job whose lease expired is presumed crashed
    sync_job_timeout_seconds: int = 300  # arq job timeout; must stay below the lease
    sync_max_attempts: int = 3
    sync_retry_base_seconds: int = 60  # retry backoff: base * 2**(attempt-1)
    sync_tick_seconds: int = 15  # the one arq cron fires this often (a divisor of 60)
    sync_heartbeat_stale_seconds: int = 120  # older heartbeat = worker down
    sync_failure_window_seconds: int = 900  # a recent unresolved failure = degraded
    sync_jobs_per_minute_alert: int = 1000
    sync_jobs_per_day_budget: int = 50_000
    sync_provider_calls_per_day_budget: int = 20_000  # per provider
    sync_calls_per_day_budget: int = 90_000  # jobs + every provider's calls: the audit's < 100,000/day
    sync_write_retries: int = 5  # optimistic-concurrency retries for one artist write
    sync_dispatch_batch: int = 500
    catalog_min_interval_hours: int = 24  # the 24 h guard
    catalog_refresh_days: int = 7  # a good catalog is refreshed this often
    catalog_empty_retry_hours: int = 72  # an empty catalog is retried this often

    # Domain sync jobs: Ticketmaster discovery (one job per market; Discovery v2 needs a country per
    # query), enrichment, prediction seeding, setlist.fm import, retention.
    discovery_countries: Annotated[list[str], NoDecode] = Field(
        "US,CA,MX,BR,AR,GB,IE,FR,DE,NL,ES,IT,AU", validate_default=True
    )  # Ticketmaster markets, comma-separated
    discovery_horizon_days: int = 365  # how far ahead discovery looks for shows
    discovery_lookback_days: int = 3  # re-read recent shows so late cancellations are seen
    first_run_lookback_days: int = 240  # the first fill also imports recent past shows (for setlists)
    discovery_min_upcoming_events: int = 2  # "touring": at least this many upcoming dates
    enrichment_refresh_days: int = 30  # MusicBrainz enrichment is refreshed this often
    musicbrainz_min_score: int = 90  # lowest MusicBrainz match score accepted for an artist
    seed_song_count: int = 10  # songs in a seeded prediction
    seed_recency_half_life_days: float = 180.0  # weight of past setlists halves with this age
    setlistfm_daily_budget: int = 1300  # share of setlist.fm's 1,440/day quota the planners may use
    import_max_age_days: int = 365  # shows older than this get no setlist import
    import_not_found_attempts: int = 5  # then the show is marked `not_found`
    import_backoff_hours: float = 6.0  # not found: 6 h, 12 h, 24 h, 48 h, then `not_found`
    retention_job_days: int = 30  # finished jobs (and write-conflict records) are deleted after this
    retention_cron_run_days: int = 30
    retention_error_days: int = 60
    retention_batch: int = 5000  # rows deleted per table per retention run

    # Sign-in (DESIGN.md §8): a JSON list of OIDC issuers, each with its own button, e.g.
    # [{"id": "google", "issuer_url": "https://accounts.google.com", "client_id": "...",
    # "client_secret": "..."}, {"id": "clerk", "issuer_url": "https://<app>.clerk.accounts.dev", ...}]
    # (fields: id, issuer_url, client_id, client_secret, name, scopes). None configured (here or
    # below) = the simulator's two issuers (first run, tests).
    oidc_providers: list[OidcProvider] = Field(default_factory=list)
    # One issuer the older way (still honoured: provider id "oidc", listed first, redirect URI
    # /auth/callback).
    oidc_issuer_url: str = ""  # e.g. https://accounts.google.com or a Clerk instance URL
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_provider_name: str = ""  # shown on the sign-in button; derived from the issuer when empty
    oidc_scopes: str = "openid email profile"
    # Base URL for OAuth redirect URIs; empty = the URL the browser used (request's scheme and host).
    auth_redirect_base_url: str = ""
    session_max_age_seconds: int = 30 * 24 * 3600
    session_cache_seconds: float = 5.0  # per-process role cache; revocations apply at once anyway
    oauth_state_max_age_seconds: int = 600  # a sign-in must finish within this
    # AES-256-GCM keys for OAuth tokens: "kid:base64key,kid2:base64key"; the first encrypts, all
    # decrypt (rotation). No key = Spotify connect is disabled (simulator-only dev key aside).
    token_encryption_keys: str = ""
    # Spotify connect: imports never burst the job queue.
    spotify_import_max_jobs: int = 5
    spotify_import_job_spacing_seconds: int = 30
    spotify_import_min_interval_seconds: int = 600
    spotify_import_max_artists: int = 200

    # Operations: logs, metrics, health, the launcher (README "Production").
    log_level: str = "INFO"  # DEBUG | INFO | WARNING | ERROR
    log_format: str = "auto"  # auto (JSON when ENVIRONMENT=prod, else text) | json | text
    metrics_token: str = (
        ""  # bearer token for /metrics; empty = direct localhost requests only (no proxy headers)
    )
    prometheus_multiproc_dir: str = ""  # shared dir of a host's app+arq processes for metrics; wiped at start
    ready_requires_worker: bool = True  # /readyz fails while no arq worker heartbeat is fresh
    ready_migrations_cache_seconds: float = 30.0  # /readyz re-checks the Alembic revision this often
    ready_check_timeout_seconds: float = 3.0  # each /readyz dependency check gives up after this
    launcher_backoff_max_seconds: float = 60.0  # crashed children restart after 1 s, doubling up to this
    launcher_stop_timeout_seconds: float = 15.0  # children get SIGTERM, then SIGKILL after this
    error_log_window_seconds: int = 3600  # an error recurring within this adds to its error_log count
    # Alerts that leave the app (docs/runbook.md): spike, budget, worker down, provider circuit.
    alert_webhook_url: str = ""  # Slack/Discord-compatible incoming webhook; empty = history in /admin only
    alert_check_seconds: int = 15  # the worker checks alerts and sends messages this often (divides 60)
    alert_webhook_per_minute: int = 10  # at most this many webhook messages a minute; the rest wait
    alert_webhook_max_attempts: int = 5  # a message that failed this often is given up (logged as an error)
    alert_webhook_retry_base_seconds: int = 30  # retry backoff: base * 2**(attempts-1)
    alert_remind_seconds: int = 3600  # an unacknowledged alert is re-sent this often while raised; 0 = never

    # The demo crowd (`python -m setlist_app.crowd`, started by the launcher): demo fans voting and
    # adding songs on the soonest upcoming shows through the real vote path.
    demo_crowd_actions_per_minute: int | None = None  # empty = 12 in the simulator demo (not prod); 0 = off
    demo_crowd_shows: int = 3  # the crowd acts on this many of the soonest upcoming shows
    demo_crowd_fans: int = 8  # demo fan accounts ("<name> (demo fan)", e-mail at demo.invalid)

    # Notifications: in-app (bell) always; an e-mail digest only when SMTP_URL is set.
    smtp_url: str = ""  # smtp://user:password@host:port (or smtps://); empty = no e-mail digest
    smtp_from: str = "Setlist <notifications@setlist.invalid>"  # the digest's From header

    @field_validator("admin_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        if isinstance(value, str):
            return [e.strip().lower() for e in value.split(",") if e.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        """A typo must fail at startup, not silently trust nobody (or the wrong network)."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for network in value:
                ipaddress.ip_network(str(network), strict=False)  # ValueError names the bad entry
        return value

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin_of(part) for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _default_app_url(self) -> Settings:
        if "app_url" not in self.model_fields_set:
            self.app_url = f"http://127.0.0.1:{self.port}"
        return self

    @property
    def allowed_origins(self) -> list[str]:
        """APP_URL's origin (with its loopback twin: 127.0.0.1 and localhost are one machine) and
        CORS_ALLOWED_ORIGINS: the only origins CORS and the websocket handshake accept."""
        own = origin_of(self.app_url)
        twins = [own.replace("//127.0.0.1", "//localhost"), own.replace("//localhost", "//127.0.0.1")]
        return list(dict.fromkeys([own, *twins, *self.cors_allowed_origins]))

    @field_validator("discovery_countries", mode="before")
    @classmethod
    def _split_countries(cls, value: object) -> object:
        if isinstance(value, str):
            return [c.strip().upper() for c in value.split(",") if c.strip()]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_simulator(self) -> bool:
        """True when no real provider key is set: the app talks to the local simulator."""
        return not (self.spotify_client_id or self.ticketmaster_api_key or self.setlistfm_api_key)

    @property
    def crowd_rate(self) -> int:
        """Demo-crowd actions per minute: the setting, else on for the embedded demo only."""
        if self.demo_crowd_actions_per_minute is not None:
            return max(self.demo_crowd_actions_per_minute, 0)
        return 12 if self.uses_simulator and self.environment != "prod" else 0

    @field_validator("oidc_providers")
    @classmethod
    def _unique_provider_ids(cls, value: list[OidcProvider]) -> list[OidcProvider]:
        ids = [p.id for p in value]
        if len(set(ids)) != len(ids) or {"oidc", "spotify"} & set(ids):
            raise ValueError("OIDC_PROVIDERS ids must be unique and not 'oidc' or 'spotify'")
        return value

    def redis_db_url(self, db: int) -> str:
        """The Redis URL with the given DB number, replacing any number in `redis_url`."""
        base = self.redis_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        if tail.isdigit() and "://" in head:
            base = head
        return f"{base}/{db}"

    def provider_url(self, name: str) -> str:
        """Base URL of a provider API (host root; clients append the versioned path).

        The configured URL wins; else the real API when that provider is configured with keys
        (MusicBrainz needs none: real whenever any key is set); else the simulator's mount.
        `name` is spotify, spotify_accounts, ticketmaster, setlistfm or musicbrainz.
        """
        configured = getattr(self, f"{name}_url", "") or getattr(self, f"{name}_api_url", "")
        if configured:
            return configured.rstrip("/")
        keyed = {
            "spotify": bool(self.spotify_client_id),
            "spotify_accounts": bool(self.spotify_client_id),
            "ticketmaster": bool(self.ticketmaster_api_key),
            "setlistfm": bool(self.setlistfm_api_key),
            "musicbrainz": not self.uses_simulator,
        }
        if keyed.get(name):
            return REAL_PROVIDER_URLS[name]
        return f"{self.simulator_url.rstrip('/')}/{name.replace('_', '-')}"


def origin_of(url: str) -> str:
    """`scheme://host[:port]` as a browser sends it in `Origin` (lower case, no default port)."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    port = parts.port
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear it with `get_settings.cache_clear()`)."""
    return Settings()

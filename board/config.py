"""Configuration in three layers: defaults, then the environment, then the caller's mapping."""

import os
import secrets
from pathlib import Path

from flask import Flask


class Defaults:
    """Settings that are safe everywhere; secrets deliberately have no usable default."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    # Bound values are patient data: never echo them into error messages or logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    SQLITE_BUSY_TIMEOUT_MS = 15_000
    # PostgreSQL cancels a statement that runs longer; the request answers 503.
    DATABASE_STATEMENT_TIMEOUT_MS = 20_000

    # "json" (JSON lines on stderr with a request id) or "text"; unset: text when debugging
    # or testing, JSON otherwise.
    LOG_FORMAT: str | None = None

    # Input limits: a larger body answers 413, deeper JSON 400, before anything parses them.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_JSON_DEPTH = 32
    # Load shedding: a request that waited longer than this for a worker thread (or since the
    # proxy's X-Request-Start) is answered 503 at once; its client has likely given up.
    QUEUE_TIMEOUT_SECONDS = 1.0
    RETRY_AFTER_SECONDS = 5
    # Requests a gunicorn worker keeps waiting for a thread; more are answered 503 at once.
    MAX_QUEUED_REQUESTS = 16
    # Set to "X-Request-Start" when the proxy stamps it (clocks in sync), so that time queued
    # in the proxy and the listen backlog counts too.
    REQUEST_START_HEADER: str | None = None

    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MIN_SCORE = 3  # zxcvbn's 0-4 guessability score a new password must reach
    # Cookies travel only over HTTPS; local development opts out explicitly (`make run`).
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Login sessions live server-side (accounts.models.LoginSession): these bound them.
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_TOUCH_SECONDS = 60  # how often a session's last use is written at most
    # There is no remember-me: these only harden a stale cookie left from older versions.
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_CHECK_DEFAULT = False  # checked in security.py so bearer-token calls are exempt
    # A CSRF token is renewed at login and lives no longer than the login session itself.
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    WTF_CSRF_SSL_STRICT = True

    HSTS_SECONDS = 365 * 24 * 3600  # sent only on responses served over HTTPS

    # The audit chain's HMAC key; unset, it is derived from SECRET_KEY. Set it in production
    # and keep it outside the database (docs/security.md).
    AUDIT_CHAIN_KEY: str | None = None

    # Failed logins within the window lock an email, or an address, until the window passes.
    LOGIN_THROTTLE_WINDOW_MINUTES = 15
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20

    API_TITLE = "Tumor board scheduling API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui-dist/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
            }
        },
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    }

    # Calendar-facing identity; also used to build stable event UIDs.
    BOARD_DOMAIN = "tumorboard.example.org"
    FEED_FETCH_RECORD_SECONDS = 300  # how often a feed's "last fetched" is written at most
    # Guessing limit: this many unknown feed tokens from one client network within the window
    # answer 429 for unknown tokens only; a token that resolves is never refused.
    FEED_MISS_LIMIT = 20
    FEED_MISS_WINDOW_SECONDS = 300
    FEED_MISS_BUCKET_SECONDS = 60
    # Scheme and host of calendar links, e.g. "https://boards.example.org"; default: the
    # request's own (behind a proxy, set TRUSTED_PROXIES so X-Forwarded-* are believed).
    PUBLIC_BASE_URL: str | None = None
    # Proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port werkzeug's
    # ProxyFix believes; 0 believes none (a client could forge its address).
    TRUSTED_PROXIES = 0
    # Compression of calendar responses when the client asks (Flask-Compress).
    COMPRESS_REGISTER = False  # only the routes that ask for it
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIMETYPES = ["text/calendar"]
    DEFAULT_TIME_ZONE = "America/New_York"
    HOLIDAY_COUNTRY = "US"
    HOLIDAY_SUBDIVISION: str | None = None
    SESSION_HORIZON_WEEKS = 12

    # Seconds between firings of each background job (flask board scheduler).
    SCHEDULER_JOB_PERIODS = {
        "generate_sessions": 24 * 3600,
        "assign": 15 * 60,
        "records_cutoff": 3600,
        "publish_agendas": 5 * 60,
        "reminders": 3600,
        "deliver_email": 60,
        "recover_runs": 30,
    }
    SCHEDULER_POLL_SECONDS = 2.0
    # Hard wall-clock limit for one engine solve; the greedy fallback answers past it.
    SCHEDULER_TIME_LIMIT_SECONDS = 10.0
    # On SQLite the leader holds this file lock; default: instance/scheduler.lock.
    SCHEDULER_LOCK_FILE: str | None = None
    SCHEDULER_MISFIRE_GRACE_SECONDS = 600
    # An engine run beats every few seconds while its process works on it; one silent for
    # longer than the stale limit belongs to a dead process and is marked failed.
    SCHEDULE_RUN_HEARTBEAT_SECONDS = 5.0
    SCHEDULE_RUN_STALE_SECONDS = 60.0

    # Where `board backup` / `board restore` find pg_dump and pg_restore on PostgreSQL;
    # default: the PATH (their major version must be at least the server's).
    PG_BIN_DIR: str | None = None

    RECORDS_REMINDER_DAYS = 3  # remind the referring office this many days before the cutoff

    MAIL_HOST = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS
    MAIL_USE_SSL = False  # implicit TLS, usually port 465
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "Tumor boards <tumor-boards@localhost>"
    MAIL_TIMEOUT_SECONDS = 20
    MAIL_MAX_ATTEMPTS = 6
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_BATCH_SIZE = 100
    # The demo's local SMTP catcher keeps its mail here (`make run`); None: no caught-mail page.
    MAIL_CATCHER_DIR: str | None = None


def load_config(app: Flask, overrides: dict | None) -> None:
    """Apply defaults, `FLASK_*` environment variables and `DATABASE_URL`, then overrides."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env()
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(os.environ["DATABASE_URL"])
    if overrides:
        app.config.update(overrides)

    instance = Path(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'board.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = read_instance_secret(instance)
    if not app.config["SECRET_KEY"]:
        raise RuntimeError(
            "No SECRET_KEY: set FLASK_SECRET_KEY, or run `make instance/secret_key` "
            "to write one under instance/."
        )


def normalize_database_url(url: str) -> str:
    """Make `postgres://` and `postgresql://` URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def read_instance_secret(instance: Path) -> str | None:
    """Read the secret key kept in the instance folder, if one was written."""
    path = instance / "secret_key"
    return path.read_text().strip() if path.exists() else None


def write_instance_secret(instance: Path) -> bool:
    """Write a new random secret key under instance/ unless one exists; True if written."""
    path = instance / "secret_key"
    if path.exists():
        return False
    instance.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_urlsafe(48))
    path.chmod(0o600)
    return True

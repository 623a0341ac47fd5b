"""Settings, read from the environment.

`Config` holds what every deployment shares; `DevConfig` is the embedded default that
`python run.py` uses (SQLite and secrets generated into `instance/`), `TestConfig` is what the
test suite builds, and `ProductionConfig` refuses to start without its secrets.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The deployment is missing a setting it cannot run without."""


class Config:
    APP_NAME = "WriteCareNotes"
    APP_ICON = "/static/img/writecarenotes.svg"

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Test each pooled connection before use: after a database restart the first request on every
    # worker gets a fresh connection instead of an error.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Seconds a browser (or API client) is told to wait before trying again during a database outage.
    OUTAGE_RETRY_AFTER = int(os.environ.get("OUTAGE_RETRY_AFTER", "30"))
    REDIS_URL = os.environ.get("REDIS_URL")
    # "kid:base64key,kid:base64key": the first key encrypts, all of them decrypt.
    FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS")
    # Key for the HMAC blind indexes (exact-match search of encrypted values).
    FIELD_BLIND_INDEX_KEY = os.environ.get("FIELD_BLIND_INDEX_KEY")
    FORMS_STORE = os.environ.get("FORMS_STORE", "sql")
    MONGODB_URI = os.environ.get("MONGODB_URI")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@writecarenotes.local")

    # Flask-AppBuilder
    FAB_SECURITY_MANAGER_CLASS = "app.security.CareSecurityManager"
    FAB_CREATE_DB = False  # the schema comes from Alembic migrations only
    FAB_UPDATE_PERMS = False  # synced by `flask setup` and run.py, once the tables exist
    FAB_ADD_SECURITY_API = False
    FAB_API_SWAGGER_UI = True
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_INDEX_VIEW = "app.views.HomePageView"
    AUTH_ROLE_ADMIN = "Administrator"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    AUTH_RATE_LIMITED = True
    # Sign-in attempts per address. A home's staff share one address behind its router, and a shift
    # change signs many in at once, so this only slows password spraying; guessing one account's
    # password is stopped by its lockout below. Set AUTH_RATE_LIMIT to tighten it.
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "60 per minute")
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # Redis unreachable: count sign-in attempts in each web process's memory instead (logged once),
    # so signing in never depends on Redis; back on Redis when it answers again.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # After this many failed sign-ins in a row an account is paused for AUTH_LOCKOUT_MINUTES, doubled
    # after each further failure up to AUTH_LOCKOUT_MAX_MINUTES; a correct sign-in after the pause, a
    # password reset by email or an administrator's "Unlock" clears it. Per username as well as per
    # address, sign-in attempts are limited by AUTH_USERNAME_RATE_LIMIT.
    AUTH_MAX_FAILED_LOGINS = int(os.environ.get("AUTH_MAX_FAILED_LOGINS", "5"))
    AUTH_LOCKOUT_MINUTES = float(os.environ.get("AUTH_LOCKOUT_MINUTES", "1"))
    AUTH_LOCKOUT_MAX_MINUTES = float(os.environ.get("AUTH_LOCKOUT_MAX_MINUTES", "60"))
    AUTH_USERNAME_RATE_LIMIT = os.environ.get("AUTH_USERNAME_RATE_LIMIT", "10 per minute")
    # Server-side sessions: signed out after this long without a request, and after this long at all.
    SESSION_IDLE_MINUTES = float(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = float(os.environ.get("SESSION_MAX_HOURS", "12"))
    # Roles that must use a second factor (an authenticator app); anyone else may choose to.
    MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "Administrator,Home Manager,Finance,Auditor")
    PASSWORD_RESET_MINUTES = float(os.environ.get("PASSWORD_RESET_MINUTES", "30"))
    # The address links in emails point at (password reset); without it, the address of the request.
    APP_BASE_URL = os.environ.get("APP_BASE_URL")

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    JWT_ACCESS_TOKEN_EXPIRES = 15 * 60
    JWT_REFRESH_TOKEN_EXPIRES = int(SESSION_MAX_HOURS * 3600)
    # Strict-Transport-Security max-age in seconds; 0 sends none (production: a year, see below).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))

    # Translations: en-GB first, Welsh second.
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {
        "en": {"flag": "gb", "name": "English"},
        "cy": {"flag": "gb-wls", "name": "Cymraeg"},
    }
    DISPLAY_TIMEZONE = "Europe/London"

    DEMO_DATA = False
    FILES_DIR = os.environ.get("FILES_DIR", str(INSTANCE_DIR / "files"))
    # Background jobs (app/jobs/): retries after a failure, seconds between them, the longest a
    # job may run, and how many days generated files are kept.
    JOB_RETRIES = int(os.environ.get("JOB_RETRIES", "3"))
    JOB_RETRY_INTERVALS = [int(s) for s in os.environ.get("JOB_RETRY_INTERVALS", "30,120,600").split(",")]
    JOB_TIMEOUT = int(os.environ.get("JOB_TIMEOUT", "1800"))
    JOB_RESULT_DAYS = int(os.environ.get("JOB_RESULT_DAYS", "30"))
    # A running job writes a heartbeat this often; one silent for JOB_STALE_SECONDS belongs to a dead
    # attempt (worker killed, database gone) and is retried within its budget or failed.
    JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "15"))
    JOB_STALE_SECONDS = float(os.environ.get("JOB_STALE_SECONDS", "90"))
    # The worker's scheduler sweeps this often, and waits at most this long between tries in an outage.
    JOB_SWEEP_SECONDS = float(os.environ.get("JOB_SWEEP_SECONDS", "60"))
    JOB_SCHEDULER_MAX_BACKOFF = float(os.environ.get("JOB_SCHEDULER_MAX_BACKOFF", "60"))


def _instance_secret(name: str, make) -> str:
    """Read a generated secret from instance/, creating it on first start."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _new_encryption_keys() -> str:
    return "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()


class DevConfig(Config):
    """The embedded default: SQLite in instance/, jobs inline, generated secrets."""

    DEBUG = False
    DEMO_DATA = True

    def __init__(self) -> None:
        if not self.SECRET_KEY:
            self.SECRET_KEY = _instance_secret("secret_key", lambda: secrets.token_hex(32))
        if not self.FIELD_ENCRYPTION_KEYS:
            self.FIELD_ENCRYPTION_KEYS = _instance_secret("field_encryption_keys", _new_encryption_keys)
        if not self.FIELD_BLIND_INDEX_KEY:
            self.FIELD_BLIND_INDEX_KEY = _instance_secret(
                "field_blind_index_key", lambda: secrets.token_hex(32)
            )
        if not self.SQLALCHEMY_DATABASE_URI:
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'writecarenotes.db'}"


class TestConfig(Config):
    """The test suite: DATABASE_URL from the environment (PostgreSQL in CI) or in-memory SQLite."""

    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    AUTH_RATE_LIMITED = False
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing, tests only
    SECRET_KEY = "test-only-secret-" + secrets.token_hex(8)
    FIELD_ENCRYPTION_KEYS = "t1:" + base64.b64encode(b"\x01" * 32).decode()
    FIELD_BLIND_INDEX_KEY = "test-blind-index-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or "sqlite://"
    REDIS_URL = os.environ.get("TEST_REDIS_URL")
    METRICS_TOKEN = "test-metrics-token"
    # The seeded users sign in with a password only; tests of the second factor enable it themselves.
    MFA_REQUIRED_ROLES = ""


class ProductionConfig(Config):
    """Refuses to start without the secrets a real deployment must supply."""

    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS", "FIELD_BLIND_INDEX_KEY")
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))

    def __init__(self) -> None:
        missing = [name for name in self.REQUIRED if not os.environ.get(name)]
        if missing:
            raise ConfigError(
                "WriteCareNotes will not start in production without these settings: "
                + ", ".join(missing)
                + ". Set them in the environment (see README, Configuration)."
            )


CONFIGS = {"development": DevConfig, "test": TestConfig, "production": ProductionConfig}


def load_config(name: str | None = None) -> Config:
    name = name or os.environ.get("WCN_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"WCN_ENV must be one of {', '.join(CONFIGS)}; got {name!r}") from None

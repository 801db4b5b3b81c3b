"""Settings read from the environment, one class per environment.

Every key is documented in README.md (a test checks it).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .private_files import private_dir, write_private_text

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def development_secret_key(instance: Path = INSTANCE) -> str:
    """Return a per-checkout secret, generated into ``instance/`` on first use."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_dir(instance)
    key = secrets.token_hex(32)
    # Write-then-rename so two workers starting together agree on one key.
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    write_private_text(tmp, key)
    if not path.exists():
        tmp.replace(path)
    else:
        tmp.unlink()
    return path.read_text().strip()


def normalize_database_url(url: str) -> str:
    """Accept the common ``postgres://`` spelling and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Defaults shared by every environment."""

    ENV_NAME = "development"
    ARGON2_FAST = False  # cheap password hashing; tests only
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'directory.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Search: "embedded" (default, no server) or "meilisearch" (chosen when MEILI_URL is set).
    MEILI_URL = os.environ.get("MEILI_URL") or None
    MEILI_API_KEY = os.environ.get("MEILI_API_KEY") or None
    MEILI_INDEX = os.environ.get("MEILI_INDEX", "agencies")
    MEILI_TIMEOUT = float(os.environ.get("MEILI_TIMEOUT", "1.5"))
    # Facet counts reused per web process while the index is unchanged (meili/cache.py).
    MEILI_CACHE_SECONDS = float(os.environ.get("MEILI_CACHE_SECONDS", "30"))
    MEILI_STATE_SECONDS = float(os.environ.get("MEILI_STATE_SECONDS", "1"))
    MEILI_CACHE_SIZE = int(os.environ.get("MEILI_CACHE_SIZE", "2000"))
    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND") or (
        "meilisearch" if MEILI_URL else "embedded"
    )
    SEARCH_INDEX_PATH = os.environ.get("SEARCH_INDEX_PATH", str(INSTANCE / "search"))
    # Load the embedded index when a web process starts (never under tests or in commands).
    SEARCH_PRELOAD = _bool("SEARCH_PRELOAD", True)

    # Languages served; the first is the fallback.
    LANGUAGES = ("en", "fr")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "directory" / "translations")

    # Mail: "console" (development), "file" (MAIL_OUTBOX_DIR, tests), "smtp" (production).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE / "outbox"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "directory@localhost")

    # Public base URL used in emails, sitemaps and badge snippets (falls back to the request's).
    SERVER_NAME_PUBLIC = os.environ.get("PUBLIC_URL") or None

    # Ratings: Bayesian prior (see README, "Ratings").
    RATING_PRIOR_MEAN = float(os.environ.get("RATING_PRIOR_MEAN", "3.5"))
    RATING_PRIOR_WEIGHT = float(os.environ.get("RATING_PRIOR_WEIGHT", "5"))

    # Badges: how long a worker may reuse an agency's badge facts (0 = query every time).
    BADGE_CACHE_SECONDS = float(os.environ.get("BADGE_CACHE_SECONDS", "2"))
    BADGE_CACHE_SIZE = _int("BADGE_CACHE_SIZE", 10_000)

    # Home page counts: how long a worker reuses them (0 = recompute on every request).
    HOME_CACHE_SECONDS = float(os.environ.get("HOME_CACHE_SECONDS", "60"))
    # Suggestions as you type: how long a worker reuses its prefix index (directory/search/
    # suggest.py); a commit in the same worker refreshes it sooner.
    SUGGEST_CACHE_SECONDS = float(os.environ.get("SUGGEST_CACHE_SECONDS", "300"))
    # Search analytics (directory/services/search_analytics.py): daily counts per normalised
    # query, kept this many months; searches are buffered this many seconds before one write.
    SEARCH_LOG_RETENTION_MONTHS = _int("SEARCH_LOG_RETENTION_MONTHS", 13)
    SEARCH_LOG_FLUSH_SECONDS = float(os.environ.get("SEARCH_LOG_FLUSH_SECONDS", "5"))
    # Agency insights (directory/services/insights/): counters buffered this many seconds per
    # worker before one write; at most this many embedding sites per agency and day.
    INSIGHTS_FLUSH_SECONDS = float(os.environ.get("INSIGHTS_FLUSH_SECONDS", "5"))
    INSIGHTS_HOSTS_PER_DAY = _int("INSIGHTS_HOSTS_PER_DAY", 20)
    # Twelve months on the charts, and the same months a year before for comparison.
    INSIGHTS_RETENTION_MONTHS = _int("INSIGHTS_RETENTION_MONTHS", 25)
    # Monthly digest (services/insights/digest.py): the daily jobs send last month's digests on
    # the first this-many days of a month (a missed day still sends; 0 = only `send-digests`).
    DIGEST_SEND_DAYS = _int("DIGEST_SEND_DAYS", 7)

    # Public pages: how long a shared cache (nginx, a CDN) may serve them, and serve them stale
    # while it revalidates (directory/caching.py).
    PUBLIC_CACHE_SECONDS = _int("PUBLIC_CACHE_SECONDS", 30)
    PUBLIC_CACHE_STALE_SECONDS = _int("PUBLIC_CACHE_STALE_SECONDS", 30)

    # Redis: the store shared by every worker and node (rate limits) when set.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Rate limits (Flask-Limiter): Redis when REDIS_URL is set, else this process's memory
    # (fine for one process; a production start with it logs a warning).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True

    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0 = none).
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # Sessions and cookies (ASVS V3).
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    # Server-side sessions (services/sessions.py): ended after this long without a request,
    # and this long after sign-in however active; the cookies never outlive the latter.
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 120)
    SESSION_MAX_DAYS = _int("SESSION_MAX_DAYS", 30)
    REMEMBER_COOKIE_DURATION = SESSION_MAX_DAYS * 24 * 3600
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = SESSION_MAX_DAYS * 24 * 3600
    WTF_CSRF_TIME_LIMIT = 3600 * 8

    MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # a 5 MB upload plus form overhead
    # Logos and proof images: pixels decoded into memory at most (checked from the header first).
    LOGO_MAX_PIXELS = _int("LOGO_MAX_PIXELS", 2048 * 2048)
    # Uploads (logo, certification proof) per signed-in account, in Flask-Limiter's syntax.
    UPLOAD_RATE_LIMIT = os.environ.get("UPLOAD_RATE_LIMIT", "20 per hour")
    LEAD_RETENTION_MONTHS = _int("LEAD_RETENTION_MONTHS", 24)
    # The address the privacy policy gives for data protection questions (default: the sender).
    PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL")


class DevelopmentConfig(Config):
    """Local development: generated secret key, console-friendly defaults."""

    ENV_NAME = "development"


class ProductionConfig(Config):
    """Production: SECRET_KEY is required, cookies are Secure, mail goes through SMTP."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")


class TestingConfig(Config):
    """Tests: temporary database and index, file mail outbox, fast password hashing."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
    WTF_CSRF_ENABLED = True
    MAIL_BACKEND = "file"
    ARGON2_FAST = True
    SUGGEST_CACHE_SECONDS = 0.0  # each test's data, at once
    SEARCH_LOG_FLUSH_SECONDS = 0.0  # written with the request, so tests read it back
    INSIGHTS_FLUSH_SECONDS = 0.0  # written with the request, so tests read it back


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def load_config(name: str | None = None) -> type[Config]:
    """Pick the configuration class from ``APP_ENV`` (default: development)."""
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None

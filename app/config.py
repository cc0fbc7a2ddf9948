"""Settings from the environment, one class per environment (SPEC §8)."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

load_dotenv(PROJECT_ROOT / ".env")


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from None


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _optional_list(name: str) -> list[str] | None:
    """A comma list from the environment, or None when the variable is unset or empty."""
    return _list(name, "") or None


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'fitkart.sqlite3'}"
    # Hosted providers hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    ENV_NAME = "production"
    DEBUG = False
    TESTING = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Key prefix of the Redis caches (app/core/cache.py): apps sharing one Redis keep apart.
    CACHE_PREFIX = os.environ.get("CACHE_PREFIX") or None
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Off only for load benchmarks, where one machine plays thousands of members.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Redis down must not take sign-in down: each process falls back to its own memory
    # counters (logged), and short socket timeouts keep a dead Redis from stalling requests.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "fitkart")
    # Proxy hops in front of the app whose X-Forwarded-* headers are believed (0: none).
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    # /metrics is for the monitoring system only: a bearer token, or these client addresses.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # No default list: behind a proxy on the same host every client would look like 127.0.0.1.
    METRICS_ALLOW_IPS = _list("METRICS_ALLOW_IPS", "")
    # One JSON object per log line (production); plain text lines in development.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    SHOPIFY_STORE_URL = os.environ.get("SHOPIFY_STORE_URL") or None
    SHOPIFY_ACCESS_TOKEN = os.environ.get("SHOPIFY_ACCESS_TOKEN") or None
    SHOPIFY_COINS_PER_CURRENCY_UNIT = int(os.environ.get("SHOPIFY_COINS_PER_CURRENCY_UNIT", "100"))
    # The GraphQL Admin API version; keep it inside Shopify's support window (a year each).
    SHOPIFY_API_VERSION = os.environ.get("SHOPIFY_API_VERSION") or "2025-10"
    # Off by default: production runs one `flask scheduler run` process beside the web
    # workers; `make run` turns it on for its single development process.
    SCHEDULER_ENABLED = _bool("SCHEDULER_ENABLED", False)
    # 10 (OWASP's floor) checks in ~75 ms here; `flask bench bcrypt` measures a machine.
    BCRYPT_ROUNDS = int(os.environ.get("BCRYPT_ROUNDS", "10"))
    ACCESS_TOKEN_TTL_SECONDS = int(os.environ.get("ACCESS_TOKEN_TTL_SECONDS", "900"))
    REFRESH_TOKEN_TTL_DAYS = int(os.environ.get("REFRESH_TOKEN_TTL_DAYS", "30"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 14
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "FitKart <no-reply@fitkart.example>")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    PASSWORD_RESET_MAX_AGE_SECONDS = int(os.environ.get("PASSWORD_RESET_MAX_AGE_SECONDS", "3600"))
    STRICT_TEMPLATES = False
    # Links in e-mails are built on this, never on the request's Host header.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None
    # None: derived from PUBLIC_BASE_URL in create_app; requests for other hosts get 400.
    TRUSTED_HOSTS = _optional_list("TRUSTED_HOSTS")
    # Production only: redirect plain-HTTP requests to HTTPS (the TLS proxy sets
    # X-Forwarded-Proto); HSTS is sent in production regardless.
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)
    # Sign in with Google / Apple: the app's client ids (the ID token's `aud`). Empty: off,
    # and the endpoints answer 404.
    GOOGLE_CLIENT_IDS = _list("GOOGLE_CLIENT_IDS", "")
    APPLE_CLIENT_IDS = _list("APPLE_CLIENT_IDS", "")
    GOOGLE_JWKS_URL = (
        os.environ.get("GOOGLE_JWKS_URL") or "https://www.googleapis.com/oauth2/v3/certs"
    )
    APPLE_JWKS_URL = os.environ.get("APPLE_JWKS_URL") or "https://appleid.apple.com/auth/keys"
    # "Continue with Google" on the website (Authlib, authorization code + PKCE): the web
    # OAuth client. Both unset: the button is hidden and /login/google answers 404.
    GOOGLE_WEB_CLIENT_ID = os.environ.get("GOOGLE_WEB_CLIENT_ID") or None
    GOOGLE_WEB_CLIENT_SECRET = os.environ.get("GOOGLE_WEB_CLIENT_SECRET") or None
    GOOGLE_DISCOVERY_URL = (
        os.environ.get("GOOGLE_DISCOVERY_URL")
        or "https://accounts.google.com/.well-known/openid-configuration"
    )
    # "Continue with Apple" on the website: the Services ID, the team, and the key (id and
    # ES256 PEM, "\n" for newlines) that signs the client secret. Any unset: no button.
    APPLE_WEB_CLIENT_ID = os.environ.get("APPLE_WEB_CLIENT_ID") or None
    APPLE_TEAM_ID = os.environ.get("APPLE_TEAM_ID") or None
    APPLE_WEB_KEY_ID = os.environ.get("APPLE_WEB_KEY_ID") or None
    APPLE_WEB_PRIVATE_KEY = (os.environ.get("APPLE_WEB_PRIVATE_KEY") or "").replace(
        "\\n", "\n"
    ) or None
    APPLE_DISCOVERY_URL = (
        os.environ.get("APPLE_DISCOVERY_URL")
        or "https://appleid.apple.com/.well-known/openid-configuration"
    )
    # Passkeys (WebAuthn): the relying party id (a domain, never an IP address) and the
    # origin browsers sign for. Unset: both come from PUBLIC_BASE_URL.
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID") or None
    WEBAUTHN_ORIGIN = os.environ.get("WEBAUTHN_ORIGIN") or None
    # How long fetched provider keys are trusted, and the least time between two refetches
    # for an unknown key id (a flood of made-up kids must not hammer the provider).
    OIDC_JWKS_LIFESPAN_SECONDS = _int("OIDC_JWKS_LIFESPAN_SECONDS", 3600)
    OIDC_JWKS_REFRESH_COOLDOWN_SECONDS = _int("OIDC_JWKS_REFRESH_COOLDOWN_SECONDS", 30)
    # Live updates (server-sent events). Each open stream holds one gunicorn thread, so a
    # process refuses streams past LIVE_MAX_STREAMS (503 + Retry-After) and keeps the rest of
    # its threads for ordinary requests; a stream ends after LIVE_STREAM_SECONDS and the
    # browser reconnects, so workers recycle.
    LIVE_MAX_STREAMS = _int("LIVE_MAX_STREAMS", max(_int("GUNICORN_THREADS", 64) - 16, 1))
    LIVE_STREAM_SECONDS = _int("LIVE_STREAM_SECONDS", 300)
    LIVE_HEARTBEAT_SECONDS = _int("LIVE_HEARTBEAT_SECONDS", 15)
    LIVE_EVENTS_CHANNEL_PREFIX = os.environ.get("LIVE_EVENTS_CHANNEL_PREFIX", "fitkart:live:")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-secret-key"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    STRICT_TEMPLATES = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    METRICS_ALLOW_IPS = _list("METRICS_ALLOW_IPS", "127.0.0.1,::1")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    # WebAuthn refuses an IP address as relying party: passkeys work on http://localhost:5000.
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID") or "localhost"
    WEBAUTHN_ORIGIN = os.environ.get("WEBAUTHN_ORIGIN") or "http://localhost:5000"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    BCRYPT_ROUNDS = 4
    SCHEDULER_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "memory"
    STRICT_TEMPLATES = True
    LOG_FORMAT = "text"
    TRUSTED_PROXIES = 0
    METRICS_TOKEN = None
    METRICS_ALLOW_IPS: list[str] = []
    REDIS_URL = None
    # A stream ends right after its first lines unless a test asks for longer.
    LIVE_STREAM_SECONDS = 0
    PUBLIC_BASE_URL = "http://localhost"
    # Provider sign-in stays off unless a test points it at its own local provider.
    GOOGLE_CLIENT_IDS: list[str] = []
    APPLE_CLIENT_IDS: list[str] = []
    GOOGLE_WEB_CLIENT_ID = None
    GOOGLE_WEB_CLIENT_SECRET = None
    APPLE_WEB_CLIENT_ID = None
    APPLE_WEB_PRIVATE_KEY = None
    TRUSTED_HOSTS = None


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": Config,
    "testing": TestingConfig,
}


def config_from_environment() -> type[Config]:
    name = os.environ.get("FITKART_ENV", "production").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"FITKART_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]

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
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SHOPIFY_STORE_URL = os.environ.get("SHOPIFY_STORE_URL") or None
    SHOPIFY_ACCESS_TOKEN = os.environ.get("SHOPIFY_ACCESS_TOKEN") or None
    SHOPIFY_COINS_PER_CURRENCY_UNIT = int(os.environ.get("SHOPIFY_COINS_PER_CURRENCY_UNIT", "100"))
    SCHEDULER_ENABLED = _bool("SCHEDULER_ENABLED", True)
    BCRYPT_ROUNDS = int(os.environ.get("BCRYPT_ROUNDS", "12"))
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
    # Production only: redirect plain-HTTP requests to HTTPS (the TLS proxy sets
    # X-Forwarded-Proto); HSTS is sent in production regardless.
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-secret-key"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    STRICT_TEMPLATES = True


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

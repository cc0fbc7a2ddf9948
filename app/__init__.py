"""FitKart application factory."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from jinja2 import StrictUndefined

from app.config import PROJECT_ROOT, Config, config_from_environment
from app.database import configure_engine, sqlite_engine_options
from app.extensions import csrf, db, htmx, limiter, login_manager, migrate


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` is a config class, or overrides on top of the environment's."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_from_environment())
        if config:
            app.config.update(config)
    _check_config(app)
    _configure_public_host(app)

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        **sqlite_engine_options(uri),
    }
    if app.config.get("STRICT_TEMPLATES"):
        app.jinja_env.undefined = StrictUndefined

    _init_extensions(app)
    from app.core.request_values import register_converters

    register_converters(app)
    _register_blueprints(app)

    from app.ops import init_ops

    init_ops(app)

    from app.errors import register_error_handlers
    from app.request_guards import register_request_guards

    register_error_handlers(app)
    register_request_guards(app)

    from app.security_headers import init_security_headers

    init_security_headers(app)

    from app.cli import register_cli

    register_cli(app)

    from app.jobs.scheduler import start_scheduler_if_allowed

    start_scheduler_if_allowed(app)
    return app


def _check_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment (or .env) outside development."
        )


# Development and tests also answer on the loopback names (browser tests use 127.0.0.1:<port>).
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _configure_public_host(app: Flask) -> None:
    """External links come from PUBLIC_BASE_URL; other Host headers are answered 400."""
    base = app.config.get("PUBLIC_BASE_URL")
    if not base:
        raise RuntimeError(
            "PUBLIC_BASE_URL is not set. Set it (for example https://fitkart.example) outside "
            "development: links in e-mails are built on it."
        )
    parsed = urlsplit(base)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise RuntimeError(f"PUBLIC_BASE_URL must be an http(s) URL, not {base!r}")
    app.config["PUBLIC_BASE_URL"] = base.rstrip("/")
    if app.config.get("TRUSTED_HOSTS") is None:
        hosts = [parsed.hostname]
        if app.config.get("ENV_NAME") in {"development", "testing"}:
            hosts += [host for host in _LOCAL_HOSTS if host not in hosts]
        app.config["TRUSTED_HOSTS"] = hosts


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (registers every table on the metadata)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from app.accounts.accounts import load_user_for_session
    from app.core.live_events import init_live_events

    init_live_events(app)

    login_manager.user_loader(load_user_for_session)


def _register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.web import bp as web_bp
    from app.web.auth import bp as auth_bp

    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    # The API authenticates with bearer tokens, never cookies, so CSRF cannot apply.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)

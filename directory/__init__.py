"""The services directory: ``create_app`` assembles the Flask application."""

from __future__ import annotations

from flask import Flask

from .config import ROOT, development_secret_key, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands, and headers."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    # JSON keeps the order the code built: facet values come alphabetically, cities by count.
    app.json.sort_keys = False
    app.config.from_object(load_config((config or {}).get("APP_ENV")))
    if config:
        app.config.update(config)
    register_secret_key(app)
    register_proxy(app)
    register_extensions(app)
    register_blueprints(app)
    register_templates(app)
    register_errorhandlers(app)
    register_commands(app)
    register_hooks(app)
    return app


def register_secret_key(app: Flask) -> None:
    """Require SECRET_KEY in production; generate one into instance/ otherwise."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError("SECRET_KEY must be set in production (see README, Configuration).")
    app.config["SECRET_KEY"] = development_secret_key()


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* from ``PROXY_COUNT`` reverse proxies (client IP, HTTPS)."""
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_extensions(app: Flask) -> None:
    """Bind the database, Babel, CSRF, login, rate limiting and migrations."""
    from . import models  # noqa: F401 - registers every table on the metadata
    from .auth import register_auth
    from .db import db, register_db
    from .extensions import csrf, limiter, migrate
    from .i18n import register_i18n
    from .search import register_search
    from .search.outbox import register_outbox

    register_db(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    register_i18n(app)
    register_auth(app)
    register_search(app)
    register_outbox(app)
    warn_about_local_state(app)


def warn_about_local_state(app: Flask) -> None:
    """Say loudly when production keeps rate limits in one process's memory."""
    import logging

    storage = app.config["RATELIMIT_STORAGE_URI"]
    if app.config["ENV_NAME"] == "production" and storage.startswith("memory://"):
        logging.getLogger("directory").warning(
            "rate limits are kept in this process's memory: with several workers or nodes "
            "each counts on its own and every limit is multiplied; set REDIS_URL"
        )


def register_blueprints(app: Flask) -> None:
    """One blueprint per audience."""
    from .views import (
        account,
        admin,
        api,
        badges,
        compare,
        dashboard,
        digest,
        files,
        health,
        leads,
        privacy,
        public,
        reviews,
        search,
    )

    for blueprint in (
        health.bp,
        badges.bp,
        public.root_bp,
        public.bp,
        compare.bp,
        leads.bp,
        reviews.bp,
        search.bp,
        api.bp,
        account.bp,
        privacy.bp,
        dashboard.bp,
        digest.bp,
        admin.bp,
        files.bp,
    ):
        app.register_blueprint(blueprint)


def register_templates(app: Flask) -> None:
    """Template globals and context processors, all in ``templating.py``."""
    from .templating import register_templates as register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    """Localized HTML error pages, JSON errors under /api; never a stack trace."""
    from .views.errors import register_error_pages

    register_error_pages(app)


def register_commands(app: Flask) -> None:
    """The ``flask --app app …`` commands."""
    from .cli import register_cli

    register_cli(app)


def register_hooks(app: Flask) -> None:
    """Request logging, request checks, security headers and HTTP caching."""
    from .caching import register_caching
    from .logging import register_request_logging
    from .requests import register_request_checks
    from .security import register_security_headers

    register_request_logging(app)
    register_request_checks(app)
    register_security_headers(app)
    register_caching(app)

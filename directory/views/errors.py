"""Error pages: localized HTML for people, JSON under ``/api/``; never a stack trace.

A 500 or a 409 often follows a failed flush, which leaves the request's database session
unusable (and the signed-in user expired in it): the session is rolled back before the page
renders, and if the page still cannot render it is drawn again as for a visitor, then as text.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import (
    Conflict,
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
)

from ..db import db
from ..services.concurrency import WriteConflict

logger = logging.getLogger("directory.errors")


def wants_json() -> bool:
    """API routes always answer JSON."""
    return request.path.startswith("/api/")


def _release_session() -> None:
    """Roll back the request's transaction so rendering never meets a failed session."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the page must render anyway
        logger.exception("rollback before the error page failed")


def _render(error: HTTPException):
    code = error.code or 500
    if code >= 500 or code == 409:
        _release_session()
    if wants_json():
        body = {
            "error": {"code": error.name.lower().replace(" ", "_"), "message": error.description}
        }
        return jsonify(body), code
    if not g.get("lang"):
        # Routing failed before the URL's language was read: take it from the path.
        first = request.path.strip("/").split("/", 1)[0]
        if first in current_app.config["LANGUAGES"]:
            g.lang = first
    try:
        return render_template("errors/error.html", code=code, error=error), code
    except Exception:  # a broken template must not turn a 404 into a traceback
        logger.exception("error page failed to render")
    try:  # without the signed-in user, whose loading may need the database
        page = render_template(
            "errors/error.html", code=code, error=error, current_user=AnonymousUserMixin()
        )
        return page, code
    except Exception:
        logger.exception("error page failed to render for a visitor")
        return f"{code} {error.name}", code, {"Content-Type": "text/plain; charset=utf-8"}


def _write_conflict() -> Conflict:
    return Conflict(
        _(
            "Someone else changed the same data at the same moment, so nothing was saved. "
            "Reload the page to see their change, then try again."
        )
    )


def register_error_pages(app: Flask) -> None:
    """Handle every HTTP error, a write that lost a race (409) and any unexpected exception."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return _render(error)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge):
        # An upload form shows its own field message (the pages are registered by the views).
        for page in current_app.extensions.get("too_large_pages", ()):
            response = page()
            if response is not None:
                return response
        return _render(error)

    @app.errorhandler(WriteConflict)
    @app.errorhandler(StaleDataError)
    def _lost_race(error: Exception):
        # Expected under concurrency (services retry what they can): a 409, not a traceback.
        logger.info("write lost a race on %s %s: %r", request.method, request.path, error)
        return _render(_write_conflict())

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError())

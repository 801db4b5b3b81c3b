"""Error pages: localized HTML for people, JSON under ``/api/``; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

logger = logging.getLogger("directory.errors")


def wants_json() -> bool:
    """API routes always answer JSON."""
    return request.path.startswith("/api/")


def _render(error: HTTPException):
    code = error.code or 500
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
        return f"{code} {error.name}", code, {"Content-Type": "text/plain; charset=utf-8"}


def register_error_pages(app: Flask) -> None:
    """Handle every HTTP error and any unexpected exception."""

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

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError())

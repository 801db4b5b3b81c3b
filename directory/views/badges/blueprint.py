"""The ``badges`` blueprint: embeddable responses that never read or write a cookie.

Their responses are shared by every visitor and by caches, so the session is not even opened
there (``CookielessSessions``) and any ``Set-Cookie`` is stripped.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask.sessions import SessionInterface

from ...badge_facts import install_invalidation
from ...extensions import limiter
from ...security import EMBEDDABLE_PREFIXES

bp = Blueprint("badges", __name__)
# Public, cacheable images and a static-like widget: no per-client limits (the check itself
# costs more than serving a 304). The request filter lets Flask-Limiter skip resolving limits.
limiter.exempt(bp)
limiter.request_filter(lambda: request.blueprint == "badges")

CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=600"


class CookielessSessions(SessionInterface):
    """The app's session interface, except that embeddable paths get a null session.

    Their responses are shared by every visitor and by caches: the visitor's cookie is not even
    parsed there, and nothing can refresh or write it (a null session refuses writes).
    """

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def open_session(self, app, request):
        if request.path.startswith(EMBEDDABLE_PREFIXES):
            return None  # Flask then uses make_null_session
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response):
        return self.inner.save_session(app, session, response)

    def make_null_session(self, app):
        return self.inner.make_null_session(app)

    def is_null_session(self, obj) -> bool:
        return self.inner.is_null_session(obj)


@bp.record_once
def _install_cookieless_sessions(state) -> None:
    app = state.app
    if not isinstance(app.session_interface, CookielessSessions):
        app.session_interface = CookielessSessions(app.session_interface)


@bp.record_once
def _install_invalidation(_state) -> None:
    install_invalidation()


@bp.after_request
def _no_cookies(response: Response) -> Response:
    """Embedded responses are shared by every visitor (and caches): never a cookie."""
    headers = response.headers
    if "Set-Cookie" in headers:
        headers.remove("Set-Cookie")
    if "cookie" not in headers.get("Vary", "").lower():
        return response
    vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    kept = [v for v in vary if v.lower() != "cookie"]
    if kept != vary:
        headers.remove("Vary")
        if kept:
            headers["Vary"] = ", ".join(kept)
    return response

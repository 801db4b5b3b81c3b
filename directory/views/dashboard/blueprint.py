"""The ``dashboard`` blueprint: personal pages, never cached."""

from __future__ import annotations

from ...i18n import localized_blueprint

bp = localized_blueprint("dashboard", __name__, "/dashboard")


@bp.after_request
def _private(response):
    """Personal pages: never stored by browsers or shared caches (ASVS 8.2.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response

"""The production app plus bench-only routes, for ``bench/badge_bench.py`` only.

``/_bench/trivial`` is the baseline: fixed bytes from a blueprint route, so it crosses the same
app and blueprint hooks (logging, security headers, rate-limit checks) as the badge routes, under
the same gunicorn, with no database and no rendering. ``/_bench/trivial-app`` is the same from an
app-level route (Flask-Limiter skips its per-blueprint checks there; the badge blueprint is
exempt too). ``/_bench/cached-facts/…`` answers like ``/badges/<slug>.svg`` with the facts as a
constant (no query, no cache lookup; limiter-exempt like the badges): the floor of the badge
path. None of these routes exist in
the real application.
"""

from __future__ import annotations

from flask import Blueprint, Response

import badges
from directory import create_app
from directory.extensions import limiter
from directory.views.badges.images import _image, _not_modified, _options

TRIVIAL_BODY = b"<svg xmlns='http://www.w3.org/2000/svg'/>" + b" " * 2200
FACTS = badges.Badge.of("Bench Agency 1 & Partners", 4.1, 10, "partner", "gold")

app = create_app()
bench = Blueprint("bench", __name__, url_prefix="/_bench")


@bench.get("/trivial")
def trivial() -> Response:
    """Fixed bytes, nothing else."""
    return Response(TRIVIAL_BODY, content_type="image/svg+xml")


@bench.get("/cached-facts/<slug>.svg")
@limiter.exempt  # like the badge blueprint
def cached_facts(slug: str) -> Response:
    """The SVG badge path with the facts already known (what a facts cache would cost)."""
    options, _ = _options()
    return _not_modified("svg", FACTS, options, 1) or _image(badges.render("svg", FACTS, options))


@app.get("/_bench/trivial-app")
def trivial_app() -> Response:
    """Fixed bytes from an app-level route."""
    return Response(TRIVIAL_BODY, content_type="image/svg+xml")


app.register_blueprint(bench)

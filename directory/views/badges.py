"""Embeddable badges and the review widget: images and an iframe that partner sites embed.

``/badges/<slug>.svg|.png`` and ``/embed/<slug>`` read the agency's current facts on every request
(one small query under the listing rule), so a badge never shows a rating or a tier that is no
longer true; the ETag makes repeat fetches cheap. These routes never read or write the session and
never set a cookie. Invalid option values fall back to the defaults: a partner's page must not
break because of a typo in a query string.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl

from flask import Blueprint, Response, abort, current_app, g, render_template, request, url_for
from flask.sessions import SessionInterface
from sqlalchemy import bindparam, select
from werkzeug.routing import BuildError

import badges
from badges import NEUTRAL, Badge, Options, Rendered
from badges.text import format_rating, review_count

from ..db import db, today
from ..models import Agency, Review, listed_filter
from ..security import EMBEDDABLE_PREFIXES

bp = Blueprint("badges", __name__)

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=600"
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"
EMBED_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors *"
)
LATEST_REVIEWS = 3


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


@bp.after_request
def _no_cookies(response: Response) -> Response:
    """Embedded responses are shared by every visitor (and caches): never a cookie."""
    headers = response.headers
    headers.remove("Set-Cookie")
    vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    kept = [v for v in vary if v.lower() != "cookie"]
    if kept != vary:
        headers.remove("Vary")
        if kept:
            headers["Vary"] = ", ".join(kept)
    return response


@lru_cache(maxsize=4)
def _badge_query(on: dt.date):
    """The columns a badge shows, for one slug, under the listing rule of ``on`` (one per day)."""
    columns = (Agency.name, Agency.rating_avg, Agency.review_count, Agency.program, Agency.tier)
    return select(*columns).where(Agency.slug == bindparam("slug"), listed_filter(on)).limit(1)


def load_badge(slug: str) -> Badge:
    """The agency's badge facts now, or the neutral badge when unknown or not listed."""
    if not SLUG.fullmatch(slug):
        return NEUTRAL
    # A bare connection, not the ORM session: one read of five columns on the hot path.
    with db.engine.connect() as conn:
        row = conn.execute(_badge_query(today()), {"slug": slug}).first()
    return Badge.of(*row) if row else NEUTRAL


def _image(rendered: Rendered) -> Response:
    """Serve rendered bytes, or 304 when the client already holds them."""
    if request.if_none_match.contains_weak(rendered.etag):
        response = Response(status=304, content_type=rendered.media_type)
    else:
        response = Response(rendered.body, content_type=rendered.media_type)
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = IMAGE_CSP
    headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    headers["X-Frame-Options"] = "DENY"  # embedded with <img>; only /embed/ may be framed
    headers["Cache-Control"] = CACHE_CONTROL
    response.set_etag(rendered.etag)
    return response


@lru_cache(maxsize=512)
def _parse_query(query_string: bytes) -> tuple[Options, int]:
    """Drawing options and PNG density from a query string (cached: partners reuse a few)."""
    args = dict(parse_qsl(query_string.decode("utf-8", "replace")))
    return Options.parse(args), 2 if args.get("scale") == "2" else 1


def _options() -> tuple[Options, int]:
    return _parse_query(request.query_string)


@bp.get("/badges/<slug>.svg")
def review_svg(slug: str):
    """The review badge of an agency as SVG."""
    options, _ = _options()
    return _image(badges.render("svg", load_badge(slug), options))


@bp.get("/badges/<slug>.png")
def review_png(slug: str):
    """The review badge of an agency as PNG (``scale=2`` for high-density screens)."""
    options, factor = _options()
    return _image(badges.render("png", load_badge(slug), options, factor))


def _tier(tier: str, fmt: str) -> Response:
    if tier not in badges.TIERS:
        abort(404)
    options, factor = _options()
    return _image(badges.render_tier(fmt, tier, options, factor))


@bp.get("/badges/tiers/<tier>.svg")
def tier_svg(tier: str):
    """The icon of a partner tier as SVG."""
    return _tier(tier, "svg")


@bp.get("/badges/tiers/<tier>.png")
def tier_png(tier: str):
    """The icon of a partner tier as PNG."""
    return _tier(tier, "png")


def public_base() -> str:
    """The site's public root URL (``PUBLIC_URL``, else the request's host)."""
    return (current_app.config.get("SERVER_NAME_PUBLIC") or request.host_url).rstrip("/")


def profile_url(slug: str, lang: str) -> str:
    """Absolute URL of an agency's public profile."""
    try:
        path = url_for("public.agency", lang=lang, slug=slug)
    except BuildError:  # the profile route's conventional path until it is registered
        path = f"/{lang}/agencies/{slug}"
    return public_base() + path


def builder_context_for(slug: str, options: Options | None = None) -> dict:
    """The snippet builder's context for an agency's dashboard (see templates/embed/_builder.html).

    Call it from a view, e.g. ``builder_context_for(agency.slug, Options.parse(request.args))``.
    """
    profiles = {lang: profile_url(slug, lang) for lang in badges.LANGUAGES}
    return badges.builder_context(public_base(), profiles, slug, load_badge(slug), options)


def _latest_reviews(agency_id: int) -> list:
    columns = (
        Review.author_name,
        Review.author_role,
        Review.author_company,
        Review.rating,
        Review.title,
        Review.body,
        Review.submitted_on,
        Review.source,
        Review.lang,
    )
    stmt = (
        select(*columns)
        .where(Review.agency_id == agency_id, Review.status == "approved")
        .order_by(Review.submitted_on.desc(), Review.id.desc())
        .limit(LATEST_REVIEWS)
    )
    return list(db.session.execute(stmt))


@bp.get("/embed/<slug>")
def widget(slug: str):
    """The review widget: the agency's rating and three latest approved reviews, framable."""
    options = Options.parse(request.args)
    g.lang = options.lang  # the locale comes from ?lang=, never from cookies or headers
    columns = (Agency.id, Agency.name, Agency.rating_avg, Agency.review_count)
    row = None
    if SLUG.fullmatch(slug):
        stmt = select(*columns).where(Agency.slug == slug, listed_filter())
        row = db.session.execute(stmt).first()
    context = {"lang": options.lang, "theme": options.theme, "agency": None, "reviews": []}
    if row:
        badge = Badge.of(row.name, row.rating_avg, row.review_count)
        context.update(
            agency=badge,
            reviews=_latest_reviews(row.id),
            rating=format_rating(badge.rating, options.lang) if badge.rating is not None else "",
            count=review_count(badge.review_count, options.lang),
            profile=profile_url(slug, options.lang),
        )
    body = render_template("embed/widget.html", **context).encode()
    response = Response(body, content_type="text/html; charset=utf-8")
    headers = response.headers
    headers["Content-Security-Policy"] = EMBED_CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cache-Control"] = CACHE_CONTROL
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    return response.make_conditional(request)

"""Embeddable badges and the review widget: images and an iframe that partner sites embed.

``/badges/<slug>.svg|.png`` read the agency's facts through a per-process cache (``FactsCache``):
an entry lives ``BADGE_CACHE_SECONDS`` (default 2) and is dropped at once when this process
commits a change to the agency, its reviews or certifications, so a badge never shows a rating or
a tier that is no longer true for longer than that (and not at all after a change made here).
``/embed/<slug>`` queries on every request. The ETag is computed from the facts and options, so a
304 renders nothing. These routes never read or write the session and never set a cookie.
Invalid option values fall back to the defaults: a partner's page must not break because of a
typo in a query string.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from urllib.parse import parse_qsl

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_app_context,
    render_template,
    request,
    url_for,
)
from flask.sessions import SessionInterface
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

import badges
from badges import NEUTRAL, Badge, Options, Rendered
from badges.text import format_rating, review_count

from ..db import db, today
from ..extensions import limiter
from ..models import Agency, Certification, Review, listed_filter
from ..security import EMBEDDABLE_PREFIXES

bp = Blueprint("badges", __name__)
# Public, cacheable images and a static-like widget: no per-client limits (the check itself
# costs more than serving a 304). The request filter lets Flask-Limiter skip resolving limits.
limiter.exempt(bp)
limiter.request_filter(lambda: request.blueprint == "badges")

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


@lru_cache(maxsize=4)
def _badge_query(on: dt.date):
    """The facts a badge shows, for one slug, and whether it is listed on ``on`` (one per day).

    Unlisted agencies are returned too (``listed`` false), so their cache entry knows the
    agency id and is dropped when that agency changes.
    """
    columns = (
        Agency.id,
        Agency.name,
        Agency.rating_avg,
        Agency.review_count,
        Agency.program,
        Agency.tier,
        listed_filter(on).label("listed"),
    )
    return select(*columns).where(Agency.slug == bindparam("slug")).limit(1)


def _query_facts(slug: str) -> tuple[int | None, Badge]:
    """(agency id or None, badge facts) from the database, under today's listing rule."""
    # A bare connection, not the ORM session: one read of a few columns on the hot path.
    with db.engine.connect() as conn:
        row = conn.execute(_badge_query(today()), {"slug": slug}).first()
    if row is None:
        return None, NEUTRAL
    if not row.listed:
        return row.id, NEUTRAL
    return row.id, Badge.of(row.name, row.rating_avg, row.review_count, row.program, row.tier)


class FactsCache:
    """Badge facts per slug for ``ttl`` seconds, LRU-bounded, dropped on local commits.

    Entries remember the agency id (None for an unknown slug) and the day they were read (the
    listing rule depends on the date). ``invalidate(ids)`` drops those agencies' entries and
    every unknown-slug entry (a new or renamed agency may now own one of those slugs), and
    bumps a generation so that a read that was in flight during the commit is not stored.
    Thread-safe: lookups are single dict operations; writes take a lock.
    """

    def __init__(self, ttl: float = 2.0, maxsize: int = 10_000, clock=time.monotonic):
        self.ttl = ttl
        self.maxsize = maxsize
        self.clock = clock
        self.generation = 0
        self._entries: OrderedDict[str, tuple[float, dt.date, int | None, Badge]] = OrderedDict()
        self._slugs: dict[int | None, set[str]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, slug: str, on: dt.date) -> Badge:
        """The facts for ``slug`` today, from the cache when fresh, else from the database."""
        entry = self._entries.get(slug)
        if entry is not None and entry[0] > self.clock() and entry[1] == on:
            try:  # noqa: SIM105 - the cheapest form on the hot path
                self._entries.move_to_end(slug)
            except KeyError:  # dropped meanwhile by another thread; the entry read is fine
                pass
            return entry[3]
        generation = self.generation
        agency_id, badge = _query_facts(slug)
        if self.ttl > 0:
            self._store(slug, on, agency_id, badge, generation)
        return badge

    def _store(self, slug, on, agency_id, badge, generation) -> None:
        with self._lock:
            if generation != self.generation:  # a commit landed while we read: don't keep it
                return
            self._forget(slug)
            self._entries[slug] = (self.clock() + self.ttl, on, agency_id, badge)
            self._slugs.setdefault(agency_id, set()).add(slug)
            while len(self._entries) > self.maxsize:
                self._forget(next(iter(self._entries)))

    def _forget(self, slug: str) -> None:
        entry = self._entries.pop(slug, None)
        if entry is not None:
            slugs = self._slugs.get(entry[2])
            if slugs is not None:
                slugs.discard(slug)
                if not slugs:
                    del self._slugs[entry[2]]

    def invalidate(self, agency_ids=None) -> None:
        """Drop these agencies' entries and all unknown-slug entries (``None``: everything)."""
        with self._lock:
            self.generation += 1
            if agency_ids is None:
                self._entries.clear()
                self._slugs.clear()
                return
            for agency_id in (*agency_ids, None):
                for slug in list(self._slugs.get(agency_id, ())):
                    self._forget(slug)


def facts_cache(app: Flask | None = None) -> FactsCache:
    """The app's badge facts cache (one per app and process; ``BADGE_CACHE_SECONDS``)."""
    app = app or current_app._get_current_object()
    cache = app.extensions.get("badge_facts")
    if cache is None:
        ttl = float(app.config.get("BADGE_CACHE_SECONDS", 2.0))
        size = int(app.config.get("BADGE_CACHE_SIZE", 10_000))
        cache = app.extensions.setdefault("badge_facts", FactsCache(ttl, size))
    return cache


def load_badge(slug: str) -> Badge:
    """The agency's badge facts (at most ``BADGE_CACHE_SECONDS`` old), or the neutral badge
    when unknown or not listed."""
    if not SLUG.fullmatch(slug):
        return NEUTRAL
    return facts_cache().get(slug, today())


# -- invalidation: after a commit in this process ---------------------------------------------

_CHANGED = "badge_facts_changed"
_EVERYTHING = "everything"
_WATCHED_TABLES = frozenset(model.__table__.name for model in (Agency, Review, Certification))


def _flushed(session: Session, _flush_context) -> None:
    """Collect the agencies whose facts or listing this flush may change."""
    ids = session.info.setdefault(_CHANGED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Agency):
            ids.add(obj.id)
        elif isinstance(obj, Review | Certification):
            ids.add(obj.agency_id)


def _executed(state) -> None:
    """A bulk UPDATE/DELETE/INSERT through the session on a watched table: drop everything."""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WATCHED_TABLES:
            state.session.info[_CHANGED + "_all"] = True


def _committed(session: Session) -> None:
    ids = session.info.pop(_CHANGED, None)
    everything = session.info.pop(_CHANGED + "_all", False)
    if not (ids or everything) or not has_app_context():
        return
    cache = current_app.extensions.get("badge_facts")
    if cache is not None:
        cache.invalidate(None if everything else {i for i in ids if i is not None})


def _rolled_back(session: Session, _transaction) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_CHANGED + "_all", None)


_hooks_installed = False


@bp.record_once
def _install_invalidation(state) -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    event.listen(Session, "after_flush", _flushed)
    event.listen(Session, "do_orm_execute", _executed)
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_soft_rollback", _rolled_back)
    _hooks_installed = True


IMAGE_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", IMAGE_CSP),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("X-Frame-Options", "DENY"),  # embedded with <img>; only /embed/ may be framed
    ("Cache-Control", CACHE_CONTROL),
)


def _image_response(body: bytes | None, media_type: str, etag: str) -> Response:
    """The image (or, with ``body`` None, a 304) with its fixed headers and ETag."""
    headers = [("Content-Type", media_type), *IMAGE_HEADERS, ("ETag", f'"{etag}"')]
    if body is None:
        return Response(status=304, headers=headers)
    return Response(body, headers=headers)


def _image(rendered: Rendered) -> Response:
    """Serve rendered bytes, or 304 when the client already holds them."""
    held = request.if_none_match.contains_weak(rendered.etag)
    return _image_response(None if held else rendered.body, rendered.media_type, rendered.etag)


def _not_modified(fmt: str, subject, options: Options, factor: int) -> Response | None:
    """A 304 when the client holds the current picture, decided without rendering it."""
    if "HTTP_IF_NONE_MATCH" not in request.environ:
        return None
    tag = badges.etag(fmt, subject, options, factor)
    if not request.if_none_match.contains_weak(tag):
        return None
    return _image_response(None, badges.MEDIA_TYPES[fmt], tag)


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
    badge = load_badge(slug)
    return _not_modified("svg", badge, options, 1) or _image(badges.render("svg", badge, options))


@bp.get("/badges/<slug>.png")
def review_png(slug: str):
    """The review badge of an agency as PNG (``scale=2`` for high-density screens)."""
    options, factor = _options()
    badge = load_badge(slug)
    cached = _not_modified("png", badge, options, factor)
    return cached or _image(badges.render("png", badge, options, factor))


def _tier(tier: str, fmt: str) -> Response:
    if tier not in badges.TIERS:
        abort(404)
    options, factor = _options()
    cached = _not_modified(fmt, tier, options, factor)
    return cached or _image(badges.render_tier(fmt, tier, options, factor))


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

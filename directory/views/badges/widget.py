"""The review widget: an iframe partner sites embed, with the agency's rating and latest reviews.

It queries on every request; the ETag is computed from the body, so a revalidation gets a 304.
"""

from __future__ import annotations

import hashlib

from flask import Response, g, render_template, request
from sqlalchemy import select

from badges import Badge, Options
from badges.text import format_rating, review_count

from ...badge_facts import SLUG
from ...db import db
from ...models import Agency, Review, listed_filter
from ...services.insights.counters import count_badge_view
from ...urls import profile_url, public_url
from .blueprint import CACHE_CONTROL, bp

EMBED_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors *"
)
LATEST_REVIEWS = 3


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
        count_badge_view(slug)
        badge = Badge.of(row.name, row.rating_avg, row.review_count)
        context.update(
            agency=badge,
            reviews=_latest_reviews(row.id),
            rating=format_rating(badge.rating, options.lang) if badge.rating is not None else "",
            count=review_count(badge.review_count, options.lang),
            profile=profile_url(slug, options.lang),
            review_form=public_url("reviews.write", lang=options.lang, slug=slug),
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

"""HTTP caching of public pages: shared caches may keep what anonymous visitors see.

The pages that take nearly all the traffic (home, search, landing pages, profiles, ranking,
policies, sitemap) are the same for every anonymous visitor, so they are sent with
``Cache-Control: public`` and a short shared lifetime (``s-maxage``, ``PUBLIC_CACHE_SECONDS``)
plus ``stale-while-revalidate``, and an ETag answered with 304. Browsers revalidate each time
(``max-age=0``), so a visitor who signs in sees their own header at once. Such a page must set
no cookie: one that does (a form's CSRF token opens a session) is sent ``private`` instead, and
a test lists the public pages to keep it so. Signed-in users get ``private, no-store``.

A change to an agency shows through a shared cache within ``PUBLIC_CACHE_SECONDS`` plus, while
the origin is slow to answer, ``PUBLIC_CACHE_STALE_SECONDS`` (docs/deploy.md).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session
from flask_login import current_user

from .auth import session_cookie_sent

# Endpoints whose anonymous GET answer is the same for everyone (given the URL).
PUBLIC_ENDPOINTS = frozenset(
    {
        "public.home",
        "public.browse_services",
        "public.browse_places",
        "public.agency",
        "public.ranking",
        "compare.agencies",
        "reviews.transparency",
        "search.results",
        "search.service_landing",
        "search.service_country_landing",
        "search.service_city_landing",
        "root.sitemap",
        "root.sitemap_part",
        "root.robots",
    }
)
PRIVATE = "private, no-store"


def public_cache_control(config) -> str:
    """The Cache-Control value of a public page under ``config``."""
    shared = int(config["PUBLIC_CACHE_SECONDS"])
    stale = int(config["PUBLIC_CACHE_STALE_SECONDS"])
    return f"public, max-age=0, s-maxage={shared}, stale-while-revalidate={stale}"


def _signed_in() -> bool:
    # Only look at the user when a session cookie came in: reading current_user loads the
    # session, which would add ``Vary: Cookie`` to every anonymous page.
    return session_cookie_sent() and bool(current_user.is_authenticated)


def _cacheable(response: Response) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and request.endpoint in PUBLIC_ENDPOINTS
        and "Set-Cookie" not in response.headers
        and not session.modified
    )


def apply_cache_headers(response: Response) -> Response:
    """Public with a validator for anonymous public pages; private for signed-in users."""
    if response.direct_passthrough or request.endpoint == "static":
        return response
    if _signed_in():
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = PRIVATE
        return response
    if not _cacheable(response):
        return response
    response.headers["Cache-Control"] = public_cache_control(current_app.config)
    if not response.get_etag()[0]:
        response.add_etag()
    return response.make_conditional(request)


def register_caching(app: Flask) -> None:
    """Send the cache headers above on every response."""
    app.after_request(apply_cache_headers)

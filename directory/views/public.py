"""Public pages for prospects: home, browse pages, agency profiles, ranking page, language
switch, sitemap."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from sqlalchemy import func, select

from .. import geo, taxonomy
from ..db import db
from ..i18n import best_language, format_rating, localized_blueprint
from ..listings import (
    home_counts,
    listed_agency,
)
from ..markdown import markdown_to_text
from ..models import Agency, listed_filter
from ..search.landing import landing_index
from ..seo import (
    SITEMAP_MAX_URLS,
    agency_json_ld,
    json_ld,
    sitemap_index,
    sitemap_urlset,
)
from ..services.insights.counters import count_profile_view, count_search_click
from ..services.reviews.listing import ReviewQuery, review_listing
from ..services.search_analytics import record_click
from ..urls import public_url
from ._top_rated import load_cards, top_rated

root_bp = Blueprint("root", __name__)
bp = localized_blueprint("public", __name__)

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# Each language's name in that language: a visitor looks for their own.
LANGUAGE_AUTONYMS = {"en": "English", "fr": "Français"}
# Localized pages that are the same in every listing: listed in the sitemap.
STATIC_PAGES = (
    "public.home",
    "public.browse_services",
    "public.browse_places",
    "public.ranking",
    "reviews.transparency",
)
# Service × city and service × country pages linked from the browse pages (the busiest of each).
BROWSE_LANDING_LINKS = 12
# The most offered services, as the home page's grid (all of them: the services page).
HOME_SERVICES = 12
PROFILE_LANDING_LINKS = 8


@root_bp.app_url_value_preprocessor
def _forget_previous_language(endpoint, values) -> None:
    """Start each request without a language.

    ``g`` outlives a request when an app context was already pushed (the test fixtures keep
    one): the previous request's ``g.lang`` and Flask-Babel's cached locale would leak.
    Runs before the localized blueprints' own preprocessor sets ``g.lang``.
    """
    g.pop("lang", None)
    g.pop("_flask_babel", None)


@root_bp.after_app_request
def _content_language(response: Response) -> Response:
    """Say which language a localized HTML page is in."""
    if g.get("lang") and response.mimetype == "text/html":
        response.headers.setdefault("Content-Language", g.lang)
    return response


# --- Root (unprefixed) routes ------------------------------------------------------------------


@root_bp.get("/")
def index():
    """Send visitors to the home page in their best language."""
    response = redirect(url_for("public.home", lang=best_language()))
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@root_bp.get("/robots.txt")
def robots():
    """Crawlers may read public pages, not the API, accounts, dashboards or administration."""
    lines = ["User-agent: *", "Allow: /"]
    for path in ("/api/", "/account", "/admin", "/dashboard", "/embed/"):
        lines += [f"Disallow: {path}", f"Disallow: /*{path}"]
    lines += ["Disallow: /*/language", "", f"Sitemap: {public_url('root.sitemap')}", ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


def _urls_per_sitemap() -> int:
    """Entries per sitemap file: each entry has one URL per language."""
    return SITEMAP_MAX_URLS // len(current_app.config["LANGUAGES"])


def _agencies_per_sitemap() -> int:
    return _urls_per_sitemap() - len(STATIC_PAGES)


@root_bp.get("/sitemap.xml")
def sitemap():
    """Static pages, landing pages and listed profiles in each language; an index past 50,000."""
    listed = db.session.scalar(select(func.count(Agency.id)).where(listed_filter()))
    landings = _landing_entries()
    per_file = _agencies_per_sitemap()
    if listed + len(landings) <= per_file:
        return _sitemap_response(sitemap_urlset(_sitemap_entries(1, per_file, landings)))
    files = max(1, math.ceil(listed / per_file))
    locations = [public_url("root.sitemap_part", number=n) for n in range(1, files + 1)]
    landing_files = math.ceil(len(landings) / _urls_per_sitemap())
    locations += [
        public_url("root.sitemap_landings", number=n) for n in range(1, landing_files + 1)
    ]
    return _sitemap_response(sitemap_index(locations))


@root_bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int):
    """One file of a sitemap index: a slice of the listed agencies (static pages in the first)."""
    if number < 1:
        abort(404)
    return _sitemap_response(sitemap_urlset(_sitemap_entries(number, _agencies_per_sitemap())))


@root_bp.get("/sitemap-services-<int:number>.xml")
def sitemap_landings(number: int):
    """One file of a sitemap index: a slice of the service, country and city landing pages."""
    per_file = _urls_per_sitemap()
    entries = _landing_entries()[(number - 1) * per_file : number * per_file]
    if number < 1 or not entries:
        abort(404)
    return _sitemap_response(sitemap_urlset(entries))


def _landing_entries() -> list:
    """One sitemap entry per landing page with listed agencies (lastmod: its newest agency)."""
    languages = current_app.config["LANGUAGES"]
    entries = []
    for page in landing_index().pages:
        if page.city:
            endpoint = "search.service_city_landing"
            values = {"country": page.country.lower(), "city": page.city_slug}
        elif page.country:
            endpoint, values = "search.service_country_landing", {"country": page.country.lower()}
        else:
            endpoint, values = "search.service_landing", {}
        urls = {
            lang: public_url(endpoint, service=page.service, **values, lang=lang)
            for lang in languages
        }
        entries.append((urls, page.lastmod.isoformat() if page.lastmod else None))
    return entries


def _sitemap_entries(number: int, per_file: int, landings: list | None = None) -> list:
    """Entries of sitemap file ``number`` (``landings`` in a single-file sitemap); 404 past
    the last file."""
    languages = current_app.config["LANGUAGES"]
    rows = db.session.execute(
        select(Agency.slug, Agency.updated_at)
        .where(listed_filter())
        .order_by(Agency.id)
        .limit(per_file)
        .offset((number - 1) * per_file)
    ).all()
    if number > 1 and not rows:
        abort(404)
    entries = []
    if number == 1:
        for endpoint in STATIC_PAGES:
            entries.append(({lang: public_url(endpoint, lang=lang) for lang in languages}, None))
    entries.extend(landings or ())
    for slug, updated_at in rows:
        urls = {lang: public_url("public.agency", slug=slug, lang=lang) for lang in languages}
        entries.append((urls, updated_at.date().isoformat() if updated_at else None))
    return entries


def _sitemap_response(chunks) -> Response:
    response = Response(chunks, mimetype="application/xml")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


# --- Localized pages ---------------------------------------------------------------------------


# Without strict slashes "/favicon.ico" is a plain 404 (unknown language), not a redirect to
# "/favicon.ico/" first; "/en" is sent to "/en/" below.
@bp.get("/", strict_slashes=False)
def home():
    """Home page: what/where search, key figures, the busiest services, top-rated agencies."""
    if not request.path.endswith("/"):
        return redirect(url_for("public.home"), 308)
    counts = home_counts()
    services = sorted(
        ((term, counts.by_service.get(slug, 0)) for slug, term in taxonomy.SERVICES.items()),
        key=lambda item: -item[1],
    )
    tiers, regions = top_rated()
    return render_template(
        "public/home.html",
        counts=counts,
        services=[item for item in services if item[1]][:HOME_SERVICES],
        tiers=tiers,
        regions=regions,
        cards=load_cards(tiers + regions),
        search_url=url_for("search.results"),
    )


@bp.get("/services")
def browse_services():
    """Every service by category with its count, and the busiest service × country pages."""
    counts = home_counts()
    categories = [
        (category, [(term, counts.by_service.get(term.slug, 0)) for term in terms])
        for category, terms in taxonomy.services_by_category().items()
    ]
    return render_template(
        "public/browse_services.html",
        counts=counts,
        categories=categories,
        popular=landing_index().popular(BROWSE_LANDING_LINKS, cities=False),
    )


@bp.get("/countries")
def browse_places():
    """Every world region and country with listed agencies, and the busiest city pages."""
    counts = home_counts()
    by_region: dict[str, list[tuple[str, int]]] = {code: [] for code in geo.WORLD_REGIONS}
    for code, count in counts.by_country.items():
        region = geo.continent_of(code)
        if region in by_region:
            by_region[region].append((code, count))
    regions = [
        (code, counts.by_region.get(code, 0), sorted(found, key=_by_country_name))
        for code, found in by_region.items()
    ]
    return render_template(
        "public/browse_places.html",
        counts=counts,
        regions=regions,
        popular=landing_index().popular(BROWSE_LANDING_LINKS, cities=True),
    )


def _by_country_name(item: tuple[str, int]) -> str:
    return geo.fold(geo.country_name(item[0]))


@bp.get("/agencies/<slug>")
def agency(slug: str):
    """An agency's public profile; 404 unless the listing rule holds today."""
    found = listed_agency(slug)
    if found is None:
        abort(404)
    if "sq" in request.args:
        # Opened from search results: count the click, then show the clean address (a reload
        # or a shared link does not count again; the query never reaches a bookmark).
        record_click(request.args.get("sq"))
        count_search_click(found.id)
        args = {k: v for k, v in request.args.items(multi=True) if k != "sq"}
        response = redirect(url_for("public.agency", slug=found.slug, **args), 302)
        response.headers["Cache-Control"] = "no-store"
        return response
    listing = review_listing(found.id, found.services, ReviewQuery.from_args(request.args))
    if listing is None:  # a page past the last one (or before the first)
        abort(404)
    structured = agency_json_ld(
        found, listing.summary, listing.reviews, public_url("public.agency", slug=found.slug)
    )
    count_profile_view(found.id)  # agency insights (buffered, no cookie)
    return render_template(
        "public/agency.html",
        agency=found,
        summary=listing.summary,
        listing=listing,
        services=_services_by_category(found.services),
        certification=found.current_certification,
        landings=landing_index().for_agency(found.services, found.offices)[:PROFILE_LANDING_LINKS],
        meta_description=markdown_to_text(found.tagline or found.description, limit=160),
        structured_data=json_ld(structured),
    )


def _services_by_category(slugs: list[str]) -> list[tuple[str, list[str]]]:
    """The agency's services under their taxonomy category, in taxonomy order."""
    held = set(slugs)
    grouped = [
        (category, [term.slug for term in terms if term.slug in held])
        for category, terms in taxonomy.services_by_category().items()
    ]
    return [(category, services) for category, services in grouped if services]


@bp.get("/ranking")
def ranking():
    """How results are ranked (EU P2B regulation 2019/1150, Omnibus directive)."""
    mean = current_app.config["RATING_PRIOR_MEAN"]
    weight = current_app.config["RATING_PRIOR_WEIGHT"]

    def bayesian(average: float, count: int) -> float:
        return (weight * mean + average * count) / (weight + count)

    return render_template(
        "public/ranking.html",
        prior_mean=format_rating(mean),
        prior_weight=format_decimal(weight, format="0.##"),
        example_few=format_rating(bayesian(5.0, 2)),
        example_many=format_rating(bayesian(4.8, 40)),
    )


@bp.get("/reviews-policy")
def reviews_policy():
    """Former address of the reviews policy: one page, ``reviews.transparency``, says it all."""
    return redirect(url_for("reviews.transparency"), code=301)


@bp.get("/language")
def set_language():
    """Remember the chosen language in a cookie, then show ``next`` (a page in that language)."""
    target = request.args.get("next", "")
    if not _is_local_page(target, g.lang):
        target = url_for("public.home")
    response = redirect(target, 303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        g.lang,
        max_age=LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _is_local_page(target: str, lang: str) -> bool:
    """A path on this site under ``/<lang>/`` (never another host: no open redirect)."""
    if not target.startswith(f"/{lang}/") or "\\" in target or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc

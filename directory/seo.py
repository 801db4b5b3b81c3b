"""What search engines read: canonical URLs, language alternates, JSON-LD and sitemaps."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from flask import current_app, g, request, url_for
from markupsafe import Markup

from .formatting import web_url
from .markdown import markdown_to_text
from .taxonomy import SERVICES, current_language, label
from .urls import absolute, logo_src, public_url

# The sitemap protocol's cap is 50,000 URLs per file; each agency has one URL per language.
SITEMAP_MAX_URLS = 50_000

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def current_page_in(lang: str) -> str | None:
    """The current localized page's path in ``lang`` (query string kept), or None."""
    endpoint = request.endpoint
    if not endpoint or not current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        return None
    view_args = request.view_args or {}
    # Names url_for would read as its own options (``_external``, ``endpoint``…) are dropped.
    args = {
        name: values
        for name, values in request.args.lists()
        if not name.startswith("_") and name not in {"lang", "endpoint", *view_args}
    }
    return url_for(endpoint, **view_args, **args, lang=lang)


def _localized_page() -> tuple[str, dict] | None:
    """The current localized page's endpoint and values (only ``page`` kept from the query)."""
    endpoint = request.endpoint
    if not endpoint or not current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        return None
    values = dict(request.view_args or {})
    page = request.args.get("page", "")
    if page.isdigit() and page != "1":
        values["page"] = page
    return endpoint, values


def canonical_url() -> str | None:
    """Absolute URL of the current localized page in its own language, or None.

    Filters and sorts in the query string are not distinct pages; pagination is.
    """
    found = _localized_page()
    if found is None:
        return None
    endpoint, values = found
    return public_url(endpoint, **values, lang=g.get("lang") or current_language())


def alternates() -> list[tuple[str, str]]:
    """``(hreflang, absolute URL)`` for each language of the current page, then ``x-default``."""
    found = _localized_page()
    if found is None:
        return []
    endpoint, values = found
    languages = current_app.config["LANGUAGES"]
    links = [(lang, public_url(endpoint, **values, lang=lang)) for lang in languages]
    if endpoint == "public.home":
        links.append(("x-default", public_url("root.index")))
    else:
        links.append(("x-default", links[0][1]))
    return links


def json_ld(data: Any) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` that no value can break out of."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)  # noqa: S704 - every HTML-significant character is escaped above


def agency_json_ld(agency, summary, reviews: Iterable, url: str) -> dict:
    """schema.org ProfessionalService for a profile, with its rating and the reviews shown."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ProfessionalService",
        "name": agency.name,
        "url": url,
    }
    if agency.tagline:
        data["slogan"] = agency.tagline
    description = markdown_to_text(agency.description, limit=1000)
    if description:
        data["description"] = description
    website = web_url(agency.website)
    if website:
        data["sameAs"] = website
    if agency.phone:
        data["telephone"] = agency.phone
    if agency.founded:
        data["foundingDate"] = str(agency.founded)
    logo = logo_src(agency, 256)
    if logo:
        data["logo"] = absolute(logo)
    hq = agency.headquarters
    if hq:
        address = {"@type": "PostalAddress", "addressCountry": hq.country}
        if hq.city:
            address["addressLocality"] = hq.city
        if hq.region:
            address["addressRegion"] = hq.region
        data["address"] = address
    if summary.count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": round(summary.rating, 2),
            "reviewCount": summary.count,
            "bestRating": 5,
            "worstRating": 1,
        }
        data["review"] = [_review_ld(review) for review in reviews]
    works = [_case_study_ld(study) for study in getattr(agency, "case_studies", None) or ()]
    if works:
        data["subjectOf"] = works  # schema.org: "a CreativeWork … about this Thing"
    return data


def _case_study_ld(study) -> dict:
    """A case study as a schema.org CreativeWork: name, about (client), abstract, keywords."""
    item: dict[str, Any] = {"@type": "CreativeWork", "name": study.title}
    if study.client_or_sector:
        item["about"] = {"@type": "Thing", "name": study.client_or_sector}
    figures = "; ".join(f"{f['value']} {f['label']}" for f in study.figures or [])
    parts = [study.challenge, study.results, figures]
    abstract = " ".join(part.strip() for part in parts if part and part.strip())
    if abstract:
        item["abstract"] = abstract[:1000]
    if study.services:
        item["keywords"] = ", ".join(label(SERVICES, slug) for slug in study.services)
    if study.image:
        item["image"] = absolute(url_for("files.stored_file", name=study.image["name"]))
    return item


def _review_ld(review) -> dict:
    item = {
        "@type": "Review",
        "author": {"@type": "Person", "name": review.author_name},
        "datePublished": review.submitted_on.isoformat(),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": review.rating,
            "bestRating": 5,
            "worstRating": 1,
        },
    }
    if review.title:
        item["name"] = review.title
    if review.body:
        item["reviewBody"] = review.body
    return item


def sitemap_urlset(entries: Iterable[tuple[dict[str, str], str | None]]) -> Iterator[str]:
    """A ``<urlset>`` streamed in chunks: one ``<url>`` per language of each entry.

    ``entries`` yields ``({lang: absolute URL}, lastmod or None)``; every URL lists all the
    languages as ``xhtml:link`` alternates.
    """
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    )
    for urls, lastmod in entries:
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang="{escape(lang)}" href="{escape(href)}"/>'
            for lang, href in urls.items()
        )
        modified = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
        yield "".join(
            f"<url><loc>{escape(href)}</loc>{modified}{links}</url>\n" for href in urls.values()
        )
    yield "</urlset>\n"


def sitemap_index(locations: Iterable[str]) -> Iterator[str]:
    """A ``<sitemapindex>`` pointing at each sitemap file."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    )
    for location in locations:
        yield f"<sitemap><loc>{escape(location)}</loc></sitemap>\n"
    yield "</sitemapindex>\n"

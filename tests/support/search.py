"""Helpers shared by the search page and API tests: a small indexed directory."""

from __future__ import annotations

import functools

from directory.db import db

# Hostile query strings: every one must give a page (or a 400/422), never a 500 or a leak.
HOSTILE_QUERIES = [
    "q=" + "a" * 10_240,
    "q=" + "seo%20" * 2_000,
    "q=%00%01%1f%7f%c2%85%e2%80%8b",
    "q=%ff%fe",
    "q=caf%c3",
    "%ff%fe=1",
    "q=tier%20%3D%20elite%20OR%201%3D1",
    "q=%27%20OR%201%3D1%20--",
    "q=%22%3B%20DROP%20TABLE%20agencies%3B%20--",
    "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "q=*&q=%25",
    "q=%5C%22",
    "service=nonexistent",
    "service=seo%22%20OR%20tier%3D%22elite",
    "service=seo&service=seo&service=branding",
    "tier=elite%20OR%201%3D1",
    "tier=" + "&tier=".join(["elite"] * 50),
    "country=XX",
    "country=fr",
    "country=%00%00",
    "city=FR:Lyon",
    "city=%ff",
    "city=" + "x" * 5_000,
    "language=english",
    "world_region=ATLANTIS",
    "page=-1",
    "page=0",
    "page=1000000000",
    "page=" + "9" * 400,
    "page=abc",
    "page=1&page=2",
    "per_page=1000",
    "per_page=0",
    "per_page=-5",
    "sort=rating&sort=name",
    "sort=random()",
    "sort=distance",
    "min_rating=NaN",
    "min_rating=inf",
    "min_rating=-3",
    "min_rating=1e308",
    "min_rating=4,5",
    "near=%00",
    "near=" + "x" * 5_000,
    "near=Qwxzyville",
    "near=91,200",
    "near=Lyon&sort=distance",
    "filter=tier%3Delite",
    "q[]=seo&service[]=seo",
]


def reindex() -> None:
    """Rebuild the search index from the database (what ``flask reindex`` does).

    Commits already push changes to the index; rebuilding makes the tests independent of it.
    """
    from directory.search.rebuild import reindex as rebuild

    rebuild()


def make_directory(factory) -> dict:
    """A few listed agencies in Lyon, Paris and Berlin, two unlisted ones, all indexed."""
    agency = functools.partial(factory.agency, commit=False)  # one commit for all
    data = {
        "lyon_marketing": agency(
            name="Rhône Growth",
            slug="rhone-growth",
            tagline="Inbound and content marketing for B2B",
            services=["content-marketing", "inbound-marketing"],
            offices=[{"country": "FR", "city": "Lyon", "lat": 45.75, "lng": 4.85}],
            program="partner",
            tier="diamond",
            rating_avg=4.8,
            review_count=12,
        ),
        "lyon_seo": agency(
            name="Presqu'île Search",
            slug="presquile-search",
            tagline="Technical SEO audits",
            services=["seo"],
            offices=[{"country": "FR", "city": "Lyon", "lat": 45.76, "lng": 4.83}],
            rating_avg=4.1,
            review_count=3,
        ),
        "paris_seo": agency(
            name="Seine Référencement",
            slug="seine-referencement",
            tagline="SEO and paid search",
            services=["seo", "paid-advertising"],
            offices=[{"country": "FR", "city": "Paris", "lat": 48.85, "lng": 2.35}],
            program="partner",
            tier="elite",
            rating_avg=4.9,
            review_count=40,
        ),
        "berlin_web": agency(
            name="Spree Websites",
            slug="spree-websites",
            tagline="Website design and development",
            services=["website-design", "website-development"],
            offices=[{"country": "DE", "city": "Berlin", "lat": 52.52, "lng": 13.4}],
            languages=["de", "en"],
        ),
        "hidden": agency(
            name="Hidden Marketing Lyon",
            slug="hidden-marketing-lyon",
            tagline="Content marketing (unlisted)",
            services=["content-marketing", "seo"],
            offices=[{"country": "FR", "city": "Lyon"}],
            listed=False,
        ),
        "draft": agency(
            name="Draft Marketing Lyon",
            slug="draft-marketing-lyon",
            services=["content-marketing", "seo"],
            offices=[{"country": "FR", "city": "Lyon"}],
            status="draft",
        ),
    }
    db.session.commit()
    reindex()
    return data


UNLISTED_NAMES = ("Hidden Marketing Lyon", "Draft Marketing Lyon", "hidden-marketing-lyon")

"""Public pages: home, profile, ranking page, language switch, sitemap, robots, error pages."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from sqlalchemy import event

from directory.db import db, today
from directory.listings import compute_home_counts
from directory.views import public

pytestmark = pytest.mark.usefixtures("french_catalog")
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


class _Page(HTMLParser):
    """Tags, script bodies and link elements of a page, for structural assertions."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script":
            self._script = attrs
            self.scripts.append((attrs, ""))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def parse(response) -> _Page:
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return page


def json_ld(response) -> dict:
    blocks = [
        text
        for attrs, text in parse(response).scripts
        if attrs.get("type") == "application/ld+json"
    ]
    assert len(blocks) == 1
    return json.loads(blocks[0])


def links(response, rel: str) -> dict[str, str]:
    return {
        attrs.get("hreflang", rel): attrs["href"]
        for tag, attrs in parse(response).tags
        if tag == "link" and attrs.get("rel") == rel
    }


def text_of(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    body = re.sub(r"<script.*?</script>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def full_agency(factory):
    """A Gold partner with every profile field filled, two offices and reviews."""
    agency = factory.agency(
        name="Nordlicht Growth",
        slug="nordlicht-growth",
        program="partner",
        tier="gold",
        tagline="Inbound for industrial companies",
        description="We help **manufacturers** grow.\n\n- CRM\n- SEO\n\n[Cases](https://example.com/cases)",
        website="https://nordlicht.example",
        phone="+49 30 1234567",
        email="leads@nordlicht.example",
        founded=2009,
        team_size="11-50",
        min_budget_usd=5000,
        hourly_rate_low_usd=100,
        hourly_rate_high_usd=150,
        services=["seo", "crm-migration", "website-design"],
        industries=["manufacturing", "software"],
        products=["sales-hub"],
        client_sizes=["mid-market"],
        accreditations=["onboarding"],
        languages=["de", "en"],
        offices=[
            {"country": "DE", "city": "Berlin", "headquarters": True},
            {"country": "FR", "city": "Lyon", "headquarters": False},
        ],
        certified_until=dt.date(2030, 3, 5),
    )
    factory.review(
        agency,
        title="Older review",
        rating=4,
        quality=4,
        schedule=5,
        cost=3,
        willing_to_refer=8,
        source="imported",
        author_email=None,
        submitted_on=today() - dt.timedelta(days=30),
    )
    factory.review(
        agency,
        title="Newest review",
        rating=5,
        quality=5,
        schedule=4,
        cost=4,
        willing_to_refer=10,
        source="invitation",
        author_company="Stahlwerk AG",
        response="Thank you, it was a pleasure.",
    )
    factory.review(agency, title="Email review", rating=5, source="email")
    factory.review(agency, title="Pending review", status="pending")
    factory.review(agency, title="Rejected review", status="rejected")
    return agency


# --- Home --------------------------------------------------------------------------------------


@pytest.fixture
def directory_agencies(factory):
    factory.agency(services=["seo"], offices=[{"country": "FR"}])
    factory.agency(services=["seo", "branding"], offices=[{"country": "FR"}, {"country": "DE"}])
    factory.agency(services=["branding"], offices=[{"country": "US"}, {"country": "US"}])
    factory.agency(services=["seo"], offices=[{"country": "JP"}], listed=False)
    factory.agency(services=["seo"], offices=[{"country": "JP"}], status="draft")


def test_home_counts_only_listed_agencies(app, directory_agencies):
    counts = compute_home_counts()
    assert counts.agencies == 3
    assert counts.by_service == {"seo": 2, "branding": 2}
    assert counts.by_country == {"FR": 2, "DE": 1, "US": 1}
    assert counts.by_region == {"EU": 2, "NA": 1}
    assert counts.countries == 3


def test_home_in_english(client, directory_agencies):
    response = client.get("/en/")
    assert response.status_code == 200
    text = text_of(response)
    assert "3 listed agencies" in text
    assert "3 countries" in text
    assert "Search engine optimization 2 agencies" in text
    assert "by country (3 countries)" in text  # the countries have their own page
    assert "Germany" not in text
    page = parse(response)
    assert ("a", {"href": "/en/countries"}) in page.tags
    assert ("a", {"href": "/en/services"}) in page.tags
    form = next(attrs for tag, attrs in page.tags if tag == "form")
    assert form["method"] == "get" and form["action"] == "/en/search"
    assert ("label", {"for": "home-q"}) in page.tags


def test_home_in_french(client, directory_agencies):
    response = client.get("/fr/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html
    text = text_of(response)
    assert "3 agences référencées" in text
    assert "Référencement naturel (SEO) 2 agences" in text
    assert "par pays (3 pays)" in text


def test_browse_pages_list_every_service_and_country(client, directory_agencies):
    text = text_of(client.get("/en/services"))
    assert "Search engine optimization 2 agencies" in text
    assert "Video production 0 agencies" in text  # unoffered services are listed, unlinked
    text = text_of(client.get("/fr/countries"))
    assert "Europe 2 agences" in text
    assert "Allemagne 1 agence" in text
    assert "Japon" not in text  # only unlisted agencies there


def test_home_counts_are_cached_briefly(app, client, factory):
    factory.agency()
    assert "1 listed agency" in text_of(client.get("/en/"))
    factory.agency()
    assert "1 listed agency" in text_of(client.get("/en/"))
    app.config["HOME_CACHE_SECONDS"] = 0
    assert "2 listed agencies" in text_of(client.get("/en/"))


class _QueryCounter:
    def __init__(self):
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args, **kwargs):
        self.count += 1
        self.statements.append(statement)


@pytest.fixture
def count_queries(app):
    counter = _QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


def test_home_and_profile_query_counts_do_not_grow(app, client, factory, count_queries):
    agencies = [
        factory.agency(offices=[{"country": "FR"}, {"country": "BE"}], services=["seo", "training"])
        for _ in range(15)
    ]
    for n in range(25):
        factory.review(agencies[0], title=f"Review {n}")
    slug = agencies[0].slug
    db.session.remove()  # as at the start of a real request: nothing in the identity map
    count_queries.count = 0
    assert client.get("/en/").status_code == 200
    # Home counts, then one query for the top-rated cards (the searches run on the index).
    assert count_queries.count <= 6
    count_queries.statements.clear()
    assert client.get(f"/en/agencies/{slug}?page=2").status_code == 200
    # The reviews' short columns (summary, histogram, filters), then the page's reviews.
    reads = [s for s in count_queries.statements if re.search(r"\bFROM reviews\b", s)]
    assert len(reads) == 2


# --- Profile -----------------------------------------------------------------------------------


def test_profile_shows_every_field(client, full_agency):
    response = client.get("/en/agencies/nordlicht-growth")
    assert response.status_code == 200
    text = text_of(response)
    html = response.get_data(as_text=True)
    for expected in (
        "Nordlicht Growth",
        "Inbound for industrial companies",
        "Search engine optimization",
        "CRM migration",
        "Website design",
        "Marketing",  # service categories
        "Web design",
        "Manufacturing",
        "Software",
        "Sales Hub",
        "Mid-market (51–1,000 employees)",
        "Onboarding accreditation",
        "German",
        "English",
        "$5,000",
        "$100 to $150 per hour",
        "11–50 people",
        "2009",
        "+49 30 1234567",
        "Berlin, Germany Headquarters",
        "Lyon, France",
        "Solutions partner",
        "Gold tier",
        "Verified, valid until March 5, 2030",
        "4.7 out of 5",
        "3 reviews",
        "Verified (invitation)",
        "Verified email",
        "Imported",
        "Stahlwerk AG",
        "Response from Nordlicht Growth",
        "Thank you, it was a pleasure.",
        "Quality 4.5 out of 5",
        "Willing to refer 9.0 out of 10",
    ):
        assert expected in text, expected
    assert "<strong>manufacturers</strong>" in html
    assert '<a href="https://example.com/cases" rel="nofollow noopener ugc">Cases</a>' in html
    website = 'href="https://nordlicht.example" rel="nofollow noopener"'
    assert f'<a class="button button-secondary" {website}>' in html
    assert 'href="#reviews"' in html and 'id="reviews"' in html
    assert "NG</span>" in html  # monogram placeholder without a logo
    assert "Pending review" not in text and "Rejected review" not in text
    assert "leads@nordlicht.example" not in html  # the leads address is never public
    assert '<meta property="og:title" content="Nordlicht Growth">' in html
    # Newest first.
    assert text.index("Email review") < text.index("Older review")
    assert text.index("Newest review") < text.index("Older review")


def test_profile_in_french_is_localized(client, full_agency):
    response = client.get("/fr/agencies/nordlicht-growth")
    assert "5\u202f000\xa0$US" in response.get_data(as_text=True)
    text = text_of(response)
    for expected in (
        "Référencement naturel (SEO)",
        "Allemagne Siège",
        "Vérifiée, valable jusqu’au 5 mars 2030",
        "4,7 sur 5",
        "3 avis",
        "Vérifié (invitation)",
        "Niveau Gold",
        "Partenaire de solutions",
    ):
        assert expected in text, expected


def test_tier_and_partner_icons_have_accessible_names(client, factory):
    for tier in ("gold", "platinum", "diamond", "elite"):
        agency = factory.agency(program="partner", tier=tier)
        page = parse(client.get(f"/en/agencies/{agency.slug}"))
        icons = [attrs for tag, attrs in page.tags if tag == "svg" and attrs.get("role") == "img"]
        names = {attrs["aria-label"] for attrs in icons}
        assert names == {f"{tier.title()} tier", "Solutions partner"}
    provider = factory.agency(program="provider")
    response = client.get(f"/en/agencies/{provider.slug}")
    assert "<svg" not in response.get_data(as_text=True).split("<main", 1)[1].split("</header>")[0]
    assert "Solutions provider" in text_of(response)


def test_profile_json_ld(client, full_agency):
    data = json_ld(client.get("/en/agencies/nordlicht-growth"))
    assert data["@type"] == "ProfessionalService"
    assert data["name"] == "Nordlicht Growth"
    assert data["url"] == "http://localhost/en/agencies/nordlicht-growth"
    assert data["aggregateRating"]["reviewCount"] == 3
    assert data["aggregateRating"]["ratingValue"] == pytest.approx(4.67, abs=0.01)
    assert [r["name"] for r in data["review"]] == ["Email review", "Newest review", "Older review"]
    assert data["address"]["addressCountry"] == "DE"


@pytest.mark.parametrize("website", ["javascript:alert(1)", " JavaScript:x", "data:x", "//x"])
def test_only_http_websites_become_links(client, factory, website):
    agency = factory.agency(website=website)
    response = client.get(f"/en/agencies/{agency.slug}")
    assert "Visit website" not in text_of(response)
    assert "sameAs" not in json_ld(response)


def test_profile_shows_the_logo_when_there_is_one(client, factory):
    agency = factory.agency(logo={"64": "l64.png", "128": "l128.png", "256": "l256.png"})
    response = client.get(f"/en/agencies/{agency.slug}")
    logos = [a for t, a in parse(response).tags if t == "img" and "agency-logo" in a["class"]]
    assert len(logos) == 1
    assert logos[0]["src"].endswith("l64.png") and logos[0]["alt"] == ""  # 64 px in the bar
    assert json_ld(response)["logo"].startswith("http://localhost/")
    assert json_ld(response)["logo"].endswith("l256.png")


def test_profile_without_reviews(client, factory):
    agency = factory.agency()
    response = client.get(f"/en/agencies/{agency.slug}")
    assert "No reviews yet" in text_of(response)
    assert "aggregateRating" not in json_ld(response)


def test_reviews_are_paginated(client, factory):
    agency = factory.agency()
    for n in range(23):
        factory.review(agency, title=f"Review number {n}", submitted_on=today() - dt.timedelta(n))
    first = text_of(client.get(f"/en/agencies/{agency.slug}"))
    assert "Review number 9 " in first and "Review number 10 " not in first
    assert "Reviews 1–10 of 23 · Page 1 of 3" in first
    third = client.get(f"/en/agencies/{agency.slug}?page=3")
    assert "Review number 22 " in text_of(third) and "Review number 19 " not in text_of(third)
    assert links(third, "canonical")["canonical"].endswith("?page=3")
    assert client.get(f"/en/agencies/{agency.slug}?page=4").status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "draft"},
        {"status": "suspended"},
        {"listed": False},  # certification pending
        {"certified_until": dt.date.today() - dt.timedelta(days=1)},
    ],
    ids=["draft", "suspended", "pending-certification", "expired-yesterday"],
)
def test_unlisted_agency_is_not_found(client, factory, fields):
    if "certified_until" in fields:
        fields["certified_until"] = today() - dt.timedelta(days=1)
    agency = factory.agency(name="Hidden Agency Name", tagline="Secret tagline", **fields)
    for lang in ("en", "fr"):
        response = client.get(f"/{lang}/agencies/{agency.slug}")
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "Hidden Agency Name" not in body and "Secret tagline" not in body
        assert "application/ld+json" not in body


def test_agency_expiring_today_is_listed(client, factory):
    agency = factory.agency(certified_until=today())
    assert client.get(f"/en/agencies/{agency.slug}").status_code == 200


def test_rejected_certification_is_not_listed(client, factory):
    agency = factory.agency()
    agency.certifications[0].status = "rejected"
    db.session.commit()
    assert client.get(f"/en/agencies/{agency.slug}").status_code == 404


# --- Hostile content -----------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "</script><script>alert(2)</script>",
    '"><img src=x onerror=alert(3)>',
    "]]><!-- --> -->",
    "line\u2028separator\u2029paragraph",
    "</SCRIPT ><svg onload=alert(4)>",
    "{{ 7*7 }} ${7*7} &amp; &lt;",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_fields_never_become_markup(client, factory, payload):
    agency = factory.agency(
        name=f"Evil {payload}"[:120],
        tagline=payload,
        description=f"Intro {payload}\n\n{payload}",
        phone="+33 1 23",
        offices=[{"country": "FR", "city": payload[:100], "region": payload[:100]}],
    )
    factory.review(
        agency,
        title=payload,
        body=f"Body {payload}",
        author_name=payload[:120],
        author_company=payload[:120],
        response=payload,
    )
    for lang in ("en", "fr"):
        response = client.get(f"/{lang}/agencies/{agency.slug}")
        assert response.status_code == 200
        page = parse(response)
        # Only our scripts: site.js, the JSON-LD data block and the compare toggle's script.
        assert [attrs.get("src") or attrs.get("type") for attrs, _ in page.scripts] == [
            "/static/js/site.js",
            "application/ld+json",
            "/static/js/compare.js",
        ]
        assert all(not text.strip() for attrs, text in page.scripts if attrs.get("src"))
        for tag, attrs in page.tags:
            assert tag not in {"img", "iframe", "object", "embed"}
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        data = json_ld(response)
        assert data["name"] == f"Evil {payload}"[:120]
        assert data["slogan"] == payload
        assert data["review"][0]["name"] == payload
        assert data["review"][0]["reviewBody"] == f"Body {payload}"
        assert data["review"][0]["author"]["name"] == payload[:120]
        raw = next(text for attrs, text in page.scripts if attrs.get("type"))
        assert "<" not in raw and ">" not in raw and "\u2028" not in raw and "\u2029" not in raw


# --- Language: alternates, canonical, switch, redirects ----------------------------------------


def test_profile_has_canonical_and_hreflang(client, full_agency):
    response = client.get("/fr/agencies/nordlicht-growth?sort=x")
    alternates = links(response, "alternate")
    assert alternates == {
        "en": "http://localhost/en/agencies/nordlicht-growth",
        "fr": "http://localhost/fr/agencies/nordlicht-growth",
        "x-default": "http://localhost/en/agencies/nordlicht-growth",
    }
    assert links(response, "canonical") == {
        "canonical": "http://localhost/fr/agencies/nordlicht-growth"
    }


def test_localized_pages_declare_their_language(client):
    assert client.get("/fr/ranking").headers["Content-Language"] == "fr"
    assert client.get("/en/").headers["Content-Language"] == "en"
    assert "Content-Language" not in client.get("/robots.txt").headers


def test_home_x_default_is_the_language_chooser(client):
    alternates = links(client.get("/en/"), "alternate")
    assert alternates["x-default"] == "http://localhost/"
    assert alternates["fr"] == "http://localhost/fr/"


def test_public_url_setting_is_used(app, client):
    app.config["SERVER_NAME_PUBLIC"] = "https://directory.example/"
    response = client.get("/en/ranking")
    assert links(response, "canonical")["canonical"] == "https://directory.example/en/ranking"


def test_language_switch_sets_cookie_and_goes_to_the_same_page(client, full_agency):
    page = client.get("/en/agencies/nordlicht-growth").get_data(as_text=True)
    assert 'href="/fr/language?next=/fr/agencies/nordlicht-growth"' in page
    assert 'hreflang="fr" lang="fr"' in page
    response = client.get("/fr/language?next=/fr/agencies/nordlicht-growth")
    assert response.status_code == 303
    assert response.headers["Location"] == "/fr/agencies/nordlicht-growth"
    assert "lang=fr" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "no-store"
    root = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert root.headers["Location"].endswith("/fr/")


def test_language_switch_keeps_the_query_string(client):
    page = client.get("/en/ranking?page=2&x=%3Cy%3E").get_data(as_text=True)
    assert "/fr/language?next=/fr/ranking?page%3D2%26x%3D%253Cy%253E" in page


@pytest.mark.parametrize(
    "query", ["_scheme=https", "_external=1", "endpoint=x", "lang=fr", "slug=other", "_anchor=x"]
)
def test_odd_query_strings_do_not_break_the_language_switch(client, full_agency, query):
    response = client.get(f"/en/agencies/nordlicht-growth?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/fr/language?next=/fr/agencies/nordlicht-growth' in html


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/fr/", "/en/ranking", "/fr\\..\\x", ""]
)
def test_language_switch_is_not_an_open_redirect(client, target):
    response = client.get("/fr/language", query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/fr/"


def test_pages_do_not_set_the_language_cookie(client, full_agency):
    """Only the switch sets it, so pages stay cacheable (no Set-Cookie on home and ranking)."""
    for path in ("/en/", "/en/ranking"):
        assert "Set-Cookie" not in client.get(path).headers
    cookies = client.get("/fr/agencies/nordlicht-growth").headers.getlist("Set-Cookie")
    assert not [c for c in cookies if c.startswith("lang=")]


def test_root_redirect_follows_accept_language(client):
    response = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert response.headers["Location"].endswith("/fr/")
    assert "Accept-Language" in response.headers["Vary"]
    response = client.get("/", headers={"Accept-Language": "de-DE,en;q=0.5"})
    assert response.headers["Location"].endswith("/en/")


def test_unknown_language_prefix_is_not_found(client):
    assert client.get("/de/ranking").status_code == 404
    assert client.get("/favicon.ico").status_code == 404
    response = client.get("/fr")
    assert response.status_code == 308 and response.headers["Location"] == "/fr/"


# --- Ranking page --------------------------------------------------------------------------------


def test_ranking_page_in_both_languages(app, client):
    text = text_of(client.get("/en/ranking"))
    assert "Relevance." in text and "Partner tier." in text and "Exactness." in text
    assert "paid program" in text
    assert "as if it had 5 reviews rated 3.5 out of 5" in text
    assert "2019/1150" in text
    assert text.index("Relevance.") < text.index("Partner tier.") < text.index("Quality.")
    assert text.index("Quality.") < text.index("Exactness.")
    html = client.get("/en/ranking").get_data(as_text=True)
    for name in ("Elite tier", "Diamond tier", "Platinum tier", "Gold tier"):
        assert f'aria-label="{name}"' in html
    french = text_of(client.get("/fr/ranking"))
    assert "Comment fonctionne le classement" in french
    assert "programme payant" in french
    assert "5 avis notés 3,5 sur 5" in french
    app.config.update(RATING_PRIOR_MEAN=4.0, RATING_PRIOR_WEIGHT=10)
    assert "as if it had 10 reviews rated 4.0 out of 5" in text_of(client.get("/en/ranking"))


def test_reviews_policy_is_the_transparency_page(client):
    response = client.get("/en/reviews-policy")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/en/reviews/transparency")
    text = text_of(client.get("/en/reviews/transparency"))
    for label in ("Verified (invitation)", "Verified email", "Imported", "never rejected"):
        assert label in text
    assert "How ratings are computed" in text
    assert 'href="/en/reviews/transparency"' in client.get("/en/").get_data(as_text=True)
    assert "jamais rejeté" in text_of(client.get("/fr/reviews/transparency"))


# --- Sitemap and robots --------------------------------------------------------------------------


def _urls(response) -> dict[str, dict[str, str]]:
    root = ET.fromstring(response.data)
    return {
        url.findtext(f"{SM}loc"): {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SM}url")
    }


def test_sitemap_lists_listed_agencies_in_both_languages(client, factory):
    listed = factory.agency(slug="listed-one")
    factory.agency(slug="draft-one", status="draft")
    factory.agency(slug="pending-one", listed=False)
    factory.agency(slug="expired-one", certified_until=today() - dt.timedelta(days=1))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    urls = _urls(response)
    profile_urls = {u for u in urls if "/agencies/" in u}
    assert profile_urls == {
        "http://localhost/en/agencies/listed-one",
        "http://localhost/fr/agencies/listed-one",
    }
    assert urls["http://localhost/fr/agencies/listed-one"] == {
        "en": "http://localhost/en/agencies/listed-one",
        "fr": "http://localhost/fr/agencies/listed-one",
    }
    assert {
        "http://localhost/en/",
        "http://localhost/fr/ranking",
        "http://localhost/en/reviews/transparency",
    } <= set(urls)
    assert listed.slug == "listed-one"


def test_sitemap_becomes_an_index_past_the_limit(client, factory, monkeypatch):
    monkeypatch.setattr(public, "SITEMAP_MAX_URLS", 16)  # 16 // 2 - 5 static pages = 3 per file
    for n in range(7):
        factory.agency(slug=f"bulk-{n}")
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == f"{SM}sitemapindex"
    locations = [loc.text for loc in index.iter(f"{SM}loc")]
    agency_files = [f"http://localhost/sitemap-{n}.xml" for n in (1, 2, 3)]
    # The landing pages (SEO; SEO in France; SEO in Paris) have their own file.
    assert locations == [*agency_files, "http://localhost/sitemap-services-1.xml"]
    landings = _urls(client.get("/sitemap-services-1.xml"))
    assert "http://localhost/en/services/seo/fr/paris" in landings
    assert client.get("/sitemap-services-2.xml").status_code == 404
    seen = set()
    for n in (1, 2, 3):
        urls = _urls(client.get(f"/sitemap-{n}.xml"))
        assert len(urls) <= 16
        seen |= {u for u in urls if "/agencies/" in u}
    assert len(seen) == 14
    assert client.get("/sitemap-4.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_robots(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines
    assert {"Disallow: /api/", "Disallow: /account", "Disallow: /admin"} <= set(lines)
    assert {"Disallow: /*/account", "Disallow: /*/dashboard", "Disallow: /*/admin"} <= set(lines)
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert "Disallow: /en/" not in lines


# --- Error pages ---------------------------------------------------------------------------------


def test_404_is_localized(client):
    response = client.get("/fr/agencies/nobody")
    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)
    assert "canonical" not in response.get_data(as_text=True)


def test_404_without_prefix_uses_the_best_language(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == 404
    assert '<html lang="fr">' in response.get_data(as_text=True)
    assert "Page introuvable" in text_of(response)
    client.set_cookie("lang", "en")
    response = client.get("/no/such/page", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Page not found" in text_of(response)


def test_500_shows_no_traceback(app, client):
    def explode():
        raise RuntimeError("secret internals: db password hunter2")

    app.add_url_rule("/fr/explode", "explode", explode)
    response = client.get("/fr/explode")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Une erreur est survenue" in body
    for leak in ("Traceback", "RuntimeError", "hunter2", "explode()"):
        assert leak not in body


# --- Formatting helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "money", "count"),
    [("en", "$12,500", "1,234,567"), ("fr", "12\u202f500\xa0$US", "1\u202f234\u202f567")],
)
def test_money_and_counts_follow_the_language(app, lang, money, count):
    from directory.formatting import format_count, format_usd

    with app.test_request_context(f"/{lang}/"):
        app.preprocess_request()
        assert format_usd(12500) == money
        assert format_count(1234567) == count


def test_monogram_and_web_url():
    from directory.formatting import monogram, web_url

    assert monogram("Société Générale Conseil") == "SG"
    assert monogram("  ") == "?"
    assert monogram("& Co") == "C"
    assert web_url(" https://example.com/x ") == "https://example.com/x"
    assert web_url("javascript:alert(1)") is None
    assert web_url("https:///nohost") is None

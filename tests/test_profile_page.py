"""The profile's review section: rating summary, histogram, filters, pages, contact bar."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from directory.db import db, today
from directory.services.reviews.listing import ReviewQuery

pytestmark = pytest.mark.usefixtures("french_catalog")

RATINGS = (5, 5, 4, 5, 3, 4, 5, 2, 5, 1)  # 12 reviews: 5★×5, 4★×2, 3★, 2★, 1★, then 5★, 5★
BODIES = (
    "Our SEO traffic doubled.",
    "Le référencement naturel a progressé.",
    "The website design was delivered on time.",
    "Solid work.",
)


@pytest.fixture
def agency(factory):
    """12 reviews, newest first: ``Review 0`` is today's; services named in some bodies."""
    agency = factory.agency(
        name="Nordlicht",
        slug="nordlicht",
        services=["seo", "website-design", "branding"],
        offices=[
            {"country": "DE", "city": "Berlin", "headquarters": True},
            {"country": "CH", "city": "Genève"},
        ],
    )
    for n in range(12):
        rating = RATINGS[n % 10]
        factory.review(
            agency,
            title=f"Review {n}",
            rating=rating,
            quality=rating,
            schedule=5,
            cost=max(1, rating - 1),
            willing_to_refer=rating * 2,
            body=BODIES[n % 4],
            submitted_on=today() - dt.timedelta(days=n),
        )
    factory.review(agency, title="Pending one", rating=1, status="pending", body="SEO")
    return agency


def text_of(response) -> str:
    body = re.sub(r"<script.*?</script>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def titles(response) -> list[str]:
    return re.findall(
        r'<h3 id="review-\d+-title"[^>]*>([^<]*)</h3>', response.get_data(as_text=True)
    )


def test_histogram_counts_every_approved_review_with_written_shares(client, agency):
    text = text_of(client.get("/en/agencies/nordlicht"))
    # 7 five-star (58%), 2 four-star, one each of 3, 2 and 1; the pending review never counts.
    for row in ("5 stars 7 (58%)", "4 stars 2 (17%)", "3 stars 1 (8%)", "1 star 1 (8%)"):
        assert row in text, row
    assert "Quality 4.1 out of 5" in text and "Schedule 5.0 out of 5" in text
    assert "Willing to refer 8.2 out of 10" in text
    assert "Reviews 1–10 of 12 · Page 1 of 2" in text


def test_histogram_in_french(client, agency):
    response = client.get("/fr/agencies/nordlicht")
    assert "7 (58\u202f%)" in response.get_data(as_text=True)  # French spacing before %
    text = text_of(response)
    assert "5 étoiles 7 (58 %)" in text and "1 étoile 1 (8 %)" in text
    assert "Avis 1 à 10 sur 12 · Page 1 sur 2" in text
    assert "Berlin, Allemagne" in text and "Genève, Suisse" in text


def test_bars_are_decorative_and_sized_by_class(client, agency):
    html = client.get("/en/agencies/nordlicht").get_data(as_text=True)
    assert 'class="bar" aria-hidden="true"><span class="bar__fill bar__fill--60">' in html  # 58%
    assert " style=" not in html  # the CSP allows no inline style


def test_filter_by_rating(client, agency):
    response = client.get("/en/agencies/nordlicht?rating=4")
    assert titles(response) == ["Review 2", "Review 5"]
    assert "Reviews 1–2 of 2 · Page 1 of 1" in text_of(response)
    assert '<option value="4" selected>' in response.get_data(as_text=True)


def test_filter_by_service_mentioned_in_either_language(client, agency):
    response = client.get("/en/agencies/nordlicht?service=seo")
    # "SEO" (English) and "référencement naturel" (French) both name the SEO service.
    assert titles(response) == [
        "Review 0",
        "Review 1",
        "Review 4",
        "Review 5",
        "Review 8",
        "Review 9",
    ]
    html = response.get_data(as_text=True)
    assert '<option value="seo" selected>Search engine optimization (6)</option>' in html
    assert '<option value="website-design">Website design (3)</option>' in html
    assert 'value="branding"' not in html  # a service no review names is not offered


def test_filters_combine_and_links_keep_them(client, agency):
    response = client.get("/en/agencies/nordlicht?rating=5&service=seo")
    assert titles(response) == ["Review 0", "Review 1", "Review 8"]
    html = response.get_data(as_text=True)
    # The histogram keeps the service; clearing drops both.
    assert 'href="/en/agencies/nordlicht?rating=4&amp;service=seo#reviews"' in html
    assert 'href="/en/agencies/nordlicht#reviews">Clear filters</a>' in html


def test_pages_keep_the_filters(client, factory):
    agency = factory.agency(slug="busy", services=["seo"])
    for n in range(25):
        factory.review(agency, title=f"Review {n}", rating=5 if n % 2 else 4, body="SEO work",
                       submitted_on=today() - dt.timedelta(days=n))  # fmt: skip
    first = client.get("/en/agencies/busy?rating=5&service=seo")
    html = first.get_data(as_text=True)
    assert "Reviews 1–10 of 12 · Page 1 of 2" in text_of(first)
    assert 'rel="next" href="/en/agencies/busy?rating=5&amp;service=seo&amp;page=2#reviews"' in html
    second = client.get("/en/agencies/busy?rating=5&service=seo&page=2")
    assert titles(second) == ["Review 21", "Review 23"]
    assert 'rel="prev" href="/en/agencies/busy?rating=5&amp;service=seo#reviews"' in (
        second.get_data(as_text=True)
    )
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in (
        second.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    "query",
    [
        "rating=abc",
        "rating=0",
        "rating=6",
        "rating=4.5",
        "rating=",
        "service=unknown",
        "service=branding",  # offered by the agency, named by no review
        "service=%3Cscript%3E",
        "page=abc",
        "page=",
        "page=1",
        "rating=abc&service=x&page=1",
        "page=" + "9" * 5000,
    ],
)
def test_meaningless_values_are_ignored(client, agency, query):
    response = client.get(f"/en/agencies/nordlicht?{query}")
    assert response.status_code == 200
    assert titles(response)[:2] == ["Review 0", "Review 1"]
    assert "Reviews 1–10 of 12" in text_of(response)


@pytest.mark.parametrize("page", ["0", "-1", "3", "999999", "99999999999999999999999"])
def test_pages_out_of_range_are_not_found(client, agency, page):
    assert client.get(f"/en/agencies/nordlicht?page={page}").status_code == 404
    assert client.get(f"/en/agencies/nordlicht?rating=4&page={page}").status_code == 404


def test_no_match_offers_every_review(client, factory):
    agency = factory.agency(slug="happy")
    factory.review(agency, rating=5)
    response = client.get("/en/agencies/happy?rating=1")
    assert response.status_code == 200
    assert "No review matches these filters. Show all reviews" in text_of(response)
    assert titles(response) == []


def test_review_anchors(client, agency):
    html = client.get("/en/agencies/nordlicht?page=2").get_data(as_text=True)
    assert re.search(r'<li class="review" id="review-\d+">', html)
    assert 'id="reviews"' in html


def test_contact_bar_links_to_the_contact_page_and_sets_no_cookie(client, agency):
    response = client.get("/en/agencies/nordlicht?rating=5")
    html = response.get_data(as_text=True)
    bar = html.split('class="profile-bar"', 1)[1].split('class="profile__header"', 1)[0]
    assert '<h1 id="agency-name">Nordlicht</h1>' in bar
    assert 'class="button profile-bar__contact" href="/en/agencies/nordlicht/contact"' in bar
    assert "csrf_token" not in html and "Set-Cookie" not in response.headers
    assert 'href="/static/css/profile.css"' in html


def test_query_reads_only_meaningful_values():
    assert ReviewQuery.from_args({"rating": " 3 ", "page": "2"}) == ReviewQuery(3, None, 2)
    assert ReviewQuery.from_args({"rating": "٣"}) == ReviewQuery()  # not an ASCII digit
    assert ReviewQuery(5, "seo", 1).args(page=2) == {"rating": 5, "service": "seo", "page": 2}
    assert ReviewQuery(5, "seo", 3).args(rating=None, page=1) == {"service": "seo"}


def test_dashboard_preview_of_a_reviewed_agency_still_renders(app, agency):
    from tests.support.factories import add_member, make_user
    from tests.support.web import login_as

    user = make_user("member@example.com")
    add_member(user, agency)
    preview = login_as(app, user).get("/en/dashboard/agencies/nordlicht/preview")
    assert preview.status_code == 200
    assert '<h1 id="agency-name">Nordlicht</h1>' in preview.get_data(as_text=True)


# --- the service a reviewer chose (Review.service); the text only for reviews without one ----


@pytest.fixture
def chosen(factory):
    """Reviews that name a service, newest first; the text of some says something else."""
    agency = factory.agency(slug="chosen", services=["seo", "website-design", "branding"])
    rows = (
        ("Tagged design", "website-design", "Our SEO traffic doubled."),  # the choice wins
        ("Tagged seo", "seo", "Solid work."),
        ("Untagged seo", None, "Le référencement naturel a progressé."),  # text fallback
        ("Untagged plain", None, "Solid work."),
        ("Tagged branding", "branding", "Nice logo."),
    )
    for n, (title, service, body) in enumerate(rows):
        factory.review(agency, title=title, service=service, body=body,
                       submitted_on=today() - dt.timedelta(days=n))  # fmt: skip
    return agency


def test_filter_by_the_chosen_service_then_the_text_of_older_reviews(client, chosen):
    seo = client.get("/en/agencies/chosen?service=seo")
    assert titles(seo) == ["Tagged seo", "Untagged seo"]  # not "Tagged design"
    design = client.get("/en/agencies/chosen?service=website-design")
    assert titles(design) == ["Tagged design"]
    html = seo.get_data(as_text=True)
    assert '<label for="filter-service">Service</label>' in html
    assert '<option value="seo" selected>Search engine optimization (2)</option>' in html
    assert '<option value="website-design">Website design (1)</option>' in html
    assert '<option value="branding">Branding (1)</option>' in html


def test_the_review_card_says_which_service(client, chosen):
    text = text_of(client.get("/en/agencies/chosen?service=website-design"))
    assert "Project: Website design" in text
    french = text_of(client.get("/fr/agencies/chosen?service=website-design"))
    assert "Projet : Conception de sites web" in french


def test_a_chosen_service_the_agency_no_longer_offers_still_filters(client, chosen):
    chosen.services = ["seo"]
    db.session.commit()
    response = client.get("/en/agencies/chosen?service=branding")
    assert titles(response) == ["Tagged branding"]


@pytest.mark.parametrize(
    "query",
    ["service=SEO", "service=seo%00", "service=" + "x" * 5000, "service=ppc", "service[]=seo"],
)
def test_hostile_service_values_show_every_review(client, chosen, query):
    response = client.get(f"/en/agencies/chosen?{query}")
    assert response.status_code == 200
    assert len(titles(response)) == 5

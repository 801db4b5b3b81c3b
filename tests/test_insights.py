"""Insights counters: what badges, search and profiles count, buffered, without tracking anyone."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from directory.db import db, today
from directory.jobs import run_daily
from directory.models import AgencyDailyStat
from directory.services.insights import counters
from directory.services.insights.bots import is_robot
from directory.services.insights.counters import (
    count_profile_view,
    flush_insights,
    normalize_host,
    stored_total,
)
from tests.support.search import reindex
from tests.support.threads import race

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
VISITOR_IP = "203.0.113.77"


def _get(client, path, ua=BROWSER, referer=None):
    headers = {"User-Agent": ua}
    if referer:
        headers["Referer"] = referer
    return client.get(path, headers=headers, environ_base={"REMOTE_ADDR": VISITOR_IP})


def _rows():
    stats = AgencyDailyStat
    query = select(stats.agency_id, stats.day, stats.metric, stats.host, stats.count)
    return [tuple(row) for row in db.session.execute(query.order_by(stats.metric, stats.host))]


@pytest.fixture(autouse=True)
def _empty_buffer(app):
    counters._buffer.take()
    yield
    counters._buffer.take()


def test_badge_impressions_per_embedding_site_and_robots_skipped(app, client, factory):
    agency = factory.agency(slug="acme")
    _get(client, "/badges/acme.svg", referer="https://WWW.Partner.example:8443/about?x=1")
    _get(client, "/badges/acme.png", referer="https://partner.example/")
    _get(client, "/badges/acme.svg")  # no Referer: counted, under no site
    _get(client, "/embed/acme?lang=fr", referer="https://blog.example/post")
    _get(client, "/badges/acme.svg", ua=GOOGLEBOT, referer="https://partner.example/")
    _get(client, "/badges/acme.svg", ua="", referer="https://partner.example/")
    _get(client, "/badges/nobody.svg", referer="https://partner.example/")
    assert _rows() == [
        (agency.id, today(), "badge_views", "", 1),
        (agency.id, today(), "badge_views", "blog.example", 1),
        (agency.id, today(), "badge_views", "partner.example", 2),
    ]


def test_revalidated_badge_counts_and_no_cookie_is_set(app, client, factory):
    agency = factory.agency(slug="acme")
    first = _get(client, "/badges/acme.svg")
    client.set_cookie("session", "x")
    again = client.get(
        "/badges/acme.svg", headers={"User-Agent": BROWSER, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in again.headers
    assert stored_total(agency.id, "badge_views") == 2


def test_profile_views_clicks_from_search_and_referrals(app, client, factory):
    agency = factory.agency(slug="acme")
    path = "/en/agencies/acme"
    _get(client, path)
    _get(client, path, referer="http://localhost/en/search?service=seo&page=2")
    _get(client, path, referer="http://localhost/fr/services/seo/fr")
    _get(client, path, referer="http://localhost/en/services")  # the browse page: no results
    _get(client, path, referer="http://localhost/en/agencies/other")  # inside the site
    _get(client, path, referer="https://www.partner.example/our-partners")
    _get(client, path, ua=GOOGLEBOT, referer="http://localhost/en/search?service=seo")
    assert stored_total(agency.id, "views") == 6
    assert stored_total(agency.id, "search_clicks") == 2
    assert (agency.id, today(), "referrals", "partner.example", 1) in _rows()


def test_a_typed_search_click_counts_once_on_the_uncached_redirect(app, client, factory):
    agency = factory.agency(slug="acme")
    opened = _get(client, "/en/agencies/acme?sq=seo", referer="http://localhost/en/search?q=seo")
    assert opened.status_code == 302 and "no-store" in opened.headers["Cache-Control"]
    # The browser follows with the results page as Referer: a view, not a second click.
    _get(client, opened.headers["Location"], referer="http://localhost/en/search?q=seo")
    _get(client, "/en/agencies/acme?sq=seo", ua=GOOGLEBOT)
    assert stored_total(agency.id, "search_clicks") == 1
    assert stored_total(agency.id, "views") == 1


def test_search_appearances_with_positions(app, client, directory_data):
    reindex()
    response = _get(client, "/en/services/seo")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    rows = _rows()
    shown = {a for a, _, metric, _, _ in rows if metric == "appearances"}
    assert len(shown) >= 2
    positions = sorted(c for _, _, metric, _, c in rows if metric == "position_sum")
    assert positions == list(range(1, len(shown) + 1))  # each agency held one rank
    top3 = sum(c for _, _, metric, _, c in rows if metric == "top3")
    assert top3 == min(3, len(shown))
    _get(client, "/en/services/seo", ua=GOOGLEBOT)
    assert sum(c for _, _, m, _, c in _rows() if m == "appearances") == len(shown)


def test_nothing_about_the_visitor_is_stored(app, client, factory):
    factory.agency(slug="acme")
    _get(client, "/badges/acme.svg", referer="https://partner.example/page?user=jane")
    _get(client, "/en/agencies/acme", referer="https://partner.example/page?user=jane")
    columns = {c.name for c in AgencyDailyStat.__table__.columns}
    assert columns == {"agency_id", "day", "metric", "host", "count"}
    stored = repr(_rows())
    assert VISITOR_IP not in stored and "jane" not in stored and "page" not in stored


def test_buffered_counts_reach_the_table_only_on_flush(app, client, factory):
    app.config["INSIGHTS_FLUSH_SECONDS"] = 60
    agency = factory.agency(slug="acme")
    for _ in range(3):
        _get(client, "/badges/acme.svg", referer="https://partner.example/")
    assert _rows() == []  # no write on the request path
    assert flush_insights() == 1
    _get(client, "/badges/acme.svg", referer="https://partner.example/")
    flush_insights()  # a second flush adds to the same row
    assert _rows() == [(agency.id, today(), "badge_views", "partner.example", 4)]


def test_the_background_thread_flushes_within_seconds(app, client, factory):
    app.config["INSIGHTS_FLUSH_SECONDS"] = 0.2
    agency = factory.agency(slug="acme")
    _get(client, "/en/agencies/acme")
    deadline = time.monotonic() + 5
    while stored_total(agency.id, "views") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        db.session.rollback()  # a fresh snapshot on PostgreSQL
    assert stored_total(agency.id, "views") == 1


def test_concurrent_increments_from_threads_lose_nothing(app, factory):
    app.config["INSIGHTS_FLUSH_SECONDS"] = 60
    agency = factory.agency(slug="acme")
    agency_id = agency.id

    def visitor():
        for n in range(300):
            with app.test_request_context(headers={"User-Agent": BROWSER}):
                count_profile_view(agency_id)
            if n % 100 == 0:
                counters._buffer.flush(app)  # flushes racing with other threads' increments

    race(*[visitor] * 6)
    flush_insights()
    assert stored_total(agency_id, "views") == 1800


def test_sites_past_the_daily_cap_count_as_other(app, client, factory):
    app.config["INSIGHTS_HOSTS_PER_DAY"] = 2
    agency = factory.agency(slug="acme")
    for host in ("a.example", "b.example", "c.example", "d.example", "a.example"):
        _get(client, "/badges/acme.svg", referer=f"https://{host}/")
    hosts = {h: c for _, _, m, h, c in _rows() if m == "badge_views"}
    assert hosts == {"a.example": 2, "b.example": 1, "*": 2}
    assert stored_total(agency.id, "badge_views") == 5


def test_robots_and_hosts():
    assert is_robot(GOOGLEBOT) and is_robot("curl/8.5.0") and is_robot(None)
    assert is_robot("python-requests/2.32") and is_robot("facebookexternalhit/1.1")
    assert not is_robot(BROWSER)
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile"
    assert not is_robot(iphone)
    assert normalize_host("https://WWW.Example.COM.:443/x") == "example.com"
    assert normalize_host("not a url") == "" and normalize_host("https://[::1/") == ""
    assert normalize_host("https://évil.example/") == ""  # not a plain host name: dropped


def test_the_daily_jobs_delete_counters_past_the_retention(app, factory):
    agency = factory.agency(slug="kept")
    old, recent = today() - dt.timedelta(days=800), today() - dt.timedelta(days=30)
    for day in (old, recent):
        db.session.add(
            AgencyDailyStat(agency_id=agency.id, day=day, metric="views", host="", count=3)
        )
    db.session.commit()

    report = run_daily()

    assert report["insights_purged"] == 1
    assert [row[1] for row in _rows()] == [recent]

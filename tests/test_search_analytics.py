"""Search analytics: what is counted (and what never is), clicks, the admin page, CSV, retention."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from sqlalchemy import select

from directory.db import db, today
from directory.jobs import run_daily
from directory.models import SearchQueryStat
from directory.services import search_analytics
from directory.services.search_analytics import (
    flush_search_log,
    normalize_query,
    purge_old_search_stats,
    search_report,
)
from tests.support.factories import make_user
from tests.support.web import login_as

pytestmark = pytest.mark.usefixtures("request_scoped_clients")


def _rows() -> dict[str, tuple[int, int, int]]:
    db.session.expire_all()
    return {
        r.query: (r.searches, r.zero_results, r.clicks)
        for r in db.session.scalars(select(SearchQueryStat))
    }


def _stat(query: str, days_ago: int = 0, searches=1, zero=0, clicks=0) -> None:
    db.session.add(
        SearchQueryStat(
            day=today() - dt.timedelta(days=days_ago),
            query=query,
            searches=searches,
            zero_results=zero,
            clicks=clicks,
        )
    )
    db.session.commit()


def test_a_search_is_counted_per_normalised_query_and_day(client, directory_data):
    client.get("/en/search?q=Growth")
    client.get("/en/search?q=%20%20growth%20")
    client.get("/en/search?q=qwxzyv")
    assert _rows() == {"growth": (2, 0, 0), "qwxzyv": (1, 1, 0)}
    (row,) = db.session.scalars(select(SearchQueryStat).where(SearchQueryStat.query == "growth"))
    assert row.day == today()


def test_only_query_day_and_counters_are_stored():
    assert set(SearchQueryStat.__table__.columns.keys()) == {
        "day",
        "query",
        "searches",
        "zero_results",
        "clicks",
    }


def test_what_is_not_counted(client, directory_data):
    client.get("/en/search")  # no words
    client.get("/en/search?service=seo")  # filters only
    client.get("/en/services/seo/fr")  # a landing page
    client.get("/en/search?q=growth&page=2")  # the next page of a search
    client.get("/en/search?q=jane.doe%40example.com")  # personal data
    client.get("/en/search?q=call+06+12+34+56+78")
    assert _rows() == {}


def test_searching_sets_no_cookie(client, directory_data):
    response = client.get("/en/search?q=growth")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("  SEO   Lyon ", "seo lyon"),
        ("Référencement", "référencement"),
        ("ｓｅｏ", "seo"),  # full-width letters
        ("seo\x00\x07lyon", "seolyon"),
        ("x" * 300, "x" * 100),
        ("", None),
        ("   ", None),
        ("me@example.com", None),
        ("+33 6 12 34 56 78", None),
        ("iso 9001", "iso 9001"),
    ],
)
def test_normalize_query(text, stored):
    assert normalize_query(text) == stored


def test_opening_a_result_counts_a_click_then_shows_the_clean_address(client, directory_data):
    html = client.get("/en/search?q=Growth").get_data(as_text=True)
    links = re.findall(r'class="result-card__name"[^>]*>\s*<a href="([^"]+)"', html)
    assert unescape(links[0]) == "/en/agencies/rhone-growth?sq=growth"
    response = client.get(unescape(links[0]))
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/agencies/rhone-growth"
    assert response.headers["Cache-Control"] == "no-store"
    assert _rows() == {"growth": (1, 0, 1)}


def test_a_click_for_a_query_nobody_searched_creates_nothing(client, directory_data):
    response = client.get("/en/agencies/rhone-growth?sq=free+money")
    assert response.status_code == 302
    assert _rows() == {}


def test_writes_are_buffered_then_written_in_one_go(app, client, directory_data):
    app.config["SEARCH_LOG_FLUSH_SECONDS"] = 60
    try:
        for _ in range(3):
            client.get("/en/search?q=growth")
        assert _rows() == {}  # nothing written on the search path yet
        assert flush_search_log() == 1  # one row, one statement
        assert _rows() == {"growth": (3, 0, 0)}
    finally:
        search_analytics._buffer.take()


def test_report_lists_top_zero_and_unopened_queries_and_weeks(app):
    _stat("seo lyon", searches=9, clicks=4)
    _stat("seo lyon", days_ago=8, searches=1)
    _stat("astrologie", searches=5, zero=5)
    _stat("crm", searches=3)
    _stat("ancient", days_ago=200, searches=50)
    report = search_report(weeks=4)
    assert [r.query for r in report.top] == ["seo lyon", "astrologie", "crm"]
    assert report.top[0].searches == 10
    assert [r.query for r in report.zero] == ["astrologie"]
    assert [r.query for r in report.unopened] == ["crm"]  # astrologie showed nothing to open
    assert len(report.weeks) == 4
    assert report.weeks[-1].start == today() - dt.timedelta(days=today().weekday())
    assert sum(w.searches for w in report.weeks) == 18
    assert report.weeks[-1].searches == 17


def _admin(app):
    return login_as(app, make_user("admin@example.com", admin=True))


def test_admin_page_shows_chart_tables_and_exports(app):
    _stat("astrologie", searches=5, zero=5)
    _stat("crm", searches=3)
    admin = _admin(app)
    response = admin.get("/en/admin/search-analytics?weeks=4")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<svg class="analytics-chart"' in html and 'role="img"' in html
    assert html.count("<rect ") == 8  # searches and no-result bars for each of 4 weeks
    assert "Queries with no result" in html and "astrologie" in html
    assert "/en/admin/search-analytics.csv?list=zero&amp;weeks=4" in html
    assert "no-store" in response.headers["Cache-Control"]


def test_csv_export_is_spreadsheet_safe(app):
    _stat("=HYPERLINK(1)", searches=2, zero=2)
    admin = _admin(app)
    response = admin.get("/en/admin/search-analytics.csv?list=zero")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        ["query", "searches", "zero_results", "clicks"],
        ["'=HYPERLINK(1)", "2", "2", "0"],
    ]
    weeks = list(
        csv.reader(
            io.StringIO(
                admin.get("/en/admin/search-analytics.csv?list=weeks").get_data(as_text=True)
            )
        )
    )
    assert weeks[0] == ["week_start", "searches", "zero_results", "clicks"] and len(weeks) == 13


@pytest.mark.parametrize(
    "path", ["/en/admin/search-analytics.csv?list=users", "/en/admin/search-analytics.csv?list="]
)
def test_unknown_export_is_404(app, path):
    assert _admin(app).get(path).status_code == 404


def test_odd_period_falls_back_to_twelve_weeks(app):
    html = _admin(app).get("/en/admin/search-analytics?weeks=-3").get_data(as_text=True)
    assert '<option value="12" selected>' in html


def test_only_administrators_see_analytics(app, client):
    assert client.get("/en/admin/search-analytics").status_code in (302, 401, 403)
    member = login_as(app, make_user("member@example.com"))
    # Administration is not revealed to other accounts.
    assert member.get("/en/admin/search-analytics").status_code == 404
    assert member.get("/en/admin/search-analytics.csv").status_code == 404


def test_old_counts_are_purged_by_the_daily_jobs(app):
    _stat("recent", days_ago=30)
    _stat("old", days_ago=420)  # past the default 13 months
    report = run_daily()
    assert report["search_stats_purged"] == 1
    assert set(_rows()) == {"recent"}


def test_retention_is_configurable(app):
    app.config["SEARCH_LOG_RETENTION_MONTHS"] = 1
    _stat("recent", days_ago=3)
    _stat("older", days_ago=45)
    assert purge_old_search_stats() == 1
    assert set(_rows()) == {"recent"}


def test_french_page(app, french_catalog):
    html = _admin(app).get("/fr/admin/search-analytics").get_data(as_text=True)
    assert "Analyse des recherches" in html
    assert "Requêtes sans résultat" in html

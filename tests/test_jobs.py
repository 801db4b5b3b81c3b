"""The daily jobs batch, the worker's --daily flag and the search-check command."""

from __future__ import annotations

import datetime as dt

from directory.db import today
from directory.jobs import last_daily_run, run_daily, run_daily_if_due
from directory.search import get_backend
from directory.search.base import SearchQuery


def _ids(text: str = "") -> list[int]:
    return [hit.id for hit in get_backend().search(SearchQuery(text=text, per_page=100)).hits]


def test_daily_runs_every_job_once_a_day(app, factory):
    factory.agency(
        name="Expiring Soon",
        email="hello@expiring.example",
        certified_until=today() + dt.timedelta(days=7),
    )
    report = run_daily()
    assert set(report) >= {
        "expiry_queued",
        "reminders_sent",
        "leads_purged",
        "reviews_purged",
        "search_drift",
    }
    assert report["reminders_sent"] == 1
    assert last_daily_run() == today()
    assert run_daily_if_due() is None  # already ran today


def test_daily_drops_an_agency_the_day_after_expiry(app, factory):
    agency = factory.agency(name="Short Lived", certified_until=today())
    assert agency.id in _ids()
    run_daily(today() + dt.timedelta(days=1))
    # The document builder evaluates the listing rule for the run's day.
    assert agency.id not in _ids()


def test_search_check_reports_and_repairs_drift(app, factory, runner):
    agency = factory.agency(name="Drifted Agency")
    get_backend().delete([agency.id])
    result = runner.invoke(args=["search-check", "--dry-run"])
    assert result.exit_code == 1
    assert "missing: 1" in result.output
    result = runner.invoke(args=["search-check"])
    assert result.exit_code == 0, result.output
    assert "fixed: upserted 1" in result.output
    assert agency.id in _ids()
    assert "in sync" in runner.invoke(args=["search-check"]).output


def test_daily_command_prints_its_report(app, runner):
    result = runner.invoke(args=["daily"])
    assert result.exit_code == 0, result.output
    assert "reminders_sent: 0" in result.output


def test_search_sync_runs_the_daily_jobs_unless_told_not_to(app, runner):
    result = runner.invoke(args=["search-sync", "--no-daily"])
    assert result.exit_code == 0, result.output
    assert last_daily_run() is None
    result = runner.invoke(args=["search-sync", "--daily"])
    assert result.exit_code == 0, result.output
    assert "daily jobs:" in result.output
    assert last_daily_run() == today()

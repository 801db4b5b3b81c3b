"""The daily jobs, run once a day by the worker (``search-sync --daily``) or by ``flask daily``.

Each job is idempotent for a given day, so running the batch twice, or after missed days,
does no harm: certification expiry and renewal reach search, agencies get their expiry
reminders (and, early in a month, last month's digest), data past its retention period is
deleted, and the search index is checked.
"""

from __future__ import annotations

import datetime as dt
import logging

from .db import db, today
from .models.outbox import SearchState

log = logging.getLogger(__name__)
DAILY_KEY = "daily-jobs"


def last_daily_run() -> dt.date | None:
    """The day the daily jobs last completed."""
    row = db.session.get(SearchState, DAILY_KEY)
    return dt.date.fromisoformat(row.value) if row else None


def run_daily(on: dt.date | None = None) -> dict[str, object]:
    """Run every daily job for ``on`` (default today); returns what each one did."""
    from .search import get_backend
    from .search.check import check_index
    from .search.outbox import drain_all
    from .services.case_studies import purge_unused_images
    from .services.certifications import expire_certifications, send_expiry_reminders
    from .services.insights.counters import purge_old_insights
    from .services.insights.digest import send_digests_if_due
    from .services.leads.privacy import purge_expired_leads
    from .services.login_throttle import purge_stale as purge_stale_throttles
    from .services.reviews.moderation import purge_expired
    from .services.search_analytics import purge_old_search_stats
    from .services.sessions import purge_ended_sessions

    on = on or today()
    report: dict[str, object] = {}
    report["expiry_queued"] = expire_certifications(on)
    report["search_applied"] = drain_all(on=on)
    report["reminders_sent"] = send_expiry_reminders(on)
    report["digests_sent"] = send_digests_if_due(on)
    report["leads_purged"] = purge_expired_leads()
    report["reviews_purged"] = purge_expired()
    report["search_stats_purged"] = purge_old_search_stats()
    report["insights_purged"] = purge_old_insights()
    report["sessions_purged"] = purge_ended_sessions()
    report["login_throttles_purged"] = purge_stale_throttles()
    report["case_study_images_purged"] = purge_unused_images()
    drift = check_index(get_backend(), repair=True, on=on)
    report["search_drift"] = 0 if drift.clean else len(drift.missing + drift.stale + drift.extra)
    row = db.session.get(SearchState, DAILY_KEY)
    if row is None:
        db.session.add(SearchState(key=DAILY_KEY, value=on.isoformat()))
    else:
        row.value = on.isoformat()
    db.session.commit()
    log.info("daily jobs for %s: %s", on, report)
    return report


def run_daily_if_due() -> dict[str, object] | None:
    """Run the daily jobs unless they already ran today (the worker calls this each loop)."""
    if last_daily_run() == today():
        return None
    return run_daily()

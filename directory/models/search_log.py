"""Search analytics: per day and normalised query, how many searches, empty results, clicks.

Nothing about the visitor is stored (no IP, user id, cookie or session): only the query text as
normalised by ``services.search_analytics.normalize_query``, the day, and three counters.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db

QUERY_MAX = 100


class SearchQueryStat(db.Model):
    """One normalised query on one day: searches, searches that found nothing, result clicks."""

    __tablename__ = "search_query_stats"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    query: Mapped[str] = mapped_column(String(QUERY_MAX), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    zero_results: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    clicks: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

"""Agency insights: per agency, day and metric (and embedding site for badges), one counter.

Nothing about the visitor is stored (no IP, user id, cookie or session): only the agency, the
day, what happened (``METRICS``) and, for badges and referrals, the other site's host name.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db

HOST_MAX = 100
METRIC_MAX = 20
# What is counted (services/insights/counters.py writes them, queries.py reads them).
METRICS = (
    "views",  # profile pages served
    "appearances",  # result cards shown on search and landing pages
    "position_sum",  # sum of the ranks held in those appearances (÷ appearances = average)
    "top3",  # appearances ranked 1 to 3
    "top10",  # appearances ranked 1 to 10
    "search_clicks",  # profiles opened from a search result
    "badge_views",  # badge images served, per embedding site
    "referrals",  # profiles opened from another site (a badge, a link), per site
)


class AgencyDailyStat(db.Model):
    """One counter of one agency on one day (``host`` is "" unless the metric is per site)."""

    __tablename__ = "agency_daily_stats"

    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(METRIC_MAX), primary_key=True)
    host: Mapped[str] = mapped_column(String(HOST_MAX), primary_key=True, default="")
    count: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)

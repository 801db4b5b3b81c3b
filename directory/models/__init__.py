"""Models, one module per aggregate. Importing this package registers every table."""

from .account import Invitation, Membership, User
from .agency import Agency, AgencyTag, Certification, Office, listed_filter
from .audit import AuditEntry
from .case_study import CaseStudy
from .draft import AgencyDraft
from .lead import Lead, LeadPreference
from .outbox import SearchOutbox
from .review import Review, ReviewInvitation, ReviewReport, ReviewSubmission
from .search_log import SearchQueryStat
from .session import LoginThrottle, UserSession
from .stats import AgencyDailyStat
from .upload import StoredFile

__all__ = [
    "Agency",
    "AgencyDailyStat",
    "AgencyDraft",
    "AgencyTag",
    "AuditEntry",
    "CaseStudy",
    "Certification",
    "Invitation",
    "Lead",
    "LeadPreference",
    "LoginThrottle",
    "Membership",
    "Office",
    "Review",
    "ReviewInvitation",
    "ReviewReport",
    "ReviewSubmission",
    "SearchOutbox",
    "SearchQueryStat",
    "StoredFile",
    "User",
    "UserSession",
    "listed_filter",
]

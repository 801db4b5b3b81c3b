"""Models, one module per aggregate. Importing this package registers every table."""

from .account import Membership, User
from .agency import Agency, AgencyTag, Certification, Office, listed_filter
from .lead import Lead, LeadPreference
from .outbox import SearchOutbox
from .review import Review

__all__ = [
    "Agency",
    "AgencyTag",
    "Certification",
    "Lead",
    "LeadPreference",
    "Membership",
    "Office",
    "Review",
    "SearchOutbox",
    "User",
    "listed_filter",
]

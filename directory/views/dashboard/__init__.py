"""The agency dashboard: the user's agencies, profile drafts, logo, certifications, team."""

from . import (  # noqa: F401 - routes register on bp
    agencies,
    case_studies,
    certifications,
    insights,
    logo,
    profile,
    team,
    uploading,
)
from .blueprint import bp

__all__ = ["bp"]

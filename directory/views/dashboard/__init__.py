"""The agency dashboard: the user's agencies, profile drafts, logo, certifications, team."""

from . import agencies, certifications, logo, profile, team  # noqa: F401 - routes register on bp
from .blueprint import bp

__all__ = ["bp"]

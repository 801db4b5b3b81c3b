"""Search pages: ``routes`` (results, landings, suggest), ``page`` (the results' page model),
``facets`` (sidebar and chips), ``state`` (state URLs) and ``empty`` (the empty state)."""

from . import routes  # noqa: F401 - its routes register on the blueprint
from .blueprint import bp

__all__ = ["bp"]

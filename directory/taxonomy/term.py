"""Taxonomy entries: a stable slug with its English and French labels."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import get_locale


@dataclass(frozen=True)
class Term:
    """One taxonomy entry: a stable slug, its labels, and (for services) synonyms."""

    slug: str
    en: str
    fr: str
    category: str | None = None
    synonyms: tuple[str, ...] = field(default=())

    def label(self, locale: str | None = None) -> str:
        """The label in ``locale`` (default: the request's), English as the fallback."""
        locale = locale or current_language()
        return self.fr if locale == "fr" else self.en


def current_language() -> str:
    """The active interface language ("en" or "fr"), "en" outside a request."""
    try:
        locale = get_locale()
    except (RuntimeError, AttributeError):
        return "en"
    return locale.language if locale else "en"


def terms(*entries: Term) -> dict[str, Term]:
    """A vocabulary: its entries by slug, in the given order."""
    return {t.slug: t for t in entries}


def label(vocabulary: dict[str, Term], slug: str | None, locale: str | None = None) -> str:
    """Localized label of ``slug`` in ``vocabulary``; the slug itself if unknown."""
    if slug is None:
        return ""
    term = vocabulary.get(slug)
    return term.label(locale) if term else slug

"""URLs the site hands out: absolute URLs on ``PUBLIC_URL``, profile links and logo URLs.

No service and no model is imported here, so models and services can both use it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

LOGO_SIZES = (64, 128, 256)


def public_base() -> str:
    """The site's public root URL (``PUBLIC_URL``, else the request's host)."""
    return (current_app.config.get("SERVER_NAME_PUBLIC") or request.host_url).rstrip("/")


def public_url(endpoint: str, **values: Any) -> str:
    """Absolute URL of ``endpoint``, on ``PUBLIC_URL`` when configured, else the request's host."""
    base = current_app.config.get("SERVER_NAME_PUBLIC")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def absolute(path: str) -> str:
    """``path`` on this site as an absolute URL (unchanged when already absolute)."""
    if "://" in path:
        return path
    return public_base() + "/" + path.lstrip("/")


def profile_url(slug: str, lang: str) -> str:
    """Absolute URL of an agency's public profile in ``lang``."""
    return public_base() + url_for("public.agency", lang=lang, slug=slug)


class LogoURL(str):
    """The 128 px logo URL that is also callable for other sizes: ``agency.logo_url(64)``.

    Without a logo it is the empty string (falsy) and calling it gives None, so templates can
    write either ``{% if agency.logo_url %}…{{ agency.logo_url }}`` or ``agency.logo_url(64)``.
    """

    def __new__(cls, names: dict[str, str] | None):
        obj = super().__new__(cls, _logo_file_url(names, 128) if names else "")
        obj._names = names or {}
        return obj

    def __call__(self, size: int = 128) -> str | None:
        return _logo_file_url(self._names, size) if self._names else None


def _logo_file_url(names: dict[str, str], size: int) -> str:
    chosen = next((s for s in LOGO_SIZES if s >= size), LOGO_SIZES[-1])
    name = names.get(str(chosen)) or next(iter(names.values()))
    return url_for("files.stored_file", name=name)


def logo_src(agency, size: int = 128) -> str | None:
    """URL of the agency's logo at ``size`` px, or None (the monogram is shown instead)."""
    if not getattr(agency, "logo", None):
        return None
    source = getattr(agency, "logo_url", None)
    return source(size) if callable(source) else source

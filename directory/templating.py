"""Every template global and context processor, registered in one place (``register_templates``)."""

from __future__ import annotations

from flask import Flask, g

from . import formatting, geo, taxonomy
from .i18n import format_rating
from .markdown import render_markdown
from .search import landing
from .seo import alternates, canonical_url, current_page_in
from .urls import logo_src, public_url
from .views import leads, reviews
from .views.public import LANGUAGE_AUTONYMS


def register_templates(app: Flask) -> None:
    """Expose the template helpers and the per-request values to every template."""
    app.jinja_env.globals.update(
        # Formatting and vocabulary, in the current language.
        format_rating=format_rating,
        format_usd=formatting.format_usd,
        format_long_date=formatting.format_long_date,
        format_count=formatting.format_count,
        monogram=formatting.monogram,
        monogram_hue=formatting.monogram_hue,
        web_url=formatting.web_url,
        render_markdown=render_markdown,
        label=taxonomy.label,
        taxonomy=taxonomy,
        country_name=geo.country_name,
        language_name=geo.language_name,
        region_name=geo.region_name,
        landing_page_title=landing.page_title,
        # URLs.
        public_url=public_url,
        logo_src=logo_src,
        alternates=alternates,
        canonical_url=canonical_url,
        current_page_in=current_page_in,
        language_autonyms=LANGUAGE_AUTONYMS,
        # Reviews and leads (profile pages and dashboards share them).
        review_section_label=reviews.review_section_label,
        review_month=reviews.review_month,
        lead_contact_form=leads.lead_contact_form,
        lead_reason_text=leads.lead_reason_text,
        lead_label=leads.lead_label,
        lead_labels=leads.lead_labels,
        lead_profile_url=leads.lead_profile_url,
    )
    app.context_processor(_page_context)


def _page_context() -> dict:
    """The page's language, for ``<html lang>`` and the language switch."""
    return {"page_lang": g.get("lang") or taxonomy.current_language()}

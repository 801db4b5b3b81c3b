"""Public pages for prospects: home, agency profiles, ranking page, sitemap."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from ..i18n import best_language, localized_blueprint

root_bp = Blueprint("root", __name__)
bp = localized_blueprint("public", __name__)


@root_bp.get("/")
def index():
    """Send visitors to the home page in their best language."""
    response = redirect(url_for("public.home", lang=best_language()))
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@bp.get("/")
def home():
    """Home page: search box, browse by service category and region."""
    return render_template("public/home.html")

"""Interface language: the URL prefix (`/en/…`, `/fr/…`), with Accept-Language as first guess."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, request
from flask_babel import format_decimal

from .extensions import babel


def best_language() -> str:
    """The language to offer a visitor arriving without one in the URL."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def select_locale() -> str:
    """Flask-Babel locale selector: the URL's language when the route has one."""
    lang = g.get("lang")
    if lang:
        return lang
    requested = request.args.get("lang") if request else None
    if requested in current_app.config["LANGUAGES"]:
        return requested
    return best_language() if request else current_app.config["LANGUAGES"][0]


def localized_blueprint(name: str, import_name: str, prefix: str = "") -> Blueprint:
    """A blueprint whose routes all live under ``/<lang>`` (``en`` or ``fr``)."""
    bp = Blueprint(name, import_name, url_prefix=f"/<lang>{prefix}")

    @bp.url_value_preprocessor
    def pull_lang(endpoint, values):
        lang = (values or {}).pop("lang", None)
        if lang not in current_app.config["LANGUAGES"]:
            abort(404)
        g.lang = lang

    @bp.url_defaults
    def add_lang(endpoint, values):
        if "lang" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = g.get("lang") or select_locale()

    return bp


def format_rating(value: float | None) -> str:
    """A rating with one decimal in the current locale ("4.8" / "4,8")."""
    if value is None:
        return ""
    return format_decimal(round(value, 1), format="0.0")


def register_i18n(app: Flask) -> None:
    """Bind Flask-Babel with the URL-first locale selector."""
    babel.init_app(app, locale_selector=select_locale)

"""The ``search`` blueprint: localized search pages under ``/<lang>/``."""

from ...i18n import localized_blueprint

bp = localized_blueprint("search", __name__)

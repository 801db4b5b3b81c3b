"""Email preferences: the monthly digest and the language of the mails."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice


class EmailPreferencesForm(FlaskForm):
    """Whether to receive the monthly digest, and in which language mails are written."""

    monthly_digest = BooleanField(_l("Send me the monthly digest of my agencies"))
    locale = SelectField(
        _l("Language of the emails"),
        # Language names are written in their own language, as language pickers do.
        choices=[
            SelectChoice("en", "English", render_kw={"lang": "en"}),
            SelectChoice("fr", "Français", render_kw={"lang": "fr"}),
        ],
    )

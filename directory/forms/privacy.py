"""Privacy forms: a prospect's export or erasure request, and deleting one's account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..passwords import MAX_LENGTH
from .account import _email_field


class PrivacyRequestForm(FlaskForm):
    """Ask for a copy of, or the erasure of, the data held about an address."""

    email = _email_field()
    kind = RadioField(
        _l("What do you want?"),
        choices=[
            SelectChoice("export", _l("A copy of the data held about this address")),
            SelectChoice("erase", _l("The erasure of this data")),
        ],
        validators=[InputRequired(message=_l("Choose one of the two requests."))],
    )


class DeleteAccountForm(FlaskForm):
    """Delete the signed-in account: the password and an explicit confirmation."""

    password = PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(max=MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account is deleted for good."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )

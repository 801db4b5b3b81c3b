"""Account forms: sign-up, sign-in, password reset and change."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..passwords import MAX_LENGTH, MIN_LENGTH


class EmailAddress:
    """A syntactically valid address (no DNS lookup: forms must not wait on the network)."""

    def __call__(self, form, field):
        try:
            validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(_l("Enter a valid email address.")) from None


def _password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(message=_l("Enter a password.")),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=_l(
                    "Use between %(min)d and %(max)d characters.", min=MIN_LENGTH, max=MAX_LENGTH
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH},
    )


def _email_field():
    return EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("This address is too long.")),
            EmailAddress(),
        ],
        render_kw={"autocomplete": "email"},
    )


class SignUpForm(FlaskForm):
    """Create an account: email and a password of at least 12 characters."""

    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    email = _email_field()
    password = _password_field(_l("Password"))

    def validate_password(self, field):
        """Refuse a password that is the address itself (ASVS 2.1.7 lite)."""
        if self.email.data and field.data and field.data.lower() in self.email.data.lower():
            raise ValidationError(_l("Choose a password that is not your email address."))


class LoginForm(FlaskForm):
    """Sign in."""

    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in after I close the browser"))


class EmailForm(FlaskForm):
    """Ask for a password reset or a new verification link."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = _password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ResetPasswordForm):
    """Change the password while signed in."""

    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token: confirm a state-changing action."""

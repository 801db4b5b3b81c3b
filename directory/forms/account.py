"""Account forms: sign-up, sign-in, password reset and change."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..passwords import MAX_LENGTH, MIN_LENGTH, password_problem

PASSWORD_PROBLEMS = {
    "personal": _l("Choose a password that does not contain your name or email address."),
    "common": _l(
        "This password is in lists of common or leaked passwords. Add a few uncommon words."
    ),
    "guessable": _l(
        "This password follows a pattern that is easy to guess (a sequence, a repeat, a date "
        "or a keyboard row). Add a few uncommon words."
    ),
}


class EmailAddress:
    """A syntactically valid address (no DNS lookup: forms must not wait on the network)."""

    def __call__(self, form, field):
        try:
            validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(_l("Enter a valid email address.")) from None


class StrongPassword:
    """Refuse common, leaked and easily guessed passwords, checked offline (ASVS 2.1.7)."""

    def __call__(self, form, field):
        if not field.data or len(field.data) < MIN_LENGTH or len(field.data) > MAX_LENGTH:
            return  # Length already said why
        personal = [getattr(form, name).data for name in ("email", "name") if name in form]
        personal += getattr(form, "personal_values", ())
        problem = password_problem(field.data, tuple(v for v in personal if v))
        if problem:
            raise ValidationError(PASSWORD_PROBLEMS[problem])


def password_feedback(password: str, personal: tuple[str, ...] = ()) -> dict:
    """The strength meter's verdict: the same check as the forms, as JSON-ready data."""
    if len(password) < MIN_LENGTH:
        return {"ok": False, "problem": "short", "message": None}
    problem = password_problem(password[:MAX_LENGTH], personal)
    message = str(PASSWORD_PROBLEMS[problem]) if problem else None
    return {"ok": problem is None, "problem": problem, "message": message}


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
            StrongPassword(),
        ],
        # The strength meter (static/js/password-meter.js) finds the field by this attribute.
        render_kw={
            "autocomplete": "new-password",
            "minlength": MIN_LENGTH,
            "data-password-meter": "",
        },
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

    @property
    def personal_values(self) -> tuple:
        """The signed-in user's address and name: the new password must not contain them."""
        return (current_user.email, current_user.name) if current_user.is_authenticated else ()

    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token: confirm a state-changing action."""

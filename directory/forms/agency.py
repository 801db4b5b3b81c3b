"""Agency forms: create, claim, profile (with offices), logo, certification, team."""

from __future__ import annotations

import datetime as dt
from functools import cache
from urllib.parse import urlsplit

import pycountry
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from .. import geo, taxonomy
from ..validators import CONTROL_RE, EMAIL_RE, MARKUP_RE, MAX_MONEY, MAX_RATE, NEWLINE_RE, PHONE_RE
from .account import EmailAddress

MAX_OFFICES = 50


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice rendered as checkboxes (usable without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlainText:
    """Plain text: no HTML markup, no control characters (the import contract's rules)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        value = field.data or ""
        if CONTROL_RE.search(value) or (not self.multiline and NEWLINE_RE.search(value)):
            raise ValidationError(_l("Remove the control characters from this text."))
        if MARKUP_RE.search(value):
            raise ValidationError(_l("HTML is not allowed here; write plain text or Markdown."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, max_len, *, required=False, multiline=False, **kw):
    validators = [
        DataRequired(message=_l("This field is required."))
        if required
        else Optional(strip_whitespace=True),
        Length(max=max_len, message=_l("At most %(max)d characters, please.", max=max_len)),
        PlainText(multiline=multiline),
    ]
    field = TextAreaField if multiline else StringField
    return field(label, validators=validators, filters=[_strip], **kw)


@cache
def _country_codes() -> tuple[str, ...]:
    return tuple(c.alpha_2 for c in pycountry.countries)


@cache
def _language_codes() -> tuple[str, ...]:
    return tuple(lang.alpha_2 for lang in pycountry.languages if getattr(lang, "alpha_2", None))


def country_choices() -> list[tuple[str, str]]:
    """Countries in the interface language, sorted by their localized name."""
    choices = [(code, geo.country_name(code)) for code in _country_codes()]
    return sorted(choices, key=lambda c: geo.fold(c[1]))


def language_choices() -> list[tuple[str, str]]:
    """ISO 639-1 languages in the interface language, sorted by name."""
    choices = [(code, geo.language_name(code)) for code in _language_codes()]
    return sorted(choices, key=lambda c: geo.fold(c[1]))


def _vocabulary(vocab) -> list[tuple[str, str]]:
    return [(slug, term.label()) for slug, term in vocab.items()]


class OfficeForm(Form):
    """One office row (no CSRF of its own: it lives inside the profile form)."""

    country = SelectField(
        _l("Country"), validators=[InputRequired(message=_l("Choose a country."))]
    )
    region = _text(_l("Region"), 120)
    city = _text(_l("City"), 120)
    lat = FloatField(
        _l("Latitude"),
        validators=[
            Optional(),
            NumberRange(-90, 90, message=_l("A latitude is between -90 and 90.")),
        ],
    )
    lng = FloatField(
        _l("Longitude"),
        validators=[
            Optional(),
            NumberRange(-180, 180, message=_l("A longitude is between -180 and 180.")),
        ],
    )
    unlocated = BooleanField(_l("Leave this office off the map"))

    def validate(self, extra_validators=None) -> bool:
        """Coordinates typed by hand win; otherwise the city and country place the office."""
        # The found point is kept aside, not written into the fields: a re-rendered form must
        # not turn it into a "by hand" value that would stick when the city changes.
        self.point: tuple[float, float] | None = None
        if not super().validate(extra_validators):
            return False
        lat, lng = self.lat.data, self.lng.data
        if (lat is None) != (lng is None):
            self.lat.errors.append(_l("Enter both the latitude and the longitude, or neither."))
            return False
        if lat is not None:
            self.point = (lat, lng)
            return True
        if not self.city.data or self.unlocated.data:
            return True
        point = geo.locate_office(self.city.data, self.country.data)
        if point is None:
            self.city.errors.append(
                _l(
                    "We could not find this city in the chosen country. Check its spelling, "
                    "set the coordinates by hand, or leave the office off the map."
                )
            )
            return False
        self.point = point
        return True


class ProfileForm(FlaskForm):
    """Every field of the public profile an agency edits itself (import contract fields)."""

    base = HiddenField()
    name = _text(_l("Agency name"), 120, required=True)
    tagline = _text(_l("Tagline"), 160)
    description = _text(_l("Description"), 5000, multiline=True)
    website = StringField(
        _l("Website"), validators=[Optional(), Length(max=2048)], filters=[_strip]
    )
    email = EmailField(
        _l("Email for client enquiries (never shown publicly)"),
        validators=[Optional(), Length(max=254), EmailAddress()],
        filters=[_strip],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)], filters=[_strip])
    founded = IntegerField(_l("Year founded"), validators=[Optional()])
    team_size = SelectField(_l("Team size"), validators=[Optional()])
    min_budget_usd = IntegerField(
        _l("Minimum project budget (USD)"),
        validators=[
            Optional(),
            NumberRange(0, MAX_MONEY, message=_l("Enter an amount of 0 or more.")),
        ],
    )
    hourly_rate_low_usd = IntegerField(
        _l("Hourly rate from (USD)"),
        validators=[Optional(), NumberRange(0, MAX_RATE, message=_l("Enter a rate of 0 or more."))],
    )
    hourly_rate_high_usd = IntegerField(
        _l("Hourly rate to (USD)"),
        validators=[Optional(), NumberRange(0, MAX_RATE, message=_l("Enter a rate of 0 or more."))],
    )
    services = MultiCheckboxField(
        _l("Services"), validators=[DataRequired(message=_l("Choose at least one service."))]
    )
    industries = MultiCheckboxField(_l("Industries"), validators=[Optional()])
    products = MultiCheckboxField(_l("Products"), validators=[Optional()])
    client_sizes = MultiCheckboxField(_l("Client sizes"), validators=[Optional()])
    languages = SelectMultipleField(
        _l("Languages spoken"),
        validators=[Optional()],
        render_kw={"data-multiselect": ""},  # static/js/multiselect.js: a searchable list
    )
    offices = FieldList(FormField(OfficeForm), min_entries=1, max_entries=MAX_OFFICES)
    headquarters = IntegerField(_l("Headquarters"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are built per request: their labels follow the interface language.
        self.team_size.choices = [("", _l("Not specified")), *_vocabulary(taxonomy.TEAM_SIZES)]
        self.services.choices = _vocabulary(taxonomy.SERVICES)
        self.industries.choices = _vocabulary(taxonomy.INDUSTRIES)
        self.products.choices = _vocabulary(taxonomy.PRODUCTS)
        self.client_sizes.choices = _vocabulary(taxonomy.CLIENT_SIZES)
        self.languages.choices = language_choices()
        countries = [("", _l("Choose a country")), *country_choices()]
        for entry in self.offices:
            entry.form.country.choices = countries

    def set_office_choices(self) -> None:
        """Give rows added after construction their country list."""
        countries = [("", _l("Choose a country")), *country_choices()]
        for entry in self.offices:
            entry.form.country.choices = countries

    def validate_website(self, field):
        """Only http(s) URLs with a host and no credentials."""
        if not field.data:
            return
        try:
            parts = urlsplit(field.data)
            ok = (
                parts.scheme in ("http", "https")
                and bool(parts.hostname)
                and "@" not in parts.netloc
                and not any(ch.isspace() for ch in field.data)
            )
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            ok = False
        if not ok:
            raise ValidationError(_l("Enter a web address starting with https:// or http://."))

    def validate_email(self, field):
        """The import contract's address rule."""
        if field.data and not EMAIL_RE.fullmatch(field.data):
            raise ValidationError(_l("Enter a valid email address."))

    def validate_phone(self, field):
        """Digits with + ( ) . - / and spaces."""
        if field.data and not PHONE_RE.fullmatch(field.data):
            raise ValidationError(_l("Use digits, spaces and + ( ) . - / only."))

    def validate_founded(self, field):
        """Between 1800 and this year."""
        year = dt.date.today().year
        if field.data is not None and not 1800 <= field.data <= year:
            raise ValidationError(
                _l("Enter a year between %(low)d and %(high)d.", low=1800, high=year)
            )

    def validate_hourly_rate_high_usd(self, field):
        """Both ends or neither; the high end not below the low end."""
        low, high = self.hourly_rate_low_usd.data, field.data
        if (low is None) != (high is None):
            raise ValidationError(_l("Enter both ends of the hourly rate, or neither."))
        if low is not None and high is not None and high < low:
            raise ValidationError(_l("The high end is below the low end."))

    def validate_headquarters(self, field):
        """Exactly one headquarters among the offices."""
        count = len(self.offices.entries)
        if field.data is None and count == 1:
            field.data = 0
        if field.data is None or not 0 <= field.data < count:
            raise ValidationError(_l("Mark exactly one office as the headquarters."))

    def validate_languages(self, field):
        """Known ISO 639-1 codes (SelectMultipleField checks choices too)."""
        for code in field.data or []:
            if not geo.is_language(code):
                raise ValidationError(_l("Unknown language."))


class CreateAgencyForm(FlaskForm):
    """Start a new agency: its name and headquarters country; the rest comes in the editor."""

    name = _text(_l("Agency name"), 120, required=True)
    country = SelectField(
        _l("Headquarters country"), validators=[InputRequired(message=_l("Choose a country."))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", _l("Choose a country")), *country_choices()]


class ClaimAgencyForm(FlaskForm):
    """Claim an imported agency by its profile address or slug."""

    agency = StringField(
        _l("The agency's profile address or its short name (slug)"),
        validators=[DataRequired(message=_l("This field is required.")), Length(max=300)],
        filters=[_strip],
    )


class InviteForm(FlaskForm):
    """Invite a manager by email."""

    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter an email address.")),
            Length(max=254),
            EmailAddress(),
        ],
    )


class MemberForm(FlaskForm):
    """Act on one team member (remove, make owner)."""

    user_id = HiddenField(validators=[DataRequired()])


class LogoForm(FlaskForm):
    """Upload a logo (PNG, JPEG or WebP)."""

    logo = FileField(
        _l("Logo (PNG, JPEG or WebP, up to 5 MB)"),
        validators=[FileRequired(message=_l("Choose a file."))],
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )


class CertificationForm(FlaskForm):
    """Submit an inbound certification for verification."""

    certificate_id = _text(_l("Certificate ID"), 64, required=True)
    issued_on = DateField(_l("Issued on"), validators=[InputRequired(message=_l("Enter a date."))])
    expires_on = DateField(
        _l("Expires on"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    proof = FileField(
        _l("Proof (optional: PDF, PNG, JPEG or WebP, up to 5 MB)"),
        render_kw={"accept": "application/pdf,image/png,image/jpeg,image/webp"},
    )

    def validate_expires_on(self, field):
        """Not before the issue date, and not already expired."""
        if self.issued_on.data and field.data and field.data < self.issued_on.data:
            raise ValidationError(_l("The expiry date is before the issue date."))
        if field.data and field.data < dt.date.today():
            raise ValidationError(_l("This certification has already expired."))

    def validate_issued_on(self, field):
        """Not in the future."""
        if field.data and field.data > dt.date.today() + dt.timedelta(days=1):
            raise ValidationError(_l("The issue date is in the future."))


class BooleanConfirmForm(FlaskForm):
    """Confirm with a checkbox."""

    confirm = BooleanField(_l("I understand"))

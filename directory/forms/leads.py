"""Lead forms: contact one agency, describe a need to get matched, send a brief, preferences."""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..geo import WORLD_REGIONS, country_name, is_country, language_name, region_name
from ..models.lead import LEAD_STATUSES, TIMELINES
from ..taxonomy import (
    BUDGET_BANDS,
    CATEGORIES,
    CLIENT_SIZES,
    INDUSTRIES,
    PRODUCTS,
    current_language,
    services_by_category,
)

MESSAGE_MAX = 5_000
MAX_SERVICES = 10
MAX_LANGUAGES = 5
# A brief goes to a few agencies the prospect chose, not to every proposal.
MAX_CHOSEN_AGENCIES = 3
# Languages offered in the match form (ISO 639-1); agencies declare theirs the same way.
MATCH_LANGUAGES = (
    "en", "fr", "de", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl",
    "cs", "ro", "el", "tr", "ru", "ar", "he", "zh", "ja", "ko", "hi",
)  # fmt: skip
REGION_PREFIX = "region:"
TIMELINE_LABELS = {
    "asap": _l("As soon as possible"),
    "1-3-months": _l("Within 1 to 3 months"),
    "3-6-months": _l("Within 3 to 6 months"),
    "exploring": _l("Just exploring"),
}
UNKNOWN_CHOICE = _l("Please choose from the list.")


def clean_line(value):
    """One line of text: no control characters (so no header injection), trimmed."""
    if not isinstance(value, str):
        return value
    kept = (" " if c in "\r\n\t" else c for c in value if _printable(c) or c in "\r\n\t")
    return " ".join("".join(kept).split())


def clean_text(value):
    """Multi-line text: newlines and tabs kept, other control characters dropped."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in value if _printable(c) or c in "\n\t").strip()


def lower(value):
    """Emails are compared and stored lower-cased."""
    return value.lower() if isinstance(value, str) else value


def _printable(char: str) -> bool:
    # Cc: control characters (NUL breaks PostgreSQL); Cs: lone surrogates (break encoders).
    return unicodedata.category(char) not in ("Cc", "Cs")


def _at_most(limit: int):
    def check(form, field):
        if field.data and len(field.data) > limit:
            raise ValidationError(_l("Choose at most %(n)d.", n=limit))

    return check


@cache
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    codes = [c.alpha_2 for c in pycountry.countries]
    pairs = [(code, country_name(code, language)) for code in codes]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_choices() -> list[tuple[str, str]]:
    """Every ISO country, by localized name."""
    return list(_countries(current_language()))


def _terms(vocabulary) -> list[tuple[str, str]]:
    return [(slug, term.label()) for slug, term in vocabulary.items()]


def service_choices() -> dict[str, list[tuple[str, str]]]:
    """Services grouped under their localized category (rendered as fieldsets)."""
    return {
        CATEGORIES[category].label(): [(t.slug, t.label()) for t in terms]
        for category, terms in services_by_category().items()
    }


def _with_blank(choices: list[tuple[str, str]], blank) -> list[tuple[str, str]]:
    return [("", str(blank)), *choices]


class _ProspectFields:
    """Who is asking, and their consent; shared by the contact and match forms."""

    name = StringField(
        _l("Your name"), filters=[clean_line], validators=[DataRequired(), Length(max=120)]
    )
    email = EmailField(
        _l("Work email"),
        filters=[clean_line, lower],
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    company = StringField(
        _l("Company"), filters=[clean_line], validators=[DataRequired(), Length(max=120)]
    )
    message = TextAreaField(
        _l("Your project"),
        filters=[clean_text],
        validators=[DataRequired(), Length(max=MESSAGE_MAX)],
    )
    consent = BooleanField(
        _l("I agree that the agencies I contact receive these details to answer my request."),
        validators=[DataRequired(_l("Your consent is needed to send the request."))],
    )
    # Honeypot: hidden by a CSS class; people leave it empty, form-filling robots do not. Its
    # name matches no browser autofill heuristic ("website", "url" would), so no real lead is lost.
    reference = StringField(_l("Leave this field empty"))

    def is_spam(self) -> bool:
        """Whether the honeypot was filled."""
        return bool((self.reference.data or "").strip())


class ContactForm(_ProspectFields, FlaskForm):
    """Contact one agency from its profile."""

    company_size = SelectField(_l("Company size"), validators=[DataRequired()])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    services = SelectMultipleField(
        _l("Services needed"), validators=[DataRequired(), _at_most(MAX_SERVICES)]
    )
    budget_band = SelectField(_l("Budget"), validators=[DataRequired()])
    timeline = SelectField(_l("Timeline"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.company_size.choices = _with_blank(_terms(CLIENT_SIZES), _l("Choose…"))
        self.country.choices = _with_blank(country_choices(), _l("Choose…"))
        self.services.choices = service_choices()
        self.budget_band.choices = _with_blank(_terms(BUDGET_BANDS), _l("Choose…"))
        self.timeline.choices = _with_blank(
            [(slug, str(TIMELINE_LABELS[slug])) for slug in TIMELINES], _l("Choose…")
        )
        for field in (self.company_size, self.country, self.services, self.budget_band):
            field.invalid_choice_message = UNKNOWN_CHOICE
        self.timeline.invalid_choice_message = UNKNOWN_CHOICE

    def validate_country(self, field):
        """Only assigned ISO codes (the choice list already says so; this keeps it explicit)."""
        if field.data and not is_country(field.data):
            raise ValidationError(UNKNOWN_CHOICE)


class MatchCriteriaForm(FlaskForm):
    """Describe the need; the directory proposes agencies."""

    services = SelectMultipleField(
        _l("Services needed"), validators=[DataRequired(), _at_most(MAX_SERVICES)]
    )
    location = SelectField(_l("Where should the agency be?"), validators=[Optional()])
    languages = SelectMultipleField(
        _l("Languages"), validators=[Optional(), _at_most(MAX_LANGUAGES)]
    )
    industry = SelectField(_l("Your industry"), validators=[Optional()])
    budget_band = SelectField(_l("Budget"), validators=[Optional()])
    company_size = SelectField(_l("Company size"), validators=[Optional()])
    products = SelectMultipleField(_l("HubSpot products you use"), validators=[Optional()])
    timeline = SelectField(_l("Timeline"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = [(REGION_PREFIX + code, region_name(code)) for code in WORLD_REGIONS]
        self.services.choices = service_choices()
        self.location.choices = {
            "": [("", str(_l("Anywhere")))],
            str(_l("Regions of the world")): regions,
            str(_l("Countries")): country_choices(),
        }
        self.languages.choices = [(code, language_name(code)) for code in MATCH_LANGUAGES]
        self.industry.choices = _with_blank(_terms(INDUSTRIES), _l("Any industry"))
        self.budget_band.choices = _with_blank(_terms(BUDGET_BANDS), _l("Not sure yet"))
        self.company_size.choices = _with_blank(_terms(CLIENT_SIZES), _l("Choose…"))
        self.products.choices = _terms(PRODUCTS)
        self.timeline.choices = _with_blank(
            [(slug, str(TIMELINE_LABELS[slug])) for slug in TIMELINES], _l("Choose…")
        )
        for field in self._criteria_fields():
            field.invalid_choice_message = UNKNOWN_CHOICE

    def _criteria_fields(self):
        return [self[name] for name in CRITERIA_FIELDS]

    def criteria(self) -> dict:
        """The validated criteria as plain data (for the matcher and the stored lead)."""
        location = self.location.data or ""
        region = location[len(REGION_PREFIX) :] if location.startswith(REGION_PREFIX) else None
        return {
            "services": list(dict.fromkeys(self.services.data or [])),
            "country": location if location and region is None else None,
            "region": region,
            "languages": list(dict.fromkeys(self.languages.data or [])),
            "industry": self.industry.data or None,
            "budget_band": self.budget_band.data or None,
            "company_size": self.company_size.data or None,
            "products": list(dict.fromkeys(self.products.data or [])),
            "timeline": self.timeline.data or None,
        }


CRITERIA_FIELDS = (
    "services",
    "location",
    "languages",
    "industry",
    "budget_band",
    "company_size",
    "products",
    "timeline",
)


class MatchSendForm(_ProspectFields, MatchCriteriaForm):
    """Send the brief to the chosen proposals; the criteria come back in hidden fields."""

    agencies = SelectMultipleField(
        _l("Agencies that receive your request"),
        coerce=int,
        validators=[DataRequired(_l("Choose at least one agency."))],
    )

    def validate_agencies(self, field):
        """At most ``MAX_CHOSEN_AGENCIES`` agencies receive one brief."""
        if len(set(field.data or ())) > MAX_CHOSEN_AGENCIES:
            raise ValidationError(_l("Choose at most %(num)d agencies.", num=MAX_CHOSEN_AGENCIES))

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Only agencies the matcher proposed for these criteria are acceptable.
        self.agencies.choices = [(p.agency.id, p.agency.name) for p in proposals]
        self.agencies.invalid_choice_message = UNKNOWN_CHOICE


class LeadPreferencesForm(FlaskForm):
    """A member's notification choices for one agency."""

    email_on_new = BooleanField(_l("Email me when a new lead arrives"))


class LeadStatusForm(FlaskForm):
    """Move a lead between the inbox tabs."""

    status = SelectField(_l("Status"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(status, status) for status in LEAD_STATUSES]


class SpamForm(FlaskForm):
    """An administrator flags a lead as spam (hidden from the agency) or clears the flag."""

    spam = SelectField(validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spam.choices = [("1", "1"), ("0", "0")]

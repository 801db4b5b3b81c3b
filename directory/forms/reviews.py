"""Review forms: write a review, invite a client, respond, report, moderate."""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import get_month_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from .. import taxonomy
from ..db import today
from ..disposable import is_disposable
from ..models.review import REPORT_REASONS, SECTIONS
from .leads import clean_line, clean_text, lower

SECTION_MAX = 2_000
SECTIONS_MIN = 50  # characters over the four sections: a review says something
RESPONSE_MAX = 3_000
REPORT_DETAILS_MAX = 1_000
PROJECT_MAX = 1_000

SECTION_LABELS = {
    "background": _l("Background"),
    "challenge": _l("Challenge"),
    "solution": _l("Solution"),
    "results": _l("Results"),
}
SECTION_HINTS = {
    "background": _l("Who you are and what the project was."),
    "challenge": _l("What problem you needed the agency to solve."),
    "solution": _l("What the agency did, and how working with them went."),
    "results": _l("What changed: figures, outcomes, what you would tell a peer."),
}
REPORT_LABELS = {
    "fake": _l("It is not about a real project with this agency"),
    "conflict": _l("It was written by the agency or a competitor"),
    "offensive": _l("It is insulting, discriminatory or threatening"),
    "personal_data": _l("It discloses personal data"),
    "other": _l("Something else"),
}
CHOOSE = _l("Choose a score.")
OTHER_SERVICE = "other"  # "Other / not listed": stored as NULL, like no answer
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def not_disposable(form, field):
    """Refuse throw-away addresses: a review must come from a mailbox its author keeps."""
    if field.data and is_disposable(field.data):
        raise ValidationError(
            _l("Please use a permanent email address: disposable addresses are not accepted.")
        )


def _score(label, low: int, high: int) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(n, str(n)) for n in range(low, high + 1)],
        coerce=int,
        validators=[InputRequired(CHOOSE)],
    )


def _email(label) -> EmailField:
    return EmailField(
        label,
        filters=[clean_line, lower],
        validators=[
            DataRequired(),
            Length(max=254),
            Email(check_deliverability=False),
            not_disposable,
        ],
    )


def _section(name: str) -> TextAreaField:
    return TextAreaField(
        SECTION_LABELS[name],
        description=SECTION_HINTS[name],
        filters=[clean_text],
        validators=[Optional(), Length(max=SECTION_MAX)],
    )


class _Honeypot:
    # Hidden by a CSS class; people leave it empty, form-filling robots do not.
    reference = StringField(_l("Leave this field empty"))

    def is_spam(self) -> bool:
        """Whether the honeypot was filled."""
        return bool((self.reference.data or "").strip())


class MonthField(StringField):
    """A month as YYYY-MM, sent whole or as two selects (``<name>-month``, ``<name>-year``).

    The review form shows two selects: ``<input type=month>`` has no picker in Safari and
    Firefox (a bare text box whose format cannot even be hinted: the Nu checker refuses a
    placeholder there), while two selects read the same in every browser and need no typing.
    The value is then checked exactly as a typed one.
    """

    from_parts = False

    def process(self, formdata, data=unset_value, extra_filters=None):
        """Join the two selects into one YYYY-MM value before the usual processing."""
        if formdata is not None and self.name not in formdata:
            month = formdata.get(f"{self.name}-month", "")
            year = formdata.get(f"{self.name}-year", "")
            if month or year:
                self.from_parts = True
                formdata = MultiDict({self.name: f"{year}-{month}"})
        super().process(formdata, data, extra_filters)

    def part(self, index: int) -> str:
        """The year (0) or month (1) of the current value, for the selects."""
        parts = (self.data or "").split("-")
        return parts[index] if len(parts) == 2 else ""

    @staticmethod
    def months() -> list[tuple[str, str]]:
        """("01", "January") … in the interface language."""
        names = get_month_names("wide", context="stand-alone", locale=get_locale())
        return [(f"{n:02d}", names[n][:1].upper() + names[n][1:]) for n in range(1, 13)]

    @staticmethod
    def years() -> list[str]:
        """This year back to 2000, the range the check accepts."""
        return [str(y) for y in range(today().year, 1999, -1)]


class ReviewForm(_Honeypot, FlaskForm):
    """A client's review of an agency (open form, or through an invitation without ``email``)."""

    rating = _score(_l("Overall rating"), 1, 5)
    quality = _score(_l("Quality of work"), 1, 5)
    schedule = _score(_l("Schedule"), 1, 5)
    cost = _score(_l("Value for money"), 1, 5)
    willing_to_refer = _score(_l("How likely are you to refer this agency to a peer?"), 0, 10)
    project_month = MonthField(
        _l("When did the project take place?"),
        description=_l("Month and year, for example 2025-03."),
        filters=[clean_line],
        validators=[DataRequired()],
    )
    service = SelectField(
        _l("Which service was the project about?"),
        description=_l("Choose among the services this agency offers, if one fits."),
        validate_choice=False,  # validate_service says why, in the interface language
    )
    title = StringField(
        _l("Title of your review"),
        filters=[clean_line],
        validators=[DataRequired(), Length(max=120)],
    )
    background = _section("background")
    challenge = _section("challenge")
    solution = _section("solution")
    results = _section("results")
    author_name = StringField(
        _l("Your name"), filters=[clean_line], validators=[DataRequired(), Length(max=120)]
    )
    author_role = StringField(
        _l("Your job title"), filters=[clean_line], validators=[Optional(), Length(max=120)]
    )
    author_company = StringField(
        _l("Your company"), filters=[clean_line], validators=[Optional(), Length(max=120)]
    )
    email = _email(_l("Your email address"))
    consent = BooleanField(
        _l(
            "I agree to the publication of this review with my name, role and company "
            "(never my email address), and I declare it reflects my own experience."
        ),
        validators=[DataRequired(_l("Your consent is needed to publish the review."))],
    )

    def validate(self, extra_validators=None) -> bool:
        """The field checks, then: the four sections together say something."""
        valid = super().validate(extra_validators)
        written = sum(len(self[name].data or "") for name in SECTIONS)
        if written < SECTIONS_MIN:
            self.results.errors = [
                *self.results.errors,
                _l(
                    "Tell us about the project in at least %(n)d characters over the four "
                    "sections.",
                    n=SECTIONS_MIN,
                ),
            ]
            return False
        return valid

    def offer_services(self, services: list[str]) -> None:
        """List the agency's own services (labels in the interface language) in the select."""
        self.offered = list(services)
        self.service.choices = [
            ("", _l("Choose a service (optional)")),
            *((slug, taxonomy.label(taxonomy.SERVICES, slug)) for slug in self.offered),
            (OTHER_SERVICE, _l("Other / not listed")),
        ]

    def validate_service(self, field):
        """Only a service the agency offers (or none): the profile filters reviews by it."""
        value = field.data or ""
        if value and value != OTHER_SERVICE and value not in getattr(self, "offered", ()):
            raise ValidationError(_l("Choose one of this agency's services, or “Other”."))

    def validate_project_month(self, field):
        """A month between 2000 and now, written YYYY-MM (what ``<input type=month>`` sends)."""
        field.month = None
        match = MONTH.fullmatch(field.data or "")
        if match:
            month = dt.date(int(match[1]), int(match[2]), 1)
            if dt.date(2000, 1, 1) <= month <= today():
                field.month = month
                return
        if field.from_parts:
            raise ValidationError(
                _l("Choose the month and the year; the month cannot be later than this one.")
            )
        raise ValidationError(_l("Enter a past month as YYYY-MM, for example 2025-03."))

    def content(self) -> dict:
        """The validated review as the columns of a submission or review."""
        data = {
            name: self[name].data
            for name in (
                "rating",
                "quality",
                "schedule",
                "cost",
                "willing_to_refer",
                "title",
                "author_name",
            )
        }
        for name in ("author_role", "author_company", *SECTIONS):
            data[name] = self[name].data or None
        data["project_date"] = self.project_month.month
        service = self.service.data or None
        data["service"] = None if service == OTHER_SERVICE else service
        return data


class InviteClientForm(FlaskForm):
    """An agency invites a client it worked with; the project is declared up front."""

    client_name = StringField(
        _l("Client's name"), filters=[clean_line], validators=[DataRequired(), Length(max=120)]
    )
    client_company = StringField(
        _l("Client's company"), filters=[clean_line], validators=[DataRequired(), Length(max=120)]
    )
    client_email = _email(_l("Client's email address"))
    project = TextAreaField(
        _l("Project you worked on together"),
        filters=[clean_text],
        validators=[DataRequired(), Length(max=PROJECT_MAX)],
    )


class ResponseForm(FlaskForm):
    """The agency's one public response to a review."""

    response = TextAreaField(
        _l("Your public response"),
        filters=[clean_text],
        validators=[DataRequired(), Length(max=RESPONSE_MAX)],
    )


class ReportForm(_Honeypot, FlaskForm):
    """Anyone reports a published review that breaks the rules."""

    reason = RadioField(
        _l("What is wrong with this review?"),
        choices=[SelectChoice(reason, REPORT_LABELS[reason]) for reason in REPORT_REASONS],
        validators=[InputRequired(_l("Choose a reason."))],
    )
    details = TextAreaField(
        _l("Details (optional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=REPORT_DETAILS_MAX)],
    )


class RejectReviewForm(FlaskForm):
    """A moderator rejects a review; the reason is emailed to its author."""

    reason = StringField(
        _l("Reason (emailed to the reviewer)"),
        filters=[clean_line],
        validators=[DataRequired(), Length(max=500)],
    )
